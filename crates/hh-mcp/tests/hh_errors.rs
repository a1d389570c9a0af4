//! hh's failures become tool errors in plain words with what to do next; writes are never
//! repeated; and the access token appears nowhere: not in results, errors, or stderr.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use serde_json::{Value, json};

fn is(r: &Seen, method: &str, path: &str) -> bool {
    r.method == method && r.path == path
}

#[tokio::test]
async fn an_expired_token_says_how_to_sign_in_again() {
    let hh = FakeHh::start_with(|r| {
        is(r, "GET", "/me")
            .then(|| Reply::hh_error(403, json!([{"type": "oauth", "value": "token_expired"}])))
    })
    .await;
    let mcp = Mcp::start(&hh).await;

    let err = tool_error(&mcp.call("get_me", json!({})).await);

    assert_contains(
        &err,
        &[
            "403",
            "oauth/token_expired",
            "rq-e2e-1",
            "expired",
            "hh-mcp auth login",
            "HH_ACCESS_TOKEN",
        ],
    );
    // A 403 is not a temporary failure: asked once.
    assert_eq!(hh.count("GET", "/me"), 1, "{:?}", hh.lines());
    // The employer id is not cached from a failure: the next call asks /me again.
    let err = tool_error(&mcp.call("list_vacancies", json!({})).await);
    assert_contains(&err, &["token_expired"]);
    assert_eq!(hh.count("GET", "/me"), 2, "{:?}", hh.lines());
    mcp.stop().await;
}

#[tokio::test]
async fn a_captcha_gives_the_captcha_url_and_sends_once() {
    const CAPTCHA: &str = "https://hh.ru/account/captcha?state=e2e-captcha-state";
    let hh = FakeHh::start_with(|r| {
        is(r, "POST", "/common/chats/9005/messages").then(|| {
            Reply::hh_error(
                403,
                json!([{"type": "captcha_required", "value": "captcha_required",
                        "captcha_url": CAPTCHA}]),
            )
        })
    })
    .await;
    let mcp = Mcp::start(&hh).await;

    let err = tool_error(
        &mcp.call(
            "send_message",
            json!({"negotiation_id": "5", "message": "hi", "confirm": true}),
        )
        .await,
    );

    assert_contains(&err, &[CAPTCHA, "captcha", "Nothing was sent"]);
    assert_eq!(
        hh.count("POST", "/common/chats/9005/messages"),
        1,
        "{:?}",
        hh.lines()
    );
    mcp.stop().await;
}

#[tokio::test]
async fn not_found_is_said_plainly() {
    let hh = FakeHh::start().await;
    let mcp = Mcp::start(&hh).await;

    let err = tool_error(
        &mcp.call("get_negotiation", json!({"negotiation_id": "404"}))
            .await,
    );
    assert_contains(&err, &["404", "hh.ru has no such object", "Check the id"]);

    let err = tool_error(
        &mcp.call("list_collections", json!({"vacancy_id": "31337"}))
            .await,
    );
    assert_contains(&err, &["no such object"]);
    // Nothing repeated.
    assert_eq!(hh.requests().len(), 2, "{:?}", hh.lines());
    mcp.stop().await;
}

#[tokio::test]
async fn a_503_on_a_write_is_not_repeated_but_a_read_is() {
    let reads = Arc::new(AtomicUsize::new(0));
    let seen_reads = reads.clone();
    let hh = FakeHh::start_with(move |r| {
        let unavailable = || {
            Some(Reply {
                headers: vec![
                    ("content-type".into(), "text/html".into()),
                    ("retry-after".into(), "0".into()),
                ],
                ..Reply::json(503, json!(null))
            })
        };
        match (r.method.as_str(), r.path.as_str()) {
            ("POST", "/common/chats/9005/messages") | ("PUT", "/negotiations/hold/5") => {
                unavailable()
            }
            // The first two reads of the negotiation fail, then it answers.
            ("GET", "/negotiations/5") if seen_reads.fetch_add(1, Ordering::SeqCst) < 2 => {
                unavailable()
            }
            _ => None,
        }
    })
    .await;
    let mcp = Mcp::start(&hh).await;

    let err = tool_error(
        &mcp.call(
            "send_message",
            json!({"negotiation_id": "5", "message": "hi", "confirm": true}),
        )
        .await,
    );
    assert_contains(
        &err,
        &[
            "503",
            "may or may not have reached hh.ru",
            "same idempotency key",
        ],
    );
    // The plan's read was repeated until it succeeded. The message, the one write that
    // carries a key, was repeated — always with that key, so hh keeps it once.
    assert_eq!(hh.count("GET", "/negotiations/5"), 3, "{:?}", hh.lines());
    let sends: Vec<Seen> = hh
        .writes()
        .into_iter()
        .filter(|r| r.path == "/common/chats/9005/messages")
        .collect();
    assert!(sends.len() >= 2, "{:?}", hh.lines());
    let keys: std::collections::BTreeSet<String> =
        sends.iter().map(|s| s.assert_chat_message("hi")).collect();
    assert_eq!(keys.len(), 1, "one key for every attempt");

    let err = tool_error(
        &mcp.call(
            "change_negotiation_state",
            json!({"negotiation_id": "5", "action": "hold", "confirm": true}),
        )
        .await,
    );
    assert_contains(&err, &["503"]);
    assert_eq!(
        hh.count("PUT", "/negotiations/hold/5"),
        1,
        "{:?}",
        hh.lines()
    );
    mcp.stop().await;
}

#[tokio::test]
async fn an_unreachable_hh_is_a_tool_error_not_a_crash() {
    // Port 1 (tcpmux): nothing listens there, and no test binds it.
    let closed = "http://127.0.0.1:1";
    let mcp = Mcp::start_at(closed, Opts::default()).await;

    let err = tool_error(&mcp.call("get_me", json!({})).await);
    assert_contains(
        &err,
        &[
            "could not reach hh.ru",
            "Nothing was changed",
            "HH_API_BASE_URL",
        ],
    );
    // Still serving.
    let tools = mcp.client.list_all_tools().await.expect("still serving");
    assert_eq!(tools.len(), 20);
    let stderr = mcp.stop().await;
    assert!(!stderr.contains(TOKEN), "token in stderr:\n{stderr}");
}

/// Every tool, successful and failing, with the most verbose logs: the token appears in no
/// result, no error, and nowhere on stderr.
#[tokio::test]
async fn the_token_never_leaks() {
    let hh = FakeHh::start_with(|r| {
        if is(r, "GET", "/negotiations/777") {
            // A proxy page that (wrongly) echoes the request back.
            return Some(
                Reply {
                    headers: vec![("content-type".into(), "text/plain".into())],
                    ..Reply::json(502, json!(null))
                }
                .with_body(format!("bad gateway for {}", r.header("authorization"))),
            );
        }
        if is(r, "POST", "/negotiations/read") {
            return Some(Reply::hh_error(
                403,
                json!([{"type": "oauth", "value": "bad_authorization"}]),
            ));
        }
        None
    })
    .await;
    let mcp = Mcp::start_opts(
        &hh,
        Opts::default()
            .env("RUST_LOG", "trace")
            .env("HH_MCP_CONFIRM", "never"),
    )
    .await;

    let calls: Vec<(&str, Value)> = vec![
        ("get_me", json!({})),
        ("list_vacancies", json!({"resume_id": "r1"})),
        ("list_collections", json!({"vacancy_id": "1"})),
        (
            "list_negotiations",
            json!({"vacancy_id": "1", "collection": "response", "all_pages": true}),
        ),
        ("get_negotiation", json!({"negotiation_id": "5"})),
        ("get_resume", json!({"negotiation_id": "5"})),
        ("list_messages", json!({"negotiation_id": "5"})),
        ("list_chats", json!({"unread_only": true})),
        (
            "send_message",
            json!({"negotiation_id": "5", "message": "hi"}),
        ),
        (
            "change_negotiation_state",
            json!({"negotiation_id": "5", "action": "hold"}),
        ),
        (
            "invite_applicant",
            json!({"vacancy_id": "1", "resume_id": "r1", "message": "hi"}),
        ),
        ("mark_read", json!({"negotiation_ids": ["5"]})),
        ("search_resumes", json!({"text": "rust"})),
        ("resume_history", json!({"resume_id": "r1"})),
        ("list_comments", json!({"applicant_id": "a1"})),
        (
            "add_comment",
            json!({"applicant_id": "a1", "text": "note", "access_type": "owner"}),
        ),
        ("get_negotiation", json!({"negotiation_id": "777"})),
        ("get_negotiation", json!({"negotiation_id": "404"})),
        ("nope", json!({})),
    ];
    let mut failures = 0;
    for (tool, args) in calls {
        let r = mcp.call(tool, args.clone()).await;
        let wire = serde_json::to_string(&r).unwrap();
        assert!(
            !wire.contains(TOKEN),
            "{tool} {args}: token in the result: {wire}"
        );
        if r.is_error == Some(true) {
            failures += 1;
        }
        if args["negotiation_id"] == "777" {
            // The echoed header is shown, without the token.
            assert_contains(&tool_error(&r), &["bad gateway for Bearer ***"]);
        }
    }
    assert_eq!(
        failures, 4,
        "the 502, the 403, the 404 and the unknown tool fail"
    );
    let stderr = mcp.stop().await;
    assert!(
        stderr.contains("tool call"),
        "stderr was captured (the server logs each call): {stderr}"
    );
    assert!(!stderr.contains(TOKEN), "token in stderr:\n{stderr}");
    // Every request did carry it, so the check above means something.
    hh.assert_all_hh_headers();
}
