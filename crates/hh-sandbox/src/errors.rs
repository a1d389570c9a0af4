//! hh's error answers. Every failure carries `{"errors": [{"type", "value"}]}` (the
//! token endpoint: OAuth's `error` / `error_description`); the `request_id` is added
//! on the way out by [`crate::http`], which knows it.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use serde_json::{Value, json};

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: Value,
    pub retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, errors: Vec<Value>) -> Self {
        ApiError {
            status,
            body: json!({ "errors": errors }),
            retry_after: None,
        }
    }

    fn one(status: StatusCode, kind: &str, value: Option<&str>) -> Self {
        ApiError::new(status, vec![json!({ "type": kind, "value": value })])
    }

    /// 404: the thing does not exist or this user cannot see it.
    pub fn not_found() -> Self {
        ApiError::new(StatusCode::NOT_FOUND, vec![json!({ "type": "not_found" })])
    }

    /// 400: an argument is missing or wrong; `value` names it.
    pub fn bad_argument(name: &str) -> Self {
        ApiError::one(StatusCode::BAD_REQUEST, "bad_argument", Some(name))
    }

    /// 400: neither `HH-User-Agent` nor `User-Agent` was sent.
    pub fn bad_user_agent() -> Self {
        ApiError::one(StatusCode::BAD_REQUEST, "bad_user_agent", Some("unset"))
    }

    /// 403 `oauth`: bad_authorization, token_expired, token_revoked, ...
    pub fn oauth(value: &str) -> Self {
        ApiError::one(StatusCode::FORBIDDEN, "oauth", Some(value))
    }

    /// A negotiations error (`already_applied`, `wrong_state`, `no_invitation`, ...).
    pub fn negotiations(status: StatusCode, value: &str) -> Self {
        ApiError::one(status, "negotiations", Some(value))
    }

    /// A chats error, which names a `reason` rather than a `value`: 403 `forbidden` /
    /// `chat_blocked`, 409 `conflict` / `already_exists`, 400 `bad_argument` / `bad_limit`, ...
    pub fn chats(status: StatusCode, kind: &str, reason: &str) -> Self {
        ApiError::new(status, vec![json!({ "type": kind, "reason": reason })])
    }

    /// 400 `bad_json_data`: a JSON body's field (a JSON pointer) is missing, wrong or
    /// not expected.
    pub fn bad_json(pointer: &str, reason: &str) -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            vec![json!({ "type": "bad_json_data", "pointer": pointer, "reason": reason })],
        )
    }

    /// 400 `bad_json_data` with hh's optional `description`: why the value is wrong.
    pub fn bad_json_described(pointer: &str, reason: &str, description: &str) -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            vec![json!({
                "type": "bad_json_data",
                "pointer": pointer,
                "reason": reason,
                "description": description,
            })],
        )
    }

    /// 400 `notifications` / `already_exist`: the user already has a webhook
    /// subscription for this application.
    pub fn webhook_subscription_exists() -> Self {
        ApiError::one(
            StatusCode::BAD_REQUEST,
            "notifications",
            Some("already_exist"),
        )
    }

    pub fn forbidden(kind: &str, value: &str) -> Self {
        ApiError::one(StatusCode::FORBIDDEN, kind, Some(value))
    }

    /// 403 `api_access_payment` / `action_must_be_payed`: a paid method without the
    /// employer's paid access.
    pub fn payment_required() -> Self {
        ApiError::forbidden("api_access_payment", "action_must_be_payed")
    }

    /// 403 `captcha_required`: a person must pass a captcha on hh.ru first.
    pub fn captcha(state: &str) -> Self {
        ApiError::new(
            StatusCode::FORBIDDEN,
            vec![json!({
                "type": "captcha_required",
                "value": "captcha_required",
                "captcha_url": format!("https://hh.ru/account/captcha?state={state}"),
                "fallback_url": "https://hh.ru/employer/vacancyresponses",
            })],
        )
    }

    /// 429 that waiting does not cure today (`resumes` / `view_limit_exceeded`).
    pub fn too_many(kind: &str, value: &str) -> Self {
        ApiError::one(StatusCode::TOO_MANY_REQUESTS, kind, Some(value))
    }

    /// 429 with `Retry-After`.
    pub fn too_many_requests(retry_after: u64) -> Self {
        let mut e = ApiError::one(StatusCode::TOO_MANY_REQUESTS, "too_many_requests", None);
        e.retry_after = Some(retry_after);
        e
    }

    pub fn service_unavailable() -> Self {
        ApiError::one(StatusCode::SERVICE_UNAVAILABLE, "service_unavailable", None)
    }

    pub fn method_not_allowed() -> Self {
        ApiError::one(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", None)
    }

    /// The token endpoint's OAuth form (RFC 6749 §5.2), always 400 here.
    pub fn oauth_grant(error: &str, description: &str) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            body: json!({ "error": error, "error_description": description }),
            retry_after: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = crate::http::json(self.status, &self.body);
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// The JSON a handler answers with, or hh's error.
pub type ApiResult = Result<Response, ApiError>;
