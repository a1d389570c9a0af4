//! hh.ru's bad days, end to end: the built `hh-mcp` binary against the sandbox (or a broken
//! listener), driven by rmcp's client, with faults switched on between and during calls.
//!
//! In every case: the call gets exactly one answer (the right result, or one clear tool
//! error), the server keeps serving the next call, and nothing that changes hh.ru is sent
//! twice (reads may be repeated; writes never are).

mod support_faults;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use hh_sandbox::Faults;
use serde_json::json;
use support_faults::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn state_of(v: &serde_json::Value) -> String {
    v["employer_state"]["id"].as_str().unwrap_or("").to_string()
}

/// A 429 on a read: the server waits the `Retry-After` and repeats it; the call succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limited_reads_wait_for_retry_after_and_succeed() {
    let hh = Hh::start().await;
    let server = Server::on(&hh, &[]).await;
    let path = format!("/negotiations/{}", hh.fresh);

    hh.faults(Faults {
        rate_429: 1.0,
        retry_after_secs: 1,
        ..Faults::default()
    });
    let (got, ()) = tokio::join!(
        server.call("get_negotiation", json!({"negotiation_id": hh.fresh})),
        async {
            // The first attempt was refused; hh is fine again before the wait is over.
            hh.wait_for("GET", &path, 429, 1).await;
            hh.clear_faults();
        }
    );
    assert_eq!(got.ok()["id"], hh.fresh.as_str());
    assert_eq!(hh.to("GET", &path), [429, 200], "{:?}", hh.lines());
    assert!(
        got.took >= Duration::from_millis(950),
        "Retry-After: 1 was honoured, took {:?}",
        got.took
    );

    // Rate-limited on every attempt: a clear error once the retries are used up.
    hh.forget();
    hh.faults(Faults {
        rate_429: 1.0,
        retry_after_secs: 1,
        ..Faults::default()
    });
    let got = server
        .call("get_negotiation", json!({"negotiation_id": hh.fresh}))
        .await;
    let text = got.error();
    assert!(text.contains("429"), "{text}");
    assert!(text.contains("slow down"), "{text}");
    let attempts = hh.to("GET", &path);
    assert!(
        (2..=4).contains(&attempts.len()) && attempts.iter().all(|s| *s == 429),
        "{attempts:?}"
    );

    hh.clear_faults();
    let again = server
        .call("get_negotiation", json!({"negotiation_id": hh.fresh}))
        .await;
    assert_eq!(again.ok()["id"], hh.fresh.as_str());
    assert!(hh.writes().is_empty(), "{:?}", hh.writes());
    server.assert_serving().await;
    server.stop().await;
}

/// A 429 on an action (PUT) and on mark_read (POST): sent once, not repeated, and reported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limited_actions_are_sent_once_and_reported() {
    let hh = Hh::start().await;
    let server = Server::on(&hh, &[]).await;
    let put = format!("/negotiations/consider/{}", hh.fresh);

    // The plan's read goes through (slowly); the action itself meets the 429.
    hh.faults(Faults {
        latency: Duration::from_millis(300),
        ..Faults::default()
    });
    let base = hh.sandbox.request_count();
    let (got, ()) = tokio::join!(
        server.call(
            "change_negotiation_state",
            json!({"negotiation_id": hh.fresh, "action": "consider"})
        ),
        hh.switch_when_arrived(
            base + 1,
            Faults {
                rate_429: 1.0,
                retry_after_secs: 1,
                ..Faults::default()
            }
        )
    );
    let text = got.error();
    assert!(text.contains("429"), "{text}");
    assert_eq!(hh.to("PUT", &put), [429], "sent once: {:?}", hh.lines());

    hh.forget();
    let got = server
        .call("mark_read", json!({"negotiation_ids": [hh.fresh]}))
        .await;
    assert!(got.error().contains("429"), "{}", got.text());
    assert_eq!(
        hh.writes(),
        ["POST /negotiations/read -> 429"],
        "sent once: {:?}",
        hh.lines()
    );
    // Wait out the Retry-After before asking again, as the error says.
    tokio::time::sleep(Duration::from_millis(1100)).await;

    hh.clear_faults();
    hh.forget();
    let n = server
        .call("get_negotiation", json!({"negotiation_id": hh.fresh}))
        .await;
    assert_eq!(
        state_of(n.ok()),
        "response",
        "the refused action was not applied"
    );
    let done = server
        .call(
            "change_negotiation_state",
            json!({"negotiation_id": hh.fresh, "action": "consider"}),
        )
        .await;
    assert_eq!(done.ok()["status"], "done", "{}", done.text());
    assert_eq!(hh.writes(), [format!("PUT {put} -> 204")]);
    server.assert_serving().await;
    server.stop().await;
}

/// A burst of 503s (hh's JSON one, then a proxy's HTML page) on a read: ridden out by
/// the read's retries. Unavailable for longer: a clear error after a bounded time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unavailable_bursts_are_ridden_out_by_reads() {
    let hh = Hh::start().await;
    let server = Server::on(&hh, &[]).await;
    let path = format!("/negotiations/{}", hh.fresh);

    hh.faults(Faults {
        rate_503: 1.0,
        ..Faults::default()
    });
    let (got, ()) = tokio::join!(
        server.call("get_negotiation", json!({"negotiation_id": hh.fresh})),
        async {
            hh.wait_for("GET", &path, 503, 2).await;
            hh.clear_faults();
        }
    );
    assert_eq!(got.ok()["id"], hh.fresh.as_str());
    assert_eq!(hh.to("GET", &path), [503, 503, 200], "{:?}", hh.lines());
    let kinds: Vec<Option<String>> = hh
        .exchanges()
        .iter()
        .filter(|e| e.status == 503)
        .map(|e| e.content_type.clone())
        .collect();
    assert!(
        kinds.iter().any(|k| k.as_deref() == Some("text/html")),
        "one of them was a proxy's HTML page: {kinds:?}"
    );

    hh.forget();
    hh.faults(Faults {
        rate_503: 1.0,
        ..Faults::default()
    });
    let got = server
        .call("list_collections", json!({"vacancy_id": hh.vacancy_id}))
        .await;
    let text = got.error();
    assert!(text.contains("unavailable"), "{text}");
    assert!(got.took < Duration::from_secs(10), "{:?}", got.took);
    let attempts = hh.to("GET", "/negotiations");
    assert_eq!(attempts, [503, 503, 503, 503], "{:?}", hh.lines());

    hh.clear_faults();
    let again = server
        .call("list_collections", json!({"vacancy_id": hh.vacancy_id}))
        .await;
    assert_eq!(again.ok()["vacancy_id"], hh.vacancy_id.as_str());
    assert!(hh.writes().is_empty());
    server.assert_serving().await;
    server.stop().await;
}

/// A 503 on a message (POST) and an action (PUT). The action is sent once and the error
/// says the outcome is unknown and how to check. The message, the one write with an
/// idempotency key, is repeated with that key only, and the error says a repeat is safe.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unavailable_actions_are_sent_once_and_reported() {
    let hh = Hh::start().await;
    let server = Server::on(&hh, &[]).await;
    let chat = hh.sandbox.chat_id_of(&hh.invited).expect("a chat");
    let post = format!("/common/chats/{chat}/messages");
    let put = format!("/negotiations/consider/{}", hh.fresh);
    let unavailable = Faults {
        rate_503: 1.0,
        ..Faults::default()
    };
    let slow = Faults {
        latency: Duration::from_millis(300),
        ..Faults::default()
    };

    hh.faults(slow.clone());
    let base = hh.sandbox.request_count();
    let (got, ()) = tokio::join!(
        server.call(
            "send_message",
            json!({"negotiation_id": hh.invited, "message": "Добрый день! Когда вам удобно созвониться?"})
        ),
        // After the plan's two reads (the negotiation, its chat's state).
        hh.switch_when_arrived(base + 2, unavailable.clone())
    );
    let text = got.error();
    assert!(text.contains("may or may not have reached hh.ru"), "{text}");
    assert!(text.contains("same idempotency key"), "{text}");
    let sends = hh.to("POST", &post);
    assert!(
        sends.len() >= 2 && sends.iter().all(|s| *s == 503),
        "{sends:?}"
    );
    let keys: std::collections::BTreeSet<String> = hh
        .exchanges()
        .iter()
        .filter(|e| e.method == "POST" && e.path == post)
        .map(|e| {
            let body: serde_json::Value = serde_json::from_slice(&e.request_body).unwrap();
            body["idempotency_key"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(keys.len(), 1, "every attempt carries the same key");

    hh.faults(slow);
    let base = hh.sandbox.request_count();
    let (got, ()) = tokio::join!(
        server.call(
            "change_negotiation_state",
            json!({"negotiation_id": hh.fresh, "action": "consider"})
        ),
        hh.switch_when_arrived(base + 1, unavailable)
    );
    let text = got.error();
    assert!(text.contains("may or may not have been applied"), "{text}");
    assert!(text.contains("get_negotiation"), "{text}");
    assert_eq!(hh.to("PUT", &put), [503], "sent once: {:?}", hh.lines());
    assert_eq!(hh.writes().len(), sends.len() + 1, "{:?}", hh.writes());

    hh.clear_faults();
    let n = server
        .call("get_negotiation", json!({"negotiation_id": hh.fresh}))
        .await;
    assert_eq!(state_of(n.ok()), "response");
    server.assert_serving().await;
    server.stop().await;
}

/// hh slower than HH_API_TIMEOUT_SECS: the call ends at the timeout with an error that
/// says so; a write that timed out is not called "not sent"; neither is repeated; the next
/// call is fine. (The sandbox drops a request whose client went away during its latency,
/// so nothing is recorded for these: they are counted on arrival.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_upstream_times_out_with_a_clear_error() {
    let hh = Hh::start().await;
    let server = Server::on(&hh, &[("HH_API_TIMEOUT_SECS", "1")]).await;

    hh.faults(Faults {
        latency: Duration::from_secs(2),
        ..Faults::default()
    });
    let before = hh.sandbox.request_count();
    let got = server
        .call("get_negotiation", json!({"negotiation_id": hh.fresh}))
        .await;
    let text = got.error();
    assert!(text.contains("timed out"), "{text}");
    assert!(text.contains("HH_API_TIMEOUT_SECS"), "{text}");
    assert!(
        got.took >= Duration::from_millis(900) && got.took < Duration::from_millis(1900),
        "ended at the 1 s timeout, took {:?}",
        got.took
    );
    server.assert_serving().await;

    // A write that timed out may have been applied: the error must not say otherwise.
    let got = server
        .call("mark_read", json!({"negotiation_ids": [hh.fresh]}))
        .await;
    let text = got.error();
    assert!(text.contains("timed out"), "{text}");
    assert!(!text.contains("Nothing was changed"), "{text}");
    assert!(text.contains("may or may not have been applied"), "{text}");
    // Longer than the sandbox's latency: a repeat would have arrived by now.
    tokio::time::sleep(Duration::from_millis(2200)).await;
    assert_eq!(
        hh.sandbox.request_count() - before,
        2,
        "one GET and one POST, neither repeated"
    );

    hh.clear_faults();
    let again = server
        .call("get_negotiation", json!({"negotiation_id": hh.fresh}))
        .await;
    assert_eq!(again.ok()["id"], hh.fresh.as_str());
    assert!(again.took < Duration::from_secs(1), "{:?}", again.took);
    server.stop().await;
}

/// Bodies cut in half (the sandbox's malformed answers), and broken at the HTTP level by a
/// canned responder: clear errors, one answer each, and a message is not sent twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_truncated_json() {
    let hh = Hh::start().await;
    let server = Server::on(&hh, &[]).await;
    let chat = hh.sandbox.chat_id_of(&hh.invited).expect("a chat");
    let post = format!("/common/chats/{chat}/messages");

    hh.faults(Faults {
        malformed_rate: 1.0,
        ..Faults::default()
    });
    for (tool, args) in [
        ("get_negotiation", json!({"negotiation_id": hh.fresh})),
        ("list_collections", json!({"vacancy_id": hh.vacancy_id})),
        ("list_messages", json!({"negotiation_id": hh.invited})),
        ("get_me", json!({})),
    ] {
        let got = server.call(tool, args).await;
        let text = got.error();
        assert!(text.contains("could not be read"), "{tool}: {text}");
        assert!(text.len() < 2000, "{tool}: a short error: {text}");
    }
    server.assert_serving().await;

    // The message goes out; its 201 answer is cut short: hh has it (a success status), so
    // it is reported as sent and not repeated.
    hh.faults(Faults {
        latency: Duration::from_millis(300),
        ..Faults::default()
    });
    hh.forget();
    let base = hh.sandbox.request_count();
    let (got, ()) = tokio::join!(
        server.call(
            "send_message",
            json!({"negotiation_id": hh.invited, "message": "Спасибо, ждём вас во вторник.", "confirm": true})
        ),
        hh.switch_when_arrived(
            base + 2,
            Faults {
                malformed_rate: 1.0,
                ..Faults::default()
            }
        )
    );
    assert_eq!(got.ok()["status"], "done", "{:?}", got.text());
    assert_eq!(hh.to("POST", &post), [201], "sent once: {:?}", hh.lines());

    hh.clear_faults();
    let msgs = server
        .call("list_messages", json!({"negotiation_id": hh.invited}))
        .await;
    let messages = msgs.ok()["messages"].as_array().unwrap().clone();
    let sent = messages
        .iter()
        .filter(|m| m.to_string().contains("ждём вас во вторник"))
        .count();
    assert_eq!(sent, 1, "the message is there once: {messages:?}");
    server.stop().await;

    // A canned hh: success statuses with bodies that are not what the API describes.
    for (what, response) in [
        (
            "not JSON",
            b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: 15\r\n\r\n<html>oops</ht>".to_vec(),
        ),
        (
            "JSON of the wrong shape",
            b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: 23\r\n\r\n{\"id\": [1, 2], \"x\": {}}".to_vec(),
        ),
        (
            "shorter than its content-length",
            b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: 4000\r\n\r\n{\"id\": \"1\", \"state\":".to_vec(),
        ),
    ] {
        let canned = Canned::start(Reply::Bytes(response)).await;
        let server = Server::start(&canned.base_url(), "tok", &[]).await;
        let got = server
            .call("get_negotiation", json!({"negotiation_id": "5"}))
            .await;
        let text = got.error();
        assert!(
            text.contains("could not be read") || text.contains("could not reach"),
            "{what}: {text}"
        );
        // A body cut short is a broken transfer: the read is asked again, within the
        // retry policy (4 attempts). A complete body of the wrong shape is not.
        let reads = canned.requests();
        if what == "shorter than its content-length" {
            assert_eq!(reads, 4, "{what}: asked again, as often as the policy allows");
        } else {
            assert_eq!(reads, 1, "{what}: asked once");
        }
        // mark_read expects 204; whatever it makes of this answer, it asks once.
        let got = server
            .call("mark_read", json!({"negotiation_ids": ["5"]}))
            .await;
        assert!(!got.text().is_empty(), "{what}");
        assert_eq!(canned.requests(), reads + 1, "{what}: the write was sent once");
        server.assert_serving().await;
        server.stop().await;
    }
}

/// hh's address accepts connections and drops them (reset, or closed before any answer):
/// one clear error per call, reads not hammered, writes sent at most once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_resets() {
    for reply in [Reply::ResetAfterRequest, Reply::CloseAtOnce] {
        let canned = Canned::start(reply.clone()).await;
        let server = Server::start(&canned.base_url(), "tok", &[]).await;

        let got = server
            .call("get_negotiation", json!({"negotiation_id": "5"}))
            .await;
        let text = got.error();
        assert!(text.contains("could not reach hh.ru"), "{reply:?}: {text}");
        assert!(got.took < Duration::from_secs(10), "{:?}", got.took);
        let reads = canned.requests();
        assert!((1..=4).contains(&reads), "{reply:?}: {reads} attempts");

        let before = canned.requests();
        let got = server
            .call("mark_read", json!({"negotiation_ids": ["5"]}))
            .await;
        let text = got.error();
        assert!(text.contains("could not reach hh.ru"), "{reply:?}: {text}");
        assert!(
            canned.requests() - before <= 1,
            "{reply:?}: the write was not repeated ({} connections)",
            canned.requests() - before
        );
        if reply == Reply::ResetAfterRequest {
            assert_eq!(canned.requests() - before, 1);
            // The request reached the other end before the reset: it may have been applied.
            assert!(!text.contains("Nothing was changed"), "{text}");
        }

        // Still serving: the same clear error again, and tools/list.
        let again = server
            .call("list_collections", json!({"vacancy_id": "1"}))
            .await;
        again.error();
        server.assert_serving().await;
        server.stop().await;
    }

    // Nothing listens at all: refused before anything was sent.
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let server = Server::start(&url, "tok", &[]).await;
    let got = server
        .call("mark_read", json!({"negotiation_ids": ["5"]}))
        .await;
    let text = got.error();
    assert!(text.contains("could not reach hh.ru"), "{text}");
    assert!(text.contains("Nothing was changed"), "{text}");
    server.assert_serving().await;
    server.stop().await;
}

/// Actions answered `captcha_required`: the error carries the captcha URL; nothing is
/// repeated; after the captcha the same call goes through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn captcha_required_names_the_captcha_url() {
    let hh = Hh::start().await;
    let server = Server::on(&hh, &[]).await;
    let put = format!("/negotiations/consider/{}", hh.fresh);
    let chat = hh.sandbox.chat_id_of(&hh.invited).expect("a chat");
    let post = format!("/common/chats/{chat}/messages");

    hh.faults(Faults {
        captcha_on_actions: true,
        ..Faults::default()
    });
    let got = server
        .call(
            "change_negotiation_state",
            json!({"negotiation_id": hh.fresh, "action": "consider"}),
        )
        .await;
    let text = got.error();
    assert!(
        text.contains("https://hh.ru/account/captcha?state="),
        "{text}"
    );
    assert_eq!(hh.to("PUT", &put), [403]);
    let got = server
        .call(
            "send_message",
            json!({"negotiation_id": hh.invited, "message": "Здравствуйте!", "confirm": true}),
        )
        .await;
    let text = got.error();
    assert!(
        text.contains("https://hh.ru/account/captcha?state="),
        "{text}"
    );
    assert_eq!(hh.to("POST", &post), [403]);
    // Reads are not behind the captcha.
    let n = server
        .call("get_negotiation", json!({"negotiation_id": hh.fresh}))
        .await;
    assert_eq!(state_of(n.ok()), "response");

    hh.clear_faults();
    let done = server
        .call(
            "change_negotiation_state",
            json!({"negotiation_id": hh.fresh, "action": "consider"}),
        )
        .await;
    assert_eq!(done.ok()["status"], "done");
    assert_eq!(hh.to("PUT", &put), [403, 204]);
    assert_eq!(hh.writes().len(), 3, "{:?}", hh.writes());
    server.assert_serving().await;
    server.stop().await;
}

/// The access token expires mid-run (HH_ACCESS_TOKEN cannot be refreshed): reads and
/// actions get an error that says how to sign in again; no action reaches hh.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_says_how_to_sign_in_again() {
    let hh = Hh::start().await;
    let server = Server::on(&hh, &[]).await;
    let first = server
        .call("get_negotiation", json!({"negotiation_id": hh.fresh}))
        .await;
    assert_eq!(first.ok()["id"], hh.fresh.as_str());

    hh.sandbox.expire_access_token();
    hh.forget();
    for (tool, args) in [
        ("get_negotiation", json!({"negotiation_id": hh.fresh})),
        (
            "change_negotiation_state",
            json!({"negotiation_id": hh.fresh, "action": "consider"}),
        ),
        ("list_vacancies", json!({})),
    ] {
        let got = server.call(tool, args).await;
        let text = got.error();
        assert!(text.contains("expired"), "{tool}: {text}");
        assert!(text.contains("hh-mcp auth login"), "{tool}: {text}");
        assert!(text.contains("HH_ACCESS_TOKEN"), "{tool}: {text}");
        assert!(
            !text.contains(&hh.sandbox.access_token()),
            "{tool}: the token leaked"
        );
    }
    assert!(
        hh.writes().is_empty(),
        "no action was sent: {:?}",
        hh.writes()
    );
    assert!(
        hh.exchanges().iter().all(|e| e.status == 403),
        "{:?}",
        hh.lines()
    );
    server.assert_serving().await;
    server.stop().await;
}

// ---- a canned hh: a TCP listener that answers every connection the same way ------------

#[derive(Debug, Clone, PartialEq, Eq)]
enum Reply {
    /// Write these bytes after the request's head, then close.
    Bytes(Vec<u8>),
    /// Read the request's head, then reset the connection (RST, no answer).
    ResetAfterRequest,
    /// Close the connection as soon as it is accepted.
    CloseAtOnce,
}

struct Canned {
    addr: std::net::SocketAddr,
    reply: Reply,
    /// Connections accepted, and request heads read.
    connections: Arc<AtomicUsize>,
    heads: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Canned {
    async fn start(reply: Reply) -> Canned {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let heads = Arc::new(AtomicUsize::new(0));
        let count = connections.clone();
        let heads_seen = heads.clone();
        let answer = reply.clone();
        let task = tokio::spawn(async move {
            let reply = answer;
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                count.fetch_add(1, Ordering::SeqCst);
                let reply = reply.clone();
                let heads_seen = heads_seen.clone();
                tokio::spawn(async move {
                    if reply == Reply::CloseAtOnce {
                        let _ = stream.set_zero_linger();
                        drop(stream);
                        return;
                    }
                    let mut head = Vec::new();
                    let mut buf = [0u8; 4096];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    heads_seen.fetch_add(1, Ordering::SeqCst);
                    match reply {
                        Reply::Bytes(bytes) => {
                            let _ = stream.write_all(&bytes).await;
                            let _ = stream.shutdown().await;
                        }
                        _ => {
                            let _ = stream.set_zero_linger();
                            drop(stream);
                        }
                    }
                });
            }
        });
        Canned {
            addr,
            reply,
            connections,
            heads,
            task,
        }
    }

    fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Requests received so far: heads read or, when connections are closed at once,
    /// connections accepted (every answer closes its connection, so none is reused).
    fn requests(&self) -> usize {
        match self.reply {
            Reply::CloseAtOnce => self.connections.load(Ordering::SeqCst),
            _ => self.heads.load(Ordering::SeqCst),
        }
    }
}

impl Drop for Canned {
    fn drop(&mut self) {
        self.task.abort();
    }
}
