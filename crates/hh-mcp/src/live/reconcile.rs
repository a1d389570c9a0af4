//! hh.ru does not guarantee delivery: now and then each signed-in account's new
//! responses and unread chats are read and recorded as changes under the same keys the
//! webhooks' use, so what a webhook missed surfaces, and what it did not miss does not
//! surface twice. One replica per account per round (a lease in the store).

use std::sync::Arc;
use std::time::Duration;

use hh_api::{ChatListQuery, CollectionQuery};

use super::verify;
use crate::oauth::Authority;
use crate::session::Session;

/// `HH_MCP_RECONCILE_SECS`, default 300.
pub fn interval_from_env() -> Duration {
    std::env::var("HH_MCP_RECONCILE_SECS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|s| *s > 0)
        .map_or(Duration::from_secs(300), Duration::from_secs)
}

pub async fn every(auth: Arc<Authority>, holder: String, interval: Duration) {
    loop {
        tokio::time::sleep(interval.min(Duration::from_secs(30))).await;
        let accounts = match auth.store.webhook_accounts().await {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(error = %e, "reconciliation: cannot list accounts");
                continue;
            }
        };
        for account in accounts {
            let lease = format!("reconcile:{account}");
            // Held for the interval: whoever took it reconciles this round, nobody else.
            match auth.store.take_lease(&lease, &holder, interval).await {
                Ok(true) => {}
                _ => continue,
            }
            let Ok(session) = auth.accounts.session(&account, None).await else {
                continue;
            };
            match reconcile(&auth, &session, &account).await {
                Ok(n) => tracing::info!(account = %crate::oauth::accounts::short(&account),
                    new = n, "reconciled with hh.ru"),
                Err(e) => tracing::warn!(error = %e, "reconciliation: hh.ru did not answer"),
            }
        }
    }
}

/// Records the account's new responses and unread chats' last messages; returns how
/// many were new.
pub async fn reconcile(
    auth: &Authority,
    session: &Session,
    account_id: &str,
) -> Result<usize, hh_api::Error> {
    let hh = &session.hh;
    let mut found = Vec::new();
    let employer = session
        .employer_id()
        .await
        .map_err(|f| hh_api::Error::Invalid(f.0))?
        .to_string();
    let vacancies = hh
        .read(
            hh.api()
                .list_active_vacancies()
                .employer_id(&employer)
                .send(),
        )
        .await?
        .into_active()?;
    for vacancy in &vacancies.items {
        let collections = hh.collections(&vacancy.id).await?;
        let Some(new) = collections.collections.iter().find(|c| c.id == "response") else {
            continue;
        };
        let query = CollectionQuery {
            filters: vec![(
                hh_api::only_new_parameter("response").to_string(),
                "true".to_string(),
            )],
            ..CollectionQuery::default()
        };
        let page = hh.collection_page(&new.url, &query).await?;
        for n in &page.items {
            let seen = verify::NegotiationSeen {
                id: &n.id,
                employer_state: Some(&n.employer_state.id),
                state: &n.state.id,
                chat_id: n.chat_id,
                updated_at: &n.updated_at,
            };
            found.push(verify::negotiation_change(
                &seen,
                Some((&vacancy.id, &vacancy.name)),
            ));
        }
    }
    let chats = hh
        .chats(&ChatListQuery {
            unread_only: true,
            per_page: Some(50),
            ..ChatListQuery::default()
        })
        .await?;
    for chat in &chats.items {
        let Some(last) = &chat.last_message else {
            continue;
        };
        let window = hh
            .chat_messages(
                &chat.id,
                Some(&last.id),
                1,
                hh_api::types::ListChatMessagesOrder::Next,
            )
            .await?;
        if let Some(m) = window.messages.iter().find(|m| m.id == last.id) {
            found.push(verify::message_change(&chat.id, m));
        }
    }
    let mut new = 0;
    for change in found {
        match auth.store.record_change(account_id, &change).await {
            Ok(hh_store::Surfaced::New(_)) => new += 1,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "reconciliation: could not record a change"),
        }
    }
    Ok(new)
}
