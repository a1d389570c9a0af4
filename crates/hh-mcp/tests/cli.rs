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

/// The tool names `hh-mcp tools` prints, one per unindented line.
fn tool_names(out: &str) -> Vec<&str> {
    out.lines()
        .filter(|l| !l.starts_with(' ') && !l.is_empty())
        .map(|l| l.split_whitespace().next().unwrap())
        .collect()
}

#[tokio::test]
async fn tools_lists_every_tool_and_marks_the_acting_ones() {
    let o = run("http://127.0.0.1:9", &[], &["tools"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let named = tool_names(&out);
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
            "list_chats",
            "search_resumes",
            "list_saved_searches",
            "resume_history",
            "list_comments",
            "vacancy_stats",
            "negotiation_statistics",
            "whats_new",
            "invite_applicant",
            "change_negotiation_state",
            "send_message",
            "mark_read",
            "add_comment",
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
async fn a_toolset_loads_only_its_domain() {
    let o = run(
        "http://127.0.0.1:9",
        &[],
        &["--tools", "chats,get_me", "tools"],
    )
    .await;
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let named = tool_names(&out);
    assert_eq!(
        named,
        [
            "get_me",
            "list_messages",
            "list_chats",
            "send_message",
            "mark_read"
        ],
        "{out}"
    );
    let o = run("http://127.0.0.1:9", &[], &["--tools", "chat", "tools"]).await;
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("no tool or toolset `chat`") && stderr(&o).contains("chats"),
        "{}",
        stderr(&o)
    );
}

#[tokio::test]
async fn tools_json_is_what_tools_list_serves() {
    let o = run("http://127.0.0.1:9", &[], &["tools", "--json"]).await;
    let cli = json_out(&o);
    // The snapshots are what tools/list serves (tools_list.rs holds them to it).
    check_tool_snapshots(&cli);
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
    assert_eq!(n["chat_id"], "9005");
    assert_eq!(n["chat"]["can_write"], true);
    assert_eq!(
        hh.lines(),
        [
            "GET /negotiations/5",
            "GET /common/chats/9005/messages?limit=1&order=prev"
        ]
    );
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
    let key = writes[0].assert_chat_message("Привет");
    // Two processes, one message: the key the preview showed is the one sent.
    assert_eq!(preview["arguments"]["idempotency_key"], key, "{preview}");
    assert_eq!(done["arguments"]["idempotency_key"], key);
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

#[tokio::test]
async fn export_writes_every_negotiation_of_a_vacancy_as_json_lines() {
    let sandbox = hh_sandbox::Sandbox::start(hh_sandbox::SandboxConfig {
        big_vacancy_negotiations: Some(230),
        ..Default::default()
    })
    .await
    .unwrap();
    let vacancy = sandbox.big_vacancy_id().unwrap();
    let token = sandbox.access_token();
    // Held answers, so that the bound is reached and can be seen from the sandbox.
    sandbox.set_faults(hh_sandbox::Faults {
        latency: std::time::Duration::from_millis(50),
        ..Default::default()
    });
    sandbox.reset_peak_in_flight();
    let o = run(
        &sandbox.base_url(),
        &[("HH_ACCESS_TOKEN", token.as_str())],
        &["export", &vacancy, "--concurrency", "3"],
    )
    .await;
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(sandbox.peak_in_flight(), 3);

    let lines: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let ids: std::collections::HashSet<&str> =
        lines.iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!((lines.len(), ids.len()), (230, 230));
    // Each line says its collection, as many per collection as hh's counters say.
    let hh = sandbox_client(&sandbox, UA);
    sandbox.set_faults(hh_sandbox::Faults::default());
    let collections = hh.collections(&vacancy).await.unwrap().collections;
    for c in &collections {
        let listed = lines.iter().filter(|l| l["collection"] == c.id).count() as i64;
        assert_eq!(Some(listed), c.counters.as_ref().unwrap().total, "{}", c.id);
    }
    for l in &lines {
        assert!(
            l["actions"].is_array() && l["updated_at"].is_string(),
            "{l}"
        );
        assert!(l["applicant"]["name"]["applicant_wrote"].is_string(), "{l}");
    }
    let requests = 1 + collections
        .iter()
        .map(|c| {
            c.counters
                .as_ref()
                .unwrap()
                .total
                .unwrap()
                .max(0)
                .saturating_add(49)
                .div_euclid(50)
                .max(1)
        })
        .sum::<i64>();
    assert_contains(
        &stderr(&o),
        &[
            &format!("exported 230 negotiations of vacancy {vacancy}"),
            &format!("in {requests} requests"),
        ],
    );
    assert!(!stderr(&o).contains(&token), "the token never shows");
}

#[tokio::test]
async fn export_names_bad_input_and_prints_nothing_when_hh_refuses() {
    let sandbox = hh_sandbox::Sandbox::start(Default::default())
        .await
        .unwrap();
    let token = sandbox.access_token();
    let env = [("HH_ACCESS_TOKEN", token.as_str())];
    let base = sandbox.base_url();

    let o = run(&base, &env, &["export", "../me"]).await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_contains(&stderr(&o), &["the vacancy id", "letters, digits"]);

    let o = run(&base, &env, &["export", "1", "--concurrency", "0"]).await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_contains(&stderr(&o), &["--concurrency", "1..=32"]);

    let before = sandbox.request_count();
    let o = run(&base, &env, &["export", "999"]).await;
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_contains(&stderr(&o), &["hh-mcp export", "404"]);
    assert!(o.stdout.is_empty(), "nothing half-written");
    assert_eq!(
        sandbox.request_count() - before,
        1,
        "only the collections were asked"
    );
}
