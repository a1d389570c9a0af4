//! hh.ru's webhooks on the sandbox: the subscription routes (one per user, each user's
//! own), the events its state changes send, in hh's shape, to a receiver on loopback,
//! and delivery as hh does it: retries after a failure, none after a 409, and the faults
//! hh warns of (duplicates, out of order), seeded.

mod common;

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use common::{Http, start};
use hh_sandbox::{
    ActionType, Sandbox, SandboxConfig, WebhookConfig, WebhookDelivery, WebhookFaults,
};
use serde_json::{Value, json};

const PATH: &str = "/webhook/subscriptions";

/// A receiver on loopback: keeps every body it is sent and answers from a script (200
/// when the script is empty), or 409 for an event id it already took when `dedupe` is on.
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Value>>>,
    script: Arc<Mutex<VecDeque<u16>>>,
    dedupe: bool,
}

impl Receiver {
    /// Serves it; the URL carries a path secret, as hh-mcp's receiver's does.
    async fn serve(self) -> (Receiver, String) {
        async fn take(State(r): State<Receiver>, body: axum::body::Bytes) -> StatusCode {
            let body: Value = serde_json::from_slice(&body).expect("a webhook body is JSON");
            let mut got = r.got.lock().unwrap();
            let seen = got.iter().any(|b| b["id"] == body["id"]);
            got.push(body);
            if r.dedupe && seen {
                return StatusCode::CONFLICT;
            }
            let status = r.script.lock().unwrap().pop_front().unwrap_or(200);
            StatusCode::from_u16(status).unwrap()
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hh/s3cr3t-path", listener.local_addr().unwrap());
        let app = axum::Router::new()
            .route("/hh/s3cr3t-path", axum::routing::post(take))
            .with_state(self.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (self, url)
    }

    fn got(&self) -> Vec<Value> {
        self.got.lock().unwrap().clone()
    }
}

fn config(faults: WebhookFaults) -> SandboxConfig {
    SandboxConfig {
        webhooks: WebhookConfig {
            retry_backoff: Duration::from_millis(10),
            faults,
            ..WebhookConfig::default()
        },
        ..SandboxConfig::default()
    }
}

async fn subscribe(http: &Http, url: &str, types: &[&str]) -> String {
    let actions: Vec<Value> = types.iter().map(|t| json!({ "type": t })).collect();
    let a = http
        .send_json("POST", PATH, &json!({ "url": url, "actions": actions }))
        .await;
    assert_eq!(a.status, 201, "{}", a.text);
    a.json()["id"].as_str().unwrap().to_string()
}

fn as_user(sandbox: &Sandbox, http: &Http, login: &str) -> Http {
    Http {
        token: Some(sandbox.tokens_of(login).unwrap().0),
        ..http.clone_http()
    }
}

/// A user of another employer than the default user's.
fn stranger(sandbox: &Sandbox) -> String {
    let me = sandbox.employer_id();
    sandbox
        .users()
        .into_iter()
        .find(|u| u.accounts.iter().all(|a| a.employer_id != me))
        .expect("a user of another employer")
        .login
}

#[tokio::test]
async fn a_subscription_is_created_listed_replaced_and_deleted() {
    let (sandbox, http) = start(SandboxConfig::default()).await;
    let me = sandbox.users()[0].login.clone();
    assert_eq!(http.get_ok(PATH).await, json!({ "items": [] }));
    assert_eq!(sandbox.webhook_subscription_of(&me).unwrap(), None);

    let body = json!({ "url": "http://127.0.0.1:9/hook", "actions": [
        { "type": "NEW_NEGOTIATION_VACANCY", "settings": { "vacancies_only_mine": true } },
        { "type": "CHAT_MESSAGE_CREATED" },
    ]});
    let created = http.send_json("POST", PATH, &body).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json()["id"].as_str().unwrap().to_string();
    let listed = http.get_ok(PATH).await;
    assert_eq!(
        listed,
        json!({ "items": [{ "id": id, "url": "http://127.0.0.1:9/hook", "actions": body["actions"] }] })
    );
    let held = sandbox.webhook_subscription_of(&me).unwrap().unwrap();
    assert_eq!(held.id, id);
    assert_eq!(
        held.actions[0].action_type,
        ActionType::NewNegotiationVacancy
    );
    assert_eq!(held.actions[0].vacancies_only_mine, Some(true));

    // One per user and application: hh's 400, and nothing changes.
    let again = http
        .send_json(
            "POST",
            PATH,
            &json!({ "url": "http://127.0.0.1:9/other", "actions": [{ "type": "VACANCY_CHANGE" }] }),
        )
        .await;
    assert_eq!(again.status, 400);
    assert_eq!(
        again.error(),
        ("notifications".into(), Some("already_exist".into()))
    );
    assert_eq!(http.get_ok(PATH).await, listed);

    // The action list is replaced whole; the url on its own.
    let one = format!("{PATH}/{id}");
    let put = http
        .send_json(
            "PUT",
            &one,
            &json!({ "actions": [{ "type": "NEGOTIATION_EMPLOYER_STATE_CHANGE" }] }),
        )
        .await;
    assert_eq!(put.status, 204, "{}", put.text);
    let put = http
        .send_json("PUT", &one, &json!({ "url": "http://localhost:9/new" }))
        .await;
    assert_eq!(put.status, 204, "{}", put.text);
    assert_eq!(
        http.get_ok(PATH).await,
        json!({ "items": [{ "id": id, "url": "http://localhost:9/new",
                "actions": [{ "type": "NEGOTIATION_EMPLOYER_STATE_CHANGE" }] }] })
    );
    let empty = http.send_json("PUT", &one, &json!({ "actions": [] })).await;
    assert_eq!(empty.status, 400);
    assert_eq!(empty.json()["errors"][0]["reason"], "size_less_than_min");

    assert_eq!(http.send("DELETE", &one, &[]).await.status, 204);
    assert_eq!(http.get_ok(PATH).await, json!({ "items": [] }));
    assert_eq!(http.send("DELETE", &one, &[]).await.status, 404);
    assert_eq!(
        http.send_json("PUT", &one, &json!({ "url": "http://localhost:9/x" }))
            .await
            .status,
        404
    );
    // After deleting, a new one can be made.
    subscribe(&http, "http://127.0.0.1:9/hook", &["VACANCY_CHANGE"]).await;
    sandbox.shutdown().await;
}

#[tokio::test]
async fn each_user_sees_and_changes_only_their_own_subscription() {
    let (sandbox, http) = start(SandboxConfig::default()).await;
    let mine = subscribe(&http, "http://127.0.0.1:9/a", &["CHAT_MESSAGE_CREATED"]).await;
    let other = as_user(&sandbox, &http, &stranger(&sandbox));
    assert_eq!(other.get_ok(PATH).await, json!({ "items": [] }));
    let theirs_put = other
        .send_json(
            "PUT",
            &format!("{PATH}/{mine}"),
            &json!({ "url": "http://127.0.0.1:9/stolen" }),
        )
        .await;
    assert_eq!(theirs_put.status, 404);
    assert_eq!(
        other
            .send("DELETE", &format!("{PATH}/{mine}"), &[])
            .await
            .status,
        404
    );
    // Their own is theirs alone: both exist side by side.
    let theirs = subscribe(&other, "http://127.0.0.1:9/b", &["VACANCY_CHANGE"]).await;
    assert_ne!(mine, theirs);
    let listed = http.get_ok(PATH).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert_eq!(listed["items"][0]["url"], "http://127.0.0.1:9/a");
    // Without a token: hh's 403.
    let anonymous = Http {
        token: None,
        ..http.clone_http()
    };
    assert_eq!(anonymous.get(PATH).await.status, 403);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn bad_bodies_get_hhs_errors_and_only_loopback_is_taken() {
    let (sandbox, http) = start(SandboxConfig::default()).await;
    let cases = [
        (
            json!({ "actions": [{ "type": "VACANCY_CHANGE" }] }),
            "/url",
            "required",
        ),
        (
            json!({ "url": "http://127.0.0.1:9/h" }),
            "/actions",
            "required",
        ),
        (
            json!({ "url": "http://127.0.0.1:9/h", "actions": [{ "type": "SOMETHING_ELSE" }] }),
            "/actions/0/type",
            "invalid",
        ),
        (
            json!({ "url": "mailto:hr@example.com", "actions": [{ "type": "VACANCY_CHANGE" }] }),
            "/url",
            "invalid",
        ),
        (
            json!({ "url": "https://hooks.example.com/h", "actions": [{ "type": "VACANCY_CHANGE" }] }),
            "/url",
            "invalid",
        ),
    ];
    for (body, pointer, reason) in cases {
        let a = http.send_json("POST", PATH, &body).await;
        assert_eq!(a.status, 400, "{body}: {}", a.text);
        let e = &a.json()["errors"][0];
        assert_eq!(
            (
                e["type"].as_str(),
                e["pointer"].as_str(),
                e["reason"].as_str()
            ),
            (Some("bad_json_data"), Some(pointer), Some(reason)),
            "{body}"
        );
    }
    let far =
        json!({ "url": "https://hooks.example.com/h", "actions": [{ "type": "VACANCY_CHANGE" }] });
    let a = http.send_json("POST", PATH, &far).await;
    let description = a.json()["errors"][0]["description"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(description.contains("loopback"), "{description}");
    assert_eq!(http.get_ok(PATH).await, json!({ "items": [] }));
    sandbox.shutdown().await;

    // The flag takes any host.
    let (sandbox, http) = start(SandboxConfig {
        webhooks: WebhookConfig {
            allow_any_host: true,
            ..WebhookConfig::default()
        },
        ..SandboxConfig::default()
    })
    .await;
    assert_eq!(http.send_json("POST", PATH, &far).await.status, 201);
    sandbox.shutdown().await;
}

/// hh's description, to hold event bodies to (feature `validate`).
#[cfg(feature = "validate")]
fn hh_schemas() -> Option<hh_sandbox::validate::Spec> {
    let path = common::hh_openapi_path()?;
    Some(hh_sandbox::validate::Spec::load(&path).expect("hh.ru's description loads"))
}

/// Every body fits hh's `WebhookSendObjectBaseUser`, and its payload the schema of its
/// action type. Returns how many were checked (0 without the description or the feature).
fn assert_hh_shape(bodies: &[Value]) -> usize {
    #[cfg(feature = "validate")]
    {
        let Some(hh) = hh_schemas() else { return 0 };
        for body in bodies {
            hh.validate("WebhookSendObjectBaseUser", body)
                .unwrap_or_else(|e| panic!("{body}: {e:#?}"));
            let payload = match body["action_type"].as_str().unwrap() {
                "NEW_NEGOTIATION_VACANCY" => "WebhookPayloadNewNegotiationVacancy",
                "NEW_RESPONSE_OR_INVITATION_VACANCY" => {
                    "WebhookPayloadNewResponseOrInvitationVacancy"
                }
                "NEGOTIATION_EMPLOYER_STATE_CHANGE" => {
                    "WebhookPayloadNegotiationEmployerStateChange"
                }
                "CHAT_MESSAGE_CREATED" => "WebhookPayloadChatMessageCreated",
                other => panic!("the sandbox sent an event it does not make: {other}"),
            };
            hh.validate(payload, &body["payload"])
                .unwrap_or_else(|e| panic!("{body}: {e:#?}"));
        }
        bodies.len()
    }
    #[cfg(not(feature = "validate"))]
    {
        let _ = bodies;
        eprintln!(
            "\n!!! SKIPPED: webhook bodies not held to hh.ru's schemas (feature `validate` is off)\n"
        );
        0
    }
}

fn of_type<'a>(bodies: &'a [Value], action_type: &str) -> Vec<&'a Value> {
    bodies
        .iter()
        .filter(|b| b["action_type"] == action_type)
        .collect()
}

#[tokio::test]
async fn every_kind_of_event_arrives_in_hhs_shape() {
    let (sandbox, http) = start(config(WebhookFaults::default())).await;
    let (receiver, url) = Receiver::default().serve().await;
    let me = sandbox.users()[0].clone();
    let id = subscribe(
        &http,
        &url,
        &[
            "NEW_NEGOTIATION_VACANCY",
            "NEW_RESPONSE_OR_INVITATION_VACANCY",
            "NEGOTIATION_EMPLOYER_STATE_CHANGE",
            "CHAT_MESSAGE_CREATED",
            "VACANCY_ARCHIVATION",
        ],
    )
    .await;
    // Someone at another employer, subscribed too, hears none of it.
    let (elsewhere, elsewhere_url) = Receiver::default().serve().await;
    let other = as_user(&sandbox, &http, &stranger(&sandbox));
    subscribe(
        &other,
        &elsewhere_url,
        &["NEW_NEGOTIATION_VACANCY", "CHAT_MESSAGE_CREATED"],
    )
    .await;

    let vacancy = sandbox.vacancy_ids()[0].clone();
    // 1. An applicant responds: two negotiation events and the cover letter.
    let response = sandbox.applicant_responds(&vacancy).unwrap();
    let listed = http.get_ok(&format!("/negotiations/{response}")).await;
    assert_eq!(listed["state"]["id"], "response");
    let resume = listed["resume"]["id"].as_str().unwrap().to_string();
    let chat = sandbox.chat_id_of(&response).unwrap();
    // 2. The employer moves it on, with a message.
    let moved = http
        .send(
            "PUT",
            &format!("/negotiations/interview/{response}"),
            &[("message", "Ждём вас завтра")],
        )
        .await;
    assert_eq!(moved.status, 204, "{}", moved.text);
    // 3. The employer writes in the chat, and 4. the applicant answers.
    let sent = http
        .send_json(
            "POST",
            &format!("/common/chats/{chat}/messages"),
            &json!({ "text": "Адрес пришлю отдельно", "idempotency_key": common::uuid() }),
        )
        .await;
    assert_eq!(sent.status, 201, "{}", sent.text);
    let sent_id = sent.json()["id"].as_str().unwrap().to_string();
    let answer_id = sandbox.applicant_writes(&chat, "Спасибо, буду").unwrap();
    // 5. The employer invites a resume.
    let invited_resume = sandbox.invitable_resume(&vacancy).unwrap();
    let invite = http
        .send(
            "POST",
            "/negotiations/invite-phone_interview",
            &[
                ("resume_id", invited_resume.as_str()),
                ("vacancy_id", vacancy.as_str()),
                ("message", "Приглашаем на звонок"),
            ],
        )
        .await;
    assert_eq!(invite.status, 201, "{}", invite.text);
    sandbox.flush_webhooks().await;

    let got = receiver.got();
    assert!(elsewhere.got().is_empty(), "{:#?}", elsewhere.got());
    // Envelope: hh's fields, the subscription and user as hh gives them, unique ids.
    for body in &got {
        assert_eq!(body["subscription_id"], id.as_str());
        assert_eq!(body["user_id"], me.user_id.as_str());
    }
    let ids: HashSet<&str> = got.iter().map(|b| b["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), got.len(), "event ids repeat: {got:#?}");

    let new = of_type(&got, "NEW_NEGOTIATION_VACANCY");
    assert_eq!(new.len(), 1, "only the applicant's response: {new:#?}");
    let p = &new[0]["payload"];
    assert_eq!(
        (
            &p["topic_id"],
            &p["vacancy_id"],
            &p["resume_id"],
            &p["chat_id"]
        ),
        (
            &json!(response),
            &json!(vacancy),
            &json!(resume),
            &json!(chat)
        )
    );
    assert_eq!(p["employer_id"], sandbox.employer_id().as_str());
    let both = of_type(&got, "NEW_RESPONSE_OR_INVITATION_VACANCY");
    let topics: Vec<&Value> = both.iter().map(|b| &b["payload"]["resume_id"]).collect();
    assert_eq!(topics, [&json!(resume), &json!(invited_resume)]);

    let moves = of_type(&got, "NEGOTIATION_EMPLOYER_STATE_CHANGE");
    assert_eq!(moves.len(), 1, "{moves:#?}");
    let p = &moves[0]["payload"];
    assert_eq!(
        (&p["topic_id"], &p["from_state"], &p["to_state"]),
        (&json!(response), &json!("response"), &json!("interview"))
    );
    assert_eq!(p["employer_manager_id"], me.manager_id.as_str());

    // The letter, the action's message, the chat send, the applicant's answer, the
    // invitation's message.
    let messages = of_type(&got, "CHAT_MESSAGE_CREATED");
    assert_eq!(messages.len(), 5, "{messages:#?}");
    let roles: Vec<(&str, bool)> = messages
        .iter()
        .map(|m| {
            (
                m["payload"]["role"].as_str().unwrap(),
                m["payload"]["is_current_participant"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        roles,
        [
            ("APPLICANT", false),
            ("EMPLOYER", true),
            ("EMPLOYER", true),
            ("APPLICANT", false),
            ("EMPLOYER", true)
        ]
    );
    assert_eq!(messages[2]["payload"]["message_id"], sent_id.as_str());
    assert_eq!(messages[3]["payload"]["message_id"], answer_id.as_str());
    assert_eq!(messages[3]["payload"]["chat_id"], chat.as_str());
    assert_eq!(
        messages[2]["payload"]["sender_participant_id"],
        me.manager_id.as_str()
    );

    // Reliable by default: each once, first try, taken.
    let deliveries = sandbox.webhook_deliveries();
    assert_eq!(deliveries.len(), got.len());
    assert!(
        deliveries
            .iter()
            .all(|d| d.attempt == 1 && !d.duplicate && d.answer == Ok(200) && d.url == url)
    );
    let checked = assert_hh_shape(&got);
    println!("{checked} webhook bodies held to hh.ru's schemas");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn vacancies_only_mine_keeps_the_users_own_vacancies() {
    let (sandbox, http) = start(config(WebhookFaults::default())).await;
    let (receiver, url) = Receiver::default().serve().await;
    let body = json!({ "url": url, "actions": [
        { "type": "NEW_NEGOTIATION_VACANCY", "settings": { "vacancies_only_mine": true } },
    ]});
    assert_eq!(http.send_json("POST", PATH, &body).await.status, 201);
    let me = sandbox.users()[0].clone();
    let mut own = Vec::new();
    for vacancy in sandbox.vacancy_ids() {
        let manager = http.get_ok(&format!("/vacancies/{vacancy}")).await["manager"]["id"]
            .as_str()
            .map(str::to_string);
        let nid = sandbox.applicant_responds(&vacancy).unwrap();
        if manager.as_deref() == Some(me.manager_id.as_str()) {
            own.push(nid);
        }
    }
    sandbox.flush_webhooks().await;
    let topics: Vec<String> = receiver
        .got()
        .iter()
        .map(|b| b["payload"]["topic_id"].as_str().unwrap().to_string())
        .collect();
    assert!(!own.is_empty() && own.len() < sandbox.vacancy_ids().len());
    assert_eq!(topics, own);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_failed_delivery_is_retried_and_a_409_ends_it() {
    let (sandbox, http) = start(config(WebhookFaults::default())).await;
    let receiver = Receiver::default();
    receiver.script.lock().unwrap().extend([500, 503, 200, 409]);
    let (receiver, url) = receiver.serve().await;
    subscribe(&http, &url, &["CHAT_MESSAGE_CREATED"]).await;
    let chat = sandbox.writable_chat().unwrap();
    sandbox.applicant_writes(&chat, "Первое").unwrap();
    sandbox.flush_webhooks().await;
    // The fourth answer is the second event's: a 409 is taken as delivered.
    sandbox.applicant_writes(&chat, "Второе").unwrap();
    sandbox.flush_webhooks().await;

    let d = sandbox.webhook_deliveries();
    let seen: Vec<(u32, Result<u16, String>)> =
        d.iter().map(|d| (d.attempt, d.answer.clone())).collect();
    assert_eq!(
        seen,
        [(1, Ok(500)), (2, Ok(503)), (3, Ok(200)), (1, Ok(409))]
    );
    assert_eq!(d[0].event_id, d[2].event_id);
    assert_ne!(d[2].event_id, d[3].event_id);
    assert_eq!(receiver.got().len(), 4);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_receiver_that_never_answers_well_is_given_up_after_the_last_attempt() {
    let (sandbox, http) = start(SandboxConfig {
        webhooks: WebhookConfig {
            max_attempts: 3,
            retry_backoff: Duration::from_millis(5),
            ..WebhookConfig::default()
        },
        ..SandboxConfig::default()
    })
    .await;
    // A port nobody listens on: every attempt fails without an answer.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let url = format!("http://{closed}/hh/s3cr3t-path");
    subscribe(&http, &url, &["CHAT_MESSAGE_CREATED"]).await;
    let chat = sandbox.writable_chat().unwrap();
    sandbox.applicant_writes(&chat, "Есть кто?").unwrap();
    sandbox.flush_webhooks().await;
    let d = sandbox.webhook_deliveries();
    assert_eq!(d.iter().map(|d| d.attempt).collect::<Vec<_>>(), [1, 2, 3]);
    for attempt in &d {
        let why = attempt.answer.as_ref().unwrap_err();
        // The reason says what failed, never where (the path is the receiver's secret).
        assert!(!why.contains("s3cr3t"), "{why}");
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn duplicates_come_with_the_same_id_when_the_fault_is_on() {
    let (sandbox, http) = start(config(WebhookFaults {
        duplicate_rate: 1.0,
        ..WebhookFaults::default()
    }))
    .await;
    let (receiver, url) = Receiver {
        dedupe: true,
        ..Receiver::default()
    }
    .serve()
    .await;
    subscribe(&http, &url, &["CHAT_MESSAGE_CREATED"]).await;
    let chat = sandbox.writable_chat().unwrap();
    for text in ["Раз", "Два"] {
        sandbox.applicant_writes(&chat, text).unwrap();
    }
    sandbox.flush_webhooks().await;
    // Each event twice, with the same id and body: taken, then refused as a duplicate.
    let d = sandbox.webhook_deliveries();
    assert_eq!(d.len(), 4);
    let ids: HashSet<&str> = d.iter().map(|d| d.event_id.as_str()).collect();
    for id in ids {
        let copies: Vec<&WebhookDelivery> = d.iter().filter(|d| d.event_id == id).collect();
        let seen: Vec<(bool, Result<u16, String>)> = copies
            .iter()
            .map(|d| (d.duplicate, d.answer.clone()))
            .collect();
        assert_eq!(seen, [(false, Ok(200)), (true, Ok(409))]);
        assert_eq!(copies[0].body, copies[1].body);
    }
    let distinct: HashSet<String> = receiver
        .got()
        .iter()
        .map(|b| b["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(distinct.len(), 2);
    sandbox.shutdown().await;
}

/// The chat messages' texts, in the order the receiver got their events.
fn message_order(sandbox: &Sandbox, chat: &str, bodies: &[Value]) -> Vec<String> {
    let held = sandbox.chat(chat).unwrap();
    bodies
        .iter()
        .map(|b| {
            let id = b["payload"]["message_id"].as_str().unwrap();
            held.messages
                .iter()
                .find(|m| m.id == id)
                .and_then(|m| m.text.clone())
                .unwrap()
        })
        .collect()
}

#[tokio::test]
async fn events_come_out_of_order_when_the_fault_is_on() {
    let (sandbox, http) = start(config(WebhookFaults {
        out_of_order_rate: 1.0,
        ..WebhookFaults::default()
    }))
    .await;
    let (receiver, url) = Receiver::default().serve().await;
    subscribe(&http, &url, &["CHAT_MESSAGE_CREATED"]).await;
    let chat = sandbox.writable_chat().unwrap();
    for text in ["1", "2", "3", "4", "5"] {
        sandbox.applicant_writes(&chat, text).unwrap();
    }
    sandbox.flush_webhooks().await;
    // Each held event goes after the one that follows it; the last has none, and goes
    // at the flush.
    assert_eq!(
        message_order(&sandbox, &chat, &receiver.got()),
        ["2", "1", "4", "3", "5"]
    );
    sandbox.shutdown().await;
}

/// What a run of events with faults drawn at random looks like: the messages whose event
/// came twice, and the order the receiver first got each event in.
async fn faulty_run(seed: u64) -> (Vec<String>, Vec<String>) {
    let (sandbox, http) = start(SandboxConfig {
        seed,
        ..config(WebhookFaults {
            duplicate_rate: 0.5,
            out_of_order_rate: 0.3,
            ..WebhookFaults::default()
        })
    })
    .await;
    let (receiver, url) = Receiver {
        dedupe: true,
        ..Receiver::default()
    }
    .serve()
    .await;
    subscribe(&http, &url, &["CHAT_MESSAGE_CREATED"]).await;
    let chat = sandbox.writable_chat().unwrap();
    for i in 0..12 {
        sandbox.applicant_writes(&chat, &format!("m{i}")).unwrap();
    }
    sandbox.flush_webhooks().await;
    let deliveries = sandbox.webhook_deliveries();
    let twice: Vec<Value> = deliveries
        .iter()
        .filter(|d: &&WebhookDelivery| d.duplicate)
        .map(|d| d.body.clone())
        .collect();
    let mut twice = message_order(&sandbox, &chat, &twice);
    twice.sort();
    let firsts: Vec<Value> = {
        let mut seen = HashSet::new();
        receiver
            .got()
            .into_iter()
            .filter(|b| seen.insert(b["id"].as_str().unwrap().to_string()))
            .collect()
    };
    assert_eq!(firsts.len(), 12);
    let order = message_order(&sandbox, &chat, &firsts);
    sandbox.shutdown().await;
    (twice, order)
}

#[tokio::test]
async fn faults_are_drawn_from_the_seed() {
    let a = faulty_run(7).await;
    assert_eq!(a, faulty_run(7).await);
    assert!(!a.0.is_empty() && a.0.len() < 12, "{a:?}");
    let created: Vec<String> = (0..12).map(|i| format!("m{i}")).collect();
    assert_ne!(a.1, created, "the fault reorders some: {a:?}");
}

#[tokio::test]
async fn delayed_events_still_arrive() {
    let (sandbox, http) = start(config(WebhookFaults {
        delay: Duration::from_millis(20)..=Duration::from_millis(80),
        ..WebhookFaults::default()
    }))
    .await;
    let (receiver, url) = Receiver::default().serve().await;
    subscribe(&http, &url, &["CHAT_MESSAGE_CREATED"]).await;
    let chat = sandbox.writable_chat().unwrap();
    for text in ["a", "b", "c"] {
        sandbox.applicant_writes(&chat, text).unwrap();
    }
    sandbox.flush_webhooks().await;
    let mut got = message_order(&sandbox, &chat, &receiver.got());
    got.sort();
    assert_eq!(got, ["a", "b", "c"]);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn nothing_is_sent_after_the_subscription_is_deleted() {
    let (sandbox, http) = start(config(WebhookFaults {
        // Long enough that the event is surely still waiting when the subscription goes,
        // however loaded the machine (the flush then waits this long once).
        delay: Duration::from_secs(3)..=Duration::from_secs(3),
        ..WebhookFaults::default()
    }))
    .await;
    let (receiver, url) = Receiver::default().serve().await;
    let id = subscribe(&http, &url, &["CHAT_MESSAGE_CREATED"]).await;
    let chat = sandbox.writable_chat().unwrap();
    sandbox.applicant_writes(&chat, "Ещё в очереди").unwrap();
    assert_eq!(
        http.send("DELETE", &format!("{PATH}/{id}"), &[])
            .await
            .status,
        204
    );
    sandbox.applicant_writes(&chat, "После удаления").unwrap();
    sandbox.flush_webhooks().await;
    assert!(receiver.got().is_empty(), "{:#?}", receiver.got());
    assert!(sandbox.webhook_deliveries().is_empty());
    sandbox.shutdown().await;
}

/// The shape check above can fail: a payload without a field hh requires, or with the
/// wrong type, does not fit.
#[cfg(feature = "validate")]
#[test]
fn the_shape_check_catches_a_bad_body() {
    let Some(hh) = hh_schemas() else { return };
    let good = json!({
        "id": "1", "subscription_id": "s", "action_type": "CHAT_MESSAGE_CREATED", "user_id": "2",
        "payload": {
            "chat_id": "3", "message_id": "4", "message_type": "SIMPLE",
            "sender_participant_id": "5", "is_current_participant": false,
            "creation_time": "2024-01-31T00:00:00+0300", "role": "APPLICANT",
        },
    });
    assert!(hh.validate("WebhookSendObjectBaseUser", &good).is_ok());
    let mut no_role = good.clone();
    no_role["payload"].as_object_mut().unwrap().remove("role");
    assert!(
        hh.validate("WebhookPayloadChatMessageCreated", &no_role["payload"])
            .is_err()
    );
    let mut numeric = good.clone();
    numeric["subscription_id"] = json!(7);
    assert!(hh.validate("WebhookSendObjectBaseUser", &numeric).is_err());
}
