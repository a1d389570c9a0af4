//! Holding answers to `spec/hh-derived.yaml` (feature `validate`), hh.ru's description with
//! our overlay: the spec's `components/schemas` compiled into JSON Schema, and a check of a
//! recorded exchange against the response its operation declares. A collection's list,
//! which the derived description has as the schema `NegotiationsPage` rather than as an
//! operation (collections are dynamic), is held to that schema.
//!
//! OpenAPI 3.0 is not quite JSON Schema: `nullable: true` is translated into allowing
//! `null` (beside hh's `allOf: [X]` too: X or null), a `oneOf`/`anyOf` with a
//! `discriminator` into "the schema the discriminating property maps to" (without it, a
//! body that fits two alternatives fits no `oneOf`), and `$ref`s to
//! `#/components/schemas/...` are resolved inside one document that carries the spec's
//! components.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::{Map, Value, json};

use crate::routes::COLLECTION_LIST;
use crate::state::Exchange;

/// The description the sandbox is held to: `spec/hh-derived.yaml`, the one `crates/hh-api`
/// is generated from.
pub fn spec_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec/hh-derived.yaml")
}

/// One operation of the spec.
#[derive(Debug, Clone)]
pub struct Operation {
    pub method: String,
    pub path: String,
    pub operation_id: String,
    /// Status key (`200`, `204`, `4XX`, ...) → the schema its JSON body has (a
    /// `$ref` into the components, or written in place; `{}` when any JSON goes),
    /// `None` for an answer without a body.
    pub responses: HashMap<String, Option<Value>>,
}

pub struct Spec {
    /// `{"components": {"schemas": ...}}` in JSON Schema form.
    components: Value,
    pub operations: Vec<Operation>,
    validators: Mutex<HashMap<String, std::sync::Arc<jsonschema::Validator>>>,
}

impl Spec {
    pub fn load_default() -> Result<Spec, String> {
        Spec::load(&spec_path())
    }

    pub fn load(path: &Path) -> Result<Spec, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let doc: Value =
            serde_norway::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        Spec::from_value(&doc)
    }

    pub fn from_value(doc: &Value) -> Result<Spec, String> {
        let schemas = doc
            .pointer("/components/schemas")
            .cloned()
            .ok_or("the spec has no components/schemas")?;
        let shared_responses = doc
            .pointer("/components/responses")
            .cloned()
            .unwrap_or(json!({}));
        let mut operations = Vec::new();
        let paths = doc["paths"].as_object().ok_or("the spec has no paths")?;
        for (path, item) in paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            for (method, op) in item {
                if !["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                    continue;
                }
                let mut responses = HashMap::new();
                for (status, r) in op["responses"].as_object().into_iter().flatten() {
                    let r = match r.get("$ref").and_then(Value::as_str) {
                        Some(reference) => shared_responses
                            .get(reference.rsplit('/').next().unwrap_or(""))
                            .cloned()
                            .unwrap_or(Value::Null),
                        None => r.clone(),
                    };
                    let schema = r.pointer("/content/application~1json").map(|media| {
                        media
                            .get("schema")
                            .map(to_json_schema)
                            .unwrap_or_else(|| json!({}))
                    });
                    responses.insert(status.clone(), schema);
                }
                operations.push(Operation {
                    method: method.to_uppercase(),
                    path: path.clone(),
                    operation_id: op["operationId"].as_str().unwrap_or_default().to_string(),
                    responses,
                });
            }
        }
        Ok(Spec {
            components: json!({ "components": { "schemas": to_json_schema(&schemas) } }),
            operations,
            validators: Mutex::new(HashMap::new()),
        })
    }

    pub fn operation(&self, operation_id: &str) -> Option<&Operation> {
        self.operations
            .iter()
            .find(|o| o.operation_id == operation_id)
    }

    /// A compiled validator for a schema (in JSON Schema form, `$ref`s pointing into
    /// the components), cached by its text.
    fn validator(&self, schema: &Value) -> Result<std::sync::Arc<jsonschema::Validator>, String> {
        let key = schema.to_string();
        let mut cache = self.validators.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(v) = cache.get(&key) {
            return Ok(v.clone());
        }
        let mut root = self.components.clone();
        root["allOf"] = json!([schema]);
        let v = jsonschema::options()
            .should_validate_formats(false)
            .build(&root)
            .map_err(|e| format!("schema {key} does not compile: {e}"))?;
        let v = std::sync::Arc::new(v);
        cache.insert(key, v.clone());
        Ok(v)
    }

    /// Validates `instance` against the named schema; the errors say where and why.
    pub fn validate(&self, schema: &str, instance: &Value) -> Result<(), Vec<String>> {
        let reference = json!({ "$ref": format!("#/components/schemas/{schema}") });
        self.validate_schema(&reference, instance)
    }

    /// Validates `instance` against a schema given in JSON Schema form.
    pub fn validate_schema(&self, schema: &Value, instance: &Value) -> Result<(), Vec<String>> {
        let name = schema
            .get("$ref")
            .and_then(Value::as_str)
            .map(|r| r.rsplit('/').next().unwrap_or(r).to_string())
            .unwrap_or_else(|| "the declared schema".into());
        let v = self.validator(schema).map_err(|e| vec![e])?;
        let errors: Vec<String> = v
            .iter_errors(instance)
            .map(|e| format!("{name} at `{}`: {e}", e.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Checks one recorded answer against what its operation declares: the status must
    /// be one the spec lists (or a 4XX/5XX), the body must match its schema, and an
    /// answer declared without a body must have none. Errors are checked against `Error`
    /// whatever answered them.
    pub fn check(&self, ex: &Exchange) -> Result<(), Vec<String>> {
        match ex.operation {
            Some(COLLECTION_LIST) if ex.status < 400 => {
                let what = format!("{} {} → {}", ex.method, ex.path, ex.status);
                let body: Value = serde_json::from_slice(&ex.body)
                    .map_err(|e| vec![format!("{what}: body is not JSON: {e}")])?;
                self.validate("NegotiationsPage", &body)
                    .map_err(|errors| errors.into_iter().map(|e| format!("{what}: {e}")).collect())
            }
            Some(op) if ex.status < 400 || self.operation(op).is_some() => self.check_as(ex, op),
            _ if ex.status >= 400 => self.check_as(ex, ""),
            None => Err(vec![format!(
                "{} {} → {}: a success no operation answered",
                ex.method, ex.path, ex.status
            )]),
            Some(op) => self.check_as(ex, op),
        }
    }

    /// Checks an answer against what `operation_id` declares for its status (or its
    /// status class, or `default`); an answer declared without a body must have none.
    /// An error of an operation this description does not have is held to `Error`.
    pub fn check_as(&self, ex: &Exchange, operation_id: &str) -> Result<(), Vec<String>> {
        let what = format!("{} {} → {}", ex.method, ex.path, ex.status);
        let body_json = || -> Result<Value, Vec<String>> {
            serde_json::from_slice(&ex.body)
                .map_err(|e| vec![format!("{what}: body is not JSON: {e}")])
        };
        let context = |errors: Vec<String>| {
            errors
                .into_iter()
                .map(|e| format!("{what}: {e}"))
                .collect::<Vec<_>>()
        };
        let Some(op) = self.operation(operation_id) else {
            if ex.status >= 400 {
                return self.validate("Error", &body_json()?).map_err(context);
            }
            return Err(vec![format!(
                "{what}: operation {operation_id} is not in the spec"
            )]);
        };
        let status = ex.status.to_string();
        let class = format!("{}XX", &status[..1]);
        let declared = op
            .responses
            .get(&status)
            .or_else(|| op.responses.get(&class))
            .or_else(|| op.responses.get("default"))
            .ok_or_else(|| vec![format!("{what}: {} declares no {status}", op.operation_id)])?;
        match declared {
            Some(schema) => self.validate_schema(schema, &body_json()?).map_err(context),
            None if ex.body.is_empty() => Ok(()),
            None => Err(vec![format!(
                "{what}: {} declares no body for {status}",
                op.operation_id
            )]),
        }
    }
}

/// hh.ru's published description (`../shared/hh-openapi/hh-openapi.yml` next to the
/// workspace), which the sandbox's chats are held to as well as to our spec.
pub fn hh_openapi_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/hh-openapi/hh-openapi.yml")
}

/// Our operationId → hh.ru's, for the operations held to hh.ru's description.
/// `get_collection_negotiations` is [`COLLECTION_LIST`]. Not here: the mail templates
/// (hh's `type` is `SMS`/`EMAIL`, ours the template's kind) and the dictionaries (hh
/// lists many more than this part of the API uses).
pub const HH_OPERATIONS: &[(&str, &str)] = &[
    ("get_me", "get-current-user-info"),
    ("get_manager_accounts", "get-manager-accounts"),
    ("obtain_token", "authorize"),
    ("invalidate_token", "invalidate-token"),
    ("list_active_vacancies", "get-active-vacancy-list"),
    ("get_vacancy", "get-vacancy"),
    (
        "get_preferred_negotiations_order",
        "get-pref-negotiations-order",
    ),
    (
        "set_preferred_negotiations_order",
        "put-pref-negotiations-order",
    ),
    ("get_negotiation_collections", "get-negotiations"),
    ("get_negotiation", "get-negotiation-item"),
    (COLLECTION_LIST, "get-collection-negotiations-list"),
    (
        "move_negotiations",
        "put-negotiations-collection-to-next-state",
    ),
    ("invite_applicant", "invite-applicant-to-vacancy"),
    ("perform_negotiation_action", "change-negotiation-action"),
    ("mark_negotiations_read", "post-negotiations-topics-read"),
    ("get_resume", "get-resume"),
    ("search_resumes", "search-for-resumes"),
    (
        "get_resume_negotiations_history",
        "get-resume-negotiations-history",
    ),
    ("list_applicant_comments", "get-applicant-comments-list"),
    ("add_applicant_comment", "add-applicant-comment"),
    ("get_message_template", "get-negotiation-message-templates"),
    ("list_chats", "get-common-chat-list"),
    ("count_unread_chats", "unread-chats-count"),
    ("list_chat_messages", "get-chat-messages"),
    ("send_chat_message", "chat-message-post"),
    ("edit_chat_message", "chat-message-put"),
    ("delete_chat_message", "chat-message-delete"),
    ("mark_chat_read", "set-last-viewed-message"),
    ("set_chat_write_possibility", "set-write-possibility-common"),
    ("list_chat_participants", "get-participant-list"),
    ("add_chat_participant", "put-participant-list"),
    (
        "get_chat_file_conditions",
        "get-common-chat-files-conditions",
    ),
    (
        "create_chat_upload_link",
        "get-common-chat-files-upload-links",
    ),
    ("list_negotiation_messages", "get-negotiation-messages"),
    ("send_negotiation_message", "send-negotiation-message"),
    ("get_webhook_subscriptions", "get-webhook-subscriptions"),
    ("post_webhook_subscription", "post-webhook-subscription"),
    ("change_webhook_subscription", "change-webhook-subscription"),
    ("cancel_webhook_subscription", "cancel-webhook-subscription"),
];

/// hh.ru's operationId for one of ours.
pub fn hh_operation(ours: &str) -> Option<&'static str> {
    HH_OPERATIONS
        .iter()
        .find(|(o, _)| *o == ours)
        .map(|(_, hh)| *hh)
}

/// A `oneOf`/`anyOf` with a discriminator's `mapping`, as JSON Schema: the property
/// must be one of the mapped values, and the body must match the schema its value maps
/// to. `None` when the schema has no such pair (a discriminator on a base schema that
/// its subtypes extend is only documentation).
fn discriminated(map: &Map<String, Value>) -> Option<Value> {
    let discriminator = map.get("discriminator")?;
    let property = discriminator.get("propertyName")?.as_str()?;
    let mapping = discriminator.get("mapping")?.as_object()?;
    if !map.contains_key("oneOf") && !map.contains_key("anyOf") {
        return None;
    }
    let branches: Vec<Value> = mapping
        .iter()
        .map(|(value, target)| {
            json!({
                "if": { "properties": { property: { "const": value } }, "required": [property] },
                "then": { "$ref": target },
            })
        })
        .collect();
    let values: Vec<&String> = mapping.keys().collect();
    Some(json!({
        "type": "object",
        "required": [property],
        "properties": { property: { "enum": values } },
        "allOf": branches,
    }))
}

/// Translates OpenAPI 3.0 schema objects into JSON Schema: `nullable: true` becomes
/// "or null", a discriminated `oneOf` the schema its discriminator picks, everything
/// else is kept (`$ref`s stay pointing into components).
pub fn to_json_schema(schema: &Value) -> Value {
    match schema {
        Value::Array(items) => Value::Array(items.iter().map(to_json_schema).collect()),
        Value::Object(map) => {
            if let Some(picked) = discriminated(map) {
                return picked;
            }
            let mut out: Map<String, Value> = map
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "nullable" | "example" | "discriminator"))
                .map(|(k, v)| {
                    // Property names and enum values are data, not schemas.
                    let v = match k.as_str() {
                        "properties" => Value::Object(
                            v.as_object()
                                .map(|props| {
                                    props
                                        .iter()
                                        .map(|(n, s)| (n.clone(), to_json_schema(s)))
                                        .collect()
                                })
                                .unwrap_or_default(),
                        ),
                        "enum" | "required" => v.clone(),
                        _ => to_json_schema(v),
                    };
                    (k.clone(), v)
                })
                .collect();
            if map.get("nullable") == Some(&Value::Bool(true)) {
                // Beside `allOf`/`oneOf`/`anyOf`/`$ref` (hh's `allOf: [X], nullable: true`),
                // `null` must pass those too: the whole schema or null.
                let composed = ["allOf", "oneOf", "anyOf", "$ref"]
                    .iter()
                    .any(|k| out.contains_key(*k));
                match out.get("type").cloned() {
                    Some(Value::String(t)) if !composed => {
                        out.insert("type".into(), json!([t, "null"]));
                        if let Some(Value::Array(values)) = out.get_mut("enum")
                            && !values.contains(&Value::Null)
                        {
                            values.push(Value::Null);
                        }
                    }
                    _ => {
                        return json!({ "anyOf": [Value::Object(out), { "type": "null" }] });
                    }
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullable_is_translated() {
        let s = json!({
            "type": "object",
            "properties": {
                "a": { "type": "string", "nullable": true },
                "b": { "nullable": true, "allOf": [{ "$ref": "#/components/schemas/X" }] },
                // hh's shape: the type beside the allOf.
                "c": { "nullable": true, "type": "string", "allOf": [{ "$ref": "#/components/schemas/X" }] },
                "d": { "nullable": true, "type": "string", "enum": ["A"] },
            }
        });
        let t = to_json_schema(&s);
        assert_eq!(t["properties"]["a"]["type"], json!(["string", "null"]));
        assert_eq!(t["properties"]["b"]["anyOf"][1], json!({ "type": "null" }));
        assert!(t["properties"]["b"]["anyOf"][0].get("nullable").is_none());
        assert_eq!(t["properties"]["c"]["anyOf"][1], json!({ "type": "null" }));
        assert_eq!(t["properties"]["c"]["anyOf"][0]["type"], json!("string"));
        assert_eq!(t["properties"]["d"]["enum"], json!(["A", null]));

        let doc = json!({
            "paths": {},
            "components": { "schemas": {
                "X": { "type": "string", "enum": ["UNTRUSTED_EMPLOYER"] },
                "Y": { "type": "object", "properties": { "c": s["properties"]["c"] } },
            } },
        });
        let spec = Spec::from_value(&doc).unwrap();
        assert!(spec.validate("Y", &json!({ "c": null })).is_ok());
        assert!(
            spec.validate("Y", &json!({ "c": "UNTRUSTED_EMPLOYER" }))
                .is_ok()
        );
        assert!(spec.validate("Y", &json!({ "c": "OTHER" })).is_err());
        assert!(spec.validate("Y", &json!({ "c": 1 })).is_err());
    }

    #[test]
    fn a_discriminator_picks_the_alternative() {
        let doc = json!({
            "paths": {},
            "components": { "schemas": {
                "A": { "type": "object", "properties": { "kind": { "type": "string" }, "a": { "type": "integer" } } },
                "B": { "type": "object", "properties": { "kind": { "type": "string" }, "b": { "type": "integer" } }, "required": ["b"] },
                "Either": {
                    "oneOf": [{ "$ref": "#/components/schemas/A" }, { "$ref": "#/components/schemas/B" }],
                    "discriminator": { "propertyName": "kind", "mapping": {
                        "a": "#/components/schemas/A", "b": "#/components/schemas/B",
                    } },
                },
            } },
        });
        let spec = Spec::from_value(&doc).unwrap();
        // Fits both A and B: a plain oneOf refuses it, the discriminator picks A.
        assert!(
            spec.validate("Either", &json!({ "kind": "a", "b": 1 }))
                .is_ok()
        );
        assert!(
            spec.validate("Either", &json!({ "kind": "b", "b": 1 }))
                .is_ok()
        );
        assert!(spec.validate("Either", &json!({ "kind": "b" })).is_err());
        assert!(
            spec.validate("Either", &json!({ "kind": "c", "b": 1 }))
                .is_err()
        );
        assert!(spec.validate("Either", &json!({ "b": 1 })).is_err());
    }

    #[test]
    fn the_spec_compiles_and_judges() {
        let spec = Spec::load_default().unwrap();
        assert!(spec.operation("get_negotiation").is_some());
        assert!(
            spec.validate("EmployerState", &json!({ "id": "1", "name": "x" }))
                .is_ok()
        );
        assert!(spec.validate("EmployerState", &json!({ "id": 1 })).is_err());
        let ordered_by = json!({ "id": "created_at", "name": "по дате" });
        let page = json!({ "items": [], "found": 0, "page": 0, "pages": 1, "per_page": 20, "ordered_by": ordered_by });
        assert!(spec.validate("NegotiationsPage", &page).is_ok());
        // Through hh's allOf, and null where it is `allOf: [X], nullable: true`.
        let mut n = json!({
            "id": "1", "state": { "id": "response", "name": "Отклик" },
            "created_at": "x", "updated_at": "x", "has_updates": true,
            "viewed_by_opponent": false, "messaging_status": "ok",
            "resume": null, "test_result": null, "funnel_stage": null,
        });
        assert!(spec.validate("Negotiation", &n).is_ok());
        // It does catch what is wrong, deep inside too.
        n["state"] = json!({ "id": "response" });
        assert!(spec.validate("Negotiation", &n).is_err());
        n["state"] = json!(null);
        assert!(spec.validate("Negotiation", &n).is_err());
        n["state"] = json!({ "id": "response", "name": "Отклик" });
        n["resume"] = json!({ "id": "r", "age": "old" });
        assert!(spec.validate("Negotiation", &n).is_err());
        // A collection's item has more to it than a negotiation: its actions, url, ...
        n["resume"] = json!(null);
        let page = json!({ "items": [n], "found": 1, "page": 0, "pages": 1, "per_page": 20, "ordered_by": ordered_by });
        assert!(spec.validate("NegotiationsPage", &page).is_err());
    }

    #[test]
    fn exchanges_are_judged_by_their_operation() {
        let spec = Spec::load_default().unwrap();
        let ex = |operation, status, body: &str| Exchange {
            method: "PUT".into(),
            path: "/negotiations/consider/1".into(),
            query: None,
            operation,
            status,
            content_type: None,
            body: body.as_bytes().to_vec(),
            request_body: Vec::new(),
        };
        assert!(
            spec.check(&ex(Some("perform_negotiation_action"), 204, ""))
                .is_ok()
        );
        assert!(
            spec.check(&ex(Some("perform_negotiation_action"), 204, "{}"))
                .is_err()
        );
        assert!(
            spec.check(&ex(Some("perform_negotiation_action"), 200, "{}"))
                .is_err()
        );
        let error =
            r#"{"errors":[{"type":"negotiations","value":"wrong_state"}],"request_id":"r"}"#;
        assert!(
            spec.check(&ex(Some("perform_negotiation_action"), 403, error))
                .is_ok()
        );
        assert!(
            spec.check(&ex(None, 404, r#"{"errors":[{"value":"x"}]}"#))
                .is_err()
        );
        assert!(spec.check(&ex(Some("get_me"), 200, "{\"id\": 1")).is_err());
    }
}
