//! Normalization passes: small rewrites of an OpenAPI description that make progenitor 0.15.1
//! generate a client that compiles and deserialises what hh.ru sends. Each pass returns how
//! many places it touched; [`PASSES`] lists them in the order they run.
//!
//! They run on `spec/hh-derived.yaml` (what `crates/hh-api` is generated from) and on the
//! official description (`../shared/hh-openapi/hh-openapi.yml`, `cargo xtask official-check`).
//! On the derived one, the passes its import already applied (`spec/overlay.yaml`'s
//! `normalizations`) touch nothing; the others reshape hh.ru's structures for the generator
//! (`cargo xtask codegen --verbose` says how many places each touched).

use std::collections::{BTreeSet, HashSet};

use serde_json::{Map, Value, json};

use crate::spec::{self, for_each_content_mut, for_each_object_mut, is_json_media_type};

/// One named rewrite of the document.
pub struct Pass {
    pub name: &'static str,
    pub run: fn(&mut Value) -> usize,
}

/// All passes, in order. The order matters in two places: media types are cleaned up
/// (`drop-html-alternatives`, `fill-empty-media-schemas`) before `one-error-type` looks at
/// them, and `drop-default-beside-union` runs before `unwrap-nullable-wrappers` turns those
/// unions into plain schemas a stale default would then be checked against.
pub const PASSES: &[Pass] = &[
    Pass {
        name: "strip-hh-user-agent",
        run: strip_user_agent_header,
    },
    Pass {
        name: "unique-operation-ids",
        run: unique_operation_ids,
    },
    Pass {
        name: "drop-html-alternatives",
        run: drop_html_alternatives,
    },
    Pass {
        name: "fill-empty-media-schemas",
        run: fill_empty_media_schemas,
    },
    Pass {
        name: "one-error-type",
        run: unify_error_responses,
    },
    Pass {
        name: "drop-default-beside-union",
        run: drop_default_beside_union,
    },
    Pass {
        name: "strip-patterns",
        run: strip_patterns,
    },
    Pass {
        name: "unwrap-nullable-wrappers",
        run: unwrap_nullable_wrappers,
    },
    Pass {
        name: "discriminated-unions",
        run: discriminated_unions,
    },
    Pass {
        name: "single-member-unions",
        run: single_member_unions,
    },
    Pass {
        name: "alias-components",
        run: alias_components,
    },
    Pass {
        name: "inline-wrapper-components",
        run: inline_wrapper_components,
    },
    Pass {
        name: "nullable-at-use",
        run: nullable_at_use,
    },
    Pass {
        name: "object-alternatives",
        run: object_alternatives,
    },
    Pass {
        name: "whole-number-parameters",
        run: whole_number_parameters,
    },
    Pass {
        name: "fixed-length-arrays",
        run: fixed_length_arrays,
    },
    Pass {
        name: "required-without-property",
        run: required_without_property,
    },
    Pass {
        name: "open-allof-members",
        run: open_allof_members,
    },
];

/// Runs every pass in order; returns `(pass name, places touched)`.
pub fn normalize(doc: &mut Value) -> Vec<(&'static str, usize)> {
    PASSES
        .iter()
        .map(|pass| (pass.name, (pass.run)(doc)))
        .collect()
}

/// For `crates/hh-api` only: removes the `4XX`/`5XX`/`default` and numbered error
/// responses, so every error answer reaches the hand-written layer as a raw response.
/// progenitor would parse a declared error body itself and, when it is not JSON (hh warns a
/// 5xx may not be), report it without its status or `Retry-After`. The `Error` schema stays
/// in `components` and is generated as `types::Error`, which the layer parses with.
pub fn errors_to_hand_written_layer(doc: &mut Value) -> usize {
    let mut removed = 0;
    for (path, method) in spec::operations(doc) {
        let responses = spec::operation_mut(doc, &path, &method)
            .and_then(|op| op.get_mut("responses"))
            .and_then(Value::as_object_mut);
        if let Some(responses) = responses {
            let before = responses.len();
            responses.retain(|code, _| code.starts_with('2'));
            removed += before - responses.len();
        }
    }
    removed
}

/// The header hh.ru requires on every request. The hand-written client sets it once on its
/// reqwest client; as a declared parameter it would be a required argument of every builder.
pub const USER_AGENT_HEADER: &str = "HH-User-Agent";

/// Name of the permissive error schema `one-error-type` points error responses at.
pub const ERROR_SCHEMA: &str = "ApiError";

/// Removes the `HH-User-Agent` header parameter from path items and operations, whether
/// written inline or as a `$ref` (typically `#/components/parameters/HHUserAgent`).
/// The component definition itself stays: nothing generates code from unused parameters.
pub fn strip_user_agent_header(doc: &mut Value) -> usize {
    let snapshot = doc.clone();
    let is_user_agent = |p: &Value| {
        let p = spec::resolve(&snapshot, p);
        p["in"] == "header"
            && p["name"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(USER_AGENT_HEADER))
    };
    let mut removed = 0;
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return 0;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        let holders = item
            .iter_mut()
            .filter(|(k, _)| *k == "parameters" || spec::METHODS.contains(&k.as_str()))
            .filter_map(|(k, v)| {
                if k == "parameters" {
                    Some(v)
                } else {
                    v.get_mut("parameters")
                }
            });
        for list in holders {
            if let Some(list) = list.as_array_mut() {
                let before = list.len();
                list.retain(|p| !is_user_agent(p));
                removed += before - list.len();
            }
        }
    }
    removed
}

/// Gives every operation an `operationId` (progenitor names methods after it) and makes them
/// unique: a missing one is derived from method and path, a repeated one gets `_2`, `_3`…
pub fn unique_operation_ids(doc: &mut Value) -> usize {
    let mut seen = HashSet::new();
    let mut changed = 0;
    for (path, method) in spec::operations(doc) {
        let op = spec::operation_mut(doc, &path, &method).expect("listed operation exists");
        let original = op
            .get("operationId")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let base = original
            .clone()
            .unwrap_or_else(|| derived_operation_id(&method, &path));
        let mut id = base.clone();
        let mut n = 1;
        while !seen.insert(id.clone()) {
            n += 1;
            id = format!("{base}_{n}");
        }
        if original.as_deref() != Some(id.as_str()) {
            op.insert("operationId".into(), Value::String(id));
            changed += 1;
        }
    }
    changed
}

/// `get` + `/vacancies/{id}/stats` → `get_vacancies_id_stats`.
fn derived_operation_id(method: &str, path: &str) -> String {
    let words = path
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty());
    std::iter::once(method)
        .chain(words)
        .collect::<Vec<_>>()
        .join("_")
}

/// Drops `text/html` from content maps that also offer JSON: progenitor uses the JSON one
/// anyway, and a request body with two media types makes it panic. A response that is
/// `text/html` only is left as it is: progenitor returns its body as a byte stream
/// (`ResponseValue<ByteStream>`), which keeps the page reachable for callers who want it.
pub fn drop_html_alternatives(doc: &mut Value) -> usize {
    let mut dropped = 0;
    for_each_content_mut(doc, &mut |content| {
        if content.keys().any(|k| is_json_media_type(k)) {
            let before = content.len();
            content.retain(|k, _| !k.starts_with("text/html"));
            dropped += before - content.len();
        }
    });
    dropped
}

/// Gives media types that declare no schema (`application/json: {}`) an "any value" schema
/// (`{}`, generated as `serde_json::Value`); without one progenitor hits a `todo!`.
pub fn fill_empty_media_schemas(doc: &mut Value) -> usize {
    let mut filled = 0;
    for_each_content_mut(doc, &mut |content| {
        for media in content.values_mut() {
            if let Some(media) = media.as_object_mut()
                && !media.contains_key("schema")
            {
                media.insert("schema".into(), json!({}));
                filled += 1;
            }
        }
    });
    filled
}

/// One error type per operation. progenitor asserts that all error responses (4xx/5xx) of an
/// operation share one type, where "no body" and "non-JSON body" count as types too. For each
/// operation whose error responses disagree, every one of them is rewritten to JSON with
/// `#/components/schemas/ApiError` (added if missing: a permissive object covering hh.ru's
/// error shapes, see [`api_error_schema`]); status codes and descriptions are kept.
/// Operations whose errors already agree are left alone, so a description that uses one error
/// schema throughout (ours: `Error`) passes through unchanged. `default` responses count as
/// success and error alike in progenitor and are not touched.
pub fn unify_error_responses(doc: &mut Value) -> usize {
    let snapshot = doc.clone();
    let mut operations_touched = 0;
    for (path, method) in spec::operations(&snapshot) {
        let responses = &snapshot["paths"][&path][&method]["responses"];
        let Some(responses) = responses.as_object() else {
            continue;
        };
        let errors: Vec<(&String, &Value)> = responses
            .iter()
            .filter(|(code, _)| code.starts_with('4') || code.starts_with('5'))
            .map(|(code, r)| (code, spec::resolve(&snapshot, r)))
            .collect();
        let kinds: BTreeSet<String> = errors.iter().map(|(_, r)| error_kind(r)).collect();
        if kinds.len() <= 1 {
            continue;
        }
        let op = spec::operation_mut(doc, &path, &method).expect("listed operation exists");
        let responses = op["responses"].as_object_mut().expect("checked above");
        for (code, resolved) in errors {
            let mut rewritten = json!({
                "description": resolved.get("description").cloned().unwrap_or(json!("")),
                "content": {"application/json": {"schema": {
                    "$ref": format!("#/components/schemas/{ERROR_SCHEMA}"),
                }}},
            });
            if let Some(headers) = resolved.get("headers") {
                rewritten["headers"] = headers.clone();
            }
            responses.insert(code.clone(), rewritten);
        }
        operations_touched += 1;
    }
    if operations_touched > 0 {
        let root = doc
            .as_object_mut()
            .expect("an OpenAPI document is an object");
        let components = root.entry("components").or_insert_with(|| json!({}));
        let schemas = components
            .as_object_mut()
            .expect("components is an object")
            .entry("schemas")
            .or_insert_with(|| json!({}));
        if let Some(schemas) = schemas.as_object_mut() {
            schemas.entry(ERROR_SCHEMA).or_insert_with(api_error_schema);
        }
    }
    operations_touched
}

/// What progenitor would make of an error response: the JSON schema it declares, or that it
/// has a non-JSON body, or none.
fn error_kind(response: &Value) -> String {
    let content = response.get("content").and_then(Value::as_object);
    match content {
        Some(c) if !c.is_empty() => match c.iter().find(|(k, _)| is_json_media_type(k)) {
            Some((_, media)) => format!("json {}", media.get("schema").unwrap_or(&Value::Null)),
            None => "raw".into(),
        },
        _ => "none".into(),
    }
}

/// hh.ru's error bodies in one permissive schema: the API's `{request_id, errors: [{type,
/// value, ...}]}` and the OAuth endpoints' `{error, error_description}` (plus `oauth_error`
/// and `description` seen in the docs). Everything optional, unknown fields allowed.
pub fn api_error_schema() -> Value {
    json!({
        "type": "object",
        "description": "Any error body hh.ru returns (normalized by `cargo xtask codegen`).",
        "properties": {
            "request_id": {"type": "string"},
            "description": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "type": {"type": "string"},
                        "value": {"type": "string"},
                    },
                    "additionalProperties": true,
                },
            },
            "oauth_error": {"type": "string"},
            "error": {"type": "string"},
            "error_description": {"type": "string"},
        },
        "additionalProperties": true,
    })
}

/// Drops a `default` written beside `anyOf`/`oneOf`: typify rejects a default that does not
/// validate against the union (hh.ru has an array default beside such a union).
pub fn drop_default_beside_union(doc: &mut Value) -> usize {
    let mut dropped = 0;
    for_each_object_mut(doc, &mut |obj| {
        let is_union = ["anyOf", "oneOf"]
            .iter()
            .any(|k| obj.get(*k).is_some_and(Value::is_array));
        if is_union && obj.remove("default").is_some() {
            dropped += 1;
        }
    });
    dropped
}

/// Removes the `pattern` keyword (a string value; a property named `pattern` is an object and
/// stays). Kept, it makes typify validate with the `regress` crate: one dependency more for
/// checks the server makes anyway.
pub fn strip_patterns(doc: &mut Value) -> usize {
    let mut stripped = 0;
    for_each_object_mut(doc, &mut |obj| {
        if obj.get("pattern").is_some_and(Value::is_string) {
            obj.remove("pattern");
            stripped += 1;
        }
    });
    stripped
}

/// Rewrites a two-entry `anyOf`/`oneOf` of some schema X and a null-only schema (hh.ru's
/// `_IncludesNullableObject`: `enum: [null]`) into X with `nullable: true`. progenitor turns
/// the wrappers into untagged enums or flattened structs that serde cannot deserialise. An
/// inline X is merged into the wrapper (the wrapper's own title/description win); a `$ref` X
/// becomes `allOf: [X]`, since siblings of `$ref` are ignored in OpenAPI 3.0.
/// Unions of three or more entries are left alone: typify emits some of them twice when
/// unwrapped (hh.ru's `EmployersBrandingBrandParameters`).
pub fn unwrap_nullable_wrappers(doc: &mut Value) -> usize {
    let snapshot = doc.clone();
    let is_null_only = |schema: &Value| is_null_only(spec::resolve(&snapshot, schema));
    let mut rewritten = 0;
    for_each_object_mut(doc, &mut |obj| {
        for keyword in ["anyOf", "oneOf"] {
            let Some([a, b]) = obj
                .get(keyword)
                .and_then(Value::as_array)
                .map(Vec::as_slice)
            else {
                continue;
            };
            let other = match (is_null_only(a), is_null_only(b)) {
                (true, false) => b.clone(),
                (false, true) => a.clone(),
                _ => continue,
            };
            obj.remove(keyword);
            merge_nullable(obj, other);
            rewritten += 1;
            break;
        }
    });
    rewritten
}

/// A schema that admits only `null`: `enum: [null]`, or an empty object marked nullable.
fn is_null_only(schema: &Value) -> bool {
    let Some(obj) = schema.as_object() else {
        return false;
    };
    if obj.get("enum") == Some(&json!([null])) {
        return true;
    }
    let annotations = ["type", "nullable", "title", "description"];
    obj.get("nullable") == Some(&json!(true))
        && obj.get("type").is_none_or(|t| t == "object")
        && obj.keys().all(|k| annotations.contains(&k.as_str()))
}

fn merge_nullable(wrapper: &mut Map<String, Value>, inner: Value) {
    match inner {
        Value::Object(inner) if !inner.contains_key("$ref") => {
            for (k, v) in inner {
                wrapper.entry(k).or_insert(v);
            }
        }
        reference => {
            wrapper.insert("allOf".into(), json!([reference]));
        }
    }
    wrapper.insert("nullable".into(), json!(true));
}

/// Spells out a component's `discriminator` in the alternatives of its `oneOf`: each mapped
/// entry X with value `v` becomes a component `{Name}{V}` = `allOf: [X, {property: enum
/// [v]}]`. typify ignores `discriminator` and makes an untagged enum whose first variant that
/// fits wins, and hh.ru's `/me` profiles fit one another (the application's, first, fits them
/// all). With the value fixed per alternative only the right one fits, and the variants get
/// names from hh's values (`Me::Employer(MeEmployer)`).
pub fn discriminated_unions(doc: &mut Value) -> usize {
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return 0;
    };
    let mut added = Map::new();
    let mut rewritten = 0;
    for (name, schema) in schemas.iter_mut() {
        let Some(obj) = schema.as_object_mut() else {
            continue;
        };
        let Some(discriminator) = obj.get("discriminator").cloned() else {
            continue;
        };
        let (Some(property), Some(mapping)) = (
            discriminator.get("propertyName").and_then(Value::as_str),
            discriminator.get("mapping").and_then(Value::as_object),
        ) else {
            continue;
        };
        let Some(entries) = obj.get("oneOf").and_then(Value::as_array) else {
            continue;
        };
        let value_of = |entry: &Value| {
            let target = entry.get("$ref")?;
            mapping
                .iter()
                .find(|(_, to)| *to == target)
                .map(|(value, _)| value.clone())
        };
        let Some(values) = entries.iter().map(value_of).collect::<Option<Vec<_>>>() else {
            continue;
        };
        let mut tagged = Vec::new();
        for (entry, value) in entries.iter().zip(values) {
            let variant = format!("{name}{}", pascal_case(&value));
            added.insert(
                variant.clone(),
                json!({"allOf": [entry, {
                    "type": "object",
                    "required": [property],
                    "properties": {property: {"type": "string", "enum": [value]}},
                }]}),
            );
            tagged.push(json!({"$ref": format!("#/components/schemas/{variant}")}));
        }
        obj.insert("oneOf".into(), Value::Array(tagged));
        obj.remove("discriminator");
        rewritten += 1;
    }
    for (name, schema) in added {
        schemas.entry(name).or_insert(schema);
    }
    rewritten
}

/// `employer_integration` → `EmployerIntegration`.
fn pascal_case(value: &str) -> String {
    value
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase());
            first.into_iter().chain(chars).collect::<String>()
        })
        .collect()
}

/// How a `$ref` to a component schema starts.
const SCHEMA_REF: &str = "#/components/schemas/";

/// The component an object's `$ref` names, if it names one.
fn component_named(obj: &Map<String, Value>) -> Option<&str> {
    obj.get("$ref")?.as_str()?.strip_prefix(SCHEMA_REF)
}

/// Keywords that only annotate a schema; dropping them changes no value's validity.
const ANNOTATIONS: &[&str] = &["title", "description", "example", "deprecated"];

/// Rewrites an `anyOf`/`oneOf` of one entry (hh.ru's `NegotiationsNegotiationGetResponse`:
/// `anyOf: [Negotiation]`) into that entry. progenitor makes a one-variant wrapper of it — a
/// struct of one flattened optional field for `anyOf` — which a caller has to unwrap and which
/// accepts any object. A `$ref` entry with only annotations beside it becomes the bare `$ref`
/// (so `alias-components` can then drop the wrapper), otherwise `allOf: [entry]`.
pub fn single_member_unions(doc: &mut Value) -> usize {
    let mut rewritten = 0;
    for_each_object_mut(doc, &mut |obj| {
        if obj.contains_key("discriminator") {
            return;
        }
        for keyword in ["anyOf", "oneOf"] {
            let Some([only]) = obj
                .get(keyword)
                .and_then(Value::as_array)
                .map(Vec::as_slice)
            else {
                continue;
            };
            let only = only.clone();
            obj.remove(keyword);
            let only_annotations = obj
                .iter()
                .all(|(k, v)| ANNOTATIONS.contains(&k.as_str()) || (k == "type" && v == "object"));
            if only.get("$ref").is_some() && only_annotations {
                obj.clear();
                obj.extend(only.as_object().cloned().unwrap_or_default());
            } else if obj.contains_key("allOf") {
                if let Some(all) = obj.get_mut("allOf").and_then(Value::as_array_mut) {
                    all.push(only);
                }
            } else {
                obj.insert("allOf".into(), json!([only]));
            }
            rewritten += 1;
            break;
        }
    });
    rewritten
}

/// Drops components that are nothing but a `$ref` to another (after `single-member-unions`,
/// `NegotiationsListResponse` is just `Collections`), pointing their users at the target. Kept,
/// each becomes a newtype or a second name for one type.
pub fn alias_components(doc: &mut Value) -> usize {
    let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return 0;
    };
    let direct: std::collections::BTreeMap<String, String> = schemas
        .iter()
        .filter_map(|(name, schema)| {
            let obj = schema.as_object()?;
            let target = component_named(obj)?;
            let only_ref = obj
                .keys()
                .all(|k| k == "$ref" || ANNOTATIONS.contains(&k.as_str()));
            only_ref.then(|| (name.clone(), target.to_string()))
        })
        .collect();
    // Follow chains (A → B → C) to their end; a cycle is left as it is.
    let resolve = |name: &str| {
        let mut seen = BTreeSet::new();
        let mut at = name.to_string();
        while let Some(next) = direct.get(&at) {
            if !seen.insert(at.clone()) {
                return None;
            }
            at = next.clone();
        }
        Some(at)
    };
    let aliases: std::collections::BTreeMap<String, String> = direct
        .keys()
        .filter_map(|name| resolve(name).map(|end| (name.clone(), end)))
        .collect();
    if aliases.is_empty() {
        return 0;
    }
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        schemas.retain(|name, _| !aliases.contains_key(name));
    }
    for_each_object_mut(doc, &mut |obj| {
        let Some(target) = component_named(obj).and_then(|name| aliases.get(name)) else {
            return;
        };
        obj.insert("$ref".into(), json!(format!("{SCHEMA_REF}{target}")));
    });
    aliases.len()
}

/// Writes components that only wrap — a plain string, number or boolean (hh.ru's
/// `VacancyHasUpdates`), or one other schema made nullable (`ResumeObjectsArea`: `allOf:
/// [IncludesIdNameUrl], nullable`) — where they are used, and drops them. Kept, each is a
/// newtype (`VacancyHasUpdates(bool)`, `ResumeObjectsArea(Option<IncludesIdNameUrl>)`)
/// that every caller unwraps; in place, a field is just `bool` or `Option<IncludesIdNameUrl>`.
pub fn inline_wrapper_components(doc: &mut Value) -> usize {
    let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return 0;
    };
    let is_wrapper = |schema: &Value| {
        let Some(obj) = schema.as_object() else {
            return false;
        };
        let plain = ["string", "number", "integer", "boolean"];
        let primitive = obj
            .get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| plain.contains(&t))
            && obj.keys().all(|k| {
                ANNOTATIONS.contains(&k.as_str())
                    || [
                        "type", "nullable", "format", "minimum", "maximum", "default",
                    ]
                    .contains(&k.as_str())
            });
        let nullable_ref = obj.get("nullable") == Some(&json!(true))
            && obj
                .get("allOf")
                .and_then(Value::as_array)
                .is_some_and(|all| all.len() == 1 && all[0].get("$ref").is_some())
            && obj.keys().all(|k| {
                ANNOTATIONS.contains(&k.as_str())
                    || ["allOf", "nullable"].contains(&k.as_str())
                    || (k == "type" && obj["type"] == "object")
            });
        primitive || nullable_ref
    };
    let wrappers: std::collections::BTreeMap<String, Value> = schemas
        .iter()
        .filter(|(_, schema)| is_wrapper(schema))
        .map(|(name, schema)| (name.clone(), schema.clone()))
        .collect();
    if wrappers.is_empty() {
        return 0;
    }
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        schemas.retain(|name, _| !wrappers.contains_key(name));
    }
    // A wrapper of a wrapper is resolved by going round again; hh.ru nests two deep at most.
    for _ in 0..4 {
        let mut replaced = 0;
        for_each_object_mut(doc, &mut |obj| {
            let Some(body) = component_named(obj).and_then(|name| wrappers.get(name)) else {
                return;
            };
            // The use site's own description wins; its other siblings of `$ref` are ignored
            // in OpenAPI 3.0, as they were before.
            let description = obj.get("description").cloned();
            obj.clear();
            obj.extend(body.as_object().cloned().unwrap_or_default());
            if let Some(description) = description {
                obj.insert("description".into(), description);
            }
            replaced += 1;
        });
        if replaced == 0 {
            break;
        }
    }
    wrappers.len()
}

/// Moves `nullable: true` from a component object to the places that use it (`allOf: [X],
/// nullable`). typify makes a nullable component a newtype around an `Option`
/// (`VacancySalary(Option<VacancySalaryInner>)`); with the null allowed where it is used, the
/// field is an `Option<VacancySalary>` of a plain struct.
pub fn nullable_at_use(doc: &mut Value) -> usize {
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return 0;
    };
    let mut nullable = BTreeSet::new();
    for (name, schema) in schemas.iter_mut() {
        let Some(obj) = schema.as_object_mut() else {
            continue;
        };
        let is_object = obj.get("type").is_some_and(|t| t == "object")
            || obj.contains_key("properties")
            || obj.contains_key("allOf");
        if is_object && obj.get("nullable") == Some(&json!(true)) {
            obj.remove("nullable");
            nullable.insert(name.clone());
        }
    }
    if nullable.is_empty() {
        return 0;
    }
    // The walk goes on into what it just wrote: the inner `$ref` is marked and unmarked after.
    const SEEN: &str = "x-nullable-at-use";
    for_each_object_mut(doc, &mut |obj| {
        let Some(reference) = obj.get("$ref").and_then(Value::as_str).map(str::to_string) else {
            return;
        };
        if obj.remove(SEEN).is_some()
            || !reference
                .strip_prefix(SCHEMA_REF)
                .is_some_and(|name| nullable.contains(name))
        {
            return;
        }
        let description = obj.get("description").cloned();
        obj.clear();
        obj.insert("allOf".into(), json!([{ "$ref": reference, SEEN: true }]));
        obj.insert("nullable".into(), json!(true));
        if let Some(description) = description {
            obj.insert("description".into(), description);
        }
    });
    nullable.len()
}

/// Rewrites an `anyOf` whose entries are all objects into a `oneOf`, most required properties
/// first. typify makes an `anyOf` a struct of optional flattened parts, which reads any object
/// as every part at once; a `oneOf` becomes an untagged enum, whose first matching variant
/// wins, so the most demanding shape must come first (`VacanciesPage`: the list with
/// `can_invite` before the plain one).
pub fn object_alternatives(doc: &mut Value) -> usize {
    let snapshot = doc.clone();
    let required = |schema: &Value| -> Option<usize> {
        let schema = spec::resolve(&snapshot, schema);
        let obj = schema.as_object()?;
        let is_object = obj.get("type").is_some_and(|t| t == "object")
            || obj.contains_key("properties")
            || obj.contains_key("allOf");
        is_object.then(|| required_count(&snapshot, schema))
    };
    let mut rewritten = 0;
    for_each_object_mut(doc, &mut |obj| {
        if obj.contains_key("discriminator") || obj.contains_key("oneOf") {
            return;
        }
        let Some(entries) = obj.get("anyOf").and_then(Value::as_array) else {
            return;
        };
        let Some(counts) = entries.iter().map(required).collect::<Option<Vec<_>>>() else {
            return;
        };
        let mut ordered: Vec<(usize, Value)> = counts.into_iter().zip(entries.clone()).collect();
        // Stable: entries that demand as much keep hh.ru's order.
        ordered.sort_by_key(|(count, _)| std::cmp::Reverse(*count));
        obj.remove("anyOf");
        obj.insert(
            "oneOf".into(),
            Value::Array(ordered.into_iter().map(|(_, v)| v).collect()),
        );
        rewritten += 1;
    });
    rewritten
}

/// Drops `additionalProperties: false` from the parts of an `allOf`, inline or referenced.
/// Each part only knows its own properties, so a closed part forbids the others' and the
/// whole admits nothing: typify emits an enum without variants (hh.ru's
/// `WebhookSubscriptionItem`, the common fields plus a closed `{id}`). hh.ru means the union.
pub fn open_allof_members(doc: &mut Value) -> usize {
    let mut referenced = BTreeSet::new();
    let mut opened = 0;
    for_each_object_mut(doc, &mut |obj| {
        let Some(parts) = obj.get_mut("allOf").and_then(Value::as_array_mut) else {
            return;
        };
        for part in parts {
            let Some(part) = part.as_object_mut() else {
                continue;
            };
            match part.get("$ref").and_then(Value::as_str) {
                Some(r) => {
                    if let Some(name) = r.strip_prefix(SCHEMA_REF) {
                        referenced.insert(name.to_string());
                    }
                }
                None => {
                    if part.get("additionalProperties") == Some(&json!(false)) {
                        part.remove("additionalProperties");
                        opened += 1;
                    }
                }
            }
        }
    });
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for name in referenced {
            if let Some(schema) = schemas.get_mut(&name).and_then(Value::as_object_mut)
                && schema.get("additionalProperties") == Some(&json!(false))
            {
                schema.remove("additionalProperties");
                opened += 1;
            }
        }
    }
    opened
}

/// Declares path and query parameters of `type: number` as integers. hh.ru writes `number`
/// for `page`, `per_page`, `salary_from`…, all whole; as an `f64` the client would send
/// `page=1.0`.
pub fn whole_number_parameters(doc: &mut Value) -> usize {
    let mut changed = 0;
    let mut fix = |parameter: &mut Value| {
        let location = parameter.get("in").and_then(Value::as_str);
        if !matches!(location, Some("query" | "path")) {
            return;
        }
        if let Some(schema) = parameter.get_mut("schema").and_then(Value::as_object_mut)
            && schema.get("type").is_some_and(|t| t == "number")
            && schema.get("format").is_none()
        {
            schema.insert("type".into(), json!("integer"));
            changed += 1;
        }
    };
    if let Some(parameters) = doc
        .pointer_mut("/components/parameters")
        .and_then(Value::as_object_mut)
    {
        parameters.values_mut().for_each(&mut fix);
    }
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut().filter_map(Value::as_object_mut) {
            for (key, value) in item.iter_mut() {
                let parameters = if key == "parameters" {
                    value.as_array_mut()
                } else {
                    value.get_mut("parameters").and_then(Value::as_array_mut)
                };
                parameters.into_iter().flatten().for_each(&mut fix);
            }
        }
    }
    changed
}

/// Drops from `required` the names a self-contained object schema does not declare (hh.ru's
/// `VacancyTemplates` requires a `quick` it never defines). typify makes each a required
/// field of any type, and hh's own examples, which lack it, then fail to decode. Schemas
/// with `allOf` parts, and the parts themselves, are left alone: another part may declare
/// the name.
pub fn required_without_property(doc: &mut Value) -> usize {
    // A part of an `allOf` may require what another part declares: marked, and skipped.
    const PART: &str = "x-allof-part";
    for_each_object_mut(doc, &mut |obj| {
        if let Some(parts) = obj.get_mut("allOf").and_then(Value::as_array_mut) {
            for part in parts.iter_mut().filter_map(Value::as_object_mut) {
                part.insert(PART.into(), json!(true));
            }
        }
    });
    let mut dropped = 0;
    for_each_object_mut(doc, &mut |obj| {
        if obj.remove(PART).is_some()
            || ["allOf", "anyOf", "oneOf"]
                .iter()
                .any(|k| obj.contains_key(*k))
        {
            return;
        }
        let Some(properties) = obj.get("properties").and_then(Value::as_object) else {
            return;
        };
        let declared: BTreeSet<String> = properties.keys().cloned().collect();
        let Some(required) = obj.get_mut("required").and_then(Value::as_array_mut) else {
            return;
        };
        let before = required.len();
        required.retain(|name| name.as_str().is_some_and(|n| declared.contains(n)));
        dropped += before - required.len();
    });
    dropped
}

/// Drops `maxItems` where it equals `minItems`. typify makes such an array a Rust array
/// (`[VacanciesVacancyStatsItem; 5]`), which fails to decode the day hh sends four; the
/// count is hh's to keep, and a `Vec` reads any.
pub fn fixed_length_arrays(doc: &mut Value) -> usize {
    let mut relaxed = 0;
    for_each_object_mut(doc, &mut |obj| {
        let (Some(min), Some(max)) = (obj.get("minItems"), obj.get("maxItems")) else {
            return;
        };
        if min == max && obj.get("type").is_some_and(|t| t == "array") {
            obj.remove("maxItems");
            relaxed += 1;
        }
    });
    relaxed
}

/// How many properties an object schema requires, its `allOf` parts included.
fn required_count(doc: &Value, schema: &Value) -> usize {
    let schema = spec::resolve(doc, schema);
    let own = schema
        .get("required")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let parts: usize = schema
        .get("allOf")
        .and_then(Value::as_array)
        .map_or(0, |all| all.iter().map(|p| required_count(doc, p)).sum());
    own + parts
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal document around one operation.
    fn doc_with(path: &str, method: &str, op: Value) -> Value {
        json!({"openapi": "3.0.3", "paths": {path: {method: op}}})
    }

    #[test]
    fn strips_user_agent_inline_and_by_ref_but_keeps_other_parameters() {
        let mut doc = json!({
            "paths": {"/me": {
                "parameters": [{"$ref": "#/components/parameters/HHUserAgent"}],
                "get": {"parameters": [
                    {"$ref": "#/components/parameters/HHUserAgent"},
                    {"$ref": "#/components/parameters/Locale"},
                    {"name": "hh-user-agent", "in": "header"},
                    {"name": "HH-User-Agent", "in": "query"},
                ]},
            }},
            "components": {"parameters": {
                "HHUserAgent": {"name": "HH-User-Agent", "in": "header", "required": true},
                "Locale": {"name": "locale", "in": "query"},
            }},
        });
        assert_eq!(strip_user_agent_header(&mut doc), 3);
        assert_eq!(doc["paths"]["/me"]["parameters"], json!([]));
        assert_eq!(
            doc["paths"]["/me"]["get"]["parameters"],
            json!([
                {"$ref": "#/components/parameters/Locale"},
                {"name": "HH-User-Agent", "in": "query"},
            ])
        );
    }

    #[test]
    fn operation_ids_are_filled_in_and_deduplicated() {
        let mut doc = json!({"paths": {
            "/a": {"get": {"operationId": "op"}, "post": {"operationId": "op"}},
            "/b/{id}": {"get": {}},
        }});
        assert_eq!(unique_operation_ids(&mut doc), 2);
        assert_eq!(doc["paths"]["/a"]["get"]["operationId"], "op");
        assert_eq!(doc["paths"]["/a"]["post"]["operationId"], "op_2");
        assert_eq!(doc["paths"]["/b/{id}"]["get"]["operationId"], "get_b_id");
    }

    #[test]
    fn html_is_dropped_only_beside_json() {
        let mut doc = doc_with(
            "/r",
            "get",
            json!({"responses": {
                "200": {"content": {
                    "application/json": {"schema": {"type": "object"}},
                    "text/html": {"schema": {"type": "string"}},
                }},
                "201": {"content": {"text/html": {"schema": {"type": "string"}}}},
            }}),
        );
        assert_eq!(drop_html_alternatives(&mut doc), 1);
        let responses = &doc["paths"]["/r"]["get"]["responses"];
        assert_eq!(
            responses["200"]["content"],
            json!({"application/json": {"schema": {"type": "object"}}})
        );
        assert_eq!(
            responses["201"]["content"],
            json!({"text/html": {"schema": {"type": "string"}}})
        );
    }

    #[test]
    fn empty_media_types_get_an_any_schema() {
        let mut doc = doc_with(
            "/c",
            "post",
            json!({
                "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {"200": {"content": {"application/json": {}}}},
            }),
        );
        doc["components"] = json!({"responses": {"E": {"content": {"application/json": {}}}}});
        assert_eq!(fill_empty_media_schemas(&mut doc), 2);
        assert_eq!(
            doc["paths"]["/c"]["post"]["responses"]["200"]["content"]["application/json"],
            json!({"schema": {}})
        );
        assert_eq!(
            doc["components"]["responses"]["E"]["content"]["application/json"],
            json!({"schema": {}})
        );
    }

    #[test]
    fn differing_error_responses_point_at_one_error_schema() {
        let mut doc = doc_with(
            "/v/{id}",
            "get",
            json!({"responses": {
                "200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}},
                "403": {"$ref": "#/components/responses/Forbidden"},
                "404": {"description": "not found", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NotFound"}}}},
                "429": {"description": "too many"},
            }}),
        );
        doc["components"] = json!({"responses": {"Forbidden": {
            "description": "forbidden",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Forbidden"}}},
        }}});
        assert_eq!(unify_error_responses(&mut doc), 1);
        let responses = &doc["paths"]["/v/{id}"]["get"]["responses"];
        let error = |description: &str| {
            json!({
                "description": description,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}},
            })
        };
        assert_eq!(responses["403"], error("forbidden"));
        assert_eq!(responses["404"], error("not found"));
        assert_eq!(responses["429"], error("too many"));
        assert_eq!(
            responses["200"]["content"]["application/json"]["schema"],
            json!({"type": "object"})
        );
        assert_eq!(doc["components"]["schemas"]["ApiError"], api_error_schema());
    }

    #[test]
    fn agreeing_error_responses_are_left_alone() {
        let error = json!({"description": "e", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
        let mut doc = json!({"paths": {
            "/a": {"get": {"responses": {"400": error, "404": {"$ref": "#/components/responses/NotFound"}}}},
            "/b": {"get": {"responses": {"404": {"description": "none"}, "409": {"description": "none"}}}},
        }, "components": {"responses": {"NotFound": error}}});
        let before = doc.clone();
        assert_eq!(unify_error_responses(&mut doc), 0);
        assert_eq!(doc, before);
    }

    #[test]
    fn defaults_beside_unions_are_dropped() {
        let mut doc = json!({"components": {"schemas": {"S": {"properties": {
            "duration": {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}], "default": ["x"]},
            "plain": {"type": "string", "default": "x"},
            "default": {"type": "string"},
        }}}}});
        assert_eq!(drop_default_beside_union(&mut doc), 1);
        let props = &doc["components"]["schemas"]["S"]["properties"];
        assert!(props["duration"].get("default").is_none());
        assert_eq!(props["plain"]["default"], "x");
        assert_eq!(props["default"], json!({"type": "string"}));
    }

    #[test]
    fn patterns_are_stripped_but_properties_named_pattern_stay() {
        let mut doc = json!({"components": {"schemas": {"S": {"properties": {
            "code": {"type": "string", "pattern": "^[0-9]+$"},
            "pattern": {"type": "string"},
            "example": {"type": "string", "pattern": "^x"},
        }, "example": {"pattern": "kept"}}}}});
        assert_eq!(strip_patterns(&mut doc), 2);
        let s = &doc["components"]["schemas"]["S"];
        assert_eq!(s["properties"]["code"], json!({"type": "string"}));
        assert_eq!(s["properties"]["pattern"], json!({"type": "string"}));
        assert_eq!(s["properties"]["example"], json!({"type": "string"}));
        assert_eq!(s["example"]["pattern"], "kept");
    }

    #[test]
    fn two_entry_nullable_wrappers_become_nullable_schemas() {
        let null_ref = json!({"$ref": "#/components/schemas/_IncludesNullableObject"});
        let mut doc = json!({"components": {"schemas": {
            "_IncludesNullableObject": {"enum": [null], "nullable": true, "type": "string"},
            "Area": {"type": "object"},
            "S": {"properties": {
                "area": {"oneOf": [{"$ref": "#/components/schemas/Area"}, null_ref], "description": "d"},
                "tags": {"anyOf": [{"type": "array", "items": {"type": "string"}, "description": "inner"}, null_ref], "description": "outer"},
                "flag": {"anyOf": [{"nullable": true, "type": "object"}, {"type": "boolean"}]},
                "three": {"oneOf": [null_ref, {"$ref": "#/components/schemas/Area"}, {"type": "string"}]},
                "either": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
            }},
        }}});
        assert_eq!(unwrap_nullable_wrappers(&mut doc), 3);
        let props = &doc["components"]["schemas"]["S"]["properties"];
        assert_eq!(
            props["area"],
            json!({"allOf": [{"$ref": "#/components/schemas/Area"}], "nullable": true, "description": "d"})
        );
        assert_eq!(
            props["tags"],
            json!({"type": "array", "items": {"type": "string"}, "description": "outer", "nullable": true})
        );
        assert_eq!(props["flag"], json!({"type": "boolean", "nullable": true}));
        assert_eq!(props["three"]["oneOf"].as_array().unwrap().len(), 3);
        assert_eq!(props["either"]["anyOf"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn error_responses_are_left_to_the_hand_written_layer() {
        let mut doc = doc_with(
            "/me",
            "get",
            json!({"responses": {
                "200": {"description": "ok"},
                "4XX": {"description": "e"},
                "503": {"description": "e"},
                "default": {"description": "e"}
            }}),
        );
        assert_eq!(errors_to_hand_written_layer(&mut doc), 3);
        let responses = doc.pointer("/paths/~1me/get/responses").unwrap();
        assert_eq!(responses, &json!({"200": {"description": "ok"}}));
    }

    #[test]
    fn passes_are_listed_once_each() {
        let names: HashSet<_> = PASSES.iter().map(|p| p.name).collect();
        assert_eq!(names.len(), PASSES.len());
    }
}
