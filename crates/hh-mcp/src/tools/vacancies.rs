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
            "Who the hh.ru token belongs to: the manager and the employer.",
            get_me,
        ),
        spec::<args::ListVacancies, view::VacancyList>(
            "list_vacancies",
            "List vacancies",
            Read,
            "The employer's active vacancies, a page at a time. With `resume_id`: the vacancies that resume fits, with `can_invite` and the invite actions.",
            list_vacancies,
        ),
        spec::<args::InviteApplicant, view::ActionOutcome>(
            "invite_applicant",
            "Invite an applicant",
            ReachesPerson,
            "Invite a resume's owner to a vacancy with a message, by an invite action hh offers; refused with hh's reason when not possible. Spends a resume contact. Reaches a person: the user confirms (or a preview comes back and `confirm: true` sends).",
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
