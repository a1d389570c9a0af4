//! A person confirms actions that reach a person, through the MCP client's form
//! (elicitation), on both lifecycles rmcp 3.11 speaks:
//!
//! - `initialize` negotiates 2025-11-25; the server asks with an `elicitation/create`
//!   request while the tool call is open, and the client's `create_elicitation` answers.
//! - `server/discover` on 2026-07-28 forbids server-to-client requests; the server answers
//!   the call with an input-required result (`inputRequests.confirm` + `requestState`), and
//!   rmcp's `call_tool` fulfils it through the same `create_elicitation` and calls again.
//!
//! Either way the agent's `confirm: true` does not skip the question when the client can
//! be asked, and nothing is sent unless the person accepted with `confirm: true`.

mod common;

use common::*;
use rmcp::model::{CallToolRequestParams, CallToolResponse, InputResponses, ProtocolVersion};
use serde_json::{Value, json};

const MSG: &str = "Добрый день! Когда удобно созвониться?";

fn send_args(confirm: bool) -> Value {
    json!({"negotiation_id": "5", "message": MSG, "confirm": confirm})
}

/// The one question asked: a form with one required boolean `confirm`, naming the
/// recipient and the text.
fn assert_one_question(mcp: &Mcp, needles: &[&str]) {
    let asked = mcp.questions();
    assert_eq!(asked.len(), 1, "asked exactly once: {asked:#?}");
    let q = &asked[0];
    let message = q["message"].as_str().expect("a form message");
    assert_contains(message, needles);
    assert_eq!(q["requestedSchema"]["required"], json!(["confirm"]), "{q}");
    assert_eq!(
        q["requestedSchema"]["properties"]["confirm"]["type"], "boolean",
        "{q}"
    );
}

async fn start(hh: &FakeHh, lifecycle: Lifecycle, answer: Answer) -> Mcp {
    let mcp = Mcp::start_opts(hh, Opts::default().lifecycle(lifecycle).answer(answer)).await;
    let expected = match lifecycle {
        Lifecycle::Initialize => ProtocolVersion::V_2025_11_25,
        Lifecycle::Discover => ProtocolVersion::V_2026_07_28,
    };
    assert_eq!(mcp.protocol(), expected, "negotiated protocol");
    mcp
}

// ---- initialize (2025-11-25): elicitation/create during the call ----------------------

#[tokio::test]
async fn legacy_accept_sends_once() {
    let hh = FakeHh::start().await;
    let mcp = start(&hh, Lifecycle::Initialize, Answer::Accept(true)).await;

    let out = ok(&mcp.call("send_message", send_args(false)).await);

    assert_eq!(out["status"], "done", "{out}");
    assert_one_question(
        &mcp,
        &[
            "Send `message` on hh.ru to Иван Соколов",
            "(negotiation 5)",
            MSG,
        ],
    );
    let writes = hh.writes();
    assert_eq!(writes.len(), 1, "{:?}", hh.lines());
    assert_eq!(writes[0].line(), "POST /common/chats/9005/messages");
    writes[0].assert_chat_message(MSG);
    mcp.stop().await;
}

#[tokio::test]
async fn legacy_decline_sends_nothing() {
    let hh = FakeHh::start().await;
    let mcp = start(&hh, Lifecycle::Initialize, Answer::Decline).await;

    let out = ok(&mcp.call("send_message", send_args(false)).await);

    assert_eq!(out["status"], "declined", "{out}");
    assert_contains(
        out["note"].as_str().unwrap(),
        &["declined", "nothing was sent"],
    );
    assert_one_question(&mcp, &["Иван Соколов"]);
    assert!(hh.writes().is_empty(), "{:?}", hh.lines());
    mcp.stop().await;
}

#[tokio::test]
async fn legacy_agent_confirm_does_not_skip_the_question() {
    let hh = FakeHh::start().await;
    let mcp = start(&hh, Lifecycle::Initialize, Answer::Decline).await;

    let out = ok(&mcp.call("send_message", send_args(true)).await);

    assert_eq!(out["status"], "declined", "{out}");
    assert_one_question(&mcp, &[MSG]);
    assert!(hh.writes().is_empty(), "{:?}", hh.lines());
    mcp.stop().await;
}

#[tokio::test]
async fn legacy_cancel_or_unticked_box_sends_nothing() {
    for answer in [Answer::Cancel, Answer::Accept(false)] {
        let hh = FakeHh::start().await;
        let mcp = start(&hh, Lifecycle::Initialize, answer).await;

        let out = ok(&mcp
            .call(
                "change_negotiation_state",
                json!({"negotiation_id": "5", "action": "hold", "confirm": true}),
            )
            .await);

        assert_eq!(out["status"], "declined", "{answer:?}: {out}");
        assert_one_question(&mcp, &["Send `hold`", "moving it to «Подумать»"]);
        assert!(hh.writes().is_empty(), "{answer:?}: {:?}", hh.lines());
        mcp.stop().await;
    }
}

#[tokio::test]
async fn legacy_invitation_is_confirmed_too() {
    let hh = FakeHh::start().await;
    let mcp = start(&hh, Lifecycle::Initialize, Answer::Accept(true)).await;

    let out = ok(&mcp
        .call(
            "invite_applicant",
            json!({"vacancy_id": "1", "resume_id": "r1", "message": "Приходите"}),
        )
        .await);

    assert_eq!(out["status"], "done", "{out}");
    assert_one_question(
        &mcp,
        &[
            "Send `phone_interview`",
            "the owner of resume r1",
            "message: Приходите",
        ],
    );
    // The ids the form already names are not repeated as arguments.
    let message = mcp.questions()[0]["message"].as_str().unwrap().to_string();
    assert!(!message.contains("resume_id:"), "{message}");
    assert_eq!(hh.writes().len(), 1, "{:?}", hh.lines());
    mcp.stop().await;
}

#[tokio::test]
async fn mark_read_is_not_confirmed() {
    let hh = FakeHh::start().await;
    let mcp = start(&hh, Lifecycle::Initialize, Answer::Decline).await;

    let out = ok(&mcp
        .call("mark_read", json!({"negotiation_ids": ["5"]}))
        .await);

    assert_eq!(out["status"], "done");
    assert!(mcp.questions().is_empty(), "{:?}", mcp.questions());
    assert_eq!(hh.writes().len(), 1);
    mcp.stop().await;
}

#[tokio::test]
async fn confirm_never_asks_nobody_even_a_client_that_can_be_asked() {
    for lifecycle in [Lifecycle::Initialize, Lifecycle::Discover] {
        let hh = FakeHh::start().await;
        let mcp = Mcp::start_opts(
            &hh,
            Opts::default()
                .lifecycle(lifecycle)
                .answer(Answer::Decline)
                .env("HH_MCP_CONFIRM", "never"),
        )
        .await;

        let out = ok(&mcp.call("send_message", send_args(false)).await);

        assert_eq!(out["status"], "done", "{lifecycle:?}: {out}");
        assert!(mcp.questions().is_empty(), "{lifecycle:?}");
        assert_eq!(hh.writes().len(), 1, "{lifecycle:?}: {:?}", hh.lines());
        mcp.stop().await;
    }
}

// ---- server/discover (2026-07-28): input-required round trip ----------------------------

#[tokio::test]
async fn modern_accept_sends_once() {
    let hh = FakeHh::start().await;
    let mcp = start(&hh, Lifecycle::Discover, Answer::Accept(true)).await;

    let out = ok(&mcp.call("send_message", send_args(false)).await);

    assert_eq!(out["status"], "done", "{out}");
    assert_one_question(&mcp, &["Иван Соколов", MSG]);
    let writes = hh.writes();
    assert_eq!(writes.len(), 1, "{:?}", hh.lines());
    writes[0].assert_chat_message(MSG);
    // The negotiation was read once, for the plan; the answer executes the stored plan.
    assert_eq!(hh.count("GET", "/negotiations/5"), 1, "{:?}", hh.lines());
    mcp.stop().await;
}

#[tokio::test]
async fn modern_decline_sends_nothing_even_with_agent_confirm() {
    let hh = FakeHh::start().await;
    let mcp = start(&hh, Lifecycle::Discover, Answer::Decline).await;

    let out = ok(&mcp.call("send_message", send_args(true)).await);

    assert_eq!(out["status"], "declined", "{out}");
    assert_one_question(&mcp, &[MSG]);
    assert!(hh.writes().is_empty(), "{:?}", hh.lines());
    mcp.stop().await;
}

#[tokio::test]
async fn modern_state_change_accepted() {
    let hh = FakeHh::start().await;
    let mcp = start(&hh, Lifecycle::Discover, Answer::Accept(true)).await;

    let out = ok(&mcp
        .call(
            "change_negotiation_state",
            json!({"negotiation_id": "5", "action": "discard_by_employer", "message": "Нет"}),
        )
        .await);

    assert_eq!(out["status"], "done", "{out}");
    assert_one_question(
        &mcp,
        &["Send `discard_by_employer`", "«Отказ»", "message: Нет"],
    );
    let writes = hh.writes();
    assert_eq!(writes.len(), 1, "{:?}", hh.lines());
    assert_eq!(writes[0].line(), "PUT /negotiations/discard_by_employer/5");
    writes[0].assert_form(&form(&[("message", "Нет")]));
    mcp.stop().await;
}

/// The round trip by hand (`call_tool_once`): what the server returns, and that its
/// `requestState` is single-use, bound to the tool, and cannot be made up.
#[tokio::test]
async fn modern_round_trip_by_hand() {
    let hh = FakeHh::start().await;
    let mcp = start(&hh, Lifecycle::Discover, Answer::Accept(true)).await;
    let params = |state: Option<&str>, responses: Option<InputResponses>, tool: &str| {
        let mut p = CallToolRequestParams::new(tool.to_string())
            .with_arguments(send_args(true).as_object().unwrap().clone());
        p.request_state = state.map(str::to_string);
        p.input_responses = responses;
        p
    };
    let once = |p: CallToolRequestParams| async {
        tokio::time::timeout(STEP, mcp.client.call_tool_once(p))
            .await
            .expect("in time")
            .expect("tools/call")
    };
    let yes: InputResponses = [(
        "confirm".to_string(),
        json!({"action": "accept", "content": {"confirm": true}}),
    )]
    .into_iter()
    .collect();

    // Round 1: the server asks; nothing is sent.
    let CallToolResponse::InputRequired(required) = once(params(None, None, "send_message")).await
    else {
        panic!("expected an input-required result");
    };
    let wire = serde_json::to_value(&required).unwrap();
    assert_eq!(wire["resultType"], "input_required", "{wire}");
    let question = &wire["inputRequests"]["confirm"];
    assert_eq!(question["method"], "elicitation/create", "{wire}");
    assert_contains(
        question["params"]["message"].as_str().unwrap_or_default(),
        &["Иван Соколов", MSG],
    );
    assert_eq!(
        question["params"]["requestedSchema"]["required"],
        json!(["confirm"])
    );
    let state = required.request_state.clone().expect("a request state");
    assert!(hh.writes().is_empty(), "{:?}", hh.lines());

    // A made-up state, or the real one on another tool, sends nothing.
    for (forged, tool) in [
        (
            "hh-mcp-confirm-00000000000000000000000000000000",
            "send_message",
        ),
        (state.as_str(), "change_negotiation_state"),
    ] {
        let CallToolResponse::Complete(r) =
            once(params(Some(forged), Some(yes.clone()), tool)).await
        else {
            panic!("expected a complete result");
        };
        assert_contains(&tool_error(&r), &["expired", "nothing was sent"]);
    }
    assert!(hh.writes().is_empty(), "{:?}", hh.lines());

    // The state was consumed by the wrong-tool attempt: ask again, then answer properly.
    let CallToolResponse::InputRequired(required) = once(params(None, None, "send_message")).await
    else {
        panic!("expected an input-required result");
    };
    let state = required.request_state.expect("a request state");
    let CallToolResponse::Complete(r) =
        once(params(Some(&state), Some(yes.clone()), "send_message")).await
    else {
        panic!("expected a complete result");
    };
    assert_eq!(ok(&r)["status"], "done");
    assert_eq!(hh.writes().len(), 1, "{:?}", hh.lines());

    // Replaying the answered state does not send again.
    let CallToolResponse::Complete(r) = once(params(Some(&state), Some(yes), "send_message")).await
    else {
        panic!("expected a complete result");
    };
    assert_contains(&tool_error(&r), &["already answered"]);
    assert_eq!(hh.writes().len(), 1, "{:?}", hh.lines());

    // An answer without the form's field, or with no responses at all, is a no.
    for responses in [
        Some(
            [("confirm".to_string(), json!({"action": "accept"}))]
                .into_iter()
                .collect::<InputResponses>(),
        ),
        None,
    ] {
        let CallToolResponse::InputRequired(required) =
            once(params(None, None, "send_message")).await
        else {
            panic!("expected an input-required result");
        };
        let state = required.request_state.expect("a request state");
        let CallToolResponse::Complete(r) =
            once(params(Some(&state), responses.clone(), "send_message")).await
        else {
            panic!("expected a complete result");
        };
        assert_eq!(ok(&r)["status"], "declined", "{responses:?}");
    }
    assert_eq!(hh.writes().len(), 1, "{:?}", hh.lines());
    // Nothing here used the client's own form handler.
    assert!(mcp.questions().is_empty());
    mcp.stop().await;
}

/// A client that declares the form but whose form handler fails: with the 2026 round
/// trip the whole call fails and nothing is sent.
#[tokio::test]
async fn modern_failing_form_sends_nothing() {
    let hh = FakeHh::start().await;
    let mcp = start(&hh, Lifecycle::Discover, Answer::Fail).await;

    let mut p = CallToolRequestParams::new("send_message");
    p = p.with_arguments(send_args(true).as_object().unwrap().clone());
    let result = tokio::time::timeout(STEP, mcp.client.call_tool(p))
        .await
        .expect("in time");
    assert!(
        result.is_err(),
        "the call fails with the handler: {result:?}"
    );
    assert!(hh.writes().is_empty(), "{:?}", hh.lines());
    mcp.stop().await;
}

/// On the legacy lifecycle a failing form sends nothing either: a preview that says why,
/// and the agent's `confirm: true` does not stand in for the user's answer.
#[tokio::test]
async fn legacy_failing_form_sends_nothing() {
    let hh = FakeHh::start().await;
    let mcp = start(&hh, Lifecycle::Initialize, Answer::Fail).await;

    let out = ok(&mcp.call("send_message", send_args(false)).await);
    assert_eq!(out["status"], "preview", "{out}");
    let out = ok(&mcp.call("send_message", send_args(true)).await);
    assert_eq!(out["status"], "preview", "{out}");
    assert_contains(
        out["note"].as_str().unwrap(),
        &["could not show the confirmation"],
    );
    assert_eq!(mcp.questions().len(), 2, "asked both times");
    assert!(hh.writes().is_empty(), "{:?}", hh.lines());
    let stderr = mcp.stop().await;
    assert_contains(&stderr, &["could not ask the user"]);
}

/// A 2026-07-28 client without the form capability (declared per request): the preview,
/// then `confirm: true` sends once.
#[tokio::test]
async fn modern_client_without_a_form_gets_the_preview() {
    let hh = FakeHh::start().await;
    let mcp = Mcp::start_opts(&hh, Opts::default().lifecycle(Lifecycle::Discover)).await;
    assert_eq!(mcp.protocol(), ProtocolVersion::V_2026_07_28);

    let out = ok(&mcp.call("send_message", send_args(false)).await);
    assert_eq!(out["status"], "preview", "{out}");
    assert!(hh.writes().is_empty(), "{:?}", hh.lines());

    let out = ok(&mcp.call("send_message", send_args(true)).await);
    assert_eq!(out["status"], "done", "{out}");
    assert_eq!(hh.writes().len(), 1, "{:?}", hh.lines());
    mcp.stop().await;
}
