//! The tools: one table of every tool, each defined beside its handler in its domain's
//! file ([`vacancies`], [`negotiations`], [`chats`], [`resumes`], [`statistics`]): name (the interface; keep them),
//! title, description, schemas, what it touches, and the function that runs it.
//!
//! stdio, HTTP and the `hh-mcp call` command all go through [`call`], so a tool behaves
//! the same for an agent and for a person.

pub mod chats;
pub mod live;
pub mod negotiations;
pub mod resumes;
pub mod statistics;
pub mod vacancies;

use std::sync::Arc;

use rmcp::handler::server::common::{schema_for_input, schema_for_output};
use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use futures::future::BoxFuture;

use crate::failure::ToolFailure;
use crate::plan::Plan;
use crate::session::Session;

/// How a tool touches the world.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Only reads.
    Read,
    /// Changes something on hh.ru that no person is told about (marking read).
    Quiet,
    /// Reaches a real person: an invitation, a message, a state change.
    ReachesPerson,
}

/// A running tool call.
pub type Run<'a> = BoxFuture<'a, Result<Reply, ToolFailure>>;

/// A call's JSON arguments, with the tool's name for the errors that parsing them gives.
pub struct Arguments {
    tool: &'static str,
    value: Value,
}

impl Arguments {
    /// The arguments as the tool's own type; an error names the tool and the argument.
    pub fn parse<T: serde::de::DeserializeOwned>(self) -> Result<T, ToolFailure> {
        crate::args::parse(self.tool, self.value).map_err(ToolFailure)
    }
}

pub struct ToolSpec {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub effect: Effect,
    input: fn() -> Result<Arc<JsonObject>, String>,
    output: fn() -> Arc<JsonObject>,
    /// Parses the arguments (naming the tool in any error) and runs the workflow.
    run: fn(&Session, Arguments) -> Run<'_>,
}

fn spec<I: JsonSchema + 'static, O: JsonSchema + 'static>(
    name: &'static str,
    title: &'static str,
    effect: Effect,
    description: &'static str,
    run: fn(&Session, Arguments) -> Run<'_>,
) -> ToolSpec {
    ToolSpec {
        name,
        title,
        description,
        effect,
        input: input_schema::<I>,
        output: output_schema::<O>,
        run,
    }
}

/// The tools by domain: a toolset's name stands for all of its tools wherever a tool
/// subset is named (`--tools`, `HH_MCP_TOOLS`, `X-MCP-Tools`), so a user loads only what
/// they need.
pub fn toolsets() -> Vec<(&'static str, Vec<&'static str>)> {
    let names = |tools: Vec<ToolSpec>| tools.iter().map(|t| t.name).collect();
    vec![
        ("vacancies", names(vacancies::tools())),
        ("negotiations", names(negotiations::tools())),
        ("chats", names(chats::tools())),
        ("resumes", names(resumes::tools())),
        ("statistics", names(statistics::tools())),
        ("live", names(live::tools())),
    ]
}

/// Every tool, in the order they are listed: the reading tools first, then the acting
/// ones, each group in the order of a recruiter's day (vacancies, negotiations, chats,
/// then sourcing: resume search, history, comments).
pub fn specs() -> Vec<ToolSpec> {
    let mut all = vacancies::tools();
    all.extend(negotiations::tools());
    all.extend(chats::tools());
    all.extend(resumes::tools());
    all.extend(statistics::tools());
    all.extend(live::tools());
    all.sort_by_key(|t| t.effect != Effect::Read);
    all
}

fn input_schema<I: JsonSchema + 'static>() -> Result<Arc<JsonObject>, String> {
    schema_for_input::<I>().map(|s| Arc::new(compact(&standard_formats(&s))))
}

/// An input schema as short as it can say the same: every agent's context pays for it
/// on every `tools/list`. No `$schema` (2020-12 is MCP's default dialect), definitions
/// inlined without their generic descriptions, optional fields without a `null`
/// alternative (leaving a field out says it), and no default that only means "absent".
fn compact(schema: &JsonObject) -> JsonObject {
    let defs = schema
        .get("$defs")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut schema = schema.clone();
    schema.remove("$defs");
    schema.remove("$schema");
    compact_node(&mut schema, &defs, 0);
    schema
}

/// Our argument types nest a few levels; the bound only stops a recursive definition.
const MAX_SCHEMA_DEPTH: usize = 32;

fn compact_node(map: &mut JsonObject, defs: &JsonObject, depth: usize) {
    if depth > MAX_SCHEMA_DEPTH {
        return;
    }
    let null = serde_json::json!({"type": "null"});
    if let Some(Value::Array(alternatives)) = map.get("anyOf") {
        let mut rest: Vec<Value> = alternatives
            .iter()
            .filter(|a| **a != null)
            .cloned()
            .collect();
        if rest.len() == 1
            && let Some(Value::Object(only)) = rest.pop()
        {
            map.remove("anyOf");
            merge_under(map, only);
        }
    }
    while let Some(Value::String(reference)) = map.get("$ref").cloned() {
        let Some(Value::Object(def)) = reference
            .strip_prefix("#/$defs/")
            .and_then(|name| defs.get(name))
        else {
            break;
        };
        map.remove("$ref");
        let mut def = def.clone();
        def.remove("description");
        merge_under(map, def);
    }
    if let Some(Value::Array(types)) = map.get("type") {
        let rest: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
        if rest.len() == 1 {
            map.insert("type".into(), rest[0].clone());
        }
    }
    let absent = |v: &Value| {
        *v == Value::Bool(false)
            || v.as_object().is_some_and(|o| o.is_empty())
            || v.as_array().is_some_and(|a| a.is_empty())
    };
    if map.get("default").is_some_and(absent) {
        map.remove("default");
    }
    // A count's lower bound: every count is a whole number, and its description gives
    // the range where there is one.
    if map.get("type").is_some_and(|t| t == "integer") && map.get("minimum") == Some(&0.into()) {
        map.remove("minimum");
    }
    for value in map.values_mut() {
        compact_value(value, defs, depth + 1);
    }
}

fn compact_value(value: &mut Value, defs: &JsonObject, depth: usize) {
    match value {
        Value::Object(map) => compact_node(map, defs, depth),
        Value::Array(items) => items.iter_mut().for_each(|v| compact_value(v, defs, depth)),
        _ => {}
    }
}

/// Adds what `map` does not say itself: the field's own description wins.
fn merge_under(map: &mut JsonObject, from: JsonObject) {
    for (k, v) in from {
        map.entry(k).or_insert(v);
    }
}

fn output_schema<O: JsonSchema + 'static>() -> Arc<JsonObject> {
    Arc::new(standard_formats(&schema_for_output::<O>()))
}

/// The `format` values JSON Schema (2020-12) defines. schemars adds its own for Rust's
/// integer types (`uint32`, `int64`, …), which strict validators refuse; the range they
/// mean is already in `minimum`/`maximum`.
pub const STANDARD_FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "duration",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uuid",
    "uri-template",
    "json-pointer",
    "relative-json-pointer",
    "regex",
];

/// The schema without any `format` JSON Schema does not define.
fn standard_formats(schema: &JsonObject) -> JsonObject {
    fn strip(map: &mut JsonObject) {
        let odd = map
            .get("format")
            .and_then(Value::as_str)
            .is_some_and(|f| !STANDARD_FORMATS.contains(&f));
        if odd {
            map.remove("format");
        }
        map.values_mut().for_each(walk);
    }
    fn walk(value: &mut Value) {
        match value {
            Value::Object(map) => strip(map),
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    let mut schema = schema.clone();
    strip(&mut schema);
    schema
}

impl ToolSpec {
    /// The MCP tool definition, with annotations that say what it touches.
    pub fn tool(&self) -> Result<Tool, String> {
        let input = (self.input)().map_err(|e| format!("{}: {e}", self.name))?;
        // Only what differs from MCP's defaults or means something: the title is the
        // tool's own `title`; `openWorldHint` is true by default; `destructiveHint` and
        // `idempotentHint` mean something only for a tool that is not read-only.
        let annotations = match self.effect {
            Effect::Read => ToolAnnotations::new().read_only(true),
            acting => ToolAnnotations::new()
                .read_only(false)
                .destructive(acting == Effect::ReachesPerson)
                .idempotent(acting != Effect::ReachesPerson),
        };
        Ok(Tool::new(self.name, self.description, input)
            .with_title(self.title)
            .with_raw_output_schema((self.output)())
            .with_annotations(annotations))
    }
}

/// The tools this server offers: with `read_only`, the acting ones are not there at all.
pub fn tools(read_only: bool) -> Vec<Tool> {
    specs()
        .iter()
        .filter(|s| !read_only || s.effect == Effect::Read)
        .map(|s| s.tool().expect("tool schemas are built from our own types"))
        .collect()
}

/// What a call produced.
pub enum Reply {
    /// The result, as structured content.
    Done(Value),
    /// An acting tool's plan, waiting for the confirmation policy. `confirmed_by_caller`
    /// is the call's own `confirm: true`.
    Plan {
        plan: Box<Plan>,
        confirmed_by_caller: bool,
    },
}

fn done<T: Serialize>(v: T) -> Result<Reply, ToolFailure> {
    serde_json::to_value(v)
        .map(Reply::Done)
        .map_err(|e| ToolFailure(format!("could not write the result: {e}")))
}

/// An acting tool's plan, for the one place that decides whether to ask ([`crate::confirm`]).
fn planned(plan: Plan, confirmed_by_caller: bool) -> Result<Reply, ToolFailure> {
    Ok(Reply::Plan {
        plan: Box::new(plan),
        confirmed_by_caller,
    })
}

/// Runs a tool by name. Unknown names and tools switched off by read-only mode are
/// refused here too, not only left out of the list.
pub async fn call(
    s: &Session,
    read_only: bool,
    name: &str,
    arguments: Value,
) -> Result<Reply, ToolFailure> {
    let Some(spec) = specs().into_iter().find(|t| t.name == name) else {
        return Err(ToolFailure(format!(
            "there is no tool `{}`; `tools/list` names them",
            name.chars().take(64).collect::<String>()
        )));
    };
    if read_only && spec.effect != Effect::Read {
        return Err(ToolFailure(format!(
            "`{name}` changes things on hh.ru and this server runs read-only (--read-only / HH_MCP_READ_ONLY)"
        )));
    }
    let arguments = Arguments {
        tool: spec.name,
        value: arguments,
    };
    (spec.run)(s, arguments).await
}
