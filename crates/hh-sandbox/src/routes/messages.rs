//! The retired `GET/POST /negotiations/{nid}/messages`. hh.ru's description calls them
//! deprecated and no longer supported (use the chats), yet hh still answers them, so the
//! sandbox does too, from the negotiation's chat: only its conversation's text, paged,
//! and sending under the old rules (`no_invitation`, `in_a_row_limit`), answered with
//! the HTML 201 hh's description says employers get. Our spec no
//! longer lists them; the route table marks them retired.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::Value;

use crate::account::Account;
use crate::chat::{Author, Message};
use crate::errors::{ApiError, ApiResult};
use crate::http::{Params, ok, page_of};
use crate::model::now;
use crate::render::Render;
use crate::routes::negotiations::{MAX_MESSAGE_CHARS, MAX_PER_PAGE};
use crate::state::AppState;
use crate::webhooks::events::Change;

/// hh stops the employer after this many messages in a row without an answer.
pub const IN_A_ROW_LIMIT: usize = 5;

/// `GET /negotiations/{nid}/messages`. Reading the messages counts as the employer
/// having seen the negotiation, as hh documented.
pub async fn list(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    Path(nid): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let q = Params::query(&query);
    let (page, per_page) = q.paging(MAX_PER_PAGE)?;
    let text_only = q.flag("with_text_only")?;
    let mut world = st.world_mut();
    let chat_id = account
        .negotiation(&world, &nid)
        .ok_or_else(ApiError::not_found)?
        .chat_id;
    world.mark_negotiation_read(&nid, account.manager);
    let chat = world.chat(chat_id).ok_or_else(ApiError::not_found)?;
    let positions: Vec<usize> = chat
        .messages
        .iter()
        .enumerate()
        .filter(|(_, m)| m.is_conversation() && m.text.is_some())
        .filter(|(_, m)| !text_only || m.text.as_deref().is_some_and(|t| !t.is_empty()))
        .map(|(i, _)| i)
        .collect();
    let (items, meta) = page_of(&positions, page, per_page);
    let render = Render::new(&st.base_url, &world).acting_as(account);
    let mut body = Value::Object(meta);
    body["items"] = items
        .iter()
        .map(|&i| render.retired_message(chat, i))
        .collect();
    Ok(ok(&body))
}

/// `POST /negotiations/{nid}/messages` with form `message`.
pub async fn send(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    Path(nid): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult {
    let form = Params::form_and_query(&body, &query);
    let mut world = st.world_mut();
    let n = account
        .negotiation(&world, &nid)
        .ok_or_else(ApiError::not_found)?;
    let chat = world.chat(n.chat_id).ok_or_else(ApiError::not_found)?;
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
    let in_a_row = chat
        .messages
        .iter()
        .rev()
        .filter(|m| m.is_conversation())
        .take_while(|m| m.author.is_employer())
        .count();
    if in_a_row >= IN_A_ROW_LIMIT {
        return Err(forbidden("in_a_row_limit"));
    }

    let chat_id = chat.id;
    let id = world.new_message_id();
    let at = now();
    let state = world.employer_writes(&nid, at);
    world.mark_negotiation_read(&nid, account.manager);
    let chat = world.chat_mut(chat_id).ok_or_else(ApiError::not_found)?;
    chat.push(Message::text(
        id.clone(),
        Author::Manager(account.manager),
        at,
        text.to_string(),
        state,
    ));
    st.webhooks.publish(
        &world,
        Change::ChatMessage {
            chat_id,
            message_id: &id,
        },
    );
    // hh answers an employer's send here with an HTML 201, not the JSON message.
    Ok((
        StatusCode::CREATED,
        [(header::CONTENT_TYPE, "text/html; charset=UTF-8")],
        "",
    )
        .into_response())
}
