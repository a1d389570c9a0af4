//! Staying signed in: refresh on expiry and on `token_expired`, one refresh for many
//! concurrent calls, the new pair saved before use, and `invalid_grant` said plainly.

mod common;

use std::sync::Arc;

use hh_api::auth::{TokenSet, TokenStore, now_unix};
use hh_api::{AccessToken, Client, ErrorKind};
use httpmock::prelude::*;
use serde_json::json;

const UA: &str = "RefreshTest/1.0 (t@example.com)";

fn me_body() -> serde_json::Value {
    common::me_json_with_id("1")
}

fn pair(access: &str, refresh: &str, expires_at: u64) -> TokenSet {
    TokenSet {
        access: AccessToken::new(access),
        refresh: Some(AccessToken::new(refresh)),
        expires_at: Some(expires_at),
    }
}

fn store(name: &str) -> TokenStore {
    let dir = std::env::temp_dir().join(format!("hh-refresh-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    TokenStore::at(dir.join("tokens.json"))
}

fn client(server: &MockServer, tokens: TokenSet, store: Option<TokenStore>) -> Client {
    Client::builder()
        .base_url(server.base_url())
        .user_agent(UA)
        .tokens(tokens, store)
        .build()
        .unwrap()
}

fn token_answer(access: &str, refresh: &str) -> serde_json::Value {
    json!({"access_token": access, "refresh_token": refresh, "token_type": "bearer", "expires_in": 1209600})
}

#[tokio::test]
async fn an_expired_pair_is_refreshed_before_the_request_and_saved_first() {
    let server = MockServer::start_async().await;
    let refresh = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/token")
                .header("hh-user-agent", UA)
                .body("grant_type=refresh_token&refresh_token=OLD-REFRESH");
            then.status(200)
                .json_body(token_answer("NEW-ACCESS", "NEW-REFRESH"));
        })
        .await;
    let me = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/me")
                .header("authorization", "Bearer NEW-ACCESS");
            then.status(200).json_body(me_body());
        })
        .await;
    let store = store("expiry");
    let hh = client(
        &server,
        pair("OLD-ACCESS", "OLD-REFRESH", now_unix() - 5),
        Some(store.clone()),
    );
    hh.me().await.unwrap();
    refresh.assert_calls_async(1).await;
    me.assert_calls_async(1).await;
    let saved = store.load().unwrap().unwrap();
    assert_eq!(saved.access.expose(), "NEW-ACCESS");
    assert_eq!(saved.refresh.unwrap().expose(), "NEW-REFRESH");
    assert!(saved.expires_at.unwrap() > now_unix() + 1_000_000);
}

#[tokio::test]
async fn token_expired_refreshes_once_and_repeats_the_request_even_a_post() {
    let server = MockServer::start_async().await;
    let refused = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/negotiations/read")
                .header("authorization", "Bearer OLD-ACCESS");
            then.status(403)
                .json_body(json!({"errors": [{"type": "oauth", "value": "token_expired"}], "request_id": "r1"}));
        })
        .await;
    let refresh = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/token")
                .body("grant_type=refresh_token&refresh_token=R1");
            then.status(200).json_body(token_answer("NEW-ACCESS", "R2"));
        })
        .await;
    let accepted = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/negotiations/read")
                .header("authorization", "Bearer NEW-ACCESS")
                .body("topic_id=9");
            then.status(204);
        })
        .await;
    // The stored expiry is in the future: only hh's answer reveals the token is dead.
    let hh = client(&server, pair("OLD-ACCESS", "R1", now_unix() + 3600), None);
    hh.mark_read(&["9".to_string()]).await.unwrap();
    refused.assert_calls_async(1).await;
    refresh.assert_calls_async(1).await;
    accepted.assert_calls_async(1).await;
}

#[tokio::test]
async fn twenty_concurrent_calls_with_an_expired_token_cause_one_refresh() {
    let server = MockServer::start_async().await;
    let refresh = server
        .mock_async(|when, then| {
            when.method(POST).path("/token");
            then.status(200)
                .delay(std::time::Duration::from_millis(100))
                .json_body(token_answer("NEW-ACCESS", "R2"));
        })
        .await;
    let old = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/me")
                .header("authorization", "Bearer OLD-ACCESS");
            then.status(403)
                .json_body(json!({"errors": [{"type": "oauth", "value": "token_expired"}]}));
        })
        .await;
    let new = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/me")
                .header("authorization", "Bearer NEW-ACCESS");
            then.status(200).json_body(me_body());
        })
        .await;
    let hh = Arc::new(client(
        &server,
        pair("OLD-ACCESS", "R1", now_unix() + 3600),
        None,
    ));
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let hh = hh.clone();
            tokio::spawn(async move { hh.me().await })
        })
        .collect();
    for c in calls {
        c.await.unwrap().unwrap();
    }
    refresh.assert_calls_async(1).await;
    assert!(old.calls_async().await <= 20);
    new.assert_calls_async(20).await;
}

#[tokio::test]
async fn invalid_grant_says_to_sign_in_again_and_leaks_no_token() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/token");
            then.status(400).json_body(json!({
                "error": "invalid_grant",
                "error_description": "token has already been refreshed"
            }));
        })
        .await;
    let me = server
        .mock_async(|when, then| {
            when.method(GET).path("/me");
            then.status(200).json_body(me_body());
        })
        .await;
    let store = store("invalid-grant");
    let hh = client(
        &server,
        pair("SECRET-ACCESS", "SECRET-REFRESH", now_unix() - 1),
        Some(store.clone()),
    );
    let err = hh.me().await.unwrap_err();
    assert_eq!(err.api().map(|a| a.kind()), Some(ErrorKind::InvalidGrant));
    me.assert_calls_async(0).await;
    let text = format!("{err} {err:?}");
    assert!(text.contains("invalid_grant"), "{text}");
    assert!(!text.contains("SECRET"), "{text}");
    assert_eq!(store.load().unwrap(), None, "nothing was saved over");
}

/// A pair shared by "replicas" (two clients): one lock, one stored pair.
#[derive(Debug, Default)]
struct SharedPair {
    stored: tokio::sync::Mutex<Option<TokenSet>>,
}

impl hh_api::SharedTokens for SharedPair {
    fn refresh<'a>(
        &'a self,
        seen: &'a TokenSet,
        may_refresh: bool,
        grant: hh_api::RefreshGrant<'a>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = hh_api::Kept> + Send + 'a>> {
        Box::pin(async move {
            let mut stored = self.stored.lock().await;
            let now = stored.clone().expect("a stored pair");
            if now.access != seen.access {
                return hh_api::Kept::Tokens(now);
            }
            if !may_refresh {
                return hh_api::Kept::Unchanged;
            }
            match grant.exchange(now.refresh.as_ref().unwrap()).await {
                Ok(new) => {
                    *stored = Some(new.clone());
                    hh_api::Kept::Tokens(new)
                }
                Err(refused) => hh_api::Kept::Refused(refused),
            }
        })
    }
}

fn replica(server: &MockServer, tokens: TokenSet, shared: Arc<SharedPair>) -> Client {
    Client::builder()
        .base_url(server.base_url())
        .user_agent(UA)
        .shared_tokens(tokens, shared)
        .build()
        .unwrap()
}

#[tokio::test]
async fn replicas_sharing_a_pair_refresh_it_once_and_pick_up_each_others_pair() {
    let server = MockServer::start_async().await;
    let refresh = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/token")
                .body("grant_type=refresh_token&refresh_token=R1");
            then.status(200)
                .delay(std::time::Duration::from_millis(100))
                .json_body(token_answer("NEW-ACCESS", "R2"));
        })
        .await;
    let old = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/me")
                .header("authorization", "Bearer OLD-ACCESS");
            then.status(403)
                .json_body(json!({"errors": [{"type": "oauth", "value": "token_expired"}]}));
        })
        .await;
    let new = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/me")
                .header("authorization", "Bearer NEW-ACCESS");
            then.status(200).json_body(me_body());
        })
        .await;
    let old_pair = pair("OLD-ACCESS", "R1", now_unix() + 3600);
    let shared = Arc::new(SharedPair::default());
    *shared.stored.lock().await = Some(old_pair.clone());
    let a = Arc::new(replica(&server, old_pair.clone(), shared.clone()));
    let b = Arc::new(replica(&server, old_pair.clone(), shared.clone()));
    let calls: Vec<_> = (0..20)
        .map(|i| {
            let hh = if i % 2 == 0 { a.clone() } else { b.clone() };
            tokio::spawn(async move { hh.me().await })
        })
        .collect();
    for c in calls {
        c.await.unwrap().unwrap();
    }
    refresh.assert_calls_async(1).await;
    assert!(old.calls_async().await <= 20);
    new.assert_calls_async(20).await;
    assert_eq!(
        shared.stored.lock().await.as_ref().unwrap().access.expose(),
        "NEW-ACCESS"
    );

    // A third replica still holding the old, unexpired-looking pair is told the token is
    // unknown (hh replaced it): it takes the stored pair without refreshing.
    let c = replica(&server, old_pair, shared.clone());
    old.delete_async().await;
    let stale = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/me")
                .header("authorization", "Bearer OLD-ACCESS");
            then.status(403)
                .json_body(json!({"errors": [{"type": "oauth", "value": "bad_authorization"}]}));
        })
        .await;
    c.me().await.unwrap();
    stale.assert_calls_async(1).await;
    refresh.assert_calls_async(1).await;
}
