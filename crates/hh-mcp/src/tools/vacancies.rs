//! Tools for the employer and its vacancies, and for inviting a resume to one.
//! Each tool's definition stands beside its handler.

use super::{Arguments, Effect::*, Run, ToolSpec, done, planned, spec};
use crate::args;
use crate::session::Session;
use crate::view;

pub fn tools() -> Vec<ToolSpec> {
    vec![
        spec::<args::NoArgs, view::Me>(
            "get_me",
            "Who am I",
            Read,
            "Who the hh.ru token belongs to: the manager, and the employer's id and name.",
            get_me,
        ),
        spec::<args::ListVacancies, view::VacancyList>(
            "list_vacancies",
            "List vacancies",
            Read,
            "The employer's active vacancies, one page at a time (page from 0); colleagues' too with \
             `all_accessible: true` or `manager_ids`. With `resume_id` (alone: hh.ru takes it only with \
             paging), only the vacancies that resume fits, each saying whether it can be invited \
             (`can_invite`), its existing negotiation state, and the invite actions hh offers with \
             their arguments.",
            list_vacancies,
        ),
        spec::<args::InviteApplicant, view::ActionOutcome>(
            "invite_applicant",
            "Invite an applicant",
            ReachesPerson,
            "Invite a resume's owner to a vacancy with a message. Uses the invite actions hh offers for \
             this vacancy and resume (default: the first enabled one) and refuses, with the reason, when \
             hh says the resume cannot be invited. Spends one of the employer's resume contacts; the \
             result names the new negotiation. Reaches a real person: the user confirms first \
             (or, without a confirmation dialog, the first call returns a preview and `confirm: true` sends).",
            invite_applicant,
        ),
    ]
}

fn get_me(s: &Session, arguments: Arguments) -> Run<'_> {
    Box::pin(async move {
        arguments.parse::<args::NoArgs>()?;
        done(crate::vacancies::get_me(s).await?)
    })
}

fn list_vacancies(s: &Session, arguments: Arguments) -> Run<'_> {
    Box::pin(async move { done(crate::vacancies::list_vacancies(s, arguments.parse()?).await?) })
}

fn invite_applicant(s: &Session, arguments: Arguments) -> Run<'_> {
    Box::pin(async move {
        let a: args::InviteApplicant = arguments.parse()?;
        let confirmed_by_caller = a.confirm;
        planned(
            crate::invitations::plan_invitation(s, a).await?,
            confirmed_by_caller,
        )
    })
}
