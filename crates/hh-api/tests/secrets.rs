//! The access token never shows in an error's text or in a client's `Debug`.

mod common;

use common::*;
use hh_api::{CollectionQuery, Error, RetryPolicy};
use httpmock::MockServer;
use serde_json::json;

fn assert_no_token(err: &Error) {
    let display = err.to_string();
    let debug = format!("{err:?}");
    let pretty = format!("{err:#?}");
    for text in [&display, &debug, &pretty] {
        assert!(!text.contains(TOKEN), "token leaked: {text}");
        assert!(!text.contains("SeCrEt"), "part of the token leaked: {text}");
    }
}

#[tokio::test]
async fn not_in_a_transport_error() {
    let hh = hh_api::Client::builder()
        .base_url(closed_port_url())
        .user_agent(UA)
        .token(TOKEN)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();

    let generated = hh.me().await.unwrap_err();
    assert!(
        matches!(generated, Error::Transport { .. }),
        "{generated:?}"
    );
    assert_no_token(&generated);

    let followed = hh
        .collection_page(
            "/negotiations/response?vacancy_id=1",
            &CollectionQuery::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(followed, Error::Transport { .. }), "{followed:?}");
    assert_no_token(&followed);

    let form = hh.mark_read(&["1".to_string()]).await.unwrap_err();
    assert!(matches!(form, Error::Transport { .. }), "{form:?}");
    assert_no_token(&form);
}

#[tokio::test]
async fn not_in_an_api_error() {
    let server = MockServer::start_async().await;
    let (_m, log) = serve_fixed(
        &server,
        Reply::json(
            403,
            json!({"request_id": "r", "errors": [{"type": "oauth", "value": "bad_authorization"}]}),
        )
        .with_header("WWW-Authenticate", "Bearer error=\"invalid_token\""),
    )
    .await;
    let hh = client(&server);

    let generated = hh.me().await.unwrap_err();
    assert!(generated.api().is_some(), "{generated:?}");
    assert_no_token(&generated);

    let form = hh.mark_read(&["1".to_string()]).await.unwrap_err();
    assert_no_token(&form);

    let chat = hh
        .send_chat_message(
            "1",
            &hh_api::IdempotencyKey::random(),
            &hh_api::ChatContent::Text {
                text: "hi".into(),
                automated: true,
            },
        )
        .await
        .unwrap_err();
    assert_no_token(&chat);

    let followed = hh
        .collection_page(
            &server.url("/negotiations/response"),
            &CollectionQuery::default(),
        )
        .await
        .unwrap_err();
    assert_no_token(&followed);

    // The token did go to the API, so the test would see a leak if errors echoed requests.
    assert_eq!(
        seen(&log)[0].header("authorization"),
        format!("Bearer {TOKEN}")
    );
}

#[tokio::test]
async fn not_in_a_decode_error_or_a_refusal() {
    let server = MockServer::start_async().await;
    let (_m, _log) = serve_fixed(&server, Reply::text(200, "application/json", "[1,2")).await;
    let hh = client(&server);

    let decode = hh.me().await.unwrap_err();
    assert_no_token(&decode);

    let refused = hh
        .collection_page(
            "https://evil.example/negotiations/x",
            &CollectionQuery::default(),
        )
        .await
        .unwrap_err();
    assert_no_token(&refused);
}

#[tokio::test]
async fn not_in_a_clients_debug() {
    let server = MockServer::start_async().await;
    let builder = builder(&server).manager_account_id("31337");
    let builder_text = format!("{builder:?}");
    assert!(!builder_text.contains(TOKEN), "{builder_text}");

    let hh = builder.build().unwrap();
    for text in [
        format!("{hh:?}"),
        format!("{hh:#?}"),
        format!("{:?}", hh.api()),
        format!("{:?}", hh.access_token()),
    ] {
        assert!(!text.contains(TOKEN), "token in Debug: {text}");
        assert!(
            !text.contains("SeCrEt"),
            "part of the token in Debug: {text}"
        );
    }
    // It is still there to be used.
    assert_eq!(hh.access_token().unwrap().expose(), TOKEN);

    // After a refresh, the new one is hidden too.
    hh.set_token(Some("tok-NeW-SeCrEt-99".into()));
    let text = format!("{hh:?}");
    assert!(!text.contains("tok-NeW-SeCrEt-99"), "{text}");
}

/// A proxy's error page that echoes the request's headers: the body is shown in the
/// error, with the token masked — for generated operations and followed URLs alike.
#[tokio::test]
async fn masked_when_an_error_page_echoes_the_authorization_header() {
    let server = MockServer::start_async().await;
    let echo =
        format!("<html>502 Bad Gateway; request headers: Authorization: Bearer {TOKEN}</html>");
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(502).body(echo.clone());
        })
        .await;
    let hh = hh_api::Client::builder()
        .base_url(server.base_url())
        .user_agent(UA)
        .token(TOKEN)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    for err in [
        hh.me().await.unwrap_err(),
        hh.collection_page(
            "/negotiations/response?vacancy_id=1",
            &CollectionQuery::default(),
        )
        .await
        .unwrap_err(),
        hh.mark_read(&["1".to_string()]).await.unwrap_err(),
    ] {
        assert_no_token(&err);
        assert!(err.to_string().contains("Bearer ***"), "{err}");
    }
}

#[tokio::test]
async fn not_sent_where_a_token_is_being_obtained() {
    let server = MockServer::start_async().await;
    let (_m, log) = serve(&server, |req| match req.path.as_str() {
        "/token" => Reply::json(
            200,
            json!({"access_token": "A2", "refresh_token": "R2", "expires_in": 1209600, "token_type": "bearer"}),
        ),
        _ => Reply::json(200, me_json()),
    })
    .await;
    // A client that holds a token (as one does after signing in before) exchanges a code.
    let hh = client(&server);
    let app = hh_api::OAuthApp {
        client_id: "app".into(),
        client_secret: "app-secret".into(),
        redirect_uri: "http://127.0.0.1:8910/cb".into(),
    };
    let tokens = hh.exchange_code(&app, "CODE", "VERIFIER").await.unwrap();
    assert_eq!(tokens.access.expose(), "A2");
    hh.me().await.unwrap();
    let seen = seen(&log);
    assert_eq!(seen[0].path, "/token");
    assert!(seen[0].all("authorization").is_empty(), "{:?}", seen[0]);
    assert_eq!(seen[0].header("hh-user-agent"), UA);
    // Every other request still carries it.
    assert_eq!(seen[1].header("authorization"), format!("Bearer {TOKEN}"));
}
