//! `hh-mcp export`: every negotiation of a vacancy, across its collections, as JSON lines
//! for people and scripts (a spreadsheet, `jq`, a nightly copy).
//!
//! The whole vacancy is fetched first ([`fetch`], over hh-api's `vacancy_negotiations`:
//! one request for the collections, then every page under one bound), and only then
//! written ([`write_lines`]), so a failed fetch prints nothing rather than part of a
//! vacancy.

use std::io::Write;

use hh_api::{VacancyFetch, VacancyNegotiations};
use serde::Serialize;

use crate::failure::ToolFailure;
use crate::session::Session;
use crate::view::NegotiationSummary;

/// One line of the export: the negotiation as `list_negotiations` shows it, and the
/// collection it was listed in.
#[derive(Serialize)]
struct Line<'a> {
    collection: &'a str,
    #[serde(flatten)]
    negotiation: NegotiationSummary,
}

/// Every negotiation of `vacancy_id`, with at most `concurrency` requests in flight.
pub async fn fetch(
    s: &Session,
    vacancy_id: &str,
    concurrency: usize,
) -> Result<VacancyNegotiations, ToolFailure> {
    let how = VacancyFetch {
        concurrency,
        ..VacancyFetch::default()
    };
    Ok(s.hh.vacancy_negotiations(vacancy_id, &how).await?)
}

/// One JSON line per negotiation, collection after collection, in hh's order.
pub fn write_lines(all: &VacancyNegotiations, out: &mut impl Write) -> std::io::Result<()> {
    for c in &all.collections {
        for n in &c.negotiations {
            let line = Line {
                collection: &c.collection.id,
                negotiation: NegotiationSummary::from(n),
            };
            serde_json::to_writer(&mut *out, &line)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()
}

/// What the export holds, for stderr: counts per collection, and a warning when a list
/// changed while it was read.
pub fn summary(all: &VacancyNegotiations) -> String {
    let per_collection: Vec<String> = all
        .collections
        .iter()
        .map(|c| format!("{} {}", c.collection.id, c.negotiations.len()))
        .collect();
    let mut text = format!(
        "exported {} negotiations of vacancy {} ({}) in {} requests",
        all.negotiations().count(),
        all.vacancy_id,
        per_collection.join(", "),
        all.requests
    );
    if all.moved_during_fetch > 0 {
        text.push_str(&format!(
            "\n{} moved to another collection while the export ran; each is written once, where hh updated it last",
            all.moved_during_fetch
        ));
    }
    for c in &all.collections {
        let got = c.negotiations.len() as u32;
        if got < c.found {
            text.push_str(&format!(
                "\nwarning: collection {} changed while it was read: {got} of its {} negotiations were exported; run the export again for a complete copy",
                c.collection.id, c.found
            ));
        }
    }
    text
}
