//! Bad arguments become tool errors (`isError: true`) that name the problem, and nothing
//! is sent to hh: malformed arguments are refused before any request, and an action's
//! arguments are checked against what hh says it takes before the action is sent.

mod common;

use common::*;
use serde_json::{Value, json};

/// Calls each case on one server; every one must be a tool error containing the needles,
/// and hh must have received no request at all.
async fn refused_before_any_request(cases: &[(&str, Value, &[&str])]) {
    let hh = FakeHh::start().await;
    let mcp = Mcp::start(&hh).await;
    for (tool, args, needles) in cases {
        let err = tool_error(&mcp.call(tool, args.clone()).await);
        assert_contains(&err, needles);
        assert!(
            hh.requests().is_empty(),
            "{tool} {args}: nothing may reach hh, got {:?}",
            hh.lines()
        );
    }
    mcp.stop().await;
}

#[tokio::test]
async fn wrong_types() {
    refused_before_any_request(&[
        (
            "list_collections",
            json!({"vacancy_id": true}),
            &[
                "list_collections",
                "invalid arguments",
                "expected an id",
                "a boolean",
            ],
        ),
        (
            "get_negotiation",
            json!({"negotiation_id": 1.5}),
            &["expected an id", "a number"],
        ),
        (
            "list_messages",
            json!({"negotiation_id": "5", "limit": "two"}),
            &["expected a whole number", "\"two\""],
        ),
        (
            "send_message",
            json!({"negotiation_id": "5", "message": 42}),
            &["send_message", "invalid type", "string"],
        ),
        (
            "list_negotiations",
            json!({"vacancy_id": "1", "collection": "response", "all_pages": "yes"}),
            &["invalid type", "boolean"],
        ),
        (
            "mark_read",
            json!({"negotiation_ids": "5"}),
            &["invalid type", "sequence"],
        ),
        (
            "get_negotiation",
            json!({"negotiation_id": "../me"}),
            &["expected an id of letters, digits"],
        ),
    ])
    .await;
}

#[tokio::test]
async fn missing_and_unknown_fields() {
    refused_before_any_request(&[
        (
            "list_collections",
            json!({}),
            &["list_collections", "missing field `vacancy_id`"],
        ),
        (
            "list_negotiations",
            json!({"vacancy_id": "1"}),
            &["missing field `collection`"],
        ),
        (
            "send_message",
            json!({"negotiation_id": "5"}),
            &["missing field `message`"],
        ),
        (
            "get_negotiation",
            json!({"negotiation_id": "5", "negotiationid": "6"}),
            &["unknown field `negotiationid`", "expected `negotiation_id`"],
        ),
        (
            "get_me",
            json!({"verbose": true}),
            &["get_me", "unknown field `verbose`"],
        ),
        (
            "list_messages",
            json!({}),
            &["list_messages", "give `negotiation_id` or `chat_id`"],
        ),
        (
            "send_message",
            json!({"negotiation_id": "5", "chat_id": "9005", "message": "hi"}),
            &["not both"],
        ),
        (
            "list_messages",
            json!({"chat_id": "9005", "limit": 51}),
            &["`limit` is 1 to 50", "51"],
        ),
        (
            "send_message",
            json!({"chat_id": "9005", "message": "hi", "idempotency_key": "once"}),
            &["`idempotency_key`", "not a UUID"],
        ),
        (
            "mark_read",
            json!({"chat_id": "9005"}),
            &["give `message_id` too"],
        ),
        (
            "mark_read",
            json!({"chat_id": "9005", "message_id": "m-2", "negotiation_ids": ["5"]}),
            &["not both"],
        ),
        (
            "list_chats",
            json!({"unread": true}),
            &["unknown field `unread`"],
        ),
        (
            // A typo in an acting tool must not be ignored.
            "send_message",
            json!({"negotiation_id": "5", "message": "hi", "confrim": true}),
            &["unknown field `confrim`"],
        ),
    ])
    .await;
}

#[tokio::test]
async fn messages_must_say_something_and_not_too_much() {
    refused_before_any_request(&[
        (
            "send_message",
            json!({"negotiation_id": "5", "message": "  \n "}),
            &["the message is empty"],
        ),
        (
            "invite_applicant",
            json!({"vacancy_id": "1", "resume_id": "r1", "message": ""}),
            &["the message is empty"],
        ),
        (
            "send_message",
            json!({"negotiation_id": "5", "message": "я".repeat(10_001)}),
            &["longer than 10000 characters"],
        ),
    ])
    .await;
}

#[tokio::test]
async fn unknown_tool_and_id_counts() {
    refused_before_any_request(&[
        (
            "delete_everything",
            json!({}),
            &["there is no tool `delete_everything`", "tools/list"],
        ),
        (
            "mark_read",
            json!({"negotiation_ids": []}),
            &["between 1 and 50", "got 0"],
        ),
        (
            "mark_read",
            json!({"negotiation_ids": (0..51).map(|i| i.to_string()).collect::<Vec<_>>()}),
            &["between 1 and 50", "got 51"],
        ),
    ])
    .await;
}

/// Errors found against hh's own description of the negotiation or vacancy: hh is read,
/// but nothing is written.
async fn refused_before_any_write(tool: &str, args: Value, needles: &[&str]) -> Vec<String> {
    let hh = FakeHh::start().await;
    let mcp = Mcp::start(&hh).await;
    let mut args = args;
    // Even with the agent's confirmation.
    if [
        "invite_applicant",
        "change_negotiation_state",
        "send_message",
    ]
    .contains(&tool)
    {
        args["confirm"] = json!(true);
    }
    let err = tool_error(&mcp.call(tool, args.clone()).await);
    assert_contains(&err, needles);
    assert!(hh.writes().is_empty(), "{tool} {args}: {:?}", hh.lines());
    mcp.stop().await;
    hh.lines()
}

#[tokio::test]
async fn unknown_action_lists_the_available_ones() {
    let reads = refused_before_any_write(
        "change_negotiation_state",
        json!({"negotiation_id": "5", "action": "promote"}),
        &[
            "negotiation 5 has no action `promote` now",
            "available: hold, discard_by_employer",
        ],
    )
    .await;
    assert_eq!(reads, ["GET /negotiations/5"]);
}

#[tokio::test]
async fn a_disabled_action_is_refused() {
    refused_before_any_write(
        "change_negotiation_state",
        json!({"negotiation_id": "5", "action": "interview", "message": "hi"}),
        &["action `interview` is not available for this negotiation now"],
    )
    .await;
}

#[tokio::test]
async fn an_action_without_its_required_argument_is_refused() {
    refused_before_any_write(
        "change_negotiation_state",
        json!({"negotiation_id": "5", "action": "discard_by_employer"}),
        &[
            "action `discard_by_employer`",
            "missing required argument(s): message",
        ],
    )
    .await;
    refused_before_any_write(
        "change_negotiation_state",
        json!({"negotiation_id": "5", "action": "discard_by_employer", "send_sms": true}),
        &[
            "missing required argument(s): message",
            "`send_sms` needs `message` too",
        ],
    )
    .await;
}

#[tokio::test]
async fn arguments_the_action_does_not_take_are_refused() {
    refused_before_any_write(
        "change_negotiation_state",
        json!({"negotiation_id": "5", "action": "hold", "arguments": {"colour": "red"}}),
        &[
            "not an argument of this action: colour",
            "(it takes: nothing)",
        ],
    )
    .await;
    refused_before_any_write(
        "change_negotiation_state",
        json!({
            "negotiation_id": "5", "action": "discard_by_employer",
            "message": "a", "arguments": {"message": "b"}
        }),
        &["`message` is given twice"],
    )
    .await;
}

#[tokio::test]
async fn an_unknown_collection_lists_the_collections() {
    refused_before_any_write(
        "list_negotiations",
        json!({"vacancy_id": "1", "collection": "archive"}),
        &["no collection `archive`", "response, interview"],
    )
    .await;
}

#[tokio::test]
async fn invite_refuses_with_hh_reason_when_can_invite_is_false() {
    let reads = refused_before_any_write(
        "invite_applicant",
        json!({"vacancy_id": "1", "resume_id": "r-hidden", "message": "hi"}),
        &[
            "cannot invite resume r-hidden to vacancy 1",
            "can_invite is false",
        ],
    )
    .await;
    assert_eq!(
        reads,
        [
            "GET /me",
            "GET /employers/1455/vacancies/active?page=0&per_page=50&resume_id=r-hidden"
        ]
    );
    refused_before_any_write(
        "invite_applicant",
        json!({"vacancy_id": "1", "resume_id": "r-taken", "message": "hi"}),
        &[
            "already has a negotiation on this vacancy",
            "state `interview`",
            "change_negotiation_state",
        ],
    )
    .await;
}

#[tokio::test]
async fn invite_with_an_unknown_action_or_vacancy_is_refused() {
    refused_before_any_write(
        "invite_applicant",
        json!({"vacancy_id": "1", "resume_id": "r1", "message": "hi", "action": "teleport"}),
        &[
            "offers no invite action `teleport`",
            "offered: phone_interview",
        ],
    )
    .await;
    refused_before_any_write(
        "invite_applicant",
        json!({"vacancy_id": "99", "resume_id": "r1", "message": "hi"}),
        &[
            "vacancy 99 is not among the vacancies hh.ru lists for resume r1",
            "fit",
        ],
    )
    .await;
    // A wrong type in an optional field.
    refused_before_any_write(
        "invite_applicant",
        json!({"vacancy_id": "1", "resume_id": "r1", "message": "hi", "send_sms": "yes"}),
        &["invalid type", "boolean"],
    )
    .await;
}
