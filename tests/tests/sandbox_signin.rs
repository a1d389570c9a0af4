//! Staying signed in against the sandbox's `/token`: the code exchange, a refresh when
//! hh says `token_expired` (saved to the token file before use), and the refresh token
//! working once — as hh.ru's rules say.

use hh_api::auth::{OAuthApp, TokenSet, TokenStore};
use hh_api::{Client, ErrorKind};
use hh_sandbox::{Sandbox, SandboxConfig};

const UA: &str = "SignInTest/1.0 (t@example.com)";

fn store(name: &str) -> TokenStore {
    let dir = std::env::temp_dir().join(format!("hh-sandbox-signin-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    TokenStore::at(dir.join("tokens.json"))
}

fn app() -> OAuthApp {
    OAuthApp {
        client_id: "sandbox-app".into(),
        client_secret: "sandbox-secret".into(),
        redirect_uri: "http://127.0.0.1:8765/callback".into(),
    }
}

async fn signed_in(sandbox: &Sandbox, store: &TokenStore) -> (Client, TokenSet) {
    let anonymous = Client::builder()
        .base_url(sandbox.base_url())
        .user_agent(UA)
        .build()
        .unwrap();
    let tokens = anonymous
        .exchange_code(
            &app(),
            &sandbox.authorization_code(),
            "a-verifier-the-sandbox-accepts-0123456789",
        )
        .await
        .expect("the sandbox exchanges its code");
    store.save(&tokens).unwrap();
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .user_agent(UA)
        .tokens(tokens.clone(), Some(store.clone()))
        .build()
        .unwrap();
    (client, tokens)
}

#[tokio::test]
async fn an_expired_token_mid_run_is_refreshed_once_and_saved() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let store = store("refresh");
    let (hh, first) = signed_in(&sandbox, &store).await;
    let vacancy = sandbox.vacancy_ids()[0].clone();
    hh.collections(&vacancy).await.expect("the new token works");

    sandbox.expire_access_token();
    // Many concurrent calls meet the expired token; one refresh serves them all.
    let calls: Vec<_> = (0..10)
        .map(|_| {
            let hh = hh.clone();
            let vacancy = vacancy.clone();
            tokio::spawn(async move { hh.collections(&vacancy).await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().expect("refreshed transparently");
    }
    let saved = store.load().unwrap().expect("the new pair is on disk");
    assert_ne!(saved.access, first.access);
    assert_ne!(
        saved.refresh, first.refresh,
        "hh gives a new refresh token too"
    );

    // The old refresh token was used up: hh (and the sandbox) refuse it.
    let stale = Client::builder()
        .base_url(sandbox.base_url())
        .user_agent(UA)
        .tokens(
            TokenSet {
                expires_at: Some(0),
                ..first.clone()
            },
            None,
        )
        .build()
        .unwrap();
    let err = stale.collections(&vacancy).await.unwrap_err();
    assert_eq!(
        err.api().map(|a| a.kind()),
        Some(ErrorKind::InvalidGrant),
        "{err}"
    );
    let text = format!("{err} {err:?}");
    for secret in [
        first.access.expose(),
        first.refresh.as_ref().unwrap().expose(),
    ] {
        assert!(!text.contains(secret), "no token in the error: {text}");
    }
}
