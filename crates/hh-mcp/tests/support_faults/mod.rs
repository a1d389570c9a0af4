//! For `faults.rs`: an hh.ru sandbox in the test process, the built `hh-mcp` binary pointed at
//! it (or at any base URL), driven by rmcp's own client, with the server's stderr kept.
#![allow(dead_code)]

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hh_sandbox::{Exchange, Faults, Sandbox, SandboxConfig};
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::TokioChildProcess;
use serde_json::Value;
use tokio::io::AsyncReadExt;

pub const UA: &str = "HhMcpFaults/1.0 (faults@example.com)";
/// The longest any one step may take before the test gives up instead of hanging.
pub const STEP: Duration = Duration::from_secs(30);

/// A sandbox that records every exchange, with ids picked for the cases.
pub struct Hh {
    pub sandbox: Sandbox,
    pub vacancy_id: String,
    /// A negotiation in the `response` collection: it offers `consider` (no required argument).
    pub fresh: String,
    /// A negotiation the employer invited (messages allowed).
    pub invited: String,
}

impl Hh {
    pub async fn start() -> Hh {
        let sandbox = Sandbox::start(SandboxConfig {
            seed: 11,
            record: true,
            ..SandboxConfig::default()
        })
        .await
        .expect("the sandbox starts");
        let hh = hh_api::Client::builder()
            .base_url(sandbox.base_url())
            .user_agent(UA)
            .token(sandbox.access_token())
            .build()
            .unwrap();
        let vacancy_id = sandbox.vacancy_ids()[0].clone();
        let collections = hh.collections(&vacancy_id).await.unwrap();
        let first_in = |id: &str| {
            let c = collections
                .collections
                .iter()
                .find(|c| c.id == id)
                .unwrap_or_else(|| panic!("collection {id}"));
            c.url.clone()
        };
        let page = |url: String| {
            let hh = hh.clone();
            async move {
                hh.collection_page(&url, &hh_api::CollectionQuery::default())
                    .await
                    .unwrap()
                    .items
            }
        };
        let fresh = page(first_in("response"))
            .await
            .into_iter()
            .find(|n| n.actions.iter().any(|a| a.id == "consider" && a.enabled))
            .expect("a response that can be considered")
            .id;
        let mut invited = None;
        for c in ["interview", "phone_interview", "offer"] {
            if let Some(n) = page(first_in(c)).await.into_iter().next() {
                invited = Some(n.id);
                break;
            }
        }
        sandbox.clear_recorded();
        Hh {
            sandbox,
            vacancy_id,
            fresh,
            invited: invited.expect("an invited negotiation"),
        }
    }

    pub fn faults(&self, f: Faults) {
        self.sandbox.set_faults(f);
    }

    pub fn clear_faults(&self) {
        self.sandbox.set_faults(Faults::default());
    }

    /// Exchanges recorded since the last [`Hh::forget`].
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.sandbox.recorded()
    }

    pub fn forget(&self) {
        self.sandbox.clear_recorded();
    }

    /// `(status, "METHOD path")` of each exchange whose path is `path`.
    pub fn to(&self, method: &str, path: &str) -> Vec<u16> {
        self.exchanges()
            .iter()
            .filter(|e| e.method == method && e.path == path)
            .map(|e| e.status)
            .collect()
    }

    /// Every request that is not a read.
    pub fn writes(&self) -> Vec<String> {
        self.exchanges()
            .iter()
            .filter(|e| e.method != "GET")
            .map(|e| format!("{} {} -> {}", e.method, e.path, e.status))
            .collect()
    }

    pub fn lines(&self) -> Vec<String> {
        self.exchanges()
            .iter()
            .map(|e| format!("{} {} -> {}", e.method, e.path, e.status))
            .collect()
    }

    /// Waits until `n` requests have arrived in all (counted when they arrive, before
    /// any injected latency), then switches the faults: the requests already under way
    /// keep the faults they arrived with.
    pub async fn switch_when_arrived(&self, n: u64, f: Faults) {
        let started = Instant::now();
        while self.sandbox.request_count() < n {
            assert!(started.elapsed() < STEP, "request {n} never arrived");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        self.sandbox.set_faults(f);
    }

    /// Waits until an exchange on `path` with `status` is recorded (after its answer went out).
    pub async fn wait_for(&self, method: &str, path: &str, status: u16, times: usize) {
        let started = Instant::now();
        while self
            .to(method, path)
            .iter()
            .filter(|s| **s == status)
            .count()
            < times
        {
            assert!(
                started.elapsed() < STEP,
                "no {status} for {method} {path}: {:?}",
                self.lines()
            );
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
}

/// A running `hh-mcp serve` with rmcp's client attached.
pub struct Server {
    pub client: RunningService<RoleClient, ()>,
    pub pid: u32,
    stderr: Arc<Mutex<Vec<u8>>>,
}

impl Server {
    /// `hh-mcp serve` against `base_url` with `token`, confirmation off.
    pub async fn start(base_url: &str, token: &str, extra: &[(&str, &str)]) -> Server {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_hh-mcp"));
        cmd.env_clear()
            .env("HH_API_BASE_URL", base_url)
            .env("HH_ACCESS_TOKEN", token)
            .env("HH_USER_AGENT", UA)
            .env("HH_MCP_CONFIRM", "never")
            .env("HOME", std::env::temp_dir())
            .env("RUST_LOG", "warn,hh_mcp=info,hh_api=info")
            .arg("serve")
            .kill_on_drop(true);
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let (transport, stderr) = TokioChildProcess::builder(cmd)
            .stderr(Stdio::piped())
            .spawn()
            .expect("hh-mcp starts");
        let pid = transport.id().expect("the server has a pid");
        let captured: Arc<Mutex<Vec<u8>>> = Arc::default();
        let sink = captured.clone();
        let mut stderr = stderr.expect("stderr is piped");
        tokio::spawn(async move {
            let mut buf = [0u8; 4096];
            loop {
                match stderr.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => sink.lock().unwrap().extend_from_slice(&buf[..n]),
                }
            }
        });
        let client = tokio::time::timeout(STEP, ().serve(transport))
            .await
            .expect("the MCP session starts in time")
            .expect("the MCP session starts");
        Server {
            client,
            pid,
            stderr: captured,
        }
    }

    pub async fn on(hh: &Hh, extra: &[(&str, &str)]) -> Server {
        Server::start(&hh.sandbox.base_url(), &hh.sandbox.access_token(), extra).await
    }

    /// One tool call; it must get exactly one answer at the protocol level (a result,
    /// possibly a tool error), in time.
    pub async fn call(&self, name: &str, arguments: Value) -> Outcome {
        let mut params = CallToolRequestParams::new(name.to_string());
        if let Value::Object(map) = arguments {
            params = params.with_arguments(map);
        }
        let started = Instant::now();
        let result = tokio::time::timeout(STEP, self.client.call_tool(params))
            .await
            .unwrap_or_else(|_| panic!("{name}: no answer within {STEP:?}"))
            .unwrap_or_else(|e| panic!("{name}: a protocol error instead of a result: {e}"));
        Outcome {
            took: started.elapsed(),
            result,
        }
    }

    /// The server still answers: `tools/list` works.
    pub async fn assert_serving(&self) {
        let tools = tokio::time::timeout(STEP, self.client.list_all_tools())
            .await
            .expect("tools/list in time")
            .expect("tools/list");
        assert!(tools.len() >= 7, "{} tools", tools.len());
        self.assert_alive();
    }

    pub fn assert_alive(&self) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .expect("the server process is alive");
        assert!(
            !status.contains("State:\tZ"),
            "the server process is a zombie"
        );
        let err = self.stderr();
        assert!(!err.contains("panicked"), "the server panicked:\n{err}");
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    pub async fn stop(self) -> String {
        let err = self.stderr();
        assert!(!err.contains("panicked"), "the server panicked:\n{err}");
        let _ = tokio::time::timeout(STEP, self.client.cancel()).await;
        err
    }
}

/// What one call produced.
pub struct Outcome {
    pub took: Duration,
    pub result: CallToolResult,
}

impl Outcome {
    pub fn is_error(&self) -> bool {
        self.result.is_error == Some(true)
    }

    pub fn text(&self) -> String {
        self.result
            .content
            .iter()
            .filter_map(|c| c.as_text().map(|t| t.text.clone()))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The structured result of a successful call.
    pub fn ok(&self) -> &Value {
        assert!(
            !self.is_error(),
            "expected a result, got the tool error: {}",
            self.text()
        );
        self.result
            .structured_content
            .as_ref()
            .expect("structured content")
    }

    /// The text of a tool error (`isError: true`), which must be one clear message.
    pub fn error(&self) -> String {
        assert!(
            self.is_error(),
            "expected a tool error, got: {:?}",
            self.result
        );
        let text = self.text();
        assert!(!text.trim().is_empty(), "an empty tool error");
        text
    }
}
