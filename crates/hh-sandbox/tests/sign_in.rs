//! Signing in as hh.ru has applications do it, against the sandbox: its authorization
//! page (`/oauth/authorize`) lists the users, choosing one redirects with a code, the
//! code is exchanged at `POST /token` for that user's tokens, and `/me` is that user.
//! `login_as` and `auto_approve` approve without the page, a denial redirects with
//! `access_denied`, a request from no known application is an error page, and every
//! refusal of `/token` is hh's.

mod common;

use common::UA;
use hh_sandbox::{Sandbox, SandboxConfig, SandboxUser};
use reqwest::redirect::Policy;
use serde_json::Value;
use url::Url;

const REDIRECT: &str = "http://127.0.0.1:9/callback";

/// A browser that does not follow redirects, so each step can be looked at.
fn browser() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

async fn started(config: SandboxConfig) -> Sandbox {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Sandbox::start(SandboxConfig {
        record: true,
        ..config
    })
    .await
    .expect("sandbox starts")
}

/// The authorize URL for the sandbox's application, with `extra` parameters.
fn authorize(sandbox: &Sandbox, extra: &[(&str, &str)]) -> String {
    let mut url = Url::parse(&sandbox.authorize_url()).unwrap();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &sandbox.oauth_client_id())
        .append_pair("state", "st-42")
        .append_pair("redirect_uri", REDIRECT);
    for (k, v) in extra {
        url.query_pairs_mut().append_pair(k, v);
    }
    url.to_string()
}

struct Page {
    status: u16,
    location: Option<Url>,
    content_type: Option<String>,
    body: String,
}

impl Page {
    /// A query parameter of the redirect.
    fn param(&self, name: &str) -> Option<String> {
        let location = self.location.as_ref()?;
        location
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

async fn open(url: &str) -> Page {
    let r = browser().get(url).send().await.expect("the page answers");
    let header = |name| {
        r.headers()
            .get(name)
            .map(|v: &reqwest::header::HeaderValue| v.to_str().unwrap().to_string())
    };
    let location = header("location").map(|l| Url::parse(&l).expect("an absolute Location"));
    let content_type = header("content-type");
    Page {
        status: r.status().as_u16(),
        location,
        content_type,
        body: r.text().await.unwrap(),
    }
}

/// The page's link that signs in as `login`, as a browser would resolve it.
fn link_for(sandbox: &Sandbox, page: &str, class: &str, login: Option<&str>) -> String {
    let marker = match login {
        Some(login) => format!(
            "class=\"{class}\" data-login=\"{}\" href=\"",
            html_escape::encode_double_quoted_attribute(login)
        ),
        None => format!("class=\"{class}\" href=\""),
    };
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {class} link {login:?} in the page:\n{page}"))
        + marker.len();
    let end = start + page[start..].find('"').unwrap();
    let href = html_escape::decode_html_entities(&page[start..end]).to_string();
    format!("{}{href}", sandbox.base_url())
}

async fn token(sandbox: &Sandbox, form: &[(&str, &str)]) -> (u16, Value) {
    let r = browser()
        .post(format!("{}/token", sandbox.base_url()))
        .header("HH-User-Agent", UA)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(form).unwrap())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (
        status,
        serde_json::from_str(&r.text().await.unwrap()).unwrap(),
    )
}

/// `POST /token` with the application's credentials for a code.
async fn exchange(sandbox: &Sandbox, code: &str, redirect: &str) -> (u16, Value) {
    let (id, secret) = (sandbox.oauth_client_id(), sandbox.oauth_client_secret());
    token(
        sandbox,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &id),
            ("client_secret", &secret),
            ("code", code),
            ("redirect_uri", redirect),
        ],
    )
    .await
}

async fn me(sandbox: &Sandbox, access: &str) -> Value {
    let r = browser()
        .get(format!("{}/me", sandbox.base_url()))
        .header("HH-User-Agent", UA)
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

fn oauth_error(answer: &(u16, Value)) -> (u16, &str, &str) {
    (
        answer.0,
        answer.1["error"].as_str().unwrap_or_default(),
        answer.1["error_description"].as_str().unwrap_or_default(),
    )
}

#[tokio::test]
async fn every_user_signs_in_through_the_page() {
    let sandbox = started(SandboxConfig::default()).await;
    let users = sandbox.users();
    assert!(users.len() >= 3, "{users:?}");
    let employers: std::collections::HashSet<_> = users.iter().map(|u| &u.employer_id).collect();
    assert!(employers.len() >= 2, "users of two employers at least");

    let page = open(&authorize(&sandbox, &[])).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.content_type
            .as_deref()
            .unwrap()
            .starts_with("text/html")
    );
    for user in &users {
        assert!(
            page.body
                .contains(&user.name.split(' ').next_back().unwrap().to_string())
        );
        let chosen = open(&link_for(&sandbox, &page.body, "user", Some(&user.login))).await;
        assert_eq!(chosen.status, 302, "{}", chosen.body);
        let location = chosen.location.as_ref().unwrap();
        assert!(location.as_str().starts_with(REDIRECT), "{location}");
        assert_eq!(chosen.param("state").as_deref(), Some("st-42"));
        let code = chosen.param("code").expect("a code");
        let answer = exchange(&sandbox, &code, REDIRECT).await;
        assert_eq!(answer.0, 200, "{}", answer.1);
        assert_eq!(answer.1["token_type"], "bearer");
        let access = answer.1["access_token"].as_str().unwrap();
        let refresh = answer.1["refresh_token"].as_str().unwrap();
        assert_eq!(
            sandbox.tokens_of(&user.login).unwrap(),
            (access.to_string(), refresh.to_string()),
            "the latest pair is the user's"
        );
        let me = me(&sandbox, access).await;
        assert_eq!(me["id"], user.user_id.as_str());
        assert_eq!(me["employer"]["id"], user.employer_id.as_str());
        assert_eq!(me["manager"]["id"], user.manager_id.as_str());
    }
    // The default user is the single-user hooks' user.
    assert_eq!(
        sandbox.tokens_of(&users[0].login).unwrap().0,
        sandbox.access_token()
    );
    assert_eq!(users[0].employer_id, sandbox.employer_id());
    assert_eq!(users[0].vacancy_ids, sandbox.vacancy_ids());
    let held = common::assert_answers_conform(&sandbox);
    if cfg!(feature = "validate") && common::hh_openapi_path().is_some() {
        // Each user's exchange and /me, held to hh.ru's description.
        assert_eq!(held, users.len() * 2);
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn login_as_and_auto_approve_skip_the_page() {
    let sandbox = started(SandboxConfig::default()).await;
    let b: SandboxUser = sandbox.users().pop().unwrap();
    // PKCE as hh documents it: S256 of a verifier, the verifier at the exchange.
    let verifier = "a-verifier-of-43-characters-or-more-0123456789";
    let challenge = hh_sandbox::tokens::s256(verifier);
    let page = open(&authorize(
        &sandbox,
        &[
            ("login_as", &b.login),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ],
    ))
    .await;
    assert_eq!(page.status, 302, "{}", page.body);
    let code = page.param("code").unwrap();
    let (id, secret) = (sandbox.oauth_client_id(), sandbox.oauth_client_secret());
    let with = |verifier: &'static str| {
        let (id, secret, code) = (id.clone(), secret.clone(), code.clone());
        let sandbox = &sandbox;
        async move {
            token(
                sandbox,
                &[
                    ("grant_type", "authorization_code"),
                    ("client_id", &id),
                    ("client_secret", &secret),
                    ("code", &code),
                    ("redirect_uri", REDIRECT),
                    ("code_verifier", verifier),
                ],
            )
            .await
        }
    };
    assert_eq!(
        oauth_error(&with("not-the-verifier").await),
        (400, "invalid_grant", "code verifier mismatch")
    );
    let answer = with("a-verifier-of-43-characters-or-more-0123456789").await;
    assert_eq!(answer.0, 200, "{}", answer.1);
    let me_b = me(&sandbox, answer.1["access_token"].as_str().unwrap()).await;
    assert_eq!(me_b["id"], b.user_id.as_str());
    // An unknown login is the tester's mistake, shown on a page.
    let unknown = open(&authorize(&sandbox, &[("login_as", "nobody@example.com")])).await;
    assert_eq!((unknown.status, unknown.location.is_none()), (400, true));
    assert!(
        unknown.body.contains(&b.login),
        "names the users: {}",
        unknown.body
    );
    common::assert_answers_conform(&sandbox);
    sandbox.shutdown().await;

    let second = {
        let probe = started(SandboxConfig::default()).await;
        probe.users()[1].clone()
    };
    let sandbox = started(SandboxConfig {
        auto_approve: Some(second.login.clone()),
        ..SandboxConfig::default()
    })
    .await;
    let page = open(&authorize(&sandbox, &[])).await;
    assert_eq!(page.status, 302, "approved without the page: {}", page.body);
    let answer = exchange(&sandbox, &page.param("code").unwrap(), REDIRECT).await;
    let me_second = me(&sandbox, answer.1["access_token"].as_str().unwrap()).await;
    assert_eq!(me_second["id"], second.user_id.as_str());
    // login_as still chooses another user.
    let first = sandbox.users()[0].clone();
    let page = open(&authorize(&sandbox, &[("login_as", &first.login)])).await;
    let answer = exchange(&sandbox, &page.param("code").unwrap(), REDIRECT).await;
    assert_eq!(
        me(&sandbox, answer.1["access_token"].as_str().unwrap()).await["id"],
        first.user_id.as_str()
    );
    sandbox.shutdown().await;

    let refused = Sandbox::start(SandboxConfig {
        auto_approve: Some("nobody@example.com".into()),
        ..SandboxConfig::default()
    })
    .await
    .err()
    .expect("an unknown auto_approve user is refused");
    assert_eq!(refused.kind(), std::io::ErrorKind::InvalidInput);
    assert!(refused.to_string().contains("auto_approve"), "{refused}");
    assert!(refused.to_string().contains(&first.login), "{refused}");
}

#[tokio::test]
async fn a_denial_redirects_with_access_denied() {
    let sandbox = started(SandboxConfig::default()).await;
    let page = open(&authorize(&sandbox, &[])).await;
    let denied = open(&link_for(&sandbox, &page.body, "deny", None)).await;
    assert_eq!(denied.status, 302);
    assert!(
        denied
            .location
            .as_ref()
            .unwrap()
            .as_str()
            .starts_with(REDIRECT)
    );
    assert_eq!(denied.param("error").as_deref(), Some("access_denied"));
    assert_eq!(denied.param("state").as_deref(), Some("st-42"));
    assert_eq!(denied.param("code"), None);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_bad_request_is_a_page_never_a_redirect() {
    let sandbox = started(SandboxConfig {
        oauth_redirect_uri: Some("http://127.0.0.1:9/callback".into()),
        ..SandboxConfig::default()
    })
    .await;
    let base = sandbox.authorize_url();
    let id = sandbox.oauth_client_id();
    let page = |query: String| {
        let url = format!("{base}?{query}");
        async move { open(&url).await }
    };
    for (query, says) in [
        (
            format!("response_type=code&redirect_uri={REDIRECT}"),
            "client_id is missing",
        ),
        (
            format!("response_type=code&client_id=other&redirect_uri={REDIRECT}"),
            "client_id: `other`",
        ),
        (
            format!("response_type=token&client_id={id}&redirect_uri={REDIRECT}"),
            "response_type: `token`",
        ),
        (
            format!("client_id={id}&redirect_uri={REDIRECT}"),
            "response_type is missing",
        ),
        (
            format!("response_type=code&client_id={id}&redirect_uri=http://evil.example/callback"),
            "does not match",
        ),
        (
            format!("response_type=code&client_id={id}&redirect_uri=http://127.0.0.1:9/callbacks"),
            "does not match",
        ),
        (
            format!("response_type=code&client_id={id}&redirect_uri=not-a-url"),
            "not an absolute",
        ),
    ] {
        let p = page(query.clone()).await;
        assert_eq!(p.status, 400, "{query}: {}", p.body);
        assert!(p.location.is_none(), "{query} redirected");
        assert!(p.content_type.as_deref().unwrap().starts_with("text/html"));
        assert!(p.body.contains(says), "{query}: {}", p.body);
    }
    // The registered redirect stands in for a missing one, and a deeper path is allowed.
    let p = page(format!(
        "response_type=code&client_id={id}&login_as={}",
        sandbox.users()[0].login
    ))
    .await;
    assert_eq!(p.status, 302, "{}", p.body);
    assert!(p.location.unwrap().as_str().starts_with(REDIRECT));
    let deeper = format!("{REDIRECT}/sub?lang=RU");
    let p = page(format!(
        "response_type=code&client_id={id}&redirect_uri={}&login_as={}",
        url::form_urlencoded::byte_serialize(deeper.as_bytes()).collect::<String>(),
        sandbox.users()[0].login
    ))
    .await;
    assert_eq!(p.status, 302, "{}", p.body);
    assert_eq!(
        p.param("lang").as_deref(),
        Some("RU"),
        "its own query is kept"
    );
    let code = p.param("code").unwrap();
    assert_eq!(exchange(&sandbox, &code, &deeper).await.0, 200);
    // A sound client and redirect with a bad PKCE request: redirected with the error.
    for pkce in [
        "&code_challenge=abc",
        "&code_challenge_method=S256",
        "&code_challenge=abc&code_challenge_method=plain",
    ] {
        let p = page(format!("response_type=code&client_id={id}&state=s{pkce}")).await;
        assert_eq!(p.status, 302, "{pkce}");
        assert_eq!(
            p.param("error").as_deref(),
            Some("invalid_request"),
            "{pkce}"
        );
        assert_eq!(p.param("state").as_deref(), Some("s"));
        assert!(p.param("error_description").is_some());
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn token_refusals_are_hhs() {
    let sandbox = started(SandboxConfig::default()).await;
    let login = sandbox.users()[1].login.clone();
    let code = |redirect: &'static str| {
        let url = authorize(&sandbox, &[("login_as", &login)]).replace(
            &url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>(),
            &url::form_urlencoded::byte_serialize(redirect.as_bytes()).collect::<String>(),
        );
        async move { open(&url).await.param("code").expect("a code") }
    };
    let (id, secret) = (sandbox.oauth_client_id(), sandbox.oauth_client_secret());
    let form = |client_id: &str, client_secret: &str, code: &str, redirect: &str| {
        vec![
            ("grant_type".to_string(), "authorization_code".to_string()),
            ("client_id".into(), client_id.into()),
            ("client_secret".into(), client_secret.into()),
            ("code".into(), code.into()),
            ("redirect_uri".into(), redirect.into()),
        ]
    };
    let post = |form: Vec<(String, String)>| {
        let sandbox = &sandbox;
        async move {
            let pairs: Vec<(&str, &str)> =
                form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            token(sandbox, &pairs).await
        }
    };

    let c = code(REDIRECT).await;
    assert_eq!(
        oauth_error(&post(form("another-app", &secret, &c, REDIRECT)).await),
        (
            400,
            "invalid_client",
            "client_id or client_secret not found"
        )
    );
    assert_eq!(
        oauth_error(&post(form(&id, "wrong-secret", &c, REDIRECT)).await),
        (
            400,
            "invalid_client",
            "client_id or client_secret not found"
        )
    );
    assert_eq!(
        oauth_error(&post(form(&id, &secret, &c, "http://127.0.0.1:9/elsewhere")).await),
        (400, "invalid_request", "bad redirect url")
    );
    // None of the refusals used the code up.
    assert_eq!(post(form(&id, &secret, &c, REDIRECT)).await.0, 200);
    assert_eq!(
        oauth_error(&post(form(&id, &secret, &c, REDIRECT)).await),
        (400, "invalid_grant", "code has already been used")
    );
    // A code issued for another redirect URI.
    let other = code("http://127.0.0.1:9/other").await;
    assert_eq!(
        oauth_error(&post(form(&id, &secret, &other, REDIRECT)).await),
        (400, "invalid_request", "bad redirect url")
    );
    assert_eq!(
        oauth_error(&post(form(&id, &secret, "NOSUCHCODE", REDIRECT)).await),
        (400, "invalid_request", "code not found")
    );
    let late = code(REDIRECT).await;
    sandbox.expire_authorization_codes();
    assert_eq!(
        oauth_error(&post(form(&id, &secret, &late, REDIRECT)).await),
        (400, "invalid_grant", "code expired")
    );
    // A code handed out of band goes with any application, but not with a wrong
    // secret for the sandbox's own.
    let loose = sandbox.authorization_code_of(&login).unwrap();
    assert_eq!(
        oauth_error(&post(form(&id, "wrong-secret", &loose, REDIRECT)).await),
        (
            400,
            "invalid_client",
            "client_id or client_secret not found"
        )
    );
    let answer = post(form("any-app", "any-secret", &loose, "http://anywhere/")).await;
    assert_eq!(answer.0, 200, "{}", answer.1);
    common::assert_answers_conform(&sandbox);
    sandbox.shutdown().await;

    // Codes are short-lived.
    let sandbox = started(SandboxConfig {
        authorization_code_ttl: std::time::Duration::ZERO,
        ..SandboxConfig::default()
    })
    .await;
    let p = open(&authorize(&sandbox, &[("login_as", &login)])).await;
    assert_eq!(
        oauth_error(&exchange(&sandbox, &p.param("code").unwrap(), REDIRECT).await),
        (400, "invalid_grant", "code expired")
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn refreshes_are_counted_per_user() {
    let sandbox = started(SandboxConfig::default()).await;
    let users = sandbox.users();
    let a = &users[0].login;
    let b = &users
        .iter()
        .find(|u| u.employer_id != users[0].employer_id)
        .expect("a user of another employer")
        .login;
    let refresh = |rt: String| {
        let sandbox = &sandbox;
        async move {
            token(
                sandbox,
                &[("grant_type", "refresh_token"), ("refresh_token", &rt)],
            )
            .await
        }
    };
    assert_eq!(
        (
            sandbox.refresh_grants(a).unwrap(),
            sandbox.refresh_grants(b).unwrap()
        ),
        (0, 0)
    );
    let (_, b_refresh) = sandbox.tokens_of(b).unwrap();
    assert_eq!(
        oauth_error(&refresh(b_refresh.clone()).await),
        (400, "invalid_grant", "token not expired")
    );
    sandbox.expire_access_token_of(b).unwrap();
    // The other user's token still works.
    me(&sandbox, &sandbox.tokens_of(a).unwrap().0).await;
    // Twenty at once with the same refresh token: one wins, all are counted.
    let attempts: Vec<_> = (0..20).map(|_| refresh(b_refresh.clone())).collect();
    let answers = futures::future::join_all(attempts).await;
    assert_eq!(answers.iter().filter(|a| a.0 == 200).count(), 1);
    assert_eq!(sandbox.refresh_grants(b).unwrap(), 21);
    assert_eq!(sandbox.refresh_grants(a).unwrap(), 0);
    let won = answers.iter().find(|a| a.0 == 200).unwrap();
    assert_eq!(
        sandbox.tokens_of(b).unwrap().0,
        won.1["access_token"].as_str().unwrap()
    );
    assert!(sandbox.refresh_grants("nobody").is_err());
    let e = sandbox.tokens_of("nobody").unwrap_err();
    assert!(e.to_string().contains(a.as_str()), "{e}");
    common::assert_answers_conform(&sandbox);
    sandbox.shutdown().await;
}
