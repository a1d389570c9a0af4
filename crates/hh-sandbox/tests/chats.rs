//! hh.ru's chats in the sandbox: every negotiation's chat, messages by cursor, sending
//! with idempotency keys, write states, read marks and counters, editing, participants,
//! files through the file host, the lost-answer fault, and every answer held to hh.ru's
//! description and to our spec.

mod common;

use common::{Http, start, uuid};
use hh_sandbox::{Faults, LostAnswer, SandboxConfig, WriteBlock};
use serde_json::{Value, json};

fn text_of(message: &Value) -> Option<&str> {
    message["payload"]["text"].as_str()
}

async fn send_text(http: &Http, chat: &str, text: &str, key: &str) -> common::Answer {
    http.send_json(
        "POST",
        &format!("/common/chats/{chat}/messages"),
        &json!({ "text": text, "idempotency_key": key, "is_automated": true }),
    )
    .await
}

/// (type, reason) of a chats error.
fn reason(a: &common::Answer) -> (String, String) {
    let v = a.json();
    assert!(v["request_id"].is_string(), "{v}");
    let e = &v["errors"][0];
    (
        e["type"].as_str().unwrap_or_default().into(),
        e["reason"].as_str().unwrap_or_default().into(),
    )
}

#[tokio::test]
async fn every_negotiation_has_a_chat_with_its_messages() {
    let (sandbox, http) = start(SandboxConfig::default()).await;
    let vacancy = &sandbox.vacancy_ids()[0];
    let list = http
        .get_ok(&format!(
            "/negotiations/interview?vacancy_id={vacancy}&per_page=50"
        ))
        .await;
    let mut with_messages = 0;
    for n in list["items"].as_array().unwrap() {
        let chat_id = n["chat_id"]
            .as_u64()
            .expect("chat_id is a number on negotiations");
        let chat = http
            .get_ok(&format!(
                "/common/chats/{chat_id}/messages?order=prev&limit=50"
            ))
            .await;
        assert_eq!(
            chat["id"],
            chat_id.to_string(),
            "chat ids are strings in chats"
        );
        assert_eq!(chat["type"], "NEGOTIATION");
        let texts = chat["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| text_of(m).is_some() && m["sender_display_info"]["role"] != "BOT")
            .count();
        assert_eq!(n["counters"]["messages"].as_u64().unwrap() as usize, texts);
        with_messages += (texts > 0) as usize;
    }
    assert!(with_messages > 0);
    // hh's bot and colleagues joining appear in some chats.
    let chats: Vec<_> = sandbox
        .chat_ids()
        .iter()
        .filter_map(|c| sandbox.chat(c))
        .collect();
    assert!(chats.iter().any(|c| {
        c.messages
            .iter()
            .any(|m| m.author == hh_sandbox::chat::Author::Bot)
    }));
    assert!(chats.iter().any(|c| {
        c.messages
            .iter()
            .any(|m| matches!(m.kind, hh_sandbox::chat::MessageKind::ParticipantJoined(_)))
    }));
    for bad in ["1", "abc", "99999999999999999999"] {
        let a = http.get(&format!("/common/chats/{bad}/messages")).await;
        assert_eq!(a.status, 404, "{bad}");
        assert_eq!(reason(&a).0, "not_found");
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn messages_come_by_cursor() {
    let (sandbox, http) = start(SandboxConfig::default()).await;
    let chat = sandbox.chat_with_messages(120).unwrap();
    let held = sandbox.chat(&chat).unwrap();
    assert_eq!(held.messages.len(), 120);
    let ids: Vec<String> = held.messages.iter().map(|m| m.id.clone()).collect();
    let window = |v: &Value| -> Vec<String> {
        v["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_string())
            .collect()
    };
    let path = format!("/common/chats/{chat}/messages");

    // Defaults: order next from the first message, ten of them.
    let first = http.get_ok(&path).await;
    assert_eq!(window(&first), ids[..10]);
    assert_eq!(first["has_more"], true);
    // prev starts from the last; walking back with the oldest id seen repeats it.
    let mut seen: Vec<String> = Vec::new();
    let mut start: Option<String> = None;
    loop {
        let q = match &start {
            Some(s) => format!("{path}?order=prev&limit=50&start_message_id={s}"),
            None => format!("{path}?order=prev&limit=50"),
        };
        let page = http.get_ok(&q).await;
        let got = window(&page);
        if let Some(s) = &start {
            assert_eq!(got.last(), Some(s), "the start message is included");
        }
        let fresh: Vec<String> = got
            .iter()
            .filter(|id| !seen.contains(id))
            .cloned()
            .collect();
        seen.splice(0..0, fresh);
        if page["has_more"] == false {
            break;
        }
        start = got.first().cloned();
    }
    assert_eq!(seen, ids, "walking back gives every message once, in order");
    // next from an id includes it and says when there is nothing more.
    let tail = http
        .get_ok(&format!("{path}?start_message_id={}&limit=50", ids[100]))
        .await;
    assert_eq!(window(&tail), ids[100..]);
    assert_eq!(tail["has_more"], false);

    for (query, expected) in [
        ("order=sideways", "bad_order"),
        ("limit=0", "limit_negative_or_more_than_50"),
        ("limit=51", "limit_negative_or_more_than_50"),
        ("limit=-3", "limit_negative_or_more_than_50"),
        ("limit=ten", "bad_limit"),
        ("start_message_id=42", "bad_start_message_id"),
    ] {
        let a = http.get(&format!("{path}?{query}")).await;
        assert_eq!(a.status, 400, "{query}");
        assert_eq!(
            reason(&a),
            ("bad_argument".into(), expected.into()),
            "{query}"
        );
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn sending_keeps_hh_rules_and_stores_each_message_once() {
    let (sandbox, http) = start(SandboxConfig::default()).await;
    let chat = sandbox.writable_chat().unwrap();
    let before = sandbox.chat(&chat).unwrap().messages.len();
    let key = uuid();
    let a = send_text(&http, &chat, "Добрый день! Удобно завтра в 11:00?", &key).await;
    assert_eq!(a.status, 201, "{}", a.text);
    let id = a.json()["id"].as_str().unwrap().to_string();
    let held = sandbox.chat(&chat).unwrap();
    let sent = held.messages.last().unwrap();
    assert_eq!((sent.id.as_str(), sent.is_automated), (id.as_str(), true));
    assert_eq!(sent.idempotency_key.as_deref(), Some(key.as_str()));

    // The same key again: 409 conflict, nothing new.
    let again = send_text(&http, &chat, "Добрый день! Удобно завтра в 11:00?", &key).await;
    assert_eq!(again.status, 409);
    assert_eq!(reason(&again), ("conflict".into(), "already_exists".into()));
    assert_eq!(sandbox.chat(&chat).unwrap().messages.len(), before + 1);

    let path = format!("/common/chats/{chat}/messages");
    let bad = |body: Value| {
        let http = &http;
        let path = path.clone();
        async move { http.send_json("POST", &path, &body).await }
    };
    let a = bad(json!({ "text": "x", "file_upload_ids": ["u"], "idempotency_key": uuid() })).await;
    assert_eq!(
        (a.status, reason(&a)),
        (
            400,
            ("multiple_fields".into(), "text_or_file_upload_ids".into())
        )
    );
    let a = bad(json!({ "idempotency_key": uuid() })).await;
    assert_eq!(
        (a.status, reason(&a)),
        (400, ("text".into(), "required".into()))
    );
    for (body, pointer, why) in [
        (
            json!({ "text": "x", "idempotency_key": "not-a-uuid" }),
            "/idempotency_key",
            "invalid",
        ),
        (json!({ "text": "x" }), "/idempotency_key", "required"),
        (
            json!({ "text": "x", "idempotency_key": uuid(), "message": "y" }),
            "/message",
            "unexpected",
        ),
        (
            json!({ "text": "", "idempotency_key": uuid() }),
            "/text",
            "invalid",
        ),
        (
            json!({ "text": "я".repeat(20_001), "idempotency_key": uuid() }),
            "/text",
            "greater_than_max",
        ),
        (
            json!({ "text": 5, "idempotency_key": uuid() }),
            "/text",
            "invalid",
        ),
        (
            json!({ "text": "x", "idempotency_key": uuid(), "is_automated": "yes" }),
            "/is_automated",
            "invalid",
        ),
        (
            json!({ "file_upload_ids": [], "idempotency_key": uuid() }),
            "/file_upload_ids",
            "size_less_than_min",
        ),
        (
            json!({ "file_upload_ids": ["a", "b"], "idempotency_key": uuid() }),
            "/file_upload_ids",
            "greater_than_max",
        ),
        (
            json!({ "file_upload_ids": ["nope"], "idempotency_key": uuid() }),
            "/file_upload_ids/0",
            "invalid",
        ),
        (json!([1, 2]), "", "invalid"),
    ] {
        let a = bad(body.clone()).await;
        assert_eq!(a.status, 400, "{body}");
        let e = &a.json()["errors"][0];
        assert_eq!(
            (
                e["type"].as_str(),
                e["pointer"].as_str(),
                e["reason"].as_str()
            ),
            (Some("bad_json_data"), Some(pointer), Some(why)),
            "{body}"
        );
    }
    // 20000 characters are fine.
    let a = send_text(&http, &chat, &"я".repeat(20_000), &uuid()).await;
    assert_eq!(a.status, 201);
    // Not JSON at all.
    let raw = http
        .client
        .post(format!("{}{path}", http.base))
        .header("HH-User-Agent", common::UA)
        .bearer_auth(sandbox.access_token())
        .body("text=hello")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    assert_eq!(
        sandbox.chat(&chat).unwrap().messages.len(),
        before + 2,
        "no bad send was stored"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn unwritable_chats_refuse_and_store_nothing() {
    let (sandbox, http) = start(SandboxConfig::default()).await;
    // Seeded: the employer discarded the applicant, so the chat is archived.
    let archived = sandbox.unwritable_chat().unwrap();
    let held = sandbox.chat(&archived).unwrap();
    assert_eq!(held.write_block, Some(WriteBlock::ArchivedByEmployer));
    let n = http
        .get_ok(&format!("/negotiations/{}", held.negotiation_id))
        .await;
    assert_eq!(n["state"]["id"], "discard");
    let view = http
        .get_ok(&format!("/common/chats/{archived}/messages"))
        .await;
    assert_eq!(
        view["chat_states"]["write_message_state"],
        json!({ "allowed": false, "reason": "ARCHIVED_BY_EMPLOYER" })
    );
    assert_eq!(view["chat_states"]["send_file_state"]["allowed"], false);
    let a = send_text(&http, &archived, "Здравствуйте", &uuid()).await;
    assert_eq!(
        (a.status, reason(&a)),
        (403, ("forbidden".into(), "chat_blocked".into()))
    );
    assert_eq!(
        sandbox.chat(&archived).unwrap().messages.len(),
        held.messages.len()
    );

    // A test can block a chat with any of hh's reasons, and open it again.
    let chat = sandbox.writable_chat().unwrap();
    let view = http.get_ok(&format!("/common/chats/{chat}/messages")).await;
    assert_eq!(
        view["chat_states"]["write_message_state"],
        json!({ "allowed": true, "reason": null })
    );
    assert!(
        sandbox.set_chat_write_block(&chat, Some(WriteBlock::EmployerNegotiationsLimitExceeded))
    );
    let view = http.get_ok(&format!("/common/chats/{chat}/messages")).await;
    assert_eq!(
        view["chat_states"]["write_message_state"]["reason"],
        "EMPLOYER_NEGOTIATIONS_LIMIT_EXCEEDED"
    );
    assert_eq!(send_text(&http, &chat, "x", &uuid()).await.status, 403);
    assert!(sandbox.set_chat_write_block(&chat, None));
    assert_eq!(send_text(&http, &chat, "x", &uuid()).await.status, 201);
    assert!(!sandbox.set_chat_write_block("nope", None));

    // Discarding with the action archives the chat; reconsidering opens it.
    let nid = sandbox.chat(&chat).unwrap().negotiation_id;
    let a = http
        .send(
            "PUT",
            &format!("/negotiations/discard_by_employer/{nid}"),
            &[],
        )
        .await;
    assert_eq!(a.status, 204, "{}", a.text);
    assert_eq!(
        sandbox.chat(&chat).unwrap().write_block,
        Some(WriteBlock::ArchivedByEmployer)
    );
    assert_eq!(
        http.send("PUT", &format!("/negotiations/consider/{nid}"), &[])
            .await
            .status,
        204
    );
    assert_eq!(sandbox.chat(&chat).unwrap().write_block, None);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn unread_counts_follow_the_applicant_and_the_read_mark() {
    let (sandbox, http) = start(SandboxConfig::default()).await;
    let chat = sandbox.chat_with_messages(4).unwrap();
    let count = |v: &Value| {
        v["unread_chats_count"]
            .as_str()
            .expect("a string, as hh sends it")
            .parse::<usize>()
            .unwrap()
    };
    let before = count(&http.get_ok("/common/chats/counters/unread").await);
    let first = sandbox
        .applicant_writes(&chat, "Здравствуйте! Да, удобно.")
        .unwrap();
    let second = sandbox.applicant_writes(&chat, "Адрес пришлёте?").unwrap();
    assert_eq!(
        count(&http.get_ok("/common/chats/counters/unread").await),
        before + 1
    );
    let view = http
        .get_ok(&format!("/common/chats/{chat}/messages?order=prev"))
        .await;
    assert_eq!(view["unread_message_count"], 2);
    // filter_unread lists it (newest activity first), and every listed chat is unread.
    let unread = http
        .get_ok("/common/chats?filter_unread=true&per_page=20")
        .await;
    assert_eq!(unread["items"][0]["id"], chat);
    assert_eq!(unread["items"][0]["last_message"]["id"], second);
    assert!(
        unread["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["unread_message_count"].as_u64() > Some(0))
    );
    assert_eq!(unread["found"].as_u64().unwrap() as usize, before + 1);
    // The negotiation shows it too.
    let nid = sandbox.chat(&chat).unwrap().negotiation_id;
    assert_eq!(
        http.get_ok(&format!("/negotiations/{nid}")).await["counters"]["unread_messages"],
        2
    );

    // Reading up to the first leaves one; up to the second, none; never backwards.
    let read = |m: &str| format!("/common/chats/{chat}/message/{m}/read");
    assert_eq!(http.send("PUT", &read(&first), &[]).await.status, 204);
    assert_eq!(
        http.get_ok(&format!("/common/chats/{chat}/messages")).await["unread_message_count"],
        1
    );
    assert_eq!(http.send("PUT", &read(&second), &[]).await.status, 204);
    assert_eq!(http.send("PUT", &read(&first), &[]).await.status, 204);
    assert_eq!(
        http.get_ok(&format!("/common/chats/{chat}/messages")).await["unread_message_count"],
        0
    );
    assert_eq!(
        count(&http.get_ok("/common/chats/counters/unread").await),
        before
    );
    assert_eq!(http.send("PUT", &read("12345"), &[]).await.status, 404);
    assert_eq!(
        http.send("PUT", &format!("/common/chats/1/message/{first}/read"), &[])
            .await
            .status,
        404
    );

    // Participants: the applicant saw up to their own message; the employer, all.
    let people = http
        .get_ok(&format!("/common/chats/{chat}/participants"))
        .await;
    let items = people["items"].as_array().unwrap();
    let applicant = items.iter().find(|p| p["role"] == "APPLICANT").unwrap();
    assert_eq!(applicant["last_viewed_message_id"], second);
    let me = items
        .iter()
        .find(|p| p["id"] == sandbox.manager_id())
        .unwrap();
    assert_eq!(
        (me["role"].as_str(), me["last_viewed_message_id"].as_str()),
        (Some("EMPLOYER"), Some(second.as_str()))
    );
    // The employer's new message is not seen by the applicant until they write again.
    let mine = send_text(&http, &chat, "Пришлю сегодня", &uuid())
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let last = |v: Value| v["messages"].as_array().unwrap().last().unwrap().clone();
    let m = last(
        http.get_ok(&format!("/common/chats/{chat}/messages?order=prev&limit=1"))
            .await,
    );
    assert_eq!(
        (m["id"].as_str(), m["viewed_by_opponent"].as_bool()),
        (Some(mine.as_str()), Some(false))
    );
    sandbox.applicant_writes(&chat, "Спасибо").unwrap();
    let m = http
        .get_ok(&format!(
            "/common/chats/{chat}/messages?start_message_id={mine}&limit=1"
        ))
        .await;
    assert_eq!(m["messages"][0]["viewed_by_opponent"], true);

    // Only chats with conversation text, and hh's paging limits.
    let texts = http
        .get_ok("/common/chats?filter_has_text_message=true&per_page=20&page=0")
        .await;
    let all = http.get_ok("/common/chats?per_page=20").await;
    assert!(texts["found"].as_u64() < all["found"].as_u64());
    assert_eq!(
        all["found"].as_u64().unwrap() as usize,
        sandbox.chat_ids().len()
    );
    for q in [
        "page=51",
        "per_page=21",
        "per_page=0",
        "page=-1",
        "filter_unread=maybe",
    ] {
        let a = http.get(&format!("/common/chats?{q}")).await;
        assert_eq!(a.status, 400, "{q}");
        assert_eq!(a.error().0, "bad_argument");
    }
    assert_eq!(http.get("/common/chats?page=50").await.status, 200);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn edit_delete_participants_and_write_possibility() {
    let (sandbox, http) = start(SandboxConfig::default()).await;
    let chat = sandbox.chat_with_messages(2).unwrap();
    let theirs = sandbox.applicant_writes(&chat, "Можно перенести?").unwrap();
    let mine = send_text(&http, &chat, "Конечно", &uuid()).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let at = |m: &str| format!("/common/chats/{chat}/messages/{m}");

    let a = http
        .send_json(
            "PUT",
            &at(&mine),
            &json!({ "text": "Конечно, давайте в 15:00" }),
        )
        .await;
    assert_eq!(a.status, 204, "{}", a.text);
    let view = http
        .get_ok(&format!(
            "/common/chats/{chat}/messages?start_message_id={mine}&limit=1"
        ))
        .await;
    let m = &view["messages"][0];
    assert_eq!(
        (text_of(m), m["can_edit"].as_bool()),
        (Some("Конечно, давайте в 15:00"), Some(true))
    );
    assert!(m["last_change_time"].is_string());
    let a = http
        .send_json("PUT", &at(&theirs), &json!({ "text": "x" }))
        .await;
    assert_eq!(
        (a.status, reason(&a)),
        (403, ("forbidden".into(), "message_edit_not_allowed".into()))
    );
    let a = http.send_json("PUT", &at(&mine), &json!({})).await;
    assert_eq!(
        (a.status, reason(&a)),
        (400, ("text".into(), "required".into()))
    );
    assert_eq!(
        http.send_json("PUT", &at("777"), &json!({ "text": "x" }))
            .await
            .status,
        404
    );

    let a = http.send("DELETE", &at(&theirs), &[]).await;
    assert_eq!(
        (a.status, reason(&a)),
        (
            403,
            ("forbidden".into(), "message_delete_not_allowed".into())
        )
    );
    assert_eq!(http.send("DELETE", &at(&mine), &[]).await.status, 204);
    assert!(sandbox.chat(&chat).unwrap().message(&mine).is_none());
    assert_eq!(http.send("DELETE", &at(&mine), &[]).await.status, 404);

    // A colleague joins (once); nobody else can.
    let colleague = sandbox.manager_ids()[1].clone();
    let path = format!("/common/chats/{chat}/participants");
    for _ in 0..2 {
        assert_eq!(
            http.send_json("PUT", &path, &json!({ "id": colleague }))
                .await
                .status,
            204
        );
    }
    let people = http.get_ok(&path).await;
    assert_eq!(
        people["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["id"] == colleague)
            .count(),
        1
    );
    let joined = sandbox
        .chat(&chat)
        .unwrap()
        .messages
        .iter()
        .filter(|m| m.kind == hh_sandbox::chat::MessageKind::ParticipantJoined(1))
        .count();
    assert_eq!(joined, 1);
    for body in [
        json!({ "id": "1" }),
        json!({}),
        json!({ "id": "" }),
        json!("x"),
    ] {
        let a = http.send_json("PUT", &path, &body).await;
        assert_eq!(
            (a.status, a.error()),
            (400, ("bad_argument".into(), Some("id".into()))),
            "{body}"
        );
    }

    // The employer stops the applicant from writing, and lets them again.
    let wp = format!("/common/chats/{chat}/write_possibility");
    assert_eq!(
        http.send(
            "PUT",
            &format!("{wp}?applicant_write_possibility=false"),
            &[]
        )
        .await
        .status,
        204
    );
    assert_eq!(sandbox.applicant_writes(&chat, "Алло?"), None);
    assert_eq!(
        http.send(
            "PUT",
            &format!("{wp}?applicant_write_possibility=true"),
            &[]
        )
        .await
        .status,
        204
    );
    assert!(sandbox.applicant_writes(&chat, "Алло?").is_some());
    for q in ["", "?applicant_write_possibility=perhaps"] {
        let a = http.send("PUT", &format!("{wp}{q}"), &[]).await;
        assert_eq!(
            (a.status, a.error().1.as_deref()),
            (400, Some("applicant_write_possibility"))
        );
    }
    sandbox.shutdown().await;
}

/// A `multipart/form-data` body with one field `file`: (content type, body).
fn multipart(name: &str, content_type: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "sandbox-test-boundary-7f3a";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn files_go_through_the_file_host_with_the_token_and_are_sent_by_id() {
    let (sandbox, http) = start(SandboxConfig::default()).await;
    let conditions = http.get_ok("/common/chats/files/conditions").await;
    let files = &conditions["files_upload"];
    assert!(files["max_size"].as_u64().unwrap() >= 1 << 20);
    assert!(files["type"].as_array().unwrap().contains(&json!("pdf")));
    assert!(
        files["mime_type"]
            .as_array()
            .unwrap()
            .contains(&json!("application/pdf"))
    );

    let link = |http: &Http| {
        let http = http.clone_http();
        async move {
            let a = http
                .send("POST", "/common/chats/files/upload_links", &[])
                .await;
            assert_eq!(a.status, 200, "{}", a.text);
            a.json()
        }
    };
    let l = link(&http).await;
    let url = l["upload_url"].as_str().unwrap().to_string();
    assert!(l["expires_at"].is_string());
    assert!(url.starts_with(&sandbox.file_host_url()));
    assert_ne!(
        sandbox.file_host_url(),
        sandbox.base_url(),
        "another origin"
    );

    let post = |url: String, token: Option<String>, (content_type, body): (String, Vec<u8>)| {
        let client = http.client.clone();
        async move {
            let mut r = client
                .post(url)
                .header("content-type", content_type)
                .body(body);
            if let Some(t) = token {
                r = r.bearer_auth(t);
            }
            let r = r.send().await.unwrap();
            let status = r.status().as_u16();
            let ct = r
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_string());
            (status, ct, r.text().await.unwrap())
        }
    };
    let pdf = b"%PDF-1.4 resume";
    let token = Some(sandbox.access_token());
    // Without the token: hh's HTML 403.
    let (status, ct, _) = post(
        url.clone(),
        None,
        multipart("cv.pdf", "application/pdf", pdf),
    )
    .await;
    assert_eq!((status, ct.as_deref()), (403, Some("text/html")));
    // A type the chat does not take.
    let (status, _, body) = post(
        url.clone(),
        token.clone(),
        multipart("run.exe", "application/x-msdownload", b"MZ"),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["errors"][0],
        json!({ "type": "bad_argument", "value": "file" })
    );
    // With it: an upload id.
    let (status, _, body) = post(
        url.clone(),
        token.clone(),
        multipart("cv.pdf", "application/pdf", pdf),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let upload_id = serde_json::from_str::<Value>(&body).unwrap()["upload_id"]
        .as_str()
        .unwrap()
        .to_string();
    // A link takes one file; an expired one none.
    let (status, _, body) = post(
        url.clone(),
        token.clone(),
        multipart("cv.pdf", "application/pdf", pdf),
    )
    .await;
    assert_eq!(
        (
            status,
            serde_json::from_str::<Value>(&body).unwrap()["errors"][0]["value"].as_str()
        ),
        (400, Some("state"))
    );
    let expired = link(&http).await["upload_url"]
        .as_str()
        .unwrap()
        .to_string();
    sandbox.expire_upload_links();
    let (status, _, body) = post(
        expired,
        token.clone(),
        multipart("cv.pdf", "application/pdf", pdf),
    )
    .await;
    assert_eq!(
        (
            status,
            serde_json::from_str::<Value>(&body).unwrap()["errors"][0]["value"].as_str()
        ),
        (400, Some("state"))
    );

    // The host saw which requests carried the token.
    let seen = sandbox.file_host_requests();
    assert_eq!(seen.len(), 5);
    assert_eq!(seen[0].authorization, None);
    assert!(
        seen[1..].iter().all(|r| r.authorization.as_deref()
            == Some(&format!("Bearer {}", sandbox.access_token())[..]))
    );

    // Sent by id, it is an attachment the file host serves.
    let chat = sandbox.writable_chat().unwrap();
    let a = http
        .send_json(
            "POST",
            &format!("/common/chats/{chat}/messages"),
            &json!({ "file_upload_ids": [upload_id], "idempotency_key": uuid() }),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.text);
    let view = http
        .get_ok(&format!("/common/chats/{chat}/messages?order=prev&limit=1"))
        .await;
    let m = &view["messages"][0];
    assert_eq!(m["payload"]["text"], Value::Null);
    let attachment = &m["payload"]["attachments"][0];
    assert_eq!(
        (
            attachment["title"].as_str(),
            attachment["content_type"].as_str()
        ),
        (Some("cv.pdf"), Some("application/pdf"))
    );
    let got = http
        .client
        .get(attachment["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(got.bytes().await.unwrap().as_ref(), pdf);
    // File ids with is_automated are not hh's shape.
    let a = http.send_json("POST", &format!("/common/chats/{chat}/messages"), &json!({ "file_upload_ids": [upload_id], "idempotency_key": uuid(), "is_automated": true })).await;
    assert_eq!(a.status, 400);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_lost_answer_leaves_the_message_stored_and_a_retry_conflicts() {
    for how in [LostAnswer::Dropped, LostAnswer::GatewayTimeout] {
        let (sandbox, http) = start(SandboxConfig {
            faults: Faults {
                lose_send_answers: 1,
                lost_answer: how,
                ..Faults::default()
            },
            ..SandboxConfig::default()
        })
        .await;
        let chat = sandbox.writable_chat().unwrap();
        let before = sandbox.chat(&chat).unwrap().messages.len();
        let key = uuid();
        let body = json!({ "text": "Ждём вас в пятницу", "idempotency_key": key });
        let url = format!("{}/common/chats/{chat}/messages", http.base);
        let sent = http
            .client
            .post(&url)
            .header("HH-User-Agent", common::UA)
            .bearer_auth(sandbox.access_token())
            .json(&body)
            .send()
            .await;
        match how {
            LostAnswer::Dropped => {
                assert!(sent.is_err(), "the connection closes without an answer")
            }
            LostAnswer::GatewayTimeout => {
                let r = sent.unwrap();
                assert_eq!(r.status().as_u16(), 504);
                assert!(r.text().await.unwrap().contains("504 Gateway Time-out"));
            }
        }
        // It was stored; the retry with the same key is a conflict, and only one exists.
        assert_eq!(sandbox.chat(&chat).unwrap().messages.len(), before + 1);
        let retry = http
            .send_json("POST", &format!("/common/chats/{chat}/messages"), &body)
            .await;
        assert_eq!(
            (retry.status, reason(&retry).1),
            (409, "already_exists".into())
        );
        let held = sandbox.chat(&chat).unwrap();
        assert_eq!(
            held.messages
                .iter()
                .filter(|m| m.idempotency_key.as_deref() == Some(key.as_str()))
                .count(),
            1
        );
        // The fault is used up: the next send is answered.
        assert_eq!(send_text(&http, &chat, "ещё", &uuid()).await.status, 201);
        sandbox.shutdown().await;
    }
}
