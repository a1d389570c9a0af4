//! What an event is worth once hh.ru has been asked: a webhook is an unsigned poke, so
//! the negotiation, chat message or vacancy it names is re-read with the account's own
//! token, and only what hh.ru returns surfaces. The same views serve reconciliation, so
//! both report a change under one de-duplication key.

use hh_api::{Error, ErrorKind, types};
use hh_store::{Change, NewEvent};
use serde_json::{Value, json};

use crate::session::Session;
use crate::view::ApplicantText;

/// What to do with an event.
#[derive(Debug)]
pub enum Verdict {
    Surface(Change),
    /// For good, with the reason kept beside the event.
    Drop(String),
    /// hh.ru could not answer now: try again later.
    Retry(String),
}

/// Re-reads what the event names and decides.
pub async fn verify(session: &Session, event: &NewEvent) -> Verdict {
    match event.kind.as_str() {
        "NEW_RESPONSE_OR_INVITATION_VACANCY"
        | "NEW_NEGOTIATION_VACANCY"
        | "NEGOTIATION_EMPLOYER_STATE_CHANGE" => {
            let Some(id) = event.negotiation_id.as_deref() else {
                return Verdict::Drop("the event names no negotiation".into());
            };
            let negotiation = match session.hh.negotiation(id).await {
                Ok(n) => n,
                Err(e) => return failed(&e, &format!("negotiation {id}")),
            };
            let vacancy = negotiation.vacancy.as_ref().map(|v| v.id.as_str());
            if let (Some(said), Some(is)) = (event.vacancy_id.as_deref(), vacancy)
                && said != is
            {
                return Verdict::Drop(format!(
                    "the event says vacancy {said}, hh.ru's negotiation {id} is of vacancy {is}"
                ));
            }
            let vacancy = negotiation
                .vacancy
                .as_ref()
                .map(|v| (v.id.as_str(), v.name.as_str()));
            Verdict::Surface(negotiation_change(
                &NegotiationSeen {
                    id: &negotiation.id,
                    employer_state: negotiation.employer_state.as_ref().map(|s| s.id.as_str()),
                    state: &negotiation.state.id,
                    chat_id: negotiation.chat_id,
                    updated_at: &negotiation.updated_at,
                },
                vacancy,
            ))
        }
        "CHAT_MESSAGE_CREATED" => {
            let (Some(chat), Some(message)) =
                (event.chat_id.as_deref(), event.message_id.as_deref())
            else {
                return Verdict::Drop("the event names no chat message".into());
            };
            // hh includes the start message in the window it returns.
            let window = match session
                .hh
                .chat_messages(chat, Some(message), 1, types::ListChatMessagesOrder::Next)
                .await
            {
                Ok(w) => w,
                Err(e) => return failed(&e, &format!("chat {chat}")),
            };
            match window.messages.iter().find(|m| m.id == message) {
                Some(m) => Verdict::Surface(message_change(chat, m)),
                None => Verdict::Drop(format!("hh.ru's chat {chat} has no message {message}")),
            }
        }
        "VACANCY_ARCHIVATION"
        | "VACANCY_CHANGE"
        | "VACANCY_PROLONGATION"
        | "VACANCY_PUBLICATION_FOR_VACANCY_MANAGER" => {
            let Some(id) = event.vacancy_id.as_deref() else {
                return Verdict::Drop("the event names no vacancy".into());
            };
            let vacancy = match session
                .hh
                .read(session.hh.api().get_vacancy().vacancy_id(id).send())
                .await
            {
                Ok(v) => v,
                Err(e) => return failed(&e, &format!("vacancy {id}")),
            };
            let employer = match session.employer_id().await {
                Ok(e) => e.to_string(),
                Err(f) => return Verdict::Retry(f.0),
            };
            if vacancy.employer_id() != Some(employer.as_str()) {
                return Verdict::Drop(format!("vacancy {id} is not this account's employer's"));
            }
            Verdict::Surface(Change {
                dedup_key: format!("vacancy:{id}:{}:{}", event.kind, event.hh_event_id),
                kind: "vacancy".into(),
                vacancy_id: Some(id.to_string()),
                summary: json!({
                    "what": event.kind.to_ascii_lowercase(),
                    "vacancy": {"id": vacancy.id(), "name": vacancy.name()},
                    "archived": vacancy.archived(),
                })
                .to_string(),
                ..Change::default()
            })
        }
        other => Verdict::Drop(format!(
            "`{other}` is a kind of event this server does not follow"
        )),
    }
}

/// What a change says of a negotiation, from a whole one or a collection's list item.
pub struct NegotiationSeen<'a> {
    pub id: &'a str,
    pub employer_state: Option<&'a str>,
    /// The applicant-side state, for when hh names no employer state.
    pub state: &'a str,
    pub chat_id: Option<f64>,
    pub updated_at: &'a str,
}

/// A negotiation as it stands: one change per negotiation and employer state. `vacancy`:
/// its id and name.
pub fn negotiation_change(n: &NegotiationSeen<'_>, vacancy: Option<(&str, &str)>) -> Change {
    let state = n.employer_state.unwrap_or(n.state);
    Change {
        dedup_key: format!("negotiation:{}:{state}", n.id),
        kind: "negotiation".into(),
        vacancy_id: vacancy.map(|(id, _)| id.to_string()),
        negotiation_id: Some(n.id.to_string()),
        chat_id: n.chat_id.and_then(crate::view::chat_id),
        summary: json!({
            "negotiation_id": n.id,
            "vacancy": vacancy.map(|(id, name)| json!({"id": id, "name": name})),
            "employer_state": state,
            "updated_at": n.updated_at,
        })
        .to_string(),
    }
}

/// A chat message as hh.ru has it: one change per message. Applicants' text is marked.
pub fn message_change(chat_id: &str, m: &types::ChatMessage) -> Change {
    let role = m.sender_display_info.role.map(|r| r.to_string());
    let from_applicant = role.as_deref() == Some("APPLICANT");
    let text = m.payload.text.as_deref().map(|t| shorten(t, 280));
    let text: Value = match text {
        Some(t) if from_applicant => {
            serde_json::to_value(ApplicantText::new(t)).unwrap_or_default()
        }
        Some(t) => Value::String(t),
        None => Value::Null,
    };
    Change {
        dedup_key: format!("chat:{chat_id}:message:{}", m.id),
        kind: "message".into(),
        chat_id: Some(chat_id.to_string()),
        summary: json!({
            "chat_id": chat_id,
            "message_id": m.id,
            "from": role,
            "text": text,
            "at": m.creation_time,
        })
        .to_string(),
        ..Change::default()
    }
}

/// What an hh.ru failure means for the event: what the account cannot see is dropped,
/// anything that may pass (hh down, rate limits, the network) is retried.
fn failed(e: &Error, what: &str) -> Verdict {
    let kind = e.api().map(|a| a.kind());
    match (e.status().map(|s| s.as_u16()), kind) {
        (_, Some(ErrorKind::NotFound)) | (Some(403 | 404), _) => {
            Verdict::Drop(format!("hh.ru does not show {what} to this account"))
        }
        (_, Some(ErrorKind::TokenRevoked | ErrorKind::InvalidGrant)) => {
            Verdict::Drop("the account's hh.ru sign-in is no longer valid".into())
        }
        _ => Verdict::Retry(format!("hh.ru could not answer for {what}: {e}")),
    }
}

fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}
