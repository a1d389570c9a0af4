//! How the hiring goes, in hh's figures: a vacancy's views and responses of the last days
//! with the applicants who viewed it, and how the employer (or one manager) answers
//! responses.

use hh_api::Paged;
use hh_api::types;

use crate::args::{NegotiationStatistics, VacancyRef};
use crate::failure::ToolFailure;
use crate::session::Session;
use crate::view;

/// How many visitors the tool shows: enough to pick from, few enough to stay compact.
const VISITORS_SHOWN: u32 = 10;

pub async fn vacancy_stats(s: &Session, a: VacancyRef) -> Result<view::VacancyStats, ToolFailure> {
    let id = a.vacancy_id.as_str();
    let (stats, visitors) = futures::try_join!(
        s.hh.read::<types::VacancyStats, _>(s.hh.api().get_vacancy_stats().vacancy_id(id).send()),
        s.hh.read::<types::VacancyVisitorsPage, _>(
            s.hh.api()
                .list_vacancy_visitors()
                .vacancy_id(id)
                .per_page(VISITORS_SHOWN)
                .send()
        ),
    )?;
    let whole = |n: Option<f64>| n.map(|n| n.max(0.0) as u64);
    let days: Vec<view::VacancyDay> = stats
        .items
        .iter()
        .map(|d| view::VacancyDay {
            date: d.date.clone(),
            views: whole(d.views),
            responses: whole(d.responses),
        })
        .collect();
    Ok(view::VacancyStats {
        vacancy_id: a.vacancy_id.0,
        views: days.iter().filter_map(|d| d.views).sum(),
        responses: days.iter().filter_map(|d| d.responses).sum(),
        days,
        visitors_found: visitors.found(),
        visitors: visitors.items.iter().map(view::FoundResume::from).collect(),
    })
}

pub async fn negotiation_statistics(
    s: &Session,
    a: NegotiationStatistics,
) -> Result<view::NegotiationStatistics, ToolFailure> {
    let employer_id = s.employer_id().await?;
    let employer: types::EmployerNegotiationsStatistics =
        s.hh.read(
            s.hh.api()
                .get_employer_negotiations_statistics()
                .employer_id(employer_id)
                .send(),
        )
        .await?;
    let manager = match &a.manager_id {
        Some(m) => {
            let stats: types::ManagerNegotiationsStatistics =
                s.hh.read(
                    s.hh.api()
                        .get_manager_negotiations_statistics()
                        .employer_id(employer_id)
                        .manager_id(m.as_str())
                        .send(),
                )
                .await?;
            Some(view::ResponseStatistics::from(&stats.manager_statistics))
        }
        None => None,
    };
    Ok(view::NegotiationStatistics {
        employer: view::ResponseStatistics::from(&employer.employer_statistics),
        manager,
    })
}
