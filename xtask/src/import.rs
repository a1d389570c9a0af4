//! `cargo xtask spec import`: hh.ru's published description → our derived one
//! (`spec/hh-derived.yaml`).
//!
//! The structure (paths, methods, parameters and their limits, bodies, media types, schemas with
//! required/nullable/enums) is taken as it is; hh.ru's prose and examples are dropped; then
//! `spec/overlay.yaml` is applied: our summaries and type names, our corrections, one error
//! schema, and the normalizations progenitor needs. Steps run in the order of [`import`], each
//! a function below. Output keys are sorted (serde_json's map is a `BTreeMap`), so the same
//! input gives byte-identical output.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::normalize;
use crate::overlay::{Edit, Overlay, parse_operation_key};
use crate::spec::{self, METHODS};

/// What to do with an overlay entry that does not apply (a schema it renames is gone, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `spec import`: fail, listing every such entry.
    Strict,
    /// `spec diff`: carry on and report them, so a changed hh.ru file can still be compared.
    Lenient,
}

/// An operation of hh.ru's file that the derived description leaves out.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LeftOut {
    /// `"GET /negotiations/{nid}/messages"`.
    pub operation: String,
    pub why: String,
}

pub struct Imported {
    pub doc: Value,
    pub left_out: Vec<LeftOut>,
    /// Overlay entries that did not apply (always empty in [`Mode::Strict`]).
    pub problems: Vec<String>,
    pub sha256: String,
}

/// Where the derived description records its source.
pub const SOURCE_KEY: &str = "x-derived-from";
/// Where it lists the operations it leaves out.
pub const LEFT_OUT_KEY: &str = "x-left-out";

/// Keys that hold prose or sample data, dropped wherever they are keywords.
const PROSE: [&str; 6] = [
    "description",
    "summary",
    "title",
    "example",
    "examples",
    "externalDocs",
];

/// Reads hh.ru's file and imports it.
pub fn import_file(path: &Path, overlay: &Overlay, mode: Mode) -> Result<Imported> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "{} does not exist: download hh.ru's description from \
             https://api.hh.ru/openapi/specification/public",
            path.display()
        ),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let doc: Value = serde_norway::from_slice(&bytes)
        .with_context(|| format!("{}: not a YAML or JSON document", path.display()))?;
    let sha256 = format!("{:x}", Sha256::digest(&bytes));
    let file = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into(),
    );
    import(doc, &file, &sha256, overlay, mode)
        .with_context(|| format!("importing {}", path.display()))
}

/// The whole import, step by step.
pub fn import(
    mut doc: Value,
    file: &str,
    sha256: &str,
    overlay: &Overlay,
    mode: Mode,
) -> Result<Imported> {
    check_structure(&doc).map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
    let mut problems = Problems::default();

    let applicant_tags = applicant_tags(&doc, overlay, &mut problems);
    let left_out = left_out_operations(&doc, &applicant_tags, overlay);
    strip_prose(&mut doc);
    remove_operations(&mut doc, &left_out);
    remove_parameters(&mut doc, overlay, &mut problems);
    name_operations(&mut doc, overlay, &left_out, &mut problems);
    tags_to_domains(&mut doc, &applicant_tags, overlay, &mut problems);
    one_error_schema(&mut doc, overlay);
    rename_types(&mut doc, overlay, &mut problems);
    apply_corrections(&mut doc, overlay, &mut problems);
    for n in &overlay.normalizations {
        let pass = normalize::PASSES.iter().find(|p| p.name == n.pass);
        // `Overlay::load` checked the names.
        if let Some(pass) = pass {
            (pass.run)(&mut doc);
        }
    }
    drop_unused_components(&mut doc, overlay);
    fill_required_descriptions(&mut doc);
    set_header(&mut doc, file, sha256, &left_out);

    if mode == Mode::Strict && !problems.0.is_empty() {
        bail!(
            "spec/overlay.yaml does not fit {file}:\n  {}",
            problems.0.join("\n  ")
        );
    }
    Ok(Imported {
        doc,
        left_out,
        problems: problems.0,
        sha256: sha256.to_owned(),
    })
}

/// The derived description as committed: a do-not-edit header, then sorted YAML.
pub fn to_yaml(imported: &Imported) -> Result<String> {
    let body = serde_norway::to_string(&imported.doc).context("writing YAML")?;
    Ok(format!(
        "# Derived by `cargo xtask spec import` from hh.ru's published description (sha256 {}),\n\
         # with spec/overlay.yaml applied. Do not edit: change the overlay and import again.\n{body}",
        imported.sha256
    ))
}

#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn add(&mut self, problem: String) {
        self.0.push(problem);
    }
}

/// The shape the later steps rely on, checked up front so a malformed file gives an error
/// naming the place (`paths./negotiations.get.parameters[2]`) instead of a wrong result.
fn check_structure(doc: &Value) -> Result<()> {
    let expect_object = |v: &Value, at: &str| -> Result<()> {
        if !v.is_object() {
            bail!("{at}: expected an object, found {}", kind(v));
        }
        Ok(())
    };
    expect_object(doc, "the document")?;
    let version = doc.get("openapi").and_then(Value::as_str).unwrap_or("");
    if !version.starts_with("3.0") {
        bail!("openapi: expected an OpenAPI 3.0 version such as \"3.0.3\", found {version:?}");
    }
    let paths = doc.get("paths").unwrap_or(&Value::Null);
    expect_object(paths, "paths")?;
    for (path, item) in paths.as_object().into_iter().flatten() {
        let at = format!("paths.{path}");
        expect_object(item, &at)?;
        check_parameters(item, &at)?;
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let at = format!("{at}.{method}");
            expect_object(op, &at)?;
            check_parameters(op, &at)?;
            if let Some(tags) = op.get("tags")
                && !tags
                    .as_array()
                    .is_some_and(|t| t.iter().all(Value::is_string))
            {
                bail!("{at}.tags: expected a list of strings");
            }
            let responses = op.get("responses").unwrap_or(&Value::Null);
            expect_object(responses, &format!("{at}.responses"))?;
            for (code, response) in responses.as_object().into_iter().flatten() {
                expect_object(response, &format!("{at}.responses.{code}"))?;
            }
            if let Some(body) = op.get("requestBody") {
                expect_object(body, &format!("{at}.requestBody"))?;
            }
        }
    }
    for section in ["schemas", "parameters", "responses", "requestBodies"] {
        if let Some(map) = doc.pointer(&format!("/components/{section}")) {
            expect_object(map, &format!("components.{section}"))?;
        }
    }
    Ok(())
}

fn check_parameters(holder: &Value, at: &str) -> Result<()> {
    let Some(list) = holder.get("parameters") else {
        return Ok(());
    };
    let Some(list) = list.as_array() else {
        bail!("{at}.parameters: expected a list, found {}", kind(list));
    };
    for (i, p) in list.iter().enumerate() {
        let is_ref = p.get("$ref").is_some_and(Value::is_string);
        let is_inline = p.get("name").is_some_and(Value::is_string)
            && p.get("in").is_some_and(Value::is_string);
        if !is_ref && !is_inline {
            bail!(
                "{at}.parameters[{i}]: expected a parameter with `name` and `in`, or a `$ref`, \
                 found {}",
                kind(p)
            );
        }
    }
    Ok(())
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object without the expected keys",
    }
}

/// Tags of the `x-tagGroups` the overlay names as the applicant's, plus its extra tags.
fn applicant_tags(doc: &Value, overlay: &Overlay, problems: &mut Problems) -> BTreeSet<String> {
    let groups = doc.get("x-tagGroups").and_then(Value::as_array);
    let mut tags: BTreeSet<String> = overlay.applicant.tags.iter().cloned().collect();
    for name in &overlay.applicant.tag_groups {
        let group = groups
            .into_iter()
            .flatten()
            .find(|g| g.get("name").and_then(Value::as_str) == Some(name));
        match group {
            Some(g) => tags.extend(
                g.get("tags")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned),
            ),
            None => problems.add(format!(
                "applicant.tag_groups: hh.ru's file has no x-tagGroups entry `{name}`"
            )),
        }
    }
    tags
}

fn operation_tags(op: &Value) -> Vec<&str> {
    op.get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

fn key(method: &str, path: &str) -> String {
    format!("{} {path}", method.to_uppercase())
}

/// Applicant-only operations (every tag is the applicant's) and retired ones
/// (`deprecated: true`, or a retirement phrase in their text), sorted.
fn left_out_operations(
    doc: &Value,
    applicant_tags: &BTreeSet<String>,
    overlay: &Overlay,
) -> Vec<LeftOut> {
    let markers: Vec<String> = overlay
        .retired
        .markers
        .iter()
        .map(|m| m.to_lowercase())
        .collect();
    let mut left_out = Vec::new();
    for (path, method) in spec::operations(doc) {
        let op = &doc["paths"][&path][&method];
        let tags = operation_tags(op);
        let text = ["summary", "description"]
            .iter()
            .filter_map(|k| op.get(*k).and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        let why = if !tags.is_empty() && tags.iter().all(|t| applicant_tags.contains(*t)) {
            Some("applicant-only: all its tags are the applicant's")
        } else if op.get("deprecated") == Some(&Value::Bool(true)) {
            Some("retired: marked `deprecated: true`")
        } else if markers.iter().any(|m| text.contains(m.as_str())) {
            Some("retired: its text says it is no longer supported")
        } else {
            None
        };
        if let Some(why) = why {
            left_out.push(LeftOut {
                operation: key(&method, &path),
                why: why.into(),
            });
        }
    }
    left_out.sort();
    left_out
}

/// Drops prose and sample data everywhere, and hh.ru's extensions (`x-name`, `x-tagGroups`,
/// …, tooling hints rather than interface). Names (of properties, schemas, media types,
/// status codes) are never mistaken for keywords, and values (`enum`, `default`) are not
/// entered.
fn strip_prose(doc: &mut Value) {
    strip_keyword_object(doc);
    if let Some(examples) = doc
        .pointer_mut("/components")
        .and_then(Value::as_object_mut)
    {
        examples.remove("examples");
    }
    if let Some(root) = doc.as_object_mut() {
        root.remove("tags");
    }
}

/// Maps whose keys are names and whose values are keyword objects.
const NAME_MAPS: [&str; 12] = [
    "properties",
    "paths",
    "schemas",
    "parameters",
    "responses",
    "requestBodies",
    "headers",
    "content",
    "securitySchemes",
    "encoding",
    "variables",
    "callbacks",
];
/// Keys whose values are data, not schema.
const VALUES: [&str; 5] = ["enum", "default", "const", "required", "mapping"];

fn strip_keyword_object(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|k, _| !PROSE.contains(&k.as_str()) && !k.starts_with("x-"));
            for (k, child) in map.iter_mut() {
                if VALUES.contains(&k.as_str()) {
                    continue;
                }
                if k == "scopes"
                    && let Some(scopes) = child.as_object_mut()
                {
                    // Scope name → its description: keep the names only.
                    scopes.values_mut().for_each(|v| *v = json!(""));
                } else if NAME_MAPS.contains(&k.as_str())
                    && let Some(names) = child.as_object_mut()
                {
                    names.values_mut().for_each(strip_keyword_object);
                } else {
                    strip_keyword_object(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(strip_keyword_object),
        _ => {}
    }
}

fn remove_operations(doc: &mut Value, left_out: &[LeftOut]) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for out in left_out {
        let (method, path) = parse_operation_key(&out.operation).expect("built by `key`");
        if let Some(item) = paths.get_mut(&path).and_then(Value::as_object_mut) {
            item.remove(&method);
        }
    }
    paths.retain(|_, item| METHODS.iter().any(|m| item.get(*m).is_some()));
}

/// The overlay's `remove_parameters`, inline or by `$ref`, on path items and operations; the
/// component definitions go too.
fn remove_parameters(doc: &mut Value, overlay: &Overlay, problems: &mut Problems) {
    for (i, remove) in overlay.remove_parameters.iter().enumerate() {
        let snapshot = doc.clone();
        let matches = |p: &Value| {
            let p = spec::resolve(&snapshot, p);
            p["in"] == remove.location.as_str()
                && p["name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(&remove.name))
        };
        let mut removed = 0;
        let paths = doc.get_mut("paths").and_then(Value::as_object_mut);
        for item in paths.into_iter().flat_map(|p| p.values_mut()) {
            let mut holders = vec![];
            if let Some(item) = item.as_object_mut() {
                for (k, v) in item.iter_mut() {
                    if k == "parameters" {
                        holders.push(v);
                    } else if METHODS.contains(&k.as_str())
                        && let Some(list) = v.get_mut("parameters")
                    {
                        holders.push(list);
                    }
                }
            }
            for list in holders.into_iter().filter_map(Value::as_array_mut) {
                let before = list.len();
                list.retain(|p| !matches(p));
                removed += before - list.len();
            }
        }
        if let Some(components) = doc
            .pointer_mut("/components/parameters")
            .and_then(Value::as_object_mut)
        {
            components.retain(|_, p| !matches(p));
        }
        if removed == 0 {
            problems.add(format!(
                "remove_parameters[{i}]: no parameter `{}` in {} found",
                remove.name, remove.location
            ));
        }
    }
}

/// hh.ru's `get-current-user-info` → `get_current_user_info`; `getMe` → `get_me`.
pub fn snake_case(id: &str) -> String {
    let mut out = String::new();
    let mut previous_lower = false;
    for c in id.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && previous_lower {
                out.push('_');
            }
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            out.push(c.to_ascii_lowercase());
        } else {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            previous_lower = false;
        }
    }
    out.trim_end_matches('_').to_owned()
}

/// snake_case operationIds (the overlay's own where it gives one) and the overlay's
/// summaries. A repeated id is an error: the overlay must tell them apart.
fn name_operations(
    doc: &mut Value,
    overlay: &Overlay,
    left_out: &[LeftOut],
    problems: &mut Problems,
) {
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for (path, method) in spec::operations(doc) {
        let key = key(&method, &path);
        let entry = overlay.operations.get(&key);
        let op = spec::operation_mut(doc, &path, &method).expect("listed operation exists");
        let hh_id = op.get("operationId").and_then(Value::as_str);
        let id = match (entry.and_then(|e| e.operation_id.clone()), hh_id) {
            (Some(ours), _) => ours,
            (None, Some(hh)) => snake_case(hh),
            (None, None) => snake_case(&format!("{method} {path}")),
        };
        op.insert("operationId".into(), json!(id));
        if let Some(summary) = entry.and_then(|e| e.summary.as_ref()) {
            op.insert("summary".into(), json!(summary));
        }
        if let Some(other) = seen.insert(id.clone(), key.clone()) {
            problems.add(format!(
                "operations: `{other}` and `{key}` both get the operationId `{id}`: give one \
                 an `operation_id`"
            ));
        }
    }
    for key in overlay.operations.keys() {
        let (method, path) = parse_operation_key(key).expect("checked by Overlay::load");
        if doc["paths"][&path].get(&method).is_none() {
            let why = match left_out.iter().find(|o| &o.operation == key) {
                Some(o) => format!("it is left out ({})", o.why),
                None => "hh.ru's file has no such operation".into(),
            };
            problems.add(format!("operations.`{key}`: {why}"));
        }
    }
}

/// hh.ru's tags → our domains; the document's `tags` list becomes the domains used.
fn tags_to_domains(
    doc: &mut Value,
    applicant_tags: &BTreeSet<String>,
    overlay: &Overlay,
    problems: &mut Problems,
) {
    let mut used = BTreeSet::new();
    for (path, method) in spec::operations(doc) {
        let op = spec::operation_mut(doc, &path, &method).expect("listed operation exists");
        let mut domains: Vec<String> = Vec::new();
        let tags: Vec<String> = op
            .get("tags")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        for tag in tags.iter().filter(|t| !applicant_tags.contains(*t)) {
            match overlay.domains.get(tag) {
                Some(domain) if !domains.contains(domain) => domains.push(domain.clone()),
                Some(_) => {}
                None => problems.add(format!(
                    "domains: hh.ru's tag `{tag}` (on {}) has no domain",
                    key(&method, &path)
                )),
            }
        }
        used.extend(domains.iter().cloned());
        if domains.is_empty() {
            op.remove("tags");
        } else {
            op.insert("tags".into(), json!(domains));
        }
    }
    let tags: Vec<Value> = used.into_iter().map(|name| json!({"name": name})).collect();
    if let Some(root) = doc.as_object_mut() {
        root.insert("tags".into(), Value::Array(tags));
    }
}

fn is_error_status(code: &str) -> bool {
    code.starts_with('4') || code.starts_with('5') || code == "default"
}

/// Every error response (4xx, 5xx, `default`) answers with the overlay's error schema; hh.ru's
/// 30-odd error schemas then go unused and are dropped.
fn one_error_schema(doc: &mut Value, overlay: &Overlay) {
    let error = json!({"content": {"application/json": {"schema": {
        "$ref": format!("#/components/schemas/{}", overlay.error.name),
    }}}});
    for (path, method) in spec::operations(doc) {
        let op = spec::operation_mut(doc, &path, &method).expect("listed operation exists");
        if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
            for (code, response) in responses.iter_mut() {
                if is_error_status(code) {
                    let headers = response.get("headers").cloned();
                    *response = error.clone();
                    if let Some(headers) = headers {
                        response["headers"] = headers;
                    }
                }
            }
        }
    }
    let schemas = ensure_object(doc, &["components", "schemas"]);
    schemas.insert(overlay.error.name.clone(), overlay.error.schema.clone());
}

fn ensure_object<'a>(doc: &'a mut Value, keys: &[&str]) -> &'a mut Map<String, Value> {
    let mut at = doc;
    for k in keys {
        at = at
            .as_object_mut()
            .expect("checked structure")
            .entry(k.to_string())
            .or_insert_with(|| json!({}));
    }
    at.as_object_mut().expect("an object")
}

/// Our short public names for hh.ru's schemas, with their summaries; every `$ref` follows.
fn rename_types(doc: &mut Value, overlay: &Overlay, problems: &mut Problems) {
    let mut renames = BTreeMap::new();
    let schemas = ensure_object(doc, &["components", "schemas"]);
    for (ours, entry) in &overlay.types.names {
        if ours != &entry.from && schemas.contains_key(ours) {
            problems.add(format!(
                "types.names.{ours}: hh.ru's file already has a schema named `{ours}`"
            ));
            continue;
        }
        let Some(mut schema) = schemas.remove(&entry.from) else {
            problems.add(format!(
                "types.names.{ours}: hh.ru's file has no schema `{}`",
                entry.from
            ));
            continue;
        };
        if let (Some(summary), Some(obj)) = (&entry.summary, schema.as_object_mut()) {
            obj.insert("description".into(), json!(summary));
        }
        schemas.insert(ours.clone(), schema);
        renames.insert(
            format!("#/components/schemas/{}", entry.from),
            format!("#/components/schemas/{ours}"),
        );
    }
    rewrite_refs(doc, &renames);
}

fn rewrite_refs(value: &mut Value, renames: &BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get_mut("$ref")
                && let Some(new) = renames.get(r.as_str())
            {
                *r = new.clone();
            }
            map.values_mut().for_each(|v| rewrite_refs(v, renames));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite_refs(v, renames)),
        _ => {}
    }
}

/// The overlay's corrections, in order.
fn apply_corrections(doc: &mut Value, overlay: &Overlay, problems: &mut Problems) {
    for (i, c) in overlay.corrections.iter().enumerate() {
        let at = format!("corrections[{i}]");
        if let Err(e) = apply_correction(doc, c) {
            problems.add(format!("{at}: {e}"));
        }
    }
}

fn apply_correction(doc: &mut Value, c: &crate::overlay::Correction) -> Result<()> {
    let edit = c.edit()?;
    let base = match (&c.operation, &c.schema) {
        (Some(op), _) => {
            let (method, path) = parse_operation_key(op)?;
            if doc["paths"][&path].get(&method).is_none() {
                bail!("no operation `{op}` at this point of the import");
            }
            if let Edit::MoveTo(to) = edit {
                return move_operation(doc, &method, &path, to);
            }
            format!("/paths/{}/{method}", escape_pointer(&path))
        }
        (None, Some(name)) => {
            if doc
                .pointer(&format!("/components/schemas/{}", escape_pointer(name)))
                .is_none()
            {
                bail!("no schema `{name}` at this point of the import");
            }
            format!("/components/schemas/{}", escape_pointer(name))
        }
        (None, None) => bail!("names neither an operation nor a schema"),
    };
    let pointer = format!("{base}{}", c.pointer);
    match edit {
        Edit::Set(value) => {
            let (parent, last) = pointer.rsplit_once('/').expect("starts with /");
            let parent_value = doc
                .pointer_mut(parent)
                .and_then(Value::as_object_mut)
                .with_context(|| format!("`{}`: the place above it is not an object", c.pointer))?;
            parent_value.insert(unescape_pointer(last), value.clone());
        }
        Edit::Remove => {
            if pointer == base && c.operation.is_some() {
                let (method, path) = parse_operation_key(c.operation.as_deref().unwrap_or(""))?;
                remove_operations(
                    doc,
                    &[LeftOut {
                        operation: key(&method, &path),
                        why: String::new(),
                    }],
                );
                return Ok(());
            }
            let (parent, last) = pointer.rsplit_once('/').expect("starts with /");
            let removed = doc
                .pointer_mut(parent)
                .and_then(Value::as_object_mut)
                .and_then(|p| p.remove(&unescape_pointer(last)));
            if removed.is_none() {
                bail!("`{}`: nothing there to remove", c.pointer);
            }
        }
        Edit::NameAs(name) => {
            let schema_pointer = format!("/components/schemas/{}", escape_pointer(name));
            if doc.pointer(&schema_pointer).is_some() {
                bail!("`name_as: {name}`: a schema of that name exists");
            }
            let reference = serde_json::json!({ "$ref": format!("#/components/schemas/{name}") });
            let inline = doc
                .pointer_mut(&pointer)
                .filter(|v| v.is_object() && v.get("$ref").is_none())
                .map(|v| std::mem::replace(v, reference))
                .with_context(|| format!("`{}`: no inline schema there", c.pointer))?;
            doc.pointer_mut("/components/schemas")
                .and_then(Value::as_object_mut)
                .context("the document has no components/schemas")?
                .insert(name.to_string(), inline);
        }
        Edit::MoveTo(_) => unreachable!("handled above"),
    }
    Ok(())
}

fn move_operation(doc: &mut Value, method: &str, from: &str, to: &str) -> Result<()> {
    if doc["paths"][to].get(method).is_some() {
        bail!("`{} {to}` already exists", method.to_uppercase());
    }
    let paths = doc["paths"].as_object_mut().expect("checked structure");
    let op = paths[from]
        .as_object_mut()
        .and_then(|item| item.remove(method))
        .expect("checked by the caller");
    paths
        .entry(to.to_owned())
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .context("the target path item is not an object")?
        .insert(method.to_owned(), op);
    paths.retain(|_, item| METHODS.iter().any(|m| item.get(*m).is_some()));
    Ok(())
}

fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn unescape_pointer(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// Keeps the components reachable from the paths, from the overlay's named types and from
/// the security schemes; hh.ru's error schemas, examples and the schemas of left-out
/// operations go.
fn drop_unused_components(doc: &mut Value, overlay: &Overlay) {
    let mut reachable: BTreeSet<String> = overlay
        .types
        .names
        .keys()
        .map(|n| format!("#/components/schemas/{n}"))
        .filter(|r| doc.pointer(&r[1..]).is_some())
        .collect();
    let mut queue: Vec<Value> = vec![doc["paths"].clone()];
    queue.extend(
        reachable
            .iter()
            .filter_map(|r| doc.pointer(&r[1..]).cloned()),
    );
    while let Some(value) = queue.pop() {
        let mut refs = Vec::new();
        collect_refs(&value, &mut refs);
        for r in refs {
            if reachable.insert(r.clone())
                && let Some(target) = r.strip_prefix('#').and_then(|p| doc.pointer(p))
            {
                queue.push(target.clone());
            }
        }
    }
    let Some(components) = doc.get_mut("components").and_then(Value::as_object_mut) else {
        return;
    };
    for (section, map) in components.iter_mut() {
        if section == "securitySchemes" {
            continue;
        }
        if let Some(map) = map.as_object_mut() {
            map.retain(|name, _| {
                reachable.contains(&format!("#/components/{section}/{}", escape_pointer(name)))
            });
        }
    }
    components.retain(|_, map| map.as_object().is_none_or(|m| !m.is_empty()));
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                out.push(r.clone());
            }
            map.values().for_each(|v| collect_refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// OpenAPI requires a `description` on every response; ours are empty (hh.ru's were prose).
/// Callbacks (the webhook subscription's) hold operations too.
fn fill_required_descriptions(doc: &mut Value) {
    if let Some(paths) = doc.get_mut("paths") {
        fill_in_path_items(paths);
    }
    if let Some(map) = doc
        .pointer_mut("/components/responses")
        .and_then(Value::as_object_mut)
    {
        for obj in map.values_mut().filter_map(Value::as_object_mut) {
            obj.entry("description").or_insert_with(|| json!(""));
        }
    }
}

/// `paths` or a callback: path (or expression) → path item.
fn fill_in_path_items(items: &mut Value) {
    let items = items
        .as_object_mut()
        .into_iter()
        .flat_map(|m| m.values_mut());
    for item in items.filter_map(Value::as_object_mut) {
        for (method, op) in item.iter_mut() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let responses = op.get_mut("responses").and_then(Value::as_object_mut);
            for response in responses.into_iter().flat_map(|r| r.values_mut()) {
                if let Some(obj) = response.as_object_mut()
                    && !obj.contains_key("$ref")
                {
                    obj.entry("description").or_insert_with(|| json!(""));
                }
            }
            let callbacks = op.get_mut("callbacks").and_then(Value::as_object_mut);
            for callback in callbacks.into_iter().flat_map(|c| c.values_mut()) {
                fill_in_path_items(callback);
            }
        }
    }
}

/// Our `info`, naming the source file and its digest, and the operations left out.
fn set_header(doc: &mut Value, file: &str, sha256: &str, left_out: &[LeftOut]) {
    let version = doc
        .pointer("/info/version")
        .cloned()
        .unwrap_or(json!("unknown"));
    let root = doc.as_object_mut().expect("checked structure");
    root.insert(
        "info".into(),
        json!({
            "title": "hh.ru employer API (derived from hh.ru's description)",
            "version": version,
            SOURCE_KEY: {"file": file, "sha256": sha256},
        }),
    );
    let left: Vec<Value> = left_out
        .iter()
        .map(|o| json!({"operation": o.operation, "why": o.why}))
        .collect();
    root.insert(LEFT_OUT_KEY.into(), Value::Array(left));
}

/// The sha256 a derived description records.
pub fn recorded_sha256(derived: &Value) -> Option<&str> {
    derived
        .pointer(&format!("/info/{SOURCE_KEY}/sha256"))
        .and_then(Value::as_str)
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// hh.ru's file beside the workspace, when present. In CI (`CI` set) its absence fails
    /// the test; elsewhere the test says loudly that it skipped.
    pub fn official_fixture(test: &str) -> Option<std::path::PathBuf> {
        let path = spec::workspace_root().join(crate::OFFICIAL_SPEC);
        if path.exists() {
            return Some(path);
        }
        if std::env::var_os("CI").is_some() {
            panic!("{test}: {} is required in CI", path.display());
        }
        eprintln!(
            "\n*** SKIPPED {test}: {} is absent (set CI=true to make this fail) ***\n",
            path.display()
        );
        None
    }

    pub fn overlay() -> Overlay {
        Overlay::load(&spec::workspace_root().join(crate::OVERLAY)).unwrap()
    }

    #[test]
    fn snake_case_handles_kebab_and_camel() {
        assert_eq!(snake_case("get-current-user-info"), "get_current_user_info");
        assert_eq!(snake_case("getMe"), "get_me");
        assert_eq!(snake_case("put /negotiations/{id}"), "put_negotiations_id");
        assert_eq!(snake_case("HH-User-Agent"), "hh_user_agent");
    }

    #[test]
    fn prose_is_dropped_but_names_and_values_stay() {
        let mut doc = json!({
            "info": {"title": "t", "description": "d"},
            "paths": {"/x": {"x-name": "n", "get": {"summary": "s", "responses": {"200": {
                "description": "ok",
                "content": {"application/json": {"example": 1, "schema": {
                    "title": "T", "type": "object",
                    "properties": {"description": {"type": "string", "description": "d"},
                                   "title": {"type": "string", "enum": ["a"], "default": {"description": "kept"}}},
                }}},
            }}}}},
            "components": {"examples": {"E": {}}},
        });
        strip_prose(&mut doc);
        assert_eq!(
            doc,
            json!({
                "info": {},
                "paths": {"/x": {"get": {"responses": {"200": {
                    "content": {"application/json": {"schema": {
                        "type": "object",
                        "properties": {"description": {"type": "string"},
                                       "title": {"type": "string", "enum": ["a"], "default": {"description": "kept"}}},
                    }}},
                }}}}},
                "components": {},
            })
        );
    }

    #[test]
    fn malformed_input_names_the_place() {
        let overlay = overlay();
        let bad = json!({"openapi": "3.0.3", "paths": {"/negotiations": {"get": {
            "parameters": [{"name": "a", "in": "query"}, {"$ref": "#/x"}, "oops"],
            "responses": {},
        }}}});
        let e = import(bad, "f.yml", "0", &overlay, Mode::Strict)
            .err()
            .unwrap()
            .to_string();
        assert_eq!(
            e,
            "f.yml: paths./negotiations.get.parameters[2]: expected a parameter with `name` \
             and `in`, or a `$ref`, found a string"
        );
        let e = import(
            json!({"openapi": "2.0"}),
            "f.yml",
            "0",
            &overlay,
            Mode::Strict,
        )
        .err()
        .unwrap()
        .to_string();
        assert!(e.contains("expected an OpenAPI 3.0 version"), "{e}");
        let e = import(
            json!({"openapi": "3.0.3", "paths": []}),
            "f",
            "0",
            &overlay,
            Mode::Strict,
        )
        .err()
        .unwrap()
        .to_string();
        assert_eq!(e, "f: paths: expected an object, found a list");
    }

    #[test]
    fn a_missing_file_says_where_to_get_it() {
        let e = import_file(Path::new("/nonexistent/hh.yml"), &overlay(), Mode::Strict)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("/nonexistent/hh.yml does not exist"), "{e}");
        assert!(e.contains("api.hh.ru/openapi/specification/public"), "{e}");
    }

    #[test]
    fn import_of_the_official_file_is_deterministic_and_leaves_out_the_retired() {
        let Some(path) = official_fixture("import_of_the_official_file") else {
            return;
        };
        let overlay = overlay();
        let a = import_file(&path, &overlay, Mode::Strict).unwrap();
        let b = import_file(&path, &overlay, Mode::Strict).unwrap();
        assert_eq!(to_yaml(&a).unwrap(), to_yaml(&b).unwrap());
        let left: Vec<&str> = a.left_out.iter().map(|o| o.operation.as_str()).collect();
        assert!(
            left.contains(&"GET /negotiations/{nid}/messages"),
            "{left:?}"
        );
        assert!(
            left.contains(&"POST /negotiations/{nid}/messages"),
            "{left:?}"
        );
        let text = to_yaml(&a).unwrap();
        // No Cyrillic prose survives (hh.ru's texts are Russian).
        let cyrillic: Vec<&str> = text
            .lines()
            .filter(|l| l.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c)))
            .take(5)
            .collect();
        assert!(cyrillic.is_empty(), "{cyrillic:#?}");
        assert!(!text.contains("HH-User-Agent"));
        // The result is an OpenAPI document progenitor's parser reads.
        serde_json::from_value::<openapiv3::OpenAPI>(a.doc.clone()).unwrap();
    }

    /// `spec/hh-derived.yaml` is what the import produces now.
    #[test]
    fn committed_derived_description_is_up_to_date() {
        let Some(path) = official_fixture("committed_derived_description_is_up_to_date") else {
            return;
        };
        let imported = import_file(&path, &overlay(), Mode::Strict).unwrap();
        let committed =
            std::fs::read_to_string(spec::workspace_root().join(crate::DERIVED_SPEC)).unwrap();
        assert!(
            committed == to_yaml(&imported).unwrap(),
            "spec/hh-derived.yaml is stale: run `cargo xtask spec import`"
        );
    }
}
