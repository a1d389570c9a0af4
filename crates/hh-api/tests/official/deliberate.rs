//! The differences from hh.ru's description that we mean. Most are `spec/overlay.yaml`'s, read
//! from it: the operations it moves to another path, and the phrases by which hh.ru retires an
//! operation in its text (as `cargo xtask spec import` reads them); a test that holds the sandbox
//! to hh's description also holds it to the derived one, hh's with the overlay applied. The rest
//! are the few places where hh.ru's description is wrong and the overlay does not correct it
//! yet, listed here with their reasons ([`UNCORRECTED`]).

use std::path::PathBuf;
use std::sync::OnceLock;

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

/// A difference from hh.ru's description, in the words the conformance tests use
/// (`param topic_id (query) extra`, `response 200 field items[].url extra`). `method` and
/// `path` may be `*`; `what` may hold `*`, which stands for any text.
#[derive(Debug)]
pub struct Deliberate {
    pub method: &'static str,
    pub path: &'static str,
    pub what: &'static str,
    pub why: &'static str,
}

impl Deliberate {
    /// Whether this entry explains `what` of the operation `method path` (any placeholder
    /// names: `/negotiations/{nid}` is `/negotiations/{id}`).
    pub fn covers(&self, method: &str, path: &str, what: &str) -> bool {
        (self.method == "*" || self.method.eq_ignore_ascii_case(method))
            && (self.path == "*" || super::blank(self.path) == super::blank(path))
            && glob(self.what, what)
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

/// Where hh.ru's description is wrong and `spec/overlay.yaml` does not (yet) say so: what we
/// send or answer is what hh does. Each is for a correction in the overlay, which would change
/// the derived description and the client generated from it.
pub const UNCORRECTED: &[Deliberate] = &[
    Deliberate {
        method: "GET",
        path: "/resumes/{resume_id}",
        what: "param topic_id (query) extra",
        why: "hh's text says a negotiation counts as viewed only when topic_id is passed, and the \
              resume url in hh's negotiation carries it; the description does not declare it.",
    },
    Deliberate {
        method: "GET",
        path: "/webhook/subscriptions",
        what: "response 200 field items[].url extra",
        why: "hh's WebhookSubscriptionItem puts `additionalProperties: false` beside the common \
              item inside `allOf`, which in JSON Schema forbids the `url` and `actions` the \
              common item requires: no answer fits it. hh answers id, url, actions.",
    },
    Deliberate {
        method: "GET",
        path: "/webhook/subscriptions",
        what: "response 200 field items[].actions extra",
        why: "As for items[].url: hh's allOf forbids what it requires.",
    },
];

/// The entry that explains `what` of `method path`, if any.
pub fn explained(method: &str, path: &str, what: &str) -> Option<&'static Deliberate> {
    UNCORRECTED.iter().find(|e| e.covers(method, path, what))
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
