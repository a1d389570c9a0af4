//! Chats end to end: the built server, driven by rmcp's client, against the stateful
//! sandbox. A long chat reads newest first and pages back; a message whose answer is lost
//! exists once; a closed chat refuses before anything is sent; triage finds unread chats;
//! and the retired negotiation messages endpoints are never asked.

mod common;

use common::{Mcp, Opts, ok, sandbox_and_mcp, tool_error};
use hh_sandbox::{Faults, LostAnswer, Sandbox, SandboxConfig};
use serde_json::{Value, json};

async fn start_with(env: &[(&str, &str)]) -> (Sandbox, Mcp) {
    let config = SandboxConfig {
        record: true,
        ..SandboxConfig::default()
    };
    sandbox_and_mcp(config, env).await
}

async fn start() -> (Sandbox, Mcp) {
    start_with(&[]).await
}

fn ids(window: &Value) -> Vec<String> {
    window["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect()
}

/// How many messages in the chat carry this text.
fn copies(sandbox: &Sandbox, chat: &str, text: &str) -> usize {
    let chat = sandbox.chat(chat).expect("the chat exists");
    chat.messages
        .iter()
        .filter(|m| m.text.as_deref() == Some(text))
        .count()
}

/// No request of the whole test went to the operations hh.ru retired.
fn assert_no_retired_calls(sandbox: &Sandbox) {
    let retired: Vec<String> = sandbox
        .recorded()
        .iter()
        .filter(|e| {
            matches!(
                e.operation,
                Some("list_negotiation_messages" | "send_negotiation_message")
            ) || e.path.ends_with("/messages") && e.path.starts_with("/negotiations/")
        })
        .map(|e| format!("{} {}", e.method, e.path))
        .collect();
    assert!(retired.is_empty(), "retired endpoints asked: {retired:?}");
}

/// Every chat `list_chats` calls unread, page by page; each must have unread messages.
async fn unread_chats(mcp: &Mcp) -> Vec<Value> {
    let mut all = Vec::new();
    for page in 0..=50 {
        let unread = ok(&mcp
            .call("list_chats", json!({"unread_only": true, "page": page}))
            .await);
        let chats = unread["chats"].as_array().unwrap();
        assert!(
            chats.iter().all(|c| c["unread"].as_i64().unwrap() > 0),
            "{unread}"
        );
        all.extend(chats.iter().cloned());
        if page + 1 >= unread["pages"].as_i64().unwrap() {
            break;
        }
    }
    all
}

#[tokio::test]
async fn a_long_chat_reads_newest_first_and_pages_back_without_repeats() {
    let (sandbox, mcp) = start().await;
    let chat = sandbox.chat_with_messages(120).expect("a writable chat");
    let held = sandbox.chat(&chat).unwrap();
    assert!(held.messages.len() >= 120);
    let newest = held.messages.last().unwrap().id.clone();

    let first = ok(&mcp.call("list_messages", json!({"chat_id": chat})).await);
    let page = ids(&first);
    assert_eq!(page.len(), 20, "20 by default");
    assert_eq!(page[0], newest, "the newest message comes first");
    assert_eq!(first["can_write"], true);
    assert_eq!(first["has_more"], true);

    let mut seen = page.clone();
    let mut cursor = first["older_than"].as_str().map(str::to_string);
    let mut calls = 1;
    while let Some(before) = cursor {
        let window = ok(&mcp
            .call(
                "list_messages",
                json!({"chat_id": chat, "before": before, "limit": 50}),
            )
            .await);
        seen.extend(ids(&window));
        cursor = window["older_than"].as_str().map(str::to_string);
        calls += 1;
        assert!(calls <= 10, "paging back ends");
    }
    let unique: std::collections::BTreeSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no message twice");
    assert_eq!(seen.len(), held.messages.len(), "every message once");
    let all: Vec<String> = held.messages.iter().rev().map(|m| m.id.clone()).collect();
    assert_eq!(seen, all, "newest to oldest, in order");
    assert_no_retired_calls(&sandbox);
    mcp.stop().await;
}

#[tokio::test]
async fn a_send_whose_answer_is_lost_exists_once() {
    for lost in [LostAnswer::Dropped, LostAnswer::GatewayTimeout] {
        let (sandbox, mcp) = start().await;
        let chat = sandbox.writable_chat().expect("a writable chat");
        let text = format!("Добрый день! Удобно ли завтра в 11:00? ({lost:?})");
        sandbox.set_faults(Faults {
            lose_send_answers: 1,
            lost_answer: lost,
            ..Faults::default()
        });
        let sent = ok(&mcp
            .call("send_message", json!({"chat_id": chat, "message": text}))
            .await);
        assert_eq!(sent["status"], "done", "{sent}");
        assert!(
            sent["note"].as_str().unwrap().contains("answer was lost"),
            "{sent}"
        );
        assert_eq!(copies(&sandbox, &chat, &text), 1, "{lost:?}: stored once");
        let stored = sandbox.chat(&chat).unwrap();
        let message = stored
            .messages
            .iter()
            .find(|m| m.text.as_deref() == Some(&text))
            .unwrap();
        assert!(
            message.is_automated,
            "the agent's message is marked automated"
        );
        assert_eq!(
            message.idempotency_key.as_deref(),
            sent["arguments"]["idempotency_key"].as_str(),
            "the key the result names is the one hh has"
        );

        // The agent repeats the same confirmed call: hh already has the key.
        let again = ok(&mcp
            .call("send_message", json!({"chat_id": chat, "message": text}))
            .await);
        assert_eq!(again["status"], "already_sent", "{again}");
        assert_eq!(copies(&sandbox, &chat, &text), 1, "still once");

        // A new key on purpose sends the same text again.
        let fresh = ok(&mcp
            .call(
                "send_message",
                json!({"chat_id": chat, "message": text,
                       "idempotency_key": "0b7f5a44-3f0e-4f0e-9c55-8a5d2b1c9e01"}),
            )
            .await);
        assert_eq!(fresh["status"], "done", "{fresh}");
        assert_eq!(copies(&sandbox, &chat, &text), 2);
        assert_no_retired_calls(&sandbox);
        mcp.stop().await;
    }
}

#[tokio::test]
async fn a_preview_then_confirm_sends_one_message() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let mcp = Mcp::start_at(
        &sandbox.base_url(),
        Opts::default().env("HH_ACCESS_TOKEN", &sandbox.access_token()),
    )
    .await;
    let chat = sandbox.writable_chat().unwrap();
    let negotiation = sandbox.chat(&chat).unwrap().negotiation_id;
    let text = "Спасибо за отклик! Пришлите, пожалуйста, портфолио.";
    let args = json!({"negotiation_id": negotiation, "message": text});
    let preview = ok(&mcp.call("send_message", args.clone()).await);
    assert_eq!(preview["status"], "preview");
    assert_eq!(copies(&sandbox, &chat, text), 0, "a preview sends nothing");
    let mut confirmed = args.clone();
    confirmed["confirm"] = json!(true);
    for _ in 0..2 {
        let done = ok(&mcp.call("send_message", confirmed.clone()).await);
        assert_eq!(
            done["arguments"]["idempotency_key"], preview["arguments"]["idempotency_key"],
            "the key fixed by the preview"
        );
    }
    assert_eq!(
        copies(&sandbox, &chat, text),
        1,
        "once, however often confirmed"
    );
    // Named by its chat instead of its negotiation, it is still the same message.
    let by_chat = ok(&mcp
        .call(
            "send_message",
            json!({"chat_id": chat, "message": text, "confirm": true}),
        )
        .await);
    assert_eq!(
        by_chat["arguments"]["idempotency_key"],
        preview["arguments"]["idempotency_key"]
    );
    assert_eq!(by_chat["status"], "already_sent", "{by_chat}");
    assert_eq!(copies(&sandbox, &chat, text), 1);
    mcp.stop().await;
}

#[tokio::test]
async fn a_closed_chat_refuses_with_hh_s_reason_and_nothing_is_sent() {
    let (sandbox, mcp) = start().await;
    let chat = sandbox.unwritable_chat().expect("an archived chat");
    let before = sandbox.chat(&chat).unwrap().messages.len();

    let window = ok(&mcp.call("list_messages", json!({"chat_id": chat})).await);
    assert_eq!(window["can_write"], false);
    assert_eq!(window["cannot_write_because"], "ARCHIVED_BY_EMPLOYER");

    let err = tool_error(
        &mcp.call(
            "send_message",
            json!({"chat_id": chat, "message": "Здравствуйте!"}),
        )
        .await,
    );
    assert!(
        err.contains("archived") && err.contains("Nothing was sent"),
        "{err}"
    );
    assert_eq!(sandbox.chat(&chat).unwrap().messages.len(), before);
    let posts = sandbox
        .recorded()
        .iter()
        .filter(|e| e.method == "POST")
        .count();
    assert_eq!(posts, 0, "no send reached hh");
    mcp.stop().await;
}

#[tokio::test]
async fn triage_finds_unread_chats_and_mark_read_clears_them() {
    let (sandbox, mcp) = start().await;
    let vacancy = sandbox.vacancy_ids()[0].clone();
    // The agent has seen the vacancy's responses: their chats can be linked back.
    let list = ok(&mcp
        .call(
            "list_negotiations",
            json!({"vacancy_id": vacancy, "collection": "response", "all_pages": true}),
        )
        .await);
    let negotiation = list["items"][0]["id"].as_str().unwrap().to_string();
    let chat = list["items"][0]["chat_id"].as_str().unwrap().to_string();
    let message = sandbox
        .applicant_writes(&chat, "Здравствуйте! Вакансия ещё открыта?")
        .expect("the applicant may write");

    let found = unread_chats(&mcp)
        .await
        .into_iter()
        .find(|c| c["id"] == chat.as_str());
    let found = found.expect("the chat with the new message is among the unread");
    assert_eq!(found["negotiation_id"], negotiation.as_str(), "{found}");
    assert_eq!(found["vacancy_id"], vacancy.as_str(), "{found}");

    let window = ok(&mcp
        .call("list_messages", json!({"chat_id": chat, "limit": 1}))
        .await);
    assert_eq!(window["messages"][0]["id"], message.as_str());
    assert_eq!(window["messages"][0]["from"], "applicant");
    assert_eq!(
        window["messages"][0]["applicant_text"]["applicant_wrote"],
        "Здравствуйте! Вакансия ещё открыта?"
    );

    let read = ok(&mcp
        .call("mark_read", json!({"chat_id": chat, "message_id": message}))
        .await);
    assert_eq!(read["status"], "done");
    let still = unread_chats(&mcp).await;
    assert!(
        still.iter().all(|c| c["id"] != chat.as_str()),
        "still unread: {still:?}"
    );

    let n = ok(&mcp
        .call("get_negotiation", json!({"negotiation_id": negotiation}))
        .await);
    assert_eq!(n["chat_id"], chat.as_str());
    assert_eq!(n["chat"]["can_write"], true);
    assert_no_retired_calls(&sandbox);
    mcp.stop().await;
}

#[tokio::test]
async fn messages_can_go_out_unmarked() {
    let (sandbox, mcp) = start_with(&[("HH_MCP_AUTOMATED_MESSAGES", "0")]).await;
    let chat = sandbox.writable_chat().unwrap();
    let text = "Написано рекрутером.";
    ok(&mcp
        .call("send_message", json!({"chat_id": chat, "message": text}))
        .await);
    let stored = sandbox.chat(&chat).unwrap();
    let m = stored
        .messages
        .iter()
        .find(|m| m.text.as_deref() == Some(text))
        .unwrap();
    assert!(!m.is_automated);
    mcp.stop().await;
}
