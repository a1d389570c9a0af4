//! Our description against the official one: for every operation both have (same method,
//! same path once parameter names are blanked to `{}`), compare parameters (name, `in`,
//! `required`), request body media types, form body field names, and the success responses
//! (statuses, media types, JSON schemas). Every difference is a
//! short `what` string; the ones we mean are listed with a reason in
//! `spec/deliberate-differences.yaml`, anything else is an error.
//!
//! Difference strings (OFFICIAL is the official description's side, OURS ours):
//! - `param OFFICIAL renamed OURS` — the n-th path placeholder has another name
//! - `param NAME (IN) missing` / `param NAME (IN) extra` — only in official / only in ours
//! - `param NAME moved IN_OFFICIAL -> IN_OURS` — same name, other location
//! - `param NAME (IN) required OFFICIAL -> OURS` — e.g. `required false -> true`
//! - `request body MEDIA_TYPES -> MEDIA_TYPES` — comma-separated, or `none`
//! - `form field NAME missing` / `form field NAME extra` — x-www-form-urlencoded properties
//! - `operation deprecated`, `response STATUS …` — the success responses, down to each
//!   field's type, `required`, `nullable`, `enum` and deprecation (see `responses`)
//!
//! An entry's `what` may hold `*`, standing for any text (`response * field * missing`).
//!
//! The `HH-User-Agent` header is stripped from both first: the client sets it once
//! (see `normalize::strip_user_agent_header`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use serde_json::Value;

use crate::normalize;
use crate::responses;
use crate::spec;

/// One difference for one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// Upper case, e.g. `PUT`.
    pub method: String,
    /// Our path template.
    pub path: String,
    pub what: String,
}

impl fmt::Display for Difference {
    /// As an entry ready to paste into `spec/deliberate-differences.yaml`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let quoted = serde_json::to_string(&self.what).expect("a string serializes");
        write!(
            f,
            "- method: {}\n  path: \"{}\"\n  what: {quoted}\n  why: TODO",
            self.method, self.path
        )
    }
}

/// An entry of `spec/deliberate-differences.yaml`. `method` and `path` may be `*`.
#[derive(Debug, Deserialize)]
pub struct Deliberate {
    pub method: String,
    pub path: String,
    pub what: String,
    pub why: String,
}

impl Deliberate {
    fn covers(&self, d: &Difference) -> bool {
        (self.method == "*" || self.method.eq_ignore_ascii_case(&d.method))
            && (self.path == "*" || blank_params(&self.path) == blank_params(&d.path))
            && glob(&self.what, &d.what)
    }
}

/// `pattern` with `*` standing for any run of characters, matched against the whole of `text`.
fn glob(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let mut parts: Vec<&str> = parts.collect();
    let Some(last) = parts.pop() else {
        return rest.is_empty();
    };
    for part in parts {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

pub struct Report {
    pub differences: Vec<Difference>,
    /// `(METHOD, path)` of operations the official description does not have.
    pub ours_only: Vec<(String, String)>,
    /// Operations compared.
    pub compared: usize,
}

/// `/negotiations/{nid}/messages` → `/negotiations/{}/messages`.
pub fn blank_params(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

fn placeholders(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect()
}

pub fn compare(ours: &Value, official: &Value) -> Report {
    let mut ours = ours.clone();
    let mut official = official.clone();
    normalize::strip_user_agent_header(&mut ours);
    normalize::strip_user_agent_header(&mut official);

    let official_ops: BTreeMap<(String, String), String> = spec::operations(&official)
        .into_iter()
        .map(|(path, method)| ((method, blank_params(&path)), path))
        .collect();
    let mut report = Report {
        differences: Vec::new(),
        ours_only: Vec::new(),
        compared: 0,
    };
    for (path, method) in spec::operations(&ours) {
        let Some(official_path) = official_ops.get(&(method.clone(), blank_params(&path))) else {
            report.ours_only.push((method.to_uppercase(), path));
            continue;
        };
        report.compared += 1;
        let whats = compare_operation(&ours, &path, &official, official_path, &method);
        report
            .differences
            .extend(whats.into_iter().map(|what| Difference {
                method: method.to_uppercase(),
                path: path.clone(),
                what,
            }));
    }
    report
}

fn compare_operation(
    ours: &Value,
    path: &str,
    official: &Value,
    official_path: &str,
    method: &str,
) -> Vec<String> {
    let mut whats = Vec::new();

    // Path placeholders pair up by position; a renamed one is then known by our name.
    let mut renamed = BTreeMap::new();
    for (theirs, mine) in placeholders(official_path)
        .into_iter()
        .zip(placeholders(path))
    {
        if theirs != mine {
            whats.push(format!("param {theirs} renamed {mine}"));
            renamed.insert(theirs.to_owned(), mine.to_owned());
        }
    }

    let describe = |p: &Value| -> (String, String, bool) {
        let name = p["name"].as_str().unwrap_or_default().to_owned();
        let location = p["in"].as_str().unwrap_or_default().to_owned();
        let required = p["required"].as_bool().unwrap_or(false);
        (name, location, required)
    };
    let our_params: Vec<_> = spec::effective_parameters(ours, path, method)
        .into_iter()
        .map(describe)
        .collect();
    let official_params: Vec<_> = spec::effective_parameters(official, official_path, method)
        .into_iter()
        .map(describe)
        .map(|(name, location, required)| {
            let name = if location == "path" {
                renamed.get(&name).cloned().unwrap_or(name)
            } else {
                name
            };
            (name, location, required)
        })
        .collect();
    for (name, location, required) in &official_params {
        match our_params.iter().find(|(n, _, _)| n == name) {
            None => whats.push(format!("param {name} ({location}) missing")),
            Some((_, our_location, _)) if our_location != location => {
                whats.push(format!("param {name} moved {location} -> {our_location}"))
            }
            Some((_, _, our_required)) if our_required != required => whats.push(format!(
                "param {name} ({location}) required {required} -> {our_required}"
            )),
            Some(_) => {}
        }
    }
    for (name, location, _) in &our_params {
        if !official_params.iter().any(|(n, _, _)| n == name) {
            whats.push(format!("param {name} ({location}) extra"));
        }
    }

    let (our_types, our_fields) = request_body(ours, &ours["paths"][path][method]);
    let (official_types, official_fields) =
        request_body(official, &official["paths"][official_path][method]);
    if our_types != official_types {
        whats.push(format!(
            "request body {} -> {}",
            list_or_none(&official_types),
            list_or_none(&our_types)
        ));
    }
    whats.extend(
        official_fields
            .difference(&our_fields)
            .map(|f| format!("form field {f} missing")),
    );
    whats.extend(
        our_fields
            .difference(&official_fields)
            .map(|f| format!("form field {f} extra")),
    );
    whats.extend(responses::compare(
        ours,
        &ours["paths"][path][method],
        official,
        &official["paths"][official_path][method],
    ));
    whats
}

fn list_or_none(items: &BTreeSet<String>) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.iter().cloned().collect::<Vec<_>>().join(", ")
    }
}

const FORM: &str = "application/x-www-form-urlencoded";

/// The request body's media types and its form fields (property names of the
/// x-www-form-urlencoded schema, through `$ref` and `allOf`).
fn request_body(doc: &Value, operation: &Value) -> (BTreeSet<String>, BTreeSet<String>) {
    let Some(body) = operation.get("requestBody") else {
        return Default::default();
    };
    let content = &spec::resolve(doc, body)["content"];
    let types = content
        .as_object()
        .map(|c| c.keys().cloned().collect())
        .unwrap_or_default();
    let mut fields = BTreeSet::new();
    collect_properties(doc, &content[FORM]["schema"], &mut fields);
    (types, fields)
}

fn collect_properties(doc: &Value, schema: &Value, into: &mut BTreeSet<String>) {
    let schema = spec::resolve(doc, schema);
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        into.extend(props.keys().cloned());
    }
    for part in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        collect_properties(doc, part, into);
    }
}

pub fn load_deliberate(path: &Path) -> Result<Vec<Deliberate>> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let entries: Option<Vec<Deliberate>> = serde_norway::from_str(&text).with_context(|| {
        format!(
            "parsing {}: expected a list of {{method, path, what, why}}",
            path.display()
        )
    })?;
    Ok(entries.unwrap_or_default())
}

/// Prints the comparison and fails if a difference is not listed as deliberate.
pub fn check(ours_path: &Path, official_path: &Path, deliberate_path: &Path) -> Result<()> {
    let ours = spec::load(ours_path)?;
    let official = spec::load(official_path)?;
    let deliberate = load_deliberate(deliberate_path)?;
    let report = compare(&ours, &official);

    println!(
        "compared {} operations of {} with {}",
        report.compared,
        ours_path.display(),
        official_path.display()
    );
    for (method, path) in &report.ours_only {
        println!("only in ours: {method} {path}");
    }
    let (listed, unlisted): (Vec<_>, Vec<_>) = report
        .differences
        .iter()
        .partition(|d| deliberate.iter().any(|e| e.covers(d)));
    println!(
        "{} differences, {} listed as deliberate",
        report.differences.len(),
        listed.len()
    );
    for d in &listed {
        let why = deliberate
            .iter()
            .find(|e| e.covers(d))
            .map_or("", |e| e.why.as_str());
        println!(
            "deliberate: {} {}: {} ({})",
            d.method,
            d.path,
            d.what,
            why.trim()
        );
    }
    for stale in deliberate
        .iter()
        .filter(|e| !report.differences.iter().any(|d| e.covers(d)))
    {
        println!(
            "note: listed but not found (stale?): {} {}: {}",
            stale.method, stale.path, stale.what
        );
    }
    if unlisted.is_empty() {
        return Ok(());
    }
    println!(
        "\nNot listed in {} (paste and explain the ones you mean):",
        deliberate_path.display()
    );
    for d in &unlisted {
        println!("{d}");
    }
    bail!(
        "{} undocumented differences from the official description",
        unlisted.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn blanks_parameter_names() {
        assert_eq!(
            blank_params("/negotiations/{collection_name}/{nid}"),
            "/negotiations/{}/{}"
        );
    }

    fn official() -> Value {
        json!({
            "paths": {
                "/negotiations/{collection_name}/{nid}": {"put": {
                    "parameters": [
                        {"$ref": "#/components/parameters/HHUserAgent"},
                        {"name": "collection_name", "in": "path", "required": true},
                        {"name": "nid", "in": "path", "required": true},
                        {"name": "with_job_search_status", "in": "query", "required": false},
                        {"name": "locale", "in": "query"},
                    ],
                    "requestBody": {"$ref": "#/components/requestBodies/Action"},
                }},
                "/me": {"get": {}},
            },
            "components": {
                "parameters": {"HHUserAgent": {"name": "HH-User-Agent", "in": "header", "required": true}},
                "requestBodies": {"Action": {"content": {FORM: {"schema": {"allOf": [
                    {"properties": {"message": {}, "address_id": {}}},
                    {"properties": {"send_sms": {}}},
                ]}}}}},
            },
        })
    }

    #[test]
    fn reports_each_kind_of_difference() {
        let ours = json!({"paths": {
            "/negotiations/{action}/{nid}": {"put": {
                "parameters": [
                    {"name": "action", "in": "path", "required": true},
                    {"name": "nid", "in": "path", "required": true},
                    {"name": "with_job_search_status", "in": "query", "required": true},
                    {"name": "locale", "in": "header"},
                    {"name": "page", "in": "query"},
                ],
                "requestBody": {"content": {FORM: {"schema": {"properties": {"message": {}, "send_sms": {}, "template": {}}}}}},
            }},
            "/vacancies": {"post": {}},
        }});
        let report = compare(&ours, &official());
        let whats: Vec<_> = report.differences.iter().map(|d| d.what.as_str()).collect();
        assert_eq!(
            whats,
            [
                "param collection_name renamed action",
                "param with_job_search_status (query) required false -> true",
                "param locale moved query -> header",
                "param page (query) extra",
                "form field address_id missing",
                "form field template extra",
            ]
        );
        assert!(
            report
                .differences
                .iter()
                .all(|d| d.method == "PUT" && d.path == "/negotiations/{action}/{nid}")
        );
        assert_eq!(
            report.ours_only,
            [("POST".to_string(), "/vacancies".to_string())]
        );
        assert_eq!(report.compared, 1);
    }

    #[test]
    fn identical_operations_have_no_differences_and_media_types_are_compared() {
        let mut ours = official();
        assert!(compare(&ours, &official()).differences.is_empty());
        ours["components"]["requestBodies"]["Action"]["content"] =
            json!({"application/json": {"schema": {}}});
        let whats: Vec<_> = compare(&ours, &official())
            .differences
            .into_iter()
            .map(|d| d.what)
            .collect();
        assert_eq!(
            whats,
            [
                "request body application/x-www-form-urlencoded -> application/json",
                "form field address_id missing",
                "form field message missing",
                "form field send_sms missing",
            ]
        );
    }

    #[test]
    fn deliberate_entries_match_by_blanked_path_and_wildcards() {
        let d = Difference {
            method: "PUT".into(),
            path: "/negotiations/{action}/{nid}".into(),
            what: "param page (query) extra".into(),
        };
        let entry = |method: &str, path: &str, what: &str| Deliberate {
            method: method.into(),
            path: path.into(),
            what: what.into(),
            why: String::new(),
        };
        assert!(
            entry(
                "put",
                "/negotiations/{collection_name}/{nid}",
                "param page (query) extra"
            )
            .covers(&d)
        );
        assert!(entry("*", "*", "param page (query) extra").covers(&d));
        assert!(!entry("GET", "*", "param page (query) extra").covers(&d));
        assert!(!entry("*", "*", "param page (query) missing").covers(&d));
        assert!(entry("*", "*", "param * (query) extra").covers(&d));
        assert!(entry("*", "*", "*").covers(&d));
        assert!(!entry("*", "*", "param * (query) missing").covers(&d));
        assert!(!entry("*", "*", "param page").covers(&d));
    }

    #[test]
    fn printed_entries_parse_back_as_deliberate_entries() {
        let d = Difference {
            method: "PUT".into(),
            path: "/n/{id}".into(),
            what: "param x (query) required false -> true".into(),
        };
        let parsed: Vec<Deliberate> = serde_norway::from_str(&d.to_string()).unwrap();
        assert!(parsed[0].covers(&d));
        assert_eq!(parsed[0].why, "TODO");
    }

    /// Our description against hh.ru's: every difference must be listed as deliberate.
    #[test]
    fn spec_matches_official() {
        let root = spec::workspace_root();
        let official = root.join("../shared/hh-openapi/hh-openapi.yml");
        if !official.exists() {
            println!(
                "SKIPPED spec_matches_official: {} is absent",
                official.display()
            );
            return;
        }
        let result = check(
            &root.join("spec/hh-employer.yaml"),
            &official,
            &root.join("spec/deliberate-differences.yaml"),
        );
        if let Err(e) = result {
            panic!("{e:#}");
        }
    }
}
