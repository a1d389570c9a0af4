//! `hh-mcp` for people: `tools` lists the tools, `call` runs one and prints its JSON, and
//! bad input or settings end with a clear message and a non-zero exit code.

mod common;

use std::process::{Output, Stdio};

use common::*;
use serde_json::{Value, json};

async fn run(base: &str, env: &[(&str, &str)], args: &[&str]) -> Output {
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut cmd = server_command(base, &env);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    tokio::time::timeout(STEP, cmd.output())
        .await
        .expect("hh-mcp finishes in time")
        .expect("hh-mcp runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json_out(o: &Output) -> Value {
    assert!(o.status.success(), "exit {}: {}", o.status, stderr(o));
    serde_json::from_str(&stdout(o))
        .unwrap_or_else(|e| panic!("stdout is one JSON value ({e}):\n{}", stdout(o)))
}

#[tokio::test]
async fn tools_lists_every_tool_and_marks_the_acting_ones() {
    let o = run("http://127.0.0.1:9", &[], &["tools"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let named: Vec<&str> = out
        .lines()
        .filter(|l| !l.starts_with(' ') && !l.is_empty())
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(
        named,
        [
            "get_me",
            "list_vacancies",
            "list_collections",
            "list_negotiations",
            "get_negotiation",
            "get_resume",
            "list_messages",
            "invite_applicant",
            "change_negotiation_state",
            "send_message",
            "mark_read",
        ],
        "{out}"
    );
    for line in out.lines().filter(|l| !l.starts_with(' ')) {
        let acting = [
            "invite_applicant",
            "change_negotiation_state",
            "send_message",
        ]
        .iter()
        .any(|t| line.starts_with(t));
        assert_eq!(line.contains("reaches a person"), acting, "{line}");
    }

    let o = run(
        "http://127.0.0.1:9",
        &[("HH_MCP_READ_ONLY", "1")],
        &["tools"],
    )
    .await;
    let out = stdout(&o);
    assert!(
        out.contains("get_me") && !out.contains("send_message"),
        "{out}"
    );
}

#[tokio::test]
async fn tools_json_is_what_tools_list_serves() {
    let o = run("http://127.0.0.1:9", &[], &["tools", "--json"]).await;
    let cli = json_out(&o);
    let snapshot: Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/snapshots/tools_list.json"),
        )
        .expect("the tools/list snapshot"),
    )
    .unwrap();
    assert_eq!(cli, snapshot, "`hh-mcp tools --json` and tools/list differ");
}

#[tokio::test]
async fn call_prints_the_result_as_json() {
    let hh = FakeHh::start().await;
    let o = run(
        &hh.base_url(),
        &[],
        &["call", "get_negotiation", r#"{"negotiation_id":"5"}"#],
    )
    .await;
    let n = json_out(&o);
    assert_eq!(n["id"], "5");
    assert_eq!(n["applicant"]["resume_id"], "r1");
    assert_eq!(n["actions"][0]["id"], "hold");
    assert_eq!(hh.lines(), ["GET /negotiations/5"]);
    hh.assert_all_hh_headers();
    assert!(!stderr(&o).contains(TOKEN));
}

#[tokio::test]
async fn call_previews_an_action_until_confirmed() {
    let hh = FakeHh::start().await;
    let args = json!({"negotiation_id": "5", "message": "Привет"});
    let preview = json_out(
        &run(
            &hh.base_url(),
            &[],
            &["call", "send_message", &args.to_string()],
        )
        .await,
    );
    assert_eq!(preview["status"], "preview");
    assert!(hh.writes().is_empty(), "{:?}", hh.lines());

    let mut confirmed = args.clone();
    confirmed["confirm"] = json!(true);
    let done = json_out(
        &run(
            &hh.base_url(),
            &[],
            &["call", "send_message", &confirmed.to_string()],
        )
        .await,
    );
    assert_eq!(done["status"], "done");
    let writes = hh.writes();
    assert_eq!(writes.len(), 1, "{:?}", hh.lines());
    writes[0].assert_form(&form(&[("message", "Привет")]));
}

#[tokio::test]
async fn call_with_arguments_that_are_not_json_says_so() {
    let hh = FakeHh::start().await;
    let o = run(&hh.base_url(), &[], &["call", "get_me", "not json"]).await;
    assert!(!o.status.success());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert_contains(
        &err,
        &[
            "hh-mcp call get_me",
            "the arguments are not JSON",
            "vacancy_id",
        ],
    );
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));
    assert!(hh.requests().is_empty(), "{:?}", hh.lines());
}

#[tokio::test]
async fn call_failures_exit_non_zero_with_the_reason() {
    let hh = FakeHh::start().await;
    let o = run(
        &hh.base_url(),
        &[],
        &["call", "get_negotiation", r#"{"negotiation_id": "404"}"#],
    )
    .await;
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_contains(
        &stderr(&o),
        &["hh-mcp call get_negotiation", "no such object"],
    );
    assert!(stdout(&o).is_empty());

    let o = run(&hh.base_url(), &[], &["call", "list_collections", "{}"]).await;
    assert_eq!(o.status.code(), Some(1));
    assert_contains(&stderr(&o), &["missing field `vacancy_id`"]);

    let o = run(
        &hh.base_url(),
        &[],
        &[
            "--read-only",
            "call",
            "send_message",
            r#"{"negotiation_id": "5", "message": "x", "confirm": true}"#,
        ],
    )
    .await;
    assert_eq!(o.status.code(), Some(1));
    assert_contains(&stderr(&o), &["read-only"]);
    assert!(hh.writes().is_empty(), "{:?}", hh.lines());
}

#[tokio::test]
async fn a_missing_user_agent_is_named_and_exits_2() {
    let hh = FakeHh::start().await;
    for args in [&["serve"][..], &["call", "get_me", "{}"][..]] {
        let mut cmd = server_command(&hh.base_url(), &[]);
        cmd.env_remove("HH_USER_AGENT")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let o = tokio::time::timeout(STEP, cmd.output())
            .await
            .expect("exits at once")
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert_contains(&stderr(&o), &["hh-mcp cannot start", "HH_USER_AGENT"]);
        assert!(o.stdout.is_empty(), "{args:?}: nothing on stdout");
    }
    assert!(hh.requests().is_empty(), "{:?}", hh.lines());
}
