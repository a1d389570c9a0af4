//! The differences from hh.ru's description that we mean, read from the files that say so:
//! `spec/deliberate-differences.yaml` (each entry with its reason) and the parts of
//! `spec/overlay.yaml` a conformance test needs — the operations it moves to another path,
//! and the phrases by which hh.ru retires an operation in its text. The tests honour the
//! same entries `cargo xtask spec-diff` and `cargo xtask spec import` do.

use std::path::PathBuf;
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::Value;

fn spec_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../spec")
}

fn load(file: &str) -> Value {
    let path = spec_dir().join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

/// An entry of `spec/deliberate-differences.yaml`. `method` and `path` may be `*`; `what` may
/// hold `*`, which stands for any text.
#[derive(Debug, Deserialize)]
pub struct Deliberate {
    pub method: String,
    pub path: String,
    pub what: String,
    pub why: String,
}

impl Deliberate {
    /// Whether this entry explains `what` of the operation `method path` (any placeholder
    /// names: `/negotiations/{nid}` is `/negotiations/{id}`).
    pub fn covers(&self, method: &str, path: &str, what: &str) -> bool {
        (self.method == "*" || self.method.eq_ignore_ascii_case(method))
            && (self.path == "*" || super::blank(&self.path) == super::blank(path))
            && glob(&self.what, what)
    }
}

/// `pattern` with `*` standing for any run of characters, matched against the whole of `text`.
pub fn glob(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let mut parts: Vec<&str> = parts.collect();
    let Some(last) = parts.pop() else {
        return rest.is_empty();
    };
    for part in parts {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// Every entry of `spec/deliberate-differences.yaml`.
pub fn entries() -> &'static [Deliberate] {
    static ENTRIES: OnceLock<Vec<Deliberate>> = OnceLock::new();
    ENTRIES.get_or_init(|| {
        serde_json::from_value(load("deliberate-differences.yaml")).unwrap_or_else(|e| {
            panic!("spec/deliberate-differences.yaml: expected a list of {{method, path, what, why}}: {e}")
        })
    })
}

/// The entry that explains `what` of `method path`, if any.
pub fn explained(method: &str, path: &str, what: &str) -> Option<&'static Deliberate> {
    entries().iter().find(|e| e.covers(method, path, what))
}

/// The phrases (lower case) by which hh.ru's text retires an operation (`retired.markers`).
pub fn retired_markers() -> &'static [String] {
    static MARKERS: OnceLock<Vec<String>> = OnceLock::new();
    MARKERS.get_or_init(|| {
        let overlay = load("overlay.yaml");
        let markers: Vec<String> = overlay["retired"]["markers"]
            .as_array()
            .expect("spec/overlay.yaml has retired.markers")
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_lowercase)
            .collect();
        assert!(
            !markers.is_empty(),
            "spec/overlay.yaml lists no retired.markers"
        );
        markers
    })
}

/// An operation the overlay moves: hh.ru's `method from` is ours at `to`
/// (`POST /negotiations/phone_interview` is the invite at `/negotiations/{id}`).
#[derive(Debug)]
pub struct Moved {
    /// Lower case.
    pub method: String,
    pub from: String,
    pub to: String,
}

/// The overlay's `corrections` with `move_to`.
pub fn moved_operations() -> Vec<Moved> {
    let overlay = load("overlay.yaml");
    overlay["corrections"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| {
            let to = c["move_to"].as_str()?;
            let (method, from) = c["operation"].as_str()?.split_once(' ')?;
            Some(Moved {
                method: method.to_lowercase(),
                from: from.to_string(),
                to: to.to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn glob_matches_whole_texts() {
        assert!(glob(
            "response * field * missing",
            "response 200 field a.b missing"
        ));
        assert!(glob("a", "a"));
        assert!(!glob("a", "ab"));
        assert!(glob("*", ""));
        assert!(!glob("response * missing", "response 200 extra"));
        assert!(glob("x*x", "xx"));
        assert!(!glob("x*xx", "xx"));
    }
}
