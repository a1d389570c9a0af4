//! The client reads and sends what hh.ru's published description says, with hh's own
//! schemas and examples read from `../shared` at run time: every `/me` profile, the real
//! dictionaries, the daily resume-view limit, answers cut short, writes answered in any
//! 2xx, the resume opened with its negotiation, and a refresh refused as too early.

mod common;
mod official;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use hh_api::auth::{TokenSet, now_unix};
use hh_api::{AccessToken, Error, ErrorKind};
use httpmock::MockServer;
use serde_json::json;

/// hh's four profiles of `GET /me`, each built from its schema with its `auth_type`, read
/// by `me()`; the employer's id is there for both employer kinds.
#[tokio::test]
async fn me_reads_every_profile_hh_describes() {
    let Some(off) = official::official() else {
        return;
    };
    let profile = official::schema(off, "MeProfile");
    let mapping = profile["discriminator"]["mapping"]
        .as_object()
        .expect("MeProfile is chosen by auth_type");
    assert_eq!(mapping.len(), 4, "{mapping:?}");
    for (auth_type, schema) in mapping {
        let mut body = official::instance(off, &json!({ "$ref": schema }));
        body["auth_type"] = json!(auth_type);
        let server = MockServer::start_async().await;
        let (_mock, _log) = serve_fixed(&server, Reply::json(200, body.clone())).await;

        let me = client(&server)
            .me()
            .await
            .unwrap_or_else(|e| panic!("{auth_type}: {e}\n{body:#}"));

        assert_eq!(me.auth_type(), auth_type.as_str());
        match auth_type.as_str() {
            "employer" | "employer_integration" => {
                let employer = me.employer().expect("an employer's profile");
                assert_eq!(Some(&json!(employer.id)), body["employer"].get("id"));
            }
            _ => {}
        }
        if auth_type == "employer_integration" {
            assert_eq!(
                me.user_id(),
                None,
                "hh's employer_integration profile has no id"
            );
        }
    }
}

/// hh's own example of `GET /dictionaries` decodes: currency entries have no `id`,
/// driver licence types no `name`.
#[tokio::test]
async fn dictionaries_decode_hhs_example() {
    let Some(off) = official::official() else {
        return;
    };
    let example = official::example(off, "DictionariesDictionaries").clone();
    let server = MockServer::start_async().await;
    let (_mock, _log) = serve_fixed(&server, Reply::json(200, example.clone())).await;
    let hh = client(&server);

    let dictionaries = hh.read(hh.api().get_dictionaries().send()).await.unwrap();

    let currency = &dictionaries.currency;
    assert!(!currency.is_empty());
    assert_eq!(
        Some(currency[0].code.as_str()),
        example["currency"][0]["code"].as_str()
    );
    assert!(currency[0].rate > 0.0);
    let licences = &dictionaries.driver_license_types;
    assert!(!licences.is_empty() && licences.iter().all(|l| !l.id.is_empty()));
}

/// hh's 429 for the daily limit of resume views, with the type and value hh's description
/// gives it, is not repeated: the limit lasts the day. Another 429 still is.
#[tokio::test]
async fn the_daily_resume_view_limit_is_not_retried() {
    let (kind, value) = match official::official() {
        Some(off) => {
            let e = official::schema(off, "ErrorsResumeTooManyRequestsEmployerError");
            let first = |field: &str| {
                e["properties"][field]["enum"][0]
                    .as_str()
                    .unwrap()
                    .to_string()
            };
            (first("type"), first("value"))
        }
        None => ("resumes".to_string(), "view_limit_exceeded".to_string()),
    };
    let server = MockServer::start_async().await;
    let body = json!({"request_id": "rq-1", "errors": [{"type": kind, "value": value}]});
    let (_mock, log) = serve_fixed(&server, Reply::json(429, body)).await;
    let hh = client(&server);

    let err = hh
        .read(hh.api().get_resume().resume_id("r1").send())
        .await
        .unwrap_err();

    assert_eq!(
        err.api().map(|a| a.kind()),
        Some(ErrorKind::ResumeViewLimit)
    );
    assert_eq!(seen(&log).len(), 1, "asked once");

    let other = MockServer::start_async().await;
    let (_mock, log) = serve_fixed(&other, Reply::empty(429)).await;
    let hh = client(&other);
    let err = hh
        .read(hh.api().get_resume().resume_id("r1").send())
        .await
        .unwrap_err();
    assert_eq!(err.api().map(|a| a.kind()), Some(ErrorKind::RateLimited));
    assert_eq!(
        seen(&log).len(),
        3,
        "an ordinary 429 is retried as the policy allows"
    );
}

/// hh's resume and manager-account refusals get their own kinds; `allowed_accounts` is read.
#[tokio::test]
async fn resume_and_manager_account_refusals_have_their_kinds() {
    let cases = [
        (
            json!({"type": "resumes", "value": "quota_exceeded"}),
            ErrorKind::ResumeViewQuota,
        ),
        (
            json!({"type": "resumes", "value": "no_available_service"}),
            ErrorKind::NoResumeService,
        ),
        (
            json!({"type": "resumes", "value": "cant_view_contacts"}),
            ErrorKind::CantViewContacts,
        ),
        (
            json!({"type": "manager_extra_accounts", "value": "manager_extra_account_not_found"}),
            ErrorKind::ManagerAccountNotFound,
        ),
        (
            json!({"type": "manager_accounts", "value": "used_manager_account_forbidden",
                   "allowed_accounts": [{"id": "2", "employer": {"id": "87", "name": "Beta"}}]}),
            ErrorKind::ManagerAccountForbidden {
                allowed_accounts: vec![hh_api::AllowedAccount {
                    id: "2".into(),
                    employer_id: "87".into(),
                    employer_name: "Beta".into(),
                }],
            },
        ),
    ];
    for (error, kind) in cases {
        let server = MockServer::start_async().await;
        let body = json!({"request_id": "rq-1", "errors": [error]});
        let (_mock, log) = serve_fixed(&server, Reply::json(403, body)).await;
        let hh = client(&server);
        let err = hh.me().await.unwrap_err();
        assert_eq!(err.api().map(|a| a.kind()), Some(kind));
        assert_eq!(seen(&log).len(), 1);
    }
}

/// A read whose body ends mid-JSON (a broken transfer) is asked again and then succeeds;
/// one that parses but does not fit is not, and the error names where it does not fit.
#[tokio::test]
async fn a_cut_answer_is_asked_again_a_misfit_is_named() {
    let server = MockServer::start_async().await;
    let full = negotiations_page(&["1".to_string()], 0, 1, 20).to_string();
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let (_mock, _log) = serve(&server, move |_| {
        let body = if counted.fetch_add(1, Ordering::SeqCst) == 0 {
            full[..full.len() / 2].to_string()
        } else {
            full.clone()
        };
        Reply::text(200, "application/json; charset=utf-8", &body)
    })
    .await;
    let hh = client(&server);
    let page = hh
        .collection_page(
            &format!("{}/negotiations/response?vacancy_id=1", server.base_url()),
            &Default::default(),
        )
        .await
        .unwrap();
    assert_eq!(page.items[0].id, "1");
    assert_eq!(calls.load(Ordering::SeqCst), 2, "asked again once");

    let misfit = MockServer::start_async().await;
    let mut body = negotiations_page(&["1".to_string(), "2".to_string()], 0, 1, 20);
    body["items"][1] = json!({"id": 2});
    let (_mock, log) = serve_fixed(&misfit, Reply::json(200, body)).await;
    let hh = client(&misfit);
    let err = hh
        .collection_page(
            &format!("{}/negotiations/response?vacancy_id=1", misfit.base_url()),
            &Default::default(),
        )
        .await
        .unwrap_err();
    let Error::Decode { reason, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(reason.starts_with("at `items[1]"), "{reason}");
    assert_eq!(seen(&log).len(), 1, "a misfit is not asked again");
}

/// The sandbox's truncated-body fault (`--malformed-rate`): reads go through.
#[tokio::test]
async fn reads_get_through_the_sandboxs_truncated_bodies() {
    let sandbox = hh_sandbox::Sandbox::start(hh_sandbox::SandboxConfig {
        faults: hh_sandbox::Faults {
            malformed_rate: 0.3,
            ..Default::default()
        },
        ..Default::default()
    })
    .await
    .unwrap();
    let hh = hh_api::Client::builder()
        .base_url(sandbox.base_url())
        .user_agent(UA)
        .token(sandbox.access_token())
        .retry(hh_api::RetryPolicy {
            max_attempts: 6,
            ..fast_retry()
        })
        .build()
        .unwrap();
    let vacancy = &sandbox.vacancy_ids()[0];
    const READS: u64 = 20;
    for _ in 0..READS {
        let c = hh.collections(vacancy).await.expect("a read gets through");
        assert!(!c.collections.is_empty());
    }
    assert!(
        sandbox.request_count() > READS,
        "some answers were cut and asked again ({} requests)",
        sandbox.request_count()
    );
}

/// A write is done on any 2xx, whatever its body; an invitation's `Location` names the
/// new negotiation.
#[tokio::test]
async fn writes_are_done_on_any_2xx_and_the_invitation_names_its_negotiation() {
    let replies = [
        Reply::text(201, "text/html", "<html><body>Created</body></html>")
            .with_header("location", "/negotiations/4242"),
        Reply::json(200, json!({"ok": true})),
        Reply::empty(204),
    ];
    for reply in replies {
        let server = MockServer::start_async().await;
        let status = reply.status;
        let (_mock, log) = serve_fixed(&server, reply).await;
        let hh = client(&server);
        let invite = invite_action(server.url("/negotiations/invited"));
        let accepted = hh
            .perform_action(
                &invite,
                &vec![
                    ("resume_id".into(), "r1".into()),
                    ("vacancy_id".into(), "7".into()),
                    ("message".into(), "Здравствуйте".into()),
                ],
            )
            .await
            .unwrap_or_else(|e| panic!("{status}: {e}"));
        assert_eq!(accepted.status.as_u16(), status);
        let expected = (status == 201).then_some("4242");
        assert_eq!(accepted.negotiation_id(), expected);
        assert_eq!(seen(&log).len(), 1);

        // Signing out too: DELETE /token's 204 may come as another 2xx.
        hh.invalidate_token()
            .await
            .unwrap_or_else(|e| panic!("{status}: {e}"));
    }
}

/// hh refuses a refresh while the access token has not expired by its clock: the token
/// still works, so the call goes through with it, and the refresh is not asked again at once.
#[tokio::test]
async fn a_refresh_refused_as_too_early_is_not_a_sign_in_again() {
    let server = MockServer::start_async().await;
    let (_mock, log) = serve(&server, |r| match r.path.as_str() {
        "/token" => Reply::json(
            400,
            json!({"error": "invalid_grant", "error_description": "token not expired"}),
        ),
        _ => Reply::json(200, me_json_with_id("1")),
    })
    .await;
    // Our clock says the token expired a second ago; hh's does not.
    let tokens = TokenSet {
        access: AccessToken::new("ACCESS-1"),
        refresh: Some(AccessToken::new("REFRESH-1")),
        expires_at: Some(now_unix() - 1),
    };
    let hh = hh_api::Client::builder()
        .base_url(server.base_url())
        .user_agent(UA)
        .tokens(tokens, None)
        .build()
        .unwrap();

    let me = hh.me().await.expect("the token still works");
    assert_eq!(me.user_id(), Some("1"));
    hh.me().await.expect("and again");

    let paths: Vec<String> = seen(&log).iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, ["/token", "/me", "/me"], "one refresh attempt");
    assert!(seen(&log)[1].header("authorization").ends_with("ACCESS-1"));

    // When hh itself says `token_expired` and then refuses the refresh as too early, the
    // answer says so, rather than "sign in again".
    let answer = hh_api::ApiError::from_parts(
        reqwest::StatusCode::BAD_REQUEST,
        &Default::default(),
        br#"{"error": "invalid_grant", "error_description": "token not expired"}"#,
    );
    assert_eq!(answer.kind(), ErrorKind::TokenNotExpiredYet);
}

/// The parameter hh reads to keep only negotiations with news, by collection, is one hh's
/// description declares for the collection list.
#[test]
fn only_new_parameters_are_hhs() {
    assert_eq!(
        hh_api::only_new_parameter("response"),
        "show_only_new_responses"
    );
    for other in [
        "consider",
        "phone_interview",
        "interview",
        "discard_by_employer",
    ] {
        assert_eq!(hh_api::only_new_parameter(other), "show_only_new");
    }
    let Some(off) = official::official() else {
        return;
    };
    let names = official::query_parameters(off, "/negotiations/response", "get");
    for name in ["show_only_new_responses", "show_only_new"] {
        assert!(names.iter().any(|n| n == name), "{name} not in {names:?}");
    }
}
