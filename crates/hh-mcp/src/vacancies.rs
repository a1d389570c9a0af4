//! Who am I, and the employer's vacancies (with invite options for a resume).

use hh_api::types;

use crate::args::{self, ListVacancies};
use crate::failure::ToolFailure;
use crate::session::Session;
use crate::view;

pub async fn get_me(s: &Session) -> Result<view::Me, ToolFailure> {
    let me = s.hh.me().await?;
    Ok(view::Me::from(&me))
}

pub async fn list_vacancies(
    s: &Session,
    a: ListVacancies,
) -> Result<view::VacancyList, ToolFailure> {
    a.check()?;
    let employer_id = s.employer_id().await?;
    let page = fetch_page(s, employer_id, &a, a.page.map_or(0, |p| p.0)).await?;
    let count = |n: i64| view::count(n).unwrap_or(0);
    Ok(match page {
        types::VacanciesPage::ActiveVacanciesPage(page) => view::VacancyList {
            found: count(page.found),
            page: count(page.page),
            pages: count(page.pages),
            items: page.items.iter().map(view::Vacancy::from).collect(),
        },
        types::VacanciesPage::VacanciesForResume(page) => view::VacancyList {
            found: count(page.found),
            page: count(page.page),
            pages: count(page.pages),
            items: page.items.iter().map(view::Vacancy::from).collect(),
        },
    })
}

async fn fetch_page(
    s: &Session,
    employer_id: &str,
    a: &ListVacancies,
    page: u32,
) -> Result<types::VacanciesPage, hh_api::Error> {
    let mut call =
        s.hh.api()
            .list_active_vacancies()
            .employer_id(employer_id)
            .page(page);
    if let Some(n) = a.per_page {
        call = call.per_page(n.0.min(hh_api::MAX_PER_PAGE));
    }
    if let Some(r) = &a.resume_id {
        call = call.resume_id(r.as_str());
    }
    if let Some(t) = &a.text {
        call = call.text(t.as_str());
    }
    if let Some(all) = a.all_accessible {
        call = call.all_accessible(all);
    }
    if !a.manager_ids.is_empty() {
        let ids: Vec<&str> = a.manager_ids.iter().map(args::Id::as_str).collect();
        call = call.manager_ids(ids.join(","));
    }
    s.hh.read(call.send()).await
}

/// The vacancy as hh shows it for this resume: `can_invite` and the invite actions.
/// Looks through every page of the employer's active vacancies.
pub async fn vacancy_for_resume(
    s: &Session,
    vacancy_id: &str,
    resume_id: &args::Id,
) -> Result<types::VacancyForResume, ToolFailure> {
    let employer_id = s.employer_id().await?;
    let query = ListVacancies {
        page: None,
        per_page: Some(args::Count(hh_api::MAX_PER_PAGE)),
        resume_id: Some(resume_id.clone()),
        text: None,
        all_accessible: None,
        manager_ids: Vec::new(),
    };
    let query = &query;
    let all = hh_api::fetch_all_pages(
        |page| async move {
            fetch_page(s, employer_id, query, page)
                .await?
                .into_for_resume()
        },
        s.page_concurrency,
    )
    .await?;
    all.items
        .into_iter()
        .find(|v| v.id == vacancy_id)
        .ok_or_else(|| {
            // With resume_id hh lists only the vacancies the resume fits, so absence does
            // not mean the vacancy is closed.
            ToolFailure(format!(
                "vacancy {vacancy_id} is not among the vacancies hh.ru lists for resume \
                 {resume_id}: with a resume, hh.ru lists only the employer's active vacancies \
                 that fit it, so this resume cannot be invited to vacancy {vacancy_id} this way. \
                 Check the ids with list_vacancies (with and without resume_id)."
            ))
        })
}
