//! hh.ru's own examples decode into our types. For every operation of `spec/hh-derived.yaml`
//! (our description, derived from hh.ru's) that answers JSON, every example hh.ru's
//! description (`../shared/hh-openapi/hh-openapi.yml`, read at run time) gives for its 2xx
//! answers (the media type's `example` and `examples`, `$ref`s into `components/examples`,
//! the schema's own `example` and its variants') deserializes into the type the generated
//! client returns for it; so does a value built from each variant of a `oneOf`/`anyOf` (the
//! four `/me` profiles, the two token answers), and from the schema when it has none.
//!
//! Which type that is comes from progenitor's own output: `cargo xtask codegen` writes the
//! table (`generated/decoders.rs`), so an operation added to the description is checked
//! at once, and one the table lacks fails the test.

mod official;

use hh_api::types;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

type Decode = fn(&Value) -> Result<(), String>;

/// Decodes as serde would decode hh's answer; the error names the line of the example
/// (pretty-printed) where it stopped, and shows it.
fn decode<T: DeserializeOwned>(value: &Value) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).expect("a value prints");
    serde_json::from_str::<T>(&text).map(|_| ()).map_err(|e| {
        let line = e.line();
        let shown: Vec<String> = text
            .lines()
            .enumerate()
            .skip(line.saturating_sub(4))
            .take(5)
            .map(|(i, l)| format!("{:>5} {l}", i + 1))
            .collect();
        format!("{e}\n{}", shown.join("\n"))
    })
}

// Generated: one `push` per operation, each behind its feature.
#[rustfmt::skip]
#[allow(clippy::vec_init_then_push)]
#[path = "generated/decoders.rs"]
mod decoders;

/// hh's one spelled-out collection, `GET /negotiations/response`, is no operation of ours
/// (the client follows `collections[].url`; see spec/README.md), but its page is read as
/// the collection's list is: with the type `NegotiationsPage`.
const FOLLOWED: &[(&str, &str, Decode)] = &[(
    "get",
    "/negotiations/response",
    decode::<types::NegotiationsPage>,
)];

fn our_spec() -> &'static Value {
    static OURS: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    OURS.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../spec/hh-derived.yaml");
        let text = std::fs::read_to_string(path).expect("spec/hh-derived.yaml is readable");
        serde_norway::from_str(&text).expect("spec/hh-derived.yaml is YAML")
    })
}

/// What the walk covered, and what did not decode (or had no decoder).
#[derive(Default, Debug)]
struct Report {
    operations: Vec<String>,
    /// Operations of ours hh's description does not have (the invite, at a dynamic path).
    not_in_hh: Vec<String>,
    examples: usize,
    instances: usize,
    failures: Vec<String>,
    /// Operations behind a Cargo feature this build leaves out.
    left_out: Vec<String>,
}

/// A value to decode, with what it is (`examples.X (#/components/examples/X)`).
type Sample = (String, Value);

/// hh's samples of one JSON answer; the second list is built from the schema.
fn samples(off: &Value, media: &Value) -> (Vec<Sample>, Vec<Sample>) {
    let mut examples = Vec::new();
    if let Some(e) = media.get("example") {
        examples.push(("example".to_string(), e.clone()));
    }
    for (name, e) in media
        .get("examples")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let reference = e.get("$ref").and_then(Value::as_str).unwrap_or("inline");
        let e = official::resolve(off, e);
        if let Some(value) = e.get("value") {
            examples.push((format!("examples.{name} ({reference})"), value.clone()));
        }
    }
    let schema = media.get("schema").cloned().unwrap_or(json!({}));
    let resolved = official::resolve(off, &schema);
    // hh writes some schemas' examples as a `$ref` to a named example's value.
    if let Some(e) = resolved.get("example") {
        examples.push((
            "the schema's example".into(),
            official::resolve(off, e).clone(),
        ));
    }
    let mut instances = Vec::new();
    let variants: Vec<&Value> = ["oneOf", "anyOf"]
        .iter()
        .filter_map(|k| resolved.get(*k).and_then(Value::as_array))
        .flatten()
        .collect();
    let discriminator = resolved["discriminator"]["propertyName"].as_str();
    let mapping = resolved["discriminator"]["mapping"].as_object();
    for variant in &variants {
        let name = variant
            .get("$ref")
            .and_then(Value::as_str)
            .unwrap_or("inline")
            .to_string();
        let v = official::resolve(off, variant);
        if let Some(e) = v.get("example") {
            examples.push((
                format!("the example of variant {name}"),
                official::resolve(off, e).clone(),
            ));
        }
        let mut instance = official::instance(off, variant);
        // The variant's own discriminator value, as hh sends it.
        if let (Some(property), Some(mapping)) = (discriminator, mapping)
            && let Some((value, _)) = mapping
                .iter()
                .find(|(_, target)| target.as_str() == Some(&name))
        {
            instance[property] = json!(value);
        }
        instances.push((format!("a value of variant {name}"), instance));
    }
    if variants.is_empty() {
        instances.push((
            "a value built from the schema".into(),
            official::instance(off, &schema),
        ));
    }
    (examples, instances)
}

/// Decodes hh's samples of one operation's success answers with `decode`.
fn check_operation(off: &Value, label: &str, hh_op: &Value, decode: Decode, report: &mut Report) {
    report.operations.push(label.to_string());
    for (status, response) in hh_op["responses"].as_object().into_iter().flatten() {
        if !status.starts_with('2') {
            continue;
        }
        let Some(media) = official::json_media(official::resolve(off, response)) else {
            continue;
        };
        let (examples, instances) = samples(off, media);
        for (what, value) in &examples {
            match decode(value) {
                Ok(()) => report.examples += 1,
                Err(e) => report.failures.push(format!(
                    "{label} {status}: hh's {what} does not decode: {e}"
                )),
            }
        }
        for (what, value) in &instances {
            match decode(value) {
                Ok(()) => report.instances += 1,
                Err(e) => report
                    .failures
                    .push(format!("{label} {status}: {what} does not decode: {e}")),
            }
        }
    }
}

/// Every operation of `ours` answering JSON (and [`FOLLOWED`]) against hh's samples, with
/// the decoders of `table`.
fn walk(ours: &Value, off: &Value, table: &[(&str, Decode)]) -> Report {
    let mut report = Report::default();
    for (path, method, op) in official::operations(ours) {
        let label = format!("{} {path}", method.to_uppercase());
        let answers_json = op["responses"]
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(status, _)| status.starts_with('2'))
            .any(|(_, r)| official::json_media(official::resolve(ours, r)).is_some());
        if !answers_json {
            continue;
        }
        let id = op["operationId"].as_str().unwrap_or_default();
        if decoders::left_out().contains(&id) {
            report.left_out.push(label);
            continue;
        }
        let Some(&(_, decode)) = table.iter().find(|(op_id, _)| *op_id == id) else {
            report.failures.push(format!(
                "{label}: the decoder table has no `{id}` (run `cargo xtask codegen`)"
            ));
            continue;
        };
        let Some((_, hh_op)) = official::operation_like(off, method, path) else {
            report.not_in_hh.push(label);
            continue;
        };
        check_operation(off, &label, hh_op, decode, &mut report);
    }
    for (method, path, decode) in FOLLOWED {
        let hh_op = official::operation(off, path, method);
        let label = format!("{} {path} (followed)", method.to_uppercase());
        check_operation(off, &label, hh_op, *decode, &mut report);
    }
    report
}

#[test]
fn hhs_examples_decode_into_our_types() {
    let Some(off) = official::official() else {
        return;
    };
    let report = walk(our_spec(), off, &decoders::answers());
    println!(
        "hh.ru's examples against our types: {} operations covered, {} examples and {} values built from hh's schemas decoded; not in hh.ru's description: {:?}",
        report.operations.len(),
        report.examples,
        report.instances,
        report.not_in_hh
    );
    assert!(
        report.failures.is_empty(),
        "{} failures:\n{}",
        report.failures.len(),
        report.failures.join("\n\n")
    );
    // The tests see the whole API (hh-api's dev-dependency on itself turns on `full`).
    assert_eq!(report.left_out, Vec::<String>::new());
    // Every operation answering JSON is hh's, and hh gives examples for most: a walk that
    // found few read nothing.
    assert!(report.operations.len() >= 90, "{report:?}");
    assert!(report.examples >= 60, "{report:?}");
    assert_eq!(report.not_in_hh, Vec::<String>::new());
}

/// The walk does fail: hh's example doctored (a negotiation's id a number), and an
/// operation the decoder table does not know.
#[test]
fn a_doctored_example_and_an_unknown_operation_fail() {
    let Some(off) = official::official() else {
        return;
    };
    let ours = json!({"paths": {"/negotiations/{id}": {"get": {
        "operationId": "get_negotiation",
        "responses": {"200": {
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Negotiation"}}},
        }},
    }}}});
    assert!(
        walk(&ours, off, &decoders::answers()).failures.is_empty(),
        "hh's own example decodes"
    );

    let mut doctored = off.clone();
    let example =
        &mut doctored["components"]["examples"]["NegotiationsEmployerNegotiationItem"]["value"];
    assert!(
        example["id"].is_string(),
        "hh's example names its negotiation"
    );
    example["id"] = json!(123);
    let failures = walk(&ours, &doctored, &decoders::answers()).failures;
    assert_eq!(failures.len(), 1, "{failures:#?}");
    assert!(
        failures[0].contains("NegotiationsEmployerNegotiationItem"),
        "{}",
        failures[0]
    );
    assert!(
        failures[0].contains("invalid type: integer `123`"),
        "{}",
        failures[0]
    );

    let failures = walk(&ours, off, &[]).failures;
    assert_eq!(
        failures,
        [
            "GET /negotiations/{id}: the decoder table has no `get_negotiation` (run `cargo xtask codegen`)"
        ]
    );
}
