//! `hh-mcp serve --http` as a child process: started on a free port, its address read
//! from its first line, its stderr kept for the tests to read.
#![allow(dead_code)]

use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

const STEP: Duration = Duration::from_secs(30);

pub struct Server {
    pub child: tokio::process::Child,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    output: Arc<Mutex<Vec<u8>>>,
    /// Reads stderr into `output` until the process ends.
    reader: Option<tokio::task::JoinHandle<()>>,
}

impl Server {
    /// Runs `hh-mcp ARGS` with only `env` (and a user agent, HOME and RUST_LOG) set.
    pub async fn start(args: &[&str], env: &[(&str, String)], user_agent: &str) -> Server {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_hh-mcp"));
        cmd.env_clear()
            .env("HH_USER_AGENT", user_agent)
            .env("HOME", std::env::temp_dir())
            .env("RUST_LOG", "info")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("hh-mcp starts");
        let output: Arc<Mutex<Vec<u8>>> = Arc::default();
        let sink = output.clone();
        let mut stderr = child.stderr.take().unwrap();
        let reader = tokio::spawn(async move {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        let line = tokio::time::timeout(STEP, stdout.next_line())
            .await
            .expect("the server says where it listens in time")
            .unwrap()
            .unwrap_or_else(|| panic!("no address; stderr: {}", text(&output)));
        let addr = line
            .strip_prefix("hh-mcp: serving MCP on http://")
            .and_then(|l| l.strip_suffix("/mcp"))
            .unwrap_or_else(|| panic!("unexpected first line: {line}"))
            .to_string();
        output.lock().unwrap().extend_from_slice(line.as_bytes());
        Server {
            child,
            base: format!("http://{addr}"),
            output,
            reader: Some(reader),
        }
    }

    pub fn mcp(&self) -> String {
        format!("{}/mcp", self.base)
    }

    pub fn logs(&self) -> String {
        text(&self.output)
    }

    /// Every log line, once the process has exited and its stderr has been read to the end.
    pub async fn logs_after_exit(&mut self) -> String {
        if let Some(reader) = self.reader.take() {
            let _ = tokio::time::timeout(STEP, reader).await;
        }
        self.logs()
    }

    pub fn terminate(&self) {
        let pid = self.child.id().expect("running").to_string();
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

pub fn text(buf: &Arc<Mutex<Vec<u8>>>) -> String {
    String::from_utf8_lossy(&buf.lock().unwrap()).into_owned()
}

/// A request the proxy passed on: to which upstream, with which body.
#[derive(Debug, Clone)]
pub struct Routed {
    pub upstream: usize,
    pub body: Vec<u8>,
}

/// A load balancer without affinity: each request goes to the next upstream in turn, path
/// and query as they came, redirects passed back rather than followed. Returns its base
/// URL, the upstreams to fill in (servers started after it can be told its URL), and what
/// it routed.
pub async fn round_robin() -> (String, Arc<Mutex<Vec<String>>>, Arc<Mutex<Vec<Routed>>>) {
    let upstreams: Arc<Mutex<Vec<String>>> = Arc::default();
    let routed: Arc<Mutex<Vec<Routed>>> = Arc::default();
    let next = Arc::new(AtomicUsize::new(0));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let (ups, seen) = (upstreams.clone(), routed.clone());
    let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
        let (ups, seen, next, client) = (ups.clone(), seen.clone(), next.clone(), client.clone());
        async move {
            let targets = ups.lock().unwrap().clone();
            let i = next.fetch_add(1, Ordering::SeqCst) % targets.len().max(1);
            let (parts, body) = req.into_parts();
            let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
            seen.lock().unwrap().push(Routed {
                upstream: i,
                body: body.to_vec(),
            });
            let path = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let mut out = client
                .request(parts.method, format!("{}{path}", targets[i]))
                .body(body);
            for (k, v) in &parts.headers {
                if k != http::header::HOST && k != http::header::CONTENT_LENGTH {
                    out = out.header(k, v);
                }
            }
            let answer = out.send().await.unwrap();
            let mut reply = axum::response::Response::builder().status(answer.status());
            for (k, v) in answer.headers() {
                if k != http::header::CONTENT_LENGTH && k != http::header::TRANSFER_ENCODING {
                    reply = reply.header(k, v);
                }
            }
            // Streamed, as a load balancer does: a `subscriptions/listen` answer stays open.
            reply
                .body(axum::body::Body::from_stream(answer.bytes_stream()))
                .unwrap()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), upstreams, routed)
}
