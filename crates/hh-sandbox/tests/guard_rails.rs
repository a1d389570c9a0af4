//! hh's guard rails, paging limits, token rules, negotiation rules and injected faults,
//! over real HTTP.

mod common;

use std::time::{Duration, Instant};

use common::{Http, start};
use hh_sandbox::{Faults, SandboxConfig};
use serde_json::Value;

fn ids(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn user_agent_and_authorization() {
    let (sandbox, mut http) = start(SandboxConfig::default()).await;
    http.user_agent = false;
    let a = http.get("/me").await;
    assert_eq!(a.status, 400);
    assert_eq!(a.error(), ("bad_user_agent".into(), Some("unset".into())));
    // A plain User-Agent is enough.
    let r = http
        .client
        .get(format!("{}/me", http.base))
        .header("User-Agent", common::UA)
        .bearer_auth(sandbox.access_token())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().contains_key("x-request-id"));
    http.user_agent = true;

    http.token = None;
    let a = http.get("/me").await;
    assert_eq!(a.status, 403);
    assert_eq!(
        a.error(),
        ("oauth".into(), Some("bad_authorization".into()))
    );
    http.token = Some("USERNOTATOKEN".into());
    assert_eq!(
        http.get("/me").await.error().1.as_deref(),
        Some("bad_authorization")
    );
    // Public methods work without a token, but not with a bad one.
    assert_eq!(http.get("/dictionaries").await.status, 403);
    http.token = None;
    assert_eq!(http.get("/dictionaries").await.status, 200);

    http.token = Some(sandbox.access_token());
    sandbox.expire_access_token();
    let a = http.get("/me").await;
    assert_eq!(a.status, 403);
    assert_eq!(a.error(), ("oauth".into(), Some("token_expired".into())));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn unknown_things_are_hh_404s_and_wrong_methods_405() {
    let (sandbox, http) = start(SandboxConfig::default()).await;
    for path in [
        "/vacancies/1".to_string(),
        "/negotiations/1".to_string(),
        "/resumes/0123456789abcdef".to_string(),
        "/nothing/here".to_string(),
        "/employers/1/vacancies/active".to_string(),
        "/negotiations/nonsense_collection?vacancy_id=1".to_string(),
        "/negotiations/response?vacancy_id=1".to_string(),
        "/message_templates/nope?topic_id=1".to_string(),
    ] {
        let a = http.get(&path).await;
        assert_eq!(a.status, 404, "{path}: {}", a.text);
        assert_eq!(a.error().0, "not_found", "{path}");
    }
    let a = http.send("DELETE", "/me", &[]).await;
    assert_eq!(a.status, 405);
    assert!(a.json()["request_id"].is_string());
    let wrong_account = http
        .client
        .get(format!("{}/me", http.base))
        .header("HH-User-Agent", common::UA)
        .header("X-Manager-Account-Id", "999")
        .bearer_auth(sandbox.access_token())
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_account.status(), 403);
    let right = http
        .client
        .get(format!("{}/me", http.base))
        .header("HH-User-Agent", common::UA)
        .header("X-Manager-Account-Id", sandbox.manager_id())
        .bearer_auth(sandbox.access_token())
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn paging_is_hh_paging() {
    let (sandbox, http) = start(SandboxConfig {
        big_vacancy_negotiations: Some(130),
        ..SandboxConfig::default()
    })
    .await;
    let v = sandbox.big_vacancy_id().unwrap();
    let url = |q: &str| format!("/negotiations/response?vacancy_id={v}{q}");
    let first = http.get_ok(&url("")).await;
    let found = first["found"].as_u64().unwrap();
    assert_eq!(first["page"], 0);
    assert_eq!(first["per_page"], 20);
    assert_eq!(first["pages"].as_u64().unwrap(), found.div_ceil(20));
    assert_eq!(
        first["items"].as_array().unwrap().len() as u64,
        found.min(20)
    );
    for bad in [
        "&per_page=51",
        "&per_page=0",
        "&per_page=x",
        "&page=-1",
        "&page=x",
    ] {
        let a = http.get(&url(bad)).await;
        assert_eq!(a.status, 400, "{bad}");
        assert_eq!(a.error().0, "bad_argument");
    }
    assert_eq!(
        http.get(&url("&per_page=51")).await.error().1.as_deref(),
        Some("per_page")
    );
    let max = http.get_ok(&url("&per_page=50")).await;
    assert_eq!(max["items"].as_array().unwrap().len() as u64, found.min(50));
    let beyond = http.get_ok(&url("&page=1000")).await;
    assert_eq!(beyond["items"].as_array().unwrap().len(), 0);
    assert_eq!(beyond["found"].as_u64(), Some(found));

    // Pages do not overlap and cover the collection.
    let mut seen = std::collections::HashSet::new();
    let pages = first["pages"].as_u64().unwrap();
    for p in 0..pages {
        for id in ids(&http.get_ok(&url(&format!("&page={p}"))).await) {
            assert!(seen.insert(id), "an item on two pages");
        }
    }
    assert_eq!(seen.len() as u64, found);

    // Every collection together holds the vacancy's negotiations.
    let collections = http.get_ok(&format!("/negotiations?vacancy_id={v}")).await;
    let sum: u64 = collections["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["counters"]["total"].as_u64().unwrap())
        .sum();
    assert_eq!(sum, 130);

    assert_eq!(
        http.get("/negotiations").await.error().1.as_deref(),
        Some("vacancy_id")
    );
    assert_eq!(
        http.get("/negotiations/response")
            .await
            .error()
            .1
            .as_deref(),
        Some("vacancy_id")
    );
    assert_eq!(
        http.get(&url("&order_by=nonsense"))
            .await
            .error()
            .1
            .as_deref(),
        Some("order_by")
    );
    let messages = http
        .get(&format!(
            "/negotiations/{}/messages?per_page=51",
            ids(&first)[0]
        ))
        .await;
    assert_eq!(messages.status, 400);
    sandbox.shutdown().await;
}

async fn post(h: &Http, form: Vec<(&'static str, String)>) -> common::Answer {
    let f: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    h.send("POST", "/token", &f).await
}

#[tokio::test]
async fn tokens_refresh_once_after_expiry() {
    let (sandbox, mut http) = start(SandboxConfig::default()).await;
    let refresh = sandbox.refresh_token();
    let old_access = sandbox.access_token();
    http.token = None;
    let grant = |rt: &str| {
        vec![
            ("grant_type", "refresh_token".to_string()),
            ("refresh_token", rt.to_string()),
        ]
    };

    let early = post(&http, grant(&refresh)).await;
    assert_eq!(early.status, 400);
    assert_eq!(early.json()["error"], "invalid_grant");
    assert_eq!(early.json()["error_description"], "token not expired");

    sandbox.expire_access_token();
    let ok = post(&http, grant(&refresh)).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    let tokens = ok.json();
    assert_eq!(tokens["token_type"], "bearer");
    assert!(tokens["expires_in"].as_u64().unwrap() > 0);
    let new_access = tokens["access_token"].as_str().unwrap().to_string();
    assert_eq!(sandbox.access_token(), new_access);
    assert_eq!(
        sandbox.refresh_token(),
        tokens["refresh_token"].as_str().unwrap()
    );

    let twice = post(&http, grant(&refresh)).await;
    assert_eq!(twice.status, 400);
    assert_eq!(
        twice.json()["error_description"],
        "token has already been refreshed"
    );

    http.token = Some(old_access);
    assert_eq!(
        http.get("/me").await.error().1.as_deref(),
        Some("bad_authorization")
    );
    http.token = Some(new_access.clone());
    assert_eq!(http.get("/me").await.status, 200);

    http.token = None;
    let code = sandbox.authorization_code();
    let by_code = |code: &str| {
        vec![
            ("grant_type", "authorization_code".to_string()),
            ("code", code.to_string()),
            ("client_id", "app".to_string()),
            ("client_secret", "secret".to_string()),
        ]
    };
    assert_eq!(post(&http, by_code(&code)).await.status, 200);
    assert_eq!(
        post(&http, by_code(&code)).await.json()["error_description"],
        "code has already been used"
    );
    let unsupported = post(&http, vec![("grant_type", "password".to_string())]).await;
    assert_eq!(unsupported.json()["error"], "unsupported_grant_type");
    assert!(unsupported.json()["request_id"].is_string());

    http.token = Some(new_access);
    assert_eq!(http.send("DELETE", "/token", &[]).await.status, 204);
    assert_eq!(http.get("/me").await.status, 403);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn negotiation_rules() {
    let (sandbox, http) = start(SandboxConfig::default()).await;
    let v = sandbox.vacancy_ids()[0].clone();
    let inbox = http
        .get_ok(&format!(
            "/negotiations/response?vacancy_id={v}&per_page=50"
        ))
        .await;
    let inbox_ids = ids(&inbox);
    let nid = &inbox_ids[0];

    // Required argument missing, dependent argument alone, blank message, bad address.
    let a = http
        .send("PUT", &format!("/negotiations/interview/{nid}"), &[])
        .await;
    assert_eq!((a.status, a.error().1.as_deref()), (400, Some("message")));
    let a = http
        .send(
            "PUT",
            &format!("/negotiations/consider/{nid}"),
            &[("send_sms", "true")],
        )
        .await;
    assert_eq!((a.status, a.error().1.as_deref()), (400, Some("message")));
    let a = http
        .send(
            "PUT",
            &format!("/negotiations/consider/{nid}"),
            &[("message", "  ")],
        )
        .await;
    assert_eq!(
        (a.status, a.error().1.as_deref()),
        (403, Some("empty_message"))
    );
    let a = http
        .send(
            "PUT",
            &format!("/negotiations/interview/{nid}"),
            &[("message", "Ждём"), ("address_id", "1")],
        )
        .await;
    assert_eq!(
        (a.status, a.error().1.as_deref()),
        (403, Some("address_not_found"))
    );
    let a = http
        .send("PUT", &format!("/negotiations/teleport/{nid}"), &[])
        .await;
    assert_eq!(a.status, 404);

    // Messages need an invitation first.
    let n = http.get_ok(&format!("/negotiations/{nid}")).await;
    assert_eq!(n["messaging_status"], "no_invitation");
    let a = http
        .send(
            "POST",
            &format!("/negotiations/{nid}/messages"),
            &[("message", "Здравствуйте")],
        )
        .await;
    assert_eq!(
        (a.status, a.error().1.as_deref()),
        (403, Some("no_invitation"))
    );

    // Hired is final: nothing more can be done.
    assert_eq!(
        http.send("PUT", &format!("/negotiations/hired/{nid}"), &[])
            .await
            .status,
        204
    );
    let a = http
        .send("PUT", &format!("/negotiations/consider/{nid}"), &[])
        .await;
    assert_eq!(
        (a.status, a.error()),
        (403, ("negotiations".into(), Some("wrong_state".into())))
    );
    let n = http.get_ok(&format!("/negotiations/{nid}")).await;
    assert_eq!(n["actions"].as_array().unwrap().len(), 0);
    // Moved without a message: the applicant's state changes with the next message.
    assert_eq!(n["state"]["id"], "response");
    let sent = http
        .send(
            "POST",
            &format!("/negotiations/{nid}/messages"),
            &[("message", "Поздравляем!")],
        )
        .await;
    assert_eq!(sent.status, 201);
    // The retired send answers an employer with HTML, as hh's description says; the
    // message is in the negotiation's chat.
    assert!(
        sent.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let chat = sandbox.chat(&sandbox.chat_id_of(nid).unwrap()).unwrap();
    assert_eq!(
        chat.messages.last().unwrap().text.as_deref(),
        Some("Поздравляем!")
    );
    assert_eq!(
        http.get_ok(&format!("/negotiations/{nid}")).await["state"]["id"],
        "invitation"
    );
    // hh stops the employer after five messages in a row.
    for i in 1..5 {
        let a = http
            .send(
                "POST",
                &format!("/negotiations/{nid}/messages"),
                &[("message", &format!("#{i}"))],
            )
            .await;
        assert_eq!(a.status, 201, "{}", a.text);
    }
    let a = http
        .send(
            "POST",
            &format!("/negotiations/{nid}/messages"),
            &[("message", "ещё")],
        )
        .await;
    assert_eq!(
        (a.status, a.error().1.as_deref()),
        (403, Some("in_a_row_limit"))
    );

    // Bulk moves: 1..=50 ids, all or nothing.
    let many: Vec<(&str, &str)> = (0..51).map(|_| ("topic_id", nid.as_str())).collect();
    assert_eq!(
        http.send("PUT", "/negotiations/discard", &many)
            .await
            .error()
            .1
            .as_deref(),
        Some("topic_id")
    );
    assert_eq!(
        http.send("PUT", "/negotiations/discard", &[])
            .await
            .error()
            .1
            .as_deref(),
        Some("topic_id")
    );
    let mixed = [
        ("topic_id", inbox_ids[1].as_str()),
        ("topic_id", nid.as_str()),
    ];
    assert_eq!(
        http.send("PUT", "/negotiations/consider", &mixed)
            .await
            .error()
            .1
            .as_deref(),
        Some("wrong_state")
    );
    assert_eq!(
        http.get_ok(&format!("/negotiations/{}", inbox_ids[1]))
            .await["employer_state"]["id"],
        "response"
    );
    assert_eq!(
        http.send("PUT", "/negotiations/no_such_collection", &mixed[..1])
            .await
            .status,
        404
    );
    let two = [
        ("topic_id", inbox_ids[1].as_str()),
        ("topic_id", inbox_ids[2].as_str()),
    ];
    assert_eq!(
        http.send("PUT", "/negotiations/discard", &two).await.status,
        204
    );
    for id in &inbox_ids[1..3] {
        assert_eq!(
            http.get_ok(&format!("/negotiations/{id}")).await["employer_state"]["id"],
            "discard_by_employer"
        );
    }

    // Mark read: unknown ids are refused.
    assert_eq!(
        http.send("POST", "/negotiations/read", &[("topic_id", "1")])
            .await
            .status,
        400
    );
    assert_eq!(
        http.send(
            "POST",
            "/negotiations/read",
            &[("topic_id", inbox_ids[3].as_str())]
        )
        .await
        .status,
        204
    );
    assert_eq!(
        http.get_ok(&format!("/negotiations/{}", inbox_ids[3]))
            .await["has_updates"],
        false
    );

    // One negotiation per vacancy + resume.
    let resume = n["resume"]["id"].as_str().unwrap();
    let invite = [
        ("resume_id", resume),
        ("vacancy_id", v.as_str()),
        ("message", "Приглашаем"),
    ];
    let a = http
        .send("POST", "/negotiations/invite-phone_interview", &invite)
        .await;
    assert_eq!(
        (a.status, a.error().1.as_deref()),
        (403, Some("already_applied"))
    );
    let free = sandbox.invitable_resume(&v).unwrap();
    let a = http
        .send(
            "POST",
            "/negotiations/invite-phone_interview",
            &[("resume_id", free.as_str()), ("vacancy_id", v.as_str())],
        )
        .await;
    assert_eq!((a.status, a.error().1.as_deref()), (400, Some("message")));
    let invite = [
        ("resume_id", free.as_str()),
        ("vacancy_id", v.as_str()),
        ("message", "Приглашаем"),
    ];
    // The action's id is not where it is performed (hh's own example: `invitation` at
    // `/negotiations/invited`): a client building the path from the id gets a 404.
    let by_id = http
        .send("POST", "/negotiations/phone_interview", &invite)
        .await;
    assert_eq!(by_id.status, 404);
    let a = http
        .send("POST", "/negotiations/invite-phone_interview", &invite)
        .await;
    assert_eq!(a.status, 201);
    let location = a.headers["location"].to_str().unwrap().to_string();
    let created = http.get_ok(&location).await;
    assert_eq!(created["employer_state"]["id"], "phone_interview");
    assert_eq!(created["state"]["id"], "invitation");
    assert_eq!(created["resume"]["id"], free.as_str());
    assert_eq!(created["vacancy"]["id"], v.as_str());
    assert_eq!(
        http.send("POST", "/negotiations/invite-phone_interview", &invite)
            .await
            .error()
            .1
            .as_deref(),
        Some("already_applied")
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn faults_are_injected_and_can_be_changed_at_run_time() {
    let (sandbox, http) = start(SandboxConfig {
        faults: Faults {
            rate_429: 1.0,
            retry_after_secs: 7,
            ..Faults::default()
        },
        ..SandboxConfig::default()
    })
    .await;
    let a = http.get("/me").await;
    assert_eq!(a.status, 429);
    assert_eq!(a.headers["retry-after"], "7");
    assert!(a.json()["request_id"].is_string());

    sandbox.set_faults(Faults {
        rate_503: 1.0,
        ..Faults::default()
    });
    let first = http.get("/me").await;
    let second = http.get("/me").await;
    assert_eq!((first.status, second.status), (503, 503));
    assert_eq!(first.error().0, "service_unavailable");
    assert!(
        serde_json::from_str::<Value>(&second.text).is_err(),
        "every other 503 is not JSON"
    );

    sandbox.set_faults(Faults {
        captcha_on_actions: true,
        ..Faults::default()
    });
    let v = sandbox.vacancy_ids()[0].clone();
    let list = http
        .get_ok(&format!("/negotiations/response?vacancy_id={v}"))
        .await;
    let nid = ids(&list)[0].clone();
    let a = http
        .send("PUT", &format!("/negotiations/consider/{nid}"), &[])
        .await;
    assert_eq!(a.status, 403);
    let e = &a.json()["errors"][0];
    assert_eq!(e["type"], "captcha_required");
    assert!(
        e["captcha_url"]
            .as_str()
            .unwrap()
            .starts_with("https://hh.ru/")
    );
    assert_eq!(
        http.send(
            "POST",
            &format!("/negotiations/{nid}/messages"),
            &[("message", "x")]
        )
        .await
        .status,
        403
    );
    assert_eq!(
        http.send(
            "PUT",
            "/negotiations/consider",
            &[("topic_id", nid.as_str())]
        )
        .await
        .status,
        403
    );

    sandbox.set_faults(Faults {
        malformed_rate: 1.0,
        ..Faults::default()
    });
    let broken = http.get(&format!("/negotiations/{nid}")).await;
    assert_eq!(broken.status, 200);
    assert!(serde_json::from_str::<Value>(&broken.text).is_err());
    // Errors are not broken, only successful bodies.
    assert_eq!(http.get("/negotiations/1").await.error().0, "not_found");

    sandbox.set_faults(Faults {
        latency: Duration::from_millis(120),
        ..Faults::default()
    });
    let started = Instant::now();
    assert_eq!(http.get("/me").await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(120));

    sandbox.set_faults(Faults::default());
    let before = sandbox.request_count();
    assert_eq!(http.get("/me").await.status, 200);
    assert_eq!(sandbox.request_count(), before + 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn same_seed_same_data() {
    let body = |seed| async move {
        let (sandbox, http) = start(SandboxConfig {
            seed,
            ..SandboxConfig::default()
        })
        .await;
        let v = sandbox.vacancy_ids()[1].clone();
        let list = http
            .get(&format!("/negotiations/discard?vacancy_id={v}&per_page=50"))
            .await
            .text;
        let vacancies = http
            .get(&format!(
                "/employers/{}/vacancies/active",
                sandbox.employer_id()
            ))
            .await
            .text;
        let out = format!("{list}{vacancies}").replace(&sandbox.base_url(), "BASE");
        sandbox.shutdown().await;
        out
    };
    let a = body(7).await;
    assert_eq!(a, body(7).await);
    assert_ne!(a, body(8).await);
    assert!(a.contains("Отказ"));
}
