//! Where a plan waits for the user's answer between the two legs of the input-required
//! round trip (protocol 2026-07-28).
//!
//! Over stdio one process serves the whole conversation, so the plan stays in that
//! process ([`PendingPlans`]). Over HTTP any replica may get the second leg. Two ways
//! make that work: a store every replica reads, or state the client carries back. We seal
//! the plan into the `requestState` the client echoes: no store exists yet, sealing needs
//! none, and the state expires by itself. The seal is rmcp's `RequestStateCodec`
//! (HMAC-SHA256 under `HH_MCP_STATE_KEY`, the same on every replica), with an expiry, and
//! bound — as associated data — to the caller's key, the tool and a digest of its
//! arguments: a client cannot alter what is sent, move it to another tool or arguments,
//! or replay another caller's confirmation. The payload is signed, not encrypted: it holds
//! only what the preview already showed the client (the action, its fields, the text).
//!
//! A sealed plan is taken once per replica (a spent-nonce list, bounded). Across replicas a
//! replay within the expiry is possible; a message still reaches the person once (it
//! carries its idempotency key, and hh keeps one message per key), and an action hh has
//! already performed is no longer offered by hh for the negotiation.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hh_api::{ChatContent, IdempotencyKey, Pairs, types};
use rmcp::model::{JsonObject, RequestStateCodec, SealOptions};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::confirm::PendingPlans;
use crate::plan::Plan;
use crate::view::ActionOutcome;

/// How long a sealed confirmation can be answered.
pub const SEALED_TTL: Duration = Duration::from_secs(10 * 60);

/// Where plans wait for their answer.
pub enum Pending {
    /// In this process (stdio: one client, one process).
    InProcess(PendingPlans),
    /// Sealed into the client's `requestState` (HTTP: any replica answers).
    Sealed(SealedPlans),
}

impl Pending {
    /// The opaque `requestState` for the plan; `binding` is [`binding`]'s bytes.
    pub fn put(&self, tool: &str, binding: &[u8], plan: Plan) -> Result<String, String> {
        match self {
            Pending::InProcess(p) => Ok(p.put(tool, plan)),
            Pending::Sealed(s) => s.seal(binding, plan),
        }
    }

    /// The plan back, once, if `key` is ours, unexpired and bound to this call.
    pub fn take(&self, tool: &str, binding: &[u8], key: &str) -> Option<Plan> {
        match self {
            Pending::InProcess(p) => p.take(tool, key),
            Pending::Sealed(s) => s.open(binding, key),
        }
    }
}

/// What a sealed confirmation is bound to: the caller, the tool and its arguments (the
/// client repeats the same call on the second leg, adding only its answer).
pub fn binding(caller: &str, tool: &str, arguments: Option<&JsonObject>) -> Vec<u8> {
    let mut args = String::new();
    canonical(
        &arguments.cloned().map(Value::Object).unwrap_or(Value::Null),
        &mut args,
    );
    let mut b = Vec::new();
    for part in [caller, tool] {
        b.extend_from_slice(&(part.len() as u64).to_be_bytes());
        b.extend_from_slice(part.as_bytes());
    }
    b.extend_from_slice(&Sha256::digest(args.as_bytes()));
    b
}

/// JSON with object keys sorted, so the same arguments always give the same digest.
fn canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                canonical(&map[k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Plans sealed with the replicas' shared key.
pub struct SealedPlans {
    codec: RequestStateCodec,
    /// Nonces of the states this replica has opened, with when; forgotten after the TTL.
    spent: Mutex<HashMap<String, Instant>>,
}

/// At most this many spent nonces are remembered (older ones expire anyway).
const MAX_SPENT: usize = 100_000;

impl SealedPlans {
    /// `key`: at least 32 bytes (`HH_MCP_STATE_KEY`).
    pub fn new(key: &[u8]) -> Result<SealedPlans, String> {
        let codec = RequestStateCodec::try_new(key.to_vec()).map_err(|e| {
            format!("HH_MCP_STATE_KEY: {e}; generate one with `openssl rand -hex 32`")
        })?;
        Ok(SealedPlans {
            codec,
            spent: Mutex::new(HashMap::new()),
        })
    }

    fn seal(&self, binding: &[u8], plan: Plan) -> Result<String, String> {
        let state = State {
            nonce: format!("{:032x}", rand::random::<u128>()),
            plan: SealedPlan::from(plan),
        };
        self.codec
            .seal_json_with(
                &state,
                &SealOptions::new().associated_data(binding).ttl(SEALED_TTL),
            )
            .map_err(|e| format!("could not seal the confirmation: {e}"))
    }

    fn open(&self, binding: &[u8], sealed: &str) -> Option<Plan> {
        let state: State = match self.codec.open_json_with(sealed, binding) {
            Ok(s) => s,
            Err(e) => {
                // One answer to the client for every failure; the kind is for the operator.
                tracing::info!(reason = %e, "a confirmation's requestState was refused");
                return None;
            }
        };
        let mut spent = self.spent.lock().unwrap_or_else(|p| p.into_inner());
        spent.retain(|_, at| at.elapsed() < SEALED_TTL);
        if spent.len() >= MAX_SPENT || spent.contains_key(&state.nonce) {
            return None;
        }
        spent.insert(state.nonce, Instant::now());
        state.plan.into_plan()
    }
}

#[derive(Serialize, Deserialize)]
struct State {
    nonce: String,
    plan: SealedPlan,
}

/// A [`Plan`] as it travels in the seal.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum SealedPlan {
    Action {
        action: types::Action,
        arguments: Pairs,
        outcome: ActionOutcome,
    },
    Message {
        chat_id: String,
        key: String,
        content: SealedContent,
        outcome: ActionOutcome,
    },
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum SealedContent {
    Text { text: String, automated: bool },
    File { upload_id: String },
}

impl From<Plan> for SealedPlan {
    fn from(plan: Plan) -> Self {
        match plan {
            Plan::Action {
                action,
                arguments,
                outcome,
            } => SealedPlan::Action {
                action,
                arguments,
                outcome,
            },
            Plan::Message {
                chat_id,
                key,
                content,
                outcome,
            } => SealedPlan::Message {
                chat_id,
                key: key.as_str().to_string(),
                content: match content {
                    ChatContent::Text { text, automated } => {
                        SealedContent::Text { text, automated }
                    }
                    ChatContent::File { upload_id } => SealedContent::File { upload_id },
                },
                outcome,
            },
        }
    }
}

impl SealedPlan {
    fn into_plan(self) -> Option<Plan> {
        Some(match self {
            SealedPlan::Action {
                action,
                arguments,
                outcome,
            } => Plan::Action {
                action,
                arguments,
                outcome,
            },
            SealedPlan::Message {
                chat_id,
                key,
                content,
                outcome,
            } => Plan::Message {
                chat_id,
                // Sealed by us: a key that does not parse means a bug, and nothing is sent.
                key: IdempotencyKey::parse(&key).ok()?,
                content: match content {
                    SealedContent::Text { text, automated } => {
                        ChatContent::Text { text, automated }
                    }
                    SealedContent::File { upload_id } => ChatContent::File { upload_id },
                },
                outcome,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message() -> Plan {
        Plan::Message {
            chat_id: "7".into(),
            key: IdempotencyKey::random(),
            content: ChatContent::Text {
                text: "hello".into(),
                automated: true,
            },
            outcome: crate::plan::outcome("message"),
        }
    }

    fn args(v: Value) -> JsonObject {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn a_sealed_plan_opens_once_and_only_for_its_call() {
        let key = [7u8; 32];
        let a = Pending::Sealed(SealedPlans::new(&key).unwrap());
        let b = Pending::Sealed(SealedPlans::new(&key).unwrap());
        let call = args(json!({"chat_id": "7", "text": "hello"}));
        let bound = binding("k1", "send_message", Some(&call));
        let state = a.put("send_message", &bound, message()).unwrap();
        // Another replica with the same key opens it; the same replica only once.
        let other_args = binding("k1", "send_message", Some(&args(json!({"chat_id": "8"}))));
        assert!(b.take("send_message", &other_args, &state).is_none());
        assert!(
            b.take(
                "send_message",
                &binding("k2", "send_message", Some(&call)),
                &state
            )
            .is_none()
        );
        let Some(Plan::Message { content, .. }) = b.take("send_message", &bound, &state) else {
            panic!("opens on another replica")
        };
        assert!(matches!(content, ChatContent::Text { text, .. } if text == "hello"));
        assert!(b.take("send_message", &bound, &state).is_none(), "once");
        // One character of the payload changed (not the tag's last, whose low bits may pad).
        let mut tampered: Vec<char> = state.chars().collect();
        tampered[6] = if tampered[6] == 'A' { 'B' } else { 'A' };
        let tampered: String = tampered.into_iter().collect();
        assert!(a.take("send_message", &bound, &tampered).is_none());
        let stranger = Pending::Sealed(SealedPlans::new(&[8u8; 32]).unwrap());
        assert!(stranger.take("send_message", &bound, &state).is_none());
    }

    #[test]
    fn argument_order_does_not_matter_and_short_keys_are_refused() {
        let one = args(json!({"a": 1, "b": {"y": [1, 2], "x": null}}));
        let two = args(json!({"b": {"x": null, "y": [1, 2]}, "a": 1}));
        assert_eq!(binding("k", "t", Some(&one)), binding("k", "t", Some(&two)));
        assert_ne!(binding("k", "t", Some(&one)), binding("k", "u", Some(&one)));
        assert!(
            SealedPlans::new(b"short")
                .err()
                .unwrap()
                .contains("HH_MCP_STATE_KEY")
        );
    }
}
