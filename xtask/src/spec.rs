//! Reading an OpenAPI description as plain JSON values, and the few structural helpers
//! (operations, `$ref`s, content maps) that the normalization passes and the comparison share.
//!
//! Everything works on `serde_json::Value` rather than `openapiv3::OpenAPI` because the passes
//! must see (and fix) documents that `openapiv3`/progenitor would reject or misread.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::{Map, Value};

/// The HTTP methods an OpenAPI 3.0 path item can hold, in the order progenitor visits them.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The workspace root (the parent of `xtask/`), so defaults work from any directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}

/// Loads a YAML (or JSON, which is YAML) OpenAPI description.
pub fn load(path: &Path) -> Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_norway::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// `(path template, method)` of every operation, in document order.
pub fn operations(doc: &Value) -> Vec<(String, String)> {
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return Vec::new();
    };
    paths
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter(|m| item.get(**m).is_some_and(Value::is_object))
                .map(move |m| (path.clone(), m.to_string()))
        })
        .collect()
}

/// Mutable access to one operation object.
pub fn operation_mut<'a>(
    doc: &'a mut Value,
    path: &str,
    method: &str,
) -> Option<&'a mut Map<String, Value>> {
    doc.get_mut("paths")?
        .get_mut(path)?
        .get_mut(method)?
        .as_object_mut()
}

/// Follows local `$ref`s (`#/components/...`) until a non-reference value; unresolvable or
/// external references are returned as they are.
pub fn resolve<'a>(doc: &'a Value, mut value: &'a Value) -> &'a Value {
    // A bound instead of cycle detection: real chains are one or two links long.
    for _ in 0..16 {
        let Some(target) = value
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|pointer| doc.pointer(pointer))
        else {
            break;
        };
        value = target;
    }
    value
}

/// The parameters that apply to an operation: the path item's, overridden by the operation's
/// own with the same name and location, each resolved through `$ref`.
pub fn effective_parameters<'a>(doc: &'a Value, path: &str, method: &str) -> Vec<&'a Value> {
    let item = &doc["paths"][path];
    let list = |v: &'a Value| -> Vec<&'a Value> {
        v.get("parameters")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|p| resolve(doc, p)).collect())
            .unwrap_or_default()
    };
    let own = list(&item[method]);
    let key = |p: &Value| (p["name"].clone(), p["in"].clone());
    let mut all: Vec<&Value> = list(item)
        .into_iter()
        .filter(|inherited| !own.iter().any(|o| key(o) == key(inherited)))
        .collect();
    all.extend(own);
    all
}

/// Calls `f` with every `content` map of the document: responses and request bodies, both
/// inline in operations and under `components`.
pub fn for_each_content_mut(doc: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>)) {
    let mut visit = |holder: &mut Value| {
        if let Some(content) = holder.get_mut("content").and_then(Value::as_object_mut) {
            f(content);
        }
    };
    for (path, method) in operations(doc) {
        let Some(op) = operation_mut(doc, &path, &method) else {
            continue;
        };
        if let Some(body) = op.get_mut("requestBody") {
            visit(body);
        }
        if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
            responses.values_mut().for_each(&mut visit);
        }
    }
    for section in ["responses", "requestBodies"] {
        if let Some(map) = doc
            .pointer_mut(&format!("/components/{section}"))
            .and_then(Value::as_object_mut)
        {
            map.values_mut().for_each(&mut visit);
        }
    }
}

/// Calls `f` with every JSON object of the document except inside `example`/`examples`
/// (sample data, not schemas). Passes use it to rewrite schema keywords wherever they occur;
/// each pass checks the value's type, so a property merely *named* `pattern` or `default`
/// (an object under `properties`) is never mistaken for the keyword.
pub fn for_each_object_mut(value: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>)) {
    walk_objects(value, f, false);
}

/// `keys_are_names`: the object is a `properties`/`schemas` map, whose keys are names (a
/// property may well be called `example`) rather than keywords.
fn walk_objects(
    value: &mut Value,
    f: &mut dyn FnMut(&mut Map<String, Value>),
    keys_are_names: bool,
) {
    match value {
        Value::Object(map) => {
            f(map);
            for (key, child) in map.iter_mut() {
                if keys_are_names || (key != "example" && key != "examples") {
                    let names = !keys_are_names && (key == "properties" || key == "schemas");
                    walk_objects(child, f, names);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| walk_objects(v, f, false)),
        _ => {}
    }
}

/// Whether a media type name is JSON (`application/json`, with or without parameters).
pub fn is_json_media_type(name: &str) -> bool {
    name == "application/json" || name.starts_with("application/json;")
}

/// `/negotiations/{nid}/messages` → `/negotiations/{}/messages`: OpenAPI tells path templates
/// apart by shape, not by their placeholders' names.
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

    #[test]
    fn resolve_follows_chains_and_stops_at_unknown_refs() {
        let doc = json!({"components": {"parameters": {
            "A": {"$ref": "#/components/parameters/B"},
            "B": {"name": "b", "in": "query"},
        }}});
        let a = json!({"$ref": "#/components/parameters/A"});
        assert_eq!(resolve(&doc, &a)["name"], "b");
        let missing = json!({"$ref": "#/components/parameters/Nope"});
        assert_eq!(resolve(&doc, &missing), &missing);
    }

    #[test]
    fn effective_parameters_let_the_operation_override_the_path_item() {
        let doc = json!({"paths": {"/x/{id}": {
            "parameters": [{"name": "id", "in": "path", "description": "item"},
                           {"name": "q", "in": "query"}],
            "get": {"parameters": [{"name": "id", "in": "path", "description": "op"}]},
        }}});
        let params = effective_parameters(&doc, "/x/{id}", "get");
        let described: Vec<_> = params
            .iter()
            .map(|p| (p["name"].clone(), p["description"].clone()))
            .collect();
        assert_eq!(
            described,
            vec![(json!("q"), Value::Null), (json!("id"), json!("op"))]
        );
    }
}
