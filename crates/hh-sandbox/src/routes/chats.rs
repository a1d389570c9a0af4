//! hh.ru's chats (`/common/chats/…`), as an employer uses them: the list and its unread
//! counter, a chat's messages by cursor, sending (with an idempotency key), editing and
//! deleting one's own messages, marking read, the applicant's right to write,
//! participants, and files through the file host.
//!
//! Only the account's employer's chats: another employer's is hh's 404, as a chat "not
//! found or not available to the current user". Read marks and "own message" are the
//! acting work account's.
//!
//! Chat errors name a `reason`, not a `value` (hh's `ErrorsChats*` shapes).

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use crate::account::Account;
use crate::chat::{Attachment, Author, Chat, ManagerInChat, Message, MessageKind};
use crate::errors::{ApiError, ApiResult};
use crate::files;
use crate::http::{LoseAnswer, Params, json, no_content, ok, page_of};
use crate::model::{World, hh_time, now};
use crate::render::Render;
use crate::state::AppState;
use crate::webhooks::events::Change;

/// hh's largest page of chats, and the last page it serves.
pub const MAX_CHATS_PER_PAGE: u32 = 20;
pub const MAX_CHATS_PAGE: u32 = 50;
/// A chat message's text, in characters.
pub const MAX_TEXT_CHARS: usize = 20_000;
/// Messages per window: hh's default and largest.
pub const DEFAULT_LIMIT: usize = 10;
pub const MAX_LIMIT: usize = 50;

fn chat_of<'w>(world: &'w World, account: Account, chat_id: &str) -> Result<&'w Chat, ApiError> {
    account.chat(world, chat_id).ok_or_else(ApiError::not_found)
}

fn chat_mut<'w>(
    world: &'w mut World,
    account: Account,
    chat_id: &str,
) -> Result<&'w mut Chat, ApiError> {
    let id = chat_of(world, account, chat_id)?.id;
    world.chat_mut(id).ok_or_else(ApiError::not_found)
}

fn blocked() -> ApiError {
    ApiError::chats(StatusCode::FORBIDDEN, "forbidden", "chat_blocked")
}

/// `GET /common/chats`: newest activity first; `page` 0..=50, `per_page` 1..=20.
pub async fn list(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let q = Params::query(&query);
    let (page, per_page) = q.paging(MAX_CHATS_PER_PAGE)?;
    if page > MAX_CHATS_PAGE {
        return Err(ApiError::bad_argument("page"));
    }
    let only_unread = q.flag("filter_unread")?;
    let only_text = q.flag("filter_has_text_message")?;
    let world = st.world();
    let mut chats: Vec<&Chat> = account
        .chats(&world)
        .filter(|c| !only_unread || c.unread_for(account.manager) > 0)
        .filter(|c| !only_text || c.has_text_message())
        .collect();
    chats.sort_by(|a, b| {
        b.last_activity()
            .cmp(&a.last_activity())
            .then(b.id.cmp(&a.id))
    });
    let (items, meta) = page_of(&chats, page, per_page);
    let render = Render::new(&st.base_url, &world)
        .acting_as(account)
        .with_files(&st.file_host_url);
    let mut body = Value::Object(meta);
    body["items"] = items.iter().map(|c| render.chat_list_item(c)).collect();
    Ok(ok(&body))
}

/// `GET /common/chats/counters/unread`: chats with unread messages, as a string (hh's).
pub async fn count_unread(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
) -> ApiResult {
    let world = st.world();
    let unread = account
        .chats(&world)
        .filter(|c| c.unread_for(account.manager) > 0)
        .count();
    Ok(ok(&json!({ "unread_chats_count": unread.to_string() })))
}

fn bad_argument(reason: &str) -> ApiError {
    ApiError::chats(StatusCode::BAD_REQUEST, "bad_argument", reason)
}

/// Which messages a window holds: positions `from..to`, and whether the same order
/// has more beyond them.
pub fn window(
    len: usize,
    start: Option<usize>,
    limit: usize,
    backwards: bool,
) -> (std::ops::Range<usize>, bool) {
    if len == 0 {
        return (0..0, false);
    }
    if backwards {
        let last = start.unwrap_or(len - 1);
        let from = (last + 1).saturating_sub(limit);
        (from..last + 1, from > 0)
    } else {
        let first = start.unwrap_or(0);
        let to = (first + limit).min(len);
        (first..to, to < len)
    }
}

/// `GET /common/chats/{chat_id}/messages`: a window from `start_message_id` (included),
/// `limit` 1..=50 (10), `order` `next` (from the first message) or `prev` (from the last).
pub async fn messages(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    Path(chat_id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let q = Params::query(&query);
    let world = st.world();
    let chat = chat_of(&world, account, &chat_id)?;
    let backwards = match q.get("order") {
        None | Some("next") => false,
        Some("prev") => true,
        Some(_) => return Err(bad_argument("bad_order")),
    };
    let limit = match q.get("limit") {
        None => DEFAULT_LIMIT,
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (1..=MAX_LIMIT as i64).contains(&n) => n as usize,
            Ok(_) => return Err(bad_argument("limit_negative_or_more_than_50")),
            Err(_) => return Err(bad_argument("bad_limit")),
        },
    };
    let start = match q.get("start_message_id") {
        None => None,
        Some(id) => Some(
            chat.position(id)
                .ok_or_else(|| bad_argument("bad_start_message_id"))?,
        ),
    };
    let (range, has_more) = window(chat.messages.len(), start, limit, backwards);
    let render = Render::new(&st.base_url, &world)
        .acting_as(account)
        .with_files(&st.file_host_url);
    let mut body = render.chat(chat);
    body.insert("has_more".into(), has_more.into());
    body.insert(
        "messages".into(),
        range.map(|i| render.chat_message(chat, i)).collect(),
    );
    body.insert("chat_states".into(), render.chat_states(chat));
    Ok(ok(&Value::Object(body)))
}

/// A JSON object body, or hh's `bad_json_data`.
fn object_body(body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(ApiError::bad_json("", "invalid")),
    }
}

/// hh's UUID pattern for idempotency keys: 8-4-4-4-12 hex digits.
pub fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// A text of 1..=20000 characters at `pointer`.
fn text_field(value: &Value, pointer: &str) -> Result<String, ApiError> {
    let text = value
        .as_str()
        .ok_or_else(|| ApiError::bad_json(pointer, "invalid"))?;
    let n = text.chars().count();
    if n == 0 {
        return Err(ApiError::bad_json(pointer, "invalid"));
    }
    if n > MAX_TEXT_CHARS {
        return Err(ApiError::bad_json(pointer, "greater_than_max"));
    }
    Ok(text.to_string())
}

/// What a send asks for: text, or one uploaded file.
enum Content {
    Text { text: String, is_automated: bool },
    File(String),
}

/// Reads a send's body the way hh's `ChatsCommonMessagePost` describes it: text with
/// an idempotency key (and `is_automated`), or one upload id with a key; nothing else.
fn read_post(body: &Bytes) -> Result<(Content, String), ApiError> {
    let map = object_body(body)?;
    if let Some(unexpected) = map.keys().find(|k| {
        !["text", "file_upload_ids", "idempotency_key", "is_automated"].contains(&k.as_str())
    }) {
        return Err(ApiError::bad_json(&format!("/{unexpected}"), "unexpected"));
    }
    let (text, files) = (map.get("text"), map.get("file_upload_ids"));
    if text.is_some() && files.is_some() {
        return Err(ApiError::chats(
            StatusCode::BAD_REQUEST,
            "multiple_fields",
            "text_or_file_upload_ids",
        ));
    }
    let key = match map.get("idempotency_key") {
        None => return Err(ApiError::bad_json("/idempotency_key", "required")),
        Some(Value::String(k)) if is_uuid(k) => k.clone(),
        Some(_) => return Err(ApiError::bad_json("/idempotency_key", "invalid")),
    };
    let content = match (text, files) {
        (Some(text), None) => {
            let text = text_field(text, "/text")?;
            let is_automated = match map.get("is_automated") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(b)) => *b,
                Some(_) => return Err(ApiError::bad_json("/is_automated", "invalid")),
            };
            Content::Text { text, is_automated }
        }
        (None, Some(files)) => {
            if map.contains_key("is_automated") {
                return Err(ApiError::bad_json("/is_automated", "unexpected"));
            }
            let ids = files
                .as_array()
                .ok_or_else(|| ApiError::bad_json("/file_upload_ids", "invalid"))?;
            match ids.as_slice() {
                [] => return Err(ApiError::bad_json("/file_upload_ids", "size_less_than_min")),
                [Value::String(id)] => Content::File(id.clone()),
                [_] => return Err(ApiError::bad_json("/file_upload_ids/0", "invalid")),
                _ => return Err(ApiError::bad_json("/file_upload_ids", "greater_than_max")),
            }
        }
        _ => {
            return Err(ApiError::chats(StatusCode::BAD_REQUEST, "text", "required"));
        }
    };
    Ok((content, key))
}

/// `POST /common/chats/{chat_id}/messages`: 201 `{id}`. A key already used in the
/// chat is 409 `conflict`/`already_exists`, an unwritable chat 403 `chat_blocked`; in
/// both cases nothing is stored.
pub async fn send(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    Path(chat_id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let mut world = st.world_mut();
    let chat = chat_of(&world, account, &chat_id)?;
    let nid = chat.negotiation_id.clone();
    let (content, key) = read_post(&body)?;
    if chat.used_keys.contains(&key) {
        return Err(ApiError::chats(
            StatusCode::CONFLICT,
            "conflict",
            "already_exists",
        ));
    }
    if !chat.writable() {
        return Err(blocked());
    }
    let (text, is_automated, attachment) = match content {
        Content::Text { text, is_automated } => (Some(text), is_automated, None),
        Content::File(upload_id) => {
            // Only a file this user uploaded.
            let upload = world
                .files
                .uploads
                .get(&upload_id)
                .filter(|u| u.user == account.user)
                .ok_or_else(|| ApiError::bad_json("/file_upload_ids/0", "invalid"))?;
            let attachment = Attachment {
                upload_id,
                title: upload.name.clone(),
                content_type: upload.content_type.clone(),
            };
            (None, false, Some(attachment))
        }
    };
    let id = world.new_message_id();
    let at = now();
    let state = world.employer_writes(&nid, at);
    let chat = chat_mut(&mut world, account, &chat_id)?;
    chat.push(Message {
        id: id.clone(),
        author: Author::Manager(account.manager),
        kind: MessageKind::Simple,
        created_at: at,
        edited_at: None,
        text,
        attachment,
        state,
        is_automated,
        idempotency_key: Some(key),
    });
    let chat = chat.id;
    st.webhooks.publish(
        &world,
        Change::ChatMessage {
            chat_id: chat,
            message_id: &id,
        },
    );
    tracing::info!(chat = %chat_id, message = %id, "chat message sent");
    let mut response = json(StatusCode::CREATED, &json!({ "id": id }));
    if let Some(how) = st.lose_send_answer() {
        response.extensions_mut().insert(LoseAnswer(how));
    }
    Ok(response)
}

/// The acting manager's own text message in a writable chat, or why not.
fn own_message<'c>(
    chat: &'c mut Chat,
    manager: usize,
    message_id: &str,
    not_allowed: &str,
) -> Result<&'c mut Message, ApiError> {
    let writable = chat.writable();
    let m = chat
        .messages
        .iter_mut()
        .find(|m| m.id == message_id)
        .ok_or_else(ApiError::not_found)?;
    if m.author != Author::Manager(manager) || m.kind != MessageKind::Simple {
        return Err(ApiError::chats(
            StatusCode::FORBIDDEN,
            "forbidden",
            not_allowed,
        ));
    }
    if !writable {
        return Err(blocked());
    }
    Ok(m)
}

/// `PUT /common/chats/{chat_id}/messages/{message_id}` with `{text}`: own text only.
pub async fn edit(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    Path((chat_id, message_id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let mut world = st.world_mut();
    let chat = chat_mut(&mut world, account, &chat_id)?;
    let map = object_body(&body)?;
    let text = match map.get("text") {
        None => {
            return Err(ApiError::chats(StatusCode::BAD_REQUEST, "text", "required"));
        }
        Some(v) => text_field(v, "/text")?,
    };
    let m = own_message(
        chat,
        account.manager,
        &message_id,
        "message_edit_not_allowed",
    )?;
    if m.text.is_none() {
        return Err(ApiError::chats(
            StatusCode::FORBIDDEN,
            "forbidden",
            "message_edit_not_allowed",
        ));
    }
    m.text = Some(text);
    m.edited_at = Some(now());
    Ok(no_content())
}

/// `DELETE /common/chats/{chat_id}/messages/{message_id}`: own messages only.
pub async fn delete(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    Path((chat_id, message_id)): Path<(String, String)>,
) -> ApiResult {
    let mut world = st.world_mut();
    let chat = chat_mut(&mut world, account, &chat_id)?;
    own_message(
        chat,
        account.manager,
        &message_id,
        "message_delete_not_allowed",
    )?;
    chat.remove(&message_id);
    Ok(no_content())
}

/// `PUT /common/chats/{chat_id}/message/{message_id}/read`: the employer has seen the
/// chat up to this message (a mark never moves back).
pub async fn mark_read(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    Path((chat_id, message_id)): Path<(String, String)>,
) -> ApiResult {
    let mut world = st.world_mut();
    let chat = chat_mut(&mut world, account, &chat_id)?;
    if chat.position(&message_id).is_none() {
        return Err(ApiError::not_found());
    }
    chat.mark_viewed(account.manager, &message_id);
    let all_read = chat.unread_for(account.manager) == 0;
    let nid = chat.negotiation_id.clone();
    if all_read && let Some(n) = world.negotiation_mut(&nid) {
        n.has_updates = false;
    }
    Ok(no_content())
}

/// `PUT /common/chats/{chat_id}/write_possibility?applicant_write_possibility=`.
pub async fn write_possibility(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    Path(chat_id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let q = Params::query(&query);
    const NAME: &str = "applicant_write_possibility";
    let allowed = match q.get(NAME) {
        Some("true") => true,
        Some("false") => false,
        _ => return Err(ApiError::bad_argument(NAME)),
    };
    let mut world = st.world_mut();
    chat_mut(&mut world, account, &chat_id)?.applicant_can_write = allowed;
    Ok(no_content())
}

/// `GET /common/chats/{chat_id}/participants`
pub async fn participants(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    Path(chat_id): Path<String>,
) -> ApiResult {
    let world = st.world();
    let chat = chat_of(&world, account, &chat_id)?;
    let render = Render::new(&st.base_url, &world).acting_as(account);
    Ok(ok(&render.chat_participants(chat)))
}

/// `PUT /common/chats/{chat_id}/participants` with `{id}`: a manager of the employer
/// joins (a `PARTICIPANT_JOINED` message says so); one already there stays as is.
/// Another employer's manager is no manager here: 400 `bad_argument`/`id`.
pub async fn add_participant(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    Path(chat_id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let mut world = st.world_mut();
    chat_of(&world, account, &chat_id)?;
    let id = object_body(&body)
        .ok()
        .and_then(|m| m.get("id").and_then(Value::as_str).map(str::to_string))
        .filter(|id| !id.is_empty())
        .ok_or_else(|| ApiError::bad_argument("id"))?;
    let manager = world
        .managers
        .iter()
        .position(|m| m.id == id && m.employer == account.employer)
        .ok_or_else(|| ApiError::bad_argument("id"))?;
    let message_id = world.new_message_id();
    let chat = chat_mut(&mut world, account, &chat_id)?;
    if chat.manager(manager).is_some() {
        return Ok(no_content());
    }
    chat.managers.push(ManagerInChat {
        manager,
        last_viewed: None,
    });
    chat.push(Message {
        kind: MessageKind::ParticipantJoined(manager),
        text: None,
        ..Message::text(
            message_id.clone(),
            Author::Manager(account.manager),
            now(),
            String::new(),
            ("text", "Текст"),
        )
    });
    let chat_id = chat.id;
    st.webhooks.publish(
        &world,
        Change::ChatMessage {
            chat_id,
            message_id: &message_id,
        },
    );
    Ok(no_content())
}

/// `GET /common/chats/files/conditions`
pub async fn file_conditions() -> ApiResult {
    let mut types: Vec<&str> = Vec::new();
    let mut mimes: Vec<&str> = Vec::new();
    for (ext, mime) in files::ALLOWED {
        types.push(ext);
        if !mimes.contains(mime) {
            mimes.push(mime);
        }
    }
    Ok(ok(&json!({
        "files_upload": { "max_size": files::MAX_SIZE, "mime_type": mimes, "type": types }
    })))
}

/// `POST /common/chats/files/upload_links`: a link on the file host (another origin),
/// good for one file for ten minutes.
pub async fn upload_link(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
) -> ApiResult {
    let mut world = st.world_mut();
    let (link, expires_at) = world.files.new_link(st.seed, account.user);
    Ok(ok(&json!({
        "upload_url": format!("{}/chat-files/upload/{link}", st.file_host_url),
        "expires_at": hh_time(&expires_at),
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_include_the_start_and_know_if_there_is_more() {
        assert_eq!(window(0, None, 10, false), (0..0, false));
        assert_eq!(window(0, None, 10, true), (0..0, false));
        assert_eq!(window(25, None, 10, false), (0..10, true));
        assert_eq!(window(25, Some(20), 10, false), (20..25, false));
        assert_eq!(window(25, None, 10, true), (15..25, true));
        assert_eq!(window(25, Some(15), 10, true), (6..16, true));
        assert_eq!(window(25, Some(9), 10, true), (0..10, false));
        assert_eq!(window(25, Some(24), 1, false), (24..25, false));
    }

    #[test]
    fn uuids_as_hh_writes_them() {
        assert!(is_uuid("8abcdef8-4abc-4edf-1234-1234567890ab"));
        assert!(is_uuid("8ABCDEF8-4ABC-4EDF-1234-1234567890AB"));
        assert!(!is_uuid("8abcdef8-4abc-4edf-1234-1234567890a"));
        assert!(!is_uuid("8abcdef84abc4edf12341234567890ab"));
        assert!(!is_uuid("gabcdef8-4abc-4edf-1234-1234567890ab"));
        assert!(!is_uuid(""));
    }
}
