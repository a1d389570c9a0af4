//! `POST /hh/webhook/{secret}`: hh.ru's deliveries. The event is stored and answered at
//! once — hh wants 2xx (or 409 for an id it sent before) within 2 s — and nothing here
//! calls hh.ru: the worker re-reads the thing later, with the account's token.
//!
//! hh signs nothing, so the secret in the path is what says the POST is hh's: an unknown
//! one gets a bare 404, and the secret is never logged (the request log shows the route).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use hh_api::WebhookDelivery;
use hh_store::{NewEvent, Recorded, Store};
use http::StatusCode;
use serde_json::{Value, json};

/// The largest delivery accepted; hh's are a few hundred bytes.
pub const MAX_WEBHOOK_BYTES: usize = 16 * 1024;

/// hh's event ids are short; anything longer is not hh's.
const MAX_ID_CHARS: usize = 200;

pub async fn receive(
    State(store): State<Arc<Store>>,
    Path(secret): Path<String>,
    body: Body,
) -> Response {
    let bytes = match axum::body::to_bytes(body, MAX_WEBHOOK_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            return answer(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("a webhook delivery is at most {MAX_WEBHOOK_BYTES} bytes"),
            );
        }
    };
    let account = match store.webhook_account(&secret).await {
        Ok(Some(account)) => account,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "webhook: the store is unavailable");
            return answer(
                StatusCode::SERVICE_UNAVAILABLE,
                "the store is unavailable; send it again",
            );
        }
    };
    let event = match parse(&bytes) {
        Ok(e) => e,
        Err(why) => return answer(StatusCode::BAD_REQUEST, &why),
    };
    match store.record_event(&account, &event).await {
        Ok(Recorded::Stored(_)) => answer(StatusCode::ACCEPTED, "stored"),
        Ok(Recorded::Duplicate) => {
            answer(StatusCode::CONFLICT, "this event id was received before")
        }
        Err(e) => {
            tracing::warn!(error = %e, "webhook: could not store an event");
            answer(
                StatusCode::SERVICE_UNAVAILABLE,
                "the store is unavailable; send it again",
            )
        }
    }
}

/// The delivery as an event: hh's `WebhookSendObjectBaseUser`, with the ids its kind's
/// payload names. An error says what is wrong, for whoever reads hh's delivery log.
pub fn parse(body: &[u8]) -> Result<NewEvent, String> {
    let delivery: WebhookDelivery = serde_json::from_slice(body)
        .map_err(|e| format!("not an hh.ru webhook delivery (WebhookSendObjectBaseUser): {e}"))?;
    for (name, value) in [
        ("id", &delivery.id),
        ("subscription_id", &delivery.subscription_id),
        ("action_type", &delivery.action_type),
    ] {
        if value.trim().is_empty() || value.chars().count() > MAX_ID_CHARS {
            return Err(format!(
                "`{name}` must be a non-empty string of at most {MAX_ID_CHARS} characters"
            ));
        }
    }
    let Value::Object(payload) = &delivery.payload else {
        return Err("`payload` must be an object".to_string());
    };
    let id = |name: &str| -> Result<Option<String>, String> {
        match payload.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if !s.is_empty() && s.chars().count() <= MAX_ID_CHARS => {
                Ok(Some(s.clone()))
            }
            Some(_) => Err(format!("`payload.{name}` must be a short string")),
        }
    };
    let required = |name: &str| -> Result<Option<String>, String> {
        id(name)?
            .map(Some)
            .ok_or_else(|| format!("`payload.{name}` is required for {}", delivery.action_type))
    };
    let mut event = NewEvent {
        hh_event_id: delivery.id.clone(),
        kind: delivery.action_type.clone(),
        payload: String::from_utf8_lossy(body).into_owned(),
        ..NewEvent::default()
    };
    match delivery.action_type.as_str() {
        "NEW_RESPONSE_OR_INVITATION_VACANCY" | "NEW_NEGOTIATION_VACANCY" => {
            event.negotiation_id = required("topic_id")?;
            event.vacancy_id = id("vacancy_id")?;
            event.chat_id = id("chat_id")?;
        }
        "NEGOTIATION_EMPLOYER_STATE_CHANGE" => {
            event.negotiation_id = required("topic_id")?;
            event.vacancy_id = id("vacancy_id")?;
        }
        "CHAT_MESSAGE_CREATED" => {
            event.chat_id = required("chat_id")?;
            event.message_id = required("message_id")?;
        }
        "VACANCY_ARCHIVATION"
        | "VACANCY_CHANGE"
        | "VACANCY_PROLONGATION"
        | "VACANCY_PUBLICATION_FOR_VACANCY_MANAGER" => {
            event.vacancy_id = required("vacancy_id")?;
        }
        // A kind hh added later: kept, and dropped by the worker with that reason.
        _ => {}
    }
    Ok(event)
}

fn answer(status: StatusCode, message: &str) -> Response {
    let body = json!({ "status": message }).to_string();
    (
        status,
        [(http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_names_its_subjects() {
        let body = json!({"id": "e1", "subscription_id": "s", "action_type": "CHAT_MESSAGE_CREATED",
            "user_id": "u", "payload": {"chat_id": "5", "message_id": "9", "message_type": "SIMPLE",
            "sender_participant_id": "p", "is_current_participant": false,
            "creation_time": "2026-11-30T10:00:00+0300", "role": "APPLICANT"}});
        let e = parse(body.to_string().as_bytes()).unwrap();
        assert_eq!(
            (e.chat_id.as_deref(), e.message_id.as_deref()),
            (Some("5"), Some("9"))
        );
        assert_eq!(e.kind, "CHAT_MESSAGE_CREATED");
    }

    #[test]
    fn malformed_deliveries_say_what_is_wrong() {
        for (body, says) in [
            ("{", "not an hh.ru webhook delivery"),
            (
                r#"{"subscription_id":"s","action_type":"X","payload":{}}"#,
                "`id`",
            ),
            (
                r#"{"id":"","subscription_id":"s","action_type":"X","payload":{}}"#,
                "`id` must be",
            ),
            (
                r#"{"id":"e","subscription_id":"s","action_type":"X","payload":[]}"#,
                "`payload` must be an object",
            ),
            (
                r#"{"id":"e","subscription_id":"s","action_type":"CHAT_MESSAGE_CREATED","payload":{"chat_id":"1"}}"#,
                "`payload.message_id` is required",
            ),
            (
                r#"{"id":"e","subscription_id":"s","action_type":"VACANCY_CHANGE","payload":{"vacancy_id":7}}"#,
                "`payload.vacancy_id` must be a short string",
            ),
        ] {
            let err = parse(body.as_bytes()).unwrap_err();
            assert!(err.contains(says), "{body}: {err}");
        }
    }
}
