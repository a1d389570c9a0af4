//! Fixtures in hh.ru's shapes: a value of one of our description's schemas
//! (`spec/hh-derived.yaml`, derived from hh.ru's) with every field hh requires, and the
//! fields a test cares about laid over it. A hand-written fixture drifts from hh's shapes
//! unseen; one built from the description fails to decode the day the types change.
//!
//! Other crates' tests include it too (`#[path]`).
#![allow(dead_code)]

use std::sync::OnceLock;

use serde_json::{Map, Value};

/// Our description as JSON, parsed once per test binary.
pub fn ours() -> &'static Value {
    static OURS: OnceLock<Value> = OnceLock::new();
    OURS.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../spec/hh-derived.yaml");
        let text = std::fs::read_to_string(path).expect("spec/hh-derived.yaml is readable");
        serde_norway::from_str(&text).expect("spec/hh-derived.yaml is YAML")
    })
}

/// A value of schema `name` with only what hh requires (placeholders: `"x"`, `1`, `false`,
/// empty lists, `null` where allowed, an enum's first value), and `fields` over it: objects
/// are merged key by key, anything else replaces.
pub fn shaped(name: &str, fields: Value) -> Value {
    let doc = ours();
    let schema = &doc["components"]["schemas"][name];
    assert!(
        !schema.is_null(),
        "spec/hh-derived.yaml has no schema {name}"
    );
    let mut value = minimal(doc, schema, 0);
    lay_over(&mut value, fields);
    value
}

fn lay_over(base: &mut Value, fields: Value) {
    match (base, fields) {
        (Value::Object(base), Value::Object(fields)) => {
            for (k, v) in fields {
                match base.get_mut(&k) {
                    Some(existing) if existing.is_object() && v.is_object() => {
                        lay_over(existing, v)
                    }
                    _ => {
                        base.insert(k, v);
                    }
                }
            }
        }
        (base, fields) => *base = fields,
    }
}

fn resolve<'a>(doc: &'a Value, mut v: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match v
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|p| doc.pointer(p))
        {
            Some(target) => v = target,
            None => break,
        }
    }
    v
}

/// Properties and required names of an object schema, its `allOf` parts included.
fn object_parts<'a>(
    doc: &'a Value,
    schema: &'a Value,
    properties: &mut Map<String, Value>,
    required: &mut Vec<String>,
) {
    let schema = resolve(doc, schema);
    for (k, v) in schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        properties.entry(k.clone()).or_insert_with(|| v.clone());
    }
    for r in schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if !required.iter().any(|x| x == r) {
            required.push(r.to_string());
        }
    }
    for part in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        object_parts(doc, part, properties, required);
    }
}

fn minimal(doc: &Value, schema: &Value, depth: usize) -> Value {
    let schema = resolve(doc, schema);
    let mut properties = Map::new();
    let mut required = Vec::new();
    object_parts(doc, schema, &mut properties, &mut required);
    let is_object = !properties.is_empty()
        || !required.is_empty()
        || schema.get("type").and_then(Value::as_str) == Some("object");
    if !is_object {
        if let Some(first) = ["oneOf", "anyOf"]
            .iter()
            .find_map(|k| schema.get(*k).and_then(Value::as_array)?.first())
        {
            return minimal(doc, first, depth + 1);
        }
        // `allOf: [a string schema]`: that string.
        if let Some(first) = schema
            .get("allOf")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
        {
            return minimal(doc, first, depth + 1);
        }
    }
    if let Some(first) = schema.get("enum").and_then(|e| e.get(0)) {
        return first.clone();
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("string") => return Value::from("x"),
        Some("integer") => return Value::from(1),
        Some("number") => return Value::from(1),
        Some("boolean") => return Value::from(false),
        Some("array") => return Value::Array(vec![]),
        _ => {}
    }
    let mut out = Map::new();
    for name in required {
        let property = properties.get(&name).cloned().unwrap_or(Value::Null);
        let p = resolve(doc, &property);
        let value = if p.get("nullable") == Some(&Value::Bool(true)) || depth > 24 {
            Value::Null
        } else {
            minimal(doc, &property, depth + 1)
        };
        out.insert(name, value);
    }
    Value::Object(out)
}
