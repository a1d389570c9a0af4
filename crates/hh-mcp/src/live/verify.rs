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
            Verdict::Surface(negotiation_change(&negotiation, vacancy_name(&negotiation)))
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
                .chat_messages(chat, Some(message), 1, types::ChatOrder::Next)
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
            let of = vacancy.employer.as_ref().and_then(|e| e.id.as_deref());
            if of != Some(employer.as_str()) {
                return Verdict::Drop(format!("vacancy {id} is not this account's employer's"));
            }
            Verdict::Surface(Change {
                dedup_key: format!("vacancy:{id}:{}:{}", event.kind, event.hh_event_id),
                kind: "vacancy".into(),
                vacancy_id: Some(id.to_string()),
                summary: json!({
                    "what": event.kind.to_ascii_lowercase(),
                    "vacancy": {"id": vacancy.id, "name": vacancy.name},
                    "archived": vacancy.archived.unwrap_or(false),
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

/// A negotiation as it stands: one change per negotiation and employer state.
pub fn negotiation_change(n: &types::Negotiation, vacancy_name: Option<&str>) -> Change {
    let state = n
        .employer_state
        .as_ref()
        .map(|s| s.id.clone())
        .unwrap_or_else(|| n.state.id.clone());
    let vacancy = n.vacancy.as_ref().map(|v| v.id.clone());
    Change {
        dedup_key: format!("negotiation:{}:{state}", n.id),
        kind: "negotiation".into(),
        vacancy_id: vacancy.clone(),
        negotiation_id: Some(n.id.clone()),
        chat_id: n.chat_id.map(|c| c.to_string()),
        summary: json!({
            "negotiation_id": n.id,
            "vacancy": vacancy.map(|id| json!({"id": id, "name": vacancy_name})),
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

fn vacancy_name(n: &types::Negotiation) -> Option<&str> {
    n.vacancy.as_ref().map(|v| v.name.as_str())
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
