//! A negotiation's messages: listed oldest first and paged; sent only once there has
//! been an invitation (hh's `no_invitation` rule).

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde_json::Value;

use crate::errors::{ApiError, ApiResult};
use crate::http::{Params, json, ok, page_of};
use crate::model::{Author, Message, now};
use crate::pipeline::ApplicantState;
use crate::render::Render;
use crate::routes::negotiations::{MAX_MESSAGE_CHARS, MAX_PER_PAGE};
use crate::state::AppState;

/// hh stops the employer after this many messages in a row without an answer.
pub const IN_A_ROW_LIMIT: usize = 5;

/// `GET /negotiations/{nid}/messages`. Reading the messages counts as the employer
/// having seen the negotiation, as hh documents.
pub async fn list(
    State(st): State<AppState>,
    Path(nid): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let q = Params::query(&query);
    let (page, per_page) = q.paging(MAX_PER_PAGE)?;
    let text_only = q.flag("with_text_only")?;
    let mut world = st.world_mut();
    let n = world
        .negotiation_mut(&nid)
        .ok_or_else(ApiError::not_found)?;
    let messages: Vec<Message> = n
        .messages
        .iter()
        .filter(|m| !text_only || !m.text.is_empty())
        .cloned()
        .collect();
    n.mark_read();
    let (items, meta) = page_of(&messages, page, per_page);
    let render = Render::new(&st.base_url, &world);
    let mut body = Value::Object(meta);
    body["items"] = items.iter().map(|m| render.message(m)).collect();
    Ok(ok(&body))
}

/// `POST /negotiations/{nid}/messages` with form `message`.
pub async fn send(
    State(st): State<AppState>,
    Path(nid): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult {
    let form = Params::form_and_query(&body, &query);
    let mut world = st.world_mut();
    let n = world.negotiation(&nid).ok_or_else(ApiError::not_found)?;
    let text = form
        .get("message")
        .ok_or_else(|| ApiError::bad_argument("message"))?;
    let forbidden = |value: &str| ApiError::negotiations(StatusCode::FORBIDDEN, value);
    if text.trim().is_empty() {
        return Err(forbidden("message_cannot_be_empty"));
    }
    if text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(forbidden("too_long_message"));
    }
    if !n.messaging_open() {
        return Err(forbidden("no_invitation"));
    }
    if !world
        .vacancy(&n.vacancy_id)
        .is_some_and(|v| v.allow_messages)
    {
        return Err(forbidden("disabled_by_employer"));
    }
    let in_a_row = n
        .messages
        .iter()
        .rev()
        .take_while(|m| m.author == Author::Employer)
        .count();
    if in_a_row >= IN_A_ROW_LIMIT {
        return Err(forbidden("in_a_row_limit"));
    }

    let id = world.new_message_id();
    let at = now();
    let n = world
        .negotiation_mut(&nid)
        .ok_or_else(ApiError::not_found)?;
    // The first message after a silent move tells the applicant: their state changes.
    let state = match n.pending_applicant_state.take() {
        Some(s) => {
            n.applicant_state = s;
            match s {
                ApplicantState::Invitation => ("invitation", "Приглашение"),
                ApplicantState::Discard => ("discard", "Отказ"),
                ApplicantState::Response => ("text", "Текст"),
            }
        }
        None => ("text", "Текст"),
    };
    let message = Message {
        id,
        author: Author::Employer,
        created_at: at,
        text: text.to_string(),
        state,
        read_by_employer: true,
        read_by_applicant: false,
    };
    n.messages.push(message.clone());
    n.updated_at = at;
    n.mark_read();
    n.viewed_by_opponent = false;
    let rendered = Render::new(&st.base_url, &world).message(&message);
    Ok(json(StatusCode::CREATED, &rendered))
}
