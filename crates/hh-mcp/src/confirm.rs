//! A person stays in control of actions that reach a person.
//!
//! - `HH_MCP_CONFIRM=never`: the client confirms on its own; plans are executed.
//! - Otherwise, when the MCP client can show a form (elicitation), the server asks the
//!   user there, whatever the call says — an agent cannot skip the question.
//! - A client without elicitation (or the command line) gets a preview; the call is
//!   repeated with `confirm: true` once the user has approved it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::plan::Plan;
use crate::view::ActionOutcome;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmPolicy {
    /// Ask the user (elicitation) or preview until `confirm: true`.
    Ask,
    /// Never ask: the MCP client already confirms every tool call.
    Never,
}

impl ConfirmPolicy {
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "" | "ask" => Ok(ConfirmPolicy::Ask),
            "never" => Ok(ConfirmPolicy::Never),
            other => Err(format!(
                "HH_MCP_CONFIRM must be `ask` or `never`, not `{other}`"
            )),
        }
    }
}

/// What to do with a plan: the one decision every door (stdio, HTTP, `hh-mcp call`) takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Send it now.
    Execute,
    /// Ask the user through the client's form.
    Ask,
    /// Send nothing; show the preview, to be repeated with `confirm: true`.
    Preview,
}

/// `can_ask`: the client can show a form now. When it can, the user is asked whatever the
/// call says; an agent's `confirm: true` counts only where nobody can be asked.
pub fn decide(policy: ConfirmPolicy, can_ask: bool, confirmed_by_caller: bool) -> Decision {
    match (policy, can_ask, confirmed_by_caller) {
        (ConfirmPolicy::Never, _, _) => Decision::Execute,
        (ConfirmPolicy::Ask, true, _) => Decision::Ask,
        (ConfirmPolicy::Ask, false, true) => Decision::Execute,
        (ConfirmPolicy::Ask, false, false) => Decision::Preview,
    }
}

/// The note on a preview for a caller that cannot be asked directly.
pub const PREVIEW_NOTE: &str = "Nothing was sent. Show this preview to the user; if they approve it \
    exactly as it is, call the same tool again with the same arguments and `confirm: true`.";

/// The question put to the user, naming what goes to whom.
pub fn question(preview: &ActionOutcome) -> String {
    let mut text = format!("Send `{}` on hh.ru", preview.action);
    if let Some(who) = &preview.recipient {
        text.push_str(&format!(" to {who}"));
    }
    if let Some(id) = &preview.negotiation_id {
        text.push_str(&format!(" (negotiation {id})"));
    }
    if let Some(state) = &preview.moves_to {
        text.push_str(&format!(", moving it to «{}»", state.name));
    }
    if let Some(sub) = &preview.sub_action {
        text.push_str(&format!(" («{}»)", sub.name));
    }
    text.push('?');
    if let Some(cost) = &preview.cost {
        text.push_str(&format!("\n{cost}"));
    }
    for (k, v) in &preview.arguments {
        if matches!(k.as_str(), "resume_id" | "vacancy_id" | "idempotency_key") {
            continue;
        }
        text.push_str(&format!("\n{k}: {v}"));
    }
    text
}

/// The form shown to the user: one yes/no field.
pub fn form_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "confirm": {
                "type": "boolean",
                "title": "Send it",
                "description": "Yes: send this to hh.ru now. No: send nothing."
            }
        },
        "required": ["confirm"]
    })
}

/// Whether the user's answer to the form approves sending.
pub fn approved(action: &rmcp::model::ElicitationAction, content: Option<&Value>) -> bool {
    matches!(action, rmcp::model::ElicitationAction::Accept)
        && content
            .and_then(|c| c.get("confirm"))
            .and_then(Value::as_bool)
            == Some(true)
}

/// Plans waiting for the user's answer (the 2026-07-28 protocol's input-required round trip).
/// The plan stays here; the client only echoes an opaque key, so it cannot alter what is sent.
#[derive(Default)]
pub struct PendingPlans {
    plans: Mutex<HashMap<String, (String, Plan, Instant)>>,
}

/// A question not answered in this time is forgotten, and nothing is sent.
const PENDING_TTL: Duration = Duration::from_secs(15 * 60);
/// At most this many questions wait at once; older ones are dropped first.
const MAX_PENDING: usize = 64;

impl PendingPlans {
    pub fn put(&self, tool: &str, plan: Plan) -> String {
        let key = format!("hh-mcp-confirm-{:032x}", rand::random::<u128>());
        let mut plans = self.plans.lock().unwrap_or_else(|p| p.into_inner());
        plans.retain(|_, (_, _, at)| at.elapsed() < PENDING_TTL);
        while plans.len() >= MAX_PENDING {
            let oldest = plans
                .iter()
                .min_by_key(|(_, (_, _, at))| *at)
                .map(|(k, _)| k.clone());
            match oldest {
                Some(k) => plans.remove(&k),
                None => break,
            };
        }
        plans.insert(key.clone(), (tool.to_string(), plan, Instant::now()));
        key
    }

    /// Takes the plan back, once, if it belongs to this tool and has not expired.
    pub fn take(&self, tool: &str, key: &str) -> Option<Plan> {
        let mut plans = self.plans.lock().unwrap_or_else(|p| p.into_inner());
        let (owner, plan, at) = plans.remove(key)?;
        (owner == tool && at.elapsed() < PENDING_TTL).then_some(plan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmcp::model::ElicitationAction;

    #[test]
    fn policy_parses() {
        assert_eq!(ConfirmPolicy::parse("never").unwrap(), ConfirmPolicy::Never);
        assert_eq!(ConfirmPolicy::parse("").unwrap(), ConfirmPolicy::Ask);
        assert!(
            ConfirmPolicy::parse("sometimes")
                .unwrap_err()
                .contains("HH_MCP_CONFIRM")
        );
    }

    #[test]
    fn the_user_is_asked_whenever_the_client_can_ask() {
        use ConfirmPolicy::{Ask, Never};
        use Decision::{Execute, Preview};
        assert_eq!(
            decide(Ask, true, true),
            Decision::Ask,
            "an agent's confirm skips no question"
        );
        assert_eq!(decide(Ask, true, false), Decision::Ask);
        assert_eq!(decide(Ask, false, true), Execute);
        assert_eq!(decide(Ask, false, false), Preview);
        for (can_ask, confirmed) in [(true, true), (true, false), (false, true), (false, false)] {
            assert_eq!(decide(Never, can_ask, confirmed), Execute);
        }
    }

    #[test]
    fn only_an_explicit_yes_approves() {
        assert!(approved(
            &ElicitationAction::Accept,
            Some(&json!({"confirm": true}))
        ));
        assert!(!approved(
            &ElicitationAction::Accept,
            Some(&json!({"confirm": false}))
        ));
        assert!(!approved(&ElicitationAction::Accept, Some(&json!({}))));
        assert!(!approved(&ElicitationAction::Accept, None));
        assert!(!approved(
            &ElicitationAction::Decline,
            Some(&json!({"confirm": true}))
        ));
        assert!(!approved(&ElicitationAction::Cancel, None));
    }

    #[test]
    fn a_pending_plan_is_taken_once_and_only_by_its_tool() {
        let pending = PendingPlans::default();
        let plan = || Plan::Message {
            chat_id: "1".into(),
            key: hh_api::IdempotencyKey::random(),
            content: hh_api::ChatContent::Text {
                text: "hi".into(),
                automated: true,
            },
            outcome: crate::plan::outcome("message"),
        };
        let key = pending.put("send_message", plan());
        assert!(
            pending.take("invite_applicant", &key).is_none(),
            "wrong tool"
        );
        let key = pending.put("send_message", plan());
        assert!(pending.take("send_message", &key).is_some());
        assert!(pending.take("send_message", &key).is_none(), "only once");
        assert!(pending.take("send_message", "made-up").is_none());
    }
}
