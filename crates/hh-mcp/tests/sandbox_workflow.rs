//! The employer's request from the issue, end to end: "go through the new responses to a
//! vacancy, put a strong one on hold, discard one with a message, invite the best one to
//! another vacancy with a short message, and write to them" — the built server, driven by
//! rmcp's client, against the stateful sandbox; every state change is read back.

mod common;

use common::{Mcp, ok, sandbox_and_mcp, tool_error};
use hh_sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};

async fn start() -> (Sandbox, Mcp) {
    sandbox_and_mcp(SandboxConfig::default(), &[]).await
}

fn count(collections: &Value, id: &str) -> u64 {
    collections["collections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no collection {id} in {collections}"))["total"]
        .as_u64()
        .unwrap_or(0)
}

fn ids(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect()
}

/// Finds the negotiation of `resume_id` in any collection of `vacancy_id`.
async fn find_negotiation(mcp: &Mcp, vacancy_id: &str, resume_id: &str) -> Option<Value> {
    let collections = ok(&mcp
        .call("list_collections", json!({"vacancy_id": vacancy_id}))
        .await);
    for c in collections["collections"].as_array().unwrap() {
        let list = ok(&mcp
            .call(
                "list_negotiations",
                json!({"vacancy_id": vacancy_id, "collection": c["id"], "all_pages": true}),
            )
            .await);
        if let Some(n) = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["applicant"]["resume_id"] == resume_id)
        {
            return Some(n.clone());
        }
    }
    None
}

#[tokio::test]
async fn an_agent_works_a_vacancys_new_responses_end_to_end() {
    let (sandbox, mcp) = start().await;

    let me = ok(&mcp.call("get_me", json!({})).await);
    assert_eq!(me["employer"]["id"], sandbox.employer_id());

    let vacancies = ok(&mcp.call("list_vacancies", json!({"per_page": 50})).await);
    let vacancy = vacancies["items"][0]["id"].as_str().unwrap().to_string();
    let before = ok(&mcp
        .call("list_collections", json!({"vacancy_id": vacancy}))
        .await);
    let (responses, on_hold) = (count(&before, "response"), count(&before, "consider"));
    assert!(
        responses >= 2,
        "the seed gives the first vacancy new responses: {before}"
    );

    // Read every new response, page by page (per_page 5) and all at once: the same ones.
    let all = ok(&mcp
        .call(
            "list_negotiations",
            json!({"vacancy_id": vacancy, "collection": "response", "all_pages": true, "per_page": 5}),
        )
        .await);
    assert_eq!(all["found"].as_u64().unwrap(), responses);
    let all_ids = ids(&all);
    assert_eq!(all_ids.len() as u64, responses);
    let first_page = ok(&mcp
        .call(
            "list_negotiations",
            json!({"vacancy_id": vacancy, "collection": "response", "per_page": 5}),
        )
        .await);
    assert_eq!(ids(&first_page), all_ids[..5.min(all_ids.len())].to_vec());

    // Open the first: its actions, its resume (applicant text is marked).
    let strong = all_ids[0].clone();
    let negotiation = ok(&mcp
        .call("get_negotiation", json!({"negotiation_id": strong}))
        .await);
    let actions: Vec<&str> = negotiation["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"consider"), "{actions:?}");
    let resume = ok(&mcp
        .call("get_resume", json!({"negotiation_id": strong}))
        .await);
    let resume_id = resume["resume_id"].as_str().unwrap().to_string();
    assert!(resume["title"]["applicant_wrote"].is_string(), "{resume}");

    // Put it on hold: it moves from `response` to `consider`.
    let held = ok(&mcp
        .call(
            "change_negotiation_state",
            json!({"negotiation_id": strong, "action": "consider"}),
        )
        .await);
    assert_eq!(held["status"], "done", "{held}");
    let after = ok(&mcp
        .call("list_collections", json!({"vacancy_id": vacancy}))
        .await);
    assert_eq!(count(&after, "response"), responses - 1);
    assert_eq!(count(&after, "consider"), on_hold + 1);
    let reread = ok(&mcp
        .call("get_negotiation", json!({"negotiation_id": strong}))
        .await);
    assert_eq!(reread["employer_state"]["id"], "consider");

    // Discarding needs what the action lists; without a required message it is refused
    // before anything is sent, with one it goes through.
    let weak = all_ids[1].clone();
    let discard = ok(&mcp
        .call("get_negotiation", json!({"negotiation_id": weak}))
        .await)["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "discard_by_employer")
        .cloned()
        .expect("a response can be discarded");
    let needs_message = discard["arguments"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["id"] == "message" && a["required"] == true);
    if needs_message {
        let refused = tool_error(
            &mcp.call(
                "change_negotiation_state",
                json!({"negotiation_id": weak, "action": "discard_by_employer"}),
            )
            .await,
        );
        assert!(refused.contains("message"), "{refused}");
    }
    let requests_before = sandbox.request_count();
    let discarded = ok(&mcp
        .call(
            "change_negotiation_state",
            json!({"negotiation_id": weak, "action": "discard_by_employer",
                   "message": "Спасибо за отклик! К сожалению, мы выбрали другого кандидата."}),
        )
        .await);
    assert_eq!(discarded["status"], "done");
    assert!(sandbox.request_count() > requests_before);
    let reread = ok(&mcp
        .call("get_negotiation", json!({"negotiation_id": weak}))
        .await);
    assert_eq!(reread["employer_state"]["id"], "discard_by_employer");

    // Invite the strong applicant to another vacancy hh says they can be invited to.
    let options = ok(&mcp
        .call(
            "list_vacancies",
            json!({"resume_id": resume_id, "per_page": 50}),
        )
        .await);
    let target = options["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] != vacancy.as_str() && v["can_invite"] == true)
        .cloned()
        .expect("another vacancy accepts this resume");
    let target_id = target["id"].as_str().unwrap().to_string();
    assert!(
        !target["invite_actions"].as_array().unwrap().is_empty(),
        "{target}"
    );
    let invited = ok(&mcp
        .call(
            "invite_applicant",
            json!({"vacancy_id": target_id, "resume_id": resume_id,
                   "message": "Здравствуйте! Приглашаем вас на собеседование во вторник в 11:00."}),
        )
        .await);
    assert_eq!(invited["status"], "done", "{invited}");
    // One negotiation per vacancy and resume: a second invitation is refused with the reason.
    let again = tool_error(
        &mcp.call(
            "invite_applicant",
            json!({"vacancy_id": target_id, "resume_id": resume_id, "message": "Ещё раз"}),
        )
        .await,
    );
    assert!(again.contains("already has a negotiation"), "{again}");

    // Write to them in the new negotiation, and read the conversation back.
    let created = find_negotiation(&mcp, &target_id, &resume_id)
        .await
        .expect("the invitation is listed under the target vacancy");
    let nid = created["id"].as_str().unwrap().to_string();
    let sent = ok(&mcp
        .call(
            "send_message",
            json!({"negotiation_id": nid, "message": "Адрес: Москва, ул. Льва Толстого, 16."}),
        )
        .await);
    assert_eq!(sent["status"], "done");
    let messages = ok(&mcp
        .call("list_messages", json!({"negotiation_id": nid}))
        .await);
    let texts: Vec<&str> = messages["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["text"].as_str())
        .collect();
    assert!(
        texts.iter().any(|t| t.contains("Льва Толстого")),
        "{messages}"
    );

    // Mark what was read as read.
    let read = ok(&mcp
        .call("mark_read", json!({"negotiation_ids": [strong, weak]}))
        .await);
    assert_eq!(read["status"], "done");

    let stderr = mcp.stop().await;
    assert!(
        !stderr.contains(&sandbox.access_token()),
        "the token never reaches the logs"
    );
}
