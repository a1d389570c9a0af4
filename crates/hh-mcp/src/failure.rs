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

/// Where hh sends the person once the captcha is passed. hh requires the application to
/// add it (`backurl`, with a scheme); the server has no page of its own, so the person
/// lands on hh.ru and comes back to the agent.
pub const CAPTCHA_BACKURL: &str = "https://hh.ru/";

/// The captcha page with the `backurl` hh requires the application to add.
pub fn captcha_page(captcha_url: &str) -> String {
    match url::Url::parse(captcha_url) {
        // hh's own parameters (`state`) are kept byte for byte; backurl goes after them.
        Ok(mut url) => {
            url.query_pairs_mut()
                .append_pair("backurl", CAPTCHA_BACKURL);
            url.to_string()
        }
        // Not a URL we can extend: show it as hh sent it.
        Err(_) => captcha_url.to_string(),
    }
}

/// What a timed-out request adds to its explanation.
const TIMEOUT_ADVICE: &str = "hh.ru did not answer within the time limit \
     (HH_API_TIMEOUT_SECS, default 30 s).";

/// A request that got no answer in time.
fn timed_out(error: &Error) -> bool {
    error.transport_kind() == Some(hh_api::TransportKind::Timeout)
}

/// No connection was made (refused, DNS, TLS): the request never left. Anything else
/// (a reset, a timeout after connecting) may have reached hh.ru.
fn never_sent(error: &Error) -> bool {
    error.transport_kind() == Some(hh_api::TransportKind::Connect)
}

/// The failure of a request that changes something on hh.ru (an action, a message,
/// mark-read). Such a request is never repeated automatically, and unlike a read it may
/// have been applied although no (readable) answer came back: the advice must say so.
pub fn write_failure(error: Error) -> ToolFailure {
    ToolFailure(explain_write(&error))
}

/// [`explain`] for a request that changes something on hh.ru.
pub fn explain_write(error: &Error) -> String {
    const CHECK: &str = "It was not repeated. Check with get_negotiation (for a message: \
         list_messages) before trying again.";
    match error {
        Error::Transport { .. } if !never_sent(error) => {
            let timeout = if timed_out(error) {
                format!(" {TIMEOUT_ADVICE}")
            } else {
                String::new()
            };
            format!(
                "{error}.{timeout} The request may have reached hh.ru, so it may or may not \
                 have been applied. {CHECK}"
            )
        }
        Error::Decode { .. } => format!(
            "{error}. hh.ru accepted the request but its answer could not be read: it was most \
             likely applied. {CHECK}"
        ),
        _ => explain(error),
    }
}

/// The failure of a chat message send. hh-api repeated it with the message's
/// idempotency key where the answer may have been lost, so repeating the same call
/// (same key) is safe: hh keeps one message per key.
pub fn chat_send_failure(error: &Error) -> ToolFailure {
    const SAFE: &str = "Calling send_message again with the same arguments (the same \
         idempotency key) is safe: hh.ru keeps at most one message per key.";
    let text = match error {
        Error::Transport { .. } | Error::Api(_) if may_have_arrived(error) => format!(
            "{error}. The message may or may not have reached hh.ru; it was repeated with the \
             same idempotency key while the retry budget allowed. {SAFE}"
        ),
        Error::Api(api)
            if api
                .errors
                .iter()
                .any(|e| e.reason.as_deref() == Some("chat_blocked")) =>
        {
            format!(
                "{}. hh.ru has blocked this chat for the employer: nothing was sent. Check \
                 list_messages (`can_write`) for the reason.",
                api
            )
        }
        _ => explain(error),
    };
    ToolFailure(text)
}

/// Whether a failed send may have been applied: no answer, or hh's 5xx/429.
fn may_have_arrived(error: &Error) -> bool {
    match error {
        Error::Transport { .. } => !never_sent(error),
        Error::Api(api) => api.status.is_server_error() || api.status.as_u16() == 429,
        _ => false,
    }
}

/// Explains an hh-api error: what happened and what to do next.
pub fn explain(error: &Error) -> String {
    let Some(api) = error.api() else {
        return match error {
            Error::Transport { .. } if timed_out(error) => format!(
                "{error}. {TIMEOUT_ADVICE} Nothing was changed on hh.ru by this call; try again, \
                 or raise HH_API_TIMEOUT_SECS if hh.ru is this slow."
            ),
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
             The user must sign in again: run `hh-mcp auth login` (on a team server, \
             reconnect the assistant and sign in to hh.ru anew)."
                .to_string()
        }
        ErrorKind::TokenNotExpiredYet => {
            "hh.ru refused to refresh the access token because it has not expired yet by its \
             clock (this machine's clock runs ahead). No need to sign in again: try again in a \
             minute or two; the refresh is retried then."
                .to_string()
        }
        ErrorKind::CaptchaRequired { captcha_url } => {
            let page = match (captcha_url.as_deref(), api.captcha_url()) {
                (Some(captcha), _) => captcha_page(captcha),
                (None, Some(fallback)) => fallback.to_string(),
                (None, None) => "the hh.ru captcha page".to_string(),
            };
            format!(
                "hh.ru wants a person to pass a captcha before this can be done. Ask the user to \
                 open {page}, pass it, and then try again. Nothing was sent."
            )
        }
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
        ErrorKind::ResumeViewLimit => {
            "The employer's daily limit of resume views on hh.ru is used up. It was not retried: \
             it resets tomorrow. Open more resumes then, or raise the limit on hh.ru."
                .to_string()
        }
        ErrorKind::ResumeViewQuota => {
            "This manager's quota of resume views, set by the employer's hh.ru account, is used \
             up. An administrator of the employer's account can raise this manager's quota."
                .to_string()
        }
        ErrorKind::NoResumeService => {
            "The employer has no paid hh.ru service left for viewing resumes (resume-database \
             access). The employer has to buy it; nothing was opened."
                .to_string()
        }
        ErrorKind::CantViewContacts => {
            "This user has no right to see applicants' contacts on hh.ru (it needs paid \
             resume-database access with contacts, or the right granted to this manager)."
                .to_string()
        }
        ErrorKind::ManagerAccountNotFound => {
            "The work account in HH_MANAGER_ACCOUNT_ID (header X-Manager-Account-Id) is not one \
             of this manager's accounts. Unset it to act as the primary account, or choose one \
             from GET /manager_accounts/mine."
                .to_string()
        }
        ErrorKind::ManagerAccountForbidden { allowed_accounts } => {
            let allowed: Vec<String> = allowed_accounts
                .iter()
                .map(|a| {
                    format!(
                        "{} (employer {} «{}»)",
                        a.id, a.employer_id, a.employer_name
                    )
                })
                .collect();
            format!(
                "The work account this server acts as is blocked on hh.ru. Set \
                 HH_MANAGER_ACCOUNT_ID to one of the accounts hh.ru allows for this token: {}.",
                if allowed.is_empty() {
                    "hh.ru listed none".to_string()
                } else {
                    allowed.join(", ")
                }
            )
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
