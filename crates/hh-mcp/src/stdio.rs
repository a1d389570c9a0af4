//! The stdio transport, with a guard in front of rmcp: a line that is not JSON gets
//! JSON-RPC's Parse error (-32700, id null) instead of silence, so a client that sent a
//! broken request learns why it has no answer. Everything else passes through untouched.
//!
//! One task reads stdin, one writes stdout; rmcp talks to both through in-memory pipes.
//! Only whole lines reach stdout, so the guard's answers never split one of rmcp's.
//!
//! When stdin ends, rmcp's input is closed only once the requests already handed to it are
//! answered: `echo '{…}' | hh-mcp` gets its answer. rmcp 3.11 drains on EOF too, but for
//! at most 5 s, and a call to hh.ru may take up to HH_API_TIMEOUT_SECS (30 s by default);
//! the guard waits up to [`DRAIN`] so such a call is not cut off.
//!
//! Parse errors are answered although rmcp chose not to: JSON-RPC 2.0 says a server
//! answers an unparseable message with -32700, and a client that sent one otherwise
//! waits for an answer that never comes.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::{Notify, mpsc};

/// The longest line read (rmcp's own limit is 16 MiB); longer ones are answered -32700.
const MAX_LINE: usize = 16 * 1024 * 1024;

/// How long, once stdin has ended, answers to the requests still in flight are waited for.
const DRAIN: Duration = Duration::from_secs(60);

/// Requests handed to rmcp and not answered yet, by id (as JSON text).
#[derive(Default)]
struct InFlight {
    ids: Mutex<HashSet<String>>,
    changed: Notify,
}

impl InFlight {
    fn ids(&self) -> MutexGuard<'_, HashSet<String>> {
        self.ids.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn start(&self, id: &Value) {
        self.ids().insert(id.to_string());
    }

    fn end(&self, id: &Value) {
        if self.ids().remove(&id.to_string()) {
            self.changed.notify_waiters();
        }
    }

    /// Until every request is answered, or `within` has passed.
    async fn settled(&self, within: Duration) {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let changed = self.changed.notified();
            if self.ids().is_empty() {
                return;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                tracing::warn!(
                    unanswered = self.ids().len(),
                    "stdin ended; stopped waiting for the last answers"
                );
                return;
            }
        }
    }

    /// Notes a message on its way to rmcp: a request rmcp will answer with its id (a
    /// JSON-RPC 2.0 request with a string or integer id; the guard answers the others), or
    /// a cancellation, after which rmcp does not answer.
    fn note(&self, message: &Value) {
        let method = message.get("method").and_then(Value::as_str);
        match (method, message.get("id")) {
            (Some(_), Some(id))
                if message.get("jsonrpc").and_then(Value::as_str) == Some("2.0")
                    && (id.is_string() || id.is_i64()) =>
            {
                self.start(id)
            }
            (Some("notifications/cancelled"), None) => {
                if let Some(id) = message.pointer("/params/requestId") {
                    self.end(id);
                }
            }
            _ => {}
        }
    }
}

/// The id of an answer (a line with an id and no `method`) rmcp wrote.
fn answer_id(line: &[u8]) -> Option<Value> {
    #[derive(serde::Deserialize)]
    struct Answer {
        id: Option<Value>,
        method: Option<serde::de::IgnoredAny>,
    }
    let answer: Answer = serde_json::from_slice(line).ok()?;
    answer.method.is_none().then_some(answer.id).flatten()
}

/// Pipes for rmcp: what it reads (guarded stdin) and where it writes (to stdout), and the
/// writer task, to await so the last answers reach stdout before the process exits.
pub fn guarded<R, W>(
    input: R,
    output: W,
) -> (
    tokio::io::DuplexStream,
    tokio::io::DuplexStream,
    tokio::task::JoinHandle<()>,
)
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (to_rmcp, rmcp_reads) = tokio::io::duplex(256 * 1024);
    let (rmcp_writes, from_rmcp) = tokio::io::duplex(256 * 1024);
    let (errors_tx, errors_rx) = mpsc::channel::<String>(64);
    let in_flight = Arc::new(InFlight::default());
    tokio::spawn(read_input(input, to_rmcp, errors_tx, in_flight.clone()));
    let writer = tokio::spawn(write_output(from_rmcp, errors_rx, output, in_flight));
    (rmcp_reads, rmcp_writes, writer)
}

fn parse_error(detail: &str) -> String {
    json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": {"code": -32700, "message": format!("Parse error: {detail}")}
    })
    .to_string()
}

/// A `tools/call` request whose params are not `{name: string, arguments?: object}` gets
/// Invalid params (-32602) with its id; rmcp would call it an unknown method.
fn invalid_tool_call(message: &serde_json::Value) -> Option<String> {
    if message.get("method")?.as_str()? != "tools/call" {
        return None;
    }
    let id = message.get("id")?;
    let params = message.get("params");
    let problem = match params {
        Some(serde_json::Value::Object(p)) => match (p.get("name"), p.get("arguments")) {
            (
                Some(serde_json::Value::String(_)),
                None | Some(serde_json::Value::Object(_)) | Some(serde_json::Value::Null),
            ) => {
                return None;
            }
            (Some(serde_json::Value::String(_)), Some(_)) => "`arguments` must be an object",
            _ => "`name` must be the tool's name, a string",
        },
        _ => "params must be an object with the tool's `name` and its `arguments`",
    };
    Some(
        json!({
            "jsonrpc": "2.0",
            "id": id,
            "error": {"code": -32602, "message": format!("Invalid params: {problem}")}
        })
        .to_string(),
    )
}

/// A JSON-RPC 2.0 request whose id can be read but that rmcp cannot read as a message
/// (params that are not an object, an id it cannot hold, a `method` that is not a string)
/// gets an error with its id: rmcp would answer Invalid Request without one, and the client
/// would wait for the answer to its request forever. Responses from the client are left to
/// rmcp.
fn unreadable_request(message: &serde_json::Value, text: &str) -> Option<String> {
    let m = message.as_object()?;
    let id = m.get("id").filter(|id| id.is_string() || id.is_number())?;
    // A message that does not say it is JSON-RPC 2.0 is answered by rmcp (id null).
    if m.get("jsonrpc").and_then(|v| v.as_str()) != Some("2.0")
        || (!m.contains_key("method") && (m.contains_key("result") || m.contains_key("error")))
    {
        return None;
    }
    serde_json::from_str::<rmcp::model::ClientJsonRpcMessage>(text).err()?;
    let params_ok = match m.get("params") {
        None | Some(serde_json::Value::Null) => true,
        Some(serde_json::Value::Object(p)) => p.get("_meta").is_none_or(|v| v.is_object()),
        Some(_) => false,
    };
    let (code, problem) = if !m.get("method").is_some_and(|v| v.is_string()) {
        (-32600, "`method` must be a string")
    } else if !(id.is_string() || id.is_i64()) {
        (
            -32600,
            "the id must be a string or an integer that fits in 64 bits",
        )
    } else if !params_ok {
        (
            -32602,
            "`params` must be an object (and its `_meta` an object)",
        )
    } else {
        (-32600, "not a request this server can read")
    };
    let label = if code == -32602 {
        "Invalid params"
    } else {
        "Invalid Request"
    };
    Some(
        json!({
            "jsonrpc": "2.0",
            "id": id,
            "error": {"code": code, "message": format!("{label}: {problem}")}
        })
        .to_string(),
    )
}

async fn read_input<R: AsyncRead + Unpin>(
    input: R,
    mut to_rmcp: tokio::io::DuplexStream,
    errors: mpsc::Sender<String>,
    in_flight: Arc<InFlight>,
) {
    let mut input = BufReader::new(input);
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = (&mut input)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut line)
            .await;
        match read {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        if line.len() > MAX_LINE && line.last() != Some(&b'\n') {
            // Skip the rest of the over-long line, then say so.
            let mut rest = Vec::new();
            let _ = input.read_until(b'\n', &mut rest).await;
            let _ = errors
                .send(parse_error("the line is longer than 16 MiB"))
                .await;
            continue;
        }
        let text = line.trim_ascii();
        if text.is_empty() {
            continue;
        }
        let message = match std::str::from_utf8(text) {
            Err(e) => Err(format!("not UTF-8 ({e})")),
            Ok(t) => {
                serde_json::from_str::<serde_json::Value>(t).map_err(|e| format!("not JSON ({e})"))
            }
        };
        let message = match message {
            Ok(m) => m,
            Err(problem) => {
                tracing::debug!(%problem, "a line on stdin is not JSON");
                let _ = errors.send(parse_error(&problem)).await;
                continue;
            }
        };
        if let Some(answer) = invalid_tool_call(&message) {
            let _ = errors.send(answer).await;
            continue;
        }
        // `text` is valid UTF-8 here: it parsed as JSON above.
        if let Some(answer) = unreadable_request(&message, std::str::from_utf8(text).unwrap_or(""))
        {
            let _ = errors.send(answer).await;
            continue;
        }
        in_flight.note(&message);
        if to_rmcp.write_all(text).await.is_err() || to_rmcp.write_all(b"\n").await.is_err() {
            break;
        }
    }
    // End of input: once what rmcp has is answered, it sees its input close and ends.
    in_flight.settled(DRAIN).await;
    let _ = to_rmcp.shutdown().await;
}

async fn write_output<W: AsyncWrite + Unpin>(
    from_rmcp: tokio::io::DuplexStream,
    mut errors: mpsc::Receiver<String>,
    mut output: W,
    in_flight: Arc<InFlight>,
) {
    let mut from_rmcp = BufReader::new(from_rmcp);
    let mut line = Vec::new();
    let mut errors_open = true;
    loop {
        tokio::select! {
            read = from_rmcp.read_until(b'\n', &mut line) => {
                match read {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        if output.write_all(&line).await.is_err() || output.flush().await.is_err() {
                            break;
                        }
                        if let Some(id) = answer_id(&line) {
                            in_flight.end(&id);
                        }
                        line.clear();
                    }
                }
            }
            error = errors.recv(), if errors_open => {
                match error {
                    Some(text) => {
                        let written = output.write_all(text.as_bytes()).await.is_ok()
                            && output.write_all(b"\n").await.is_ok()
                            && output.flush().await.is_ok();
                        if !written {
                            break;
                        }
                    }
                    None => errors_open = false,
                }
            }
        }
    }
    // rmcp is done; the guard's answers to the last lines may still be queued.
    while let Ok(text) = errors.try_recv() {
        if output.write_all(text.as_bytes()).await.is_err()
            || output.write_all(b"\n").await.is_err()
        {
            break;
        }
    }
    let _ = output.flush().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_calls_with_unreadable_params_are_invalid_params() {
        let call = |params: serde_json::Value| {
            invalid_tool_call(
                &json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": params}),
            )
        };
        assert_eq!(call(json!({"name": "get_me"})), None);
        assert_eq!(call(json!({"name": "get_me", "arguments": {}})), None);
        for bad in [
            json!(5),
            json!({"name": 1}),
            json!({"name": "get_me", "arguments": "nope"}),
        ] {
            let answer: serde_json::Value =
                serde_json::from_str(&call(bad.clone()).unwrap()).unwrap();
            assert_eq!(answer["error"]["code"], -32602, "{bad}");
            assert_eq!(answer["id"], 3, "{bad}");
        }
        // Notifications and other methods are rmcp's business.
        assert_eq!(
            invalid_tool_call(&json!({"jsonrpc": "2.0", "method": "tools/call", "params": 5})),
            None
        );
        assert_eq!(
            invalid_tool_call(&json!({"jsonrpc": "2.0", "id": 1, "method": "ping"})),
            None
        );
    }

    #[tokio::test]
    async fn the_end_of_input_waits_for_answers_but_not_for_cancelled_requests() {
        let f = InFlight::default();
        f.note(&json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}));
        f.note(&json!({"jsonrpc": "2.0", "id": "a", "method": "tools/call"}));
        // Answered by rmcp without an id, so not waited for.
        f.note(&json!({"jsonrpc": "1.0", "id": 2, "method": "ping"}));
        f.note(
            &json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
                       "params": {"requestId": "a"}}),
        );
        let pending = tokio::time::timeout(Duration::from_millis(50), f.settled(DRAIN)).await;
        assert!(pending.is_err(), "request 1 is still in flight");
        assert_eq!(
            answer_id(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n"),
            Some(json!(1))
        );
        assert_eq!(
            answer_id(b"{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"elicitation/create\"}"),
            None,
            "a request from the server is not an answer"
        );
        f.end(&json!(1));
        tokio::time::timeout(Duration::from_millis(50), f.settled(DRAIN))
            .await
            .expect("nothing is in flight");
    }

    #[tokio::test]
    async fn json_passes_and_other_lines_get_a_parse_error() {
        let (mut client_in, server_in) = tokio::io::duplex(4096);
        let (server_out, mut client_out) = tokio::io::duplex(4096);
        let (mut rmcp_reads, mut rmcp_writes, _writer) = guarded(server_in, server_out);

        client_in
            .write_all(
                b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\nnot json\n\n  \n[1,2]\n",
            )
            .await
            .unwrap();
        drop(client_in);
        let expected = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n[1,2]\n";
        let mut passed = vec![0; expected.len()];
        rmcp_reads.read_exact(&mut passed).await.unwrap();
        assert_eq!(String::from_utf8(passed).unwrap(), expected);

        // rmcp's input stays open until the request it was handed is answered.
        rmcp_writes
            .write_all(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n")
            .await
            .unwrap();
        let mut rest = String::new();
        tokio::time::timeout(
            std::time::Duration::from_secs(5),
            rmcp_reads.read_to_string(&mut rest),
        )
        .await
        .expect("rmcp's input closes once the request is answered")
        .unwrap();
        assert_eq!(rest, "");
        drop(rmcp_writes);
        let mut out = String::new();
        client_out.read_to_string(&mut out).await.unwrap();
        let lines: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2, "{out}");
        let parse_errors: Vec<_> = lines
            .iter()
            .filter(|l| l["error"]["code"] == -32700)
            .collect();
        assert_eq!(parse_errors.len(), 1, "{out}");
        assert_eq!(parse_errors[0]["id"], serde_json::Value::Null);
        assert!(
            lines
                .iter()
                .any(|l| l["id"] == 1 && l["result"].is_object()),
            "{out}"
        );
    }
}
