//! `hh-mcp serve --http`, end to end: the built binary against the sandbox, driven by
//! rmcp's Streamable HTTP client (protocol 2026-07-28, stateless) and by plain HTTP for
//! what a client library hides (status codes, headers).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hh_sandbox::{Faults, Sandbox, SandboxConfig};
use http::{HeaderName, HeaderValue};
use rmcp::ClientHandler;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ClientCapabilities, ClientConfig,
    ElicitRequestParams, ElicitResult, ElicitationAction, ErrorData, Implementation,
    ProtocolVersion,
};
use rmcp::service::{
    ClientLifecycleMode, ClientServiceExt, RequestContext, RoleClient, RunningService,
};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::{Value, json};

mod served;
use served::Server;

/// Recognisable, so a leak shows up in any text.
const KEY: &str = "hhmcp_E2E-ApiKey-Zq81c0ffee";
const STATE_KEY: &str = "e2e-state-key-0123456789abcdef0123456789";
const UA: &str = "HhMcpHttpE2E/1.0 (e2e@example.com)";
const STEP: Duration = Duration::from_secs(30);

fn digest(key: &str) -> String {
    use sha2::Digest;
    let d = sha2::Sha256::digest(key.as_bytes());
    format!(
        "sha256:{}",
        d.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

// ---- the server ----------------------------------------------------------------------

/// `hh-mcp serve --http 127.0.0.1:0` against `sandbox` with our key.
async fn against(sandbox: &Sandbox, env: &[(&str, &str)]) -> Server {
    let token = sandbox.access_token();
    let key_hashes = digest(KEY);
    let mut all = vec![
        ("HH_API_BASE_URL", sandbox.base_url()),
        ("HH_ACCESS_TOKEN", token),
        ("HH_MCP_API_KEY_HASHES", key_hashes),
        ("HH_MCP_STATE_KEY", STATE_KEY.to_string()),
    ];
    all.extend(env.iter().map(|(k, v)| (*k, v.to_string())));
    Server::start(&["serve", "--http", "127.0.0.1:0"], &all, UA).await
}

// ---- rmcp's client -------------------------------------------------------------------

/// rmcp's client, with a confirmation form when `answer` is set.
#[derive(Clone)]
struct Client {
    answer: Option<bool>,
    asked: Arc<AtomicUsize>,
}

impl ClientHandler for Client {
    fn get_info(&self) -> ClientConfig {
        let capabilities = if self.answer.is_some() {
            ClientCapabilities::builder().enable_elicitation().build()
        } else {
            ClientCapabilities::default()
        };
        ClientConfig::new(
            capabilities,
            Implementation::new("hh-mcp-http-e2e", "0.0.1"),
        )
    }

    async fn create_elicitation(
        &self,
        _request: ElicitRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, ErrorData> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        Ok(match self.answer {
            Some(true) => {
                ElicitResult::new(ElicitationAction::Accept).with_content(json!({"confirm": true}))
            }
            _ => ElicitResult::new(ElicitationAction::Decline),
        })
    }
}

type Running = RunningService<RoleClient, Client>;

async fn connect(
    url: &str,
    key: &str,
    headers: &[(&str, &str)],
    answer: Option<bool>,
) -> (Running, Arc<AtomicUsize>) {
    let mut custom = HashMap::new();
    for (k, v) in headers {
        custom.insert(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(url.to_string())
            .auth_header(key.to_string())
            .custom_headers(custom),
    );
    let asked = Arc::new(AtomicUsize::new(0));
    let handler = Client {
        answer,
        asked: asked.clone(),
    };
    let running = tokio::time::timeout(
        STEP,
        handler.serve_with_lifecycle(
            transport,
            ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
        ),
    )
    .await
    .expect("connects in time")
    .expect("connects");
    (running, asked)
}

fn params(name: &str, arguments: Value) -> CallToolRequestParams {
    let Value::Object(map) = arguments else {
        panic!("arguments are an object")
    };
    CallToolRequestParams::new(name.to_string()).with_arguments(map)
}

async fn call(c: &Running, name: &str, arguments: Value) -> CallToolResult {
    tokio::time::timeout(STEP, c.call_tool(params(name, arguments)))
        .await
        .expect("answers in time")
        .unwrap_or_else(|e| panic!("tools/call {name}: {e}"))
}

fn ok(r: &CallToolResult) -> Value {
    assert_ne!(r.is_error, Some(true), "a tool error: {r:?}");
    r.structured_content.clone().expect("structured content")
}

fn error_text(r: &CallToolResult) -> String {
    assert_eq!(r.is_error, Some(true), "expected a tool error: {r:?}");
    serde_json::to_string(&r.content).unwrap()
}

async fn tool_names(c: &Running) -> Vec<String> {
    let mut names: Vec<String> = c
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    names.sort();
    names
}

/// A negotiation with a chat: an invitation made for the test (the seeded responses'
/// chats are the sandbox's to add), found back in the vacancy's collections. `c` must be a
/// client without a form (the invitation goes out with `confirm: true`).
async fn a_negotiation_with_a_chat(c: &Running, sandbox: &Sandbox, nth: usize) -> String {
    let vacancy = sandbox.vacancy_ids()[nth].clone();
    let resume = sandbox
        .invitable_resume(&vacancy)
        .expect("an invitable resume");
    let invited = ok(&call(
        c,
        "invite_applicant",
        json!({"vacancy_id": vacancy, "resume_id": resume, "message": "Come to an interview",
               "confirm": true}),
    )
    .await);
    assert_eq!(invited["status"], "done", "{invited}");
    let collections = ok(&call(c, "list_collections", json!({"vacancy_id": vacancy})).await);
    for col in collections["collections"].as_array().unwrap() {
        let list = ok(&call(
            c,
            "list_negotiations",
            json!({"vacancy_id": vacancy, "collection": col["id"], "all_pages": true}),
        )
        .await);
        for n in list["items"].as_array().unwrap() {
            if n["applicant"]["resume_id"] == resume.as_str() {
                return n["id"].as_str().unwrap().to_string();
            }
        }
    }
    panic!("the invitation of {resume} is not listed under {vacancy}")
}

/// The first new response of a vacancy.
async fn first_response(c: &Running, vacancy: &str) -> String {
    let list = ok(&call(
        c,
        "list_negotiations",
        json!({"vacancy_id": vacancy, "collection": "response"}),
    )
    .await);
    list["items"][0]["id"].as_str().unwrap().to_string()
}

async fn messages_with(c: &Running, negotiation: &str, text: &str) -> usize {
    let m = ok(&call(
        c,
        "list_messages",
        json!({"negotiation_id": negotiation, "limit": 50}),
    )
    .await);
    m.to_string().matches(text).count()
}

// ---- plain HTTP ----------------------------------------------------------------------

/// One JSON-RPC `tools/list` POST with these extra headers.
async fn post(url: &str, headers: &[(&str, &str)], body: String) -> reqwest::Response {
    let mut r = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-11-25")
        .body(body);
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    r.send().await.expect("an HTTP answer")
}

fn list_body() -> String {
    json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}).to_string()
}

/// reqwest here is built without a TLS provider of its own (the workspace picks ring).
fn tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

async fn sandbox() -> Sandbox {
    tls();
    Sandbox::start(SandboxConfig::default()).await.unwrap()
}

// ---- the tests -----------------------------------------------------------------------

#[tokio::test]
async fn every_tool_answers_over_http_for_a_key_configured_by_its_digest() {
    let sandbox = sandbox().await;
    let server = against(&sandbox, &[("HH_MCP_CONFIRM", "never")]).await;
    let (c, _) = connect(&server.mcp(), KEY, &[], None).await;
    let mut results = Vec::new();
    assert_eq!(tool_names(&c).await.len(), 20);

    let me = ok(&call(&c, "get_me", json!({})).await);
    assert_eq!(me["employer"]["id"], sandbox.employer_id());
    let negotiation = a_negotiation_with_a_chat(&c, &sandbox, 1).await;
    let vacancy = sandbox.vacancy_ids()[0].clone();
    let found = ok(&call(&c, "search_resumes", json!({"per_page": 1})).await);
    let found = &found["items"][0];
    let (found_resume, applicant) = (found["resume_id"].clone(), found["applicant_id"].clone());
    for (tool, args) in [
        ("resume_history", json!({"resume_id": found_resume})),
        ("list_comments", json!({"applicant_id": applicant})),
        (
            "add_comment",
            json!({"applicant_id": applicant, "text": "Over HTTP", "access_type": "owner"}),
        ),
        ("list_collections", json!({"vacancy_id": vacancy})),
        ("get_negotiation", json!({"negotiation_id": negotiation})),
        ("get_resume", json!({"negotiation_id": negotiation})),
        ("list_messages", json!({"negotiation_id": negotiation})),
        ("list_chats", json!({})),
        ("mark_read", json!({"negotiation_ids": [negotiation]})),
        (
            "list_negotiations",
            json!({"vacancy_id": vacancy, "collection": "response"}),
        ),
        (
            "change_negotiation_state",
            json!({"negotiation_id": first_response(&c, &vacancy).await, "action": "consider"}),
        ),
        (
            "send_message",
            json!({"negotiation_id": negotiation, "message": "Over HTTP, hello"}),
        ),
    ] {
        let r = call(&c, tool, args).await;
        results.push(serde_json::to_string(&ok(&r)).unwrap());
    }
    let other = sandbox.vacancy_ids()[1].clone();
    let resume = sandbox
        .invitable_resume(&other)
        .expect("an invitable resume");
    let invited = ok(&call(
        &c,
        "invite_applicant",
        json!({"vacancy_id": other, "resume_id": resume, "message": "Come to an interview"}),
    )
    .await);
    assert_eq!(invited["status"], "done", "{invited}");
    assert_eq!(messages_with(&c, &negotiation, "Over HTTP, hello").await, 1);
    results.push(invited.to_string());

    // Without a key, or with a wrong one: 401 with the Bearer challenge.
    let none = post(&server.mcp(), &[], list_body()).await;
    assert_eq!(none.status(), 401);
    assert!(
        none.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    let wrong = post(
        &server.mcp(),
        &[("authorization", "Bearer hhmcp_not-the-key")],
        list_body(),
    )
    .await;
    assert_eq!(wrong.status(), 401);
    assert!(
        wrong.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
    let right = post(
        &server.mcp(),
        &[("authorization", &format!("Bearer {KEY}"))],
        list_body(),
    )
    .await;
    assert_eq!(right.status(), 200);
    results.push(right.text().await.unwrap());
    let ready = reqwest::get(format!("{}/readyz", server.base))
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(
        reqwest::get(format!("{}/healthz", server.base))
            .await
            .unwrap()
            .status(),
        200
    );

    c.cancel().await.unwrap();
    server.terminate();
    let mut server = server;
    let _ = tokio::time::timeout(STEP, server.child.wait()).await;
    // No log line, error or result carries the API key or the hh token.
    let logs = server.logs_after_exit().await;
    assert!(
        logs.lines().filter(|l| l.contains("tool call")).count() >= 12,
        "{logs}"
    );
    for l in logs.lines().filter(|l| l.starts_with('{')) {
        let line: Value =
            serde_json::from_str(l).unwrap_or_else(|e| panic!("JSON log line ({e}): {l}"));
        if line["fields"]["message"] == "tool call" {
            assert!(line["fields"]["request_id"].is_string(), "{l}");
        }
    }
    for (what, haystack) in [("logs", logs), ("results", results.join("\n"))] {
        for secret in [KEY, &sandbox.access_token()] {
            assert!(
                !haystack.contains(secret),
                "{what} leak a secret: {haystack}"
            );
        }
    }
}

#[tokio::test]
async fn the_user_confirms_over_http_by_form_or_by_preview_then_confirm() {
    let sandbox = sandbox().await;
    let server = against(&sandbox, &[]).await;

    let (plain, _) = connect(&server.mcp(), KEY, &[], None).await;
    let negotiation = a_negotiation_with_a_chat(&plain, &sandbox, 1).await;
    // A client with a form: asked once per send (an input-required round trip).
    let (yes, asked) = connect(&server.mcp(), KEY, &[], Some(true)).await;
    let sent = ok(&call(
        &yes,
        "send_message",
        json!({"negotiation_id": negotiation, "message": "Accepted by form"}),
    )
    .await);
    assert_eq!(sent["status"], "done", "{sent}");
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    let (no, asked_no) = connect(&server.mcp(), KEY, &[], Some(false)).await;
    let declined = ok(&call(
        &no,
        "send_message",
        json!({"negotiation_id": negotiation, "message": "Declined by form"}),
    )
    .await);
    assert_eq!(declined["status"], "declined", "{declined}");
    assert_eq!(asked_no.load(Ordering::SeqCst), 1);

    // A client without one: a preview, then `confirm: true`.
    let args = json!({"negotiation_id": negotiation, "message": "Confirmed by preview"});
    let preview = ok(&call(&plain, "send_message", args.clone()).await);
    assert_eq!(preview["status"], "preview", "{preview}");
    assert_eq!(
        messages_with(&plain, &negotiation, "Confirmed by preview").await,
        0
    );
    let mut confirmed = args.clone();
    confirmed["confirm"] = json!(true);
    assert_eq!(
        ok(&call(&plain, "send_message", confirmed).await)["status"],
        "done"
    );

    assert_eq!(
        messages_with(&plain, &negotiation, "Accepted by form").await,
        1
    );
    assert_eq!(
        messages_with(&plain, &negotiation, "Declined by form").await,
        0
    );
    assert_eq!(
        messages_with(&plain, &negotiation, "Confirmed by preview").await,
        1
    );
}

#[tokio::test]
async fn a_request_narrows_the_tools_by_header_or_path_never_widens_them() {
    let sandbox = sandbox().await;
    let server = against(
        &sandbox,
        &[(
            "HH_MCP_TOOLS",
            "get_me,list_vacancies,send_message,list_chats",
        )],
    )
    .await;
    let (all, _) = connect(&server.mcp(), KEY, &[], None).await;
    assert_eq!(
        tool_names(&all).await,
        ["get_me", "list_chats", "list_vacancies", "send_message"]
    );
    let refused = error_text(&call(&all, "get_resume", json!({"negotiation_id": "1"})).await);
    assert!(refused.contains("not offered"), "{refused}");

    let readonly_path = format!("{}/readonly", server.mcp());
    let (ro, _) = connect(&readonly_path, KEY, &[], None).await;
    assert_eq!(
        tool_names(&ro).await,
        ["get_me", "list_chats", "list_vacancies"]
    );
    let refused = error_text(
        &call(
            &ro,
            "send_message",
            json!({"chat_id": "1", "message": "hi"}),
        )
        .await,
    );
    assert!(refused.contains("read-only"), "{refused}");

    let (ro, _) = connect(&server.mcp(), KEY, &[("x-mcp-readonly", "1")], None).await;
    assert_eq!(
        tool_names(&ro).await,
        ["get_me", "list_chats", "list_vacancies"]
    );

    // A subset inside the operator's: only those; a tool outside it is not added.
    let (some, _) = connect(
        &server.mcp(),
        KEY,
        &[("x-mcp-tools", "get_me,get_resume")],
        None,
    )
    .await;
    assert_eq!(tool_names(&some).await, ["get_me"]);
    assert_eq!(
        ok(&call(&some, "get_me", json!({})).await)["employer"]["id"],
        sandbox.employer_id()
    );
    assert!(error_text(&call(&some, "list_chats", json!({})).await).contains("not offered"));

    // A malformed narrowing is a 400 naming the header.
    let bad = post(
        &server.mcp(),
        &[
            ("authorization", &format!("Bearer {KEY}")),
            ("x-mcp-tools", "get_me,rm_rf"),
        ],
        list_body(),
    )
    .await;
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("X-MCP-Tools"));
}

#[tokio::test]
async fn host_origin_body_size_and_rate_are_guarded() {
    let sandbox = sandbox().await;
    let server = against(
        &sandbox,
        &[
            ("HH_MCP_MAX_BODY_BYTES", "4096"),
            ("HH_MCP_RATE_PER_SEC", "1"),
            ("HH_MCP_RATE_BURST", "6"),
        ],
    )
    .await;
    let auth = format!("Bearer {KEY}");
    let auth = ("authorization", auth.as_str());
    let host = post(
        &server.mcp(),
        &[auth, ("host", "evil.example")],
        list_body(),
    )
    .await;
    assert_eq!(host.status(), 403, "a rebinding Host");
    let origin = post(
        &server.mcp(),
        &[auth, ("origin", "https://evil.example")],
        list_body(),
    )
    .await;
    assert_eq!(origin.status(), 403, "a foreign Origin");
    let local = post(
        &server.mcp(),
        &[auth, ("origin", "http://localhost:3000")],
        list_body(),
    )
    .await;
    assert_eq!(local.status(), 200, "a loopback Origin");
    let big = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list",
        "params": {"_meta": {"pad": "x".repeat(8192)}}})
    .to_string();
    assert_eq!(post(&server.mcp(), &[auth], big).await.status(), 413);

    // The bucket holds 6: the rest of this second's requests are refused with Retry-After.
    let mut limited = None;
    for _ in 0..10 {
        let r = post(&server.mcp(), &[auth], list_body()).await;
        if r.status() == 429 {
            limited = Some(r);
            break;
        }
    }
    let limited = limited.expect("a 429 within 10 requests of a bucket of 6");
    let retry: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1, "{retry}");
}

#[tokio::test]
async fn serving_refuses_to_start_without_keys_except_the_loopback_sandbox() {
    tls();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_hh-mcp"))
        .env_clear()
        .env("HH_ACCESS_TOKEN", "t")
        .env("HH_USER_AGENT", UA)
        .args(["serve", "--http", "127.0.0.1:0"])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("HH_MCP_API_KEY_HASHES"));
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_hh-mcp"))
        .env_clear()
        .args(["--sandbox", "serve", "--http", "0.0.0.0:0"])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("only on loopback"));

    // The zero-account demo: open, on loopback.
    let demo = Server::start(&["--sandbox", "serve", "--http", "127.0.0.1:0"], &[], UA).await;
    let (c, _) = connect(&demo.mcp(), "", &[], None).await;
    assert_eq!(tool_names(&c).await.len(), 20);
    assert!(ok(&call(&c, "get_me", json!({})).await)["employer"]["id"].is_string());
}

#[tokio::test]
async fn sigterm_drains_a_call_in_flight_and_refuses_new_ones() {
    let sandbox = sandbox().await;
    let mut server = against(&sandbox, &[]).await;
    let (c, _) = connect(&server.mcp(), KEY, &[], None).await;
    sandbox.set_faults(Faults {
        latency: Duration::from_millis(1500),
        ..Default::default()
    });
    let in_flight = tokio::spawn(async move { call(&c, "get_me", json!({})).await });
    tokio::time::sleep(Duration::from_millis(400)).await;
    server.terminate();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let late = reqwest::Client::new()
        .post(server.mcp())
        .header("authorization", format!("Bearer {KEY}"))
        .body(list_body())
        .send()
        .await;
    assert!(
        late.as_ref().map_or(true, |r| r.status() == 503),
        "a new request while draining is refused: {late:?}"
    );
    let done = in_flight.await.unwrap();
    assert_eq!(ok(&done)["employer"]["id"], sandbox.employer_id());
    let status = tokio::time::timeout(STEP, server.child.wait())
        .await
        .expect("exits after draining")
        .unwrap();
    let logs = server.logs_after_exit().await;
    assert!(status.success(), "{status}; {logs}");
    assert!(logs.contains("drained"), "{logs}");
}

/// The `tools/call`s the proxy routed: to which replica, and whether each carried a
/// `requestState`.
fn tool_calls(routed: &Mutex<Vec<served::Routed>>) -> Vec<(usize, bool)> {
    routed
        .lock()
        .unwrap()
        .iter()
        .filter_map(|r| {
            let msg: Value = serde_json::from_slice(&r.body).ok()?;
            (msg["method"] == "tools/call")
                .then(|| (r.upstream, msg["params"]["requestState"].is_string()))
        })
        .collect()
}

#[tokio::test]
async fn a_confirmation_asked_on_one_replica_is_answered_on_another_and_sends_once() {
    let sandbox = sandbox().await;
    let a = against(&sandbox, &[]).await;
    let b = against(&sandbox, &[]).await;
    let (base, upstreams, calls) = served::round_robin().await;
    *upstreams.lock().unwrap() = vec![a.base.clone(), b.base.clone()];
    let url = format!("{base}/mcp");

    // Elicitation: the question comes from one replica, the answer goes to the other.
    let (plain, _) = connect(&url, KEY, &[], None).await;
    let negotiation = a_negotiation_with_a_chat(&plain, &sandbox, 1).await;
    let (c, asked) = connect(&url, KEY, &[], Some(true)).await;
    calls.lock().unwrap().clear();
    let sent = ok(&call(
        &c,
        "send_message",
        json!({"negotiation_id": negotiation, "message": "Across replicas by form"}),
    )
    .await);
    assert_eq!(sent["status"], "done", "{sent}");
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    let legs = tool_calls(&calls);
    assert_eq!(legs.len(), 2, "{legs:?}");
    assert!(!legs[0].1 && legs[1].1, "{legs:?}");
    assert_ne!(
        legs[0].0, legs[1].0,
        "the legs went to different replicas: {legs:?}"
    );

    // The same answer sent again, to each replica: the message is still there once.
    let first = c
        .call_tool_once(params(
            "send_message",
            json!({"negotiation_id": negotiation, "message": "Replayed on both"}),
        ))
        .await
        .unwrap();
    let CallToolResponse::InputRequired(question) = first else {
        panic!("a question: {first:?}")
    };
    for _ in 0..2 {
        let mut answer = params(
            "send_message",
            json!({"negotiation_id": negotiation, "message": "Replayed on both"}),
        );
        answer.request_state = question.request_state.clone();
        answer.input_responses = Some(
            [(
                "confirm".to_string(),
                json!({"action": "accept", "content": {"confirm": true}}),
            )]
            .into_iter()
            .collect(),
        );
        let _ = c.call_tool_once(answer).await.unwrap();
    }
    // Altered arguments do not open the sealed plan.
    let mut altered = params(
        "send_message",
        json!({"negotiation_id": negotiation, "message": "Altered text"}),
    );
    altered.request_state = question.request_state.clone();
    altered.input_responses = Some(
        [(
            "confirm".to_string(),
            json!({"action": "accept", "content": {"confirm": true}}),
        )]
        .into_iter()
        .collect(),
    );
    let CallToolResponse::Complete(refused) = c.call_tool_once(altered).await.unwrap() else {
        panic!("a result")
    };
    assert!(error_text(&refused).contains("nothing was sent"));

    // Preview on one replica, `confirm: true` on the other.
    let args = json!({"negotiation_id": negotiation, "message": "Across replicas by preview"});
    calls.lock().unwrap().clear();
    assert_eq!(
        ok(&call(&plain, "send_message", args.clone()).await)["status"],
        "preview"
    );
    let mut confirmed = args;
    confirmed["confirm"] = json!(true);
    assert_eq!(
        ok(&call(&plain, "send_message", confirmed).await)["status"],
        "done"
    );
    let legs = tool_calls(&calls);
    assert_ne!(legs[0].0, legs[1].0, "{legs:?}");

    for text in [
        "Across replicas by form",
        "Replayed on both",
        "Across replicas by preview",
    ] {
        assert_eq!(messages_with(&plain, &negotiation, text).await, 1, "{text}");
    }
    assert_eq!(messages_with(&plain, &negotiation, "Altered text").await, 0);
    for s in [&a, &b] {
        for secret in [KEY, &sandbox.access_token()] {
            assert!(!s.logs().contains(secret));
        }
    }
}
