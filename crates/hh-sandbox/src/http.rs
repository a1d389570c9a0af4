//! The HTTP edge: hh's guard rails and injected faults around every request, request
//! ids on every answer, form and query parsing, and the record of exchanges.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;

use crate::account::Account;
use crate::errors::ApiError;
use crate::faults::{self, Outage};
use crate::routes::{Auth, RouteSpec};
use crate::state::{AppState, Exchange};

/// hh's content type for JSON.
pub const JSON: &str = "application/json; charset=UTF-8";

/// The operation (the spec's operationId) that answered; kept in the response's
/// extensions for the record.
#[derive(Debug, Clone, Copy)]
pub struct Operation(pub &'static str);

/// On a chat send's answer: the message is stored, and this answer is to be lost
/// (`Faults::lose_send_answers`).
#[derive(Debug, Clone, Copy)]
pub struct LoseAnswer(pub faults::LostAnswer);

/// The bearer token a request was made with, for handlers that need it (`DELETE /token`).
#[derive(Debug, Clone)]
pub struct Bearer(pub String);

pub fn json(status: StatusCode, value: &(impl Serialize + ?Sized)) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
    response
}

pub fn ok(value: &(impl Serialize + ?Sized)) -> Response {
    json(StatusCode::OK, value)
}

pub fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// Query or form fields in order; a name may repeat (`topic_id=1&topic_id=2`).
#[derive(Debug, Clone, Default)]
pub struct Params(pub Vec<(String, String)>);

impl Params {
    pub fn parse(raw: &[u8]) -> Params {
        Params(
            url::form_urlencoded::parse(raw)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    pub fn query(raw: &Option<String>) -> Params {
        Params::parse(raw.as_deref().unwrap_or("").as_bytes())
    }

    /// hh takes an action's arguments from the form body or the query string alike
    /// (its FAQ shows `PUT /negotiations/interview/123?message=...`).
    pub fn form_and_query(body: &Bytes, query: &Option<String>) -> Params {
        let mut p = Params::parse(body);
        p.0.extend(Params::query(query).0);
        p
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// A boolean flag: `true`/`false` as hh writes them; anything else is a bad argument.
    pub fn flag(&self, name: &str) -> Result<bool, ApiError> {
        match self.get(name) {
            None => Ok(false),
            Some("true") | Some("1") => Ok(true),
            Some("false") | Some("0") => Ok(false),
            Some(_) => Err(ApiError::bad_argument(name)),
        }
    }

    /// hh's paging: `page` from 0, `per_page` 1..=max with a default of 20.
    pub fn paging(&self, max_per_page: u32) -> Result<(u32, u32), ApiError> {
        let page = match self.get("page") {
            None => 0,
            Some(v) => v
                .parse::<u32>()
                .map_err(|_| ApiError::bad_argument("page"))?,
        };
        let per_page = match self.get("per_page") {
            None => 20,
            Some(v) => match v.parse::<u32>() {
                Ok(n) if (1..=max_per_page).contains(&n) => n,
                _ => return Err(ApiError::bad_argument("per_page")),
            },
        };
        Ok((page, per_page))
    }
}

/// One page of `items`, with hh's counts; `pages` is at least 1, as hh documents.
pub fn page_of<T: Clone>(
    items: &[T],
    page: u32,
    per_page: u32,
) -> (Vec<T>, serde_json::Map<String, Value>) {
    let found = items.len();
    let start = (page as usize).saturating_mul(per_page as usize).min(found);
    let end = (start + per_page as usize).min(found);
    let mut meta = serde_json::Map::new();
    meta.insert("found".into(), found.into());
    meta.insert("page".into(), page.into());
    meta.insert(
        "pages".into(),
        found.div_ceil(per_page as usize).max(1).into(),
    );
    meta.insert("per_page".into(), per_page.into());
    (items[start..end].to_vec(), meta)
}

fn has_user_agent(headers: &HeaderMap) -> bool {
    let set = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| !v.trim().is_empty())
    };
    set("hh-user-agent") || set("user-agent")
}

pub fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// The largest request body a recording sandbox reads.
const MAX_RECORDED_BODY: usize = 1 << 20;

/// Around every request: count it, wait the injected latency, refuse it without a user
/// agent or with an injected outage, then stamp the answer with its request id, maybe
/// break it, and record it.
pub async fn frontline(State(st): State<AppState>, request: Request, next: Next) -> Response {
    let (_, request_id) = st.next_request();
    let _serving = st.enter();
    let method = request.method().to_string();
    let path = request.uri().path().to_string();
    let query = request.uri().query().map(str::to_string);
    // Recorded requests keep their body, so tests can see what a client sent (a chat
    // message's idempotency key on every attempt, say). Bodies here are small forms and
    // JSON; anything past the cap is refused as hh's front would.
    let (request, request_body) = if st.recording {
        let (parts, body) = request.into_parts();
        match axum::body::to_bytes(body, MAX_RECORDED_BODY).await {
            Ok(bytes) => (
                Request::from_parts(parts, Body::from(bytes.clone())),
                bytes.to_vec(),
            ),
            Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
        }
    } else {
        (request, Vec::new())
    };
    let faults = st.faults();
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }

    let response = if !has_user_agent(request.headers()) {
        ApiError::bad_user_agent().into_response()
    } else {
        match st.draw_outage(&faults) {
            Some(Outage::TooManyRequests { retry_after }) => {
                ApiError::too_many_requests(retry_after).into_response()
            }
            Some(Outage::Unavailable { with_json: true }) => {
                ApiError::service_unavailable().into_response()
            }
            Some(Outage::Unavailable { with_json: false }) => {
                let mut r =
                    (StatusCode::SERVICE_UNAVAILABLE, faults::UNAVAILABLE_HTML).into_response();
                r.headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
                r
            }
            None => next.run(request).await,
        }
    };

    let lose = response.extensions().get::<LoseAnswer>().map(|l| l.0);
    let response = match lose {
        Some(faults::LostAnswer::GatewayTimeout) => {
            let mut r = (StatusCode::GATEWAY_TIMEOUT, faults::GATEWAY_TIMEOUT_HTML).into_response();
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
            r.extensions_mut().extend(response.extensions().clone());
            r
        }
        _ => response,
    };
    let (mut parts, body) = response.into_parts();
    let mut bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .map(|b| b.to_vec())
        .unwrap_or_default();
    let is_json = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json && !parts.status.is_success() {
        // hh puts the request id into every error body.
        if let Ok(Value::Object(mut map)) = serde_json::from_slice::<Value>(&bytes) {
            map.entry("request_id")
                .or_insert_with(|| Value::String(request_id.clone()));
            bytes = serde_json::to_vec(&Value::Object(map)).unwrap_or(bytes);
        }
    }
    if is_json && parts.status.is_success() && !bytes.is_empty() && st.draw_malformed(&faults) {
        bytes = faults::truncate(&bytes);
    }
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        parts.headers.insert("x-request-id", v);
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    let operation = parts.extensions.get::<Operation>().map(|o| o.0);
    tracing::debug!(%method, %path, status = parts.status.as_u16(), operation, "answered");
    if st.recording {
        st.record(Exchange {
            method,
            path,
            query,
            operation,
            status: parts.status.as_u16(),
            content_type: parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            body: bytes.clone(),
            request_body,
        });
    }
    if lose == Some(faults::LostAnswer::Dropped) {
        // Close the connection without a byte of the answer: unwinding ends the
        // connection's task (resume_unwind runs no panic hook, so nothing is printed).
        std::panic::resume_unwind(Box::new("a chat send's answer is lost on purpose"));
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Around each route: the authorization it needs, the work account it acts as, the
/// captcha on actions; and the operation's name on the answer. Handlers find the
/// [`Account`] (and the [`Bearer`] token) in the request's extensions.
pub async fn guard(
    State((st, spec)): State<(AppState, &'static RouteSpec)>,
    mut request: Request,
    next: Next,
) -> Response {
    let mut response = match admit(&st, spec, request.headers()) {
        Ok(admitted) => {
            if let Some((token, account)) = admitted {
                request.extensions_mut().insert(Bearer(token));
                request.extensions_mut().insert(account);
            }
            next.run(request).await
        }
        Err(e) => e.into_response(),
    };
    if response.extensions().get::<Operation>().is_none() {
        response.extensions_mut().insert(Operation(spec.operation));
    }
    response
}

/// The token and the account it acts as, when the route checks a token.
fn admit(
    st: &AppState,
    spec: &RouteSpec,
    headers: &HeaderMap,
) -> Result<Option<(String, Account)>, ApiError> {
    let token = bearer(headers);
    let needs_check = match spec.auth {
        Auth::Required => true,
        // Public methods work without a token, but a bad one is still refused.
        Auth::Optional => token.is_some(),
        Auth::None => false,
    };
    let mut admitted = None;
    if needs_check {
        let Some(t) = token else {
            return Err(ApiError::oauth("bad_authorization"));
        };
        let user = st
            .tokens()
            .check(&t)
            .map_err(|refused| ApiError::oauth(refused.value()))?;
        // A work account's id is its manager id; only the user's own are accepted.
        let requested = match headers.get("x-manager-account-id") {
            None => None,
            Some(v) => Some(v.to_str().map_err(|_| extra_account_not_found())?),
        };
        let account =
            Account::resolve(&st.world(), user, requested).ok_or_else(extra_account_not_found)?;
        admitted = Some((t, account));
    }
    if spec.captcha && st.faults().captcha_on_actions {
        let n = st.requests.load(std::sync::atomic::Ordering::Relaxed);
        return Err(ApiError::captcha(&format!("{:x}{:08x}", st.seed, n)));
    }
    Ok(admitted)
}

/// hh's 403 for an `X-Manager-Account-Id` that is not one of the user's accounts.
fn extra_account_not_found() -> ApiError {
    ApiError::forbidden("manager_extra_accounts", "manager_extra_account_not_found")
}
