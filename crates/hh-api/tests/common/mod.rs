//! Shared by the integration tests: a client pointed at a mock server, and a mock that
//! records every request exactly as it arrived (method, path, raw query, headers, body).
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

pub mod shaped;

pub use shaped::shaped;

use hh_api::{Client, ClientBuilder, RetryPolicy, types};
use httpmock::{HttpMockRequest, HttpMockResponse, Mock, MockServer};
use serde_json::Value;

/// Recognisable, so a leak shows up in any text.
pub const TOKEN: &str = "tok-SeCrEt-4f9a1c77e2";
pub const UA: &str = "HhApiTests/1.0 (tests@example.com)";

/// Retries that keep tests fast: 3 attempts, a few milliseconds apart.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        max_elapsed: Duration::from_secs(10),
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_secs(2),
    }
}

pub fn builder(server: &MockServer) -> ClientBuilder {
    Client::builder()
        .base_url(server.base_url())
        .user_agent(UA)
        .token(TOKEN)
        .timeout(Duration::from_secs(10))
        .retry(fast_retry())
}

pub fn client(server: &MockServer) -> Client {
    builder(server).build().expect("client builds")
}

/// A request as the mock server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    /// The raw query string, exactly as sent (`None` when there is no `?`).
    pub query: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Seen {
    fn from(req: &HttpMockRequest) -> Seen {
        let uri = req.uri();
        Seen {
            method: req.method_str().to_string(),
            path: uri.path().to_string(),
            query: uri.query().map(str::to_string),
            headers: req.headers_vec().clone(),
            body: req.body_string(),
        }
    }

    /// Every value of a header (names compared case-insensitively).
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The one value of a header; panics if it is missing or repeated.
    pub fn header(&self, name: &str) -> &str {
        match self.all(name).as_slice() {
            [one] => one,
            other => {
                panic!("header {name}: expected exactly one value, got {other:?} in {self:#?}")
            }
        }
    }

    /// `page` from the query, for mocks that answer by page.
    pub fn query_param(&self, name: &str) -> Option<String> {
        url::form_urlencoded::parse(self.query.as_deref().unwrap_or("").as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// The headers every request to hh must carry, and the one it must not.
    pub fn assert_hh_headers(&self, manager_account: Option<&str>) {
        assert_eq!(self.header("hh-user-agent"), UA, "HH-User-Agent");
        assert_eq!(self.header("user-agent"), UA, "User-Agent");
        assert_eq!(
            self.header("authorization"),
            format!("Bearer {TOKEN}"),
            "Authorization"
        );
        match manager_account {
            Some(id) => assert_eq!(self.header("x-manager-account-id"), id),
            None => assert!(
                self.all("x-manager-account-id").is_empty(),
                "no X-Manager-Account-Id unless configured: {self:#?}"
            ),
        }
        assert!(
            self.all("api-version").is_empty(),
            "hh gets no api-version header: {self:#?}"
        );
    }

    pub fn assert_form(&self, body: &str) {
        assert_eq!(
            self.header("content-type"),
            "application/x-www-form-urlencoded",
            "form content type"
        );
        assert_eq!(self.body, body, "exact form body");
    }
}

/// What a mock answers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string(),
        }
    }

    pub fn text(status: u16, content_type: &str, body: &str) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.to_string(),
        }
    }

    pub fn empty(status: u16) -> Reply {
        Reply {
            status,
            headers: vec![],
            body: String::new(),
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }

    fn into_response(self) -> HttpMockResponse {
        let mut b = HttpMockResponse::builder().status(self.status);
        for (k, v) in self.headers {
            b = b.header(k, v);
        }
        b.body(self.body.into_bytes()).build()
    }
}

pub type Log = Arc<Mutex<Vec<Seen>>>;

pub fn seen(log: &Log) -> Vec<Seen> {
    log.lock().unwrap().clone()
}

/// Answers every request to `server` with `respond`, recording each request first.
pub async fn serve<F>(server: &MockServer, respond: F) -> (Mock<'_>, Log)
where
    F: Fn(&Seen) -> Reply + Send + Sync + 'static,
{
    let log: Log = Arc::default();
    let recorded = log.clone();
    let mock = server
        .mock_async(move |when, then| {
            when.any_request();
            then.respond_with(move |req: &HttpMockRequest| {
                let seen = Seen::from(req);
                let reply = respond(&seen);
                recorded.lock().unwrap().push(seen);
                reply.into_response()
            });
        })
        .await;
    (mock, log)
}

/// Answers every request with the same reply.
pub async fn serve_fixed(server: &MockServer, reply: Reply) -> (Mock<'_>, Log) {
    serve(server, move |_| reply.clone()).await
}

/// The only request the server saw; fails if there were none or several.
pub fn only(log: &Log) -> Seen {
    let all = seen(log);
    assert_eq!(all.len(), 1, "expected exactly one request, got {all:#?}");
    all.into_iter().next().unwrap()
}

/// A URL on 127.0.0.1 where nothing listens (connection refused).
pub fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

// --- fixtures, in the shapes hh's documentation shows ----------------------------

pub fn arg(id: &str, required: bool, needs: &[&str]) -> types::ActionArgument {
    types::ActionArgument {
        id: id.into(),
        required,
        required_arguments: needs
            .iter()
            .map(|n| types::IdOnly { id: (*n).into() })
            .collect(),
    }
}

pub fn action(
    id: &str,
    method: &str,
    url: String,
    arguments: Vec<types::ActionArgument>,
) -> types::Action {
    types::Action {
        id: id.into(),
        name: id.into(),
        enabled: true,
        hidden: false,
        method: method.into(),
        url,
        arguments,
        resulting_employer_state: None,
        templates: vec![],
        sub_actions: vec![],
    }
}

/// The invite action of `GET /employers/{id}/vacancies/active?resume_id=` (FAQ, way 2).
pub fn invite_action(url: String) -> types::Action {
    action(
        "phone_interview",
        "POST",
        url,
        vec![
            arg("resume_id", true, &[]),
            arg("vacancy_id", true, &[]),
            arg("message", true, &[]),
            arg("send_sms", false, &["message"]),
            arg("address_id", false, &["message"]),
        ],
    )
}

/// The `interview` action of a negotiation (FAQ, way 1).
pub fn interview_action(url: String) -> types::Action {
    action("interview", "PUT", url, vec![arg("message", true, &[])])
}

pub fn negotiation_json(id: &str) -> Value {
    shaped(
        "Negotiation",
        serde_json::json!({
            "id": id,
            "state": {"id": "response", "name": "Отклик"},
            "created_at": "2026-01-10T10:00:00+0300",
            "updated_at": "2026-01-11T10:00:00+0300",
            "has_updates": true,
            "actions": []
        }),
    )
}

/// A negotiation as a collection's page lists it (with its own `url`, an employer state).
pub fn listed_negotiation_json(id: &str) -> Value {
    shaped(
        "NegotiationListItem",
        serde_json::json!({
            "id": id,
            "state": {"id": "response", "name": "Отклик"},
            "employer_state": {"id": "response", "name": "Отклик"},
            "created_at": "2026-01-10T10:00:00+0300",
            "updated_at": "2026-01-11T10:00:00+0300",
            "has_updates": true,
            "actions": []
        }),
    )
}

/// A negotiation's resume as hh shows it inside the negotiation.
pub fn negotiation_resume_json(fields: Value) -> Value {
    shaped("NegotiationResume", fields)
}

pub fn negotiation_with_resume(id: &str, resume: Value) -> types::Negotiation {
    let mut n = negotiation_json(id);
    n["resume"] = negotiation_resume_json(resume);
    serde_json::from_value(n).expect("negotiation fixture")
}

pub fn negotiations_page(ids: &[String], page: u32, pages: u32, per_page: u32) -> Value {
    shaped(
        "NegotiationsPage",
        serde_json::json!({
            "items": ids.iter().map(|id| listed_negotiation_json(id)).collect::<Vec<_>>(),
            "found": pages * per_page,
            "page": page,
            "pages": pages,
            "per_page": per_page,
            "ordered_by": {"id": "created_at", "name": "по дате"},
        }),
    )
}

/// A manager's `/me` (`auth_type: employer`).
pub fn me_json() -> Value {
    shaped(
        "MeManagerProfile",
        serde_json::json!({
            "auth_type": "employer",
            "id": "777",
            "first_name": "Ирина",
            "last_name": "Петрова",
            "is_employer": true,
            "is_applicant": false,
            "employer": {"id": "1455", "name": "HeadHunter", "manager_id": "900"},
        }),
    )
}

/// A manager's `/me` with this user id.
pub fn me_json_with_id(id: &str) -> Value {
    let mut me = me_json();
    me["id"] = Value::from(id);
    me
}
