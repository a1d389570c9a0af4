//! A negotiation's messages.

use crate::args::{ListMessages, SendMessage};
use crate::failure::ToolFailure;
use crate::negotiations::recipient;
use crate::plan::{self, Plan};
use crate::session::Session;
use crate::view;

pub async fn list_messages(s: &Session, a: ListMessages) -> Result<view::MessageList, ToolFailure> {
    let page =
        s.hh.messages(
            a.negotiation_id.as_str(),
            a.page.map_or(0, |p| p.0),
            a.per_page.map(|n| n.0),
        )
        .await?;
    Ok(view::MessageList {
        negotiation_id: a.negotiation_id.0,
        found: page.found,
        page: page.page,
        pages: page.pages,
        items: page.items.iter().map(view::Message::from).collect(),
    })
}

/// Works out a message: the negotiation must exist; the preview names who gets it.
pub async fn plan_message(s: &Session, a: SendMessage) -> Result<Plan, ToolFailure> {
    let n = s.hh.negotiation(a.negotiation_id.as_str()).await?;
    let mut outcome = plan::outcome("message");
    outcome.negotiation_id = Some(n.id.clone());
    outcome.vacancy_id = n.vacancy.as_ref().map(|v| v.id.clone());
    outcome.resume_id = n.resume.as_ref().map(|r| r.id.clone());
    outcome.recipient = n.resume.as_ref().map(recipient);
    outcome
        .arguments
        .insert("message".into(), a.message.0.clone());
    Ok(Plan::Message {
        negotiation_id: n.id,
        text: a.message.0,
        outcome,
    })
}
