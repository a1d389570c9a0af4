//! `hh-mcp auth`: the login exchange through a loopback redirect (state and PKCE
//! checked), the token file, status and logout — the built binary against httpmock.

#[path = "../../hh-api/tests/common/shaped.rs"]
mod shaped;

use std::process::Stdio;
use std::time::Duration;

use httpmock::prelude::*;
use serde_json::json;
use shaped::shaped;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const UA: &str = "AuthTest/1.0 (t@example.com)";

struct Login {
    child: Child,
    stderr: tokio::io::Lines<BufReader<tokio::process::ChildStderr>>,
    port: u16,
    config: std::path::PathBuf,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn temp_config(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("hh-mcp-auth-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn command(server: &MockServer, config: &std::path::Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hh-mcp"));
    c.args(args)
        .env_clear()
        .env("HH_API_BASE_URL", server.base_url())
        .env("HH_USER_AGENT", UA)
        .env("XDG_CONFIG_HOME", config)
        .env("HOME", config)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    c
}

async fn start_login(server: &MockServer, name: &str) -> Login {
    let port = free_port();
    let config = temp_config(name);
    let mut child = command(server, &config, &["auth", "login"])
        .env("HH_CLIENT_ID", "APP-ID")
        .env("HH_CLIENT_SECRET", "APP-SECRET")
        .env(
            "HH_REDIRECT_URI",
            format!("http://127.0.0.1:{port}/callback"),
        )
        .env(
            "HH_OAUTH_AUTHORIZE_URL",
            "https://hh.example/oauth/authorize",
        )
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    Login {
        child,
        stderr,
        port,
        config,
    }
}

/// Reads stderr until the authorize URL appears; returns its query.
async fn authorize_query(login: &mut Login) -> std::collections::HashMap<String, String> {
    let find = async {
        while let Some(line) = login.stderr.next_line().await.unwrap() {
            if let Some(at) = line.find("https://hh.example/oauth/authorize") {
                let url = url::Url::parse(line[at..].trim()).unwrap();
                return url.query_pairs().into_owned().collect();
            }
        }
        panic!("login printed no authorize URL");
    };
    tokio::time::timeout(Duration::from_secs(20), find)
        .await
        .unwrap()
}

/// The browser's visit to the redirect URI, as a plain HTTP/1.1 GET; returns the status.
async fn redirect(port: u16, query: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // The listener is up before the URL is printed, but give the OS a moment anyway.
    for _ in 0..50 {
        if let Ok(mut s) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
            let request =
                format!("GET /callback?{query} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\n\r\n");
            s.write_all(request.as_bytes()).await.unwrap();
            let mut answer = String::new();
            s.read_to_string(&mut answer).await.unwrap();
            return answer
                .split_whitespace()
                .nth(1)
                .and_then(|code| code.parse().ok())
                .unwrap_or(0);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the redirect listener never answered");
}

async fn finish(login: &mut Login) -> (bool, String) {
    let status = tokio::time::timeout(Duration::from_secs(20), login.child.wait())
        .await
        .unwrap()
        .unwrap();
    let mut rest = String::new();
    while let Some(line) = login.stderr.next_line().await.unwrap() {
        rest.push_str(&line);
        rest.push('\n');
    }
    (status.success(), rest)
}

fn token_file(config: &std::path::Path) -> std::path::PathBuf {
    config.join("hh-mcp").join("tokens.json")
}

#[tokio::test]
async fn login_receives_the_code_checks_pkce_and_saves_the_tokens_privately() {
    let server = MockServer::start_async().await;
    let mut login = start_login(&server, "login").await;
    let query = authorize_query(&mut login).await;
    assert_eq!(query["client_id"], "APP-ID");
    assert_eq!(query["code_challenge_method"], "S256");
    assert!(!query.contains_key("client_secret"));
    let challenge = query["code_challenge"].clone();
    let token = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/token")
                .header("hh-user-agent", UA)
                .form_urlencoded_tuple("grant_type", "authorization_code")
                .form_urlencoded_tuple("code", "THE-CODE")
                .form_urlencoded_tuple("client_id", "APP-ID")
                .form_urlencoded_tuple("client_secret", "APP-SECRET")
                .is_true(move |req| {
                    let body = String::from_utf8_lossy(req.body().as_ref()).into_owned();
                    url::form_urlencoded::parse(body.as_bytes())
                        .find(|(k, _)| k == "code_verifier")
                        .is_some_and(|(_, v)| hh_api::auth::challenge_for(&v) == challenge)
                });
            then.status(200).json_body(json!({
                "access_token": "ACCESS-XYZ", "refresh_token": "REFRESH-XYZ",
                "token_type": "bearer", "expires_in": 1209600
            }));
        })
        .await;
    let state = query["state"].clone();
    assert_eq!(
        redirect(login.port, &format!("code=THE-CODE&state={state}")).await,
        200
    );
    let (ok, stderr) = finish(&mut login).await;
    assert!(ok, "{stderr}");
    token.assert_calls_async(1).await;
    assert!(stderr.contains("Signed in"), "{stderr}");
    assert!(
        !stderr.contains("ACCESS-XYZ") && !stderr.contains("REFRESH-XYZ"),
        "{stderr}"
    );
    let path = token_file(&login.config);
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(saved["access_token"], "ACCESS-XYZ");
    assert_eq!(saved["refresh_token"], "REFRESH-XYZ");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

#[tokio::test]
async fn a_redirect_with_another_state_is_refused_and_nothing_is_exchanged() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(POST).path("/token");
            then.status(200)
                .json_body(json!({"access_token": "A", "token_type": "bearer"}));
        })
        .await;
    let mut login = start_login(&server, "forged").await;
    authorize_query(&mut login).await;
    redirect(login.port, "code=THE-CODE&state=FORGED").await;
    let (ok, stderr) = finish(&mut login).await;
    assert!(!ok);
    assert!(stderr.contains("does not match"), "{stderr}");
    token.assert_calls_async(0).await;
    assert!(!token_file(&login.config).exists());
}

#[tokio::test]
async fn status_names_the_user_and_logout_invalidates_and_removes() {
    let server = MockServer::start_async().await;
    let config = temp_config("status");
    std::fs::create_dir_all(config.join("hh-mcp")).unwrap();
    let expires = hh_api::auth::now_unix() + 3 * 86_400;
    std::fs::write(
        token_file(&config),
        json!({"access_token": "ACCESS-XYZ", "refresh_token": "REFRESH-XYZ", "expires_at": expires}).to_string(),
    )
    .unwrap();
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/me")
                .header("authorization", "Bearer ACCESS-XYZ");
            then.status(200).json_body(shaped(
                "MeManagerProfile",
                json!({
                    "auth_type": "employer",
                    "id": "77", "first_name": "Анна", "last_name": "Кузнецова",
                    "is_employer": true, "is_applicant": false,
                    "employer": {"id": "9001", "name": "ООО Ромашка", "manager_id": "1"}
                }),
            ));
        })
        .await;
    let out = command(&server, &config, &["auth", "status"])
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("Анна Кузнецова") && stderr.contains("9001"),
        "{stderr}"
    );
    assert!(
        stderr.contains("expires in 2d") || stderr.contains("expires in 3d"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("ACCESS-XYZ") && !stderr.contains("REFRESH-XYZ"),
        "{stderr}"
    );

    let revoke = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path("/token")
                .header("authorization", "Bearer ACCESS-XYZ");
            then.status(204);
        })
        .await;
    let out = command(&server, &config, &["auth", "logout"])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    revoke.assert_calls_async(1).await;
    assert!(!token_file(&config).exists());

    let out = command(&server, &config, &["auth", "status"])
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Not signed in"));
}

#[tokio::test]
async fn the_server_uses_saved_tokens_and_refreshes_them_when_expired() {
    let server = MockServer::start_async().await;
    let config = temp_config("serve-refresh");
    std::fs::create_dir_all(config.join("hh-mcp")).unwrap();
    std::fs::write(
        token_file(&config),
        json!({"access_token": "OLD", "refresh_token": "R1", "expires_at": 1}).to_string(),
    )
    .unwrap();
    let refresh = server
        .mock_async(|when, then| {
            when.method(POST).path("/token").body("grant_type=refresh_token&refresh_token=R1");
            then.status(200).json_body(json!({
                "access_token": "NEW", "refresh_token": "R2", "token_type": "bearer", "expires_in": 1209600
            }));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/me")
                .header("authorization", "Bearer NEW");
            then.status(200).json_body(shaped(
                "MeManagerProfile",
                json!({
                    "auth_type": "employer",
                    "id": "77", "is_employer": true, "is_applicant": false,
                    "employer": {"id": "9001", "name": "ООО Ромашка", "manager_id": "1"}
                }),
            ));
        })
        .await;
    let out = command(&server, &config, &["call", "get_me"])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    refresh.assert_calls_async(1).await;
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(token_file(&config)).unwrap()).unwrap();
    assert_eq!(saved["refresh_token"], "R2", "the new pair was saved");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("9001") && !stdout.contains("NEW"),
        "{stdout}"
    );
}
