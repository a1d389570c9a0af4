//! hh's error bodies (from its error documentation) become the right `ErrorKind`,
//! keep `request_id`, and read well.

mod common;

use common::*;
use hh_api::{CollectionQuery, Error, ErrorKind, RetryPolicy, types};
use httpmock::MockServer;
use serde_json::{Value, json};

fn hh_error(kind: &str, value: Option<&str>) -> Value {
    let mut item = json!({"type": kind});
    if let Some(v) = value {
        item["value"] = json!(v);
    }
    json!({"request_id": "1700000000000abcdef", "errors": [item]})
}

/// `GET /me` answered with `status` and `body`; the error, after exactly one request.
async fn me_fails_with(status: u16, body: Value) -> Error {
    let server = MockServer::start_async().await;
    let (mock, _log) = serve_fixed(&server, Reply::json(status, body)).await;
    let hh = builder(&server).retry(RetryPolicy::none()).build().unwrap();
    let err = hh.me().await.unwrap_err();
    assert_eq!(mock.calls_async().await, 1);
    err
}

fn api(err: &Error) -> &hh_api::ApiError {
    err.api()
        .unwrap_or_else(|| panic!("expected Error::Api, got {err:?}"))
}

#[tokio::test]
async fn token_expired() {
    let err = me_fails_with(403, hh_error("oauth", Some("token_expired"))).await;
    let e = api(&err);
    assert_eq!(e.kind(), ErrorKind::TokenExpired);
    assert!(e.is_token_expired());
    assert_eq!(e.status.as_u16(), 403);
    assert_eq!(e.request_id.as_deref(), Some("1700000000000abcdef"));
    let text = err.to_string();
    assert_eq!(
        text,
        "hh.ru answered 403 Forbidden: oauth/token_expired [request_id 1700000000000abcdef]"
    );
}

#[tokio::test]
async fn token_revoked() {
    let err = me_fails_with(403, hh_error("oauth", Some("token_revoked"))).await;
    assert_eq!(api(&err).kind(), ErrorKind::TokenRevoked);
}

#[tokio::test]
async fn bad_authorization() {
    let err = me_fails_with(403, hh_error("oauth", Some("bad_authorization"))).await;
    assert_eq!(api(&err).kind(), ErrorKind::BadAuthorization);
    assert!(!api(&err).is_token_expired());
}

#[tokio::test]
async fn bad_user_agent() {
    for value in ["unset", "blacklisted"] {
        let err = me_fails_with(400, hh_error("bad_user_agent", Some(value))).await;
        assert_eq!(api(&err).kind(), ErrorKind::BadUserAgent, "{value}");
        assert!(
            err.to_string().contains(&format!("bad_user_agent/{value}")),
            "{err}"
        );
    }
}

#[tokio::test]
async fn not_found() {
    let server = MockServer::start_async().await;
    let (_m, _log) = serve_fixed(
        &server,
        Reply::json(
            404,
            json!({"request_id": "rid404", "errors": [{"type": "not_found"}]}),
        ),
    )
    .await;
    let err = client(&server).negotiation("1").await.unwrap_err();
    let e = api(&err);
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.status.as_u16(), 404);
    assert_eq!(e.request_id.as_deref(), Some("rid404"));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
}

#[tokio::test]
async fn bad_argument_names_the_argument() {
    let server = MockServer::start_async().await;
    let (_m, _log) = serve_fixed(
        &server,
        Reply::json(400, hh_error("bad_argument", Some("employer_id"))),
    )
    .await;
    let hh = client(&server);
    let err = hh
        .read(hh.api().list_active_vacancies().employer_id("foo").send())
        .await
        .unwrap_err();
    assert_eq!(
        api(&err).kind(),
        ErrorKind::BadArgument {
            argument: Some("employer_id".into())
        }
    );
    assert!(
        err.to_string().contains("bad_argument/employer_id"),
        "{err}"
    );
}

#[tokio::test]
async fn paid_access_required() {
    // A collection list is reached through `get_url`: the hand-written error path.
    let server = MockServer::start_async().await;
    let (_m, _log) = serve_fixed(
        &server,
        Reply::json(
            403,
            hh_error("api_access_payment", Some("action_must_be_payed")),
        ),
    )
    .await;
    let err = client(&server)
        .collection_page(
            &server.url("/negotiations/response?vacancy_id=1"),
            &CollectionQuery::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(api(&err).kind(), ErrorKind::PaymentRequired);
    assert_eq!(api(&err).request_id.as_deref(), Some("1700000000000abcdef"));
}

#[tokio::test]
async fn captcha_required_carries_its_url() {
    let server = MockServer::start_async().await;
    let (_m, _log) = serve_fixed(
        &server,
        Reply::json(
            403,
            json!({"request_id": "ridc", "errors": [{
                "type": "captcha_required",
                "value": "captcha_required",
                "fallback_url": "https://hh.ru/account/connect/register",
                "captcha_url": "https://hh.ru/account/captcha?state=xyz"
            }]}),
        ),
    )
    .await;
    let invite = invite_action(server.url("/negotiations/phone_interview"));
    let err = client(&server)
        .perform_action(
            &invite,
            &vec![
                ("resume_id".into(), "r".into()),
                ("vacancy_id".into(), "1".into()),
                ("message".into(), "hi".into()),
            ],
        )
        .await
        .unwrap_err();
    let e = api(&err);
    assert_eq!(
        e.kind(),
        ErrorKind::CaptchaRequired {
            captcha_url: Some("https://hh.ru/account/captcha?state=xyz".into())
        }
    );
    assert_eq!(
        e.captcha_url(),
        Some("https://hh.ru/account/captcha?state=xyz")
    );
}

#[tokio::test]
async fn invite_limit_exceeded() {
    let server = MockServer::start_async().await;
    let (_m, _log) = serve_fixed(
        &server,
        Reply::json(403, hh_error("negotiations", Some("limit_exceeded"))),
    )
    .await;
    let invite = invite_action(server.url("/negotiations/phone_interview"));
    let err = client(&server)
        .perform_action(
            &invite,
            &vec![
                ("resume_id".into(), "r".into()),
                ("vacancy_id".into(), "1".into()),
                ("message".into(), "hi".into()),
            ],
        )
        .await
        .unwrap_err();
    assert_eq!(
        api(&err).kind(),
        ErrorKind::NegotiationLimit {
            value: "limit_exceeded".into()
        }
    );
}

#[tokio::test]
async fn message_limits() {
    for value in ["in_a_row_limit", "overall_limit"] {
        let server = MockServer::start_async().await;
        let (_m, _log) = serve_fixed(
            &server,
            Reply::json(403, hh_error("negotiations", Some(value))),
        )
        .await;
        let err = client(&server)
            .mark_read(&["42".to_string()])
            .await
            .unwrap_err();
        assert_eq!(
            api(&err).kind(),
            ErrorKind::NegotiationLimit {
                value: value.into()
            },
            "{value}"
        );
        assert!(
            err.to_string().contains(&format!("negotiations/{value}")),
            "{err}"
        );
    }
}

#[tokio::test]
async fn wrong_state() {
    let server = MockServer::start_async().await;
    let (_m, _log) = serve_fixed(
        &server,
        Reply::json(403, hh_error("negotiations", Some("wrong_state"))),
    )
    .await;
    let interview = interview_action(server.url("/negotiations/interview/1"));
    let err = client(&server)
        .perform_action(&interview, &vec![("message".into(), "hi".into())])
        .await
        .unwrap_err();
    assert_eq!(api(&err).kind(), ErrorKind::WrongState);
    assert_eq!(api(&err).status.as_u16(), 403);
}

#[tokio::test]
async fn oauth_invalid_grant_from_token() {
    let server = MockServer::start_async().await;
    let (_m, _log) = serve_fixed(
        &server,
        Reply::json(
            400,
            json!({"error": "invalid_grant", "error_description": "token has already been refreshed"}),
        ),
    )
    .await;
    let hh = client(&server);
    let form: types::AuthRefreshToken = types::AuthRefreshToken::builder()
        .grant_type(types::AuthRefreshTokenGrantType::RefreshToken)
        .refresh_token("used")
        .try_into()
        .unwrap();
    let err = hh
        .write(hh.api().obtain_token().body(form).send())
        .await
        .unwrap_err();
    let e = api(&err);
    assert_eq!(e.kind(), ErrorKind::InvalidGrant);
    assert_eq!(e.oauth_error.as_deref(), Some("invalid_grant"));
    assert_eq!(
        err.to_string(),
        "hh.ru answered 400 Bad Request: invalid_grant (token has already been refreshed)"
    );
}

const HTML: &str = "<html><head><title>502 Bad Gateway</title></head>\
                    <body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>";

#[tokio::test]
async fn html_502_on_a_generated_read_is_still_an_api_error() {
    let server = MockServer::start_async().await;
    let (mock, _log) = serve_fixed(&server, Reply::text(502, "text/html", HTML)).await;
    let hh = builder(&server).retry(RetryPolicy::none()).build().unwrap();

    let err = hh.me().await.unwrap_err();

    assert_eq!(mock.calls_async().await, 1);
    let e = api(&err);
    assert_eq!(e.status.as_u16(), 502);
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(
        e.raw_body.as_deref().unwrap().contains("502 Bad Gateway"),
        "{e:?}"
    );
    let text = err.to_string();
    assert!(
        text.starts_with("hh.ru answered 502 Bad Gateway; body starts: <html>"),
        "{text}"
    );
}

#[tokio::test]
async fn html_500_on_a_followed_url_and_on_a_form_is_still_an_api_error() {
    let server = MockServer::start_async().await;
    let (_m, _log) = serve_fixed(
        &server,
        Reply::text(500, "text/html", "<html><body>Internal error</body></html>"),
    )
    .await;
    let hh = client(&server);

    let read = hh
        .collection_page(
            &server.url("/negotiations/response?vacancy_id=1"),
            &CollectionQuery::default(),
        )
        .await
        .unwrap_err();
    let write = hh.mark_read(&["1".to_string()]).await.unwrap_err();

    for err in [read, write] {
        let e = api(&err);
        assert_eq!(e.status.as_u16(), 500);
        assert_eq!(e.kind(), ErrorKind::Unavailable);
        assert!(err.to_string().contains("Internal error"), "{err}");
    }
}

#[tokio::test]
async fn a_long_html_body_is_cut_to_a_snippet() {
    let long = format!("<html>{}</html>", "x".repeat(5000));
    let server = MockServer::start_async().await;
    let (_m, _log) = serve_fixed(&server, Reply::text(502, "text/html", &long)).await;
    let hh = builder(&server).retry(RetryPolicy::none()).build().unwrap();
    let err = hh.me().await.unwrap_err();
    let raw = api(&err).raw_body.clone().unwrap();
    assert!(raw.chars().count() <= 201, "{} chars", raw.chars().count());
    assert!(err.to_string().len() < 600);
}

#[tokio::test]
async fn a_success_with_an_unreadable_body_is_a_decode_error() {
    let server = MockServer::start_async().await;
    let (_m, _log) = serve_fixed(&server, Reply::text(200, "application/json", "{\"id\": ")).await;
    let err = client(&server)
        .collection_page(
            &server.url("/negotiations/response"),
            &CollectionQuery::default(),
        )
        .await
        .unwrap_err();
    match &err {
        Error::Decode {
            status, snippet, ..
        } => {
            assert_eq!(status.map(|s| s.as_u16()), Some(200));
            assert!(snippet.contains("\"id\""), "{snippet}");
        }
        other => panic!("expected Error::Decode, got {other:?}"),
    }
}

#[tokio::test]
async fn several_errors_are_all_shown() {
    let err = me_fails_with(
        403,
        json!({"request_id": "r2", "errors": [
            {"type": "negotiations", "value": "chat_archived"},
            {"type": "oauth", "value": "token_expired"}
        ]}),
    )
    .await;
    assert_eq!(api(&err).kind(), ErrorKind::TokenExpired);
    let text = err.to_string();
    assert!(
        text.contains("negotiations/chat_archived, oauth/token_expired"),
        "{text}"
    );
}
