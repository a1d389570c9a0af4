//! What an acting tool will send, worked out and checked before anything leaves.
//!
//! An acting tool first builds a [`Plan`]: the hh action (taken from hh's own list, with
//! its arguments checked against `arguments[]`), or the message, and a preview of it.
//! The plan is then shown for confirmation, or executed — never half of each.

use std::collections::BTreeMap;

use hh_api::{ChatContent, IdempotencyKey, Pairs, types};

use crate::failure::{self, ToolFailure};
use crate::session::Session;
use crate::view::{ActionOutcome, IdName, OutcomeStatus};

pub enum Plan {
    /// Perform an action hh offered (on a negotiation, or an invite action on a vacancy).
    Action {
        action: types::Action,
        arguments: Pairs,
        outcome: ActionOutcome,
    },
    /// Send a message in a chat, under a key fixed when it was planned.
    Message {
        chat_id: String,
        key: IdempotencyKey,
        content: ChatContent,
        outcome: ActionOutcome,
    },
}

impl Plan {
    /// An action plan; fails, naming what is missing, if the arguments do not fit.
    pub fn action(
        action: types::Action,
        arguments: Pairs,
        mut outcome: ActionOutcome,
    ) -> Result<Plan, ToolFailure> {
        hh_api::check_arguments(&action, &arguments).map_err(|e| ToolFailure(e.to_string()))?;
        outcome.arguments = to_map(&arguments);
        outcome.moves_to = action.resulting_employer_state.as_ref().map(IdName::from);
        Ok(Plan::Action {
            action,
            arguments,
            outcome,
        })
    }

    pub fn preview(&self) -> &ActionOutcome {
        match self {
            Plan::Action { outcome, .. } | Plan::Message { outcome, .. } => outcome,
        }
    }

    /// Nothing is sent: the preview, with what to do to send it.
    pub fn into_preview(self, note: String) -> ActionOutcome {
        let mut outcome = self.into_outcome();
        outcome.status = OutcomeStatus::Preview;
        outcome.note = match &outcome.cost {
            Some(cost) => format!("{cost} {note}"),
            None => note,
        };
        outcome
    }

    /// The person said no: nothing is sent.
    pub fn into_declined(self) -> ActionOutcome {
        let mut outcome = self.into_outcome();
        outcome.status = OutcomeStatus::Declined;
        outcome.note = "The user declined; nothing was sent.".to_string();
        outcome
    }

    fn into_outcome(self) -> ActionOutcome {
        match self {
            Plan::Action { outcome, .. } | Plan::Message { outcome, .. } => outcome,
        }
    }

    /// Sends it. An action is one request, never repeated; a message may be repeated,
    /// only with its idempotency key.
    pub async fn execute(self, s: &Session) -> Result<ActionOutcome, ToolFailure> {
        match self {
            Plan::Action {
                action,
                arguments,
                mut outcome,
            } => {
                let accepted =
                    s.hh.perform_action(&action, &arguments)
                        .await
                        .map_err(failure::write_failure)?;
                outcome.status = OutcomeStatus::Done;
                // An invitation creates a negotiation; hh names it only in `Location`.
                if outcome.negotiation_id.is_none() {
                    outcome.negotiation_id = accepted.negotiation_id().map(str::to_string);
                }
                outcome.note = match &outcome.moves_to {
                    Some(state) => format!(
                        "Done: hh.ru accepted `{}`; the negotiation is now `{}`.",
                        action.id, state.id
                    ),
                    None => format!("Done: hh.ru accepted `{}`.", action.id),
                };
                Ok(outcome)
            }
            Plan::Message {
                chat_id,
                key,
                content,
                outcome,
            } => crate::chats::send(s, &chat_id, &key, &content, outcome).await,
        }
    }
}

/// A new outcome in preview state; the plan fills in arguments and the target state.
pub fn outcome(action: &str) -> ActionOutcome {
    ActionOutcome {
        status: OutcomeStatus::Preview,
        action: action.to_string(),
        negotiation_id: None,
        vacancy_id: None,
        resume_id: None,
        recipient: None,
        arguments: BTreeMap::new(),
        moves_to: None,
        sub_action: None,
        cost: None,
        message_id: None,
        note: String::new(),
    }
}

pub fn to_map(pairs: &Pairs) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for (k, v) in pairs {
        map.entry(k.clone())
            .and_modify(|old: &mut String| {
                old.push_str(", ");
                old.push_str(v);
            })
            .or_insert_with(|| v.clone());
    }
    map
}
