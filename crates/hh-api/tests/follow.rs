//! URLs hh returns are followed only on the API host; the token never travels elsewhere,
//! not even through a redirect.

mod common;

use common::*;
use hh_api::{CollectionQuery, Error};
use httpmock::MockServer;
use serde_json::json;

/// Both servers answer everything and count; the test then checks neither was reached.
struct Two {
    api: MockServer,
    other: MockServer,
}

async fn two() -> Two {
    Two {
        api: MockServer::start_async().await,
        other: MockServer::start_async().await,
    }
}

fn assert_refused(err: &Error, what: &str) {
    match err {
        Error::Invalid(msg) => assert!(
            msg.contains("refusing to send the access token") || msg.contains("is not a URL"),
            "{what}: {msg}"
        ),
        other => panic!("{what}: expected Error::Invalid, got {other:?}"),
    }
    assert!(!err.to_string().contains(TOKEN));
}

/// URLs that are not the API host: another port, another name for the same machine,
/// another scheme, a look-alike, a protocol-relative path.
fn foreign_urls(t: &Two, path: &str) -> Vec<String> {
    let api_port = t.api.port();
    vec![
        t.other.url(path),
        format!("http://localhost:{api_port}{path}"),
        format!("https://127.0.0.1:{api_port}{path}"),
        format!("http://127.0.0.1.nip.io:{api_port}{path}"),
        format!("//127.0.0.1:{}{path}", t.other.port()),
        format!(
            "http://127.0.0.1:{api_port}@127.0.0.1:{}{path}",
            t.other.port()
        ),
    ]
}

#[tokio::test]
async fn a_collection_url_on_another_host_is_refused_before_any_request() {
    let t = two().await;
    let (api_mock, _) =
        serve_fixed(&t.api, Reply::json(200, negotiations_page(&[], 0, 1, 20))).await;
    let (other_mock, _) =
        serve_fixed(&t.other, Reply::json(200, negotiations_page(&[], 0, 1, 20))).await;
    let hh = client(&t.api);

    for url in foreign_urls(&t, "/negotiations/response?vacancy_id=1") {
        let err = hh
            .collection_page(&url, &CollectionQuery::default())
            .await
            .unwrap_err();
        assert_refused(&err, &url);
        let err = hh
            .collection_all(&url, &CollectionQuery::default(), 2)
            .await
            .unwrap_err();
        assert_refused(&err, &url);
    }

    assert_eq!(api_mock.calls_async().await, 0);
    assert_eq!(other_mock.calls_async().await, 0);
}

#[tokio::test]
async fn an_action_url_on_another_host_is_refused_before_any_request() {
    let t = two().await;
    let (api_mock, _) = serve_fixed(&t.api, Reply::empty(204)).await;
    let (other_mock, _) = serve_fixed(&t.other, Reply::empty(204)).await;
    let hh = client(&t.api);

    for url in foreign_urls(&t, "/negotiations/interview/1") {
        let put = interview_action(url.clone());
        let err = hh
            .perform_action(&put, &vec![("message".into(), "hi".into())])
            .await
            .unwrap_err();
        assert_refused(&err, &url);
        let post = invite_action(url.clone());
        let err = hh
            .perform_action(
                &post,
                &vec![
                    ("resume_id".into(), "r".into()),
                    ("vacancy_id".into(), "1".into()),
                    ("message".into(), "hi".into()),
                ],
            )
            .await
            .unwrap_err();
        assert_refused(&err, &url);
    }

    assert_eq!(api_mock.calls_async().await, 0);
    assert_eq!(other_mock.calls_async().await, 0);
}

#[tokio::test]
async fn a_resume_url_on_another_host_is_refused_before_any_request() {
    let t = two().await;
    let (api_mock, _) = serve_fixed(&t.api, Reply::json(200, json!({"id": "r"}))).await;
    let (other_mock, _) = serve_fixed(&t.other, Reply::json(200, json!({"id": "r"}))).await;
    let hh = client(&t.api);

    for url in foreign_urls(&t, "/resumes/r?topic_id=1") {
        let n = negotiation_with_resume("1", json!({"id": "r", "url": url}));
        let err = hh.negotiation_resume(&n).await.unwrap_err();
        assert_refused(&err, &url);
    }

    assert_eq!(api_mock.calls_async().await, 0);
    assert_eq!(other_mock.calls_async().await, 0);
}

#[tokio::test]
async fn a_path_is_taken_relative_to_the_api() {
    let t = two().await;
    let (_m, log) = serve_fixed(&t.api, Reply::json(200, negotiations_page(&[], 0, 1, 20))).await;
    let (other_mock, _) = serve_fixed(&t.other, Reply::empty(500)).await;

    client(&t.api)
        .collection_page(
            "/negotiations/response?vacancy_id=3",
            &CollectionQuery::default(),
        )
        .await
        .unwrap();

    let req = only(&log);
    assert_eq!(req.path, "/negotiations/response");
    assert_eq!(req.query.as_deref(), Some("vacancy_id=3&page=0"));
    req.assert_hh_headers(None);
    assert_eq!(other_mock.calls_async().await, 0);
}

#[tokio::test]
async fn redirects_are_not_followed_by_generated_reads() {
    let t = two().await;
    let (other_mock, _) = serve_fixed(&t.other, Reply::json(200, me_json())).await;
    let (api_mock, _) = serve_fixed(
        &t.api,
        Reply::empty(302).with_header("Location", &t.other.url("/me")),
    )
    .await;

    let err = client(&t.api).me().await.unwrap_err();

    assert_eq!(err.status().map(|s| s.as_u16()), Some(302), "{err:?}");
    assert_eq!(
        api_mock.calls_async().await,
        1,
        "a redirect is not a reason to retry"
    );
    assert_eq!(
        other_mock.calls_async().await,
        0,
        "the other host saw nothing"
    );
}

#[tokio::test]
async fn redirects_are_not_followed_by_followed_urls_or_forms() {
    let t = two().await;
    let (other_mock, _) = serve_fixed(&t.other, Reply::empty(200)).await;
    let (_api_mock, _) = serve_fixed(
        &t.api,
        Reply::empty(307).with_header("Location", &t.other.url("/steal")),
    )
    .await;
    let hh = client(&t.api);

    let read = hh
        .collection_page(
            &t.api.url("/negotiations/response"),
            &CollectionQuery::default(),
        )
        .await
        .unwrap_err();
    let write = hh
        .perform_action(
            &interview_action(t.api.url("/negotiations/interview/1")),
            &vec![("message".into(), "hi".into())],
        )
        .await
        .unwrap_err();

    for err in [read, write] {
        assert_eq!(err.status().map(|s| s.as_u16()), Some(307), "{err:?}");
    }
    assert_eq!(
        other_mock.calls_async().await,
        0,
        "the other host saw nothing"
    );
}
