//! Hostile input on stdio: a seeded generator feeds the built server (after a proper
//! `initialize` handshake) arbitrary JSON-RPC lines and tool arguments — wrong types, huge
//! strings, unicode, missing and unknown fields, unknown tools, random method names, random
//! ids, broken envelopes, lines that are not JSON or not UTF-8.
//!
//! What must hold, for every run:
//! - the process never dies and never panics (stderr has no `panicked`), and keeps serving:
//!   a real tool call works after the storm, and closing stdin ends it cleanly;
//! - stdout carries only JSON-RPC 2.0 messages, one per line;
//! - every request whose id can be read (a JSON object with a string or number `id` that
//!   is not a response) gets exactly one answer, carrying that id;
//! - well-formed notifications, stray responses and blank lines get no answer;
//! - a line with no readable id (not JSON, not an object, an id of another type, a
//!   notification the SDK cannot read) gets at most one answer, and that answer has no id
//!   (or `null`).
//!
//! Cases: `HH_FUZZ_CASES` (default 1000; the run with hh unreachable takes a tenth of
//! them), seed `HH_FUZZ_SEED` (default fixed, so CI is repeatable; a failure prints the seed
//! and the lines). Held back on purpose: `notifications/cancelled` only names ids that were
//! never sent, since cancelling a live request legitimately suppresses its answer; and ids
//! are never reused while a request may be in flight.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{sandbox_client, stdout_lines};
use hh_sandbox::{Sandbox, SandboxConfig};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, ChildStdin};
use tokio::sync::mpsc;

const UA: &str = "HhMcpFuzz/1.0 (fuzz@example.com)";
const STEP: Duration = Duration::from_secs(60);
/// Lines sent before waiting for their answers.
const CHUNK: usize = 25;

fn cases(default: usize) -> usize {
    std::env::var("HH_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn seed() -> u64 {
    std::env::var("HH_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed_f022)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arbitrary_lines_against_the_sandbox() {
    let sandbox = Sandbox::start(SandboxConfig {
        seed: 5,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let known = Known::from_sandbox(&sandbox).await;
    let server = Raw::start(&sandbox.base_url(), &sandbox.access_token()).await;
    fuzz(server, known, cases(1000), seed()).await;
}

/// hh unreachable: every tool that gets past its arguments fails (after retries of reads);
/// the same properties hold.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arbitrary_lines_with_hh_unreachable() {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let known = Known {
        vacancies: vec!["1".into(), "42".into()],
        negotiations: vec!["5".into(), "777".into()],
        resumes: vec!["r1".into()],
        tools: BTreeMap::new(),
    };
    let server = Raw::start(&url, "tok-fuzz").await;
    fuzz(server, known, cases(1000) / 10, seed() ^ 1).await;
}

/// The envelopes the SDK cannot read but whose id can be: each gets one error with its id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_envelopes_are_answered_with_their_id() {
    let mut server = Raw::start("http://127.0.0.1:1", "tok-fuzz").await;
    for (line, code) in [
        (
            r#"{"jsonrpc": "2.0", "id": 7, "method": "tools/list", "params": 5}"#,
            -32602,
        ),
        (
            r#"{"jsonrpc": "2.0", "id": "a", "method": "ping", "params": [1]}"#,
            -32602,
        ),
        (
            r#"{"jsonrpc": "2.0", "id": 8, "method": "ping", "params": {"_meta": 5}}"#,
            -32602,
        ),
        (r#"{"jsonrpc": "2.0", "id": 9, "method": 5}"#, -32600),
        (
            r#"{"jsonrpc": "2.0", "id": 18446744073709551615, "method": "ping"}"#,
            -32600,
        ),
        (r#"{"jsonrpc": "2.0", "id": 1.5, "method": "ping"}"#, -32600),
        (r#"{"jsonrpc": "2.0", "id": 12}"#, -32600),
    ] {
        let sent: Value = serde_json::from_str(line).unwrap();
        server.write(format!("{line}\n").as_bytes()).await;
        let said = server.ping().await;
        assert_eq!(said.len(), 1, "{line}: {said:?}");
        assert_eq!(said[0]["id"], sent["id"], "{line}: {said:?}");
        assert_eq!(said[0]["error"]["code"], code, "{line}: {said:?}");
    }
    // Not JSON-RPC 2.0 at all: rmcp's Invalid Request, without an id.
    for line in [
        r#"{"id": 10, "method": "ping"}"#,
        r#"{"jsonrpc": "1.0", "id": 11, "method": "ping"}"#,
    ] {
        server.write(format!("{line}\n").as_bytes()).await;
        let said = server.ping().await;
        assert_eq!(said.len(), 1, "{line}: {said:?}");
        assert!(said[0]["id"].is_null(), "{line}: {said:?}");
        assert_eq!(said[0]["error"]["code"], -32600, "{line}: {said:?}");
    }
    // A stray response from the client is not answered.
    server
        .write(b"{\"jsonrpc\": \"2.0\", \"id\": 13, \"result\": {}}\n")
        .await;
    assert!(server.ping().await.is_empty());
    server.close().await;
}

/// stdin closes right after the last requests (`echo '…' | hh-mcp`): each is still answered,
/// even one that waits on a slow hh, and then the server exits cleanly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_just_before_the_end_of_input_are_answered() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    sandbox.set_faults(hh_sandbox::Faults {
        latency: Duration::from_millis(400),
        ..hh_sandbox::Faults::default()
    });
    let mut server = Raw::start(&sandbox.base_url(), &sandbox.access_token()).await;
    let mut ids = HashSet::new();
    for i in 0..5 {
        let id = format!("last-{i}");
        let (method, params) = if i % 2 == 0 {
            ("tools/call", json!({"name": "get_me", "arguments": {}}))
        } else {
            ("ping", json!({}))
        };
        server
            .write(&line(
                &json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
            ))
            .await;
        ids.insert(json!(id).to_string());
    }
    server.write(b"not json\n").await;
    let Raw {
        mut child,
        stdin,
        mut lines,
        stderr,
        ..
    } = server;
    drop(stdin);
    let mut answered = HashSet::new();
    let mut anonymous = 0;
    while let Ok(Some(l)) = tokio::time::timeout(STEP, lines.recv()).await {
        let m = parse(&l);
        if m["id"].is_null() {
            anonymous += 1;
        } else {
            assert!(answered.insert(m["id"].to_string()), "answered twice: {m}");
            if m["id"]
                .as_str()
                .is_some_and(|id| ["last-0", "last-2", "last-4"].contains(&id))
            {
                assert!(m["result"]["structuredContent"].is_object(), "{m}");
            }
        }
    }
    assert_eq!(answered, ids);
    assert_eq!(
        anonymous, 1,
        "the line that is not JSON gets its parse error"
    );
    let status = tokio::time::timeout(STEP, child.wait())
        .await
        .unwrap()
        .unwrap();
    let err = String::from_utf8_lossy(&stderr.lock().unwrap()).into_owned();
    assert!(status.success(), "{status}: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

async fn fuzz(mut server: Raw, mut known: Known, n: usize, seed: u64) {
    let started = Instant::now();
    known.tools = server.tool_fields().await;
    assert!(known.tools.len() >= 7, "{:?}", known.tools.keys());
    let mut rng = StdRng::seed_from_u64(seed);
    let mut generator = Gen::default();
    let mut answered: HashMap<String, usize> = HashMap::new();
    let mut expected_ids: HashSet<String> = HashSet::new();
    let mut sent = 0;
    let mut kinds: BTreeMap<&'static str, usize> = BTreeMap::new();
    while sent < n {
        let take = CHUNK.min(n - sent);
        let mut chunk: Vec<Case> = Vec::with_capacity(take);
        for _ in 0..take {
            chunk.push(generator.case(&mut rng, &known));
        }
        sent += take;
        let mut anonymous_allowed = 0;
        let mut waiting: HashSet<String> = HashSet::new();
        for case in &chunk {
            *kinds.entry(case.kind).or_default() += 1;
            match &case.expect {
                Expect::One(id) => {
                    let key = id_key(id);
                    assert!(
                        expected_ids.insert(key.clone()),
                        "the generator reused {key}"
                    );
                    waiting.insert(key);
                }
                Expect::AtMostOneAnonymous => anonymous_allowed += 1,
                Expect::Nothing => {}
            }
            server.write(&case.line).await;
        }
        // Every request of the chunk answered (tool calls run concurrently, in any order).
        let deadline = Instant::now() + STEP;
        let mut anonymous = 0;
        let mut take_message = |m: &Value, answered: &mut HashMap<String, usize>| -> bool {
            match m.get("id") {
                None | Some(Value::Null) => {
                    anonymous += 1;
                    false
                }
                Some(id) => {
                    let key = id_key(id);
                    *answered.entry(key.clone()).or_default() += 1;
                    true
                }
            }
        };
        while !waiting.is_empty() {
            let Some(m) = server.next_until(deadline).await else {
                let unanswered: Vec<Case> = chunk
                    .iter()
                    .filter(
                        |c| matches!(&c.expect, Expect::One(id) if waiting.contains(&id_key(id))),
                    )
                    .map(Case::clone)
                    .collect();
                panic!(
                    "seed {seed}: no answer within {STEP:?} to {} request(s):\n{}",
                    waiting.len(),
                    show(&unanswered)
                );
            };
            if take_message(&m, &mut answered) {
                let key = id_key(&m["id"]);
                waiting.remove(&key);
            }
        }
        // Then a ping: everything said about the chunk is out before its answer.
        let ping = server.ping().await;
        for m in ping {
            take_message(&m, &mut answered);
        }
        assert!(
            anonymous <= anonymous_allowed,
            "seed {seed}: {anonymous} answers without an id for {anonymous_allowed} lines \
             without a readable id; the chunk:\n{}",
            show(&chunk)
        );
        server.assert_alive();
    }
    // Late duplicates would show up here.
    for m in server.drain(Duration::from_millis(500)).await {
        if let Some(id) = m.get("id").filter(|id| !id.is_null()) {
            *answered.entry(id_key(id)).or_default() += 1;
        }
    }
    for (id, count) in &answered {
        if id.starts_with("sync-") {
            continue;
        }
        assert!(
            expected_ids.contains(id),
            "seed {seed}: an answer for an id never sent as a request: {id}"
        );
        assert_eq!(*count, 1, "seed {seed}: {id} was answered {count} times");
    }
    for id in &expected_ids {
        assert!(
            answered.contains_key(id),
            "seed {seed}: {id} never answered"
        );
    }

    // Still serving for real, and it ends cleanly.
    let tools = server.request("tools/list", json!({})).await;
    assert!(tools["result"]["tools"].is_array(), "{tools}");
    let me = server
        .request("tools/call", json!({"name": "get_me", "arguments": {}}))
        .await;
    assert!(me["result"].is_object(), "{me}");
    let stderr = server.close().await;
    assert!(
        !stderr.contains("panicked"),
        "seed {seed}: panicked:\n{stderr}"
    );
    eprintln!(
        "fuzz: {n} cases (seed {seed}) in {:.1?}: {kinds:?}",
        started.elapsed()
    );
}

fn id_key(id: &Value) -> String {
    // A number and a string are different ids: keep the JSON text.
    id.to_string()
}

fn show(chunk: &[Case]) -> String {
    chunk
        .iter()
        .map(|c| {
            let text = String::from_utf8_lossy(&c.line[..c.line.len() - 1]);
            let short: String = text.chars().take(300).collect();
            format!("  [{}] {short}", c.kind)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

// ---- the generator -----------------------------------------------------------------------

/// Ids and tool fields that make arguments plausible enough to reach hh.
struct Known {
    vacancies: Vec<String>,
    negotiations: Vec<String>,
    resumes: Vec<String>,
    /// Each tool's argument names, from `tools/list`.
    tools: BTreeMap<String, Vec<String>>,
}

impl Known {
    async fn from_sandbox(sandbox: &Sandbox) -> Known {
        let hh = sandbox_client(sandbox, UA);
        let vacancies = sandbox.vacancy_ids();
        let mut negotiations = Vec::new();
        for c in hh.collections(&vacancies[0]).await.unwrap().collections {
            let page = hh
                .collection_page(&c.url, &hh_api::CollectionQuery::default())
                .await
                .unwrap();
            negotiations.extend(page.items.into_iter().take(3).map(|n| n.id));
        }
        Known {
            vacancies,
            negotiations,
            resumes: sandbox.resume_ids().into_iter().take(20).collect(),
            tools: BTreeMap::new(),
        }
    }
}

#[derive(Clone)]
enum Expect {
    /// Exactly one answer, with this id.
    One(Value),
    /// No answer at all.
    Nothing,
    /// At most one answer, without an id.
    AtMostOneAnonymous,
}

#[derive(Clone)]
struct Case {
    kind: &'static str,
    line: Vec<u8>,
    expect: Expect,
}

#[derive(Default)]
struct Gen {
    next: u64,
    used_numbers: HashSet<i64>,
}

const METHODS: &[&str] = &[
    "ping",
    "tools/list",
    "tools/call",
    "initialize",
    "resources/list",
    "resources/read",
    "resources/templates/list",
    "prompts/list",
    "prompts/get",
    "logging/setLevel",
    "completion/complete",
    "server/discover",
    "tasks/list",
    "tasks/get",
    "sampling/createMessage",
    "roots/list",
    "elicitation/create",
    "notifications/initialized",
];

const NOTIFICATIONS: &[&str] = &[
    "notifications/initialized",
    "notifications/progress",
    "notifications/roots/list_changed",
    "notifications/message",
    "notifications/no_such_thing",
    "tools/call",
    "ping",
];

impl Gen {
    /// A fresh request id: a number or a string, never one used before.
    fn id(&mut self, rng: &mut StdRng) -> Value {
        self.next += 1;
        match rng.random_range(0..6) {
            0 => json!(format!("f-{}", self.next)),
            1 => json!(format!("f-{}-{}", self.next, text(rng, 12))),
            2 => json!(format!(
                "f-{}{}",
                self.next,
                "я".repeat(rng.random_range(0..200))
            )),
            _ => loop {
                let n: i64 = match rng.random_range(0..4) {
                    0 => rng.random_range(0..1000),
                    1 => rng.random(),
                    2 => -(rng.random_range(0..i64::MAX)),
                    _ => [i64::MAX, i64::MIN, 0, -1][rng.random_range(0..4)],
                };
                if self.used_numbers.insert(n) {
                    break json!(n);
                }
            },
        }
    }

    fn case(&mut self, rng: &mut StdRng, known: &Known) -> Case {
        let roll = rng.random_range(0..100);
        if roll < 40 {
            let tools: Vec<&String> = known.tools.keys().collect();
            let name = tools[rng.random_range(0..tools.len())].clone();
            let args = arguments(rng, known, &known.tools[&name]);
            let params = params_call(rng, &name, args);
            self.request(rng, "tool call", "tools/call", Some(params))
        } else if roll < 45 {
            let name = match rng.random_range(0..4) {
                0 => text(rng, 40),
                1 => "get_me ".to_string(),
                2 => "GET_ME".to_string(),
                _ => "x".repeat(rng.random_range(1000..100_000)),
            };
            let args = Value::Object(random_object(rng, 2));
            let params = params_call(rng, &name, args);
            self.request(rng, "unknown tool", "tools/call", Some(params))
        } else if roll < 50 {
            // tools/call whose params do not have the call's shape.
            let params = match rng.random_range(0..4) {
                0 => json!({"name": value(rng, 2)}),
                1 => json!({"name": "get_me", "arguments": value(rng, 2)}),
                2 => json!({}),
                _ => Value::Object(random_object(rng, 2)),
            };
            self.request(rng, "bad call params", "tools/call", Some(params))
        } else if roll < 62 {
            let method = METHODS[rng.random_range(0..METHODS.len())];
            let params = match rng.random_range(0..3) {
                0 => None,
                1 => Some(json!({})),
                _ => Some(Value::Object(random_object(rng, 3))),
            };
            self.request(rng, "known method", method, params)
        } else if roll < 70 {
            let method = match rng.random_range(0..3) {
                0 => text(rng, 30),
                1 => format!("tools/{}", text(rng, 8)),
                _ => String::new(),
            };
            let params = rng
                .random_bool(0.5)
                .then(|| Value::Object(random_object(rng, 2)));
            self.request(rng, "random method", &method, params)
        } else if roll < 78 {
            self.notification(rng)
        } else if roll < 88 {
            self.broken_envelope(rng)
        } else if roll < 95 {
            not_json(rng)
        } else {
            no_readable_id(rng)
        }
    }

    fn request(
        &mut self,
        rng: &mut StdRng,
        kind: &'static str,
        method: &str,
        params: Option<Value>,
    ) -> Case {
        let id = self.id(rng);
        let mut m = Map::new();
        // Members in any order, as JSON allows.
        let mut members = vec![
            ("jsonrpc", json!("2.0")),
            ("id", id.clone()),
            ("method", json!(method)),
        ];
        if let Some(p) = params {
            members.push(("params", p));
        }
        if rng.random_bool(0.05) {
            members.push(("x-extra", value(rng, 1)));
        }
        shuffle(rng, &mut members);
        for (k, v) in members {
            m.insert(k.to_string(), v);
        }
        let mut text = line(&Value::Object(m.clone()));
        if text.len() > 8 << 20 {
            // Past the server's 16 MiB line limit the id is unreadable; stay well under it.
            m.insert("params".into(), json!({}));
            text = line(&Value::Object(m));
        }
        Case {
            kind,
            line: text,
            expect: Expect::One(id),
        }
    }

    fn notification(&mut self, rng: &mut StdRng) -> Case {
        let well_formed = match rng.random_range(0..3) {
            0 => Some(
                json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
                "params": {"requestId": format!("never-sent-{}", self.next), "reason": text(rng, 20)}}),
            ),
            1 => Some(json!({"jsonrpc": "2.0", "method": "notifications/initialized"})),
            _ => None,
        };
        if let Some(n) = well_formed {
            return Case {
                kind: "notification",
                line: line(&n),
                expect: Expect::Nothing,
            };
        }
        let (method, params) = match rng.random_range(1..4) {
            1 => (
                NOTIFICATIONS[rng.random_range(0..NOTIFICATIONS.len())].to_string(),
                json!({}),
            ),
            2 => (
                "notifications/progress".to_string(),
                json!({"progressToken": text(rng, 5), "progress": rng.random_range(0..100)}),
            ),
            _ => (
                format!("notifications/{}", text(rng, 10)),
                Value::Object(random_object(rng, 2)),
            ),
        };
        Case {
            kind: "notification",
            line: line(&json!({"jsonrpc": "2.0", "method": method, "params": params})),
            // A notification rmcp cannot read may get one answer without an id (the SDK's
            // Invalid Request); a readable one gets none.
            expect: Expect::AtMostOneAnonymous,
        }
    }

    /// A request whose id can be read, but whose envelope is wrong.
    fn broken_envelope(&mut self, rng: &mut StdRng) -> Case {
        self.next += 1;
        let id = match rng.random_range(0..4) {
            0 => json!(format!("b-{}", self.next)),
            // JSON-RPC ids are numbers; these are numbers the SDK cannot hold.
            1 => json!(self.next as f64 + 0.5),
            2 => json!(u64::MAX - self.next),
            _ => json!(1e300 / (self.next as f64)),
        };
        let mut m = json!({"jsonrpc": "2.0", "id": id.clone(), "method": "tools/list"});
        let what = if id.is_string() {
            rng.random_range(0..6)
        } else {
            6
        };
        match what {
            0 => m["params"] = scalar(rng),
            1 => m["params"] = json!([value(rng, 2)]),
            2 => m["method"] = scalar(rng),
            3 => m["jsonrpc"] = json!(["1.0", "2", "", "2.0 "][rng.random_range(0..4)]),
            4 => {
                m.as_object_mut().unwrap().remove("jsonrpc");
            }
            5 => m["params"] = json!({"_meta": scalar(rng)}),
            _ => {}
        }
        Case {
            kind: "broken envelope",
            line: line(&m),
            // Not JSON-RPC 2.0 at all: the SDK answers without an id.
            expect: if matches!(what, 3 | 4) {
                Expect::AtMostOneAnonymous
            } else {
                Expect::One(id)
            },
        }
    }
}

fn params_call(rng: &mut StdRng, name: &str, arguments: Value) -> Value {
    let mut p = json!({"name": name, "arguments": arguments});
    if rng.random_bool(0.05) {
        p["_meta"] = json!({"progressToken": rng.random_range(0..1000)});
    }
    if rng.random_bool(0.05) {
        p.as_object_mut().unwrap().remove("arguments");
    }
    p
}

/// Arguments for a real tool: its own fields (some left out), each a plausible value or
/// anything at all, and now and then a field it does not have.
fn arguments(rng: &mut StdRng, known: &Known, fields: &[String]) -> Value {
    let mut m = Map::new();
    for f in fields {
        if rng.random_bool(0.3) {
            continue;
        }
        let v = if rng.random_bool(0.6) {
            plausible(rng, known, f)
        } else {
            value(rng, 3)
        };
        m.insert(f.clone(), v);
    }
    if rng.random_bool(0.15) {
        m.insert(text(rng, 10), value(rng, 2));
    }
    Value::Object(m)
}

fn pick(rng: &mut StdRng, from: &[String]) -> Value {
    if from.is_empty() {
        return json!("1");
    }
    json!(from[rng.random_range(0..from.len())])
}

fn plausible(rng: &mut StdRng, known: &Known, field: &str) -> Value {
    match field {
        "vacancy_id" => pick(rng, &known.vacancies),
        "negotiation_id" => pick(rng, &known.negotiations),
        "resume_id" => pick(rng, &known.resumes),
        "negotiation_ids" => {
            let n = rng.random_range(0..4);
            Value::Array((0..n).map(|_| pick(rng, &known.negotiations)).collect())
        }
        "collection" => {
            json!(["response", "consider", "interview", "discard", "nope"][rng.random_range(0..5)])
        }
        "action" => json!(
            [
                "consider",
                "interview",
                "discard_by_employer",
                "phone_interview",
                "fly"
            ][rng.random_range(0..5)]
        ),
        "page" | "per_page" => json!(rng.random_range(-3..80)),
        "message" | "text" => json!(text(rng, 200)),
        "confirm" | "all_pages" | "send_sms" | "show_only_new" => json!(rng.random_bool(0.5)),
        "filters" | "arguments" => {
            let mut m = Map::new();
            for _ in 0..rng.random_range(0..3) {
                m.insert(text(rng, 8), json!(text(rng, 8)));
            }
            Value::Object(m)
        }
        _ => value(rng, 2),
    }
}

/// Any JSON value, nested up to `depth`.
fn value(rng: &mut StdRng, depth: u32) -> Value {
    let top = if depth == 0 { 6 } else { 8 };
    match rng.random_range(0..top) {
        0..=5 => scalar(rng),
        6 => Value::Array(
            (0..rng.random_range(0..5))
                .map(|_| value(rng, depth - 1))
                .collect(),
        ),
        _ => Value::Object(random_object(rng, depth - 1)),
    }
}

fn scalar(rng: &mut StdRng) -> Value {
    match rng.random_range(0..10) {
        0 => Value::Null,
        1 => json!(rng.random_bool(0.5)),
        2 => json!(rng.random::<i64>()),
        3 => json!(rng.random_range(-10..100)),
        4 => json!(rng.random::<f64>() * 1e6 - 5e5),
        5 => json!(u64::MAX),
        6 => json!(huge(rng)),
        _ => json!(text(rng, 40)),
    }
}

fn random_object(rng: &mut StdRng, depth: u32) -> Map<String, Value> {
    let mut m = Map::new();
    for _ in 0..rng.random_range(0..5) {
        m.insert(text(rng, 12), value(rng, depth));
    }
    m
}

/// A long string now and then: up to 1 MiB, sometimes of multi-byte characters.
fn huge(rng: &mut StdRng) -> String {
    let n = if rng.random_bool(0.1) {
        rng.random_range(100_000..1_000_000)
    } else {
        rng.random_range(1_000..20_000)
    };
    let unit = ["a", "Ж", "😀", "\u{202e}", "\u{0}", "\\", "\""][rng.random_range(0..7)];
    unit.repeat(n / unit.len())
}

/// Short text from a mix of scripts, controls, direction marks, emoji, quotes.
fn text(rng: &mut StdRng, max: usize) -> String {
    const POOL: &[&str] = &[
        "a",
        "Z",
        "0",
        " ",
        "/",
        "-",
        "_",
        ".",
        "?",
        "&",
        "=",
        "%",
        "#",
        "\"",
        "\\",
        "'",
        "\n",
        "\t",
        "\r",
        "\u{0}",
        "\u{7f}",
        "\u{1b}[31m",
        "Я",
        "ё",
        "中",
        "ك",
        "\u{200f}",
        "\u{202e}",
        "\u{fe0f}",
        "😀",
        "👩‍💻",
        "\u{fffd}",
        "\u{10ffff}",
        "{{",
        "}}",
        "${x}",
        "../",
        "%00",
        "<script>",
        "'; DROP TABLE x; --",
    ];
    let n = rng.random_range(0..=max);
    (0..n)
        .map(|_| POOL[rng.random_range(0..POOL.len())])
        .collect()
}

fn not_json(rng: &mut StdRng) -> Case {
    let line: Vec<u8> = match rng.random_range(0..7) {
        0 => text(rng, 80).replace('\n', " ").into_bytes(),
        1 => {
            // A request cut short.
            let full = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                              "params": {"name": "get_me", "arguments": {}}})
            .to_string();
            let cut = rng.random_range(1..full.len());
            full.as_bytes()[..cut].to_vec()
        }
        2 => (0..rng.random_range(1..200))
            .map(|_| rng.random::<u8>())
            .filter(|b| *b != b'\n')
            .collect(),
        3 => {
            let mut l =
                br#"{"jsonrpc": "2.0", "id": 3, "method": "ping", "params": {"x": ""#.to_vec();
            l.extend_from_slice(&[0xc3, 0x28, 0xff]);
            l.extend_from_slice(br#""}}"#);
            l
        }
        4 => {
            br#"{"jsonrpc": "2.0", "id": 4, "method": "ping", "params": {"x": "\ud800"}}"#.to_vec()
        }
        5 => {
            let depth = rng.random_range(200..2000);
            let mut l = "[".repeat(depth).into_bytes();
            l.extend_from_slice(&b"]".repeat(depth));
            l
        }
        // Trailing characters after a whole request.
        _ => format!(
            "{{\"jsonrpc\": \"2.0\", \"id\": 5, \"method\": \"ping\"}} x{}",
            text(rng, 5)
        )
        .into_bytes(),
    };
    Case {
        kind: "not json",
        line: terminated(line),
        expect: Expect::AtMostOneAnonymous,
    }
}

/// An id that is neither a string nor a number.
fn odd_id(rng: &mut StdRng) -> Value {
    match rng.random_range(0..4) {
        0 => json!(true),
        1 => json!({"not": "an id"}),
        2 => json!([1]),
        _ => Value::Null,
    }
}

fn no_readable_id(rng: &mut StdRng) -> Case {
    let v = match rng.random_range(0..6) {
        0 => scalar(rng),
        1 => Value::Array((0..rng.random_range(0..4)).map(|_| value(rng, 2)).collect()),
        // A batch: JSON-RPC 2.0 has them; MCP dropped them.
        2 => json!([{"jsonrpc": "2.0", "id": "batch-never", "method": "ping"}]),
        3 => json!({"jsonrpc": "2.0", "id": odd_id(rng), "method": "ping"}),
        4 => json!({"jsonrpc": "2.0", "id": odd_id(rng), "method": "tools/list", "params": {}}),
        // Random members: never `id` or `method` (the pool cannot spell them).
        _ => Value::Object(random_object(rng, 2)),
    };
    Case {
        kind: "no readable id",
        line: line(&v),
        expect: Expect::AtMostOneAnonymous,
    }
}

fn line(v: &Value) -> Vec<u8> {
    terminated(serde_json::to_vec(v).unwrap())
}

fn terminated(mut l: Vec<u8>) -> Vec<u8> {
    l.retain(|b| *b != b'\n');
    l.push(b'\n');
    l
}

fn shuffle<T>(rng: &mut StdRng, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let j = rng.random_range(0..=i);
        items.swap(i, j);
    }
}

// ---- the server on raw stdio ---------------------------------------------------------------

struct Raw {
    child: Child,
    stdin: ChildStdin,
    lines: mpsc::UnboundedReceiver<String>,
    stderr: Arc<Mutex<Vec<u8>>>,
    syncs: u64,
}

impl Raw {
    async fn start(base_url: &str, token: &str) -> Raw {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_hh-mcp"));
        cmd.env_clear()
            .env("HH_API_BASE_URL", base_url)
            .env("HH_ACCESS_TOKEN", token)
            .env("HH_USER_AGENT", UA)
            .env("HH_MCP_CONFIRM", "never")
            .env("HH_API_TIMEOUT_SECS", "5")
            .env("HOME", std::env::temp_dir())
            .arg("serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = cmd.spawn().expect("hh-mcp starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut err = child.stderr.take().unwrap();
        let stderr: Arc<Mutex<Vec<u8>>> = Arc::default();
        let sink = stderr.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 8192];
            while let Ok(n) = err.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        let lines = stdout_lines(stdout);
        let mut raw = Raw {
            child,
            stdin,
            lines,
            stderr,
            syncs: 0,
        };
        let init = raw
            .request(
                "initialize",
                json!({
                    "protocolVersion": "2025-11-25",
                    "capabilities": {},
                    "clientInfo": {"name": "fuzz", "version": "0.0.1"}
                }),
            )
            .await;
        assert_eq!(init["result"]["serverInfo"]["name"], "hh-mcp", "{init}");
        raw.write(&line(
            &json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        ))
        .await;
        raw
    }

    async fn write(&mut self, bytes: &[u8]) {
        self.stdin
            .write_all(bytes)
            .await
            .unwrap_or_else(|e| panic!("the server stopped reading stdin: {e}"));
        self.stdin.flush().await.unwrap();
    }

    async fn next_until(&mut self, deadline: Instant) -> Option<Value> {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, self.lines.recv()).await {
            Ok(Some(l)) => Some(parse(&l)),
            Ok(None) => panic!("stdout closed; stderr:\n{}", self.stderr_text()),
            Err(_) => None,
        }
    }

    /// A ping; returns every other message that arrived before its answer, and shortly after.
    async fn ping(&mut self) -> Vec<Value> {
        self.syncs += 1;
        let id = format!("sync-{}", self.syncs);
        self.write(&line(
            &json!({"jsonrpc": "2.0", "id": id, "method": "ping"}),
        ))
        .await;
        let deadline = Instant::now() + STEP;
        let mut said = Vec::new();
        loop {
            let m = self
                .next_until(deadline)
                .await
                .expect("the ping is answered in time");
            if m["id"] == id.as_str() {
                break;
            }
            said.push(m);
        }
        said.extend(self.drain(Duration::from_millis(50)).await);
        said
    }

    async fn drain(&mut self, quiet: Duration) -> Vec<Value> {
        let mut said = Vec::new();
        while let Ok(Some(l)) = tokio::time::timeout(quiet, self.lines.recv()).await {
            said.push(parse(&l));
        }
        said
    }

    /// A request and its answer (other messages in between fail the test).
    async fn request(&mut self, method: &str, params: Value) -> Value {
        self.syncs += 1;
        let id = format!("sync-{}", self.syncs);
        self.write(&line(
            &json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
        ))
        .await;
        let m = self
            .next_until(Instant::now() + STEP)
            .await
            .unwrap_or_else(|| panic!("{method}: no answer"));
        assert_eq!(m["id"], id.as_str(), "{m}");
        m
    }

    /// Every tool's argument names.
    async fn tool_fields(&mut self) -> BTreeMap<String, Vec<String>> {
        let list = self.request("tools/list", json!({})).await;
        list["result"]["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                let fields = t["inputSchema"]["properties"]
                    .as_object()
                    .map(|p| p.keys().cloned().collect())
                    .unwrap_or_default();
                (t["name"].as_str().unwrap().to_string(), fields)
            })
            .collect()
    }

    fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    fn assert_alive(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!(
                "the server exited ({status}); stderr:\n{}",
                self.stderr_text()
            );
        }
        let err = self.stderr_text();
        assert!(!err.contains("panicked"), "the server panicked:\n{err}");
    }

    /// Closes stdin; the server must exit cleanly. Returns its stderr.
    async fn close(mut self) -> String {
        self.assert_alive();
        drop(self.stdin);
        let status = tokio::time::timeout(STEP, self.child.wait())
            .await
            .expect("the server exits when stdin closes")
            .unwrap();
        let err = String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned();
        assert!(status.success(), "{status}; stderr:\n{err}");
        err
    }
}

fn parse(line: &str) -> Value {
    let v: Value = serde_json::from_str(line.trim_end()).unwrap_or_else(|e| {
        panic!(
            "stdout carried a line that is not JSON ({e}): {}",
            line.chars().take(300).collect::<String>()
        )
    });
    assert_eq!(v["jsonrpc"], "2.0", "not JSON-RPC 2.0: {line}");
    v
}
