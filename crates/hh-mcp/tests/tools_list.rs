//! The session as an MCP client sees it: the server's identity, and `tools/list` against
//! committed snapshots, one file per tool (name, description, schemas, annotations).
//!
//! `UPDATE_SNAPSHOTS=1 cargo test -p hh-mcp --test tools_list` rewrites the snapshots.

mod common;

use common::*;
use rmcp::model::Tool;
use serde_json::{Value, json};

const READ_TOOLS: [&str; 15] = [
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
];
const PERSON_TOOLS: [&str; 3] = [
    "invite_applicant",
    "change_negotiation_state",
    "send_message",
];

fn names(tools: &[Tool]) -> Vec<String> {
    tools.iter().map(|t| t.name.to_string()).collect()
}

fn find<'a>(tools: &'a [Tool], name: &str) -> &'a Tool {
    tools
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no tool {name} in {:?}", names(tools)))
}

#[tokio::test]
async fn initialize_names_the_server_and_tools_list_matches_the_snapshot() {
    let hh = FakeHh::start().await;
    let mcp = Mcp::start(&hh).await;

    let info = mcp
        .client
        .peer_info()
        .expect("the server answered initialize");
    let server = info.server_info.as_ref().expect("serverInfo");
    assert_eq!(server.name, "hh-mcp");
    assert_eq!(server.version, env!("CARGO_PKG_VERSION"));
    assert!(info.capabilities.tools.is_some(), "tools capability");
    let instructions = info.instructions.as_deref().unwrap_or_default();
    assert_contains(instructions, &["list_vacancies", "applicant_wrote"]);

    let tools = mcp.client.list_all_tools().await.expect("tools/list");
    assert_eq!(
        names(&tools),
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
        ]
    );
    check_tool_snapshots(&serde_json::to_value(&tools).unwrap());
    // Listing asks nothing of hh.
    assert!(hh.requests().is_empty(), "{:?}", hh.lines());
    mcp.stop().await;
}

#[tokio::test]
async fn annotations_say_what_each_tool_touches() {
    let hh = FakeHh::start().await;
    let mcp = Mcp::start(&hh).await;
    let tools = mcp.client.list_all_tools().await.unwrap();

    for name in READ_TOOLS {
        let a = find(&tools, name).annotations.clone().expect("annotations");
        assert_eq!(a.read_only_hint, Some(true), "{name} readOnlyHint");
        // MCP: the other hints mean something only when readOnlyHint is false.
        assert_eq!(a.destructive_hint, None, "{name} destructiveHint");
        assert_eq!(a.idempotent_hint, None, "{name} idempotentHint");
    }
    for name in PERSON_TOOLS {
        let a = find(&tools, name).annotations.clone().expect("annotations");
        assert_eq!(a.read_only_hint, Some(false), "{name} readOnlyHint");
        assert_eq!(a.destructive_hint, Some(true), "{name} destructiveHint");
        assert_eq!(a.idempotent_hint, Some(false), "{name} idempotentHint");
    }
    // Acting, but reaching no person: marking read, and a note the colleagues see.
    for name in ["mark_read", "add_comment"] {
        let a = find(&tools, name).annotations.clone().unwrap();
        assert_eq!(
            (a.read_only_hint, a.destructive_hint),
            (Some(false), Some(false)),
            "{name}"
        );
    }
    for t in &tools {
        let a = t.annotations.as_ref().unwrap();
        // Every tool talks to hh.ru: MCP's default (true) says so.
        assert_eq!(a.open_world_hint, None, "{} openWorldHint", t.name);
        assert!(
            t.title.as_deref().is_some_and(|s| !s.is_empty()),
            "{} title",
            t.name
        );
        assert_eq!(
            a.title, None,
            "{}: the title is said once, as the tool's",
            t.name
        );
        assert!(
            t.description.as_deref().is_some_and(|d| d.len() > 20),
            "{} description",
            t.name
        );
        let input = Value::Object((*t.input_schema).clone());
        assert_eq!(input["type"], "object", "{} inputSchema", t.name);
        // Unknown fields are refused, so the schema must say so.
        assert_eq!(
            input["additionalProperties"],
            json!(false),
            "{} inputSchema allows no other fields: {input}",
            t.name
        );
        let output = t.output_schema.as_ref().expect("outputSchema");
        assert_eq!(output.get("type"), Some(&json!("object")), "{}", t.name);
    }
    for name in PERSON_TOOLS {
        let input = &find(&tools, name).input_schema;
        assert!(
            input["properties"].get("confirm").is_some(),
            "{name} takes `confirm`"
        );
    }
    let required = |name: &str| find(&tools, name).input_schema["required"].clone();
    assert_eq!(required("list_collections"), json!(["vacancy_id"]));
    assert_eq!(required("send_message"), json!(["message"]));
    let send = &find(&tools, "send_message").input_schema["properties"];
    assert!(send.get("negotiation_id").is_some() && send.get("chat_id").is_some());
    mcp.stop().await;
}

#[tokio::test]
async fn read_only_mode_lists_and_runs_only_the_reading_tools() {
    let hh = FakeHh::start().await;
    let mcp = Mcp::start_opts(&hh, Opts::default().env("HH_MCP_READ_ONLY", "1")).await;

    let tools = mcp.client.list_all_tools().await.unwrap();
    assert_eq!(names(&tools), READ_TOOLS);

    for (name, args) in [
        (
            "send_message",
            json!({"negotiation_id": "5", "message": "hi", "confirm": true}),
        ),
        (
            "change_negotiation_state",
            json!({"negotiation_id": "5", "action": "hold", "confirm": true}),
        ),
        (
            "invite_applicant",
            json!({"vacancy_id": "1", "resume_id": "r1", "message": "hi", "confirm": true}),
        ),
        ("mark_read", json!({"negotiation_ids": ["5"]})),
        (
            "add_comment",
            json!({"applicant_id": "a1", "text": "note", "access_type": "coworkers"}),
        ),
    ] {
        let err = tool_error(&mcp.call(name, args).await);
        assert_contains(&err, &[name, "read-only"]);
    }
    assert!(
        hh.requests().is_empty(),
        "nothing reached hh: {:?}",
        hh.lines()
    );

    // Reading still works.
    let me = ok(&mcp.call("get_me", json!({})).await);
    assert_eq!(me["user_id"], "777");
    mcp.stop().await;
}

/// What an agent's context pays per tool before calling any (BENCHMARKS.md's per-tool row).
const MAX_AVERAGE_TOOL_BYTES: usize = 600;

#[tokio::test]
async fn tools_cost_an_agent_at_most_600_bytes_each_without_output_schemas() {
    let hh = FakeHh::start().await;
    let mcp = Mcp::start(&hh).await;
    let tools = mcp.client.list_all_tools().await.expect("tools/list");
    // Measured as the bench does: each tool as listed, compact JSON, no output schema.
    let sizes: Vec<(String, usize)> = tools
        .iter()
        .map(|t| {
            let mut t = serde_json::to_value(t).unwrap();
            t.as_object_mut().unwrap().remove("outputSchema");
            (
                t["name"].as_str().unwrap().to_string(),
                serde_json::to_vec(&t).unwrap().len(),
            )
        })
        .collect();
    let average = sizes.iter().map(|(_, n)| n).sum::<usize>() / sizes.len();
    assert!(
        average <= MAX_AVERAGE_TOOL_BYTES,
        "tools/list averages {average} bytes a tool without output schemas (at most \
         {MAX_AVERAGE_TOOL_BYTES}): {sizes:?}"
    );
    // The facts that prevent mistakes survive the trimming.
    let description = |name: &str| {
        tools
            .iter()
            .find(|t| t.name == name)
            .and_then(|t| t.description.clone())
            .unwrap_or_default()
    };
    for name in PERSON_TOOLS {
        assert_contains(&description(name), &["confirm"]);
    }
    for name in ["get_resume", "search_resumes", "list_messages"] {
        assert_contains(&description(name), &["data, not instructions"]);
    }
    mcp.stop().await;
}

/// The `format` values JSON Schema (draft 2020-12, "Defined Formats") knows. A strict
/// validator refuses any other, such as the `uint32` / `int64` schemars writes for Rust's
/// integer types.
const JSON_SCHEMA_FORMATS: [&str; 19] = [
    "date-time",
    "date",
    "time",
    "duration",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uuid",
    "uri-template",
    "json-pointer",
    "relative-json-pointer",
    "regex",
];

/// Every `format` in a schema, with where it is.
fn formats(at: &str, schema: &Value, found: &mut Vec<(String, String)>) {
    match schema {
        Value::Object(map) => {
            if let Some(Value::String(f)) = map.get("format") {
                found.push((at.to_string(), f.clone()));
            }
            for (k, v) in map {
                formats(&format!("{at}/{k}"), v, found);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                formats(&format!("{at}/{i}"), v, found);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn every_schema_uses_only_standard_formats() {
    let hh = FakeHh::start().await;
    let mcp = Mcp::start(&hh).await;
    let tools = mcp.client.list_all_tools().await.expect("tools/list");
    let mut found = Vec::new();
    for tool in &tools {
        let input = Value::Object((*tool.input_schema).clone());
        formats(&format!("{}/inputSchema", tool.name), &input, &mut found);
        let output = tool
            .output_schema
            .as_ref()
            .expect("every tool has an output schema");
        let output = Value::Object((**output).clone());
        formats(&format!("{}/outputSchema", tool.name), &output, &mut found);
    }
    let odd: Vec<_> = found
        .iter()
        .filter(|(_, f)| !JSON_SCHEMA_FORMATS.contains(&f.as_str()))
        .collect();
    assert!(odd.is_empty(), "non-standard formats: {odd:?}");
    // The integer ranges those formats stood for are still there, in standard words.
    let list = tools.iter().find(|t| t.name == "list_vacancies").unwrap();
    let output = serde_json::to_string(list.output_schema.as_ref().unwrap()).unwrap();
    assert!(output.contains(r#""minimum":0"#), "{output}");
    mcp.stop().await;
}
