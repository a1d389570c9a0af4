//! A whole vacancy's negotiations: every collection, every page, under one bound.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::*;
use hh_api::{Client, VacancyFetch};
use hh_sandbox::{Faults, Sandbox, SandboxConfig};
use httpmock::MockServer;
use serde_json::{Value, json};

async fn big_vacancy(negotiations: usize) -> (Sandbox, Client, String) {
    let sandbox = Sandbox::start(SandboxConfig {
        big_vacancy_negotiations: Some(negotiations),
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts");
    let hh = Client::builder()
        .base_url(sandbox.base_url())
        .user_agent(UA)
        .token(sandbox.access_token())
        .build()
        .expect("client builds");
    let vacancy = sandbox.big_vacancy_id().expect("a big vacancy");
    (sandbox, hh, vacancy)
}

fn fetch(concurrency: usize) -> VacancyFetch {
    VacancyFetch {
        concurrency,
        ..VacancyFetch::default()
    }
}

#[tokio::test]
async fn every_negotiation_once_in_one_round_trip_per_page() {
    let (sandbox, hh, vacancy) = big_vacancy(333).await;
    let counters = hh.collections(&vacancy).await.unwrap();
    let pages: u32 = counters
        .collections
        .iter()
        .map(|c| {
            c.counters
                .as_ref()
                .unwrap()
                .total
                .map(|t| u32::try_from(t).unwrap())
                .unwrap()
                .div_ceil(50)
                .max(1)
        })
        .sum();

    let before = sandbox.request_count();
    let all = hh.vacancy_negotiations(&vacancy, &fetch(4)).await.unwrap();
    assert_eq!(sandbox.request_count() - before, u64::from(all.requests));
    assert_eq!(
        all.requests,
        1 + pages,
        "the collections, then each page once"
    );

    let ids: Vec<&str> = all.negotiations().map(|n| n.id.as_str()).collect();
    assert_eq!(ids.len(), 333);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 333);
    assert!(all.is_complete());
    assert_eq!(all.moved_during_fetch, 0);
    // Each collection holds what its counters said, in hh's order, and only its own.
    for (c, listed) in all.collections.iter().zip(&counters.collections) {
        assert_eq!(c.collection.id, listed.id);
        assert_eq!(
            c.negotiations.len() as i64,
            listed.counters.as_ref().unwrap().total.unwrap()
        );
        assert_eq!(c.found, c.negotiations.len() as u32);
        let page0 = hh
            .collection_page(
                &listed.url,
                &hh_api::CollectionQuery {
                    per_page: Some(50),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let first: Vec<&str> = page0.items.iter().map(|n| n.id.as_str()).collect();
        let ours: Vec<&str> = c
            .negotiations
            .iter()
            .take(first.len())
            .map(|n| n.id.as_str())
            .collect();
        assert_eq!(ours, first, "collection {} keeps hh's order", listed.id);
    }
}

#[tokio::test]
async fn the_bound_is_shared_by_all_collections_and_respected() {
    let (sandbox, hh, vacancy) = big_vacancy(400).await;
    // Held answers make requests overlap as much as the client lets them.
    sandbox.set_faults(Faults {
        latency: Duration::from_millis(50),
        ..Faults::default()
    });
    for bound in [1, 3, 6] {
        sandbox.reset_peak_in_flight();
        let all = hh
            .vacancy_negotiations(&vacancy, &fetch(bound))
            .await
            .unwrap();
        assert_eq!(all.negotiations().count(), 400);
        assert_eq!(sandbox.peak_in_flight(), bound, "concurrency {bound}");
    }
}

#[tokio::test]
async fn rate_limits_and_outages_are_waited_out_and_nothing_is_lost() {
    let (sandbox, _, vacancy) = big_vacancy(500).await;
    let hh = Client::builder()
        .base_url(sandbox.base_url())
        .user_agent(UA)
        .token(sandbox.access_token())
        .retry(hh_api::RetryPolicy {
            max_attempts: 12,
            ..fast_retry()
        })
        .build()
        .unwrap();
    // A third of all answers refused: 429 with `Retry-After: 0`, or 503.
    sandbox.set_faults(Faults {
        rate_429: 0.2,
        retry_after_secs: 0,
        rate_503: 0.15,
        ..Faults::default()
    });
    let before = sandbox.request_count();
    let all = hh.vacancy_negotiations(&vacancy, &fetch(4)).await.unwrap();
    let ids: HashSet<&str> = all.negotiations().map(|n| n.id.as_str()).collect();
    assert_eq!((all.negotiations().count(), ids.len()), (500, 500));
    assert!(all.is_complete());
    let made = sandbox.request_count() - before;
    assert!(
        made > u64::from(all.requests),
        "refused requests were repeated: {made} sent for {} needed",
        all.requests
    );
}

#[tokio::test]
async fn a_failing_page_fails_the_fetch() {
    let (sandbox, hh, vacancy) = big_vacancy(200).await;
    let cols = hh.collections(&vacancy).await.unwrap();
    assert!(!cols.collections.is_empty());
    // Every answer after the collections list is refused, and POST-free reads are
    // repeated a few times first; the error is hh's.
    sandbox.set_faults(Faults {
        rate_503: 1.0,
        ..Faults::default()
    });
    let err = hh
        .vacancy_negotiations(&vacancy, &fetch(4))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("503"), "{err}");
}

// ---- counters that are out of date, and lists that move, against a scripted server ----

fn collection(server: &MockServer, id: &str, total: u32) -> Value {
    shaped(
        "Collection",
        json!({
            "id": id,
            "name": id,
            "url": server.url(format!("/negotiations/{id}?vacancy_id=7")),
            "counters": {"total": total, "with_updates": 0},
            "order_types": [],
            "sub_collections": [],
        }),
    )
}

fn negotiation(id: &str, updated_at: &str) -> Value {
    let mut n = listed_negotiation_json(id);
    n["updated_at"] = json!(updated_at);
    n
}

fn list_page(items: Vec<Value>, page: u32, pages: u32, found: u32) -> Reply {
    Reply::json(
        200,
        shaped(
            "NegotiationsPage",
            json!({"items": items, "found": found, "page": page, "pages": pages, "per_page": 2}),
        ),
    )
}

#[tokio::test]
async fn stale_counters_are_corrected_by_the_pages_themselves() {
    let server = MockServer::start_async().await;
    let cols = json!({
        "collections": [
            // Says 2 (one page of 2); the list has grown to 5 (three pages).
            collection(&server, "response", 2),
            // Says 10 (five pages); the list has shrunk to 1.
            collection(&server, "consider", 10),
            // Says 0; it has one.
            collection(&server, "interview", 0),
        ],
        "employer_states": [],
        "generated_collections": [],
    });
    let (_m, log) = serve(&server, move |req| {
        let page: u32 = req.query_param("page").map_or(0, |p| p.parse().unwrap());
        let t = "2026-01-11T10:00:00+0300";
        match req.path.as_str() {
            "/negotiations" => Reply::json(200, cols.clone()),
            "/negotiations/response" => {
                let all: Vec<Value> = (0..5).map(|i| negotiation(&format!("r{i}"), t)).collect();
                let items = all.into_iter().skip(page as usize * 2).take(2).collect();
                list_page(items, page, 3, 5)
            }
            "/negotiations/consider" => {
                let items = if page == 0 {
                    vec![negotiation("c0", t)]
                } else {
                    vec![]
                };
                list_page(items, page, 1, 1)
            }
            "/negotiations/interview" => list_page(vec![negotiation("i0", t)], page, 1, 1),
            other => Reply::json(
                404,
                json!({"errors": [{"type": "not_found"}], "path": other}),
            ),
        }
    })
    .await;
    let hh = client(&server);
    // One at a time, so that a page 0 comes back before the pages the counters planned.
    let all = hh
        .vacancy_negotiations(
            "7",
            &VacancyFetch {
                concurrency: 1,
                per_page: 2,
                filters: vec![("order_by".into(), "created_at".into())],
            },
        )
        .await
        .unwrap();
    let by_collection: Vec<(String, Vec<String>)> = all
        .collections
        .iter()
        .map(|c| {
            (
                c.collection.id.clone(),
                c.negotiations.iter().map(|n| n.id.clone()).collect(),
            )
        })
        .collect();
    assert_eq!(
        by_collection,
        vec![
            (
                "response".into(),
                vec!["r0", "r1", "r2", "r3", "r4"]
                    .into_iter()
                    .map(String::from)
                    .collect()
            ),
            ("consider".into(), vec!["c0".to_string()]),
            ("interview".into(), vec!["i0".to_string()]),
        ]
    );
    assert!(all.is_complete());
    let asked: Vec<(String, String)> = seen(&log)
        .iter()
        .map(|s| (s.path.clone(), s.query_param("page").unwrap_or_default()))
        .collect();
    // consider's planned pages 1–4 were never asked for once its page 0 said 1 page.
    assert!(
        !asked
            .iter()
            .any(|(p, n)| p == "/negotiations/consider" && n != "0"),
        "{asked:?}"
    );
    assert_eq!(asked.len() as u32, all.requests);
    assert_eq!(all.requests, 1 + 3 + 1 + 1);
    for s in seen(&log).iter().skip(1) {
        assert_eq!(s.query_param("vacancy_id").as_deref(), Some("7"));
        assert_eq!(s.query_param("per_page").as_deref(), Some("2"));
        assert_eq!(s.query_param("order_by").as_deref(), Some("created_at"));
    }
}

#[tokio::test]
async fn a_negotiation_seen_twice_is_kept_once() {
    let server = MockServer::start_async().await;
    let cols = json!({
        "collections": [collection(&server, "response", 4), collection(&server, "consider", 1)],
        "employer_states": [],
        "generated_collections": [],
    });
    let (_m, _log) = serve(&server, move |req| {
        let page: u32 = req.query_param("page").map_or(0, |p| p.parse().unwrap());
        let old = "2026-01-11T10:00:00+0300";
        let new = "2026-01-12T09:00:00+0300";
        match (req.path.as_str(), page) {
            ("/negotiations", _) => Reply::json(200, cols.clone()),
            // The list shifted between the two pages: a1 is on both.
            ("/negotiations/response", 0) => list_page(
                vec![negotiation("a0", old), negotiation("a1", old)],
                0,
                2,
                4,
            ),
            ("/negotiations/response", _) => {
                list_page(vec![negotiation("a1", old), negotiation("m", old)], 1, 2, 4)
            }
            // `m` was moved to consider while the fetch ran: hh updated it there last.
            ("/negotiations/consider", _) => list_page(vec![negotiation("m", new)], 0, 1, 1),
            _ => Reply::json(404, json!({"errors": [{"type": "not_found"}]})),
        }
    })
    .await;
    let hh = client(&server);
    let all = hh
        .vacancy_negotiations(
            "7",
            &VacancyFetch {
                per_page: 2,
                ..VacancyFetch::default()
            },
        )
        .await
        .unwrap();
    let ids = |i: usize| -> Vec<&str> {
        all.collections[i]
            .negotiations
            .iter()
            .map(|n| n.id.as_str())
            .collect()
    };
    assert_eq!(ids(0), vec!["a0", "a1"]);
    assert_eq!(ids(1), vec!["m"]);
    assert_eq!(all.moved_during_fetch, 1);
    // response said 4 and gave 2 distinct: the caller can tell it is not complete.
    assert!(!all.is_complete());
}

#[tokio::test]
async fn an_absurd_page_count_is_capped_for_the_whole_vacancy() {
    let server = MockServer::start_async().await;
    let cols = json!({
        "collections": [collection(&server, "response", u32::MAX), collection(&server, "consider", 3)],
        "employer_states": [],
        "generated_collections": [],
    });
    let (_m, log) = serve(&server, move |req| match req.path.as_str() {
        "/negotiations" => Reply::json(200, cols.clone()),
        _ => {
            let page: u32 = req.query_param("page").map_or(0, |p| p.parse().unwrap());
            list_page(vec![], page, u32::MAX, u32::MAX)
        }
    })
    .await;
    let hh = client(&server);
    let all = hh.vacancy_negotiations("7", &fetch(16)).await.unwrap();
    let asked = seen(&log).len() as u32;
    assert_eq!(asked, 1 + hh_api::paging::MAX_PAGES);
    assert_eq!(all.requests, asked);
    assert!(!all.is_complete(), "hh said there is more");
}
