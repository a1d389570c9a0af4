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
    /// From 0.
    pub page: Option<Count>,
    /// At most 50.
    pub per_page: Option<Count>,
    /// Only the vacancies this resume fits (alone, with paging).
    pub resume_id: Option<Id>,
    /// Words in the vacancy's name.
    pub text: Option<String>,
    /// Colleagues' vacancies too.
    pub all_accessible: Option<bool>,
    /// Only these managers' vacancies.
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
    /// From list_collections, e.g. `response`.
    pub collection: Id,
    /// From 0.
    pub page: Option<Count>,
    /// At most 50.
    pub per_page: Option<Count>,
    /// Every page.
    #[serde(default)]
    pub all_pages: bool,
    /// Only those with unseen updates.
    pub show_only_new: Option<bool>,
    /// e.g. `created_at`.
    pub order_by: Option<Id>,
    /// hh's other query filters.
    #[serde(default)]
    pub filters: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NegotiationRef {
    pub negotiation_id: Id,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetResume {
    pub negotiation_id: Option<Id>,
    /// Or a resume from search (spends a daily view).
    pub resume_id: Option<Id>,
}

/// Which resume get_resume opens: through a negotiation, or by id outside any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResumeWay {
    Negotiation(Id),
    Resume(Id),
}

impl GetResume {
    /// Exactly one of the two arguments.
    pub fn way(self) -> Result<ResumeWay, String> {
        match (self.negotiation_id, self.resume_id) {
            (Some(n), None) => Ok(ResumeWay::Negotiation(n)),
            (None, Some(r)) => Ok(ResumeWay::Resume(r)),
            (None, None) => Err("get_resume: give `negotiation_id` (a negotiation's \
                 applicant) or `resume_id` (from search_resumes)"
                .to_string()),
            (Some(_), Some(_)) => {
                Err("get_resume: give `negotiation_id` or `resume_id`, not both".to_string())
            }
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NegotiationStatistics {
    /// Also this manager's (a manager id of the employer).
    pub manager_id: Option<Id>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListSavedSearches {
    /// This search's new resumes.
    pub saved_search_id: Option<Id>,
    /// From 0.
    pub page: Option<Count>,
    /// 1-100.
    pub per_page: Option<Count>,
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
    pub negotiation_id: Option<Id>,
    /// Or a chat.
    pub chat_id: Option<Id>,
    /// 1-50, default 20.
    pub limit: Option<Count>,
    /// An earlier call's `older_than`.
    pub before: Option<Id>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListChats {
    #[serde(default)]
    pub unread_only: bool,
    /// 0-50.
    pub page: Option<Count>,
    /// 1-20.
    pub per_page: Option<Count>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteApplicant {
    pub vacancy_id: Id,
    pub resume_id: Id,
    /// What the applicant reads.
    pub message: MessageText,
    /// An invite action from list_vacancies(resume_id).
    pub action: Option<Id>,
    pub send_sms: Option<bool>,
    pub address_id: Option<Id>,
    /// Only when the user already approved this exact invitation.
    #[serde(default)]
    pub confirm: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeNegotiationState {
    pub negotiation_id: Id,
    /// From get_negotiation's `actions`.
    pub action: Id,
    /// What the applicant reads.
    pub message: Option<MessageText>,
    pub send_sms: Option<bool>,
    pub address_id: Option<Id>,
    /// One of the action's `sub_actions`.
    pub sub_action: Option<Id>,
    /// The action's other arguments, by id.
    #[serde(default)]
    pub arguments: BTreeMap<String, String>,
    /// Only when the user already approved it.
    #[serde(default)]
    pub confirm: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SendMessage {
    pub negotiation_id: Option<Id>,
    /// Or a chat.
    pub chat_id: Option<Id>,
    pub message: MessageText,
    /// A UUID; a new one sends the same text again.
    pub idempotency_key: Option<String>,
    /// Only when the user already approved this message.
    #[serde(default)]
    pub confirm: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkRead {
    /// 1-50, of one vacancy.
    #[serde(default)]
    pub negotiation_ids: Vec<Id>,
    /// Or a chat, read up to `message_id`.
    pub chat_id: Option<Id>,
    pub message_id: Option<Id>,
}

/// hh's resume search goes no deeper than this many results.
pub const SEARCH_DEPTH: u32 = 2000;
/// hh's largest resume search page.
pub const SEARCH_MAX_PER_PAGE: u32 = 100;
/// hh's resume search page when not told.
pub const SEARCH_DEFAULT_PER_PAGE: u32 = 20;

/// hh's `resume_search_fields`: where `text` is looked for.
pub const TEXT_FIELDS: &[&str] = &[
    "everywhere",
    "title",
    "education",
    "skills",
    "experience",
    "experience_company",
    "experience_position",
    "experience_description",
];
/// hh's `experience` dictionary.
pub const EXPERIENCE: &[&str] = &["noExperience", "between1And3", "between3And6", "moreThan6"];
/// hh's `education_level` dictionary.
pub const EDUCATION_LEVELS: &[&str] = &[
    "secondary",
    "special_secondary",
    "unfinished_higher",
    "higher",
    "bachelor",
    "master",
    "candidate",
    "doctor",
];

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchResumes {
    /// All these words.
    pub text: Option<String>,
    /// Where `text` is: title, skills, experience, … (default everywhere).
    pub text_field: Option<String>,
    /// An hh area id, e.g. 1 (Moscow).
    pub area: Option<Id>,
    /// noExperience, between1And3, between3And6, moreThan6.
    pub experience: Option<String>,
    pub salary_from: Option<Count>,
    pub salary_to: Option<Count>,
    /// e.g. RUR, with a salary bound.
    pub currency: Option<String>,
    pub age_from: Option<Count>,
    pub age_to: Option<Count>,
    /// e.g. higher, bachelor, master.
    pub education_level: Option<String>,
    /// Resumes like this vacancy.
    pub vacancy_id: Option<Id>,
    /// From 0.
    pub page: Option<Count>,
    /// 1-100; (page + 1) × per_page ≤ 2000.
    pub per_page: Option<Count>,
}

fn one_of(tool: &str, arg: &str, value: &str, allowed: &[&str]) -> Result<(), String> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(format!(
            "{tool}: `{arg}` is one of {} (got {:?})",
            allowed.join(", "),
            value.chars().take(40).collect::<String>()
        ))
    }
}

impl SearchResumes {
    /// The page and page size to ask for, after every check hh's rules allow before sending.
    pub fn check(&self) -> Result<(u32, u32), String> {
        const TOOL: &str = "search_resumes";
        if self.text.as_deref().is_some_and(|t| t.trim().is_empty()) {
            return Err(format!(
                "{TOOL}: `text` is blank; leave it out to search without words"
            ));
        }
        if let Some(f) = &self.text_field {
            if self.text.is_none() {
                return Err(format!(
                    "{TOOL}: `text_field` says where to look for `text`; give `text` too"
                ));
            }
            one_of(TOOL, "text_field", f, TEXT_FIELDS)?;
        }
        if let Some(e) = &self.experience {
            one_of(TOOL, "experience", e, EXPERIENCE)?;
        }
        if let Some(e) = &self.education_level {
            one_of(TOOL, "education_level", e, EDUCATION_LEVELS)?;
        }
        if let (Some(lo), Some(hi)) = (self.salary_from, self.salary_to)
            && lo.0 > hi.0
        {
            return Err(format!(
                "{TOOL}: `salary_from` ({}) is above `salary_to` ({})",
                lo.0, hi.0
            ));
        }
        if let Some(c) = &self.currency {
            if self.salary_from.is_none() && self.salary_to.is_none() {
                return Err(format!(
                    "{TOOL}: `currency` is the salary's; give `salary_from` or `salary_to` too"
                ));
            }
            let code = !c.is_empty() && c.len() <= 3 && c.chars().all(|ch| ch.is_ascii_uppercase());
            if !code {
                return Err(format!(
                    "{TOOL}: `currency` is an hh currency code such as RUR, USD, EUR (got {:?})",
                    c.chars().take(20).collect::<String>()
                ));
            }
        }
        if let (Some(lo), Some(hi)) = (self.age_from, self.age_to)
            && lo.0 > hi.0
        {
            return Err(format!(
                "{TOOL}: `age_from` ({}) is above `age_to` ({})",
                lo.0, hi.0
            ));
        }
        let page = self.page.map_or(0, |p| p.0);
        let per_page = self.per_page.map_or(SEARCH_DEFAULT_PER_PAGE, |n| n.0);
        if per_page == 0 || per_page > SEARCH_MAX_PER_PAGE {
            return Err(format!(
                "{TOOL}: `per_page` is 1 to {SEARCH_MAX_PER_PAGE} (got {per_page})"
            ));
        }
        let depth = (u64::from(page) + 1) * u64::from(per_page);
        if depth > u64::from(SEARCH_DEPTH) {
            return Err(format!(
                "{TOOL}: page {page} of {per_page} reaches result {depth}, and hh.ru serves no resume \
                 search result past the {SEARCH_DEPTH}th ((page + 1) × per_page ≤ {SEARCH_DEPTH}); \
                 narrow the search instead. Nothing was sent."
            ));
        }
        Ok((page, per_page))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResumeRef {
    pub resume_id: Id,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListComments {
    /// A resume's `applicant_id`, not its id.
    pub applicant_id: Id,
    /// From 0.
    pub page: Option<Count>,
    /// 1-100.
    pub per_page: Option<Count>,
}

/// Our bound on a note (hh documents none): a note, not a pasted resume.
pub const MAX_COMMENT_CHARS: usize = 10_000;

/// Who sees a comment (hh's `applicant_comment_access_type`). Never the applicant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CommentAccess {
    Coworkers,
    Owner,
}

// By hand, so a wrong value names the argument (serde's enum error does not).
impl<'de> Deserialize<'de> for CommentAccess {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        match v.as_str() {
            Some("coworkers") => Ok(CommentAccess::Coworkers),
            Some("owner") => Ok(CommentAccess::Owner),
            _ => Err(de::Error::custom(format!(
                "`access_type` is `coworkers` (your colleagues see the note) or `owner` (only \
                 you), got {}",
                v.to_string().chars().take(40).collect::<String>()
            ))),
        }
    }
}

impl CommentAccess {
    pub fn as_hh(self) -> &'static str {
        match self {
            CommentAccess::Coworkers => "coworkers",
            CommentAccess::Owner => "owner",
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddComment {
    /// A resume's `applicant_id`, not its id.
    pub applicant_id: Id,
    /// Up to 10,000 characters.
    pub text: String,
    /// `coworkers` (the team sees it) or `owner` (only you).
    pub access_type: CommentAccess,
}

impl AddComment {
    pub fn check(&self) -> Result<(), String> {
        if self.text.trim().is_empty() {
            return Err("add_comment: `text` is blank; write the note".to_string());
        }
        let n = self.text.chars().count();
        if n > MAX_COMMENT_CHARS {
            return Err(format!(
                "add_comment: `text` is {n} characters; a note is at most {MAX_COMMENT_CHARS}"
            ));
        }
        Ok(())
    }
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
