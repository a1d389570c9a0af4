//! The employer's mail templates as MCP prompts, so a user picks a text hh.ru keeps
//! for them (invite, discard, consider, offer, …) instead of the agent inventing one.
//!
//! `prompts/list` lists the employer's templates (`GET /employers/{id}/mail_templates`);
//! `prompts/get` with a `negotiation_id` has hh.ru fill one for that negotiation
//! (`GET /message_templates/{template}?topic_id=`): hh substitutes the applicant's name,
//! the vacancy and the employer, as its documentation describes.

use hh_api::types;
use rmcp::model::{GetPromptResult, JsonObject, Prompt, PromptArgument, PromptMessage, Role};

use crate::args::Id;
use crate::failure::ToolFailure;
use crate::session::Session;

/// The one argument every template prompt takes.
pub const NEGOTIATION_ARGUMENT: &str = "negotiation_id";

async fn templates(s: &Session) -> Result<Vec<types::MailTemplate>, ToolFailure> {
    let employer_id = s.employer_id().await?;
    let list: types::MailTemplates =
        s.hh.read(
            s.hh.api()
                .list_mail_templates()
                .employer_id(employer_id)
                .send(),
        )
        .await?;
    Ok(list.0)
}

/// Every template of the employer, as a prompt named by its id.
pub async fn list(s: &Session) -> Result<Vec<Prompt>, ToolFailure> {
    Ok(templates(s)
        .await?
        .iter()
        .map(|t| {
            let kind = t.type_.to_string();
            let moves = t
                .employer_state
                .as_deref()
                .map(|state| format!(", for the state {state}"))
                .unwrap_or_default();
            let argument = PromptArgument::new(NEGOTIATION_ARGUMENT)
                .with_description("The negotiation to fill it for (hh fills in the names).")
                .with_required(true);
            Prompt::new(
                t.id.clone(),
                Some(format!(
                    "The employer's {kind} template{moves}, filled by hh.ru for one negotiation."
                )),
                Some(vec![argument]),
            )
            .with_title(t.name.clone())
        })
        .collect())
}

/// Why `prompts/get` could not give a text: the caller's mistake or hh's failure.
#[derive(Debug)]
pub enum PromptFailure {
    /// A wrong name or argument: the request is at fault.
    Invalid(String),
    /// hh.ru refused or failed.
    Upstream(ToolFailure),
}

impl From<ToolFailure> for PromptFailure {
    fn from(f: ToolFailure) -> Self {
        PromptFailure::Upstream(f)
    }
}

/// The template `name` filled by hh.ru for the negotiation in the arguments.
pub async fn get(
    s: &Session,
    name: &str,
    arguments: Option<&JsonObject>,
) -> Result<GetPromptResult, PromptFailure> {
    let negotiation = negotiation_argument(name, arguments)?;
    let all = templates(s).await?;
    let Some(template) = all.iter().find(|t| t.id == name) else {
        let known: Vec<&str> = all.iter().map(|t| t.id.as_str()).collect();
        return Err(PromptFailure::Invalid(format!(
            "there is no template prompt `{}`; the employer's templates are: {}",
            name.chars().take(64).collect::<String>(),
            known.join(", ")
        )));
    };
    let filled: types::MessageTemplate =
        s.hh.read(
            s.hh.api()
                .get_message_template()
                .template(template.id.as_str())
                .topic_id(negotiation.as_str())
                .send(),
        )
        .await
        .map_err(ToolFailure::from)?;
    let mut text = format!(
        "A message for negotiation {negotiation}, from the employer's template «{}» as hh.ru \
         filled it. Show it to the user to send or change (change_negotiation_state or \
         send_message; both are confirmed):\n\n{}",
        template.name, filled.mail.text
    );
    if let Some(sms) = filled.sms.as_ref().filter(|s| !s.text.trim().is_empty()) {
        text.push_str(&format!("\n\nSMS (with `send_sms`): {}", sms.text));
    }
    Ok(
        GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)])
            .with_description(format!("«{}» for negotiation {negotiation}", template.name)),
    )
}

/// The `negotiation_id` argument, as an hh id.
fn negotiation_argument(name: &str, arguments: Option<&JsonObject>) -> Result<Id, PromptFailure> {
    let value = arguments
        .and_then(|a| a.get(NEGOTIATION_ARGUMENT))
        .cloned()
        .ok_or_else(|| {
            PromptFailure::Invalid(format!(
                "prompt `{}` needs the argument `{NEGOTIATION_ARGUMENT}` (the negotiation to \
                 fill the template for)",
                name.chars().take(64).collect::<String>()
            ))
        })?;
    serde_json::from_value::<Id>(value).map_err(|e| {
        PromptFailure::Invalid(format!("prompt argument `{NEGOTIATION_ARGUMENT}`: {e}"))
    })
}
