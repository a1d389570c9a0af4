//! hh.ru's webhooks: the application's one subscription per user (`/webhook/subscriptions`),
//! and the body hh POSTs to the subscription's URL for each event.
//!
//! hh signs nothing: a delivery says only what kind of thing happened and to which ids.
//! Treat it as a poke and read the thing itself with the user's token before trusting it.

use serde::{Deserialize, Serialize};

use crate::generated::types;
use crate::{Client, Error};

pub use types::WebhookActionType as WebhookKind;

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
    pub async fn webhook_subscriptions(
        &self,
    ) -> Result<Vec<types::WebhookSubscriptionItem>, Error> {
        let out = self
            .read(self.api().get_webhook_subscriptions().send())
            .await?;
        Ok(out.items)
    }

    /// Subscribes the user's events of these kinds to `url`; returns hh's subscription id.
    pub async fn subscribe_webhooks(
        &self,
        url: &str,
        kinds: &[WebhookKind],
    ) -> Result<String, Error> {
        let body = types::WebhookSubscriptionCreate {
            url: url.to_string(),
            actions: actions(kinds),
        };
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
            actions: actions(kinds),
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

fn actions(kinds: &[WebhookKind]) -> Vec<types::WebhookAction> {
    kinds
        .iter()
        .map(|kind| types::WebhookAction {
            type_: *kind,
            settings: None,
        })
        .collect()
}
