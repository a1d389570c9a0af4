//! Every chat answer the sandbox gives — successes and hh's errors alike — validates
//! against the response schema hh.ru's own description declares for that operation and
//! status (`../shared/hh-openapi/hh-openapi.yml`), and against our spec.

#![cfg(feature = "validate")]

mod common;

use common::{start, uuid};
use hh_sandbox::SandboxConfig;
use hh_sandbox::validate::{Spec, hh_operation};
use serde_json::json;

#[tokio::test]
async fn chat_answers_hold_to_hh_and_to_our_spec() {
    let Some(hh_path) = common::hh_openapi_path() else {
        return;
    };
    let hh = Spec::load(&hh_path).expect("hh.ru's description loads");
    let ours = Spec::load_default().expect("our spec loads");
    let (sandbox, http) = start(SandboxConfig {
        record: true,
        ..SandboxConfig::default()
    })
    .await;
    let chat = sandbox.chat_with_messages(12).unwrap();
    let archived = sandbox.unwritable_chat().unwrap();
    let theirs = sandbox.applicant_writes(&chat, "Добрый день").unwrap();
    let nid = sandbox.chat(&chat).unwrap().negotiation_id;
    let m = |id: &str| format!("/common/chats/{chat}/messages/{id}");
    let key = uuid();

    // A tour of every chat operation, with the errors hh describes.
    for q in [
        "",
        "?per_page=5&page=1",
        "?filter_unread=true",
        "?filter_has_text_message=true",
        "?per_page=21",
        "?page=51",
    ] {
        http.get(&format!("/common/chats{q}")).await;
    }
    http.get("/common/chats/counters/unread").await;
    for q in [
        "",
        "?order=prev&limit=3",
        "?order=up",
        "?limit=99",
        "?limit=x",
        "?start_message_id=1",
    ] {
        http.get(&format!("/common/chats/{chat}/messages{q}")).await;
    }
    http.get(&format!("/common/chats/{archived}/messages"))
        .await;
    http.get("/common/chats/1/messages").await;
    let send = format!("/common/chats/{chat}/messages");
    let sent = http
        .send_json(
            "POST",
            &send,
            &json!({ "text": "Приходите в 12:00", "idempotency_key": key, "is_automated": true }),
        )
        .await;
    let mine = sent.json()["id"].as_str().unwrap().to_string();
    for body in [
        json!({ "text": "x", "idempotency_key": key }),
        json!({ "text": "x", "file_upload_ids": ["1"], "idempotency_key": uuid() }),
        json!({ "idempotency_key": uuid() }),
        json!({ "text": "x", "idempotency_key": "nope" }),
        json!({ "text": "x", "idempotency_key": uuid(), "extra": 1 }),
    ] {
        http.send_json("POST", &send, &body).await;
    }
    http.send_json(
        "POST",
        &format!("/common/chats/{archived}/messages"),
        &json!({ "text": "x", "idempotency_key": uuid() }),
    )
    .await;
    http.send_json(
        "POST",
        "/common/chats/1/messages",
        &json!({ "text": "x", "idempotency_key": uuid() }),
    )
    .await;
    http.send_json("PUT", &m(&mine), &json!({ "text": "Приходите в 13:00" }))
        .await;
    http.send_json("PUT", &m(&mine), &json!({})).await;
    http.send_json("PUT", &m(&theirs), &json!({ "text": "x" }))
        .await;
    http.send_json("PUT", &m("1"), &json!({ "text": "x" }))
        .await;
    http.send(
        "PUT",
        &format!("/common/chats/{chat}/message/{theirs}/read"),
        &[],
    )
    .await;
    http.send("PUT", &format!("/common/chats/{chat}/message/1/read"), &[])
        .await;
    http.send(
        "PUT",
        &format!("/common/chats/{chat}/write_possibility?applicant_write_possibility=false"),
        &[],
    )
    .await;
    http.send(
        "PUT",
        &format!("/common/chats/{chat}/write_possibility"),
        &[],
    )
    .await;
    http.get(&format!("/common/chats/{chat}/participants"))
        .await;
    http.get("/common/chats/1/participants").await;
    let colleague = sandbox.manager_ids()[1].clone();
    http.send_json(
        "PUT",
        &format!("/common/chats/{chat}/participants"),
        &json!({ "id": colleague }),
    )
    .await;
    http.send_json(
        "PUT",
        &format!("/common/chats/{chat}/participants"),
        &json!({ "id": "1" }),
    )
    .await;
    http.send_json(
        "PUT",
        "/common/chats/1/participants",
        &json!({ "id": colleague }),
    )
    .await;
    http.get("/common/chats/files/conditions").await;
    http.send("POST", "/common/chats/files/upload_links", &[])
        .await;
    http.send("DELETE", &m(&theirs), &[]).await;
    http.send("DELETE", &m(&mine), &[]).await;
    http.send("DELETE", &m(&mine), &[]).await;
    // After all this, a chat with an attachment-free, edited, joined history lists well.
    http.get(&format!(
        "/common/chats/{chat}/messages?order=prev&limit=50"
    ))
    .await;
    http.get("/common/chats?per_page=20").await;
    // The retired list, which hh still answers.
    http.get(&format!("/negotiations/{nid}/messages")).await;

    let recorded = sandbox.recorded();
    let mut problems = Vec::new();
    let mut checked = std::collections::BTreeSet::new();
    for ex in &recorded {
        let Some(op) = ex.operation else { continue };
        let Some(hh_op) = hh_operation(op) else {
            continue;
        };
        checked.insert((op, ex.status));
        if let Err(e) = hh.check_as(ex, hh_op) {
            problems.extend(e.into_iter().map(|e| format!("hh.ru {hh_op}: {e}")));
        }
        if ex.operation.is_some_and(|o| ours.operation(o).is_some())
            && let Err(e) = ours.check(ex)
        {
            problems.extend(e.into_iter().map(|e| format!("ours {op}: {e}")));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The tour reached every chat operation, and its errors.
    for (op, status) in [
        ("list_chats", 200),
        ("list_chats", 400),
        ("count_unread_chats", 200),
        ("list_chat_messages", 200),
        ("list_chat_messages", 400),
        ("list_chat_messages", 404),
        ("send_chat_message", 201),
        ("send_chat_message", 400),
        ("send_chat_message", 403),
        ("send_chat_message", 404),
        ("send_chat_message", 409),
        ("edit_chat_message", 204),
        ("edit_chat_message", 400),
        ("edit_chat_message", 403),
        ("edit_chat_message", 404),
        ("delete_chat_message", 204),
        ("delete_chat_message", 403),
        ("delete_chat_message", 404),
        ("mark_chat_read", 204),
        ("mark_chat_read", 404),
        ("set_chat_write_possibility", 204),
        ("set_chat_write_possibility", 400),
        ("list_chat_participants", 200),
        ("list_chat_participants", 404),
        ("add_chat_participant", 204),
        ("add_chat_participant", 400),
        ("add_chat_participant", 404),
        ("get_chat_file_conditions", 200),
        ("create_chat_upload_link", 200),
        ("list_negotiation_messages", 200),
    ] {
        assert!(
            checked.contains(&(op, status)),
            "the tour missed {op} → {status}"
        );
    }
    sandbox.shutdown().await;
}

/// The validator does judge: a chat answer with a field wrong is caught by hh.ru's schema.
#[test]
fn hh_schemas_catch_what_is_wrong() {
    let Some(hh_path) = common::hh_openapi_path() else {
        return;
    };
    let hh = Spec::load(&hh_path).unwrap();
    let good = json!({ "unread_chats_count": "3" });
    assert!(
        hh.validate("ChatsCommonUnreadChatsCountResponse", &good)
            .is_ok()
    );
    assert!(
        hh.validate(
            "ChatsCommonUnreadChatsCountResponse",
            &json!({ "unread_chats_count": 3 })
        )
        .is_err()
    );
    let error =
        json!({ "errors": [{ "type": "forbidden", "reason": "chat_blocked" }], "request_id": "r" });
    assert!(hh.validate("ErrorsChatsForbiddenErrors", &error).is_ok());
    let with_value = json!({ "errors": [{ "type": "forbidden", "reason": "chat_blocked", "value": "x" }], "request_id": "r" });
    assert!(
        hh.validate("ErrorsChatsForbiddenErrors", &with_value)
            .is_err()
    );
}
