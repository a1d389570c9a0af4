//! Holding answers to `spec/hh-employer.yaml` (feature `validate`): the spec's
//! `components/schemas` compiled into JSON Schema, and a check of a recorded exchange
//! against the response its operation declares.
//!
//! OpenAPI 3.0 is not quite JSON Schema: `nullable: true` is translated into allowing
//! `null`, and `$ref`s to `#/components/schemas/...` are resolved inside one document
//! that carries the spec's components.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::{Map, Value, json};

use crate::routes::COLLECTION_LIST;
use crate::state::Exchange;

/// The spec file of this workspace.
pub fn spec_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec/hh-employer.yaml")
}

/// One operation of the spec.
#[derive(Debug, Clone)]
pub struct Operation {
    pub method: String,
    pub path: String,
    pub operation_id: String,
    /// Status key (`200`, `204`, `4XX`, ...) → the schema name its JSON body has,
    /// `None` for an answer without a body.
    pub responses: HashMap<String, Option<String>>,
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
                    let schema = r
                        .pointer("/content/application~1json/schema/$ref")
                        .and_then(Value::as_str)
                        .map(|s| s.rsplit('/').next().unwrap_or(s).to_string());
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

    fn validator(&self, schema: &str) -> Result<std::sync::Arc<jsonschema::Validator>, String> {
        let mut cache = self.validators.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(v) = cache.get(schema) {
            return Ok(v.clone());
        }
        let mut root = self.components.clone();
        root["$ref"] = Value::String(format!("#/components/schemas/{schema}"));
        let v = jsonschema::options()
            .should_validate_formats(false)
            .build(&root)
            .map_err(|e| format!("schema {schema} does not compile: {e}"))?;
        let v = std::sync::Arc::new(v);
        cache.insert(schema.to_string(), v.clone());
        Ok(v)
    }

    /// Validates `instance` against the named schema; the errors say where and why.
    pub fn validate(&self, schema: &str, instance: &Value) -> Result<(), Vec<String>> {
        let v = self.validator(schema).map_err(|e| vec![e])?;
        let errors: Vec<String> = v
            .iter_errors(instance)
            .map(|e| format!("{schema} at `{}`: {e}", e.instance_path()))
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
        if ex.status >= 400 {
            return self.validate("Error", &body_json()?).map_err(context);
        }
        let op = match ex.operation {
            Some(COLLECTION_LIST) => {
                return self
                    .validate("NegotiationsPage", &body_json()?)
                    .map_err(context);
            }
            Some(op) => self
                .operation(op)
                .ok_or_else(|| vec![format!("{what}: operation {op} is not in the spec")])?,
            None => return Err(vec![format!("{what}: a success no operation answered")]),
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
            Some(schema) => self.validate(schema, &body_json()?).map_err(context),
            None if ex.body.is_empty() => Ok(()),
            None => Err(vec![format!(
                "{what}: {} declares no body for {status}",
                op.operation_id
            )]),
        }
    }
}

/// Translates OpenAPI 3.0 schema objects into JSON Schema: `nullable: true` becomes
/// "or null", everything else is kept (`$ref`s stay pointing into components).
pub fn to_json_schema(schema: &Value) -> Value {
    match schema {
        Value::Array(items) => Value::Array(items.iter().map(to_json_schema).collect()),
        Value::Object(map) => {
            let mut out: Map<String, Value> = map
                .iter()
                .filter(|(k, _)| k.as_str() != "nullable" && k.as_str() != "example")
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
                match out.get("type").cloned() {
                    Some(Value::String(t)) => {
                        out.insert("type".into(), json!([t, "null"]));
                        if let Some(Value::Array(values)) = out.get_mut("enum") {
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
            }
        });
        let t = to_json_schema(&s);
        assert_eq!(t["properties"]["a"]["type"], json!(["string", "null"]));
        assert_eq!(t["properties"]["b"]["anyOf"][1], json!({ "type": "null" }));
        assert!(t["properties"]["b"]["anyOf"][0].get("nullable").is_none());
    }

    #[test]
    fn the_spec_compiles_and_judges() {
        let spec = Spec::load_default().unwrap();
        assert!(spec.operation("get_negotiation").is_some());
        assert!(
            spec.validate("IdName", &json!({ "id": "1", "name": "x" }))
                .is_ok()
        );
        assert!(spec.validate("IdName", &json!({ "id": 1 })).is_err());
        let page = json!({ "items": [], "found": 0, "page": 0, "pages": 1, "per_page": 20, "ordered_by": null });
        assert!(spec.validate("NegotiationsPage", &page).is_ok());
        // It does catch what is wrong, deep inside too.
        let mut n = json!({
            "id": "1", "state": { "id": "response", "name": "Отклик" },
            "created_at": "x", "updated_at": "x", "has_updates": true, "resume": null,
        });
        assert!(spec.validate("Negotiation", &n).is_ok());
        n["state"] = json!({ "id": "response" });
        assert!(spec.validate("Negotiation", &n).is_err());
        n["state"] = json!({ "id": "response", "name": "Отклик" });
        n["resume"] = json!({ "id": "r", "age": "old" });
        assert!(spec.validate("Negotiation", &n).is_err());
        let page = json!({ "items": [n], "found": 1, "page": 0, "pages": 1, "per_page": 20 });
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
