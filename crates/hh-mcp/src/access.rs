//! Who is calling and what they may use: the request context every door hands to the
//! tool table.
//!
//! The operator's settings (`--read-only`, `--tools`) are the upper bound; a request over
//! HTTP can narrow them (`/mcp/readonly`, `X-MCP-Readonly: 1`, `X-MCP-Tools: a,b`), never
//! widen them. `tools/list` and `tools/call` both go through [`Access::allows`].

use std::collections::BTreeSet;

use crate::tools::{self, Effect};

/// Which tools a caller may see and call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Access {
    /// Only the tools that read.
    pub read_only: bool,
    /// Only these tools (by name); `None` is every tool.
    pub tools: Option<BTreeSet<String>>,
}

impl Access {
    /// A tool subset from a comma-separated list of tool names and toolsets (a domain's
    /// name: `vacancies`, `negotiations`, `chats`, `resumes`), checked against the tool
    /// table; `source` names the setting or header in the error.
    pub fn parse_tools(raw: &str, source: &str) -> Result<BTreeSet<String>, String> {
        let known: BTreeSet<&str> = tools::specs().iter().map(|s| s.name).collect();
        let toolsets = tools::toolsets();
        let mut tools = BTreeSet::new();
        for name in raw.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            if let Some((_, members)) = toolsets.iter().find(|(set, _)| *set == name) {
                tools.extend(members.iter().map(|m| m.to_string()));
                continue;
            }
            if !known.contains(name) {
                let sets: Vec<&str> = toolsets.iter().map(|(set, _)| *set).collect();
                return Err(format!(
                    "{source}: there is no tool or toolset `{}`; expected a comma-separated list \
                     of tool names from `hh-mcp tools`, or toolsets ({})",
                    name.chars().take(64).collect::<String>(),
                    sets.join(", ")
                ));
            }
            tools.insert(name.to_string());
        }
        if tools.is_empty() {
            return Err(format!(
                "{source} is set but names no tool; expected e.g. `list_vacancies,get_negotiation`"
            ));
        }
        Ok(tools)
    }

    /// This bound narrowed by a request's: read-only if either is, only the tools both allow.
    pub fn narrowed_by(&self, request: &Access) -> Access {
        let tools = match (&self.tools, &request.tools) {
            (Some(a), Some(b)) => Some(a.intersection(b).cloned().collect()),
            (Some(a), None) => Some(a.clone()),
            (None, b) => b.clone(),
        };
        Access {
            read_only: self.read_only || request.read_only,
            tools,
        }
    }

    pub fn allows(&self, name: &str, effect: Effect) -> bool {
        (!self.read_only || effect == Effect::Read)
            && self.tools.as_ref().is_none_or(|t| t.contains(name))
    }
}

/// The caller of one HTTP request, attached to the request by the HTTP door and read by
/// the tools.
#[derive(Clone)]
pub struct Caller {
    /// Who is calling, for limits, logs and sealed confirmations: the short id of an API
    /// key's digest, or of a signed-in user's account (never a key or token).
    pub key_id: String,
    /// What this request asked to be limited to (the server's bound is applied on top).
    pub access: Access,
    /// The signed-in user's own hh.ru account; `None`: the server's one account.
    pub account: Option<std::sync::Arc<crate::session::Session>>,
}

impl std::fmt::Debug for Caller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caller")
            .field("key_id", &self.key_id)
            .field("access", &self.access)
            .field("own_account", &self.account.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tools(names: &[&str]) -> Option<BTreeSet<String>> {
        Some(names.iter().map(|n| n.to_string()).collect())
    }

    #[test]
    fn a_request_narrows_and_never_widens() {
        let operator = Access {
            read_only: false,
            tools: tools(&["get_me", "send_message"]),
        };
        let request = Access {
            read_only: true,
            tools: tools(&["send_message", "list_chats"]),
        };
        let both = operator.narrowed_by(&request);
        assert_eq!(both.tools, tools(&["send_message"]));
        assert!(both.read_only);
        assert!(!both.allows("send_message", Effect::ReachesPerson));
        assert!(!both.allows("list_chats", Effect::Read), "not widened");
        let ro = Access {
            read_only: true,
            tools: None,
        };
        assert!(ro.narrowed_by(&Access::default()).read_only);
    }

    #[test]
    fn tool_lists_are_checked() {
        assert!(
            Access::parse_tools("get_me, nope", "X-MCP-Tools")
                .unwrap_err()
                .contains("X-MCP-Tools: there is no tool or toolset `nope`")
        );
        assert!(Access::parse_tools(" , ", "--tools").is_err());
        assert_eq!(
            Access::parse_tools("get_me,list_chats", "x").unwrap().len(),
            2
        );
    }

    #[test]
    fn a_toolset_stands_for_its_domains_tools() {
        let chats = Access::parse_tools("chats", "--tools").unwrap();
        let expected: BTreeSet<String> =
            ["list_messages", "list_chats", "send_message", "mark_read"]
                .iter()
                .map(|n| n.to_string())
                .collect();
        assert_eq!(chats, expected);
        let mixed = Access::parse_tools("chats, get_me", "--tools").unwrap();
        assert!(mixed.contains("get_me") && mixed.contains("send_message"));
        // Every tool is in exactly one toolset.
        let mut seen = BTreeSet::new();
        for (_, members) in tools::toolsets() {
            for m in members {
                assert!(seen.insert(m), "{m} in two toolsets");
            }
        }
        assert_eq!(seen.len(), tools::specs().len());
    }
}
