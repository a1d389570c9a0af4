//! The stdio transport, with a guard in front of rmcp: a line that is not JSON gets
//! JSON-RPC's Parse error (-32700, id null) instead of silence, so a client that sent a
//! broken request learns why it has no answer. Everything else passes through untouched.
//!
//! One task reads stdin, one writes stdout; rmcp talks to both through in-memory pipes.
//! Only whole lines reach stdout, so the guard's answers never split one of rmcp's.

use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

/// The longest line read (rmcp's own limit is 16 MiB); longer ones are answered -32700.
const MAX_LINE: usize = 16 * 1024 * 1024;

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
    tokio::spawn(read_input(input, to_rmcp, errors_tx));
    let writer = tokio::spawn(write_output(from_rmcp, errors_rx, output));
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

async fn read_input<R: AsyncRead + Unpin>(
    input: R,
    mut to_rmcp: tokio::io::DuplexStream,
    errors: mpsc::Sender<String>,
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
        if to_rmcp.write_all(text).await.is_err() || to_rmcp.write_all(b"\n").await.is_err() {
            break;
        }
    }
    // End of input: rmcp sees its input close and ends the session.
    let _ = to_rmcp.shutdown().await;
}

async fn write_output<W: AsyncWrite + Unpin>(
    from_rmcp: tokio::io::DuplexStream,
    mut errors: mpsc::Receiver<String>,
    mut output: W,
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
        let mut passed = String::new();
        rmcp_reads.read_to_string(&mut passed).await.unwrap();
        assert_eq!(
            passed,
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n[1,2]\n"
        );

        rmcp_writes
            .write_all(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n")
            .await
            .unwrap();
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
