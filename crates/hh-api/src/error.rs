//! hh.ru's error body as one typed error, with the cases callers branch on.
//!
//! hh answers every failure with a status and, usually, a JSON body of the form
//! `{"request_id": "...", "errors": [{"type": "...", "value": "..."}]}`; the token
//! endpoint answers in OAuth form (`error`, `error_description`), and a 5xx may carry
//! no JSON at all. [`ApiError`] keeps all of it; [`Error`] adds the failures that
//! never reached hh or could not be read.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::types;

/// Everything that can go wrong with a call.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// hh answered with an error status.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The request never got an answer: connection refused or reset, DNS, TLS, timeout.
    /// [`Error::may_have_reached_hh`] says whether hh may have acted on it anyway.
    #[error("could not reach hh.ru at {url}: {reason}")]
    Transport {
        url: String,
        kind: TransportKind,
        reason: String,
    },
    /// hh answered with success but the body is not what the API describes.
    #[error("hh.ru sent a response that could not be read{}: {reason}; body starts: {snippet}",
        status.map(|s| format!(" ({s})")).unwrap_or_default())]
    Decode {
        status: Option<StatusCode>,
        reason: String,
        snippet: String,
    },
    /// An action's arguments do not fit what hh says it takes; nothing was sent.
    #[error(transparent)]
    Arguments(#[from] Box<crate::action::ArgumentsError>),
    /// The call was refused before anything was sent (bad input, a URL on another host, ...).
    #[error("{0}")]
    Invalid(String),
    /// The client could not be built.
    #[error("{0}")]
    Config(String),
}

/// How a request failed to get an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// No connection was made (refused, DNS, TLS): the request never left.
    Connect,
    /// No answer in time; the request may have been sent and acted on.
    Timeout,
    /// The answer broke off (a reset, a body cut short); hh may have acted on the request.
    Body,
    /// Anything else reqwest reports once the request may have left.
    Other,
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error::Api(Box::new(e))
    }
}

impl Error {
    /// The hh error, when hh answered with one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e.as_ref()),
            _ => None,
        }
    }

    /// The HTTP status, when there was an answer.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode { status, .. } => *status,
            _ => None,
        }
    }

    /// Whether the request may have reached hh.ru and been acted on although no (readable)
    /// answer came: false only for a connection never made, or a refusal before sending.
    pub fn may_have_reached_hh(&self) -> bool {
        match self {
            Error::Transport { kind, .. } => *kind != TransportKind::Connect,
            Error::Api(_) | Error::Decode { .. } => true,
            Error::Arguments(_) | Error::Invalid(_) | Error::Config(_) => false,
        }
    }

    /// The transport failure's kind, when it is one.
    pub fn transport_kind(&self) -> Option<TransportKind> {
        match self {
            Error::Transport { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    pub(crate) fn transport(url: &str, error: &reqwest::Error) -> Self {
        // reqwest's message may include the URL with query; that's fine (no tokens there),
        // but keep the chain short and readable.
        let mut reason = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(s) = source {
            reason.push_str(": ");
            reason.push_str(&s.to_string());
            source = s.source();
        }
        let kind = if error.is_timeout() {
            TransportKind::Timeout
        } else if error.is_connect() {
            TransportKind::Connect
        } else if error.is_body() || error.is_decode() {
            TransportKind::Body
        } else {
            TransportKind::Other
        };
        let reason = match kind {
            TransportKind::Timeout => format!("timed out: {reason}"),
            _ => reason,
        };
        Error::Transport {
            url: url.to_string(),
            kind,
            reason,
        }
    }

    pub(crate) fn decode(
        status: Option<StatusCode>,
        body: &[u8],
        reason: impl fmt::Display,
    ) -> Self {
        Error::Decode {
            status,
            reason: reason.to_string(),
            snippet: snippet(body),
        }
    }

    /// A body that did not fit the expected type, with the place in it that did not fit
    /// (`items[3].resume.id`), so the message says which field hh sent differently.
    pub(crate) fn decode_json(
        status: Option<StatusCode>,
        body: &[u8],
        error: &serde_json::Error,
    ) -> Self {
        // serde reports a missing field at the end of its object, whose last key is
        // another field's: the path is then the object's own.
        let whole_object = error.to_string().starts_with("missing field");
        let reason = match json_path_at(body, error.line(), error.column(), whole_object) {
            Some(path) if error.is_data() => format!("at `{path}`: {error}"),
            _ => error.to_string(),
        };
        Error::decode(status, body, reason)
    }
}

/// The path (`items[3].id`) of the value at `line`:`column` (1-based, as serde_json
/// counts) of a JSON text, or of the object around it with `whole_object`; `None` at
/// the top level.
fn json_path_at(body: &[u8], line: usize, column: usize, whole_object: bool) -> Option<String> {
    enum Frame {
        Object {
            key: Option<String>,
            expect_key: bool,
        },
        Array {
            index: usize,
        },
    }
    let (mut at_line, mut at_column) = (1, 0);
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < body.len() {
        let b = body[i];
        at_column += 1;
        if at_line == line && at_column >= column {
            break;
        }
        match b {
            b'\n' => {
                at_line += 1;
                at_column = 0;
            }
            b'{' => stack.push(Frame::Object {
                key: None,
                expect_key: true,
            }),
            b'[' => stack.push(Frame::Array { index: 0 }),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Array { index }) => *index += 1,
                Some(Frame::Object { expect_key, .. }) => *expect_key = true,
                None => {}
            },
            b':' => {
                if let Some(Frame::Object { expect_key, .. }) = stack.last_mut() {
                    *expect_key = false;
                }
            }
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < body.len() && body[i] != b'"' {
                    i += if body[i] == b'\\' { 2 } else { 1 };
                }
                at_column += i.min(body.len()) - start + 1;
                if let Some(Frame::Object { key, expect_key }) = stack.last_mut()
                    && *expect_key
                {
                    *key =
                        Some(String::from_utf8_lossy(&body[start..i.min(body.len())]).into_owned());
                }
            }
            _ => {}
        }
        i += 1;
    }
    if whole_object && let Some(Frame::Object { key, .. }) = stack.last_mut() {
        *key = None;
    }
    let mut path = String::new();
    for frame in &stack {
        match frame {
            Frame::Object { key: Some(k), .. } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
            }
            Frame::Object { key: None, .. } => {}
            Frame::Array { index } => path.push_str(&format!("[{index}]")),
        }
    }
    (!path.is_empty()).then_some(path)
}

/// One entry of hh's `errors[]`.
pub type ErrorItem = types::ErrorErrorsItem;

/// An error answer from hh.ru: status, `request_id`, the `errors[]` list, and the
/// OAuth fields of the token endpoint.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub request_id: Option<String>,
    pub errors: Vec<ErrorItem>,
    /// OAuth error code from `/token`, e.g. `invalid_grant`.
    pub oauth_error: Option<String>,
    pub oauth_error_description: Option<String>,
    /// How long hh asked to wait (`Retry-After`), if it said.
    pub retry_after: Option<Duration>,
    /// The start of a body that was not hh's JSON (a proxy's HTML page, say).
    pub raw_body: Option<String>,
}

/// What kind of failure this is, for the cases a caller must branch on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// The access token expired: refresh it (`oauth` / `token_expired`).
    TokenExpired,
    /// The user revoked the token: sign in again (`oauth` / `token_revoked`).
    TokenRevoked,
    /// The token is unknown or malformed (`oauth` / `bad_authorization`), or another `oauth` error.
    BadAuthorization,
    /// A refresh token was used twice or is deactivated (`invalid_grant`): sign in again.
    InvalidGrant,
    /// hh refused a refresh because the access token has not expired yet (`invalid_grant`,
    /// "token not expired"): the clocks disagree. Not terminal: the token still works,
    /// and a refresh succeeds once hh sees it expired.
    TokenNotExpiredYet,
    /// hh wants a person to pass a captcha at this URL first.
    CaptchaRequired { captcha_url: Option<String> },
    /// A negotiations limit: `limit_exceeded`, `in_a_row_limit` or `overall_limit`.
    NegotiationLimit { value: String },
    /// The action is not possible in the negotiation's current state.
    WrongState,
    /// The method needs paid API access (`api_access_payment`), or services are missing.
    PaymentRequired,
    /// The employer's daily limit of resume views is used up (429 `resumes/view_limit_exceeded`):
    /// repeating today does not help.
    ResumeViewLimit,
    /// The quota of resume views the employer set for this manager is used up
    /// (403 `resumes/quota_exceeded`).
    ResumeViewQuota,
    /// The employer has no paid service left for viewing resumes (403 `resumes/no_available_service`).
    NoResumeService,
    /// This user has no right to see applicants' contacts (403 `resumes/cant_view_contacts`).
    CantViewContacts,
    /// The `X-Manager-Account-Id` sent is not one of this manager's work accounts
    /// (403 `manager_extra_accounts/manager_extra_account_not_found`).
    ManagerAccountNotFound,
    /// The work account acted as is blocked (403 `manager_accounts/used_manager_account_forbidden`);
    /// hh lists the accounts this token may use instead.
    ManagerAccountForbidden {
        allowed_accounts: Vec<AllowedAccount>,
    },
    /// The thing asked for does not exist or is not visible to this user.
    NotFound,
    /// An argument was rejected (`bad_argument`, `bad_arguments`); `value` names it.
    BadArgument { argument: Option<String> },
    /// The `HH-User-Agent` header is missing or blacklisted.
    BadUserAgent,
    /// Too many requests; wait and try again.
    RateLimited,
    /// hh is down or overloaded (5xx).
    Unavailable,
    /// Anything else.
    Other,
}

/// A work account hh says the token may act as (`allowed_accounts[]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedAccount {
    /// The value for `X-Manager-Account-Id` (`HH_MANAGER_ACCOUNT_ID`).
    pub id: String,
    pub employer_id: String,
    pub employer_name: String,
}

impl ApiError {
    /// Builds the error from an answer's parts; never fails, whatever the body is.
    pub fn from_parts(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Self {
        let retry_after = crate::retry::retry_after(headers);
        match serde_json::from_slice::<types::Error>(body) {
            Ok(parsed) => {
                // JSON, but not hh's shape (a proxy's `{"message": …}`): keep the body to show.
                let recognised = !parsed.errors.is_empty() || parsed.error.is_some();
                ApiError {
                    status,
                    request_id: parsed.request_id,
                    errors: parsed.errors,
                    oauth_error: parsed.error,
                    oauth_error_description: parsed.error_description.or(parsed.description),
                    retry_after,
                    raw_body: (!recognised && !body.is_empty()).then(|| snippet(body)),
                }
            }
            Err(_) => ApiError {
                status,
                request_id: None,
                errors: Vec::new(),
                oauth_error: None,
                oauth_error_description: None,
                retry_after,
                raw_body: (!body.is_empty()).then(|| snippet(body)),
            },
        }
    }

    /// True when `errors[]` holds an entry of this `type` (and `value`, when given).
    pub fn has(&self, kind: &str, value: Option<&str>) -> bool {
        self.errors
            .iter()
            .any(|e| e.type_ == kind && value.is_none_or(|v| e.value.as_deref() == Some(v)))
    }

    /// The case a caller must branch on. The first matching rule wins, most specific first.
    pub fn kind(&self) -> ErrorKind {
        if self.oauth_error.as_deref() == Some("invalid_grant") {
            let description = self.oauth_error_description.as_deref().unwrap_or_default();
            if description.to_ascii_lowercase().contains("not expired") {
                return ErrorKind::TokenNotExpiredYet;
            }
            return ErrorKind::InvalidGrant;
        }
        if let Some(e) = self.errors.iter().find(|e| e.type_ == "captcha_required") {
            return ErrorKind::CaptchaRequired {
                captcha_url: e.captcha_url.clone(),
            };
        }
        if self.has("oauth", Some("token_expired")) {
            return ErrorKind::TokenExpired;
        }
        if self.has("oauth", Some("token_revoked")) {
            return ErrorKind::TokenRevoked;
        }
        if self.has("oauth", None) {
            return ErrorKind::BadAuthorization;
        }
        if self.has("bad_user_agent", None) {
            return ErrorKind::BadUserAgent;
        }
        for limit in ["limit_exceeded", "in_a_row_limit", "overall_limit"] {
            if self.has("negotiations", Some(limit)) {
                return ErrorKind::NegotiationLimit {
                    value: limit.to_string(),
                };
            }
        }
        if self.has("negotiations", Some("wrong_state")) {
            return ErrorKind::WrongState;
        }
        if self.has("resumes", Some("view_limit_exceeded")) {
            return ErrorKind::ResumeViewLimit;
        }
        if self.has("resumes", Some("quota_exceeded")) {
            return ErrorKind::ResumeViewQuota;
        }
        if self.has("resumes", Some("no_available_service")) {
            return ErrorKind::NoResumeService;
        }
        if self.has("resumes", Some("cant_view_contacts")) {
            return ErrorKind::CantViewContacts;
        }
        if self.has(
            "manager_extra_accounts",
            Some("manager_extra_account_not_found"),
        ) {
            return ErrorKind::ManagerAccountNotFound;
        }
        if let Some(e) = self.errors.iter().find(|e| {
            e.type_ == "manager_accounts"
                && e.value.as_deref() == Some("used_manager_account_forbidden")
        }) {
            return ErrorKind::ManagerAccountForbidden {
                allowed_accounts: e
                    .allowed_accounts
                    .iter()
                    .map(|a| AllowedAccount {
                        id: a.id.clone(),
                        employer_id: a.employer.id.clone(),
                        employer_name: a.employer.name.clone(),
                    })
                    .collect(),
            };
        }
        if self.has("api_access_payment", None)
            || self.has("negotiations", Some("not_enough_purchased_services"))
            || self.status == StatusCode::PAYMENT_REQUIRED
        {
            return ErrorKind::PaymentRequired;
        }
        if let Some(e) = self
            .errors
            .iter()
            .find(|e| e.type_ == "bad_argument" || e.type_ == "bad_arguments")
        {
            return ErrorKind::BadArgument {
                argument: e.value.clone(),
            };
        }
        if self.status == StatusCode::NOT_FOUND || self.has("not_found", None) {
            return ErrorKind::NotFound;
        }
        if self.status == StatusCode::TOO_MANY_REQUESTS {
            return ErrorKind::RateLimited;
        }
        if self.status.is_server_error() {
            return ErrorKind::Unavailable;
        }
        ErrorKind::Other
    }

    pub fn is_token_expired(&self) -> bool {
        self.kind() == ErrorKind::TokenExpired
    }

    /// The captcha page to send the person to, when hh asks for one.
    pub fn captcha_url(&self) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.type_ == "captcha_required")
            .and_then(|e| e.captcha_url.as_deref().or(e.fallback_url.as_deref()))
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "hh.ru answered {}", self.status)?;
        if !self.errors.is_empty() {
            let list: Vec<String> = self
                .errors
                .iter()
                .map(|e| match &e.value {
                    Some(v) => format!("{}/{}", e.type_, v),
                    None => e.type_.clone(),
                })
                .collect();
            write!(f, ": {}", list.join(", "))?;
        }
        if let Some(code) = &self.oauth_error {
            write!(f, ": {code}")?;
            if let Some(d) = &self.oauth_error_description {
                write!(f, " ({d})")?;
            }
        }
        if let Some(raw) = &self.raw_body {
            write!(f, "; body starts: {raw}")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request_id {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// The first 200 characters of a body, for messages.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut s: String = text.chars().take(200).collect();
    if text.chars().count() > 200 {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Page {
        items: Vec<Item>,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Item {
        id: String,
        resume: Option<Resume>,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Resume {
        id: String,
    }

    fn reason(body: &str) -> String {
        let e = serde_json::from_str::<Page>(body).unwrap_err();
        match Error::decode_json(None, body.as_bytes(), &e) {
            Error::Decode { reason, .. } => reason,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_misfit_names_its_path() {
        let r = reason(r#"{"items": [{"id": "1"}, {"id": "2", "resume": {"id": 7}}]}"#);
        assert!(
            r.starts_with("at `items[1].resume.id`: invalid type"),
            "{r}"
        );
        let r = reason("{\n \"items\": [\n  {\"id\": \"a,b:\\\"c\"},\n  {\"resume\": null}\n ]\n}");
        assert!(r.starts_with("at `items[1]`: missing field `id`"), "{r}");
        assert!(r.contains("missing field `id`"), "{r}");
    }
}
