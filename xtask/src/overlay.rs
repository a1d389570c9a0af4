//! `spec/overlay.yaml`: everything we add to or change in hh.ru's description when deriving
//! ours (`spec import`), in one file. Every correction names its reason and the document it
//! rests on; summaries and type names are ours.
//!
//! Read with `deny_unknown_fields`, so a misspelt key is an error naming the file, not an
//! entry that silently does nothing.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overlay {
    /// How applicant-only operations are recognised.
    pub applicant: Applicant,
    /// How operations hh.ru retired are recognised.
    pub retired: Retired,
    /// hh.ru's tag (a Russian heading) → our domain name; an operation's domains are those of
    /// its tags, in order, without repeats.
    pub domains: BTreeMap<String, String>,
    /// `"METHOD /path"` (hh.ru's path) → our summary and, optionally, our operationId.
    #[serde(default)]
    pub operations: BTreeMap<String, OperationEntry>,
    pub types: Types,
    /// The one error schema every 4xx/5xx/default response is given.
    pub error: ErrorSchema,
    /// Parameters removed wherever they are declared.
    #[serde(default)]
    pub remove_parameters: Vec<RemoveParameter>,
    /// Targeted edits, applied in order after the renames (so they use our type names).
    #[serde(default)]
    pub corrections: Vec<Correction>,
    /// `normalize::PASSES` run on the result, by name, in this order.
    #[serde(default)]
    pub normalizations: Vec<Normalization>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Applicant {
    /// `x-tagGroups` entries whose tags are the applicant's.
    pub tag_groups: Vec<String>,
    /// Further applicant tags that no group lists.
    #[serde(default)]
    pub tags: Vec<String>,
    pub reason: String,
    pub doc: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retired {
    /// Phrases (matched case-insensitively) in an operation's summary or description that
    /// say it is retired; `deprecated: true` counts as well.
    pub markers: Vec<String>,
    pub reason: String,
    pub doc: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperationEntry {
    pub summary: Option<String>,
    pub operation_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Types {
    pub reason: String,
    pub doc: String,
    /// Our name → the hh.ru schema it renames, and its summary.
    pub names: BTreeMap<String, TypeEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeEntry {
    pub from: String,
    pub summary: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorSchema {
    pub name: String,
    pub schema: Value,
    pub reason: String,
    pub doc: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoveParameter {
    pub name: String,
    #[serde(rename = "in")]
    pub location: String,
    pub reason: String,
    pub doc: String,
}

/// One edit: at an operation (`"METHOD /path"` as it is at that point) or a schema (by our
/// name), optionally at a JSON pointer inside it; exactly one of `set`, `remove`, `move_to`,
/// `name_as`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Correction {
    pub operation: Option<String>,
    pub schema: Option<String>,
    #[serde(default)]
    pub pointer: String,
    pub set: Option<Value>,
    #[serde(default)]
    pub remove: bool,
    /// A new path template for the operation (same method).
    pub move_to: Option<String>,
    /// Gives the inline schema at `pointer` a name: it moves to `components/schemas` under
    /// this name and a `$ref` takes its place (so the generated type is ours, not
    /// `ChatsPageItemsItem`).
    pub name_as: Option<String>,
    pub reason: String,
    pub doc: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Normalization {
    pub pass: String,
    pub reason: String,
    pub doc: String,
}

/// What a correction does, once checked.
pub enum Edit<'a> {
    Set(&'a Value),
    Remove,
    MoveTo(&'a str),
    NameAs(&'a str),
}

impl Correction {
    pub fn edit(&self) -> Result<Edit<'_>> {
        match (&self.set, self.remove, &self.move_to, &self.name_as) {
            (Some(v), false, None, None) => Ok(Edit::Set(v)),
            (None, true, None, None) => Ok(Edit::Remove),
            (None, false, Some(path), None) if self.pointer.is_empty() => Ok(Edit::MoveTo(path)),
            (None, false, Some(_), None) => {
                bail!("`move_to` moves a whole operation: drop `pointer`")
            }
            (None, false, None, Some(name)) if !self.pointer.is_empty() => Ok(Edit::NameAs(name)),
            (None, false, None, Some(_)) => bail!("`name_as` names the schema at a `pointer`"),
            _ => bail!("expected exactly one of `set`, `remove: true`, `move_to`, `name_as`"),
        }
    }
}

impl Overlay {
    pub fn load(path: &Path) -> Result<Overlay> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let overlay: Overlay = serde_norway::from_str(&text)
            .with_context(|| format!("{}: not a valid overlay", path.display()))?;
        overlay
            .check()
            .with_context(|| format!("{}: invalid entry", path.display()))?;
        Ok(overlay)
    }

    /// Checks that do not need hh.ru's file: entries well formed, reasons given.
    fn check(&self) -> Result<()> {
        let mut reasons: Vec<(String, &str, &str)> = vec![
            (
                "applicant".into(),
                &self.applicant.reason,
                &self.applicant.doc,
            ),
            ("retired".into(), &self.retired.reason, &self.retired.doc),
            ("types".into(), &self.types.reason, &self.types.doc),
            ("error".into(), &self.error.reason, &self.error.doc),
        ];
        for (i, p) in self.remove_parameters.iter().enumerate() {
            reasons.push((format!("remove_parameters[{i}]"), &p.reason, &p.doc));
        }
        for (i, n) in self.normalizations.iter().enumerate() {
            reasons.push((format!("normalizations[{i}]"), &n.reason, &n.doc));
            if !crate::normalize::PASSES.iter().any(|p| p.name == n.pass) {
                bail!("normalizations[{i}].pass: no pass named `{}`", n.pass);
            }
        }
        for (i, c) in self.corrections.iter().enumerate() {
            reasons.push((format!("corrections[{i}]"), &c.reason, &c.doc));
            c.edit().with_context(|| format!("corrections[{i}]"))?;
            if c.operation.is_some() == c.schema.is_some() {
                bail!("corrections[{i}]: expected exactly one of `operation` and `schema`");
            }
        }
        for (at, reason, doc) in reasons {
            if reason.trim().is_empty() || doc.trim().is_empty() {
                bail!("{at}: every entry needs a `reason` and a `doc`");
            }
        }
        for key in self.operations.keys() {
            parse_operation_key(key).with_context(|| format!("operations.`{key}`"))?;
        }
        Ok(())
    }
}

/// `"PUT /negotiations/{id}"` → `("put", "/negotiations/{id}")`.
pub fn parse_operation_key(key: &str) -> Result<(String, String)> {
    match key.split_once(' ') {
        Some((method, path))
            if crate::spec::METHODS.contains(&method.to_ascii_lowercase().as_str())
                && path.starts_with('/') =>
        {
            Ok((method.to_ascii_lowercase(), path.to_owned()))
        }
        _ => bail!("expected `METHOD /path`, e.g. `GET /me`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_keys_are_method_and_path() {
        assert_eq!(
            parse_operation_key("PUT /negotiations/{id}").unwrap(),
            ("put".into(), "/negotiations/{id}".into())
        );
        assert!(parse_operation_key("FETCH /x").is_err());
        assert!(parse_operation_key("GET me").is_err());
    }

    #[test]
    fn a_correction_does_exactly_one_thing() {
        let c: Correction =
            serde_norway::from_str("{operation: GET /x, set: 1, remove: true, reason: r, doc: d}")
                .unwrap();
        assert!(c.edit().is_err());
        let c: Correction =
            serde_norway::from_str("{operation: GET /x, move_to: /y, reason: r, doc: d}").unwrap();
        assert!(matches!(c.edit().unwrap(), Edit::MoveTo("/y")));
    }

    #[test]
    fn the_committed_overlay_loads() {
        Overlay::load(&crate::spec::workspace_root().join("spec/overlay.yaml")).unwrap();
    }
}
