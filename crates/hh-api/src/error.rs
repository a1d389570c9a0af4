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
    #[error("could not reach hh.ru at {url}: {reason}")]
    Transport { url: String, reason: String },
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
            "timed out: "
        } else {
            ""
        };
        Error::Transport {
            url: url.to_string(),
            reason: format!("{kind}{reason}"),
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
}

/// One entry of hh's `errors[]`.
pub type ErrorItem = types::ErrorItem;

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
    /// A refresh token was used twice, too early, or is deactivated (`invalid_grant`).
    InvalidGrant,
    /// hh wants a person to pass a captcha at this URL first.
    CaptchaRequired { captcha_url: Option<String> },
    /// A negotiations limit: `limit_exceeded`, `in_a_row_limit` or `overall_limit`.
    NegotiationLimit { value: String },
    /// The action is not possible in the negotiation's current state.
    WrongState,
    /// The method needs paid API access (`api_access_payment`), or services are missing.
    PaymentRequired,
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
