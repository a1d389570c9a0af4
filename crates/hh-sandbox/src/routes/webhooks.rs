//! hh.ru's webhook subscriptions (`/webhook/subscriptions`): each user sees and changes
//! only their own, by their token; one per user and application (the sandbox has one
//! application). What a subscription brings is in [`crate::webhooks`].

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::account::Account;
use crate::errors::{ApiError, ApiResult};
use crate::http::{json, no_content, ok};
use crate::state::AppState;
use crate::webhooks::{WebhookSubscription, subscriptions};

/// A subscription as hh lists it: `{id, url, actions: [{type, settings?}]}`.
pub fn render(s: &WebhookSubscription) -> Value {
    let actions: Vec<Value> = s
        .actions
        .iter()
        .map(|a| match a.vacancies_only_mine {
            Some(mine) => json!({
                "type": a.action_type.as_str(),
                "settings": { "vacancies_only_mine": mine },
            }),
            None => json!({ "type": a.action_type.as_str() }),
        })
        .collect();
    json!({ "id": s.id, "url": s.url, "actions": actions })
}

/// `GET /webhook/subscriptions`: the user's subscription, if any, as a list.
pub async fn list(State(st): State<AppState>, Extension(account): Extension<Account>) -> ApiResult {
    let items: Vec<Value> = st
        .webhooks
        .subscription_of(account.user)
        .iter()
        .map(render)
        .collect();
    Ok(ok(&json!({ "items": items })))
}

/// `POST /webhook/subscriptions`: 201 `{id}`; a second one is hh's 400
/// `notifications`/`already_exist`.
pub async fn create(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    body: Bytes,
) -> ApiResult {
    let requested = subscriptions::create(&body, st.webhooks.allow_any_host())?;
    let (Some(url), Some(actions)) = (requested.url, requested.actions) else {
        return Err(ApiError::bad_json("", "invalid"));
    };
    let id = st
        .webhooks
        .subscribe(account.user, url, actions)
        .ok_or_else(ApiError::webhook_subscription_exists)?;
    tracing::info!(subscription = %id, "webhook subscription created");
    Ok(json(StatusCode::CREATED, &json!({ "id": id })))
}

/// `PUT /webhook/subscriptions/{id}`: replaces the url and/or the whole list of actions;
/// 204. Another user's or an unknown subscription is 404.
pub async fn update(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let requested = subscriptions::update(&body, st.webhooks.allow_any_host())?;
    if !st.webhooks.update(account.user, &id, requested) {
        return Err(ApiError::not_found());
    }
    Ok(no_content())
}

/// `DELETE /webhook/subscriptions/{id}`: 204; nothing more is sent to it.
pub async fn delete(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    Path(id): Path<String>,
) -> ApiResult {
    if !st.webhooks.cancel(account.user, &id) {
        return Err(ApiError::not_found());
    }
    tracing::info!(subscription = %id, "webhook subscription deleted");
    Ok(no_content())
}
