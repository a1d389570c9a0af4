//! The exact request that leaves the client for each operation: method, path, query,
//! form body and hh's headers.

mod common;

use common::*;
use hh_api::{CollectionQuery, Error, types};
use httpmock::MockServer;
use serde_json::json;

fn ids(range: std::ops::Range<u32>) -> Vec<String> {
    range.map(|n| n.to_string()).collect()
}

#[tokio::test]
async fn me_is_a_get_with_hh_headers_and_no_api_version() {
    let server = MockServer::start_async().await;
    let (_m, log) = serve_fixed(&server, Reply::json(200, me_json())).await;

    let me = client(&server).me().await.unwrap();

    assert_eq!(me.user_id(), Some("777"));
    assert_eq!(me.employer().unwrap().id, "1455");
    let req = only(&log);
    assert_eq!(req.method, "GET");
    assert_eq!(req.path, "/me");
    assert_eq!(req.query, None);
    req.assert_hh_headers(None);
}

#[tokio::test]
async fn manager_account_id_is_sent_when_configured() {
    let server = MockServer::start_async().await;
    let (_m, log) = serve_fixed(&server, Reply::json(200, me_json())).await;

    let hh = builder(&server)
        .manager_account_id(" 31337 ")
        .build()
        .unwrap();
    hh.me().await.unwrap();

    only(&log).assert_hh_headers(Some("31337"));
}

#[tokio::test]
async fn without_a_token_no_authorization_is_sent() {
    let server = MockServer::start_async().await;
    let (_m, log) = serve_fixed(&server, Reply::json(200, me_json())).await;

    let hh = client(&server);
    hh.set_token(None);
    hh.me().await.unwrap();

    let req = only(&log);
    assert!(req.all("authorization").is_empty(), "{req:#?}");
    assert_eq!(req.header("hh-user-agent"), UA);
}

#[tokio::test]
async fn collections_of_a_vacancy() {
    let server = MockServer::start_async().await;
    let inbox = server.url("/negotiations/response?vacancy_id=123456");
    let (_m, log) = serve_fixed(
        &server,
        Reply::json(
            200,
            shaped(
                "Collections",
                json!({
                    "collections": [shaped(
                        "Collection",
                        json!({"id": "response", "name": "Неразобранные", "url": inbox}),
                    )],
                    "employer_states": [{"id": "response", "name": "Отклик"}],
                }),
            ),
        ),
    )
    .await;

    let got = client(&server).collections("123456").await.unwrap();

    assert_eq!(got.collections[0].url, inbox);
    let req = only(&log);
    assert_eq!(req.method, "GET");
    assert_eq!(req.path, "/negotiations");
    assert_eq!(req.query.as_deref(), Some("vacancy_id=123456"));
    req.assert_hh_headers(None);
}

#[tokio::test]
async fn collection_page_follows_the_url_keeps_its_query_passes_filters_and_caps_per_page() {
    let server = MockServer::start_async().await;
    let (_m, log) = serve_fixed(
        &server,
        Reply::json(200, negotiations_page(&ids(0..2), 2, 3, 50)),
    )
    .await;

    let query = CollectionQuery {
        page: 2,
        per_page: Some(100),
        filters: vec![
            ("order_by".into(), "created_at".into()),
            ("show_only_new".into(), "true".into()),
        ],
    };
    let page = client(&server)
        .collection_page(
            &server.url("/negotiations/response?vacancy_id=123456"),
            &query,
        )
        .await
        .unwrap();

    assert_eq!(page.items.len(), 2);
    let req = only(&log);
    assert_eq!(req.method, "GET");
    assert_eq!(req.path, "/negotiations/response");
    assert_eq!(
        req.query.as_deref(),
        Some("vacancy_id=123456&order_by=created_at&show_only_new=true&page=2&per_page=50")
    );
    req.assert_hh_headers(None);
}

#[tokio::test]
async fn collection_page_replaces_the_urls_own_page() {
    let server = MockServer::start_async().await;
    let (_m, log) = serve_fixed(
        &server,
        Reply::json(200, negotiations_page(&ids(0..1), 0, 1, 20)),
    )
    .await;

    client(&server)
        .collection_page(
            &server.url("/negotiations/response?vacancy_id=7&page=9"),
            &CollectionQuery::default(),
        )
        .await
        .unwrap();

    assert_eq!(only(&log).query.as_deref(), Some("vacancy_id=7&page=0"));
}

#[tokio::test]
async fn collection_all_requests_every_page_once_in_order() {
    let server = MockServer::start_async().await;
    let (_m, log) = serve(&server, |req| {
        let page: u32 = req.query_param("page").unwrap().parse().unwrap();
        let first = page * 2;
        Reply::json(200, negotiations_page(&ids(first..first + 2), page, 4, 2))
    })
    .await;

    let query = CollectionQuery {
        page: 3, // ignored
        per_page: None,
        filters: vec![("order_by".into(), "created_at".into())],
    };
    let all = client(&server)
        .collection_all(
            &server.url("/negotiations/response?vacancy_id=42"),
            &query,
            2,
        )
        .await
        .unwrap();

    let got: Vec<&str> = all.items.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(got, ["0", "1", "2", "3", "4", "5", "6", "7"]);
    assert_eq!(all.pages, 4);
    let mut queries: Vec<String> = seen(&log)
        .iter()
        .map(|r| {
            assert_eq!(
                (r.method.as_str(), r.path.as_str()),
                ("GET", "/negotiations/response")
            );
            r.assert_hh_headers(None);
            r.query.clone().unwrap()
        })
        .collect();
    queries.sort();
    assert_eq!(
        queries,
        (0..4)
            .map(|p| format!("vacancy_id=42&order_by=created_at&page={p}&per_page=50"))
            .collect::<Vec<_>>(),
        "each page once, hh's largest page size by default"
    );
}

#[tokio::test]
async fn one_negotiation() {
    let server = MockServer::start_async().await;
    let (_m, log) = serve_fixed(&server, Reply::json(200, negotiation_json("987654"))).await;

    let n = client(&server).negotiation("987654").await.unwrap();

    assert_eq!(n.id, "987654");
    let req = only(&log);
    assert_eq!(
        (req.method.as_str(), req.path.as_str()),
        ("GET", "/negotiations/987654")
    );
    assert_eq!(req.query, None);
    req.assert_hh_headers(None);
}

#[tokio::test]
async fn negotiation_resume_follows_the_resume_url_with_its_query() {
    let server = MockServer::start_async().await;
    let resume = shaped("Resume", json!({"id": "abc123"}));
    let (_m, log) = serve_fixed(&server, Reply::json(200, resume)).await;
    let n = negotiation_with_resume(
        "987",
        json!({"id": "abc123", "url": server.url("/resumes/abc123?topic_id=987&vacancy_id=123456")}),
    );

    let resume = client(&server).negotiation_resume(&n).await.unwrap();

    assert_eq!(resume.id, "abc123");
    let req = only(&log);
    assert_eq!(
        (req.method.as_str(), req.path.as_str()),
        ("GET", "/resumes/abc123")
    );
    assert_eq!(req.query.as_deref(), Some("topic_id=987&vacancy_id=123456"));
    req.assert_hh_headers(None);
}

#[tokio::test]
async fn negotiation_resume_without_resume_is_refused_before_sending() {
    let server = MockServer::start_async().await;
    let (mock, _log) = serve_fixed(&server, Reply::empty(500)).await;
    let n: types::Negotiation = serde_json::from_value(negotiation_json("987")).unwrap();

    let err = client(&server).negotiation_resume(&n).await.unwrap_err();

    assert!(matches!(err, Error::Invalid(_)), "{err:?}");
    assert_eq!(mock.calls_async().await, 0);
}

#[tokio::test]
async fn perform_action_puts_the_form_to_the_actions_url() {
    let server = MockServer::start_async().await;
    let (_m, log) = serve_fixed(&server, Reply::empty(204)).await;
    let interview = interview_action(server.url("/negotiations/interview/123456789"));

    client(&server)
        .perform_action(
            &interview,
            &vec![("message".into(), "See you at 10:00 & bring CV".into())],
        )
        .await
        .unwrap();

    let req = only(&log);
    assert_eq!(req.method, "PUT");
    assert_eq!(req.path, "/negotiations/interview/123456789");
    assert_eq!(req.query, None);
    req.assert_form("message=See+you+at+10%3A00+%26+bring+CV");
    req.assert_hh_headers(None);
}

#[tokio::test]
async fn perform_action_with_bad_arguments_sends_nothing() {
    let server = MockServer::start_async().await;
    let (mock, _log) = serve_fixed(&server, Reply::empty(204)).await;
    let hh = client(&server);
    let interview = interview_action(server.url("/negotiations/interview/1"));

    let missing = hh.perform_action(&interview, &vec![]).await.unwrap_err();
    match &missing {
        Error::Arguments(a) => assert_eq!(a.missing, ["message"]),
        other => panic!("expected Error::Arguments, got {other:?}"),
    }
    let unknown = hh
        .perform_action(
            &interview,
            &vec![
                ("message".into(), "hi".into()),
                ("colour".into(), "red".into()),
            ],
        )
        .await
        .unwrap_err();
    assert!(unknown.to_string().contains("colour"), "{unknown}");
    let mut disabled = interview.clone();
    disabled.enabled = false;
    let off = hh
        .perform_action(&disabled, &vec![("message".into(), "hi".into())])
        .await
        .unwrap_err();
    assert!(matches!(off, Error::Arguments(_)), "{off:?}");
    let mut odd = interview.clone();
    odd.method = "GET".into();
    let get = hh
        .perform_action(&odd, &vec![("message".into(), "hi".into())])
        .await
        .unwrap_err();
    assert!(matches!(get, Error::Invalid(_)), "{get:?}");

    assert_eq!(mock.calls_async().await, 0);
}

#[tokio::test]
async fn invite_action_posts_the_form() {
    let server = MockServer::start_async().await;
    let (_m, log) = serve_fixed(&server, Reply::empty(201)).await;
    let invite = invite_action(server.url("/negotiations/phone_interview"));

    client(&server)
        .perform_action(
            &invite,
            &vec![
                ("resume_id".into(), "0123456789abcdef".into()),
                ("vacancy_id".into(), "654321".into()),
                ("message".into(), "Здравствуйте!".into()),
                ("send_sms".into(), "true".into()),
            ],
        )
        .await
        .unwrap();

    let req = only(&log);
    assert_eq!(req.method, "POST");
    assert_eq!(req.path, "/negotiations/phone_interview");
    assert_eq!(req.query, None);
    req.assert_form(
        "resume_id=0123456789abcdef&vacancy_id=654321\
         &message=%D0%97%D0%B4%D1%80%D0%B0%D0%B2%D1%81%D1%82%D0%B2%D1%83%D0%B9%D1%82%D0%B5%21\
         &send_sms=true",
    );
    req.assert_hh_headers(None);
}

#[tokio::test]
async fn move_negotiations_repeats_topic_id() {
    let server = MockServer::start_async().await;
    let (_m, log) = serve_fixed(&server, Reply::empty(204)).await;

    client(&server)
        .move_negotiations(
            "discard_by_employer",
            &ids(101..104),
            &vec![("message".into(), "Sorry".into())],
        )
        .await
        .unwrap();

    let req = only(&log);
    assert_eq!(req.method, "PUT");
    assert_eq!(req.path, "/negotiations/discard_by_employer");
    assert_eq!(req.query, None);
    req.assert_form("topic_id=101&topic_id=102&topic_id=103&message=Sorry");
    req.assert_hh_headers(None);
}

#[tokio::test]
async fn move_negotiations_takes_fifty_at_most() {
    let server = MockServer::start_async().await;
    let (_m, log) = serve_fixed(&server, Reply::empty(204)).await;
    let hh = client(&server);

    let err = hh
        .move_negotiations("discard_by_employer", &ids(0..51), &vec![])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err:?}");
    assert!(err.to_string().contains("50"), "{err}");
    assert!(seen(&log).is_empty(), "nothing sent for 51 ids");

    hh.move_negotiations("discard_by_employer", &ids(0..50), &vec![])
        .await
        .unwrap();
    let req = only(&log);
    assert_eq!(req.body.matches("topic_id=").count(), 50);
}

#[tokio::test]
async fn move_negotiations_refuses_bad_ids_and_collections_before_sending() {
    let server = MockServer::start_async().await;
    let (mock, _log) = serve_fixed(&server, Reply::empty(204)).await;
    let hh = client(&server);

    for bad in [
        vec!["12&topic_id=99".to_string()],
        vec!["1".to_string(), "../me".to_string()],
        vec!["".to_string()],
        vec![],
    ] {
        let err = hh
            .move_negotiations("discard_by_employer", &bad, &vec![])
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Invalid(_)), "{bad:?}: {err:?}");
    }
    for bad in ["../me", "read?x=1", "", "a/b"] {
        let err = hh
            .move_negotiations(bad, &ids(1..2), &vec![])
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Invalid(_)), "{bad:?}: {err:?}");
    }
    assert_eq!(mock.calls_async().await, 0);
}

#[tokio::test]
async fn mark_read_posts_repeated_topic_ids() {
    let server = MockServer::start_async().await;
    let (_m, log) = serve_fixed(&server, Reply::empty(204)).await;

    client(&server).mark_read(&ids(10..12)).await.unwrap();

    let req = only(&log);
    assert_eq!(
        (req.method.as_str(), req.path.as_str()),
        ("POST", "/negotiations/read")
    );
    req.assert_form("topic_id=10&topic_id=11");
    req.assert_hh_headers(None);

    let err = client(&server).mark_read(&ids(0..51)).await.unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err:?}");
    assert_eq!(seen(&log).len(), 1, "51 ids are not sent");
}

#[tokio::test]
async fn generated_list_active_vacancies_with_resume_id() {
    let server = MockServer::start_async().await;
    let invite_url = server.url("/negotiations/phone_interview");
    let (_m, log) = serve_fixed(
        &server,
        Reply::json(
            200,
            shaped(
                "VacanciesForResume",
                json!({
                    "items": [shaped("VacancyForResume", json!({
                        "id": "123456",
                        "name": "Специалист по автоматизации тестирования",
                        "can_invite": true,
                        "negotiations_state": null,
                        "negotiations_actions": [shaped("Action", json!({
                            "id": "phone_interview", "name": "Телефонное интервью", "enabled": true,
                            "method": "POST", "url": invite_url,
                            "arguments": [{"id": "resume_id", "required": true, "required_arguments": []}]
                        }))]
                    }))],
                    "found": 1, "page": 0, "pages": 1, "per_page": 20
                }),
            ),
        ),
    )
    .await;

    let hh = client(&server);
    let page = hh
        .read(
            hh.api()
                .list_active_vacancies()
                .employer_id("1455")
                .resume_id("0123456789abcdef")
                .send(),
        )
        .await
        .unwrap()
        .into_for_resume()
        .unwrap();

    assert!(page.items[0].can_invite);
    assert_eq!(page.items[0].negotiations_actions[0].url, invite_url);
    let req = only(&log);
    assert_eq!(req.method, "GET");
    assert_eq!(req.path, "/employers/1455/vacancies/active");
    assert_eq!(req.query.as_deref(), Some("resume_id=0123456789abcdef"));
    req.assert_hh_headers(None);
}

#[tokio::test]
async fn generated_get_vacancy() {
    let server = MockServer::start_async().await;
    let (_m, log) = serve_fixed(
        &server,
        Reply::json(
            200,
            shaped(
                "VacancyForManager",
                json!({"id": "123456", "name": "Тестировщик"}),
            ),
        ),
    )
    .await;

    let hh = client(&server);
    let v = hh
        .read(hh.api().get_vacancy().vacancy_id("123456").send())
        .await
        .unwrap();

    assert_eq!(v.name(), "Тестировщик");
    let req = only(&log);
    assert_eq!(
        (req.method.as_str(), req.path.as_str()),
        ("GET", "/vacancies/123456")
    );
    assert_eq!(req.query, None);
    req.assert_hh_headers(None);
}

#[tokio::test]
async fn generated_obtain_token_sends_the_form() {
    let server = MockServer::start_async().await;
    let (_m, log) = serve_fixed(
        &server,
        Reply::json(
            200,
            json!({"access_token": "new-access", "token_type": "bearer", "expires_in": 1209600, "refresh_token": "new-refresh"}),
        ),
    )
    .await;

    let hh = client(&server);
    let form: types::AuthRefreshToken = types::AuthRefreshToken::builder()
        .grant_type(types::AuthRefreshTokenGrantType::RefreshToken)
        .refresh_token("old-refresh/+=")
        .try_into()
        .unwrap();
    let token = hh
        .write(hh.api().obtain_token().body(form).send())
        .await
        .unwrap();

    let types::AuthUserTokenAndAppToken::Token(token) = token else {
        panic!("a user's token pair, not {token:?}");
    };
    assert_eq!(token.access_token, "new-access");
    assert_eq!(token.refresh_token, "new-refresh");
    let req = only(&log);
    assert_eq!((req.method.as_str(), req.path.as_str()), ("POST", "/token"));
    req.assert_form("grant_type=refresh_token&refresh_token=old-refresh%2F%2B%3D");
    assert_eq!(req.header("hh-user-agent"), UA);
    assert!(req.all("api-version").is_empty());
}

#[tokio::test]
async fn a_base_url_with_a_path_prefix_is_kept_for_every_request() {
    let server = MockServer::start_async().await;
    let (_m, log) = serve(&server, |req| {
        if req.path.ends_with("/me") {
            Reply::json(200, me_json())
        } else {
            Reply::empty(204)
        }
    })
    .await;

    let hh = builder(&server)
        .base_url(server.url("/sandbox/"))
        .build()
        .unwrap();
    hh.me().await.unwrap();
    hh.mark_read(&ids(1..2)).await.unwrap();
    hh.move_negotiations("discard_by_employer", &ids(1..2), &vec![])
        .await
        .unwrap();

    let paths: Vec<String> = seen(&log).into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        [
            "/sandbox/me",
            "/sandbox/negotiations/read",
            "/sandbox/negotiations/discard_by_employer"
        ]
    );
}
