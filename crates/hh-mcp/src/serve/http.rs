//! `hh-mcp serve --http ADDR`: MCP Streamable HTTP at `/mcp` (and `/mcp/readonly`), for
//! hosted assistants that connect only to remote servers.
//!
//! Stateless: rmcp's transport runs each request on its own (no session), every replica
//! answers any request, and what must outlive a request — a confirmation waiting for the
//! user — travels sealed in the client's `requestState` ([`crate::seal`]). TLS ends at a
//! reverse proxy; this speaks plain HTTP, on loopback unless told otherwise.
//!
//! A request to `/mcp` passes, outermost first: a request id (`X-Request-Id`, kept or
//! made) and its log line; refusal while draining; the API key (401); the caller's own
//! narrowing (`/mcp/readonly`, `X-MCP-Readonly`, `X-MCP-Tools`); the key's rate limit and
//! the bounds on calls in flight (429/503); a timeout (504); then rmcp, which checks
//! `Host` and `Origin` against the allow-lists (403) and the body's size (413).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use super::keys::ApiKeys;
use super::limits::{Limits, Refusal};
use super::settings::HttpSettings;
use crate::access::{Access, Caller};
use crate::oauth::{Authority, Refused};
use crate::seal::SealedPlans;
use crate::server::HhServer;
use crate::session::Session;

/// The caller name of the sandbox demo, which asks no key.
const OPEN_CALLER: &str = "open";

/// What every request to `/mcp` is checked against.
struct Door {
    /// Multi-user mode: our OAuth tokens, each for one signed-in recruiter.
    oauth: Option<Arc<Authority>>,
    max_body_bytes: usize,
    keys: Option<ApiKeys>,
    limits: Limits,
    draining: AtomicBool,
}

/// Listens on `--http ADDR`: first, so that a server on port 0 knows its address (its
/// public URL on loopback) before it sets up the rest.
pub async fn bind(settings: &HttpSettings) -> Result<tokio::net::TcpListener, String> {
    tokio::net::TcpListener::bind(settings.addr)
        .await
        .map_err(|e| format!("cannot listen on {} (--http): {e}", settings.addr))
}

/// Serves until SIGTERM or Ctrl-C, then drains: no new requests, the calls in flight
/// finish (within `HH_MCP_DRAIN_SECS`), and it returns.
pub async fn serve(
    listener: tokio::net::TcpListener,
    server: HhServer,
    session: Option<Arc<Session>>,
    oauth: Option<Arc<Authority>>,
    settings: HttpSettings,
) -> Result<(), String> {
    let state_key = match &settings.state_key {
        Some(k) => k.clone(),
        None => {
            tracing::warn!(
                "HH_MCP_STATE_KEY is not set: confirmations can be answered only on this \
                 process; set the same key on every replica behind a load balancer"
            );
            rand::random::<[u8; 32]>().to_vec()
        }
    };
    let server = server.over_http(SealedPlans::new(&state_key)?);
    let stop = CancellationToken::new();
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None)
        .with_allowed_hosts(settings.allowed_hosts.clone())
        .with_allowed_origins(settings.allowed_origins.clone())
        .enforce_origin_validation()
        .with_max_request_body_bytes(settings.max_body_bytes)
        .with_cancellation_token(stop.child_token());
    let mcp = StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(NeverSessionManager::default()),
        config,
    );
    let door = Arc::new(Door {
        oauth: oauth.clone(),
        max_body_bytes: settings.max_body_bytes,
        keys: settings.keys.clone(),
        limits: Limits::new(settings.limits),
        draining: AtomicBool::new(false),
    });
    let app = Router::new()
        .route_service("/mcp", mcp.clone())
        .route_service("/mcp/readonly", mcp)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::GATEWAY_TIMEOUT,
            settings.request_timeout,
        ))
        .layer(middleware::from_fn_with_state(door.clone(), admit))
        .merge(
            Router::new()
                .route("/healthz", get(|| async { "ok\n" }))
                .route("/readyz", get(ready))
                .with_state(Readiness {
                    session,
                    oauth: oauth.clone(),
                }),
        )
        .merge(oauth.clone().map(crate::oauth::routes).unwrap_or_default())
        .merge(
            oauth
                .as_ref()
                .map(|a| crate::live::routes(a.store.clone()))
                .unwrap_or_default(),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request| {
                    let id = req
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("");
                    // The path only: never headers (they carry the key) nor bodies, nor a
                    // webhook's secret.
                    let path = req.uri().path();
                    let path = if path.starts_with(crate::live::subscription::PATH_PREFIX) {
                        "/hh/webhook/{secret}"
                    } else {
                        path
                    };
                    tracing::info_span!("http", request_id = %id, method = %req.method(), path = %path)
                })
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid));

    if let Some(auth) = &oauth {
        crate::live::start(
            auth.clone(),
            auth.live.clone(),
            crate::live::reconcile::interval_from_env(),
        );
    }
    let bound = listener
        .local_addr()
        .map_err(|e| format!("cannot read the bound address: {e}"))?;
    // On stdout, for whoever started the server (tests read the port from it).
    println!("hh-mcp: serving MCP on http://{bound}/mcp");
    tracing::info!(addr = %bound, keys = settings.keys.as_ref().map_or(0, |k| k.digests().len()),
        open = settings.keys.is_none(), "serving MCP over HTTP");

    let (begin_drain, drain_begun) = tokio::sync::oneshot::channel::<()>();
    let mut serving = tokio::spawn(serve_connections(listener, app, drain_begun));
    tokio::select! {
        _ = shutdown_signal() => {}
        ended = &mut serving => {
            return match ended {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(format!("the HTTP server stopped: {e}")),
                Err(e) => Err(format!("the HTTP server failed: {e}")),
            };
        }
    }
    door.draining.store(true, Ordering::SeqCst);
    let _ = begin_drain.send(());
    tracing::info!(
        within_secs = settings.drain.as_secs(),
        "draining: no new requests; letting calls in flight finish"
    );
    match tokio::time::timeout(settings.drain, serving).await {
        Ok(_) => tracing::info!("drained; stopping"),
        Err(_) => tracing::warn!("calls still in flight after the drain time; stopping anyway"),
    }
    stop.cancel();
    Ok(())
}

/// Accepts connections and serves each over HTTP/1.1 until `drain` fires; then accepts
/// no more, lets each connection finish the request it is on, and returns.
async fn serve_connections(
    listener: tokio::net::TcpListener,
    app: Router,
    drain: tokio::sync::oneshot::Receiver<()>,
) -> std::io::Result<()> {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http1 = hyper::server::conn::http1::Builder::new();
    // hyper's floor: requests here are small JSON-RPC bodies, capped anyway by
    // HH_MCP_MAX_BODY_BYTES further in.
    http1.max_buf_size(8 * 1024).keep_alive(true);
    tokio::pin!(drain);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    // A failed accept (out of file descriptors, say) ends no one else's call.
                    Err(e) => {
                        tracing::warn!(error = %e, "could not accept a connection");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let service = hyper_util::service::TowerToHyperService::new(app.clone());
                let connection = graceful.watch(
                    http1.serve_connection(hyper_util::rt::TokioIo::new(stream), service),
                );
                tokio::spawn(async move {
                    if let Err(e) = connection.await {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                });
            }
            _ = &mut drain => break,
        }
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(
            tokio::signal::unix::SignalKind::terminate(),
        ) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; only Ctrl-C stops the server");
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The door of `/mcp`: who is calling, what they narrowed, whether there is room.
async fn admit(State(door): State<Arc<Door>>, req: Request, next: Next) -> Response {
    if door.draining.load(Ordering::SeqCst) {
        return refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "the server is shutting down; retry (another replica answers)",
            Some(1),
        );
    }
    let mut access = match requested_access(&req) {
        Ok(a) => a,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, &e, None),
    };
    let mut account = None;
    let key_id = if let Some(oauth) = &door.oauth {
        let checked = match bearer(req.headers()) {
            None => Err(Refused::Missing),
            Some(presented) => oauth.tokens.check(presented).await,
        };
        let user = match checked {
            Ok(user) => user,
            Err(refused) => return oauth_refusal(oauth, &refused),
        };
        // A read-only grant narrows like `/mcp/readonly`; the request may narrow further.
        access.read_only |= user.read_only;
        match oauth
            .accounts
            .session(&user.account_id, user.manager_account_id.as_deref())
            .await
        {
            Ok(session) => account = Some(session),
            Err(f) => return refuse(StatusCode::UNAUTHORIZED, &f.0, None),
        }
        caller_id(&user.account_id, user.manager_account_id.as_deref())
    } else {
        match &door.keys {
            None => OPEN_CALLER.to_string(),
            Some(keys) => match bearer(req.headers()) {
                None => return unauthorized(false),
                Some(presented) => match keys.check(presented) {
                    Some(digest) => digest.id(),
                    None => return unauthorized(true),
                },
            },
        }
    };
    // A read-only grant asking for an acting tool: 403 with the scope it lacks, so that an
    // assistant can ask the recruiter for more (step-up) instead of failing blind.
    let mut req = match &door.oauth {
        Some(oauth) if access.read_only && account.is_some() => {
            match acting_tool_call(req, door.max_body_bytes).await {
                Ok(req) => req,
                Err(refusal) => return oauth_refusal(oauth, &refusal),
            }
        }
        _ => req,
    };
    let admitted = match door.limits.admit(&key_id) {
        Ok(a) => a,
        Err(Refusal::RateLimited(wait)) => {
            let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
            return refuse(
                StatusCode::TOO_MANY_REQUESTS,
                "too many requests for this API key (HH_MCP_RATE_PER_SEC, HH_MCP_RATE_BURST)",
                Some(secs),
            );
        }
        Err(Refusal::KeyBusy) => {
            return refuse(
                StatusCode::TOO_MANY_REQUESTS,
                "this API key has its most calls in flight (HH_MCP_MAX_IN_FLIGHT_PER_KEY)",
                Some(1),
            );
        }
        Err(Refusal::ServerBusy) => {
            return refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "the server has its most calls in flight (HH_MCP_MAX_IN_FLIGHT)",
                Some(1),
            );
        }
    };
    req.extensions_mut().insert(Caller {
        key_id,
        access,
        account,
    });
    let response = next.run(req).await;
    drop(admitted);
    response
}

/// The request back, unless it is a `tools/call` of a tool that acts (then the refusal
/// for a missing scope). The body is read here, within the door's size cap.
async fn acting_tool_call(req: Request, cap: usize) -> Result<Request, Refused> {
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, cap).await else {
        // Too large or broken: rmcp's own checks answer it.
        return Ok(Request::from_parts(parts, Body::empty()));
    };
    if let Ok(msg) = serde_json::from_slice::<serde_json::Value>(&bytes)
        && msg["method"] == "tools/call"
        && let Some(name) = msg["params"]["name"].as_str()
        && crate::tools::specs()
            .iter()
            .any(|t| t.name == name && t.effect != crate::tools::Effect::Read)
    {
        return Err(Refused::InsufficientScope);
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// `Authorization: Bearer <key>`, if present and well-formed.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, key) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| key.trim())
        .filter(|k| !k.is_empty())
}

/// What the request narrowed itself to.
fn requested_access(req: &Request) -> Result<Access, String> {
    let headers = req.headers();
    let flag = match headers.get("x-mcp-readonly").map(|v| v.to_str()) {
        None => false,
        Some(Ok(v)) => match v.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" => true,
            "0" | "false" | "no" => false,
            _ => return Err("X-MCP-Readonly must be 1 or 0".to_string()),
        },
        Some(Err(_)) => return Err("X-MCP-Readonly must be 1 or 0".to_string()),
    };
    let tools = match headers.get("x-mcp-tools").map(|v| v.to_str()) {
        None => None,
        Some(Ok(v)) => Some(Access::parse_tools(v, "X-MCP-Tools")?),
        Some(Err(_)) => {
            return Err("X-MCP-Tools must be a comma-separated list of tool names".to_string());
        }
    };
    Ok(Access {
        read_only: flag || req.uri().path() == "/mcp/readonly",
        tools,
    })
}

/// A signed-in user's name for limits, logs and sealed confirmations: a short digest of
/// the account and work account, so confirmations of one never pass for another's.
fn caller_id(account_id: &str, manager_account_id: Option<&str>) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!(
        "{account_id}\n{}",
        manager_account_id.unwrap_or("")
    ));
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// 401 (or 403 for a missing scope) with the challenge that starts an MCP client's sign-in.
fn oauth_refusal(oauth: &Authority, refused: &Refused) -> Response {
    let (status, text) = match refused {
        Refused::Missing => (
            StatusCode::UNAUTHORIZED,
            "sign in: this server needs an OAuth access token",
        ),
        Refused::Invalid(why) => (StatusCode::UNAUTHORIZED, *why),
        Refused::InsufficientScope => (
            StatusCode::FORBIDDEN,
            "the access token lacks the scope hh:read",
        ),
        Refused::Unavailable(why) => {
            tracing::warn!(%why, "the sign-in store failed");
            return refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "the sign-in store is unavailable; retry",
                Some(1),
            );
        }
    };
    let mut r = refuse(status, text, None);
    if let Ok(v) = HeaderValue::from_str(&oauth.challenge(refused)) {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    r
}

fn unauthorized(key_given: bool) -> Response {
    let (challenge, text) = if key_given {
        (
            r#"Bearer realm="hh-mcp", error="invalid_token""#,
            "this API key is not accepted",
        )
    } else {
        (
            r#"Bearer realm="hh-mcp""#,
            "an API key is required: `Authorization: Bearer <key>`",
        )
    };
    let mut r = refuse(StatusCode::UNAUTHORIZED, text, None);
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    r
}

/// A refusal as JSON: `{"error": "…"}`, with `Retry-After` when waiting helps.
fn refuse(status: StatusCode, text: &str, retry_after_secs: Option<u64>) -> Response {
    let body = serde_json::json!({ "error": text }).to_string();
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Some(secs) = retry_after_secs {
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    r
}

/// What `/readyz` asks: hh.ru with the server's token, or the sign-in store.
#[derive(Clone)]
struct Readiness {
    session: Option<Arc<Session>>,
    oauth: Option<Arc<Authority>>,
}

/// `/readyz`: whether hh.ru (or the sandbox) answers a cheap GET with our token; in
/// multi-user mode, whether the sign-in store answers (each user's hh.ru token is theirs).
async fn ready(State(r): State<Readiness>) -> Response {
    let Some(session) = r.session else {
        let store = match &r.oauth {
            Some(o) => tokio::time::timeout(Duration::from_secs(5), o.store.ping()).await,
            None => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
        };
        let (status, body) = match store {
            Ok(Ok(_)) => (StatusCode::OK, serde_json::json!({ "ready": true })),
            Ok(Err(e)) => (
                StatusCode::SERVICE_UNAVAILABLE,
                serde_json::json!({ "ready": false, "reason": format!("the sign-in store: {e}") }),
            ),
            Err(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                serde_json::json!({ "ready": false, "reason": "the sign-in store took longer than 5 s" }),
            ),
        };
        return (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response();
    };
    let (status, body) = match tokio::time::timeout(Duration::from_secs(5), session.hh.me()).await {
        Ok(Ok(_)) => (StatusCode::OK, serde_json::json!({ "ready": true })),
        Ok(Err(e)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({ "ready": false, "reason": format!("GET /me on hh.ru failed: {e}") }),
        ),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({ "ready": false, "reason": "GET /me on hh.ru took longer than 5 s" }),
        ),
    };
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}
