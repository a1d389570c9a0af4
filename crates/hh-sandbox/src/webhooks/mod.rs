//! hh.ru's webhooks, as the sandbox's hh.ru sends them.
//!
//! A user subscribes their application (`/webhook/subscriptions`: list, create, replace,
//! delete; one subscription and one URL per user and application — the sandbox has one
//! application, so one per user) to some of hh's event types. When the sandbox's own
//! state changes the way an event type describes, every subscribed user who may see the
//! change gets an event: `POST <url>` with hh's `WebhookSendObjectBaseUser` JSON
//! (`{id, subscription_id, action_type, user_id, payload}`).
//!
//! Events the sandbox sends, and what causes them:
//!
//! | action type | cause |
//! |---|---|
//! | `NEW_NEGOTIATION_VACANCY` | an applicant responds ([`crate::Sandbox::applicant_responds`]) |
//! | `NEW_RESPONSE_OR_INVITATION_VACANCY` | a response, or the employer invites a resume |
//! | `NEGOTIATION_EMPLOYER_STATE_CHANGE` | an action or a bulk move changes a negotiation's employer state |
//! | `CHAT_MESSAGE_CREATED` | a message appears in a chat: the applicant writes ([`crate::Sandbox::applicant_writes`]), the employer sends (chats, the retired send, an action's or invitation's message), a colleague joins |
//!
//! Negotiation events go to the users with a work account at the vacancy's employer
//! (with `settings.vacancies_only_mine`, only to the vacancy's manager); chat events to
//! the managers in the chat, as hh sends them "to active participants". The vacancy
//! types (`VACANCY_ARCHIVATION`, `VACANCY_CHANGE`, `VACANCY_PROLONGATION`,
//! `VACANCY_PUBLICATION_FOR_VACANCY_MANAGER`) can be subscribed to but never fire: the
//! sandbox has no route that archives, edits, prolongs or publishes a vacancy.
//!
//! Delivery is hh's: a background task per sandbox, never the request that caused the
//! change, POSTs each event with a short timeout; a 2xx or a 409 (the receiver already
//! had it) ends it, anything else is retried with a doubling wait, a few times.
//! Delivery is not guaranteed, as hh warns: [`WebhookFaults`] sends duplicates, delays
//! events and swaps their order, drawn from the sandbox's seed. Tests see every attempt
//! in [`crate::Sandbox::webhook_deliveries`] and wait with
//! [`crate::Sandbox::flush_webhooks`].

pub mod events;
mod hub;
pub mod subscriptions;

use std::ops::RangeInclusive;
use std::time::Duration;

pub use hub::Hub;

/// hh's event types, as `actions[].type` and `action_type` name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionType {
    NewNegotiationVacancy,
    NewResponseOrInvitationVacancy,
    NegotiationEmployerStateChange,
    ChatMessageCreated,
    VacancyArchivation,
    VacancyChange,
    VacancyProlongation,
    VacancyPublicationForVacancyManager,
}

impl ActionType {
    pub const ALL: [ActionType; 8] = [
        ActionType::NewNegotiationVacancy,
        ActionType::NewResponseOrInvitationVacancy,
        ActionType::NegotiationEmployerStateChange,
        ActionType::ChatMessageCreated,
        ActionType::VacancyArchivation,
        ActionType::VacancyChange,
        ActionType::VacancyProlongation,
        ActionType::VacancyPublicationForVacancyManager,
    ];

    /// hh's name, e.g. `NEW_NEGOTIATION_VACANCY`.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionType::NewNegotiationVacancy => "NEW_NEGOTIATION_VACANCY",
            ActionType::NewResponseOrInvitationVacancy => "NEW_RESPONSE_OR_INVITATION_VACANCY",
            ActionType::NegotiationEmployerStateChange => "NEGOTIATION_EMPLOYER_STATE_CHANGE",
            ActionType::ChatMessageCreated => "CHAT_MESSAGE_CREATED",
            ActionType::VacancyArchivation => "VACANCY_ARCHIVATION",
            ActionType::VacancyChange => "VACANCY_CHANGE",
            ActionType::VacancyProlongation => "VACANCY_PROLONGATION",
            ActionType::VacancyPublicationForVacancyManager => {
                "VACANCY_PUBLICATION_FOR_VACANCY_MANAGER"
            }
        }
    }

    pub fn parse(name: &str) -> Option<ActionType> {
        ActionType::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// Whether the type takes `settings` (`vacancies_only_mine`): every one but the
    /// chat's and the publication's, which are about the user's own chats and vacancies.
    pub fn takes_settings(self) -> bool {
        !matches!(
            self,
            ActionType::ChatMessageCreated | ActionType::VacancyPublicationForVacancyManager
        )
    }
}

impl std::fmt::Display for ActionType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of a subscription's `actions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookAction {
    pub action_type: ActionType,
    /// `settings.vacancies_only_mine`: `Some(true)` sends only events about the user's
    /// own vacancies; `None` when no settings were given (hh's default, `false`).
    pub vacancies_only_mine: Option<bool>,
}

/// A user's subscription, as `GET /webhook/subscriptions` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSubscription {
    pub id: String,
    pub url: String,
    pub actions: Vec<WebhookAction>,
}

/// How the sandbox's hh.ru accepts subscriptions and delivers events.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookConfig {
    /// Accept subscription URLs on any host. Off by default: the sandbox is for loopback
    /// use, so only `localhost`, `127.0.0.0/8` and `::1` are accepted.
    pub allow_any_host: bool,
    /// How long an attempt waits for the receiver's answer (hh: 2 s).
    pub timeout: Duration,
    /// Attempts per event, the first included; a 2xx or 409 ends them sooner.
    pub max_attempts: u32,
    /// The wait before the first retry; it doubles for each one after.
    pub retry_backoff: Duration,
    pub faults: WebhookFaults,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            allow_any_host: false,
            timeout: Duration::from_secs(2),
            max_attempts: 4,
            retry_backoff: Duration::from_millis(100),
            faults: WebhookFaults::default(),
        }
    }
}

/// hh's "delivery is not guaranteed", on purpose. Drawn when an event is created, from
/// a stream seeded by the sandbox's seed, so the same events get the same faults on
/// every run. `WebhookFaults::default()` is reliable, immediate, in order, once.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookFaults {
    /// Share of events (0..1) sent a second time, with the same `id`, after the receiver
    /// took the first copy (hh's duplicates: the receiver should answer 409).
    pub duplicate_rate: f64,
    /// Each event waits a time drawn from this range before its first attempt.
    pub delay: RangeInclusive<Duration>,
    /// Share of events (0..1) held back and sent after the event that follows them.
    /// A held event with no follower goes out after a second, or at
    /// [`crate::Sandbox::flush_webhooks`].
    pub out_of_order_rate: f64,
}

impl Default for WebhookFaults {
    fn default() -> Self {
        WebhookFaults {
            duplicate_rate: 0.0,
            delay: Duration::ZERO..=Duration::ZERO,
            out_of_order_rate: 0.0,
        }
    }
}

impl WebhookConfig {
    /// What is wrong with the configuration, if anything.
    pub fn check(&self) -> Result<(), String> {
        let f = &self.faults;
        for (name, rate) in [
            ("duplicate_rate", f.duplicate_rate),
            ("out_of_order_rate", f.out_of_order_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!(
                    "webhooks.faults.{name} {rate} is not between 0 and 1"
                ));
            }
        }
        if f.delay.start() > f.delay.end() {
            return Err(format!(
                "webhooks.faults.delay starts ({:?}) after it ends ({:?})",
                f.delay.start(),
                f.delay.end()
            ));
        }
        if self.max_attempts == 0 {
            return Err("webhooks.max_attempts must be at least 1".into());
        }
        if self.timeout.is_zero() {
            return Err("webhooks.timeout must be more than zero".into());
        }
        Ok(())
    }
}

/// One attempt to deliver an event, as the sandbox made it.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookDelivery {
    /// The event's `id`: the same on every attempt and on a duplicate.
    pub event_id: String,
    pub action_type: ActionType,
    pub subscription_id: String,
    /// Where it was POSTed: the subscription's URL at that moment.
    pub url: String,
    /// 1 for the first attempt of this copy, counting up on retries.
    pub attempt: u32,
    /// A copy sent again on purpose ([`WebhookFaults::duplicate_rate`]).
    pub duplicate: bool,
    /// The JSON body sent.
    pub body: serde_json::Value,
    /// The receiver's status, or why there was none (refused, timed out, ...).
    pub answer: Result<u16, String>,
}
