//! `cargo xtask spec diff`: what hh.ru changed in its description since our import.
//!
//! The newer file is imported the way ours was (same overlay, but entries that no longer
//! apply are reported instead of failing), and both derived descriptions are flattened into
//! facts: one per operation, parameter, body and response media type, and schema field
//! (reached through `$ref`, `allOf`, `items`, `oneOf`/`anyOf`). Comparing derived with derived
//! means our own corrections cancel out, and no copy of hh.ru's file is ever kept: the
//! committed `spec/hh-derived.yaml` is the old side, and records the sha256 of its source.
//!
//! Breaking means a client generated from the old description may now fail: an operation
//! removed or retired; anything we send or read removed; a new required input; a type change;
//! an input that became required or non-nullable; an output that became optional or nullable;
//! an input enum that lost a value, or an output enum that gained one (generated enums reject
//! values they do not know). Additions of outputs, optional inputs and operations are not.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::import::{self, Imported, Mode};
use crate::overlay::Overlay;
use crate::spec::{self, blank_params};

/// One difference between the old and the new description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// `GET /negotiations/{}`, then where inside it.
    pub at: String,
    pub what: String,
    pub breaking: bool,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mark = if self.breaking {
            "BREAKING"
        } else {
            "ok      "
        };
        write!(f, "{mark} {}: {}", self.at, self.what)
    }
}

pub struct Report {
    /// The new file is byte for byte the one the old description was imported from.
    pub same_source: bool,
    pub changes: Vec<Change>,
    /// Overlay entries that do not fit the new file (`spec import` fails until they are fixed).
    pub overlay_problems: Vec<String>,
}

impl Report {
    pub fn breaking(&self) -> usize {
        self.changes.iter().filter(|c| c.breaking).count()
    }
}

/// The command: prints the report; fails on a breaking change.
pub fn run(derived: &Path, new_file: &Path, overlay: &Overlay) -> Result<()> {
    if !derived.exists() {
        bail!(
            "{} does not exist: run `cargo xtask spec import` first",
            derived.display()
        );
    }
    let old = load_derived(derived)?;
    let new = import::import_file(new_file, overlay, Mode::Lenient)?;
    let report = diff(&old, &new);
    if report.same_source {
        println!(
            "{} is the file {} was imported from (sha256 {})",
            new_file.display(),
            derived.display(),
            new.sha256
        );
    }
    for change in &report.changes {
        println!("{change}");
    }
    for problem in &report.overlay_problems {
        println!("overlay  {problem}");
    }
    println!(
        "{} changes, {} breaking; {} overlay entries to update",
        report.changes.len(),
        report.breaking(),
        report.overlay_problems.len()
    );
    if report.breaking() > 0 {
        bail!(
            "{} breaking changes in {}",
            report.breaking(),
            new_file.display()
        );
    }
    Ok(())
}

pub fn diff(old: &Value, new: &Imported) -> Report {
    let old_model = model(old);
    let new_model = model(&new.doc);
    let retired: BTreeMap<String, &str> = new
        .left_out
        .iter()
        .filter_map(|o| {
            let (method, path) = o.operation.split_once(' ')?;
            Some((format!("{method} {}", blank_params(path)), o.why.as_str()))
        })
        .collect();
    let mut changes = Vec::new();
    for (at, fact) in &old_model {
        match new_model.get(at) {
            None if !parent_also(at, &new_model) => {
                let what = match retired.get(&at[0]) {
                    Some(why) if at.len() == 1 => format!("left out now ({why})"),
                    _ => "removed".into(),
                };
                changes.push(change(at, what, true));
            }
            None => {}
            Some(new_fact) => changes.extend(compare(at, fact, new_fact)),
        }
    }
    for (at, fact) in &new_model {
        if !old_model.contains_key(at) && !parent_also(at, &old_model) {
            let breaking = fact.side == Side::Input && fact.required;
            let what = if fact.side == Side::Input && fact.required {
                "added, required"
            } else {
                "added"
            };
            changes.push(change(at, what.into(), breaking));
        }
    }
    changes.sort_by(|a, b| (&a.at, &a.what).cmp(&(&b.at, &b.what)));
    Report {
        same_source: import::recorded_sha256(old) == Some(new.sha256.as_str()),
        changes,
        overlay_problems: new.problems.clone(),
    }
}

/// A fact whose parent is missing too is covered by the parent's change.
fn parent_also(at: &[String], other: &Model) -> bool {
    at.len() > 1 && !other.contains_key(&at[..at.len() - 1])
}

fn change(at: &[String], what: String, breaking: bool) -> Change {
    Change {
        at: show(at),
        what,
        breaking,
    }
}

/// `["GET /x", "response 200 application/json", "items", "[]", "id"]` →
/// `GET /x response 200 application/json: items[].id`.
fn show(at: &[String]) -> String {
    let fields = |f: &[String]| f.join(".").replace(".[]", "[]");
    if let [root, rest @ ..] = at
        && root.starts_with("type ")
    {
        return format!("{root} {}", fields(rest)).trim_end().to_owned();
    }
    match at {
        [] => String::new(),
        [op] => op.clone(),
        [op, place] => format!("{op} {place}"),
        [op, place, rest @ ..] => format!("{op} {place} {}", fields(rest)),
    }
}

/// Which way a fact's data flows, which decides what breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Operation,
    Input,
    Output,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Fact {
    side: Side,
    ty: String,
    required: bool,
    nullable: bool,
    enums: Option<BTreeSet<String>>,
}

type Model = BTreeMap<Vec<String>, Fact>;

fn compare(at: &[String], old: &Fact, new: &Fact) -> Vec<Change> {
    let input = old.side == Side::Input;
    let mut out = Vec::new();
    if old.ty != new.ty {
        out.push(change(at, format!("type {} -> {}", old.ty, new.ty), true));
    }
    if old.required != new.required {
        // An input that became required, or an output that may now be absent.
        let breaking = new.required == input;
        out.push(change(
            at,
            format!("required {} -> {}", old.required, new.required),
            breaking,
        ));
    }
    if old.nullable != new.nullable {
        let breaking = new.nullable != input;
        out.push(change(
            at,
            format!("nullable {} -> {}", old.nullable, new.nullable),
            breaking,
        ));
    }
    if let (Some(a), Some(b)) = (&old.enums, &new.enums) {
        let gone: Vec<&String> = a.difference(b).collect();
        let added: Vec<&String> = b.difference(a).collect();
        if !gone.is_empty() {
            out.push(change(at, format!("enum values removed {gone:?}"), input));
        }
        if !added.is_empty() {
            out.push(change(at, format!("enum values added {added:?}"), !input));
        }
    } else if old.enums != new.enums {
        out.push(change(at, "enum constraint added or removed".into(), true));
    }
    out
}

/// Every fact of a derived description.
fn model(doc: &Value) -> Model {
    let mut out = Model::new();
    let mut seen = BTreeSet::new();
    for (path, method) in spec::operations(doc) {
        let op_key = format!("{} {}", method.to_uppercase(), blank_params(&path));
        let op = &doc["paths"][&path][&method];
        out.insert(
            vec![op_key.clone()],
            Fact {
                side: Side::Operation,
                ty: String::new(),
                required: true,
                nullable: false,
                enums: None,
            },
        );
        let mut walker = Walker {
            doc,
            out: &mut out,
            stack: Vec::new(),
            seen: &mut seen,
        };
        for p in spec::effective_parameters(doc, &path, &method) {
            let at = vec![
                op_key.clone(),
                format!(
                    "parameter {} ({})",
                    p["name"].as_str().unwrap_or("?"),
                    p["in"].as_str().unwrap_or("?")
                ),
            ];
            let required = p.get("required") == Some(&Value::Bool(true));
            walker.walk(&p["schema"], Side::Input, at, required, 0);
        }
        if let Some(body) = op.get("requestBody").map(|b| spec::resolve(doc, b)) {
            let required = body.get("required") == Some(&Value::Bool(true));
            for (media, m) in body["content"].as_object().into_iter().flatten() {
                let at = vec![op_key.clone(), format!("request body {media}")];
                walker.walk(&m["schema"], Side::Input, at, required, 0);
            }
        }
        let responses = op["responses"].as_object().into_iter().flatten();
        for (code, response) in responses.filter(|(code, _)| code.starts_with('2')) {
            let response = spec::resolve(doc, response);
            let content = response.get("content").and_then(Value::as_object);
            match content {
                Some(content) if !content.is_empty() => {
                    for (media, m) in content {
                        let at = vec![op_key.clone(), format!("response {code} {media}")];
                        walker.walk(&m["schema"], Side::Output, at, true, 0);
                    }
                }
                _ => {
                    let at = vec![op_key.clone(), format!("response {code}")];
                    walker.walk(&Value::Null, Side::Output, at, true, 0);
                }
            }
        }
    }
    // Types no operation reaches, which the client reads by following URLs
    // (`NegotiationsPage`): compared on their own, from the ones no other type refers to.
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object);
    let mut referred = BTreeSet::new();
    for (name, schema) in schemas.into_iter().flatten() {
        let mut refs = Vec::new();
        collect_ref_names(schema, &mut refs);
        referred.extend(refs.into_iter().filter(|r| r != name));
    }
    let roots: Vec<&String> = schemas
        .into_iter()
        .flat_map(|s| s.keys())
        .filter(|name| !seen.contains(*name) && !referred.contains(*name))
        .collect();
    for name in roots {
        let schema = serde_json::json!({"$ref": format!("#/components/schemas/{name}")});
        let mut walker = Walker {
            doc,
            out: &mut out,
            stack: Vec::new(),
            seen: &mut seen,
        };
        walker.walk(&schema, Side::Output, vec![format!("type {name}")], true, 0);
    }
    out
}

fn collect_ref_names(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                out.push(name.to_owned());
            }
            map.values().for_each(|v| collect_ref_names(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_ref_names(v, out)),
        _ => {}
    }
}

/// Deep enough for every real field; a bound keeps a pathological file finite.
const MAX_DEPTH: usize = 12;

struct Walker<'a> {
    doc: &'a Value,
    out: &'a mut Model,
    /// Schemas being walked, so recursive types stop.
    stack: Vec<String>,
    /// Every schema reached so far.
    seen: &'a mut BTreeSet<String>,
}

/// A schema with its `$ref`s followed and its `allOf` merged.
#[derive(Default)]
struct Shape {
    types: Vec<String>,
    nullable: bool,
    enums: Option<BTreeSet<String>>,
    properties: BTreeMap<String, Value>,
    required: BTreeSet<String>,
    items: Option<Value>,
    additional: Option<Value>,
    /// `(label, schema)` of `oneOf`/`anyOf` entries.
    variants: Vec<(String, Value)>,
    recursive: Option<String>,
}

impl Walker<'_> {
    fn walk(&mut self, schema: &Value, side: Side, at: Vec<String>, required: bool, depth: usize) {
        let mut shape = Shape::default();
        let pushed = self.shape(schema, &mut shape, 0);
        let ty = match &shape.recursive {
            Some(name) => format!("recursive {name}"),
            None => shape_type(&shape),
        };
        self.out.insert(
            at.clone(),
            Fact {
                side,
                ty,
                required,
                nullable: shape.nullable,
                enums: shape.enums.clone(),
            },
        );
        if depth < MAX_DEPTH && shape.recursive.is_none() {
            for (name, sub) in &shape.properties {
                let mut at = at.clone();
                at.push(name.clone());
                self.walk(sub, side, at, shape.required.contains(name), depth + 1);
            }
            if let Some(items) = &shape.items {
                let mut at = at.clone();
                at.push("[]".into());
                self.walk(items, side, at, true, depth + 1);
            }
            if let Some(additional) = &shape.additional {
                let mut at = at.clone();
                at.push("{*}".into());
                self.walk(additional, side, at, true, depth + 1);
            }
            for (label, sub) in &shape.variants {
                let mut at = at.clone();
                at.push(label.clone());
                self.walk(sub, side, at, true, depth + 1);
            }
        }
        self.stack.truncate(self.stack.len() - pushed);
    }

    /// Merges `schema` into `shape`; returns how many names it pushed on the stack (the
    /// caller pops them once it has walked the children).
    fn shape(&mut self, schema: &Value, shape: &mut Shape, depth: usize) -> usize {
        let mut pushed = 0;
        let mut schema = schema;
        while let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let name = r.rsplit('/').next().unwrap_or(r).to_owned();
            if self.stack.contains(&name) || depth > MAX_DEPTH {
                shape.recursive = Some(name);
                return pushed;
            }
            self.seen.insert(name.clone());
            self.stack.push(name);
            pushed += 1;
            match r.strip_prefix('#').and_then(|p| self.doc.pointer(p)) {
                Some(target) => schema = target,
                None => {
                    shape.types.push(format!("unresolved {r}"));
                    return pushed;
                }
            }
        }
        let Some(obj) = schema.as_object() else {
            return pushed;
        };
        if let Some(t) = obj.get("type").and_then(Value::as_str) {
            let t = match obj.get("format").and_then(Value::as_str) {
                Some(format) => format!("{t}({format})"),
                None => t.to_owned(),
            };
            if !shape.types.contains(&t) {
                shape.types.push(t);
            }
        }
        shape.nullable |= obj.get("nullable") == Some(&Value::Bool(true));
        if let Some(values) = obj.get("enum").and_then(Value::as_array) {
            shape.enums = Some(values.iter().map(Value::to_string).collect());
        }
        for (name, sub) in obj
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            shape.properties.insert(name.clone(), sub.clone());
        }
        let required = obj.get("required").and_then(Value::as_array);
        shape.required.extend(
            required
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned),
        );
        if let Some(items) = obj.get("items") {
            shape.items = Some(items.clone());
        }
        if let Some(additional) = obj.get("additionalProperties").filter(|a| a.is_object()) {
            shape.additional = Some(additional.clone());
        }
        for keyword in ["oneOf", "anyOf"] {
            for (i, v) in obj
                .get(keyword)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let label = v
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.rsplit('/').next())
                    .map_or_else(|| format!("{keyword}[{i}]"), |n| format!("{keyword}[{n}]"));
                shape.variants.push((label, v.clone()));
            }
        }
        for part in obj
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            pushed += self.shape(part, shape, depth + 1);
        }
        pushed
    }
}

fn shape_type(shape: &Shape) -> String {
    if !shape.types.is_empty() {
        return shape.types.join("+");
    }
    if !shape.properties.is_empty() {
        "object".into()
    } else if shape.items.is_some() {
        "array".into()
    } else if !shape.variants.is_empty() {
        "union".into()
    } else {
        "any".into()
    }
}

/// Reads a derived description (for tests and for `run`), naming the file on failure.
pub fn load_derived(path: &Path) -> Result<Value> {
    spec::load(path).with_context(|| format!("reading the derived description {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::tests::{official_fixture, overlay};
    use serde_json::json;

    /// The vendored file, imported, and a way to import doctored copies of it written to a
    /// temporary file at run time (hh.ru's file is never copied into the repository).
    struct Fixture {
        raw: Value,
        old: Value,
        overlay: Overlay,
        dir: std::path::PathBuf,
    }

    impl Fixture {
        fn new(test: &str) -> Option<Fixture> {
            let path = official_fixture(test)?;
            let overlay = overlay();
            let old = import::import_file(&path, &overlay, Mode::Strict)
                .unwrap()
                .doc;
            let dir =
                std::env::temp_dir().join(format!("xtask-drift-{test}-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            Some(Fixture {
                raw: spec::load(&path).unwrap(),
                old,
                overlay,
                dir,
            })
        }

        /// Imports `raw` after `doctor` has changed it, and compares.
        fn diff_after(&self, doctor: impl FnOnce(&mut Value)) -> Report {
            let mut doctored = self.raw.clone();
            doctor(&mut doctored);
            let path = self.dir.join("doctored.yml");
            std::fs::write(&path, serde_norway::to_string(&doctored).unwrap()).unwrap();
            let new = import::import_file(&path, &self.overlay, Mode::Lenient).unwrap();
            diff(&self.old, &new)
        }
    }

    impl Drop for Fixture {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    fn lines(report: &Report) -> Vec<String> {
        report.changes.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn the_same_file_changes_nothing() {
        let Some(fx) = Fixture::new("the_same_file_changes_nothing") else {
            return;
        };
        let new = import::import_file(
            &spec::workspace_root().join(crate::OFFICIAL_SPEC),
            &fx.overlay,
            Mode::Lenient,
        )
        .unwrap();
        let report = diff(&fx.old, &new);
        assert!(report.same_source);
        assert_eq!(lines(&report), Vec::<String>::new());
        assert!(report.overlay_problems.is_empty());
        // Re-serialised (not byte-identical) is no longer the same source, yet the same facts.
        let report = fx.diff_after(|_| {});
        assert!(!report.same_source);
        assert_eq!(lines(&report), Vec::<String>::new());
    }

    #[test]
    fn a_removed_operation_is_breaking() {
        let Some(fx) = Fixture::new("a_removed_operation_is_breaking") else {
            return;
        };
        let report = fx.diff_after(|raw| {
            raw["paths"]["/vacancies/{vacancy_id}/stats"]
                .as_object_mut()
                .unwrap()
                .remove("get");
        });
        // Its answer's schema, renamed by the overlay, is no longer imported: said, not
        // breaking.
        assert_eq!(
            lines(&report),
            [
                "BREAKING GET /vacancies/{}/stats: removed",
                "ok       type VacancyStats: added"
            ]
        );
        assert_eq!(report.breaking(), 1);
    }

    #[test]
    fn a_retired_operation_is_breaking_and_says_so() {
        let Some(fx) = Fixture::new("a_retired_operation_is_breaking_and_says_so") else {
            return;
        };
        let report = fx.diff_after(|raw| {
            raw["paths"]["/common/chats/{chat_id}/leave"]["put"]["deprecated"] = json!(true);
        });
        assert_eq!(
            lines(&report),
            [
                "BREAKING PUT /common/chats/{}/leave: left out now (retired: marked `deprecated: true`)"
            ]
        );
    }

    #[test]
    fn a_new_required_request_field_is_breaking_a_new_optional_one_is_not() {
        let Some(fx) = Fixture::new("a_new_required_request_field") else {
            return;
        };
        let report =
            fx.diff_after(|raw| {
                let form = &mut raw["paths"]["/negotiations/{id}"]["put"]["requestBody"]["content"]
                    ["application/x-www-form-urlencoded"]["schema"];
                form["properties"]["reason"] = json!({"type": "string"});
                form["properties"]["note"] = json!({"type": "string"});
                form["required"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!("reason"));
            });
        assert_eq!(
            lines(&report),
            [
                "ok       PUT /negotiations/{} request body application/x-www-form-urlencoded note: added",
                "BREAKING PUT /negotiations/{} request body application/x-www-form-urlencoded reason: added, required",
            ]
        );
    }

    #[test]
    fn a_changed_type_is_breaking_wherever_the_schema_is_used() {
        let Some(fx) = Fixture::new("a_changed_type_is_breaking") else {
            return;
        };
        let report = fx.diff_after(|raw| {
            raw["components"]["schemas"]["EmployersEmployersState"]["properties"]["id"]["type"] =
                json!("integer");
        });
        assert_eq!(
            lines(&report),
            [
                "BREAKING GET /negotiations response 200 application/json anyOf[Collections].employer_states[].id: type string -> integer",
                "BREAKING GET /negotiations/{} response 200 application/json anyOf[Negotiation].employer_state.id: type string -> integer",
                "BREAKING GET /negotiations/{} response 200 application/json anyOf[Negotiation].funnel_stage.state.id: type string -> integer",
                "BREAKING type NegotiationsPage items[].employer_state.id: type string -> integer",
                "BREAKING type NegotiationsPage items[].funnel_stage.state.id: type string -> integer",
            ]
        );
    }

    #[test]
    fn types_reached_only_by_url_are_compared_too() {
        let Some(fx) = Fixture::new("types_reached_only_by_url") else {
            return;
        };
        let report = fx.diff_after(|raw| {
            let page = &mut raw["components"]["schemas"]["NegotiationsCollectionNegotiations"];
            page["properties"]
                .as_object_mut()
                .unwrap()
                .remove("hidden_count");
        });
        assert_eq!(
            lines(&report),
            ["BREAKING type NegotiationsPage hidden_count: removed"]
        );
    }

    #[test]
    fn added_operations_and_response_fields_are_not_breaking() {
        let Some(fx) = Fixture::new("added_operations_and_response_fields") else {
            return;
        };
        let report =
            fx.diff_after(|raw| {
                raw["paths"]["/common/chats/archive"] = json!({"get": {
                    "operationId": "get-archived-chats", "tags": ["Чаты"],
                    "responses": {"200": {"description": "ok"}},
                }});
                raw["components"]["schemas"]["ChatsCommonUnreadChatsCountResponse"]["properties"]
                    ["archived"] = json!({"type": "integer"});
            });
        assert_eq!(
            lines(&report),
            [
                "ok       GET /common/chats/archive: added",
                "ok       GET /common/chats/counters/unread response 200 application/json archived: added",
            ]
        );
        assert_eq!(report.breaking(), 0);
    }

    #[test]
    fn the_command_fails_on_a_breaking_change_and_passes_otherwise() {
        let Some(fx) = Fixture::new("the_command_fails_on_a_breaking_change") else {
            return;
        };
        let derived = fx.dir.join("derived.yaml");
        std::fs::write(&derived, serde_norway::to_string(&fx.old).unwrap()).unwrap();
        let official = spec::workspace_root().join(crate::OFFICIAL_SPEC);
        run(&derived, &official, &fx.overlay).unwrap();
        let mut doctored = fx.raw.clone();
        doctored["paths"]
            .as_object_mut()
            .unwrap()
            .remove("/common/chats");
        let new = fx.dir.join("new.yml");
        std::fs::write(&new, serde_norway::to_string(&doctored).unwrap()).unwrap();
        let e = run(&derived, &new, &fx.overlay).unwrap_err().to_string();
        assert!(e.starts_with("1 breaking changes in"), "{e}");
        let e = run(&fx.dir.join("nope.yaml"), &new, &fx.overlay)
            .unwrap_err()
            .to_string();
        assert!(e.contains("run `cargo xtask spec import` first"), "{e}");
    }

    #[test]
    fn output_side_rules() {
        let fact = |side, required, nullable, enums: &[&str]| Fact {
            side,
            ty: "string".into(),
            required,
            nullable,
            enums: Some(enums.iter().map(|s| s.to_string()).collect()),
        };
        let at = vec![
            "GET /x".to_owned(),
            "response 200 application/json".to_owned(),
            "s".to_owned(),
        ];
        let out = compare(
            &at,
            &fact(Side::Output, true, false, &["A"]),
            &fact(Side::Output, false, true, &["A", "B"]),
        );
        assert!(out.iter().all(|c| c.breaking), "{out:?}");
        assert_eq!(out.len(), 3);
        let out = compare(
            &at,
            &fact(Side::Input, true, false, &["A"]),
            &fact(Side::Input, false, true, &["A", "B"]),
        );
        assert!(out.iter().all(|c| !c.breaking), "{out:?}");
    }
}
