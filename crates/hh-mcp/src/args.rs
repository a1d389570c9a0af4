//! The tools' arguments: what an agent may send, with JSON schemas for `tools/list`.
//!
//! Arguments are untrusted. Unknown fields are refused (a typo must not be ignored in
//! an action that reaches a person), ids are accepted as strings or numbers (agents send
//! both), and every failure names the argument and what was expected.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

/// Parses a tool's arguments, with an error that says which tool and what is wrong.
pub fn parse<T: for<'de> Deserialize<'de>>(
    tool: &str,
    args: serde_json::Value,
) -> Result<T, String> {
    let args = if args.is_null() {
        serde_json::Value::Object(Default::default())
    } else {
        args
    };
    if !args.is_object() {
        return Err(format!(
            "{tool}: arguments must be a JSON object, got {}",
            kind(&args)
        ));
    }
    serde_json::from_value(args).map_err(|e| format!("{tool}: invalid arguments: {e}"))
}

fn kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// An hh id: digits or letters, given as a string or a number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(
    description = "An hh.ru id (string; a number is accepted too)",
    with = "String"
)]
pub struct Id(pub String);

impl Id {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        let s = match v {
            serde_json::Value::String(s) => s.trim().to_string(),
            serde_json::Value::Number(n) if n.is_u64() => n.to_string(),
            other => {
                return Err(de::Error::custom(format!(
                    "expected an id (a string like \"123456\"), got {}",
                    kind(&other)
                )));
            }
        };
        let plain = !s.is_empty()
            && s.len() <= 64
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !plain {
            return Err(de::Error::custom(format!(
                "expected an id of letters, digits, `_` or `-`, got {:?}",
                s.chars().take(40).collect::<String>()
            )));
        }
        Ok(Id(s))
    }
}

/// A whole number given as a number or a numeric string (some clients send strings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(with = "u32")]
pub struct Count(pub u32);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        let n = match &v {
            serde_json::Value::Number(n) => n.as_u64(),
            serde_json::Value::String(s) => s.trim().parse::<u64>().ok(),
            _ => None,
        };
        match n {
            Some(n) if n <= u32::MAX as u64 => Ok(Count(n as u32)),
            _ => Err(de::Error::custom(format!(
                "expected a whole number ≥ 0, got {}",
                v.to_string().chars().take(40).collect::<String>()
            ))),
        }
    }
}

/// A message to a person: must not be blank, at most 10,000 characters.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(with = "String")]
pub struct MessageText(pub String);

/// hh's limit is lower for some actions; this one keeps a runaway agent from sending a novel.
pub const MAX_MESSAGE_CHARS: usize = 10_000;

impl<'de> Deserialize<'de> for MessageText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.trim().is_empty() {
            return Err(de::Error::custom(
                "the message is empty: write what the applicant should read",
            ));
        }
        if s.chars().count() > MAX_MESSAGE_CHARS {
            return Err(de::Error::custom(format!(
                "the message is longer than {MAX_MESSAGE_CHARS} characters"
            )));
        }
        Ok(MessageText(s))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListVacancies {
    /// Page number, from 0.
    pub page: Option<Count>,
    /// Items per page (hh's default 20, at most 50).
    pub per_page: Option<Count>,
    /// Only the vacancies this resume fits, each saying whether and how it can be invited.
    /// hh.ru takes it alone: not with `text`, `all_accessible` or `manager_ids`.
    pub resume_id: Option<Id>,
    /// Words to look for in the vacancy's name.
    pub text: Option<String>,
    /// Also the vacancies of colleagues who gave this user access (not with `manager_ids`).
    pub all_accessible: Option<bool>,
    /// Only the vacancies of these managers (default: the user's own).
    #[serde(default)]
    pub manager_ids: Vec<Id>,
}

impl ListVacancies {
    /// The arguments given with `resume_id` that hh.ru refuses with it, and a refusal of
    /// `manager_ids` with `all_accessible` (hh takes one or the other).
    pub fn check(&self) -> Result<(), String> {
        let mut others = Vec::new();
        if self.text.is_some() {
            others.push("`text`");
        }
        if self.all_accessible.is_some() {
            others.push("`all_accessible`");
        }
        if !self.manager_ids.is_empty() {
            others.push("`manager_ids`");
        }
        if self.resume_id.is_some() && !others.is_empty() {
            return Err(format!(
                "list_vacancies: `resume_id` cannot be combined with {} (hh.ru takes resume_id \
                 with nothing but `page` and `per_page`); list the resume's vacancies and filter \
                 them yourself, or call list_vacancies without `resume_id`",
                others.join(", ")
            ));
        }
        if self.all_accessible.is_some() && !self.manager_ids.is_empty() {
            return Err(
                "list_vacancies: give `manager_ids` or `all_accessible`, not both \
                        (all_accessible already includes every colleague who gave access)"
                    .to_string(),
            );
        }
        Ok(())
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VacancyRef {
    pub vacancy_id: Id,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListNegotiations {
    pub vacancy_id: Id,
    /// A collection id from list_collections (e.g. `response`, `inbox`).
    pub collection: Id,
    /// Page number, from 0 (ignored with all_pages).
    pub page: Option<Count>,
    /// Items per page (hh's default 20, at most 50).
    pub per_page: Option<Count>,
    /// Fetch every page (up to a few requests at once) and return all items.
    #[serde(default)]
    pub all_pages: bool,
    /// Only negotiations with updates the employer has not seen.
    pub show_only_new: Option<bool>,
    /// Sort order id (an `order_types` id of the collection, e.g. `created_at`).
    pub order_by: Option<Id>,
    /// Other hh filters, passed through as query parameters (e.g. `{"experience": "between3And6"}`).
    #[serde(default)]
    pub filters: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NegotiationRef {
    pub negotiation_id: Id,
}

/// Which chat a call means: a negotiation's, or one named by its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatRef {
    Negotiation(Id),
    Chat(Id),
}

impl ChatRef {
    /// Exactly one of the two arguments must be given.
    pub fn from_args(
        tool: &str,
        negotiation_id: Option<Id>,
        chat_id: Option<Id>,
    ) -> Result<Self, String> {
        match (negotiation_id, chat_id) {
            (Some(n), None) => Ok(ChatRef::Negotiation(n)),
            (None, Some(c)) => Ok(ChatRef::Chat(c)),
            (None, None) => Err(format!(
                "{tool}: give `negotiation_id` or `chat_id` (from list_chats or get_negotiation)"
            )),
            (Some(_), Some(_)) => Err(format!(
                "{tool}: give `negotiation_id` or `chat_id`, not both"
            )),
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListMessages {
    /// The negotiation whose chat to read.
    pub negotiation_id: Option<Id>,
    /// Or a chat id (from list_chats or get_negotiation).
    pub chat_id: Option<Id>,
    /// How many messages, 1 to 50 (default 20), newest first.
    pub limit: Option<Count>,
    /// A message id (`older_than` of an earlier call): the messages before it.
    pub before: Option<Id>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListChats {
    /// Only chats with unread messages.
    #[serde(default)]
    pub unread_only: bool,
    /// Page number, from 0 (hh serves up to 50).
    pub page: Option<Count>,
    /// Chats per page, 1 to 20 (default 20).
    pub per_page: Option<Count>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteApplicant {
    /// The vacancy to invite to.
    pub vacancy_id: Id,
    /// The applicant's resume.
    pub resume_id: Id,
    /// The invitation text the applicant receives.
    pub message: MessageText,
    /// An invite action id from list_vacancies(resume_id); default: the first enabled one.
    pub action: Option<Id>,
    /// Also send hh's standard SMS (needs `message`).
    pub send_sms: Option<bool>,
    /// An employer address id to put in the invitation.
    pub address_id: Option<Id>,
    /// Send without asking (only when the user has already approved this exact invitation).
    #[serde(default)]
    pub confirm: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeNegotiationState {
    pub negotiation_id: Id,
    /// An action id from get_negotiation's `actions` (e.g. `hold`, `discard`, `invitation`).
    pub action: Id,
    /// Text for the applicant, when the action takes one.
    pub message: Option<MessageText>,
    pub send_sms: Option<bool>,
    pub address_id: Option<Id>,
    /// A sub-state of the action (a `sub_actions` id from get_negotiation), if it offers any.
    pub sub_action: Option<Id>,
    /// Any other arguments the action lists, by id.
    #[serde(default)]
    pub arguments: BTreeMap<String, String>,
    /// Perform without asking (only when the user has already approved it).
    #[serde(default)]
    pub confirm: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SendMessage {
    /// The negotiation whose applicant to write to.
    pub negotiation_id: Option<Id>,
    /// Or a chat id (from list_chats or get_negotiation).
    pub chat_id: Option<Id>,
    pub message: MessageText,
    /// A UUID naming this one message; default: one derived from the chat, the text and
    /// the day, so repeating the same call sends once. Give a new one to send the same
    /// text again on purpose.
    pub idempotency_key: Option<String>,
    /// Send without asking (only when the user has already approved this message).
    #[serde(default)]
    pub confirm: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkRead {
    /// One to 50 negotiation ids (of one vacancy).
    #[serde(default)]
    pub negotiation_ids: Vec<Id>,
    /// Or a chat: everything up to `message_id` counts as read.
    pub chat_id: Option<Id>,
    /// The newest message read in `chat_id`.
    pub message_id: Option<Id>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_take_strings_and_numbers_and_refuse_the_rest() {
        let a: VacancyRef = parse("t", json!({"vacancy_id": 123})).unwrap();
        assert_eq!(a.vacancy_id.as_str(), "123");
        let a: VacancyRef = parse("t", json!({"vacancy_id": " 77 "})).unwrap();
        assert_eq!(a.vacancy_id.as_str(), "77");
        for bad in [
            json!(""),
            json!("../x"),
            json!(true),
            json!(-1),
            json!(1.5),
            json!([1]),
        ] {
            let e = parse::<VacancyRef>("t", json!({ "vacancy_id": bad })).unwrap_err();
            assert!(e.contains("expected an id"), "{e}");
        }
    }

    #[test]
    fn errors_name_the_argument() {
        let e = parse::<VacancyRef>("list_collections", json!({})).unwrap_err();
        assert!(
            e.contains("list_collections") && e.contains("missing field `vacancy_id`"),
            "{e}"
        );
        let e = parse::<VacancyRef>("t", json!({"vacancy_id": "1", "vacancyid": "2"})).unwrap_err();
        assert!(e.contains("unknown field `vacancyid`"), "{e}");
        let e = parse::<VacancyRef>("t", json!([1])).unwrap_err();
        assert!(e.contains("must be a JSON object"), "{e}");
    }

    #[test]
    fn counts_accept_numeric_strings() {
        let a: ListMessages = parse("t", json!({"negotiation_id": "1", "limit": "2"})).unwrap();
        assert_eq!(a.limit, Some(Count(2)));
        assert!(parse::<ListMessages>("t", json!({"negotiation_id": "1", "limit": "x"})).is_err());
        assert!(parse::<ListMessages>("t", json!({"negotiation_id": "1", "limit": -3})).is_err());
    }

    #[test]
    fn chat_arguments_refuse_unknown_fields_too() {
        let e = parse::<ListMessages>("t", json!({"chat_id": "1", "page": 2})).unwrap_err();
        assert!(e.contains("unknown field `page`"), "{e}");
        let e = parse::<SendMessage>(
            "t",
            json!({"chat_id": "1", "message": "hi", "confirmed": true}),
        )
        .unwrap_err();
        assert!(e.contains("unknown field `confirmed`"), "{e}");
    }

    #[test]
    fn messages_must_say_something() {
        let e = parse::<SendMessage>(
            "send_message",
            json!({"negotiation_id": "1", "message": "  "}),
        )
        .unwrap_err();
        assert!(e.contains("the message is empty"), "{e}");
        let long = "я".repeat(MAX_MESSAGE_CHARS + 1);
        assert!(
            parse::<SendMessage>("t", json!({"negotiation_id": "1", "message": long})).is_err()
        );
    }
}
