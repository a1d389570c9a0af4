//! Walking paged lists over HTTP.

mod common;

use common::*;
use futures::{StreamExt, TryStreamExt};
use hh_api::{ChatListQuery, Error, stream_items};
use httpmock::MockServer;
use serde_json::json;

fn chat(id: String) -> serde_json::Value {
    json!({
        "id": id, "type": "NEGOTIATION", "display": {"title": "Вакансия", "icon": null},
        "creation_time": "2026-11-30T10:00:00+0300", "unread_message_count": 0,
        "muted": false, "block_reason": null, "last_message": null
    })
}

fn query(page: u32, per_page: Option<u32>) -> ChatListQuery {
    ChatListQuery {
        page,
        per_page,
        ..Default::default()
    }
}

async fn chats_at(
    hh: &hh_api::Client,
    page: u32,
    per_page: Option<u32>,
) -> Result<hh_api::types::ChatsPage, Error> {
    hh.chats(&query(page, per_page)).await
}

fn chats_page(page: u32, pages: u32) -> serde_json::Value {
    json!({
        "items": [chat(format!("m{page}a")), chat(format!("m{page}b"))],
        "found": pages * 2,
        "page": page,
        "pages": pages,
        "per_page": 2,
    })
}

#[tokio::test]
async fn stream_items_walks_chats_page_by_page() {
    let server = MockServer::start_async().await;
    let (_m, log) = serve(&server, |req| {
        let page: u32 = req.query_param("page").unwrap().parse().unwrap();
        if page < 3 {
            Reply::json(200, chats_page(page, 3))
        } else {
            Reply::json(404, json!({"errors": [{"type": "not_found"}]}))
        }
    })
    .await;
    let hh = client(&server);

    let ids: Vec<String> = stream_items(|page| chats_at(&hh, page, Some(2)))
        .map_ok(|m| m.id)
        .try_collect()
        .await
        .unwrap();

    assert_eq!(ids, ["m0a", "m0b", "m1a", "m1b", "m2a", "m2b"]);
    let requests: Vec<(String, Option<String>)> = seen(&log)
        .into_iter()
        .map(|r| {
            r.assert_hh_headers(None);
            (r.path, r.query)
        })
        .collect();
    assert_eq!(
        requests,
        (0..3)
            .map(|p| (
                "/common/chats".to_string(),
                Some(format!("page={p}&per_page=2"))
            ))
            .collect::<Vec<_>>(),
        "one request per page, in order, and none past the last"
    );
}

#[tokio::test]
async fn stream_items_is_lazy_and_stops_at_the_first_error() {
    let server = MockServer::start_async().await;
    let (_m, log) = serve(&server, |req| match req.query_param("page").as_deref() {
        Some("0") => Reply::json(200, chats_page(0, 5)),
        _ => Reply::json(
            403,
            json!({"errors": [{"type": "negotiations", "value": "chat_archived"}]}),
        ),
    })
    .await;
    let hh = client(&server);

    let mut stream = Box::pin(stream_items(|page| chats_at(&hh, page, Some(2))));
    assert_eq!(stream.next().await.unwrap().unwrap().id, "m0a");
    assert_eq!(
        seen(&log).len(),
        1,
        "page 1 is not asked for before it is needed"
    );
    assert_eq!(stream.next().await.unwrap().unwrap().id, "m0b");
    let err: Error = stream.next().await.unwrap().unwrap_err();
    assert!(err.to_string().contains("chat_archived"), "{err}");
    drop(stream);
    assert_eq!(seen(&log).len(), 2);
}

#[tokio::test]
async fn an_empty_list_is_one_request() {
    let server = MockServer::start_async().await;
    let (_m, log) = serve_fixed(
        &server,
        Reply::json(
            200,
            json!({"items": [], "found": 0, "page": 0, "pages": 0, "per_page": 20}),
        ),
    )
    .await;
    let hh = client(&server);

    let items: Vec<_> = stream_items(|page| chats_at(&hh, page, None))
        .try_collect()
        .await
        .unwrap();

    assert!(items.is_empty());
    assert_eq!(only(&log).query.as_deref(), Some("page=0"));
}
