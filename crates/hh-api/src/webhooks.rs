//! hh.ru's webhooks: the application's one subscription per user (`/webhook/subscriptions`),
//! and the body hh POSTs to the subscription's URL for each event.
//!
//! hh signs nothing: a delivery says only what kind of thing happened and to which ids.
//! Treat it as a poke and read the thing itself with the user's token before trusting it.

use serde::{Deserialize, Serialize};

use crate::generated::types;
use crate::{Client, Error};

/// A kind of event a subscription asks for (hh's `WebhookAction*` schemas, one per kind,
/// each with its name in `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WebhookKind {
    NewNegotiationVacancy,
    NewResponseOrInvitationVacancy,
    NegotiationEmployerStateChange,
    ChatMessageCreated,
    VacancyArchivation,
    VacancyChange,
    VacancyProlongation,
    VacancyPublicationForVacancyManager,
}

impl WebhookKind {
    /// hh's name of the kind (`NEW_NEGOTIATION_VACANCY`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookKind::NewNegotiationVacancy => "NEW_NEGOTIATION_VACANCY",
            WebhookKind::NewResponseOrInvitationVacancy => "NEW_RESPONSE_OR_INVITATION_VACANCY",
            WebhookKind::NegotiationEmployerStateChange => "NEGOTIATION_EMPLOYER_STATE_CHANGE",
            WebhookKind::ChatMessageCreated => "CHAT_MESSAGE_CREATED",
            WebhookKind::VacancyArchivation => "VACANCY_ARCHIVATION",
            WebhookKind::VacancyChange => "VACANCY_CHANGE",
            WebhookKind::VacancyProlongation => "VACANCY_PROLONGATION",
            WebhookKind::VacancyPublicationForVacancyManager => {
                "VACANCY_PUBLICATION_FOR_VACANCY_MANAGER"
            }
        }
    }
}

impl std::fmt::Display for WebhookKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A subscription as hh lists it, with the kinds of its actions by hh's names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSubscription {
    pub id: String,
    pub url: String,
    pub kinds: Vec<String>,
}

/// What hh POSTs to a subscription's URL (hh's `WebhookSendObjectBaseUser`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WebhookDelivery {
    /// hh's id of the event; hh sends an event again (retries, duplicates) with the same id.
    pub id: String,
    pub subscription_id: String,
    /// One of [`WebhookKind`]'s names; kept as text so a kind hh adds later still arrives.
    pub action_type: String,
    /// Deprecated by hh, but still required in its description.
    #[serde(default)]
    pub user_id: Option<String>,
    /// The kind's payload (hh's `WebhookPayload*`): ids and, for some kinds, states and dates.
    pub payload: serde_json::Value,
}

impl Client {
    /// The application's subscriptions for the token's user (hh keeps at most one).
    pub async fn webhook_subscriptions(&self) -> Result<Vec<WebhookSubscription>, Error> {
        let out = self
            .read(self.api().get_webhook_subscriptions().send())
            .await?;
        Ok(out
            .items
            .into_iter()
            .map(|item| WebhookSubscription {
                kinds: item.actions.iter().map(kind_name).collect(),
                id: item.id,
                url: item.url,
            })
            .collect())
    }

    /// Subscribes the user's events of these kinds to `url`; returns hh's subscription id.
    pub async fn subscribe_webhooks(
        &self,
        url: &str,
        kinds: &[WebhookKind],
    ) -> Result<String, Error> {
        let body = types::WebhookSubscriptionCreate(types::WebhookSubscriptionCommonItem {
            url: url.to_string(),
            actions: actions(kinds)?,
        });
        let created = self
            .write(self.api().post_webhook_subscription().body(body).send())
            .await?;
        Ok(created.id)
    }

    /// Replaces the subscription's URL and its list of kinds.
    pub async fn change_webhook_subscription(
        &self,
        subscription_id: &str,
        url: &str,
        kinds: &[WebhookKind],
    ) -> Result<(), Error> {
        let body = types::WebhookSubscriptionUpdate {
            url: Some(url.to_string()),
            actions: actions(kinds)?,
        };
        self.write_accepted(
            self.api()
                .change_webhook_subscription()
                .subscription_id(subscription_id)
                .body(body)
                .send(),
        )
        .await
    }

    /// Cancels the subscription: hh sends nothing more to its URL.
    pub async fn cancel_webhook_subscription(&self, subscription_id: &str) -> Result<(), Error> {
        self.write_accepted(
            self.api()
                .cancel_webhook_subscription()
                .subscription_id(subscription_id)
                .send(),
        )
        .await
    }
}

/// hh's action object for each kind: `{"type": KIND}`, read into the generated union of
/// hh's per-kind schemas (which one is decided by `type`).
fn actions<T: serde::de::DeserializeOwned>(kinds: &[WebhookKind]) -> Result<Vec<T>, Error> {
    kinds
        .iter()
        .map(|kind| {
            serde_json::from_value(serde_json::json!({ "type": kind.as_str() }))
                .map_err(|e| Error::Invalid(format!("webhook kind {kind}: {e}")))
        })
        .collect()
}

/// The `type` of one of hh's action objects.
fn kind_name(action: &impl Serialize) -> String {
    serde_json::to_value(action)
        .ok()
        .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_string))
        .unwrap_or_default()
}
