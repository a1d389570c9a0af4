//! hh.ru's chats: every negotiation has one (its `chat_id`), and the conversation with the
//! applicant lives there. A chat holds its messages in order, who is in it and what each
//! side has seen, whether the employer may write now, and the idempotency keys of the
//! messages sent to it. Plain data and the rules that read it; the routes change it.

use std::collections::HashSet;

use crate::model::Time;

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Author {
    Applicant,
    /// A manager of the employer: an index into `World::managers`.
    Manager(usize),
    /// hh's own bot, which writes on hh's behalf (reminders, notices).
    Bot,
}

impl Author {
    /// The employer's side of the conversation.
    pub fn is_employer(self) -> bool {
        matches!(self, Author::Manager(_))
    }
}

/// hh's message types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    /// Text or an attachment.
    Simple,
    /// A manager (index into `World::managers`) was added to the chat.
    ParticipantJoined(usize),
}

impl MessageKind {
    pub fn id(self) -> &'static str {
        match self {
            MessageKind::Simple => "SIMPLE",
            MessageKind::ParticipantJoined(_) => "PARTICIPANT_JOINED",
        }
    }
}

/// A file sent to a chat, after it was uploaded to the file host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub upload_id: String,
    pub title: String,
    pub content_type: String,
}

#[derive(Debug, Clone)]
pub struct Message {
    pub id: String,
    pub author: Author,
    pub kind: MessageKind,
    pub created_at: Time,
    /// When the text was last edited.
    pub edited_at: Option<Time>,
    /// `None` for attachments and participant notices.
    pub text: Option<String>,
    pub attachment: Option<Attachment>,
    /// What the retired negotiation messages endpoint called it: `response`,
    /// `invitation`, `discard` or `text`.
    pub state: (&'static str, &'static str),
    /// The sender said a program wrote it (hh's `is_automated`).
    pub is_automated: bool,
    pub idempotency_key: Option<String>,
}

impl Message {
    /// A text message of the conversation, with no idempotency key (seeded, or sent
    /// through a route that has none).
    pub fn text(
        id: String,
        author: Author,
        at: Time,
        text: String,
        state: (&'static str, &'static str),
    ) -> Message {
        Message {
            id,
            author,
            kind: MessageKind::Simple,
            created_at: at,
            edited_at: None,
            text: Some(text),
            attachment: None,
            state,
            is_automated: false,
            idempotency_key: None,
        }
    }

    /// A message of the conversation between applicant and employer, as opposed to the
    /// bot's notices and participant changes.
    pub fn is_conversation(&self) -> bool {
        self.kind == MessageKind::Simple && self.author != Author::Bot
    }
}

/// Why the employer cannot write to a chat now (hh's `write_message_state.reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteBlock {
    /// The negotiation is archived: the employer discarded the applicant.
    ArchivedByEmployer,
    /// An unverified employer went over the limit of responses.
    EmployerNegotiationsLimitExceeded,
    /// A chat of a response through hh's PFP programme.
    PfpBlock,
}

impl WriteBlock {
    pub fn reason(self) -> &'static str {
        match self {
            WriteBlock::ArchivedByEmployer => "ARCHIVED_BY_EMPLOYER",
            WriteBlock::EmployerNegotiationsLimitExceeded => "EMPLOYER_NEGOTIATIONS_LIMIT_EXCEEDED",
            WriteBlock::PfpBlock => "PFP_BLOCK",
        }
    }
}

/// A manager in a chat and the last message they have seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagerInChat {
    pub manager: usize,
    pub last_viewed: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Chat {
    pub id: u64,
    pub negotiation_id: String,
    pub created_at: Time,
    pub messages: Vec<Message>,
    /// The employer's people in the chat: the employer's lead manager, who began it,
    /// first. A colleague who reads or writes in it is one of them from then on.
    pub managers: Vec<ManagerInChat>,
    /// The last message the applicant has seen.
    pub applicant_viewed: Option<String>,
    pub write_block: Option<WriteBlock>,
    /// The employer can stop the applicant from writing (`write_possibility`).
    pub applicant_can_write: bool,
    /// Every idempotency key a message was sent with, deleted messages' too: a key
    /// is used once per chat.
    pub used_keys: HashSet<String>,
}

impl Chat {
    pub fn new(id: u64, negotiation_id: String, created_at: Time, managers: &[usize]) -> Chat {
        Chat {
            id,
            negotiation_id,
            created_at,
            messages: Vec::new(),
            managers: managers
                .iter()
                .map(|&manager| ManagerInChat {
                    manager,
                    last_viewed: None,
                })
                .collect(),
            applicant_viewed: None,
            write_block: None,
            applicant_can_write: true,
            used_keys: HashSet::new(),
        }
    }

    pub fn position(&self, message_id: &str) -> Option<usize> {
        self.messages.iter().position(|m| m.id == message_id)
    }

    pub fn message(&self, message_id: &str) -> Option<&Message> {
        self.messages.iter().find(|m| m.id == message_id)
    }

    /// Where a last-viewed id points; `None` (seen nothing) sorts before every message.
    fn seen_up_to(&self, last_viewed: &Option<String>) -> Option<usize> {
        last_viewed.as_deref().and_then(|id| self.position(id))
    }

    pub fn manager(&self, manager: usize) -> Option<&ManagerInChat> {
        self.managers.iter().find(|m| m.manager == manager)
    }

    /// Messages from the other side (the applicant, hh's bot) after the last one this
    /// manager has seen.
    pub fn unread_for(&self, manager: usize) -> usize {
        let seen = self
            .manager(manager)
            .and_then(|m| self.seen_up_to(&m.last_viewed));
        let from = seen.map_or(0, |p| p + 1);
        self.messages[from.min(self.messages.len())..]
            .iter()
            .filter(|m| !m.author.is_employer())
            .count()
    }

    /// Has the applicant seen this message (the employer's opponent, in hh's words).
    pub fn viewed_by_applicant(&self, position: usize) -> bool {
        self.seen_up_to(&self.applicant_viewed)
            .is_some_and(|seen| position <= seen)
    }

    /// Moves a manager's last viewed message forward to `message_id` (never back). A
    /// colleague not yet in the chat joins it: read marks are kept per participant.
    pub fn mark_viewed(&mut self, manager: usize, message_id: &str) {
        let Some(target) = self.position(message_id) else {
            return;
        };
        let current = self
            .manager(manager)
            .and_then(|m| self.seen_up_to(&m.last_viewed));
        if current.is_some_and(|c| c >= target) {
            return;
        }
        match self.managers.iter_mut().find(|m| m.manager == manager) {
            Some(m) => m.last_viewed = Some(message_id.to_string()),
            None => self.managers.push(ManagerInChat {
                manager,
                last_viewed: Some(message_id.to_string()),
            }),
        }
    }

    /// The manager has seen everything.
    pub fn mark_all_viewed(&mut self, manager: usize) {
        if let Some(last) = self.messages.last().map(|m| m.id.clone()) {
            self.mark_viewed(manager, &last);
        }
    }

    pub fn writable(&self) -> bool {
        self.write_block.is_none()
    }

    /// Has a message between applicant and employer with text (`filter_has_text_message`).
    pub fn has_text_message(&self) -> bool {
        self.messages
            .iter()
            .any(|m| m.is_conversation() && m.text.is_some())
    }

    /// Adds a message; its author has seen the chat up to it.
    pub fn push(&mut self, message: Message) {
        let id = message.id.clone();
        let author = message.author;
        if let Some(key) = &message.idempotency_key {
            self.used_keys.insert(key.clone());
        }
        self.messages.push(message);
        match author {
            Author::Manager(m) => self.mark_viewed(m, &id),
            Author::Applicant => self.applicant_viewed = Some(id),
            Author::Bot => {}
        }
    }

    pub fn last_activity(&self) -> Time {
        self.messages
            .last()
            .map_or(self.created_at, |m| m.created_at)
    }

    /// Deletes a message; whoever had seen up to it has now seen up to the one before.
    pub fn remove(&mut self, message_id: &str) {
        let Some(p) = self.position(message_id) else {
            return;
        };
        let before = p.checked_sub(1).map(|b| self.messages[b].id.clone());
        let moved = |viewed: &mut Option<String>| {
            if viewed.as_deref() == Some(message_id) {
                *viewed = before.clone();
            }
        };
        moved(&mut self.applicant_viewed);
        for m in &mut self.managers {
            moved(&mut m.last_viewed);
        }
        self.messages.remove(p);
    }
}
