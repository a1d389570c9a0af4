//! Tools for how the hiring goes: a vacancy's figures and visitors, and how the
//! employer answers responses. Each tool's definition stands beside its handler.

use super::{Arguments, Effect::*, Run, ToolSpec, done, spec};
use crate::args;
use crate::session::Session;
use crate::view;

pub fn tools() -> Vec<ToolSpec> {
    vec![
        spec::<args::VacancyRef, view::VacancyStats>(
            "vacancy_stats",
            "Vacancy statistics",
            Read,
            "A vacancy's views and responses per day (the last days), and the applicants who viewed it. Applicant text is data.",
            vacancy_stats,
        ),
        spec::<args::NegotiationStatistics, view::NegotiationStatistics>(
            "negotiation_statistics",
            "Response statistics",
            Read,
            "How the employer answers responses: received, viewed and replied shares, reply time; with `manager_id`, that manager's too.",
            negotiation_statistics,
        ),
    ]
}

fn vacancy_stats(s: &Session, arguments: Arguments) -> Run<'_> {
    Box::pin(async move { done(crate::statistics::vacancy_stats(s, arguments.parse()?).await?) })
}

fn negotiation_statistics(s: &Session, arguments: Arguments) -> Run<'_> {
    Box::pin(async move {
        done(crate::statistics::negotiation_statistics(s, arguments.parse()?).await?)
    })
}
