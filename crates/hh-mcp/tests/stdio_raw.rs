//! The server on raw stdio, without an MCP library on our side: the handshake by hand,
//! then malformed lines. The server must answer with JSON-RPC errors where it can name
//! the request, never write anything but JSON-RPC to stdout, and keep serving.
//!
//! What rmcp 3.11's stdio transport does with each kind of line is pinned here, so a
//! change shows up as a failing test rather than as a surprise in a client.

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::*;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::process::{Child, ChildStdin};
use tokio::sync::mpsc;

struct Raw {
    child: Child,
    stdin: ChildStdin,
    lines: mpsc::UnboundedReceiver<String>,
    next_ping: u64,
}

impl Raw {
    async fn start(hh: &FakeHh) -> Raw {
        let mut cmd = server_command(&hh.base_url(), &[]);
        cmd.arg("serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().expect("hh-mcp starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let lines = stdout_lines(stdout);
        let mut raw = Raw {
            child,
            stdin,
            lines,
            next_ping: 1000,
        };
        raw.send(&json!({
            "jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "raw-e2e", "version": "0.0.1"}
            }
        }))
        .await;
        let init = raw.next().await;
        assert_eq!(init["id"], 1, "{init}");
        assert_eq!(init["result"]["protocolVersion"], "2025-11-25", "{init}");
        assert_eq!(init["result"]["serverInfo"]["name"], "hh-mcp", "{init}");
        raw.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
        raw
    }

    async fn write(&mut self, bytes: &[u8]) {
        self.stdin
            .write_all(bytes)
            .await
            .expect("server reads stdin");
        self.stdin.flush().await.unwrap();
    }

    async fn send(&mut self, message: &Value) {
        let mut line = serde_json::to_vec(message).unwrap();
        line.push(b'\n');
        self.write(&line).await;
    }

    /// The next line on stdout, which must be one JSON-RPC 2.0 message.
    async fn next(&mut self) -> Value {
        let line = tokio::time::timeout(STEP, self.lines.recv())
            .await
            .expect("the server answers in time")
            .expect("stdout is open");
        parse_line(&line)
    }

    /// Writes `bytes`, then a ping, and returns every message that arrived before the
    /// ping's answer plus any that arrived shortly after: what the server said about `bytes`.
    async fn answers_to(&mut self, bytes: &[u8]) -> Vec<Value> {
        self.answers_to_expecting(bytes, None).await
    }

    /// As [`Raw::answers_to`], and also waits for the answer to request `id` (requests are
    /// handled concurrently, so it may come after the ping's).
    async fn answers_to_expecting(&mut self, bytes: &[u8], id: Option<u64>) -> Vec<Value> {
        self.write(bytes).await;
        self.next_ping += 1;
        let ping = self.next_ping;
        self.send(&json!({"jsonrpc": "2.0", "id": ping, "method": "ping"}))
            .await;
        let mut said = Vec::new();
        let mut pinged = false;
        while !pinged || id.is_some_and(|id| !said.iter().any(|m: &Value| m["id"] == id)) {
            let m = self.next().await;
            if m["id"] == ping {
                assert_eq!(m["result"], json!({}), "ping answered: {m}");
                pinged = true;
            } else {
                said.push(m);
            }
        }
        // Anything else the line caused shows up here, or in the next case's answers.
        while let Ok(Some(line)) =
            tokio::time::timeout(Duration::from_millis(100), self.lines.recv()).await
        {
            said.push(parse_line(&line));
        }
        said
    }

    async fn line(&mut self, text: &str) -> Vec<Value> {
        self.line_expecting(text, None).await
    }

    async fn line_expecting(&mut self, text: &str, id: Option<u64>) -> Vec<Value> {
        let mut bytes = text.as_bytes().to_vec();
        bytes.push(b'\n');
        self.answers_to_expecting(&bytes, id).await
    }

    /// Sends a request and waits for its answer (other messages in between fail the test).
    async fn request(&mut self, id: u64, method: &str, params: Value) -> Value {
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        let m = self.next().await;
        assert_eq!(m["id"], id, "answer to {method}: {m}");
        m
    }
}

fn parse_line(line: &str) -> Value {
    let v: Value = serde_json::from_str(line.trim_end_matches('\n'))
        .unwrap_or_else(|e| panic!("stdout carried a line that is not JSON ({e}): {line:?}"));
    assert_eq!(
        v["jsonrpc"], "2.0",
        "stdout carried a non-JSON-RPC message: {line}"
    );
    v
}

fn error_code(m: &Value) -> i64 {
    m["error"]["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("expected a JSON-RPC error, got {m}"))
}

#[tokio::test]
async fn malformed_lines_get_errors_where_due_and_the_server_keeps_serving() {
    let hh = FakeHh::start().await;
    let mut raw = Raw::start(&hh).await;

    // Not JSON at all: Parse error (-32700) with a null id, from the server's stdio guard.
    for text in [
        "this is not json",
        "{\"jsonrpc\": \"2.0\", \"id\": 5, \"method\": ",
    ] {
        let said = raw.line(text).await;
        assert_eq!(said.len(), 1, "{text}: {said:?}");
        assert_eq!(error_code(&said[0]), -32700, "{text}: {said:?}");
        assert_eq!(said[0]["id"], Value::Null, "{text}: {said:?}");
    }

    // JSON, but not JSON-RPC: Invalid Request, with a null id.
    for text in [
        r#"{"hello": "world"}"#,
        "[1, 2, 3]",
        "42",
        r#"{"jsonrpc": "1.0", "id": 6, "method": "tools/list"}"#,
    ] {
        let said = raw.line(text).await;
        assert_eq!(said.len(), 1, "{text}: {said:?}");
        assert_eq!(error_code(&said[0]), -32600, "{text}: {said:?}");
        assert_eq!(said[0]["id"], Value::Null, "{text}: {said:?}");
    }

    // A well-formed request for a method that does not exist: Method not found, with its id.
    let said = raw
        .line_expecting(
            r#"{"jsonrpc": "2.0", "id": 7, "method": "no/such/method", "params": {}}"#,
            Some(7),
        )
        .await;
    assert_eq!(said.len(), 1, "{said:?}");
    assert_eq!(said[0]["id"], 7, "{said:?}");
    assert_eq!(error_code(&said[0]), -32601, "{said:?}");

    // A tools/call whose params do not fit its shape: Invalid params, with the request's id.
    for (id, params) in [(8, "5"), (9, r#"{"name": "get_me", "arguments": "nope"}"#)] {
        let said = raw
            .line_expecting(
                &format!(r#"{{"jsonrpc": "2.0", "id": {id}, "method": "tools/call", "params": {params}}}"#),
                Some(id),
            )
            .await;
        assert_eq!(said.len(), 1, "{said:?}");
        assert_eq!(said[0]["id"], id, "{said:?}");
        assert_eq!(error_code(&said[0]), -32602, "{said:?}");
    }

    // Notifications get no answer, known or not; nor do stray responses and blank lines.
    for text in [
        r#"{"jsonrpc": "2.0", "method": "notifications/no_such_thing"}"#,
        r#"{"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 4242}}"#,
        r#"{"jsonrpc": "2.0", "id": 4243, "result": {}}"#,
        "",
        "   \r",
    ] {
        assert_eq!(raw.line(text).await, Vec::<Value>::new(), "{text:?}");
    }

    // Invalid UTF-8, on its own or inside a JSON string of a request, is not JSON either.
    let mut bad_utf8 =
        br#"{"jsonrpc": "2.0", "id": 10, "method": "tools/call", "params": {"name": "get_"#
            .to_vec();
    bad_utf8.extend_from_slice(b"\xc3\x28");
    bad_utf8.extend_from_slice(b"me\"}}\n");
    for bytes in [
        b"\xff\xfe\xfd\n".to_vec(),
        b"{\"jsonrpc\": \"2.0\", \"id\": 10, \"method\": \"tools/call\", \"params\": {\"name\": \"get_me\xff\"}}\n".to_vec(),
        bad_utf8,
    ] {
        let said = raw.answers_to(&bytes).await;
        assert_eq!(said.len(), 1, "{said:?}");
        assert_eq!(error_code(&said[0]), -32700, "{said:?}");
    }

    // A large (1 MiB) but well-formed request is read and answered like any other: here a
    // tool error for the unknown argument.
    let pad = "x".repeat(1 << 20);
    let said = raw
        .line_expecting(
            &json!({"jsonrpc": "2.0", "id": 11, "method": "tools/call",
                    "params": {"name": "get_me", "arguments": {"pad": pad}}})
            .to_string(),
            Some(11),
        )
        .await;
    assert_eq!(said.len(), 1, "one answer to the large request");
    assert_eq!(said[0]["id"], 11);
    assert_eq!(
        said[0]["result"]["isError"],
        true,
        "{}",
        &said[0].to_string()[..300]
    );
    let text = said[0]["result"]["content"][0]["text"].as_str().unwrap();
    assert!(
        text.contains("unknown field `pad`"),
        "{}",
        &text[..text.len().min(300)]
    );
    assert!(
        text.len() < 1000,
        "the error does not echo the megabyte back"
    );

    // A line over the 16 MiB limit is discarded with a Parse error; the next line is read.
    let mut huge =
        br#"{"jsonrpc": "2.0", "id": 12, "method": "tools/list", "params": {"pad": ""#.to_vec();
    huge.resize(huge.len() + 17 * 1024 * 1024, b'y');
    huge.extend_from_slice(b"\"}}\n");
    let said = raw.answers_to(&huge).await;
    assert_eq!(said.len(), 1, "{said:?}");
    assert_eq!(error_code(&said[0]), -32700, "{said:?}");

    // Still serving, and hh was asked nothing along the way.
    assert!(hh.requests().is_empty(), "{:?}", hh.lines());
    let tools = raw.request(20, "tools/list", json!({})).await;
    assert_eq!(
        tools["result"]["tools"].as_array().map(Vec::len),
        Some(20),
        "{tools}"
    );
    let me = raw
        .request(21, "tools/call", json!({"name": "get_me", "arguments": {}}))
        .await;
    assert_eq!(me["result"]["structuredContent"]["user_id"], "777", "{me}");
    assert_eq!(hh.lines(), ["GET /me"]);

    // Closing stdin ends the server cleanly.
    drop(raw.stdin);
    let status = tokio::time::timeout(STEP, raw.child.wait())
        .await
        .expect("the server exits when stdin closes")
        .unwrap();
    assert!(status.success(), "{status}");
    assert!(raw.lines.recv().await.is_none(), "nothing after the end");
}

#[tokio::test]
async fn requests_before_initialize_are_not_served() {
    let hh = FakeHh::start().await;
    let mut cmd = server_command(&hh.base_url(), &[]);
    cmd.arg("serve")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(b"{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"tools/call\", \"params\": {\"name\": \"get_me\"}}\n")
        .await
        .unwrap();
    drop(stdin);
    let out = tokio::time::timeout(STEP, child.wait_with_output())
        .await
        .expect("exits")
        .unwrap();
    let stdout = String::from_utf8(out.stdout).expect("stdout is UTF-8");
    // Without `initialize` or 2026 request metadata, the call is refused with its id.
    let lines: Vec<Value> = stdout.lines().map(parse_line).collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    assert_eq!(lines[0]["id"], 1, "{stdout}");
    assert_eq!(error_code(&lines[0]), -32602, "{stdout}");
    assert!(
        lines[0]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("_meta"),
        "{stdout}"
    );
    assert!(
        hh.requests().is_empty(),
        "nothing reached hh: {:?}",
        hh.lines()
    );
}
