//! The success responses of one operation, ours against the official description's: which
//! 2xx statuses, their media types, and the JSON schema of each — property names, types,
//! `required`, `nullable`, `enum` values and `deprecated`, walked together from the body down
//! (through `$ref`, `allOf`, and the variants of `oneOf`/`anyOf`). Part of `compare`.
//!
//! Difference strings (OFFICIAL first, OURS after), FIELD being `(body)`, `items[].id`, …:
//! - `operation deprecated` — the official operation is deprecated and we describe it
//! - `response STATUS missing` / `response STATUS extra`
//! - `response STATUS media types OFFICIAL -> OURS` — comma-separated, or `none`
//! - `response STATUS field FIELD missing` / `… extra` — a property only they / only we have
//! - `response STATUS field FIELD type OFFICIAL -> OURS` — e.g. `integer -> string`
//! - `response STATUS field FIELD required OFFICIAL -> OURS` — e.g. `true -> false`
//! - `response STATUS field FIELD nullable OFFICIAL -> OURS`
//! - `response STATUS field FIELD enum value V missing` / `… extra` — when we list values; an
//!   enum only they have is no difference (our string reads any of its values)
//! - `response STATUS field FIELD enum extra` — we restrict values they leave open
//! - `response STATUS field FIELD deprecated` — we describe a field they deprecate
//!
//! A property their object has and ours lacks is a difference like any other; ours list the
//! fields a client decides on (spec/README.md), which one wildcard entry of
//! `deliberate-differences.yaml` says.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::spec;

/// Recursion stops here: hh's schemas nest (areas in areas), ours never this deep.
const MAX_DEPTH: usize = 12;

/// All response differences of one operation.
pub fn compare(ours: &Value, our_op: &Value, official: &Value, official_op: &Value) -> Vec<String> {
    let mut whats = Vec::new();
    if official_op.get("deprecated") == Some(&Value::Bool(true)) {
        whats.push("operation deprecated".into());
    }
    let our_responses = successes(ours, our_op);
    let official_responses = successes(official, official_op);
    for status in official_responses.keys() {
        if !our_responses.contains_key(status) {
            whats.push(format!("response {status} missing"));
        }
    }
    for (status, our_response) in &our_responses {
        let Some(official_response) = official_responses.get(status) else {
            whats.push(format!("response {status} extra"));
            continue;
        };
        let our_types = media_types(our_response);
        let official_types = media_types(official_response);
        if our_types != official_types {
            whats.push(format!(
                "response {status} media types {} -> {}",
                list_or_none(&official_types),
                list_or_none(&our_types)
            ));
        }
        if let (Some(o), Some(h)) = (json_schema(our_response), json_schema(official_response)) {
            let mut walk = Walk {
                ours,
                official,
                prefix: format!("response {status}"),
                whats: &mut whats,
            };
            walk.schemas("(body)", o, h, 0);
        }
    }
    whats
}

/// Status → response (through `$ref`), 2xx only.
fn successes<'a>(doc: &'a Value, op: &'a Value) -> BTreeMap<String, &'a Value> {
    op["responses"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(status, _)| status.starts_with('2'))
        .map(|(status, r)| (status.clone(), spec::resolve(doc, r)))
        .collect()
}

fn media_types(response: &Value) -> BTreeSet<String> {
    response["content"]
        .as_object()
        .map(|c| c.keys().cloned().collect())
        .unwrap_or_default()
}

fn json_schema(response: &Value) -> Option<&Value> {
    response["content"]
        .as_object()?
        .iter()
        .find(|(name, _)| spec::is_json_media_type(name))
        .and_then(|(_, media)| media.get("schema"))
}

fn list_or_none(items: &BTreeSet<String>) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.iter().cloned().collect::<Vec<_>>().join(", ")
    }
}

/// What a schema says about a value once `$ref`, `allOf` and union variants are folded in.
#[derive(Default)]
struct Shape<'a> {
    types: BTreeSet<String>,
    nullable: bool,
    deprecated: bool,
    /// `None`: any value of the type.
    enumeration: Option<BTreeSet<String>>,
    properties: BTreeMap<String, Vec<&'a Value>>,
    required: BTreeSet<String>,
    /// Schemas of array items.
    items: Vec<&'a Value>,
    /// `additionalProperties` schemas: an object used as a map.
    additional: Vec<&'a Value>,
}

impl<'a> Shape<'a> {
    fn of(doc: &'a Value, schema: &'a Value) -> Shape<'a> {
        let mut shape = Shape::default();
        shape.fold(doc, schema, 0);
        if shape.types.is_empty() {
            if !shape.properties.is_empty() || !shape.additional.is_empty() {
                shape.types.insert("object".into());
            } else if !shape.items.is_empty() {
                shape.types.insert("array".into());
            }
        }
        shape
    }

    fn fold(&mut self, doc: &'a Value, schema: &'a Value, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let schema = spec::resolve(doc, schema);
        if is_null_only(schema) {
            self.nullable = true;
            return;
        }
        match schema.get("type") {
            Some(Value::String(t)) => {
                self.types.insert(t.clone());
            }
            Some(Value::Array(ts)) => {
                for t in ts.iter().filter_map(Value::as_str) {
                    if t == "null" {
                        self.nullable = true;
                    } else {
                        self.types.insert(t.to_string());
                    }
                }
            }
            _ => {}
        }
        if schema.get("nullable") == Some(&Value::Bool(true)) {
            self.nullable = true;
        }
        if schema.get("deprecated") == Some(&Value::Bool(true)) {
            self.deprecated = true;
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            let values: BTreeSet<String> = values
                .iter()
                .filter(|v| !v.is_null())
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                .collect();
            self.enumeration = Some(match self.enumeration.take() {
                Some(known) => known.intersection(&values).cloned().collect(),
                None => values,
            });
        }
        for (name, property) in schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            self.properties
                .entry(name.clone())
                .or_default()
                .push(property);
        }
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            self.required.insert(name.to_string());
        }
        if let Some(items) = schema.get("items") {
            self.items.push(items);
        }
        if let Some(additional) = schema.get("additionalProperties").filter(|a| a.is_object()) {
            self.additional.push(additional);
        }
        for part in schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.fold(doc, part, depth + 1);
        }
        // A union: a property is there if any variant has it, required if all require it.
        for key in ["oneOf", "anyOf"] {
            let Some(variants) = schema.get(key).and_then(Value::as_array) else {
                continue;
            };
            let mut required_by_all: Option<BTreeSet<String>> = None;
            for variant in variants {
                // hh.ru's `_IncludesNullableObject` beside X: X or null.
                if is_null_only(spec::resolve(doc, variant)) {
                    self.nullable = true;
                    continue;
                }
                let mut v = Shape::default();
                v.fold(doc, variant, depth + 1);
                required_by_all = Some(match required_by_all {
                    Some(r) => r.intersection(&v.required).cloned().collect(),
                    None => v.required.clone(),
                });
                self.absorb(v);
            }
            self.required.extend(required_by_all.unwrap_or_default());
        }
    }

    /// A union variant's shape into this one (all but `required` and `deprecated`, which the
    /// caller decides).
    fn absorb(&mut self, v: Shape<'a>) {
        self.types.extend(v.types);
        self.nullable |= v.nullable;
        for (name, schemas) in v.properties {
            self.properties.entry(name).or_default().extend(schemas);
        }
        self.items.extend(v.items);
        self.additional.extend(v.additional);
        if let Some(values) = v.enumeration {
            self.enumeration
                .get_or_insert_with(BTreeSet::new)
                .extend(values);
        }
    }
}

/// A schema whose only value is `null` (`enum: [null]`).
fn is_null_only(schema: &Value) -> bool {
    schema
        .get("enum")
        .and_then(Value::as_array)
        .is_some_and(|values| !values.is_empty() && values.iter().all(Value::is_null))
}

/// Folds several schemas of one property (from union variants) into one shape.
fn shape_of_all<'a>(doc: &'a Value, schemas: &[&'a Value]) -> Shape<'a> {
    let mut shape = Shape::default();
    let mut required_by_all: Option<BTreeSet<String>> = None;
    // Deprecated when every schema of it is (hh's retired applicant profile deprecates its
    // employer, the employer's does not).
    shape.deprecated = !schemas.is_empty();
    for s in schemas {
        let v = Shape::of(doc, s);
        shape.deprecated &= v.deprecated;
        required_by_all = Some(match required_by_all {
            Some(r) => r.intersection(&v.required).cloned().collect(),
            None => v.required.clone(),
        });
        shape.absorb(v);
    }
    shape.required = required_by_all.unwrap_or_default();
    shape
}

struct Walk<'a, 'w> {
    ours: &'a Value,
    official: &'a Value,
    prefix: String,
    whats: &'w mut Vec<String>,
}

impl<'a> Walk<'a, '_> {
    fn push(&mut self, field: &str, what: impl std::fmt::Display) {
        self.whats
            .push(format!("{} field {field} {what}", self.prefix));
    }

    fn schemas(&mut self, at: &str, ours: &'a Value, official: &'a Value, depth: usize) {
        self.shapes(
            at,
            Shape::of(self.ours, ours),
            Shape::of(self.official, official),
            depth,
        );
    }

    fn shapes(&mut self, at: &str, o: Shape<'a>, h: Shape<'a>, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        if !o.types.is_empty() && !h.types.is_empty() && o.types != h.types {
            let join = |t: &BTreeSet<String>| t.iter().cloned().collect::<Vec<_>>().join("|");
            self.push(at, format!("type {} -> {}", join(&h.types), join(&o.types)));
        }
        if o.nullable != h.nullable {
            self.push(at, format!("nullable {} -> {}", h.nullable, o.nullable));
        }
        if h.deprecated && !o.deprecated {
            self.push(at, "deprecated");
        }
        match (&o.enumeration, &h.enumeration) {
            (Some(ours), Some(theirs)) => {
                for v in theirs.difference(ours) {
                    self.push(at, format!("enum value {v} missing"));
                }
                for v in ours.difference(theirs) {
                    self.push(at, format!("enum value {v} extra"));
                }
            }
            (Some(_), None) => self.push(at, "enum extra"),
            _ => {}
        }
        let child = |name: &str| {
            if at == "(body)" {
                name.to_string()
            } else {
                format!("{at}.{name}")
            }
        };
        // Properties: by name; against the other side's map schema when it is a map.
        let mut names: BTreeSet<&String> = o.properties.keys().collect();
        names.extend(h.properties.keys());
        for name in names {
            let field = child(name);
            match (o.properties.get(name), h.properties.get(name)) {
                (Some(ours), Some(theirs)) => {
                    let (req_o, req_h) = (o.required.contains(name), h.required.contains(name));
                    if req_o != req_h {
                        self.push(&field, format!("required {req_h} -> {req_o}"));
                    }
                    let (os, hs) = (
                        shape_of_all(self.ours, ours),
                        shape_of_all(self.official, theirs),
                    );
                    self.shapes(&field, os, hs, depth + 1);
                }
                (Some(ours), None) if !h.additional.is_empty() => {
                    let (os, hs) = (
                        shape_of_all(self.ours, ours),
                        shape_of_all(self.official, &h.additional),
                    );
                    self.shapes(&field, os, hs, depth + 1);
                }
                (None, Some(theirs)) if !o.additional.is_empty() => {
                    let (os, hs) = (
                        shape_of_all(self.ours, &o.additional),
                        shape_of_all(self.official, theirs),
                    );
                    self.shapes(&field, os, hs, depth + 1);
                }
                (Some(_), None) if h.types.contains("object") || !h.properties.is_empty() => {
                    self.push(&field, "extra")
                }
                (None, Some(_)) => self.push(&field, "missing"),
                _ => {}
            }
        }
        if !o.additional.is_empty() && !h.additional.is_empty() {
            let (os, hs) = (
                shape_of_all(self.ours, &o.additional),
                shape_of_all(self.official, &h.additional),
            );
            self.shapes(&child("*"), os, hs, depth + 1);
        }
        if !o.items.is_empty() && !h.items.is_empty() {
            let field = if at == "(body)" {
                "[]".to_string()
            } else {
                format!("{at}[]")
            };
            let (os, hs) = (
                shape_of_all(self.ours, &o.items),
                shape_of_all(self.official, &h.items),
            );
            self.shapes(&field, os, hs, depth + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn op(schema: Value) -> Value {
        json!({"responses": {"200": {"content": {"application/json": {"schema": schema}}}}})
    }

    #[test]
    fn reports_each_kind_of_response_difference() {
        let official = json!({"components": {"schemas": {
            "Page": {"allOf": [
                {"type": "object", "required": ["items", "found"], "properties": {
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
                    "found": {"type": "integer"},
                }},
                {"type": "object", "properties": {"pages": {"type": "integer"}}},
            ]},
            "Item": {"type": "object", "required": ["id"], "properties": {
                "id": {"type": "string"},
                "state": {"type": "string", "enum": ["a", "b"]},
                "age": {"type": "integer", "nullable": true},
                "old": {"type": "string", "deprecated": true},
            }},
        }}});
        let ours = json!({"components": {"schemas": {
            "Page": {"type": "object", "required": ["items"], "properties": {
                "items": {"type": "array", "items": {"type": "object", "required": ["id", "state"], "properties": {
                    "id": {"type": "integer"},
                    "state": {"type": "string", "enum": ["a", "c"]},
                    "age": {"type": "integer"},
                    "old": {"type": "string"},
                    "mine": {"type": "string"},
                }}},
                "found": {"type": "integer"},
            }},
        }}});
        let whats = compare(
            &ours,
            &op(json!({"$ref": "#/components/schemas/Page"})),
            &official,
            &op(json!({"$ref": "#/components/schemas/Page"})),
        );
        assert_eq!(
            whats,
            [
                "response 200 field found required true -> false",
                "response 200 field items[].age nullable true -> false",
                "response 200 field items[].id type string -> integer",
                "response 200 field items[].mine extra",
                "response 200 field items[].old deprecated",
                "response 200 field items[].state required false -> true",
                "response 200 field items[].state enum value b missing",
                "response 200 field items[].state enum value c extra",
                "response 200 field pages missing",
            ]
        );
    }

    #[test]
    fn statuses_media_types_deprecation_and_unions() {
        let official = json!({"components": {"schemas": {
            "Me": {"oneOf": [
                {"type": "object", "required": ["kind", "id"], "properties": {"kind": {"type": "string"}, "id": {"type": "string"}}},
                {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string"}, "name": {"type": "string"}}},
            ]},
        }}});
        let ours = json!({});
        let their_op = json!({"deprecated": true, "responses": {
            "200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Me"}}, "text/html": {}}},
            "201": {"description": "x"},
        }});
        let our_op = json!({"responses": {
            "200": {"content": {"application/json": {"schema": {"type": "object", "required": ["kind", "id"], "properties": {
                "kind": {"type": "string"}, "id": {"type": "string"}, "name": {"type": "string"},
            }}}}},
            "204": {"description": "x"},
        }});
        assert_eq!(
            compare(&ours, &our_op, &official, &their_op),
            [
                "operation deprecated",
                "response 201 missing",
                "response 200 media types application/json, text/html -> application/json",
                "response 200 field id required false -> true",
                "response 204 extra",
            ]
        );
    }

    #[test]
    fn a_map_is_compared_with_named_properties() {
        let official = json!({});
        let their_op = op(json!({"type": "object", "properties": {
            "currency": {"type": "array", "items": {"type": "object", "properties": {"rate": {"type": "number"}}}},
        }}));
        let our_op = op(json!({"type": "object", "additionalProperties": {
            "type": "array", "items": {"type": "object", "properties": {"rate": {"type": "integer"}}},
        }}));
        assert_eq!(
            compare(&official, &our_op, &official, &their_op),
            ["response 200 field currency[].rate type number -> integer"]
        );
    }
}
