//! Chats: messages by cursor, and a send that reaches the applicant once — repeated
//! with the same idempotency key only where the answer may have been lost. Requests
//! are checked against hh.ru's own description where it is beside the checkout.

mod common;
mod official;

use std::time::Duration;

use common::*;
use hh_api::{ChatContent, ChatFile, ChatListQuery, Error, IdempotencyKey, types};
use httpmock::MockServer;
use serde_json::{Value, json};

fn text(t: &str) -> ChatContent {
    ChatContent::Text {
        text: t.into(),
        automated: true,
    }
}

fn conflict() -> Reply {
    Reply::json(
        409,
        json!({"request_id": "r1", "errors": [{"type": "conflict", "reason": "already_exists"}]}),
    )
}

fn chat_message(id: &str, at: &str) -> Value {
    json!({
        "id": id,
        "type": "SIMPLE",
        "creation_time": at,
        "last_change_time": null,
        "can_edit": false,
        "viewed_by_opponent": true,
        "sender_participant_id": "p1",
        "sender_display_info": {"name": "Анна", "is_current_participant": false, "icon": null, "role": "APPLICANT"},
        "payload": {"text": format!("сообщение {id}"), "attachments": null},
    })
}

fn chat_window(ids: &[&str], has_more: bool) -> Value {
    let messages: Vec<Value> = ids
        .iter()
        .map(|id| {
            let n: u32 = id.parse().unwrap();
            chat_message(
                id,
                &format!("2026-11-30T10:{:02}:{:02}+0300", n / 60, n % 60),
            )
        })
        .collect();
    json!({
        "id": "501",
        "type": "NEGOTIATION",
        "display": {"title": "Разработчик", "icon": null},
        "creation_time": "2026-11-30T09:00:00+0300",
        "unread_message_count": 2,
        "muted": false,
        "block_reason": null,
        "has_more": has_more,
        "messages": messages,
        "chat_states": {"write_message_state": {"allowed": true, "reason": null}, "send_file_state": {"allowed": true}},
    })
}

#[tokio::test]
async fn a_send_whose_answer_is_lost_goes_again_with_the_same_key_and_counts_once() {
    let server = MockServer::start_async().await;
    // hh keeps answering 503: each attempt may or may not have been applied.
    let (_m, log) = serve_fixed(
        &server,
        Reply::json(503, json!({"errors": [{"type": "unavailable"}]})),
    )
    .await;
    let key = IdempotencyKey::random();
    let err = client(&server)
        .send_chat_message("501", &key, &text("Добрый день!"))
        .await
        .unwrap_err();
    let sent = seen(&log);
    assert_eq!(
        sent.len(),
        3,
        "the retry budget (3 attempts) is used: {sent:#?}"
    );
    for s in &sent {
        assert_eq!(s.method, "POST");
        assert_eq!(s.path, "/common/chats/501/messages");
        let body: Value = serde_json::from_str(&s.body).unwrap();
        assert_eq!(
            body["idempotency_key"],
            key.as_str(),
            "the same key every time"
        );
        assert_eq!(body["text"], "Добрый день!");
        assert_eq!(body["is_automated"], true);
        assert!(s.header("content-type").starts_with("application/json"));
    }
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));

    // A lost answer, then hh recognises the key: sent once, reported as sent.
    let server = MockServer::start_async().await;
    let calls = std::sync::atomic::AtomicU32::new(0);
    let (_m, log) = serve(&server, move |_| {
        match calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
            0 => Reply::json(502, json!({})),
            _ => conflict(),
        }
    })
    .await;
    let sent = client(&server)
        .send_chat_message("501", &key, &text("Добрый день!"))
        .await
        .unwrap();
    assert_eq!(seen(&log).len(), 2);
    assert!(sent.already_sent && sent.attempts == 2, "{sent:?}");
}

#[tokio::test]
async fn a_timed_out_send_is_repeated_with_its_key() {
    let server = MockServer::start_async().await;
    let slow = server
        .mock_async(|when, then| {
            when.method("POST").path("/common/chats/7/messages");
            then.status(201)
                .header("content-type", "application/json")
                .body(r#"{"id": "9001"}"#)
                .delay(Duration::from_millis(1500));
        })
        .await;
    let hh = builder(&server)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let key = IdempotencyKey::random();
    let err = hh
        .send_chat_message("7", &key, &text("Здравствуйте"))
        .await
        .unwrap_err();
    assert_eq!(
        err.transport_kind(),
        Some(hh_api::TransportKind::Timeout),
        "{err}"
    );
    assert!(
        err.may_have_reached_hh(),
        "a timed-out send may have arrived"
    );
    assert_eq!(
        slow.calls_async().await,
        3,
        "repeated while the policy allows"
    );
}

#[tokio::test]
async fn sent_and_already_sent_are_told_apart() {
    let server = MockServer::start_async().await;
    let (_m, log) = serve_fixed(&server, Reply::json(201, json!({"id": "9001"}))).await;
    let sent = client(&server)
        .send_chat_message("501", &IdempotencyKey::random(), &text("Привет"))
        .await
        .unwrap();
    assert_eq!(sent.message_id.as_deref(), Some("9001"));
    assert!(!sent.already_sent && sent.attempts == 1);
    assert_eq!(seen(&log).len(), 1);

    let server = MockServer::start_async().await;
    let (_m, log) = serve_fixed(&server, conflict()).await;
    let sent = client(&server)
        .send_chat_message("501", &IdempotencyKey::random(), &text("Привет"))
        .await
        .unwrap();
    assert!(sent.already_sent && sent.message_id.is_none() && sent.attempts == 1);
    assert_eq!(seen(&log).len(), 1, "a 409 is an answer: not repeated");

    // A 2xx whose body is not the documented one still means sent.
    let server = MockServer::start_async().await;
    let (_m, _log) = serve_fixed(&server, Reply::text(201, "text/html", "<p>ok</p>")).await;
    let sent = client(&server)
        .send_chat_message("501", &IdempotencyKey::random(), &text("Привет"))
        .await
        .unwrap();
    assert!(!sent.already_sent && sent.message_id.is_none());
}

#[tokio::test]
async fn refusals_are_not_repeated() {
    for reply in [
        Reply::json(
            403,
            json!({"errors": [{"type": "forbidden", "reason": "chat_blocked"}]}),
        ),
        Reply::json(
            400,
            json!({"errors": [{"type": "bad_argument", "reason": "spam_detected"}]}),
        ),
        Reply::json(404, json!({"errors": [{"type": "not_found"}]})),
    ] {
        let server = MockServer::start_async().await;
        let status = reply.status;
        let (_m, log) = serve_fixed(&server, reply).await;
        let err = client(&server)
            .send_chat_message("501", &IdempotencyKey::random(), &text("Привет"))
            .await
            .unwrap_err();
        assert_eq!(err.status().unwrap().as_u16(), status);
        assert_eq!(seen(&log).len(), 1, "{status} is not repeated");
    }
}

#[tokio::test]
async fn bad_messages_are_refused_before_anything_is_sent() {
    let server = MockServer::start_async().await;
    let (_m, log) = serve_fixed(&server, Reply::json(201, json!({"id": "1"}))).await;
    let hh = client(&server);
    for bad in ["", "  \n", &"я".repeat(20_001)] {
        let e = hh
            .send_chat_message("501", &IdempotencyKey::random(), &text(bad))
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Invalid(_)), "{e}");
    }
    assert!(
        hh.chat_messages("501", None, 0, types::ListChatMessagesOrder::Prev)
            .await
            .is_err()
    );
    assert!(
        hh.chat_messages("501", None, 51, types::ListChatMessagesOrder::Prev)
            .await
            .is_err()
    );
    let q = ChatListQuery {
        per_page: Some(21),
        ..Default::default()
    };
    assert!(
        hh.chats(&q)
            .await
            .unwrap_err()
            .to_string()
            .contains("per_page")
    );
    let q = ChatListQuery {
        page: 51,
        ..Default::default()
    };
    assert!(hh.chats(&q).await.is_err());
    assert!(seen(&log).is_empty(), "nothing reached hh");
}

#[tokio::test]
async fn the_latest_messages_and_paging_back() {
    let server = MockServer::start_async().await;
    let (_m, log) = serve(&server, |seen| match seen.query_param("start_message_id") {
        None => Reply::json(200, chat_window(&["118", "119", "120"], true)),
        // hh includes the start message.
        Some(_) => Reply::json(200, chat_window(&["115", "116", "117", "118"], true)),
    })
    .await;
    let hh = client(&server);
    let latest = hh.latest_messages("501", 3).await.unwrap();
    let ids: Vec<&str> = latest.messages.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["120", "119", "118"], "newest first");
    let older = hh.messages_before("501", "118", 3).await.unwrap();
    let ids: Vec<&str> = older.messages.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["117", "116", "115"], "the start message is dropped");
    let requests = seen(&log);
    assert_eq!(requests[0].query_param("order").as_deref(), Some("prev"));
    assert_eq!(requests[0].query_param("limit").as_deref(), Some("3"));
    assert_eq!(
        requests[1].query_param("start_message_id").as_deref(),
        Some("118")
    );
    assert_eq!(
        requests[1].query_param("limit").as_deref(),
        Some("4"),
        "one more for the repeat"
    );
    for r in &requests {
        conformance::assert_request_matches_hh(&r.method, &r.path, r.query.as_deref());
    }
}

#[tokio::test]
async fn chat_requests_match_hh_s_description() {
    let server = MockServer::start_async().await;
    let (_m, log) = serve(&server, |seen| {
        match (seen.method.as_str(), seen.path.as_str()) {
            ("GET", "/common/chats") => Reply::json(
                200,
                json!({"items": [], "found": 0, "page": 0, "pages": 0, "per_page": 20}),
            ),
            ("GET", "/common/chats/counters/unread") => {
                Reply::json(200, json!({"unread_chats_count": "3"}))
            }
            ("POST", _) => Reply::json(201, json!({"id": "1"})),
            _ => Reply::empty(204),
        }
    })
    .await;
    let hh = client(&server);
    let q = ChatListQuery {
        page: 2,
        per_page: Some(20),
        unread_only: true,
        with_text_only: true,
    };
    hh.chats(&q).await.unwrap();
    assert_eq!(hh.unread_chats().await.unwrap(), 3);
    hh.mark_chat_read("501", "120").await.unwrap();
    hh.set_applicant_may_write("501", false).await.unwrap();
    hh.edit_chat_message("501", "120", "исправлено")
        .await
        .unwrap();
    hh.delete_chat_message("501", "120").await.unwrap();
    hh.add_chat_participant("501", "m-2").await.unwrap();
    let key = IdempotencyKey::random();
    hh.send_chat_message("501", &key, &text("Привет"))
        .await
        .unwrap();
    let all = seen(&log);
    let lines: Vec<String> = all
        .iter()
        .map(|s| format!("{} {}", s.method, s.path))
        .collect();
    assert_eq!(
        lines,
        [
            "GET /common/chats",
            "GET /common/chats/counters/unread",
            "PUT /common/chats/501/message/120/read",
            "PUT /common/chats/501/write_possibility",
            "PUT /common/chats/501/messages/120",
            "DELETE /common/chats/501/messages/120",
            "PUT /common/chats/501/participants",
            "POST /common/chats/501/messages",
        ]
    );
    assert_eq!(
        all[0].query.as_deref(),
        Some("filter_has_text_message=true&filter_unread=true&page=2&per_page=20")
    );
    assert_eq!(
        all[3].query.as_deref(),
        Some("applicant_write_possibility=false")
    );
    for r in &all {
        r.assert_hh_headers(None);
        conformance::assert_request_matches_hh(&r.method, &r.path, r.query.as_deref());
    }
    conformance::assert_body_fits_hh_schema(&all[7].body, "ChatsCommonMessagePostText");
    conformance::assert_body_fits_hh_schema(&all[4].body, "ChatsCommonMessagePut");
    conformance::assert_body_fits_hh_schema(&all[6].body, "ChatsCommonParticipantManager");
}

#[tokio::test]
async fn the_token_goes_to_the_upload_link_hh_returned_and_no_other_foreign_host() {
    let api = MockServer::start_async().await;
    let files = MockServer::start_async().await;
    let elsewhere = MockServer::start_async().await;
    let (_e, elsewhere_log) =
        serve_fixed(&elsewhere, Reply::json(200, json!({"upload_id": "x"}))).await;
    // The file host answers a redirect to yet another host: the token must not follow.
    let redirect_to = format!("{}/steal", elsewhere.base_url());
    let (_f, files_log) = serve(&files, move |seen| {
        if seen.path == "/upload/abc" {
            Reply::json(200, json!({"upload_id": "up-1"}))
        } else {
            Reply::empty(307).with_header("location", &redirect_to)
        }
    })
    .await;
    let link = format!("{}/upload/abc", files.base_url());
    let redirecting_link = format!("{}/upload/redirect", files.base_url());
    let links = std::sync::Mutex::new(vec![
        redirecting_link,
        link.clone(),
        "ftp://files.example/x".to_string(),
    ]);
    let (_a, api_log) = serve(&api, move |seen| match seen.path.as_str() {
        "/common/chats/files/conditions" => Reply::json(
            200,
            json!({"files_upload": {"max_size": 1000, "mime_type": ["application/pdf"], "type": ["pdf"]}}),
        ),
        "/common/chats/files/upload_links" => {
            let next = links.lock().unwrap().pop().unwrap();
            Reply::json(200, json!({"upload_url": next, "expires_at": "2026-12-01T12:00:00+0300"}))
        }
        _ => Reply::empty(404),
    })
    .await;
    let hh = client(&api);
    let file = || ChatFile {
        name: "offer.pdf".into(),
        content_type: "application/pdf".into(),
        bytes: b"%PDF-1.4 offer".to_vec(),
    };
    // A link that is neither https nor the API's own scheme is refused before sending.
    let e = hh.upload_chat_file(file()).await.unwrap_err();
    assert!(e.to_string().contains("refusing to upload"), "{e}");
    // The link hh returned gets the file and the token.
    assert_eq!(hh.upload_chat_file(file()).await.unwrap(), "up-1");
    let uploads = seen(&files_log);
    assert_eq!(uploads.len(), 1);
    assert_eq!(
        uploads[0].header("authorization"),
        format!("Bearer {TOKEN}")
    );
    assert!(
        uploads[0]
            .header("content-type")
            .starts_with("multipart/form-data")
    );
    assert!(
        uploads[0].body.contains("name=\"file\"") && uploads[0].body.contains("%PDF-1.4 offer")
    );
    // A redirect from the file host reaches another host without the token.
    let _ = hh.upload_chat_file(file()).await;
    for s in seen(&elsewhere_log) {
        assert!(
            s.all("authorization").is_empty(),
            "the token followed a redirect: {s:#?}"
        );
    }
    // Files the conditions rule out never leave.
    let mut big = file();
    big.bytes = vec![b'x'; 1001];
    assert!(
        hh.upload_chat_file(big)
            .await
            .unwrap_err()
            .to_string()
            .contains("at most 1000")
    );
    let mut png = file();
    png.content_type = "image/png".into();
    assert!(
        hh.upload_chat_file(png)
            .await
            .unwrap_err()
            .to_string()
            .contains("image/png")
    );
    assert_eq!(
        seen(&files_log).len(),
        2,
        "only the two links hh returned were used"
    );
    assert!(
        seen(&api_log)
            .iter()
            .all(|s| s.path.starts_with("/common/chats/files/"))
    );
}

#[test]
fn the_check_against_hh_s_description_can_fail() {
    if official::official().is_none() {
        return;
    }
    let fails = |f: fn()| std::panic::catch_unwind(f).is_err();
    assert!(fails(|| conformance::assert_request_matches_hh(
        "GET",
        "/common/chats",
        Some("pages=1")
    )));
    assert!(fails(|| conformance::assert_request_matches_hh(
        "GET",
        "/common/chats",
        Some("per_page=21")
    )));
    assert!(fails(|| conformance::assert_request_matches_hh(
        "POST",
        "/negotiations/1/messages",
        None
    )));
    assert!(fails(|| conformance::assert_request_matches_hh(
        "PUT",
        "/common/chats/1/write_possibility",
        None
    )));
    assert!(fails(|| conformance::assert_body_fits_hh_schema(
        r#"{"text": "hi", "key": "x"}"#,
        "ChatsCommonMessagePostText"
    )));
    conformance::assert_request_matches_hh("GET", "/common/chats", Some("per_page=20"));
}

/// Requests held to hh.ru's description (read by the shared `official` reader).
mod conformance {
    use super::official;
    use serde_json::Value;

    /// hh's operation for a concrete path: templates match segment by segment.
    fn operation<'a>(doc: &'a Value, method: &str, path: &str) -> Option<&'a Value> {
        let segs: Vec<&str> = path.split('/').collect();
        doc["paths"]
            .as_object()?
            .iter()
            .find_map(|(template, item)| {
                let t: Vec<&str> = template.split('/').collect();
                let fits = t.len() == segs.len()
                    && t.iter()
                        .zip(&segs)
                        .all(|(a, b)| a.starts_with('{') || a == b);
                fits.then(|| item.get(method.to_ascii_lowercase()))?
            })
    }

    pub fn assert_request_matches_hh(method: &str, path: &str, query: Option<&str>) {
        let Some(doc) = official::official() else {
            return;
        };
        let op = operation(doc, method, path)
            .unwrap_or_else(|| panic!("hh.ru describes no {method} {path}"));
        let text = serde_json::to_string(op).unwrap();
        assert!(
            !text.contains("более не поддерживаются"),
            "{method} {path} is retired by hh.ru"
        );
        let params: Vec<&Value> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| official::resolve(doc, p))
            .collect();
        for (name, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            let p = params
                .iter()
                .find(|p| p["name"] == *name && p["in"] == "query")
                .unwrap_or_else(|| {
                    panic!("{method} {path}: hh.ru has no query parameter `{name}`")
                });
            let schema = &p["schema"];
            if let Some(max) = schema["maximum"].as_i64() {
                let v: i64 = value.parse().unwrap();
                let min = schema["minimum"].as_i64().unwrap_or(i64::MIN);
                assert!(v <= max && v >= min, "{name}={v} outside hh's limits");
            }
            if let Some(options) = schema["enum"].as_array() {
                assert!(
                    options.iter().any(|o| o == &*value),
                    "{name}={value} not among {options:?}"
                );
            }
        }
        for p in &params {
            if p["required"] == true && p["in"] == "query" {
                let name = p["name"].as_str().unwrap();
                assert!(
                    query.unwrap_or("").contains(&format!("{name}=")),
                    "{method} {path}: `{name}` is required"
                );
            }
        }
    }

    /// The JSON body has only the fields hh's schema names, and all it requires.
    pub fn assert_body_fits_hh_schema(body: &str, schema: &str) {
        let Some(doc) = official::official() else {
            return;
        };
        let schema = official::schema(doc, schema);
        let body: Value = serde_json::from_str(body).unwrap();
        let props = schema["properties"].as_object().unwrap();
        for key in body.as_object().unwrap().keys() {
            assert!(props.contains_key(key), "hh's schema has no `{key}`");
        }
        for req in schema["required"].as_array().into_iter().flatten() {
            assert!(
                body.get(req.as_str().unwrap()).is_some(),
                "hh requires `{req}`"
            );
        }
        if let Some(pattern) = props
            .get("idempotency_key")
            .and_then(|p| p["pattern"].as_str())
        {
            assert!(pattern.contains("[0-9a-fA-F]{8}"));
            hh_api::IdempotencyKey::parse(body["idempotency_key"].as_str().unwrap()).unwrap();
        }
    }
}
