//! The employer's mail templates as MCP prompts, through rmcp's client against the
//! stateful sandbox: the server advertises prompts; `prompts/list` names every template
//! hh.ru keeps for the employer, each taking a `negotiation_id`; `prompts/get` returns the
//! template as hh.ru filled it for that negotiation (the applicant's name, the vacancy);
//! a wrong name or argument is an invalid-params error that says what was expected.

mod common;

use common::{Mcp, Opts, assert_contains};
use hh_sandbox::{Sandbox, SandboxConfig};
use rmcp::model::{ContentBlock, GetPromptRequestParams};
use serde_json::{Value, json};

async fn start() -> (Sandbox, Mcp) {
    let sandbox = Sandbox::start(SandboxConfig {
        record: true,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let mcp = Mcp::start_at(
        &sandbox.base_url(),
        Opts::default().env("HH_ACCESS_TOKEN", &sandbox.access_token()),
    )
    .await;
    (sandbox, mcp)
}

fn arguments(v: Value) -> serde_json::Map<String, Value> {
    v.as_object().unwrap().clone()
}

#[tokio::test]
async fn prompts_list_the_employers_templates_and_get_fills_one_for_a_negotiation() {
    let (sandbox, mcp) = start().await;
    let info = mcp.client.peer_info().expect("initialized");
    assert!(info.capabilities.prompts.is_some(), "prompts capability");

    let prompts = mcp.client.list_all_prompts().await.expect("prompts/list");
    let names: Vec<&str> = prompts.iter().map(|p| p.name.as_str()).collect();
    for wanted in ["invite", "discard_after_response", "consider", "offer"] {
        assert!(names.contains(&wanted), "{wanted} in {names:?}");
    }
    for p in &prompts {
        assert!(p.title.as_deref().is_some_and(|t| !t.is_empty()), "{p:?}");
        let args = p.arguments.as_ref().expect("arguments");
        assert_eq!(args.len(), 1, "{p:?}");
        assert_eq!(args[0].name, "negotiation_id");
        assert_eq!(args[0].required, Some(true));
    }

    // A negotiation of the employer: hh fills in its applicant and vacancy.
    let vacancy_id = sandbox.vacancy_ids()[0].clone();
    let (negotiation, resume_id) = sandbox
        .resume_ids()
        .into_iter()
        .find_map(|r| {
            sandbox
                .negotiations_of(&r)
                .into_iter()
                .find(|(_, v, _)| *v == vacancy_id)
                .map(|(n, _, _)| (n, r))
        })
        .expect("a negotiation on the first vacancy");
    let resume = sandbox.resume(&resume_id).unwrap();
    sandbox.clear_recorded();
    let got = mcp
        .client
        .get_prompt(
            GetPromptRequestParams::new("invite")
                .with_arguments(arguments(json!({"negotiation_id": negotiation}))),
        )
        .await
        .expect("prompts/get");
    assert_eq!(got.messages.len(), 1);
    let ContentBlock::Text(text) = &got.messages[0].content else {
        panic!("a text message: {got:?}");
    };
    assert_contains(&text.text, &[&resume.first_name, &negotiation, "confirmed"]);
    assert!(
        !text.text.contains("{applicant_first_name}"),
        "{}",
        text.text
    );
    // hh filled it: the server asked for the template at hh's url, for this negotiation.
    let asked: Vec<_> = sandbox
        .recorded()
        .into_iter()
        .filter(|e| e.path == "/message_templates/invite")
        .collect();
    assert_eq!(asked.len(), 1);
    assert_eq!(
        asked[0].query.as_deref(),
        Some(format!("topic_id={negotiation}").as_str())
    );

    // Mistakes are the caller's, said plainly.
    for (name, args, says) in [
        ("invite", json!({}), &["negotiation_id"][..]),
        (
            "invite",
            json!({"negotiation_id": "../x"}),
            &["negotiation_id", "expected an id"][..],
        ),
        (
            "no_such_template",
            json!({"negotiation_id": negotiation}),
            &["no template prompt", "invite"][..],
        ),
    ] {
        let err = mcp
            .client
            .get_prompt(GetPromptRequestParams::new(name).with_arguments(arguments(args)))
            .await
            .expect_err("refused");
        assert_contains(&err.to_string(), says);
    }
    // Another employer's negotiation is hh's 404.
    let err = mcp
        .client
        .get_prompt(
            GetPromptRequestParams::new("invite")
                .with_arguments(arguments(json!({"negotiation_id": "1"}))),
        )
        .await
        .expect_err("refused");
    assert_contains(&err.to_string(), &["404"]);
    mcp.stop().await;
}
