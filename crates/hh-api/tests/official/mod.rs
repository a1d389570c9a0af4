//! hh.ru's published OpenAPI description, read at run time from beside the repository
//! (`../shared/hh-openapi/hh-openapi.yml`; never copied into it), so tests check our
//! behaviour against hh.ru's own names, enums, schemas and examples.
//!
//! Other crates' tests include it too (`#[path]`). Without the file,
//! [`official`] fails under `CI=true`, and elsewhere says so and returns `None`: the test
//! then skips the comparison.
#![allow(dead_code)]

pub mod deliberate;

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::{Map, Value};

fn path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/hh-openapi/hh-openapi.yml")
}

/// The whole description as JSON, parsed once per test binary.
pub fn official() -> Option<&'static Value> {
    static OFFICIAL: OnceLock<Option<Value>> = OnceLock::new();
    OFFICIAL
        .get_or_init(|| {
            let path = path();
            let Ok(text) = std::fs::read_to_string(&path) else {
                // CI must compare; elsewhere the skip is said out loud.
                if std::env::var("CI").as_deref() == Ok("true") {
                    panic!(
                        "CI=true and hh.ru's description is missing at {}",
                        path.display()
                    );
                }
                eprintln!(
                    "SKIPPED the comparison with hh.ru: {} is absent",
                    path.display()
                );
                return None;
            };
            Some(serde_norway::from_str(&text).expect("hh.ru's description is YAML"))
        })
        .as_ref()
}

/// A component schema by name.
pub fn schema<'a>(official: &'a Value, name: &str) -> &'a Value {
    let s = &official["components"]["schemas"][name];
    assert!(!s.is_null(), "hh.ru's description has no schema {name}");
    s
}

/// A named example's value (`components/examples/{name}/value`).
pub fn example<'a>(official: &'a Value, name: &str) -> &'a Value {
    let e = &official["components"]["examples"][name]["value"];
    assert!(!e.is_null(), "hh.ru's description has no example {name}");
    e
}

/// The operation at `path` and `method` (lower case).
pub fn operation<'a>(official: &'a Value, path: &str, method: &str) -> &'a Value {
    let op = &official["paths"][path][method];
    assert!(!op.is_null(), "hh.ru's description has no {method} {path}");
    op
}

/// Follows `$ref`s to what they name.
pub fn resolve<'a>(official: &'a Value, mut v: &'a Value) -> &'a Value {
    while let Some(r) = v.get("$ref").and_then(Value::as_str) {
        let mut at = official;
        for part in r.trim_start_matches("#/").split('/') {
            at = &at[part];
        }
        assert!(!at.is_null(), "dangling $ref {r}");
        v = at;
    }
    v
}

/// The HTTP methods an operation can have (a path item holds other keys too: `parameters`,
/// hh's `x-name`).
pub const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

/// `/negotiations/{nid}/messages` → `/negotiations/{}/messages`: OpenAPI tells templates
/// apart by shape, not by their placeholders' names.
pub fn blank(template: &str) -> String {
    template
        .split('/')
        .map(|s| if s.starts_with('{') { "{}" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

/// `(path template, method, operation)` of every operation of a description.
pub fn operations(doc: &Value) -> Vec<(&str, &'static str, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in METHODS {
            if let Some(op) = item.get(method).filter(|op| op.is_object()) {
                out.push((path.as_str(), method, op));
            }
        }
    }
    out
}

/// hh.ru's operation with the same method and template shape as `template` (one of ours).
pub fn operation_like<'a>(
    official: &'a Value,
    method: &str,
    template: &str,
) -> Option<(&'a str, &'a Value)> {
    let shape = blank(template);
    operations(official)
        .into_iter()
        .find(|(p, m, _)| m.eq_ignore_ascii_case(method) && blank(p) == shape)
        .map(|(p, _, op)| (p, op))
}

/// Whether a concrete path (`/negotiations/123`) fits a template (`/negotiations/{id}`).
pub fn fits(template: &str, path: &str) -> bool {
    let (t, p): (Vec<_>, Vec<_>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| t == p || (t.starts_with('{') && !p.is_empty()))
}

/// Why hh.ru's operation is retired, if it is: `deprecated: true`, or its text carries one
/// of `spec/overlay.yaml`'s `retired.markers` (as `cargo xtask spec import` decides).
pub fn retired(op: &Value) -> Option<&'static str> {
    if op.get("deprecated") == Some(&Value::Bool(true)) {
        return Some("marked `deprecated: true`");
    }
    let text = ["summary", "description"]
        .iter()
        .filter_map(|k| op.get(*k).and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    deliberate::retired_markers()
        .iter()
        .any(|m| text.contains(m.as_str()))
        .then_some("its text says it is no longer supported")
}

/// The response an operation declares for `status` (or its class `4XX`, or `default`),
/// through `$ref`.
pub fn response<'a>(official: &'a Value, op: &'a Value, status: u16) -> Option<&'a Value> {
    let responses = &op["responses"];
    let status = status.to_string();
    let class = format!("{}XX", &status[..1]);
    [status.as_str(), class.as_str(), "default"]
        .iter()
        .find_map(|k| responses.get(*k))
        .map(|r| resolve(official, r))
}

/// The JSON media type entry of a response or request body (`application/json`, with or
/// without parameters).
pub fn json_media(holder: &Value) -> Option<&Value> {
    holder["content"]
        .as_object()?
        .iter()
        .find(|(name, _)| name.split(';').next() == Some("application/json"))
        .map(|(_, media)| media)
}

/// The names of an operation's query parameters.
pub fn query_parameters(official: &Value, path: &str, method: &str) -> Vec<String> {
    operation(official, path, method)["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| resolve(official, p))
        .filter(|p| p["in"] == "query")
        .filter_map(|p| p["name"].as_str().map(str::to_string))
        .collect()
}

/// A value that fits `schema`, built from it: every property (required or not) with its
/// `example`, its first `enum` value or a plain value of its type; `allOf` parts merged,
/// the first `oneOf`/`anyOf` variant taken. A property both deprecated and nullable is
/// `null`, as hh sends it.
pub fn instance(official: &Value, schema: &Value) -> Value {
    build(official, schema, 0)
}

/// How deep [`instance`] builds: hh's answers nest about ten levels (a page of vacancies,
/// their actions, their arguments, the arguments those need), and some schemas nest in
/// themselves (areas in areas).
const MAX_DEPTH: usize = 16;

fn build(official: &Value, schema: &Value, depth: usize) -> Value {
    let schema = resolve(official, schema);
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        let mut merged = Map::new();
        // `allOf: [{$ref: a string schema}]` (hh's deprecated fields) is that string.
        let mut scalar = None;
        for part in parts {
            match build(official, part, depth) {
                Value::Object(o) => merged.extend(o),
                other => scalar = Some(other),
            }
        }
        if let Some(value) = scalar.filter(|_| merged.is_empty()) {
            return value;
        }
        if let Value::Object(own) = build_own(official, schema, depth) {
            merged.extend(own);
        }
        return Value::Object(merged);
    }
    if let Some(first) = ["oneOf", "anyOf"].iter().find_map(|k| {
        schema
            .get(*k)
            .and_then(Value::as_array)
            .and_then(|v| v.first())
    }) {
        return build(official, first, depth);
    }
    build_own(official, schema, depth)
}

fn build_own(official: &Value, schema: &Value, depth: usize) -> Value {
    if let Some(example) = schema.get("example") {
        // hh writes some examples as a `$ref` to a named example's `value`.
        return resolve(official, example).clone();
    }
    if let Some(first) = schema.get("enum").and_then(|e| e.get(0)) {
        return first.clone();
    }
    let properties = schema.get("properties").and_then(Value::as_object);
    match schema.get("type").and_then(Value::as_str) {
        // A value its format accepts: typify reads dates and times as such.
        Some("string") => match schema.get("format").and_then(Value::as_str) {
            Some("date") => Value::from("2026-01-10"),
            Some("date-time") => Value::from("2026-01-10T10:00:00+03:00"),
            Some("uuid") => Value::from("00000000-0000-4000-8000-000000000000"),
            _ => Value::from("x"),
        },
        Some("integer") => Value::from(1),
        // hh types counts and sizes as `number` and sends whole ones; a fraction only where
        // its format says.
        Some("number") => match schema.get("format").and_then(Value::as_str) {
            Some("float" | "double") => Value::from(1.5),
            _ => Value::from(2),
        },
        Some("boolean") => Value::from(false),
        Some("array") if depth < MAX_DEPTH => match schema.get("items") {
            Some(items) => Value::Array(vec![build(official, items, depth + 1)]),
            None => Value::Array(vec![]),
        },
        Some("array") => Value::Array(vec![]),
        _ if properties.is_none() && schema.get("nullable") == Some(&Value::Bool(true)) => {
            Value::Null
        }
        _ => {
            let mut out = Map::new();
            for (name, property) in properties.into_iter().flatten() {
                let p = resolve(official, property);
                let gone = p.get("deprecated") == Some(&Value::Bool(true))
                    && p.get("nullable") == Some(&Value::Bool(true));
                // Self-nesting schemas (areas in areas) end at the depth bound: scalars are
                // still filled in, nested objects and lists left out.
                let nests = p.get("type").is_some_and(|t| t == "object" || t == "array")
                    || p.get("properties").is_some()
                    || ["allOf", "oneOf", "anyOf"]
                        .iter()
                        .any(|k| p.get(*k).is_some());
                if depth >= MAX_DEPTH && nests {
                    if p.get("type").is_some_and(|t| t == "array") {
                        out.insert(name.clone(), Value::Array(vec![]));
                    }
                    continue;
                }
                let value = if gone {
                    Value::Null
                } else {
                    build(official, property, depth + 1)
                };
                out.insert(name.clone(), value);
            }
            Value::Object(out)
        }
    }
}
