//! Failures in plain words, with what to do about them. These become tool errors
//! (`isError: true`), which the agent reads; they never carry a token.

use hh_api::{Error, ErrorKind};

/// A tool failure: a sentence or two for the agent and the person behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolFailure(pub String);

impl std::fmt::Display for ToolFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for ToolFailure {
    fn from(s: String) -> Self {
        ToolFailure(s)
    }
}

impl From<Error> for ToolFailure {
    fn from(e: Error) -> Self {
        ToolFailure(explain(&e))
    }
}

/// Explains an hh-api error: what happened and what to do next.
pub fn explain(error: &Error) -> String {
    let Some(api) = error.api() else {
        return match error {
            Error::Transport { .. } => format!(
                "{error}. Nothing was changed on hh.ru by this call; check the network or \
                 HH_API_BASE_URL and try again."
            ),
            _ => error.to_string(),
        };
    };
    let detail = api.to_string();
    let advice = match api.kind() {
        ErrorKind::TokenExpired => {
            "The hh.ru access token has expired and could not be refreshed here. Sign \
             in with `hh-mcp auth login` (tokens are then refreshed automatically), or set a fresh \
             HH_ACCESS_TOKEN, and restart the server."
                .to_string()
        }
        ErrorKind::TokenRevoked => {
            "The user revoked this application's access on hh.ru. Sign in again with \
             `hh-mcp auth login` (or set a new HH_ACCESS_TOKEN)."
                .to_string()
        }
        ErrorKind::BadAuthorization => {
            "hh.ru does not accept the access token (unknown, malformed, or not \
             an employer's). Set a valid employer HH_ACCESS_TOKEN."
                .to_string()
        }
        ErrorKind::InvalidGrant => {
            "hh.ru refused the refresh token (already used, or no longer valid). \
             The user must sign in again: run `hh-mcp auth login`."
                .to_string()
        }
        ErrorKind::CaptchaRequired { captcha_url } => format!(
            "hh.ru wants a person to pass a captcha before this can be done. Ask the user to open {} \
             (add a `backurl` parameter), pass it, and then try again. Nothing was sent.",
            captcha_url.as_deref().unwrap_or("the hh.ru captcha page")
        ),
        ErrorKind::NegotiationLimit { value } => match value.as_str() {
            "in_a_row_limit" => {
                "Too many messages in a row: the applicant has to answer before the \
                 employer can write again. Nothing was sent."
                    .to_string()
            }
            "overall_limit" => {
                "The message limit for this negotiation is reached. Nothing was sent.".to_string()
            }
            _ => "The employer's limit of responses/invitations is exceeded. Nothing was sent; \
                 try again later or raise the limit on hh.ru."
                .to_string(),
        },
        ErrorKind::WrongState => {
            "This action is not possible in the negotiation's current state. Call \
             get_negotiation to see the actions available now."
                .to_string()
        }
        ErrorKind::PaymentRequired => {
            "This needs paid access on hh.ru (API access or the resume database). \
             The employer has to buy it; nothing was sent."
                .to_string()
        }
        ErrorKind::NotFound => {
            "hh.ru has no such object, or this user cannot see it. Check the id \
             (list_vacancies, list_negotiations)."
                .to_string()
        }
        ErrorKind::BadArgument { argument } => format!(
            "hh.ru rejected the argument {}. Check its value against the tool's description.",
            argument
                .as_deref()
                .map(|a| format!("`{a}`"))
                .unwrap_or_else(|| "given".into())
        ),
        ErrorKind::BadUserAgent => {
            "hh.ru rejected the application's user agent. Set HH_USER_AGENT to \
             `YourApp/1.0 (you@example.com)`."
                .to_string()
        }
        ErrorKind::RateLimited => {
            "hh.ru asks to slow down (429). Wait a little and try again.".to_string()
        }
        ErrorKind::Unavailable => {
            "hh.ru is unavailable right now (5xx). Reads were retried; try again \
             later. An action that failed this way may or may not have been applied: check with \
             get_negotiation before repeating it."
                .to_string()
        }
        ErrorKind::Other => "See hh.ru's answer above.".to_string(),
    };
    format!("{detail}. {advice}")
}
