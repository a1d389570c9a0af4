//! Talking to applicants through hh.ru's chats: reading a chat, writing in it (once),
//! the chat list for triage, and read marks.
//!
//! A negotiation names its chat (`chat_id`); hh's chat list has no link back, so the
//! session keeps one from the negotiations it has seen.

use hh_api::{ChatContent, ChatListQuery, IdempotencyKey, chats::MAX_MESSAGES, types};

use crate::args::{ChatRef, ListChats, ListMessages, MarkRead, SendMessage};
use crate::failure::{self, ToolFailure};
use crate::negotiations::recipient;
use crate::plan::{self, Plan};
use crate::session::Session;
use crate::view;

/// How many messages list_messages shows when not told.
pub const DEFAULT_MESSAGES: u32 = 20;

/// A chat and, when known, its negotiation.
struct ResolvedChat {
    chat_id: String,
    negotiation: Option<types::Negotiation>,
    negotiation_id: Option<String>,
}

/// Finds the chat a call means. From a negotiation: through its `chat_id`.
async fn resolve(s: &Session, chat: ChatRef) -> Result<ResolvedChat, ToolFailure> {
    match chat {
        ChatRef::Chat(id) => Ok(ResolvedChat {
            negotiation_id: s.chat_link(id.as_str()).map(|l| l.negotiation_id),
            chat_id: id.0,
            negotiation: None,
        }),
        ChatRef::Negotiation(id) => {
            let n = s.hh.negotiation(id.as_str()).await?;
            s.remember_chat(&n.id, n.chat_id, n.vacancy.as_ref().map(|v| v.id.as_str()));
            let chat_id = n.chat_id.and_then(view::chat_id).ok_or_else(|| {
                ToolFailure(format!(
                    "hh.ru shows no chat for negotiation {}: there is nothing to read or write yet",
                    n.id
                ))
            })?;
            Ok(ResolvedChat {
                chat_id,
                negotiation_id: Some(n.id.clone()),
                negotiation: Some(n),
            })
        }
    }
}

pub async fn list_messages(
    s: &Session,
    a: ListMessages,
) -> Result<view::ChatMessages, ToolFailure> {
    let chat = ChatRef::from_args("list_messages", a.negotiation_id, a.chat_id)?;
    let limit = a.limit.map_or(DEFAULT_MESSAGES, |n| n.0);
    if limit == 0 || limit > MAX_MESSAGES {
        return Err(ToolFailure(format!(
            "list_messages: `limit` is 1 to {MAX_MESSAGES} (got {limit})"
        )));
    }
    let chat = resolve(s, chat).await?;
    let window = match &a.before {
        Some(before) => {
            s.hh.messages_before(&chat.chat_id, before.as_str(), limit)
                .await?
        }
        None => s.hh.latest_messages(&chat.chat_id, limit).await?,
    };
    let older_than = window
        .has_more
        .then(|| window.messages.last().map(|m| m.id.clone()))
        .flatten();
    Ok(view::ChatMessages {
        chat_id: chat.chat_id,
        negotiation_id: chat.negotiation_id,
        title: view::ChatTitle::new(&window.type_.to_string(), &window.display),
        state: view::ChatState::from(&window.chat_states),
        unread: window.unread_message_count,
        messages: window
            .messages
            .iter()
            .map(view::ChatMessage::from)
            .collect(),
        has_more: window.has_more,
        older_than,
    })
}

/// The chat's state now (one message is the smallest window hh serves).
pub async fn chat_state(s: &Session, chat_id: &str) -> Result<view::ChatState, ToolFailure> {
    let window = s.hh.latest_messages(chat_id, 1).await?;
    Ok(view::ChatState::from(&window.chat_states))
}

/// Works out a message: the chat must exist and allow writing now; the idempotency key
/// is fixed here, so the preview, the confirmed call and any repeat send one message.
pub async fn plan_message(s: &Session, a: SendMessage) -> Result<Plan, ToolFailure> {
    let chat = ChatRef::from_args("send_message", a.negotiation_id, a.chat_id)?;
    // A key given is checked before anything is asked of hh.
    let given = a
        .idempotency_key
        .as_deref()
        .map(IdempotencyKey::parse)
        .transpose()
        .map_err(|e| ToolFailure(format!("send_message: `idempotency_key`: {e}")))?;
    let chat = resolve(s, chat).await?;
    let key = given.unwrap_or_else(|| derived_key(&chat.chat_id, &a.message.0));
    let window = s.hh.latest_messages(&chat.chat_id, 1).await?;
    let state = view::ChatState::from(&window.chat_states);
    if !state.can_write {
        return Err(ToolFailure(format!(
            "hh.ru does not let the employer write in chat {} now: {}. Nothing was sent.",
            chat.chat_id,
            why_not(state.cannot_write_because.as_deref())
        )));
    }
    let mut outcome = plan::outcome("message");
    outcome.negotiation_id = chat.negotiation_id.clone();
    if let Some(n) = &chat.negotiation {
        outcome.vacancy_id = n.vacancy.as_ref().map(|v| v.id.clone());
        outcome.resume_id = n.resume.as_ref().map(|r| r.id.clone());
        outcome.recipient = n.resume.as_ref().map(recipient);
    }
    if outcome.recipient.is_none() {
        outcome.recipient = Some(format!("the chat «{}»", window.display.title));
    }
    let args = &mut outcome.arguments;
    args.insert("chat_id".into(), chat.chat_id.clone());
    args.insert("message".into(), a.message.0.clone());
    args.insert("idempotency_key".into(), key.to_string());
    Ok(Plan::Message {
        chat_id: chat.chat_id,
        content: ChatContent::Text {
            text: a.message.0,
            automated: s.mark_automated,
        },
        key,
        outcome,
    })
}

/// The key of a message nobody named: the same chat, text and (UTC) day give the same key,
/// whether the call named the chat or its negotiation.
fn derived_key(chat_id: &str, text: &str) -> IdempotencyKey {
    let day = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400)
        .to_string();
    IdempotencyKey::derived(&["hh-mcp message", chat_id, text, &day])
}

/// hh's reasons for a closed chat, in words.
pub fn why_not(reason: Option<&str>) -> String {
    match reason {
        Some("ARCHIVED_BY_EMPLOYER") => "the chat is archived (ARCHIVED_BY_EMPLOYER)".to_string(),
        Some("EMPLOYER_NEGOTIATIONS_LIMIT_EXCEEDED") => "the employer's limit of \
             responses/invitations is used up and the employer is not verified \
             (EMPLOYER_NEGOTIATIONS_LIMIT_EXCEEDED)"
            .to_string(),
        Some("PFP_BLOCK") => {
            "the chat belongs to a pay-for-performance response (PFP_BLOCK)".to_string()
        }
        Some(other) => format!("hh.ru says {other}"),
        None => "hh.ru gave no reason".to_string(),
    }
}

/// Sends a planned message (called by [`Plan::execute`]).
pub async fn send(
    s: &Session,
    chat_id: &str,
    key: &IdempotencyKey,
    content: &ChatContent,
    mut outcome: view::ActionOutcome,
) -> Result<view::ActionOutcome, ToolFailure> {
    let sent =
        s.hh.send_chat_message(chat_id, key, content)
            .await
            .map_err(|e| failure::chat_send_failure(&e))?;
    outcome.message_id = sent.message_id.clone();
    if sent.already_sent && sent.attempts == 1 {
        outcome.status = view::OutcomeStatus::AlreadySent;
        outcome.note = "Already sent: hh.ru already has a message with this idempotency key \
             (the same call was made before). Nothing was sent again."
            .to_string();
    } else {
        outcome.status = view::OutcomeStatus::Done;
        let id = sent
            .message_id
            .map(|id| format!(" {id}"))
            .unwrap_or_default();
        let repeats = if sent.attempts > 1 {
            format!(
                " (an answer was lost; sent again with the same idempotency key, {} requests, delivered once)",
                sent.attempts
            )
        } else {
            String::new()
        };
        outcome.note = format!("Sent: message{id} is in chat {chat_id}{repeats}.");
    }
    Ok(outcome)
}

pub async fn list_chats(s: &Session, a: ListChats) -> Result<view::ChatList, ToolFailure> {
    let query = ChatListQuery {
        page: a.page.map_or(0, |p| p.0),
        per_page: a.per_page.map(|n| n.0),
        unread_only: a.unread_only,
        with_text_only: false,
    };
    let page = s.hh.chats(&query).await?;
    Ok(view::ChatList {
        found: page.found,
        page: page.page,
        pages: page.pages,
        chats: page
            .items
            .iter()
            .map(|c| {
                let link = s.chat_link(&c.id);
                view::ChatSummary {
                    id: c.id.clone(),
                    title: view::ChatTitle::new(&c.type_.to_string(), &c.display),
                    kind: c.type_.to_string(),
                    unread: c.unread_message_count,
                    negotiation_id: link.as_ref().map(|l| l.negotiation_id.clone()),
                    vacancy_id: link.and_then(|l| l.vacancy_id),
                    last_message_at: c.last_message.as_ref().map(|m| m.creation_time.clone()),
                }
            })
            .collect(),
    })
}

/// `mark_read` for a chat: everything up to the message counts as read.
pub async fn mark_read(
    s: &Session,
    chat_id: &str,
    message_id: &str,
) -> Result<view::ActionOutcome, ToolFailure> {
    s.hh.mark_chat_read(chat_id, message_id)
        .await
        .map_err(failure::write_failure)?;
    let mut outcome = plan::outcome("mark_read");
    outcome.status = view::OutcomeStatus::Done;
    outcome.arguments.insert("chat_id".into(), chat_id.into());
    outcome
        .arguments
        .insert("message_id".into(), message_id.into());
    outcome.negotiation_id = s.chat_link(chat_id).map(|l| l.negotiation_id);
    outcome.note = format!("Done: chat {chat_id} is read up to message {message_id}.");
    Ok(outcome)
}

/// The `mark_read` tool: a chat (with a message id) or negotiations, not both.
pub async fn mark_read_tool(s: &Session, a: MarkRead) -> Result<view::ActionOutcome, ToolFailure> {
    match (&a.chat_id, &a.message_id, a.negotiation_ids.is_empty()) {
        (Some(chat), Some(message), true) => mark_read(s, chat.as_str(), message.as_str()).await,
        // Negotiations: their own checks say how many ids are needed.
        (None, None, _) => crate::negotiations::mark_read(s, a).await,
        (Some(_), None, _) => Err(ToolFailure(
            "mark_read: with `chat_id`, give `message_id` too (the newest message read)".into(),
        )),
        (None, Some(_), _) => Err(ToolFailure(
            "mark_read: `message_id` needs the `chat_id` it belongs to".into(),
        )),
        (Some(_), Some(_), false) => Err(ToolFailure(
            "mark_read: give `negotiation_ids` or `chat_id` + `message_id`, not both".into(),
        )),
    }
}
