//! Reads are repeated after 429/502/503/504 and connection failures, within bounds;
//! writes never are.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::*;
use hh_api::{Client, CollectionQuery, Error, ErrorKind, RetryPolicy};
use httpmock::MockServer;
use serde_json::json;

/// Answers `first` for the first `n` requests, then `then`.
async fn fail_then(
    server: &MockServer,
    n: usize,
    first: Reply,
    then: Reply,
) -> (httpmock::Mock<'_>, Log) {
    let count = Arc::new(AtomicUsize::new(0));
    serve(server, move |_| {
        if count.fetch_add(1, Ordering::SeqCst) < n {
            first.clone()
        } else {
            then.clone()
        }
    })
    .await
}

fn unavailable() -> Reply {
    Reply::json(503, json!({"errors": [{"type": "service_unavailable"}]}))
}

#[tokio::test]
async fn a_read_that_meets_503_then_200_succeeds() {
    let server = MockServer::start_async().await;
    let (_m, log) = fail_then(&server, 1, unavailable(), Reply::json(200, me_json())).await;

    let me = client(&server).me().await.unwrap();

    assert_eq!(me.user_id(), Some("777"));
    let all = seen(&log);
    assert_eq!(all.len(), 2, "{all:#?}");
    for req in &all {
        assert_eq!((req.method.as_str(), req.path.as_str()), ("GET", "/me"));
        req.assert_hh_headers(None);
    }
}

#[tokio::test]
async fn a_followed_url_is_retried_too() {
    let server = MockServer::start_async().await;
    let (_m, log) = fail_then(
        &server,
        2,
        Reply::text(502, "text/html", "<html>bad gateway</html>"),
        Reply::json(200, negotiations_page(&["1".to_string()], 0, 1, 20)),
    )
    .await;

    let page = client(&server)
        .collection_page(
            &server.url("/negotiations/response?vacancy_id=5"),
            &CollectionQuery::default(),
        )
        .await
        .unwrap();

    assert_eq!(page.items.len(), 1);
    let queries: Vec<_> = seen(&log).into_iter().map(|r| r.query).collect();
    assert_eq!(queries, vec![Some("vacancy_id=5&page=0".to_string()); 3]);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = MockServer::start_async().await;
    let (_m, log) = fail_then(
        &server,
        1,
        Reply::json(429, json!({"errors": [{"type": "too_many_requests"}]}))
            .with_header("Retry-After", "1"),
        Reply::json(200, me_json()),
    )
    .await;

    let started = Instant::now();
    client(&server).me().await.unwrap();
    let took = started.elapsed();

    assert_eq!(seen(&log).len(), 2);
    assert!(took >= Duration::from_millis(950), "waited only {took:?}");
    assert!(took < Duration::from_secs(3), "took {took:?}");
}

#[tokio::test]
async fn a_retry_after_beyond_max_delay_gives_up_at_once() {
    let server = MockServer::start_async().await;
    let (_m, log) = serve_fixed(
        &server,
        Reply::json(429, json!({"errors": [{"type": "too_many_requests"}]}))
            .with_header("Retry-After", "120"),
    )
    .await;

    let started = Instant::now();
    let err = client(&server).me().await.unwrap_err();

    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(seen(&log).len(), 1);
    let e = err.api().expect("an API error");
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(e.retry_after, Some(Duration::from_secs(120)));
}

#[tokio::test]
async fn attempts_are_bounded() {
    let server = MockServer::start_async().await;
    let (mock, _log) = serve_fixed(&server, unavailable()).await;
    let hh = builder(&server)
        .retry(RetryPolicy {
            max_attempts: 4,
            ..fast_retry()
        })
        .build()
        .unwrap();

    let err = hh.negotiation("1").await.unwrap_err();

    assert_eq!(
        mock.calls_async().await,
        4,
        "max_attempts requests, no more"
    );
    let e = err.api().expect("an API error");
    assert_eq!(e.status.as_u16(), 503);
    assert_eq!(e.kind(), ErrorKind::Unavailable);
}

#[tokio::test]
async fn no_retry_policy_means_one_attempt() {
    let server = MockServer::start_async().await;
    let (mock, _log) = serve_fixed(&server, unavailable()).await;
    let hh = builder(&server).retry(RetryPolicy::none()).build().unwrap();

    hh.me().await.unwrap_err();

    assert_eq!(mock.calls_async().await, 1);
}

#[tokio::test]
async fn a_500_is_not_retried() {
    let server = MockServer::start_async().await;
    let (mock, _log) = serve_fixed(&server, Reply::json(500, json!({"errors": []}))).await;

    let err = client(&server).me().await.unwrap_err();

    assert_eq!(mock.calls_async().await, 1);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
}

/// Each write, sent once to a server that answers 503.
async fn write_meets_503(write: impl AsyncFnOnce(&Client, &MockServer) -> Result<(), Error>) {
    let server = MockServer::start_async().await;
    let (mock, log) = serve_fixed(&server, unavailable()).await;
    let hh = client(&server);

    let err = write(&hh, &server).await.unwrap_err();

    assert_eq!(
        mock.calls_async().await,
        1,
        "a write is never repeated: {:#?}",
        seen(&log)
    );
    let e = err
        .api()
        .unwrap_or_else(|| panic!("expected Error::Api, got {err:?}"));
    assert_eq!(e.status.as_u16(), 503);
}

#[tokio::test]
async fn edits_and_deletes_of_chat_messages_are_not_repeated() {
    // Only a send carries an idempotency key; nothing else about a chat is repeated.
    write_meets_503(async |hh, _| hh.edit_chat_message("7", "42", "Hello").await).await;
    write_meets_503(async |hh, _| hh.delete_chat_message("7", "42").await).await;
    write_meets_503(async |hh, _| hh.mark_chat_read("7", "42").await).await;
}

#[tokio::test]
async fn an_invite_is_not_repeated() {
    write_meets_503(async |hh, server| {
        let invite = invite_action(server.url("/negotiations/phone_interview"));
        hh.perform_action(
            &invite,
            &vec![
                ("resume_id".into(), "r".into()),
                ("vacancy_id".into(), "1".into()),
                ("message".into(), "hi".into()),
            ],
        )
        .await
        .map(drop)
    })
    .await;
}

#[tokio::test]
async fn a_put_action_is_not_repeated() {
    write_meets_503(async |hh, server| {
        let interview = interview_action(server.url("/negotiations/interview/1"));
        hh.perform_action(&interview, &vec![("message".into(), "hi".into())])
            .await
            .map(drop)
    })
    .await;
}

#[tokio::test]
async fn bulk_move_and_mark_read_are_not_repeated() {
    write_meets_503(async |hh, _| {
        hh.move_negotiations("discard_by_employer", &["1".to_string()], &vec![])
            .await
    })
    .await;
    write_meets_503(async |hh, _| hh.mark_read(&["1".to_string()]).await).await;
}

#[tokio::test]
async fn a_write_meeting_429_is_not_repeated() {
    let server = MockServer::start_async().await;
    let (mock, _log) = serve_fixed(
        &server,
        Reply::json(429, json!({"errors": []})).with_header("Retry-After", "0"),
    )
    .await;

    let err = client(&server)
        .mark_read(&["42".to_string()])
        .await
        .unwrap_err();

    assert_eq!(mock.calls_async().await, 1);
    assert_eq!(err.api().unwrap().kind(), ErrorKind::RateLimited);
}

#[tokio::test]
async fn connection_refused_is_a_transport_error_after_retries() {
    let base = closed_port_url();
    let policy = RetryPolicy {
        max_attempts: 3,
        max_elapsed: Duration::from_secs(10),
        base_delay: Duration::from_millis(200),
        max_delay: Duration::from_secs(2),
    };
    let hh = Client::builder()
        .base_url(&base)
        .user_agent(UA)
        .token(TOKEN)
        .retry(policy)
        .build()
        .unwrap();

    let started = Instant::now();
    let err = hh.me().await.unwrap_err();
    let took = started.elapsed();

    match &err {
        Error::Transport { url, kind, .. } => {
            assert!(url.starts_with(&base), "{url}");
            assert_eq!(*kind, hh_api::TransportKind::Connect);
            assert!(
                !err.may_have_reached_hh(),
                "a refused connection sent nothing"
            );
        }
        other => panic!("expected Error::Transport, got {other:?}"),
    }
    // Two waits of at least half the backoff each (100 ms, then 200 ms): proof it retried.
    assert!(took >= Duration::from_millis(300), "gave up after {took:?}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(err.to_string().contains("could not reach hh.ru"), "{err}");
}

#[tokio::test]
async fn connection_refused_without_retries_is_quick() {
    let hh = Client::builder()
        .base_url(closed_port_url())
        .user_agent(UA)
        .retry(RetryPolicy {
            base_delay: Duration::from_millis(500),
            ..RetryPolicy::none()
        })
        .build()
        .unwrap();
    let started = Instant::now();
    let err = hh.me().await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_millis(400));
}
