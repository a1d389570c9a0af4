//! Talking to applicants through hh.ru's chats (`/common/chats/…`).
//!
//! hh retired the negotiation messages endpoints; a negotiation names its chat by
//! `chat_id`. Messages are read by cursor, not by page: a window starts at a message
//! (included in the answer) and walks `next` or `prev` from it.
//!
//! Sending is the one write this crate repeats, and only because of hh's idempotency
//! key: a send whose answer was lost (timeout, reset, 5xx) goes again with the *same*
//! key, and hh answers `409 conflict` when that key already made a message. Nothing
//! else about a send is retried.

use std::time::Instant;

use reqwest::StatusCode;
use reqwest::header::HeaderValue;
use sha2::{Digest, Sha256};
use url::Url;

use crate::client::Client;
use crate::error::Error;
use crate::types;

/// hh's largest message window.
pub const MAX_MESSAGES: u32 = 50;
/// hh's largest page of the chat list, and its deepest page.
pub const MAX_CHATS_PER_PAGE: u32 = 20;
pub const MAX_CHATS_PAGE: u32 = 50;
/// hh's longest message text.
pub const MAX_TEXT_CHARS: usize = 20_000;

/// One intended message's key. The same key for every attempt at the same message;
/// a new key for a new message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// A fresh random key (UUID v4).
    pub fn random() -> Self {
        Self::from_bytes(rand::random::<[u8; 16]>(), 4)
    }

    /// A key that follows from what identifies the intended message (for example the
    /// chat, the text and the day): the same parts always give the same key, so two
    /// calls for the same message send it once. UUID v8 over SHA-256 of the parts.
    pub fn derived(parts: &[&str]) -> Self {
        let mut hash = Sha256::new();
        for part in parts {
            // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part.as_bytes());
        }
        let digest = hash.finalize();
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        Self::from_bytes(bytes, 8)
    }

    /// A key given by the caller; must be a UUID in hh's form.
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let raw = raw.trim();
        let groups: Vec<&str> = raw.split('-').collect();
        let lengths: Vec<usize> = groups.iter().map(|g| g.len()).collect();
        let hex = groups
            .iter()
            .all(|g| g.chars().all(|c| c.is_ascii_hexdigit()));
        if lengths != [8, 4, 4, 4, 12] || !hex {
            return Err(Error::Invalid(format!(
                "idempotency key `{}` is not a UUID (8-4-4-4-12 hex digits)",
                raw.chars().take(40).collect::<String>()
            )));
        }
        Ok(IdempotencyKey(raw.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn from_bytes(mut b: [u8; 16], version: u8) -> Self {
        b[6] = (b[6] & 0x0f) | (version << 4);
        b[8] = (b[8] & 0x3f) | 0x80; // RFC 9562 variant
        let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
        IdempotencyKey(format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        ))
    }
}

impl std::fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a message carries: text, or one file uploaded with [`Client::upload_chat_file`].
#[derive(Debug, Clone)]
pub enum ChatContent {
    /// `automated`: an assistant wrote it (hh's `is_automated`).
    Text {
        text: String,
        automated: bool,
    },
    File {
        upload_id: String,
    },
}

/// How a send ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// The new message's id, when hh's answer said it (a 409 does not).
    pub message_id: Option<String>,
    /// hh answered `409 conflict` on the key: the message exists already, from an
    /// earlier call or from an attempt of this one whose answer was lost.
    pub already_sent: bool,
    /// Requests made, the first included.
    pub attempts: u32,
}

/// Which page of the chat list.
#[derive(Debug, Clone, Default)]
pub struct ChatListQuery {
    pub page: u32,
    /// `None` leaves hh's default (20).
    pub per_page: Option<u32>,
    pub unread_only: bool,
    /// Only chats with at least one text message.
    pub with_text_only: bool,
}

/// A file to send into a chat.
#[derive(Debug, Clone)]
pub struct ChatFile {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl Client {
    /// A window of a chat's messages with the chat's state, exactly as hh serves it:
    /// `start` is included, `order` walks from it. See [`Client::latest_messages`] and
    /// [`Client::messages_before`] for the usual two questions.
    pub async fn chat_messages(
        &self,
        chat_id: &str,
        start: Option<&str>,
        limit: u32,
        order: types::ListChatMessagesOrder,
    ) -> Result<types::ChatMessagesPage, Error> {
        let mut call = self
            .api()
            .list_chat_messages()
            .chat_id(chat_id)
            .limit(std::num::NonZeroU64::from(window(limit)?))
            .order(order);
        if let Some(start) = start {
            call = call.start_message_id(start);
        }
        self.read(call.send()).await
    }

    /// The newest `limit` messages (1 to 50), newest first.
    pub async fn latest_messages(
        &self,
        chat_id: &str,
        limit: u32,
    ) -> Result<types::ChatMessagesPage, Error> {
        let mut chat = self
            .chat_messages(chat_id, None, limit, types::ListChatMessagesOrder::Prev)
            .await?;
        newest_first(&mut chat.messages);
        Ok(chat)
    }

    /// Up to `limit` messages older than `before` (a message id from an earlier window),
    /// newest first. hh includes the start message, so one more is asked for and the
    /// repeat dropped.
    pub async fn messages_before(
        &self,
        chat_id: &str,
        before: &str,
        limit: u32,
    ) -> Result<types::ChatMessagesPage, Error> {
        window(limit)?;
        let asked = (limit + 1).min(MAX_MESSAGES);
        let mut chat = self
            .chat_messages(
                chat_id,
                Some(before),
                asked,
                types::ListChatMessagesOrder::Prev,
            )
            .await?;
        chat.messages.retain(|m| m.id != before);
        newest_first(&mut chat.messages);
        chat.messages.truncate(limit as usize);
        Ok(chat)
    }

    /// Sends one message. A send that may not have reached hh (timeout, reset, 5xx,
    /// 429) is repeated with the same key while the retry policy allows; `409 conflict`
    /// on the key counts as sent. Any other refusal is returned as it is.
    pub async fn send_chat_message(
        &self,
        chat_id: &str,
        key: &IdempotencyKey,
        content: &ChatContent,
    ) -> Result<Sent, Error> {
        let body = post_body(key, content)?;
        let policy = &self.transport().retry;
        let started = Instant::now();
        let mut attempt = 1;
        loop {
            let result = self
                .write(
                    self.api()
                        .send_chat_message()
                        .chat_id(chat_id)
                        .body(body.clone())
                        .send(),
                )
                .await;
            let (error, asked_wait) = match after_send(result, attempt) {
                Step::Done(outcome) => return outcome,
                Step::Repeat(error, asked_wait) => (error, asked_wait),
            };
            let Some(wait) = policy.delay(attempt, started.elapsed(), asked_wait) else {
                return Err(error);
            };
            tracing::info!(
                chat_id,
                attempt,
                wait_ms = wait.as_millis() as u64,
                "repeating a chat message with the same idempotency key"
            );
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// Everything up to `message_id` counts as read by the user.
    pub async fn mark_chat_read(&self, chat_id: &str, message_id: &str) -> Result<(), Error> {
        self.write(
            self.api()
                .mark_chat_read()
                .chat_id(chat_id)
                .message_id(message_id)
                .send(),
        )
        .await
    }

    /// Replaces the text of one of the user's own messages.
    pub async fn edit_chat_message(
        &self,
        chat_id: &str,
        message_id: &str,
        text: &str,
    ) -> Result<(), Error> {
        let text = text_field(text)?;
        self.write(
            self.api()
                .edit_chat_message()
                .chat_id(chat_id)
                .message_id(message_id)
                .body(types::ChatMessageEdit {
                    text: text.as_str().try_into().map_err(invalid)?,
                })
                .send(),
        )
        .await
    }

    /// Deletes one of the user's own messages.
    pub async fn delete_chat_message(&self, chat_id: &str, message_id: &str) -> Result<(), Error> {
        self.write(
            self.api()
                .delete_chat_message()
                .chat_id(chat_id)
                .message_id(message_id)
                .send(),
        )
        .await
    }

    /// Lets the applicant write in the chat, or stops them.
    pub async fn set_applicant_may_write(&self, chat_id: &str, allowed: bool) -> Result<(), Error> {
        self.write(
            self.api()
                .set_chat_write_possibility()
                .chat_id(chat_id)
                .applicant_write_possibility(allowed)
                .send(),
        )
        .await
    }

    /// Who is in the chat, and what each has seen.
    pub async fn chat_participants(&self, chat_id: &str) -> Result<types::ChatParticipants, Error> {
        self.read(self.api().list_chat_participants().chat_id(chat_id).send())
            .await
    }

    /// Adds a colleague (a manager id of the employer) to the chat.
    pub async fn add_chat_participant(&self, chat_id: &str, manager_id: &str) -> Result<(), Error> {
        let id = manager_id.try_into().map_err(invalid)?;
        self.write(
            self.api()
                .add_chat_participant()
                .chat_id(chat_id)
                .body(types::ChatParticipantAdd { id })
                .send(),
        )
        .await
    }

    /// One page of the user's chats.
    pub async fn chats(&self, query: &ChatListQuery) -> Result<types::ChatsPage, Error> {
        if query.page > MAX_CHATS_PAGE {
            return Err(Error::Invalid(format!(
                "page {} is past hh's deepest chat page ({MAX_CHATS_PAGE})",
                query.page
            )));
        }
        let mut call = self.api().list_chats().page(query.page as i64);
        if let Some(n) = query.per_page {
            let n = std::num::NonZeroU64::new(n.into())
                .filter(|n| n.get() <= MAX_CHATS_PER_PAGE.into())
                .ok_or_else(|| {
                    Error::Invalid(format!(
                        "per_page must be 1 to {MAX_CHATS_PER_PAGE} for chats (got {n})"
                    ))
                })?;
            call = call.per_page(n);
        }
        if query.unread_only {
            call = call.filter_unread(true);
        }
        if query.with_text_only {
            call = call.filter_has_text_message(true);
        }
        self.read(call.send()).await
    }

    /// How many chats have unread messages (hh sends the number as a string).
    pub async fn unread_chats(&self) -> Result<u64, Error> {
        let counter = self.read(self.api().count_unread_chats().send()).await?;
        counter.unread_chats_count.trim().parse().map_err(|_| {
            Error::decode(
                Some(StatusCode::OK),
                counter.unread_chats_count.as_bytes(),
                "unread_chats_count is not a whole number",
            )
        })
    }

    /// Which files a chat takes.
    pub async fn chat_file_conditions(&self) -> Result<types::ChatFileConditions, Error> {
        self.read(self.api().get_chat_file_conditions().send())
            .await
    }

    /// Uploads a file for a chat and returns its upload id, to send with
    /// [`ChatContent::File`]. The file goes to the upload link hh's API hands out for
    /// it, on hh's file host; the access token goes with it to that exact URL and to no
    /// other foreign host (see [`crate::transport::Transport`]).
    pub async fn upload_chat_file(&self, file: ChatFile) -> Result<String, Error> {
        let conditions = self.chat_file_conditions().await?.files_upload;
        check_file(&file, &conditions)?;
        let link = self
            .write(self.api().create_chat_upload_link().send())
            .await?;
        let url = self.upload_url(&link.upload_url)?;
        let part = reqwest::multipart::Part::bytes(file.bytes)
            .file_name(file.name)
            .mime_str(&file.content_type)
            .map_err(|e| Error::Invalid(format!("content type: {e}")))?;
        let form = reqwest::multipart::Form::new().part("file", part);
        let request = self
            .transport()
            .http
            .post(url.clone())
            .multipart(form)
            .build()
            .map_err(|e| Error::Invalid(format!("bad upload request: {e}")))?;
        let response = self
            .transport()
            .execute_upload(request)
            .await
            .map_err(|e| Error::transport(url.as_str(), &e))?;
        let status = response.status();
        if !status.is_success() {
            return Err(self.error_from_response(response).await);
        }
        let body = response
            .bytes()
            .await
            .map_err(|e| Error::transport(url.as_str(), &e))?;
        let upload: ChatUpload =
            serde_json::from_slice(&body).map_err(|e| Error::decode(Some(status), &body, e))?;
        Ok(upload.upload_id)
    }

    /// The upload link hh just returned, checked: HTTPS (or the API's own plain-HTTP
    /// scheme, which only a local imitation of hh uses), with a host.
    fn upload_url(&self, raw: &str) -> Result<Url, Error> {
        let url = Url::parse(raw)
            .map_err(|e| Error::Invalid(format!("hh's upload link `{raw}` is not a URL: {e}")))?;
        let scheme_ok = url.scheme() == "https" || url.scheme() == self.base_url().scheme();
        if !scheme_ok || url.host_str().is_none() {
            return Err(Error::Invalid(format!(
                "refusing to upload to {}: an upload link must be https",
                url.origin().ascii_serialization()
            )));
        }
        Ok(url)
    }
}

/// What the upload host answers a file with. It is not hh's API host, and hh's description
/// does not describe it; only this field is used.
#[derive(serde::Deserialize)]
struct ChatUpload {
    upload_id: String,
}

/// Statuses after which a send may or may not have been applied.
fn may_not_have_arrived(status: StatusCode) -> bool {
    status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS
}

/// What one attempt at a send means.
enum Step {
    Done(Result<Sent, Error>),
    /// It may not have reached hh: repeat with the same key (after hh's wait, if said).
    Repeat(Error, Option<std::time::Duration>),
}

fn after_send(result: Result<types::IdOnly, Error>, attempts: u32) -> Step {
    let sent = |message_id, already_sent| {
        Step::Done(Ok(Sent {
            message_id,
            already_sent,
            attempts,
        }))
    };
    match result {
        Ok(created) => sent(Some(created.id), false),
        // Only a success body is decoded: hh took the message, its answer is odd.
        Err(Error::Decode { .. }) => sent(None, false),
        Err(Error::Api(e)) if e.status == StatusCode::CONFLICT => sent(None, true),
        Err(Error::Api(e)) if may_not_have_arrived(e.status) => {
            let wait = e.retry_after;
            Step::Repeat(Error::Api(e), wait)
        }
        Err(e @ Error::Transport { .. }) => Step::Repeat(e, None),
        Err(e) => Step::Done(Err(e)),
    }
}

fn window(limit: u32) -> Result<std::num::NonZeroU32, Error> {
    std::num::NonZeroU32::new(limit)
        .filter(|n| n.get() <= MAX_MESSAGES)
        .ok_or_else(|| {
            Error::Invalid(format!(
                "a message window is 1 to {MAX_MESSAGES} messages (got {limit})"
            ))
        })
}

fn text_field(text: &str) -> Result<String, Error> {
    if text.trim().is_empty() {
        return Err(Error::Invalid("the message is empty".into()));
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(Error::Invalid(format!(
            "the message is longer than hh's {MAX_TEXT_CHARS} characters"
        )));
    }
    Ok(text.to_string())
}

fn post_body(key: &IdempotencyKey, content: &ChatContent) -> Result<types::ChatMessagePost, Error> {
    let key = key.as_str().to_string();
    Ok(match content {
        ChatContent::Text { text, automated } => {
            types::ChatMessagePost::Text(types::ChatsCommonMessagePostText {
                text: text_field(text)?.try_into().map_err(invalid)?,
                idempotency_key: key,
                is_automated: Some(*automated),
            })
        }
        ChatContent::File { upload_id } => {
            types::ChatMessagePost::FileUploadIds(types::ChatsCommonMessagePostFileUploadIds {
                file_upload_ids: vec![upload_id.clone()],
                idempotency_key: key,
            })
        }
    })
}

fn check_file(
    file: &ChatFile,
    conditions: &types::ChatFileConditionsFilesUpload,
) -> Result<(), Error> {
    if file.bytes.is_empty() {
        return Err(Error::Invalid(format!("file `{}` is empty", file.name)));
    }
    if conditions.max_size > 0.0 && file.bytes.len() as f64 > conditions.max_size {
        return Err(Error::Invalid(format!(
            "file `{}` has {} bytes; hh takes at most {}",
            file.name,
            file.bytes.len(),
            conditions.max_size
        )));
    }
    let mime_ok = conditions.mime_type.is_empty()
        || conditions
            .mime_type
            .iter()
            .any(|m| m.eq_ignore_ascii_case(&file.content_type));
    if !mime_ok {
        return Err(Error::Invalid(format!(
            "hh takes no `{}` files in chats; it takes {}",
            file.content_type,
            conditions.mime_type.join(", ")
        )));
    }
    HeaderValue::from_str(&file.content_type)
        .map_err(|_| Error::Invalid(format!("`{}` is not a content type", file.content_type)))?;
    Ok(())
}

fn invalid(e: impl std::fmt::Display) -> Error {
    Error::Invalid(e.to_string())
}

/// Sorts messages newest first: by time, then by id (hh's ids grow; compared as
/// numbers when they are).
pub fn newest_first(messages: &mut [types::ChatMessage]) {
    messages.sort_by_key(|m| std::cmp::Reverse(order_key(m)));
}

fn order_key(m: &types::ChatMessage) -> (Option<i64>, u128, String) {
    let at = chrono::DateTime::parse_from_str(&m.creation_time, "%Y-%m-%dT%H:%M:%S%z")
        .or_else(|_| chrono::DateTime::parse_from_rfc3339(&m.creation_time))
        .ok()
        .map(|t| t.timestamp());
    (at, m.id.parse().unwrap_or(0), m.id.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_uuids_and_derived_ones_are_stable() {
        let re = |k: &IdempotencyKey| IdempotencyKey::parse(k.as_str()).is_ok();
        let a = IdempotencyKey::random();
        assert!(re(&a), "{a}");
        assert_ne!(a, IdempotencyKey::random());
        let d = IdempotencyKey::derived(&["42", "Здравствуйте"]);
        assert!(re(&d), "{d}");
        assert_eq!(d, IdempotencyKey::derived(&["42", "Здравствуйте"]));
        assert_ne!(d, IdempotencyKey::derived(&["42", "Здравствуйте!"]));
        assert_ne!(
            IdempotencyKey::derived(&["ab", "c"]),
            IdempotencyKey::derived(&["a", "bc"])
        );
        assert_eq!(&d.as_str()[14..15], "8", "version 8");
        for bad in [
            "",
            "not-a-uuid",
            "0123456789abcdef0123456789abcdef",
            "g0000000-0000-0000-0000-000000000000",
        ] {
            assert!(IdempotencyKey::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_message_is_text_or_one_file_never_both() {
        let key = IdempotencyKey::random();
        let text = post_body(
            &key,
            &ChatContent::Text {
                text: "Добрый день".into(),
                automated: true,
            },
        )
        .unwrap();
        let v = serde_json::to_value(&text).unwrap();
        assert_eq!(v["text"], "Добрый день");
        assert_eq!(v["is_automated"], true);
        assert!(v.get("file_upload_ids").is_none());
        let file = post_body(
            &key,
            &ChatContent::File {
                upload_id: "u1".into(),
            },
        )
        .unwrap();
        let v = serde_json::to_value(&file).unwrap();
        assert_eq!(v["file_upload_ids"], serde_json::json!(["u1"]));
        assert!(v.get("text").is_none() && v.get("is_automated").is_none());
        for bad in ["", "   ", &"я".repeat(MAX_TEXT_CHARS + 1)] {
            let content = ChatContent::Text {
                text: bad.to_string(),
                automated: false,
            };
            assert!(post_body(&key, &content).is_err());
        }
    }
}
