//! Inviting an applicant to a vacancy, with the invite actions hh offers for that
//! vacancy and resume (`negotiations_actions`), and only when `can_invite` says so.

use hh_api::Pairs;

use crate::args::InviteApplicant;
use crate::failure::ToolFailure;
use crate::plan::{self, Plan};
use crate::session::Session;
use crate::vacancies::vacancy_for_resume;

/// hh charges an invitation to the employer's resume-database access.
pub const INVITATION_COST: &str = "An invitation spends one of the employer's resume contacts \
     (hh.ru's paid access to the resume database).";

pub async fn plan_invitation(s: &Session, a: InviteApplicant) -> Result<Plan, ToolFailure> {
    let vacancy = vacancy_for_resume(s, a.vacancy_id.as_str(), &a.resume_id).await?;
    if !vacancy.can_invite {
        let why = match vacancy
            .employer_negotiations_state
            .as_ref()
            .or(vacancy.negotiations_state.as_ref())
        {
            Some(state) => format!(
                "this resume already has a negotiation on this vacancy (state `{}`, {}); \
                 use change_negotiation_state on it instead",
                state.id, state.name
            ),
            None => "hh.ru says this resume cannot be invited to this vacancy \
                     (can_invite is false: no access to the resume database, or the resume is hidden)"
                .to_string(),
        };
        return Err(ToolFailure(format!(
            "cannot invite resume {} to vacancy {}: {why}",
            a.resume_id, a.vacancy_id
        )));
    }
    let action = hh_api::action::pick(
        &vacancy.negotiations_actions,
        a.action.as_ref().map(|x| x.as_str()),
    )
    .ok_or_else(|| {
        let offered: Vec<&str> = vacancy
            .negotiations_actions
            .iter()
            .map(|x| x.id.as_str())
            .collect();
        ToolFailure(match &a.action {
            Some(id) => format!(
                "vacancy {} offers no invite action `{id}` for this resume; offered: {}",
                a.vacancy_id,
                if offered.is_empty() {
                    "none".to_string()
                } else {
                    offered.join(", ")
                }
            ),
            None => format!(
                "vacancy {} offers no enabled invite action for this resume",
                a.vacancy_id
            ),
        })
    })?;
    let mut arguments: Pairs = vec![
        ("resume_id".into(), a.resume_id.0.clone()),
        ("vacancy_id".into(), a.vacancy_id.0.clone()),
        ("message".into(), a.message.0),
    ];
    if let Some(sms) = a.send_sms {
        arguments.push(("send_sms".into(), sms.to_string()));
    }
    if let Some(addr) = a.address_id {
        arguments.push(("address_id".into(), addr.0));
    }
    let mut outcome = plan::outcome(&action.id);
    outcome.vacancy_id = Some(a.vacancy_id.0.clone());
    outcome.resume_id = Some(a.resume_id.0.clone());
    outcome.recipient = Some(format!(
        "the owner of resume {} (vacancy «{}»)",
        a.resume_id, vacancy.name
    ));
    outcome.cost = Some(INVITATION_COST.to_string());
    Plan::action(action.clone(), arguments, outcome)
}
