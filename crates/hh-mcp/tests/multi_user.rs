//! Multi-user mode end to end: recruiters sign in with their own hh.ru accounts.
//!
//! The built binary runs as two replicas behind a round-robin proxy (one public URL, as
//! behind a load balancer), sharing one PostgreSQL database; the sandbox plays hh.ru's API
//! and its login page. rmcp's OAuth client does what an assistant does — discovery from a
//! bare 401, registration, the authorization URL, the code exchange, refresh — and a plain
//! HTTP client without redirects plays the recruiter's browser (consent, hh.ru's login).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hh_sandbox::{Sandbox, SandboxConfig};
use rmcp::model::{CallToolRequestParams, CallToolResult, GetPromptRequestParams};
use rmcp::service::{ClientLifecycleMode, ClientServiceExt, RoleClient, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::auth::{
    AuthClient, AuthorizationManager, AuthorizationRequest, AuthorizationSession,
};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::{Value, json};

mod served;
use served::Server;

const UA: &str = "HhMcpTeamE2E/1.0 (e2e@example.com)";
const STATE_KEY: &str = "team-e2e-state-key-0123456789abcdef012345";
/// Where the MCP client says the browser comes back to; nothing listens there: the test
/// reads the redirect instead of following it.
const CLIENT_CALLBACK: &str = "http://127.0.0.1:9/callback";
const STEP: Duration = Duration::from_secs(30);

// ---- the deployment ----------------------------------------------------------------

/// Where the replicas keep their state.
enum Storage {
    Postgres(hh_store::testing::TestDatabase),
    Sqlite(tempfile::TempDir),
}

impl Storage {
    fn env(&self) -> (&'static str, String) {
        match self {
            Storage::Postgres(db) => ("HH_MCP_DATABASE_URL", db.url().to_string()),
            Storage::Sqlite(dir) => ("HH_MCP_DATA_DIR", dir.path().display().to_string()),
        }
    }
}

/// A team's deployment: the sandbox as hh.ru, replicas, and the proxy in front of them.
struct Team {
    sandbox: Sandbox,
    /// `http://127.0.0.1:PORT`, the public URL every replica is configured with.
    public: String,
    replicas: Vec<Server>,
    /// Which replica each proxied request went to.
    routed: Arc<Mutex<Vec<served::Routed>>>,
    /// What every replica was started with.
    env: Vec<(&'static str, String)>,
    _storage: Storage,
    /// Where the proxy sends requests (the replicas' addresses).
    upstreams: Arc<Mutex<Vec<String>>>,
}

/// `None` when PostgreSQL is not available outside CI (the test says so loudly).
async fn postgres(label: &str) -> Option<Storage> {
    hh_store::testing::TestDatabase::postgres(label)
        .await
        .map(Storage::Postgres)
}

fn sqlite() -> Storage {
    Storage::Sqlite(tempfile::tempdir().unwrap())
}

async fn team(storage: Storage, replicas: usize, extra: &[(&'static str, &str)]) -> Team {
    team_on(SandboxConfig::default(), storage, replicas, extra).await
}

/// A team on a sandbox configured as given (its webhook faults, say).
async fn team_on(
    config: SandboxConfig,
    storage: Storage,
    replicas: usize,
    extra: &[(&'static str, &str)],
) -> Team {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sandbox = Sandbox::start(config).await.unwrap();
    let (public, upstreams, routed) = served::round_robin().await;
    let (_, key) = hh_store::EncryptionKey::generate();
    let mut env = vec![
        ("HH_CLIENT_ID", sandbox.oauth_client_id()),
        ("HH_CLIENT_SECRET", sandbox.oauth_client_secret()),
        ("HH_AUTHORIZE_URL", sandbox.authorize_url()),
        ("HH_API_BASE_URL", sandbox.base_url()),
        ("HH_MCP_ENCRYPTION_KEY", key),
        ("HH_MCP_PUBLIC_URL", public.clone()),
        ("HH_MCP_STATE_KEY", STATE_KEY.to_string()),
        ("HH_MCP_RATE_PER_SEC", "100000".to_string()),
        ("HH_MCP_RATE_BURST", "100000".to_string()),
        storage.env(),
    ];
    env.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    let mut servers = Vec::new();
    for _ in 0..replicas {
        servers.push(Server::start(&["serve", "--http", "127.0.0.1:0"], &env, UA).await);
    }
    *upstreams.lock().unwrap() = servers.iter().map(|s| s.base.clone()).collect();
    let upstreams = upstreams.clone();
    Team {
        sandbox,
        public,
        replicas: servers,
        routed,
        env,
        _storage: storage,
        upstreams,
    }
}

impl Team {
    fn mcp(&self) -> String {
        format!("{}/mcp", self.public)
    }

    fn logs(&self) -> String {
        self.replicas
            .iter()
            .map(|r| r.logs())
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn login(&self, nth: usize) -> hh_sandbox::SandboxUser {
        self.sandbox.users()[nth].clone()
    }

    /// A code from a sign-in by hand (consent, hh.ru's login) and the verifier it needs.
    async fn code(&self, client_id: &str, login: &str) -> (String, String) {
        code_for(
            &self.public,
            &self.sandbox.authorize_url(),
            client_id,
            login,
        )
        .await
    }

    /// Users of two different employers.
    fn two_employers(&self) -> (hh_sandbox::SandboxUser, hh_sandbox::SandboxUser) {
        let users = self.sandbox.users();
        let a = users[0].clone();
        let b = users
            .iter()
            .find(|u| u.employer_id != a.employer_id)
            .expect("the sandbox has a second employer")
            .clone();
        (a, b)
    }
}

// ---- the recruiter's browser ---------------------------------------------------------

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .unwrap_or_else(|| panic!("a redirect, not {}", r.status()))
        .to_str()
        .unwrap()
        .to_string()
}

/// The value of the hidden `name` field of a form.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no field {name} in {html}"))
        + marker.len();
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

/// How the recruiter answers on the way.
#[derive(Clone, Copy, Default)]
struct Choices<'a> {
    read_only: bool,
    /// Which work account, when hh.ru's login has several.
    work_account: Option<&'a str>,
}

/// Consent on our page, sign-in on the sandbox's hh.ru as `login`, a work account if asked:
/// returns where the browser is sent back to the MCP client (its redirect URI with the code).
async fn consent_and_sign_in(
    public: &str,
    hh_login_page: &str,
    authorize_url: &str,
    login: &str,
    choices: Choices<'_>,
) -> url::Url {
    let b = browser();
    let consent = b.get(authorize_url).send().await.unwrap();
    assert_eq!(
        consent.status(),
        200,
        "the consent page, not {:?}",
        consent.headers().get("location")
    );
    let frame = consent.headers().get("x-frame-options").cloned();
    let cookie = form_cookie(&consent);
    let html = consent.text().await.unwrap();
    assert_eq!(frame.unwrap(), "DENY", "a consent page cannot be framed");
    let mut form = vec![
        ("request", hidden(&html, "request")),
        ("decision", "allow".into()),
    ];
    if choices.read_only {
        form.push(("read_only", "1".into()));
    }
    // Without the cookie of the page, as a form another site made the browser post.
    let forged = b
        .post(format!("{public}/authorize/decision"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        forged.status(),
        403,
        "a consent needs the browser that saw the page"
    );
    let to_hh = b
        .post(format!("{public}/authorize/decision"))
        .header("cookie", &cookie)
        .form(&form)
        .send()
        .await
        .unwrap();
    let hh_login = location(&to_hh);
    assert!(hh_login.starts_with(hh_login_page), "{hh_login}");
    let back = b
        .get(format!("{hh_login}&login_as={}", urlencode(login)))
        .send()
        .await
        .unwrap();
    let callback = location(&back);
    assert!(
        callback.starts_with(&format!("{public}/oauth/hh/callback")),
        "{callback}"
    );
    let done = b.get(&callback).send().await.unwrap();
    let done = if done.status() == 200 {
        let cookie = form_cookie(&done);
        let html = done.text().await.unwrap();
        assert!(html.contains("Which work account"), "{html}");
        let chosen = choices.work_account.expect("the test picks a work account");
        b.post(format!("{public}/authorize/account"))
            .header("cookie", &cookie)
            .form(&[
                ("request", hidden(&html, "request")),
                ("manager_account_id", chosen.to_string()),
            ])
            .send()
            .await
            .unwrap()
    } else {
        done
    };
    url::Url::parse(&location(&done)).unwrap()
}

/// The `name=value` of the form cookie a page set.
fn form_cookie(page: &reqwest::Response) -> String {
    let set = page
        .headers()
        .get("set-cookie")
        .expect("the page sets its form cookie")
        .to_str()
        .unwrap();
    assert!(
        set.contains("SameSite=Strict") && set.contains("HttpOnly"),
        "{set}"
    );
    set.split(';').next().unwrap().to_string()
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn param(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

// ---- an assistant: rmcp's OAuth client ----------------------------------------------

type Running = RunningService<RoleClient, ()>;

/// Everything an assistant does to connect, from a bare 401 to an MCP session (with
/// `initialize`, as most clients still do).
async fn assistant(team: &Team, login: &str, choices: Choices<'_>) -> Running {
    assistant_on(team, login, choices, ClientLifecycleMode::Initialize).await
}

/// An assistant on MCP 2026-07-28 (`server/discover`, no `initialize`).
async fn modern_assistant(team: &Team, login: &str) -> Running {
    let lifecycle = ClientLifecycleMode::Discover {
        preferred_versions: vec![rmcp::model::ProtocolVersion::V_2026_07_28],
    };
    assistant_on(team, login, Choices::default(), lifecycle).await
}

async fn assistant_on(
    team: &Team,
    login: &str,
    choices: Choices<'_>,
    lifecycle: ClientLifecycleMode,
) -> Running {
    let bare = reqwest::Client::new()
        .post(team.mcp())
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(json!({"jsonrpc":"2.0","id":1,"method":"tools/list"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status(), 401);
    let challenge = bare.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(challenge.contains("resource_metadata="), "{challenge}");

    let mut manager = AuthorizationManager::new_allowing_private_addresses(team.mcp())
        .await
        .unwrap();
    let resolved = manager
        .resolve_metadata_from_challenge(Some(&challenge))
        .await
        .expect("discovery from the challenge");
    manager.set_metadata(resolved.metadata);
    let session = AuthorizationSession::new(
        manager,
        AuthorizationRequest::new(CLIENT_CALLBACK).with_client_name("Team E2E Assistant"),
    )
    .await
    .map_err(|(_, e)| e)
    .expect("registration and the authorization URL");
    let back = consent_and_sign_in(
        &team.public,
        &team.sandbox.authorize_url(),
        session.get_authorization_url(),
        login,
        choices,
    )
    .await;
    session
        .handle_callback_url(back.as_str())
        .await
        .expect("the code is exchanged");
    let client = AuthClient::new(reqwest::Client::new(), session.auth_manager);
    let transport = StreamableHttpClientTransport::with_client(
        client,
        StreamableHttpClientTransportConfig::with_uri(team.mcp()),
    );
    tokio::time::timeout(STEP, ().serve_with_lifecycle(transport, lifecycle))
        .await
        .expect("connects in time")
        .expect("connects")
}

async fn call(c: &Running, name: &str, arguments: Value) -> CallToolResult {
    let mut p = CallToolRequestParams::new(name.to_string());
    if let Value::Object(map) = arguments {
        p = p.with_arguments(map);
    }
    tokio::time::timeout(STEP, c.call_tool(p))
        .await
        .expect("answers in time")
        .expect("a result")
}

fn ok(r: &CallToolResult) -> Value {
    assert_ne!(r.is_error, Some(true), "{r:?}");
    r.structured_content.clone().expect("structured content")
}

fn vacancy_ids(r: &CallToolResult) -> Vec<String> {
    let mut ids: Vec<String> = ok(r)["items"]
        .as_array()
        .expect("a list of vacancies")
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

async fn tool_names(c: &Running) -> Vec<String> {
    c.list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect()
}

// ---- the tests -------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_recruiters_on_two_replicas_each_see_only_their_own_employer() {
    let Some(storage) = postgres("two_recruiters").await else {
        return;
    };
    let team = team(storage, 2, &[]).await;
    let (a, b) = team.two_employers();
    let alice = assistant(&team, &a.login, Choices::default()).await;
    let bob = assistant(&team, &b.login, Choices::default()).await;

    let mut a_ids = a.vacancy_ids.clone();
    a_ids.sort();
    let mut b_ids = b.vacancy_ids.clone();
    b_ids.sort();
    assert!(!a_ids.is_empty() && !b_ids.is_empty());
    assert!(
        a_ids.iter().all(|id| !b_ids.contains(id)),
        "the employers share no vacancy"
    );

    // A randomized interleaving of 1,000 calls, some at once, across both replicas.
    let alice = Arc::new(alice);
    let bob = Arc::new(bob);
    let mut order: Vec<bool> = (0..1000).map(|i| i % 2 == 0).collect();
    use rand::seq::SliceRandom;
    order.shuffle(&mut rand::rng());
    let crossings = Arc::new(AtomicUsize::new(0));
    for batch in order.chunks(8) {
        let calls: Vec<_> = batch
            .iter()
            .map(|&is_alice| {
                let (client, expected) = if is_alice {
                    (alice.clone(), a_ids.clone())
                } else {
                    (bob.clone(), b_ids.clone())
                };
                let crossings = crossings.clone();
                tokio::spawn(async move {
                    let seen = vacancy_ids(&call(&client, "list_vacancies", json!({})).await);
                    if seen != expected {
                        crossings.fetch_add(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        for c in calls {
            c.await.unwrap();
        }
    }
    assert_eq!(
        crossings.load(Ordering::SeqCst),
        0,
        "no call saw another employer's data"
    );
    let routed = team.routed.lock().unwrap().clone();
    assert!(routed.iter().filter(|r| r.upstream == 0).count() >= 2);
    assert!(routed.iter().filter(|r| r.upstream == 1).count() >= 2);

    // Bob cannot reach Alice's data by naming it.
    let foreign = call(&bob, "list_collections", json!({"vacancy_id": a_ids[0]})).await;
    assert_eq!(foreign.is_error, Some(true), "{foreign:?}");

    // Prompts act for the caller too: Alice's template fills for her negotiation, Bob's
    // session cannot fill one for it.
    let listed = call(
        &alice,
        "list_negotiations",
        json!({"vacancy_id": a_ids[0], "collection": "response"}),
    )
    .await;
    let negotiation = listed.structured_content.as_ref().expect("a list")["items"][0]["id"]
        .as_str()
        .expect("a negotiation of Alice's")
        .to_string();
    let fill = |who: Arc<Running>| {
        let negotiation = negotiation.clone();
        async move {
            let mut arguments = serde_json::Map::new();
            arguments.insert("negotiation_id".into(), json!(negotiation));
            tokio::time::timeout(
                STEP,
                who.get_prompt(GetPromptRequestParams::new("invite").with_arguments(arguments)),
            )
            .await
            .expect("prompts/get in time")
        }
    };
    let filled = fill(alice.clone()).await.expect("Alice's template");
    assert_eq!(filled.messages.len(), 1);
    let refused = fill(bob.clone()).await.expect_err("not Bob's negotiation");
    assert!(refused.to_string().contains("404"), "{refused}");

    // Nothing secret in any log line: neither hh.ru's tokens nor ours.
    let logs = team.logs();
    for user in [&a, &b] {
        let (access, refresh) = team.sandbox.tokens_of(&user.login).unwrap();
        assert!(
            !logs.contains(&access) && !logs.contains(&refresh),
            "hh.ru token in logs"
        );
    }
    assert!(
        !logs.to_lowercase().contains("bearer "),
        "a bearer token in logs"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_calls_after_the_hh_token_expired_refresh_it_once_across_replicas() {
    let Some(storage) = postgres("one_refresh").await else {
        return;
    };
    let team = team(storage, 2, &[]).await;
    let user = team.login(0);
    let alice = Arc::new(assistant(&team, &user.login, Choices::default()).await);
    ok(&call(&alice, "list_vacancies", json!({})).await);
    let before = team.sandbox.refresh_grants(&user.login).unwrap();
    team.sandbox.expire_access_token_of(&user.login).unwrap();
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let c = alice.clone();
            tokio::spawn(async move { call(&c, "list_vacancies", json!({})).await })
        })
        .collect();
    for c in calls {
        ok(&c.await.unwrap());
    }
    assert_eq!(
        team.sandbox.refresh_grants(&user.login).unwrap() - before,
        1,
        "exactly one refresh reached hh.ru"
    );
    let routed = team.routed.lock().unwrap().clone();
    assert!(
        routed.iter().any(|r| r.upstream == 0) && routed.iter().any(|r| r.upstream == 1),
        "both replicas served"
    );
}

#[tokio::test]
async fn on_sqlite_a_read_only_grant_gets_only_reading_tools_and_sign_out_ends_everything() {
    let team = team(sqlite(), 1, &[]).await;
    let user = team.login(0);
    let reader = assistant(
        &team,
        &user.login,
        Choices {
            read_only: true,
            ..Default::default()
        },
    )
    .await;
    let names = tool_names(&reader).await;
    assert!(names.contains(&"list_vacancies".to_string()));
    assert!(!names.contains(&"send_message".to_string()), "{names:?}");

    // Asking for an acting tool anyway: 403 with the scope to ask for (step-up).
    let client_id = register(&team.public, CLIENT_CALLBACK).await;
    let pkce = hh_api::auth::Pkce::new();
    let back = consent_and_sign_in(
        &team.public,
        &team.sandbox.authorize_url(),
        &authorize_url(
            &team.public,
            &client_id,
            &pkce.challenge,
            &[("scope", "hh:read")],
        ),
        &user.login,
        Choices::default(),
    )
    .await;
    let (_, t) = exchange(
        &team.public,
        &client_id,
        &param(&back, "code").unwrap(),
        &pkce.verifier,
    )
    .await;
    assert_eq!(t["scope"], "hh:read");
    let read_only = t["access_token"].as_str().unwrap().to_string();
    let acting = reqwest::Client::new()
        .post(team.mcp())
        .bearer_auth(&read_only)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-11-25")
        .body(
            json!({"jsonrpc":"2.0","id":2,"method":"tools/call",
            "params": {"name": "send_message", "arguments": {"chat_id": "1", "message": "hi"}}})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(acting.status(), 403);
    let challenge = acting.headers()["www-authenticate"].to_str().unwrap();
    assert!(
        challenge.contains(r#"error="insufficient_scope""#) && challenge.contains("hh:act"),
        "{challenge}"
    );
    assert_eq!(
        mcp_status(&team.public, &read_only).await.0,
        200,
        "reading still works"
    );

    // Signing out (with our token) ends our tokens and hh.ru's.
    let client_id = register(&team.public, CLIENT_CALLBACK).await;
    let (code, verifier) = team.code(&client_id, &user.login).await;
    let (_, t) = exchange(&team.public, &client_id, &code, &verifier).await;
    let access = t["access_token"].as_str().unwrap().to_string();
    assert_eq!(mcp_status(&team.public, &access).await.0, 200);
    let (hh_access, _) = team.sandbox.tokens_of(&user.login).unwrap();
    let out = reqwest::Client::new()
        .post(format!("{}/oauth/signout", team.public))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 200);
    let body: Value = out.json().await.unwrap();
    assert_eq!(
        body,
        json!({"signed_out": true, "hh_token_invalidated": true})
    );
    assert_eq!(mcp_status(&team.public, &access).await.0, 401);
    let hh_me = reqwest::Client::new()
        .get(format!("{}/me", team.sandbox.base_url()))
        .bearer_auth(&hh_access)
        .header("HH-User-Agent", UA)
        .send()
        .await
        .unwrap();
    assert_eq!(hh_me.status(), 403, "hh.ru's token is invalidated too");
    // The assistant signed in before is signed out as well: one account, one sign-out.
    let after = reader
        .call_tool(CallToolRequestParams::new("list_vacancies"))
        .await;
    assert!(after.is_err() || after.unwrap().is_error == Some(true));
}

#[tokio::test]
async fn a_manager_with_two_work_accounts_picks_one_and_acts_as_it() {
    let team = team(sqlite(), 1, &[]).await;
    let user = team
        .sandbox
        .users()
        .into_iter()
        .find(|u| u.accounts.len() > 1)
        .expect("a sandbox user with two work accounts");
    for account in &user.accounts {
        let c = assistant(
            &team,
            &user.login,
            Choices {
                work_account: Some(&account.id),
                ..Default::default()
            },
        )
        .await;
        let mut expected = account.vacancy_ids.clone();
        expected.sort();
        assert_eq!(
            vacancy_ids(&call(&c, "list_vacancies", json!({})).await),
            expected
        );
    }
}

#[tokio::test]
async fn a_refresh_hh_refuses_says_sign_in_again_and_an_expired_token_is_refused() {
    let team = team(
        sqlite(),
        1,
        &[
            ("HH_MCP_ACCESS_TOKEN_SECS", "2"),
            ("HH_MCP_TOKEN_CACHE_SECS", "0"),
        ],
    )
    .await;
    let user = team.login(0);

    // Our access token, once expired, is refused with a challenge that says so.
    let client_id = register(&team.public, CLIENT_CALLBACK).await;
    let (code, verifier) = team.code(&client_id, &user.login).await;
    let (_, t) = exchange(&team.public, &client_id, &code, &verifier).await;
    let access = t["access_token"].as_str().unwrap().to_string();
    assert_eq!(t["expires_in"], 2);
    assert_eq!(mcp_status(&team.public, &access).await.0, 200);
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let (status, challenge) = mcp_status(&team.public, &access).await;
    assert_eq!(status, 401);
    assert!(challenge.contains("invalid_token"), "{challenge}");

    // hh.ru no longer honours the refresh token: the server's refresh is refused, and the
    // tool says to sign in again.
    let c = assistant(&team, &user.login, Choices::default()).await;
    ok(&call(&c, "list_vacancies", json!({})).await);
    team.sandbox.expire_access_token_of(&user.login).unwrap();
    team.sandbox.spend_refresh_token_of(&user.login).unwrap();
    let (_, hh_refresh) = team.sandbox.tokens_of(&user.login).unwrap();
    let refused = call(&c, "list_vacancies", json!({})).await;
    assert_eq!(refused.is_error, Some(true), "{refused:?}");
    let text = format!("{:?}", refused.content);
    assert!(text.contains("sign in again"), "{text}");
    assert!(!text.contains(&hh_refresh), "no hh.ru token in the error");
}

#[tokio::test]
async fn a_client_metadata_document_is_fetched_checked_and_cached() {
    let documents: Arc<Mutex<Vec<(String, Value)>>> = Arc::default();
    let served = documents.clone();
    let fetches = Arc::new(AtomicUsize::new(0));
    let counted = fetches.clone();
    let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
        let (served, counted) = (served.clone(), counted.clone());
        async move {
            counted.fetch_add(1, Ordering::SeqCst);
            let docs = served.lock().unwrap().clone();
            match docs.iter().find(|(path, _)| *path == uri.path()) {
                Some((_, doc)) => (axum::http::StatusCode::OK, doc.to_string()),
                None => (axum::http::StatusCode::NOT_FOUND, String::new()),
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let host = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let good = format!("{host}/good.json");
    let fresh = format!("{host}/fresh.json");
    let liar = format!("{host}/liar.json");
    let huge = format!("{host}/huge.json");
    documents.lock().unwrap().extend([
        (
            "/good.json".to_string(),
            json!({"client_id": good, "client_name": "Metadata Assistant",
            "redirect_uris": [CLIENT_CALLBACK]}),
        ),
        (
            "/liar.json".to_string(),
            json!({"client_id": "https://someone.else/c.json",
            "client_name": "Liar", "redirect_uris": [CLIENT_CALLBACK]}),
        ),
        (
            "/huge.json".to_string(),
            json!({"client_id": huge, "client_name": "x".repeat(70_000),
            "redirect_uris": [CLIENT_CALLBACK]}),
        ),
    ]);

    let team = team(
        sqlite(),
        1,
        &[("HH_MCP_CLIENT_METADATA_ALLOW_PRIVATE", "1")],
    )
    .await;
    let meta: Value = reqwest::get(format!(
        "{}/.well-known/oauth-authorization-server",
        team.public
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(meta["client_id_metadata_document_supported"], true);
    assert!(
        meta["token_endpoint_auth_methods_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("none"))
    );
    assert_eq!(meta["code_challenge_methods_supported"], json!(["S256"]));

    let pkce = hh_api::auth::Pkce::new();
    let page = browser()
        .get(authorize_url(&team.public, &good, &pkce.challenge, &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Metadata Assistant"));
    let (code, verifier) = team.code(&good, &team.login(0).login).await;
    let (status, t) = exchange(&team.public, &good, &code, &verifier).await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(
        fetches.load(Ordering::SeqCst),
        1,
        "the document is cached, not fetched per step"
    );
    for (bad, why) in [(&liar, "not the URL"), (&huge, "larger than")] {
        let r = browser()
            .get(authorize_url(&team.public, bad, &pkce.challenge, &[]))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let text = r.text().await.unwrap();
        assert!(text.contains(why), "{text}");
    }

    // Without the operator's say-so, loopback and plain http are not fetched at all.
    let strict = team_with_env(&team, &[("HH_MCP_CLIENT_METADATA_ALLOW_PRIVATE", "0")]).await;
    let before = fetches.load(Ordering::SeqCst);
    let r = browser()
        .get(authorize_url(&strict.base, &fresh, &pkce.challenge, &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        fetches.load(Ordering::SeqCst),
        before,
        "nothing was fetched"
    );
}

/// Another server over the same store as `team`'s, on its own public URL, with `env` changed.
async fn team_with_env(team: &Team, env: &[(&'static str, &str)]) -> Server {
    let mut all = team.env.clone();
    all.retain(|(k, _)| *k != "HH_MCP_PUBLIC_URL" && !env.iter().any(|(e, _)| e == k));
    all.extend(env.iter().map(|(k, v)| (*k, v.to_string())));
    Server::start(&["serve", "--http", "127.0.0.1:0"], &all, UA).await
}

#[tokio::test]
async fn the_sandbox_demo_serves_sign_in_with_its_own_hh_login_page() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let demo = Server::start(
        &[
            "--sandbox",
            "serve",
            "--http",
            "127.0.0.1:0",
            "--multi-user",
        ],
        &[("HH_MCP_DATA_DIR", dir.path().display().to_string())],
        UA,
    )
    .await;
    // The same seed as the demo's: the same users.
    let local = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let login = local.users()[0].login.clone();
    let client_id = register(&demo.base, CLIENT_CALLBACK).await;
    let (code, verifier) = code_for(&demo.base, "http://127.0.0.1:", &client_id, &login).await;
    let (status, t) = exchange(&demo.base, &client_id, &code, &verifier).await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(
        mcp_status(&demo.base, t["access_token"].as_str().unwrap())
            .await
            .0,
        200
    );
    assert_eq!(mcp_status(&demo.base, "not-a-token").await.0, 401);
    let ready = reqwest::get(format!("{}/readyz", demo.base)).await.unwrap();
    assert_eq!(ready.status(), 200, "the sign-in store answers");
}

// ---- the OAuth flow by hand, for what a client library does not let go wrong -----------

/// A client registered by hand (Dynamic Client Registration).
async fn register(base: &str, redirect_uri: &str) -> String {
    let r = reqwest::Client::new()
        .post(format!("{base}/register"))
        .json(
            &json!({"client_name": "Raw E2E", "redirect_uris": [redirect_uri],
                      "token_endpoint_auth_method": "none"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["token_endpoint_auth_method"], "none");
    body["client_id"].as_str().unwrap().to_string()
}

fn authorize_url(base: &str, client_id: &str, challenge: &str, extra: &[(&str, &str)]) -> String {
    let mut u = url::Url::parse(&format!("{base}/authorize")).unwrap();
    {
        let mut q = u.query_pairs_mut();
        q.append_pair("response_type", "code")
            .append_pair("client_id", client_id)
            .append_pair("redirect_uri", CLIENT_CALLBACK)
            .append_pair("code_challenge", challenge)
            .append_pair("code_challenge_method", "S256")
            .append_pair("state", "client-state-1")
            .append_pair("resource", &format!("{base}/mcp"));
        for (k, v) in extra {
            q.append_pair(k, v);
        }
    }
    u.to_string()
}

async fn token(base: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{base}/token"))
        .form(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["cache-control"], "no-store");
    (r.status().as_u16(), r.json().await.unwrap())
}

/// Signs in by hand and returns the code and the PKCE verifier it needs.
async fn code_for(
    public: &str,
    hh_login_page: &str,
    client_id: &str,
    login: &str,
) -> (String, String) {
    let pkce = hh_api::auth::Pkce::new();
    let back = consent_and_sign_in(
        public,
        hh_login_page,
        &authorize_url(public, client_id, &pkce.challenge, &[]),
        login,
        Choices::default(),
    )
    .await;
    assert_eq!(param(&back, "state").as_deref(), Some("client-state-1"));
    assert_eq!(param(&back, "iss").as_deref(), Some(public));
    (param(&back, "code").expect("a code"), pkce.verifier)
}

async fn exchange(public: &str, client_id: &str, code: &str, verifier: &str) -> (u16, Value) {
    token(
        public,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", client_id),
            ("code", code),
            ("redirect_uri", CLIENT_CALLBACK),
            ("code_verifier", verifier),
        ],
    )
    .await
}

/// The status of a `tools/list` with this access token.
async fn mcp_status(base: &str, access: &str) -> (u16, String) {
    let r = reqwest::Client::new()
        .post(format!("{base}/mcp"))
        .bearer_auth(access)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-11-25")
        .body(json!({"jsonrpc":"2.0","id":1,"method":"tools/list"}).to_string())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let challenge = r
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, challenge)
}

fn error_of(body: &Value) -> &str {
    body["error"].as_str().unwrap_or("")
}

#[tokio::test]
async fn codes_pkce_redirects_refresh_tokens_and_audiences_are_checked() {
    let team = team(sqlite(), 1, &[("HH_MCP_TOKEN_CACHE_SECS", "0")]).await;
    let login = team.login(0).login;
    let client_id = register(&team.public, CLIENT_CALLBACK).await;
    let mut secrets: Vec<String> = Vec::new();

    // A wrong verifier spends the code; presented again it is refused as used.
    let (code, verifier) = team.code(&client_id, &login).await;
    let (status, body) = exchange(&team.public, &client_id, &code, &"x".repeat(43)).await;
    assert_eq!((status, error_of(&body)), (400, "invalid_grant"), "{body}");
    let (status, body) = exchange(&team.public, &client_id, &code, &verifier).await;
    assert_eq!((status, error_of(&body)), (400, "invalid_grant"), "{body}");

    // Another redirect URI than the code's.
    let (code, verifier) = team.code(&client_id, &login).await;
    let (status, body) = token(
        &team.public,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client_id),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:9/other"),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_eq!((status, error_of(&body)), (400, "invalid_grant"), "{body}");

    // No verifier at all: asked for, and the code is not spent by asking.
    let (code, verifier) = team.code(&client_id, &login).await;
    let (status, body) = token(
        &team.public,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client_id),
            ("code", &code),
            ("redirect_uri", CLIENT_CALLBACK),
        ],
    )
    .await;
    assert_eq!(
        (status, error_of(&body)),
        (400, "invalid_request"),
        "{body}"
    );
    let (status, first) = exchange(&team.public, &client_id, &code, &verifier).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["token_type"], "Bearer");
    let access = first["access_token"].as_str().unwrap().to_string();
    let refresh = first["refresh_token"].as_str().unwrap().to_string();
    secrets.extend([access.clone(), refresh.clone()]);
    assert_eq!(mcp_status(&team.public, &access).await.0, 200);

    // The code once more: refused, and every token issued from it stops working.
    let (status, body) = exchange(&team.public, &client_id, &code, &verifier).await;
    assert_eq!((status, error_of(&body)), (400, "invalid_grant"), "{body}");
    let (status, challenge) = mcp_status(&team.public, &access).await;
    assert_eq!(status, 401);
    assert!(challenge.contains("invalid_token"), "{challenge}");

    // Refresh rotates; the old refresh token replayed revokes the whole sign-in.
    let (code, verifier) = team.code(&client_id, &login).await;
    let (_, t1) = exchange(&team.public, &client_id, &code, &verifier).await;
    let r1 = t1["refresh_token"].as_str().unwrap().to_string();
    let rotate = |r: String| {
        let public = team.public.clone();
        let client_id = client_id.clone();
        async move {
            token(
                &public,
                &[
                    ("grant_type", "refresh_token"),
                    ("client_id", &client_id),
                    ("refresh_token", &r),
                ],
            )
            .await
        }
    };
    let (status, t2) = rotate(r1.clone()).await;
    assert_eq!(status, 200, "{t2}");
    let a2 = t2["access_token"].as_str().unwrap().to_string();
    assert_ne!(
        t2["refresh_token"].as_str().unwrap(),
        r1,
        "the refresh token rotates"
    );
    assert_eq!(mcp_status(&team.public, &a2).await.0, 200);
    let (status, body) = rotate(r1.clone()).await;
    assert_eq!((status, error_of(&body)), (400, "invalid_grant"), "{body}");
    assert_eq!(
        mcp_status(&team.public, &a2).await.0,
        401,
        "the family is revoked"
    );
    let (status, _) = rotate(t2["refresh_token"].as_str().unwrap().to_string()).await;
    assert_eq!(
        status, 400,
        "the newest refresh token of a revoked family is dead too"
    );
    secrets.extend([r1, a2]);

    // Forged steps of the browser's way: an unknown state from "hh.ru", an unknown
    // consent request, a redirect URI the client never registered.
    let b = browser();
    let forged = b
        .get(format!(
            "{}/oauth/hh/callback?code=C&state=forged",
            team.public
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 400);
    let forged = b
        .post(format!("{}/authorize/decision", team.public))
        .header("cookie", "hh_mcp_form=forged")
        .form(&[("request", "forged"), ("decision", "allow")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 400, "an unknown consent request");
    let pkce = hh_api::auth::Pkce::new();
    let elsewhere = authorize_url(&team.public, &client_id, &pkce.challenge, &[]).replace(
        &urlencode(CLIENT_CALLBACK),
        &urlencode("http://127.0.0.1:9/elsewhere"),
    );
    let mismatch = b.get(&elsewhere).send().await.unwrap();
    assert_eq!(mismatch.status(), 400, "shown, never redirected");
    assert!(mismatch.headers().get("location").is_none());
    // PKCE is required, S256 only.
    let plain = authorize_url(&team.public, &client_id, &pkce.challenge, &[])
        .replace("code_challenge_method=S256", "code_challenge_method=plain");
    let r = b.get(&plain).send().await.unwrap();
    let back = url::Url::parse(&location(&r)).unwrap();
    assert_eq!(param(&back, "error").as_deref(), Some("invalid_request"));
    // A token for another resource is not asked for here…
    let other = authorize_url(&team.public, &client_id, &pkce.challenge, &[]).replace(
        &urlencode(&format!("{}/mcp", team.public)),
        &urlencode("https://other.example/mcp"),
    );
    let r = b.get(&other).send().await.unwrap();
    let back = url::Url::parse(&location(&r)).unwrap();
    assert_eq!(param(&back, "error").as_deref(), Some("invalid_target"));

    // …and one issued by a server for another resource is refused here, though the two
    // share the store.
    let mut env = team.env.clone();
    env.retain(|(k, _)| *k != "HH_MCP_PUBLIC_URL");
    let other = Server::start(&["serve", "--http", "127.0.0.1:0"], &env, UA).await;
    let other_client = register(&other.base, CLIENT_CALLBACK).await;
    let (code, verifier) = code_for(
        &other.base,
        &team.sandbox.authorize_url(),
        &other_client,
        &login,
    )
    .await;
    let (status, theirs) = exchange(&other.base, &other_client, &code, &verifier).await;
    assert_eq!(status, 200, "{theirs}");
    let theirs = theirs["access_token"].as_str().unwrap().to_string();
    assert_eq!(mcp_status(&other.base, &theirs).await.0, 200);
    let (status, challenge) = mcp_status(&team.public, &theirs).await;
    assert_eq!(status, 401, "{challenge}");
    assert!(challenge.contains("another resource"), "{challenge}");
    secrets.push(theirs);

    let logs = team.logs() + &other.logs();
    for s in &secrets {
        assert!(!logs.contains(s.as_str()), "a token of ours in the logs");
    }
}

// ---- live updates ---------------------------------------------------------------------

/// A delivery as hh.ru sends one (hh's `WebhookSendObjectBaseUser` with a
/// `WebhookPayloadNewResponseOrInvitationVacancy`).
fn delivery(id: &str, negotiation: &str, vacancy: &str) -> String {
    json!({
        "id": id, "subscription_id": "sub-1", "user_id": "u",
        "action_type": "NEW_RESPONSE_OR_INVITATION_VACANCY",
        "payload": {"topic_id": negotiation, "vacancy_id": vacancy, "chat_id": "1",
                    "resume_id": "r", "employer_id": "e",
                    "response_date": "2026-11-30T10:00:00+0300"}
    })
    .to_string()
}

/// Some negotiations of a vacancy of this login's employer, with the vacancy's id.
async fn negotiations_of(team: &Team, login: &str) -> Vec<(String, String)> {
    let (access, _) = team.sandbox.tokens_of(login).unwrap();
    let hh = hh_api::Client::builder()
        .base_url(team.sandbox.base_url())
        .user_agent(UA)
        .token(access)
        .build()
        .unwrap();
    let employer = hh.me().await.unwrap().employer().unwrap().id;
    let vacancies = hh
        .read(
            hh.api()
                .list_active_vacancies()
                .employer_id(&employer)
                .send(),
        )
        .await
        .unwrap()
        .into_active()
        .unwrap();
    let mut found = Vec::new();
    for v in vacancies.items.iter().take(3) {
        let collections = hh.collections(&v.id).await.unwrap();
        for c in collections.collections.iter().take(2) {
            let page = hh
                .collection_page(&c.url, &hh_api::CollectionQuery::default())
                .await
                .unwrap();
            found.extend(page.items.iter().map(|n| (n.id.clone(), v.id.clone())));
        }
    }
    found.sort();
    found.dedup();
    found
}

#[tokio::test]
async fn a_webhook_burst_with_duplicates_and_a_restart_surfaces_each_change_once() {
    let mut team = team(sqlite(), 1, &[]).await;
    let (anna, boris) = team.two_employers();
    let client = assistant(&team, &anna.login, Choices::default()).await;
    let mine = negotiations_of(&team, &anna.login).await;
    let theirs = negotiations_of(&team, &boris.login).await;
    assert!(mine.len() >= 5, "{mine:?}");

    // hh.ru would know the subscription's URL; the test takes a secret from the store.
    let key = team
        .env
        .iter()
        .find(|(k, _)| *k == "HH_MCP_ENCRYPTION_KEY")
        .unwrap();
    let dir = team
        .env
        .iter()
        .find(|(k, _)| *k == "HH_MCP_DATA_DIR")
        .unwrap();
    let store = hh_store::Store::open(
        None,
        std::path::Path::new(&dir.1),
        hh_store::EncryptionKey::parse(&key.1).unwrap(),
    )
    .await
    .unwrap();
    let account = loop {
        // The sign-in's subscription attempt (the sandbox has no webhook routes yet) leaves
        // the account's row to retry from.
        if let Some(a) = store.webhook_accounts().await.unwrap().first() {
            break a.clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let secret = store
        .new_webhook_secret(&account, &["NEW_RESPONSE_OR_INVITATION_VACANCY"])
        .await
        .unwrap();

    // 1,000 events, many for the same negotiation; 20% sent again at once, 5% again later.
    let mut plan: Vec<(String, String)> = Vec::new();
    let mut later = Vec::new();
    for i in 0..1000 {
        let (n, v) = &mine[i % mine.len()];
        let body = delivery(&format!("ev-{i}"), n, v);
        plan.push((format!("ev-{i}"), body.clone()));
        if i % 5 == 0 {
            plan.push((format!("ev-{i}"), body.clone()));
        }
        if i % 20 == 3 {
            later.push((format!("ev-{i}"), body));
        }
    }
    later.reverse();
    plan.extend(later);
    let (forged_n, forged_v) = theirs.first().expect("the other employer has negotiations");
    plan.insert(
        10,
        ("forged".into(), delivery("forged", forged_n, forged_v)),
    );

    let http = reqwest::Client::new();
    let mut seen = std::collections::HashSet::new();
    let (mut stored, mut conflicts) = (0, 0);
    let half = plan.len() / 2;
    for (i, (id, body)) in plan.iter().enumerate() {
        if i == half {
            // A restart in the middle, on the same database.
            team.replicas[0].child.kill().await.unwrap();
            let again = Server::start(&["serve", "--http", "127.0.0.1:0"], &team.env, UA).await;
            team.replicas[0] = again;
            *team.upstreams.lock().unwrap() = vec![team.replicas[0].base.clone()];
        }
        let url = format!("{}/hh/webhook/{secret}", team.replicas[0].base);
        let r = http.post(&url).body(body.clone()).send().await.unwrap();
        let status = r.status().as_u16();
        if seen.insert(id.clone()) {
            assert_eq!(status, 202, "{id}: {}", r.text().await.unwrap());
            stored += 1;
        } else {
            assert_eq!(status, 409, "{id} again");
            conflicts += 1;
        }
    }
    assert_eq!(stored, 1001);
    assert!(conflicts >= 200, "{conflicts}");

    // Bad deliveries: an unknown secret says nothing; a malformed body says what is wrong.
    let base = &team.replicas[0].base;
    let r = http
        .post(format!("{base}/hh/webhook/guessed"))
        .body(delivery("x", "1", "1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    assert!(r.text().await.unwrap().is_empty());
    let r = http
        .post(format!("{base}/hh/webhook/{secret}"))
        .body("{\"id\":1}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("not an hh.ru webhook delivery")
    );

    // Every event settles: surfaced, or dropped with a reason.
    let states = loop {
        let states = store.event_states(&account).await.unwrap();
        if states.iter().all(|s| s.state != "received") {
            break states;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(states.len(), 1001, "none lost across the restart");
    let forged = states.iter().find(|s| s.hh_event_id == "forged").unwrap();
    assert_eq!(forged.state, "dropped");
    assert!(
        forged.reason.as_deref().unwrap().contains("does not show"),
        "{forged:?}"
    );
    assert!(
        states
            .iter()
            .filter(|s| s.hh_event_id != "forged")
            .all(|s| s.state == "surfaced")
    );

    // whats_new, through the MCP client: each negotiation once, none of the other employer's.
    let client = {
        drop(client);
        assistant(&team, &anna.login, Choices::default()).await
    };
    let mut cursor = json!(null);
    let mut negotiations = Vec::new();
    loop {
        let args = if cursor.is_null() {
            json!({"cursor": "w0", "limit": 100})
        } else {
            json!({"cursor": cursor, "limit": 100})
        };
        let page = ok(&call(&client, "whats_new", args).await);
        let changes = page["changes"].as_array().unwrap().clone();
        if changes.is_empty() {
            break;
        }
        for c in &changes {
            assert_eq!(c["kind"], "negotiation");
            negotiations.push(c["now"]["negotiation_id"].as_str().unwrap().to_string());
        }
        cursor = page["next_cursor"].clone();
    }
    let mut want: Vec<String> = mine.iter().map(|(n, _)| n.clone()).collect();
    want.sort();
    let mut got = negotiations.clone();
    got.sort();
    assert_eq!(got, want, "each change once");
    assert!(!negotiations.contains(forged_n));
    assert!(!team.logs().contains(&secret), "the secret is never logged");
}

/// Waits (without a deadline of its own) until the server has subscribed this login at the
/// sandbox, which it does in the background after sign-in.
async fn subscribed(team: &Team, login: &str) -> hh_sandbox::WebhookSubscription {
    loop {
        if let Some(s) = team.sandbox.webhook_subscription_of(login).unwrap() {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The URI of the next `notifications/resources/updated` on a subscription.
async fn next_update(subscription: &mut rmcp::service::Subscription) -> String {
    let next = tokio::time::timeout(STEP, subscription.next())
        .await
        .expect("an update in time")
        .expect("the stream is sound")
        .expect("the subscription is open");
    match next {
        rmcp::model::ServerNotification::ResourceUpdatedNotification(n) => n.params.uri,
        other => panic!("expected a resource update, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_subscribed_client_hears_of_its_own_changes_and_not_of_anothers() {
    let team = team(sqlite(), 1, &[]).await;
    let (anna, boris) = team.two_employers();
    let a = modern_assistant(&team, &anna.login).await;
    let b = modern_assistant(&team, &boris.login).await;
    subscribed(&team, &anna.login).await;
    subscribed(&team, &boris.login).await;
    let (va, vb) = (&anna.vacancy_ids[0], &boris.vacancy_ids[0]);
    let (uri_a, uri_b) = (
        format!("hh://vacancies/{va}"),
        format!("hh://vacancies/{vb}"),
    );

    let templates: Vec<String> = a
        .list_all_resource_templates()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.uri_template)
        .collect();
    assert_eq!(templates, ["hh://vacancies/{id}", "hh://chats/{id}"]);

    // A read is the vacancy's counters now, for the caller's own account.
    let read = a
        .read_resource(rmcp::model::ReadResourceRequestParams::new(uri_a.clone()))
        .await
        .unwrap();
    let rmcp::model::ResourceContents::TextResourceContents { text, uri, .. } = &read.contents[0]
    else {
        panic!("text contents");
    };
    assert_eq!(uri, &uri_a);
    let state: Value = serde_json::from_str(text).unwrap();
    assert_eq!(state["vacancy_id"], va.as_str());
    assert!(
        !state["collections"].as_array().unwrap().is_empty(),
        "{state}"
    );
    let bad = a
        .read_resource(rmcp::model::ReadResourceRequestParams::new(
            "hh://resumes/1",
        ))
        .await
        .unwrap_err();
    assert!(bad.to_string().contains("hh://vacancies/{id}"), "{bad}");
    // The legacy form (a client that began with `initialize`) is refused with the way
    // that works.
    let old = assistant(&team, &anna.login, Choices::default()).await;
    #[allow(deprecated)]
    let legacy = old
        .subscribe(rmcp::model::SubscribeRequestParams::new(uri_a.clone()))
        .await
        .unwrap_err();
    assert!(
        legacy.to_string().contains("subscriptions/listen"),
        "{legacy}"
    );

    // Anna follows her vacancy and Boris's; Boris his own.
    let filter = |uris: &[&String]| {
        rmcp::model::SubscriptionFilter::builder()
            .resource_subscriptions(uris.iter().map(|u| u.to_string()))
            .build()
    };
    let mut anna_hears = a.listen(filter(&[&uri_a, &uri_b])).await.unwrap();
    let mut boris_hears = b.listen(filter(&[&uri_b])).await.unwrap();
    assert_eq!(
        anna_hears.acknowledged().resource_subscriptions.as_deref(),
        Some(&[uri_a.clone(), uri_b.clone()][..])
    );

    // A response to Boris's vacancy: he hears of it; it is not Anna's to hear.
    team.sandbox.applicant_responds(vb).unwrap();
    assert_eq!(next_update(&mut boris_hears).await, uri_b);
    // Then one to hers: the first thing she hears is her own vacancy.
    team.sandbox.applicant_responds(va).unwrap();
    assert_eq!(next_update(&mut anna_hears).await, uri_a);
    anna_hears.cancel().await.unwrap();
    boris_hears.cancel().await.unwrap();
}

/// Every change `whats_new` has for this client, from the start, page by page.
async fn all_changes(client: &Running) -> Vec<Value> {
    let mut cursor = json!("w0");
    let mut all = Vec::new();
    loop {
        let page = ok(&call(client, "whats_new", json!({"cursor": cursor, "limit": 100})).await);
        let changes = page["changes"].as_array().unwrap().clone();
        if changes.is_empty() {
            return all;
        }
        all.extend(changes);
        cursor = page["next_cursor"].clone();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_sandboxs_own_unreliable_deliveries_reach_whats_new_once_each() {
    let mut config = SandboxConfig::default();
    config.webhooks.faults = hh_sandbox::WebhookFaults {
        duplicate_rate: 0.5,
        out_of_order_rate: 0.3,
        delay: Duration::ZERO..=Duration::from_millis(300),
    };
    let team = team_on(config, sqlite(), 1, &[]).await;
    let anna = team.login(0);
    let client = assistant(&team, &anna.login, Choices::default()).await;
    // The server subscribed her at sign-in, at its public URL.
    let subscription = subscribed(&team, &anna.login).await;
    assert!(
        subscription
            .url
            .starts_with(&format!("{}/hh/webhook/", team.public)),
        "{}",
        subscription.url
    );

    // Applicants respond to two of her vacancies and write in one of the new chats.
    let (hh_token, _) = team.sandbox.tokens_of(&anna.login).unwrap();
    let hh = hh_api::Client::builder()
        .base_url(team.sandbox.base_url())
        .user_agent(UA)
        .token(hh_token)
        .build()
        .unwrap();
    let mut negotiations = Vec::new();
    for v in anna.vacancy_ids.iter().take(2).cycle().take(4) {
        negotiations.push(team.sandbox.applicant_responds(v).unwrap());
    }
    let chat = hh
        .negotiation(&negotiations[0])
        .await
        .unwrap()
        .chat_id
        .unwrap()
        .to_string();
    let written = team
        .sandbox
        .applicant_writes(&chat, "Добрый день! Когда можно подойти?")
        .expect("the applicant may write in a new chat");
    team.sandbox.flush_webhooks().await;

    // The sandbox did what hh warns of: duplicates, and every one answered 2xx or 409.
    let deliveries: Vec<_> = team
        .sandbox
        .webhook_deliveries()
        .into_iter()
        .filter(|d| d.subscription_id == subscription.id)
        .collect();
    assert!(deliveries.iter().any(|d| d.duplicate), "{deliveries:#?}");
    for d in &deliveries {
        let status = *d.answer.as_ref().unwrap();
        assert!(status == 202 || status == 409, "{d:#?}");
        assert_eq!(status == 409, d.duplicate || d.attempt > 1, "{d:#?}");
    }

    // Each negotiation once, and each message once (the cover letters and the reply).
    let changes = loop {
        let changes = all_changes(&client).await;
        let seen = |kind: &str, key: &str, id: &str| {
            changes
                .iter()
                .filter(|c| c["kind"] == kind && c["now"][key] == id)
                .count()
        };
        if negotiations
            .iter()
            .all(|n| seen("negotiation", "negotiation_id", n) > 0)
            && seen("message", "message_id", &written) > 0
        {
            break changes;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let mut keys: Vec<String> = changes
        .iter()
        .map(|c| match c["kind"].as_str().unwrap() {
            "negotiation" => format!("n:{}", c["now"]["negotiation_id"].as_str().unwrap()),
            "message" => format!("m:{}", c["now"]["message_id"].as_str().unwrap()),
            other => format!("{other}:{}", c["now"]),
        })
        .collect();
    let all = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), all, "a change surfaced twice: {changes:#?}");
    let reply = changes
        .iter()
        .find(|c| c["now"]["message_id"] == written.as_str())
        .unwrap();
    assert_eq!(reply["now"]["chat_id"], chat.as_str());
    assert_eq!(reply["now"]["from"], "APPLICANT");

    // Signing out cancels the subscription at hh.ru. (A sign-in ensures the subscription in
    // the background: wait for that one to be done, so the sign-out comes after it.)
    let in_place = || team.logs().matches("webhook subscription in place").count();
    let before = in_place();
    let client_id = register(&team.public, CLIENT_CALLBACK).await;
    let (code, verifier) = team.code(&client_id, &anna.login).await;
    let (_, t) = exchange(&team.public, &client_id, &code, &verifier).await;
    while in_place() == before {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let out = reqwest::Client::new()
        .post(format!("{}/oauth/signout", team.public))
        .bearer_auth(t["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 200);
    assert_eq!(
        team.sandbox.webhook_subscription_of(&anna.login).unwrap(),
        None
    );
    assert!(
        !team.logs().contains(&subscription.url),
        "the secret URL is never logged"
    );
}
