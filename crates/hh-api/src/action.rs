//! Actions with arguments: checking what will be sent against what hh says the action
//! takes, before anything leaves the machine.
//!
//! Every action hh offers (`actions[]` on a negotiation, `negotiations_actions[]` on a
//! vacancy for a resume) lists its `arguments`: which are `required`, and which need
//! others sent too (`required_arguments`, e.g. `send_sms` needs `message`).

use std::fmt;

use crate::follow::Pairs;
use crate::types;

/// Why the arguments given do not fit the action. Nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgumentsError {
    pub action: String,
    /// The action is listed but hh says it cannot be performed now.
    pub disabled: bool,
    /// Required arguments that were not given (or were empty).
    pub missing: Vec<String>,
    /// Arguments given that need others: (given, the one it needs).
    pub needs: Vec<(String, String)>,
    /// Arguments the action does not take.
    pub unknown: Vec<String>,
    /// Everything the action takes, for the message.
    pub accepted: Vec<String>,
}

impl fmt::Display for ArgumentsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.disabled {
            return write!(
                f,
                "action `{}` is not available for this negotiation now",
                self.action
            );
        }
        let mut parts = Vec::new();
        if !self.missing.is_empty() {
            parts.push(format!(
                "missing required argument(s): {}",
                self.missing.join(", ")
            ));
        }
        for (given, needed) in &self.needs {
            parts.push(format!("`{given}` needs `{needed}` too"));
        }
        if !self.unknown.is_empty() {
            parts.push(format!(
                "not an argument of this action: {} (it takes: {})",
                self.unknown.join(", "),
                if self.accepted.is_empty() {
                    "nothing".to_string()
                } else {
                    self.accepted.join(", ")
                }
            ));
        }
        write!(f, "action `{}`: {}", self.action, parts.join("; "))
    }
}

impl std::error::Error for ArgumentsError {}

/// Checks `given` (form fields, names may repeat) against `action`. An argument counts
/// as given only with a non-blank value other than `false`: a flag switched off
/// (`send_sms=false`) asks nothing of the arguments it would need.
pub fn check_arguments(action: &types::Action, given: &Pairs) -> Result<(), Box<ArgumentsError>> {
    let present = |id: &str| {
        given
            .iter()
            .any(|(k, v)| k == id && !v.trim().is_empty() && v.trim() != "false")
    };
    let accepted: Vec<String> = action.arguments.iter().map(|a| a.id.clone()).collect();
    let mut err = ArgumentsError {
        action: action.id.clone(),
        disabled: !action.enabled,
        missing: Vec::new(),
        needs: Vec::new(),
        unknown: Vec::new(),
        accepted: accepted.clone(),
    };
    for argument in &action.arguments {
        if argument.required && !present(&argument.id) {
            err.missing.push(argument.id.clone());
        }
        if present(&argument.id) {
            for needed in &argument.required_arguments {
                if !present(&needed.id) {
                    err.needs.push((argument.id.clone(), needed.id.clone()));
                }
            }
        }
    }
    for (name, _) in given {
        if !accepted.contains(name) && !err.unknown.contains(name) {
            err.unknown.push(name.clone());
        }
    }
    if err.disabled || !err.missing.is_empty() || !err.needs.is_empty() || !err.unknown.is_empty() {
        Err(Box::new(err))
    } else {
        Ok(())
    }
}

/// The first enabled action, or the one with this id; used to pick an invite action.
pub fn pick<'a>(actions: &'a [types::Action], id: Option<&str>) -> Option<&'a types::Action> {
    match id {
        Some(id) => actions.iter().find(|a| a.id == id),
        None => actions.iter().find(|a| a.enabled && !a.hidden),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arg(id: &str, required: bool, needs: &[&str]) -> types::ActionArgument {
        types::ActionArgument {
            id: id.into(),
            required,
            required_arguments: needs
                .iter()
                .map(|n| types::IdOnly { id: (*n).into() })
                .collect(),
        }
    }

    fn invite() -> types::Action {
        types::Action {
            id: "invitation".into(),
            name: "Пригласить".into(),
            enabled: true,
            hidden: false,
            method: "POST".into(),
            url: "https://api.hh.ru/negotiations/invitation".into(),
            arguments: vec![
                arg("resume_id", true, &[]),
                arg("vacancy_id", true, &[]),
                arg("message", false, &[]),
                arg("send_sms", false, &["message"]),
                arg("address_id", false, &["message"]),
            ],
            resulting_employer_state: None,
            templates: vec![],
            sub_actions: vec![],
        }
    }

    fn pairs(p: &[(&str, &str)]) -> Pairs {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn complete_arguments_pass() {
        let given = pairs(&[
            ("resume_id", "r1"),
            ("vacancy_id", "7"),
            ("message", "Hi"),
            ("send_sms", "true"),
        ]);
        assert_eq!(check_arguments(&invite(), &given), Ok(()));
    }

    #[test]
    fn missing_dependent_and_unknown_are_all_named() {
        let given = pairs(&[("resume_id", "r1"), ("send_sms", "true"), ("colour", "red")]);
        let err = check_arguments(&invite(), &given).unwrap_err();
        assert_eq!(err.missing, vec!["vacancy_id"]);
        assert_eq!(
            err.needs,
            vec![("send_sms".to_string(), "message".to_string())]
        );
        assert_eq!(err.unknown, vec!["colour"]);
        let text = err.to_string();
        assert!(
            text.contains("missing required argument(s): vacancy_id"),
            "{text}"
        );
        assert!(text.contains("`send_sms` needs `message` too"), "{text}");
        assert!(text.contains("colour"), "{text}");
    }

    #[test]
    fn a_flag_switched_off_needs_nothing() {
        let given = pairs(&[
            ("resume_id", "r1"),
            ("vacancy_id", "7"),
            ("send_sms", "false"),
        ]);
        assert_eq!(check_arguments(&invite(), &given), Ok(()));
        let given = pairs(&[
            ("resume_id", "r1"),
            ("vacancy_id", "7"),
            ("send_sms", "true"),
        ]);
        assert_eq!(
            check_arguments(&invite(), &given).unwrap_err().needs,
            vec![("send_sms".to_string(), "message".to_string())]
        );
    }

    #[test]
    fn a_blank_value_does_not_count() {
        let mut a = invite();
        a.arguments[2].required = true;
        let given = pairs(&[("resume_id", "r1"), ("vacancy_id", "7"), ("message", "   ")]);
        assert_eq!(
            check_arguments(&a, &given).unwrap_err().missing,
            vec!["message"]
        );
    }

    #[test]
    fn a_disabled_action_is_refused() {
        let mut a = invite();
        a.enabled = false;
        let given = pairs(&[("resume_id", "r1"), ("vacancy_id", "7")]);
        let err = check_arguments(&a, &given).unwrap_err();
        assert!(err.disabled);
        assert!(err.to_string().contains("not available"));
    }

    #[test]
    fn pick_prefers_the_named_action_else_the_first_enabled() {
        let mut off = invite();
        off.id = "phone_interview".into();
        off.enabled = false;
        let actions = vec![off, invite()];
        assert_eq!(pick(&actions, None).unwrap().id, "invitation");
        assert_eq!(
            pick(&actions, Some("phone_interview")).unwrap().id,
            "phone_interview"
        );
        assert!(pick(&actions, Some("nope")).is_none());
    }
}
