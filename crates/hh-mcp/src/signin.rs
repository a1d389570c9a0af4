//! `hh-mcp auth login | status | logout`: signing in to hh.ru once and staying signed in.
//!
//! Login is hh's authorization-code flow with `state` and PKCE. When the application's
//! redirect URI is a loopback address (`http://127.0.0.1:PORT/...`), a one-shot listener
//! there receives the code; otherwise the person pastes the redirect URL (or the code).

use std::time::Duration;

use hh_api::auth::{self, OAuthApp, Pkce, TokenSet, TokenStore};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use url::Url;

/// How long login waits for the browser to come back.
const LOGIN_WAIT: Duration = Duration::from_secs(300);

/// What `auth` needs from the environment.
pub struct AuthSettings {
    pub base_url: String,
    /// Required to talk to hh.ru; `status` without it only reads the token file.
    pub user_agent: Option<String>,
    pub authorize_url: String,
    pub store: TokenStore,
}

fn client(s: &AuthSettings, tokens: Option<TokenSet>) -> Result<hh_api::Client, String> {
    let user_agent = s.user_agent.as_deref().ok_or_else(|| {
        format!(
            "HH_USER_AGENT is not set: hh.ru requires it, e.g. `{}`",
            hh_api::USER_AGENT_FORM
        )
    })?;
    let mut b = hh_api::Client::builder()
        .base_url(&s.base_url)
        .user_agent(user_agent);
    if let Some(t) = tokens {
        b = b.tokens(t, Some(s.store.clone()));
    }
    b.build().map_err(|e| e.to_string())
}

/// Reads the application's credentials; every missing one is named.
pub fn app_from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<OAuthApp, Vec<String>> {
    let get = |k: &str| {
        env(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let mut missing = Vec::new();
    let mut need = |k: &str, what: &str| {
        get(k).unwrap_or_else(|| {
            missing.push(format!("{k} is not set: {what}"));
            String::new()
        })
    };
    let app = OAuthApp {
        client_id: need(
            "HH_CLIENT_ID",
            "your hh.ru application's Client ID (dev.hh.ru)",
        ),
        client_secret: need("HH_CLIENT_SECRET", "your hh.ru application's Client Secret"),
        redirect_uri: need(
            "HH_REDIRECT_URI",
            "the redirect URI registered for the application, e.g. http://127.0.0.1:8765/callback",
        ),
    };
    if missing.is_empty() {
        Ok(app)
    } else {
        Err(missing)
    }
}

pub async fn login(s: &AuthSettings, app: &OAuthApp) -> Result<String, String> {
    let state = auth::new_state();
    let pkce = Pkce::new();
    let url =
        auth::authorize_url(&s.authorize_url, app, &state, &pkce).map_err(|e| e.to_string())?;
    let redirect = Url::parse(&app.redirect_uri)
        .map_err(|e| format!("HH_REDIRECT_URI `{}` is not a URL: {e}", app.redirect_uri))?;
    let code = match loopback_port(&redirect) {
        Some(port) => {
            let listener = TcpListener::bind(("127.0.0.1", port))
                .await
                .map_err(|e| format!("cannot listen on 127.0.0.1:{port} for the redirect: {e}"))?;
            eprintln!("Open this page, sign in as the employer and allow access:\n\n  {url}\n");
            eprintln!("Waiting for hh.ru to redirect to {} …", app.redirect_uri);
            let received =
                tokio::time::timeout(LOGIN_WAIT, receive_redirect(&listener, redirect.path()))
                    .await
                    .map_err(|_| {
                        "no redirect came back within 5 minutes; run `hh-mcp auth login` again"
                            .to_string()
                    })??;
            auth::code_from_redirect(&received, &state).map_err(|e| e.to_string())?
        }
        None => {
            eprintln!("Open this page, sign in as the employer and allow access:\n\n  {url}\n");
            eprintln!(
                "Then paste the address hh.ru redirected you to (or just the code) and press Enter:"
            );
            let mut line = String::new();
            BufReader::new(tokio::io::stdin())
                .read_line(&mut line)
                .await
                .map_err(|e| format!("could not read the pasted code: {e}"))?;
            auth::code_from_redirect(&line, &state).map_err(|e| e.to_string())?
        }
    };
    let tokens = client(s, None)?
        .exchange_code(app, &code, &pkce.verifier)
        .await
        .map_err(|e| format!("hh.ru did not exchange the code for tokens: {e}"))?;
    s.store.save(&tokens).map_err(|e| e.to_string())?;
    Ok(format!(
        "Signed in. Tokens saved to {}{}.",
        s.store.path().display(),
        expiry_text(&tokens)
    ))
}

fn loopback_port(redirect: &Url) -> Option<u16> {
    let loopback = matches!(redirect.host_str(), Some("127.0.0.1") | Some("localhost"));
    (redirect.scheme() == "http" && loopback)
        .then(|| redirect.port())
        .flatten()
}

/// Serves the redirect: answers each request and returns the full URL of the first one
/// on `path` (a browser may ask for a favicon first).
async fn receive_redirect(listener: &TcpListener, path: &str) -> Result<String, String> {
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    loop {
        let (mut socket, _) = listener
            .accept()
            .await
            .map_err(|e| format!("the redirect listener failed: {e}"))?;
        let mut head = Vec::new();
        let mut buf = [0u8; 1024];
        // Only the request line matters; stop at the end of the headers or 16 KiB.
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
            match tokio::time::timeout(Duration::from_secs(10), socket.read(&mut buf)).await {
                Ok(Ok(0)) | Err(_) | Ok(Err(_)) => break,
                Ok(Ok(n)) => head.extend_from_slice(&buf[..n]),
            }
        }
        let text = String::from_utf8_lossy(&head);
        let target = text
            .lines()
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("")
            .to_string();
        let full = format!("http://127.0.0.1:{port}{target}");
        let on_path = Url::parse(&full).is_ok_and(|u| u.path() == path);
        let (status, body) = if on_path {
            (
                "200 OK",
                "hh-mcp received the authorization. You can close this window.",
            )
        } else {
            ("404 Not Found", "Not the redirect path.")
        };
        let reply = format!(
            "HTTP/1.1 {status}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = socket.write_all(reply.as_bytes()).await;
        let _ = socket.shutdown().await;
        if on_path {
            return Ok(full);
        }
    }
}

pub async fn status(s: &AuthSettings) -> Result<String, String> {
    let Some(tokens) = s.store.load().map_err(|e| e.to_string())? else {
        return Err(format!(
            "Not signed in (no {}). Run `hh-mcp auth login`, or set HH_ACCESS_TOKEN.",
            s.store.path().display()
        ));
    };
    let mut out = format!(
        "Tokens in {}{}.",
        s.store.path().display(),
        expiry_text(&tokens)
    );
    if s.user_agent.is_none() {
        out.push_str("\nSet HH_USER_AGENT to ask hh.ru whose token it is.");
        return Ok(out);
    }
    match client(s, Some(tokens))?.me().await {
        Ok(me) => {
            let name = me.full_name().unwrap_or_default();
            match me.user_id() {
                Some(id) => out.push_str(&format!("\nSigned in as {name} (user {id})")),
                // An employer_integration token has no personal profile.
                None => out.push_str(&format!("\nSigned in as {}", me.auth_type())),
            }
            if let Some(e) = me.employer() {
                out.push_str(&format!(", employer {} «{}»", e.id, e.name));
            }
            out.push('.');
            Ok(out)
        }
        Err(e) => Err(format!(
            "{out}\nhh.ru does not accept them: {}",
            crate::failure::explain(&e)
        )),
    }
}

pub async fn logout(s: &AuthSettings) -> Result<String, String> {
    let Some(tokens) = s.store.load().map_err(|e| e.to_string())? else {
        return Ok("Not signed in; nothing to do.".into());
    };
    // A plain token, not the pair: signing out must not refresh it first.
    let hh = client(s, None)?;
    hh.set_token(Some(tokens.access.expose().to_string()));
    let revoked = hh.invalidate_token().await;
    // The local copy goes either way: the user asked to be signed out here.
    s.store.remove().map_err(|e| e.to_string())?;
    match revoked {
        Ok(()) => Ok(
            "Signed out: hh.ru invalidated the token and the stored tokens were removed.".into(),
        ),
        Err(e) => Ok(format!(
            "The stored tokens were removed, but hh.ru did not confirm the token was invalidated: {e}"
        )),
    }
}

fn expiry_text(t: &TokenSet) -> String {
    match t.expires_at {
        Some(at) => {
            let now = auth::now_unix();
            if at <= now {
                " (the access token has expired; it is refreshed on next use)".into()
            } else {
                let left = at - now;
                format!(
                    " (the access token expires in {}d {}h)",
                    left / 86_400,
                    left % 86_400 / 3_600
                )
            }
        }
        None => String::new(),
    }
}
