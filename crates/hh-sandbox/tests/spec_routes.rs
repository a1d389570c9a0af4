//! The sandbox's routes are operations of `spec/hh-derived.yaml`, the description the client
//! is generated from (hh.ru's, with our overlay): each route's method and path template, and
//! the operationId it records, are the derived description's. The sandbox serves a part of it
//! (the employer's hiring workflow), so the check is one of inclusion. Checked on the route
//! table, and live, by requesting every route and seeing which handler answered.
//!
//! Two kinds of route are not operations there: a collection's list, which shares
//! `GET /negotiations/{id}` and which the derived description has as the schema
//! `NegotiationsPage` (the overlay removes hh's one spelled-out collection, collections being
//! dynamic), and the routes hh.ru retired but still answers (`RouteSpec::retired`).

mod common;

use std::collections::{BTreeMap, BTreeSet};

use hh_sandbox::SandboxConfig;
use hh_sandbox::routes::{COLLECTION_LIST, ROUTES};
use serde_json::Value;

fn spec() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../spec/hh-derived.yaml");
    let text = std::fs::read_to_string(path).expect("spec/hh-derived.yaml is readable");
    serde_norway::from_str(&text).expect("the derived description is YAML")
}

/// `/negotiations/{collection_name}/{nid}` → `/negotiations/{}/{}`: OpenAPI, like the router,
/// tells templates apart by shape, not by parameter names.
fn shape(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with('{') { "{}" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

/// (METHOD, path shape) → operationId, from the derived description.
fn spec_operations() -> BTreeMap<(String, String), String> {
    let spec = spec();
    let mut ops = BTreeMap::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                ops.insert((method.to_uppercase(), shape(path)), id.to_string());
            }
        }
    }
    ops
}

#[test]
fn every_route_is_an_operation_of_the_derived_description() {
    let ops = spec_operations();
    let current: Vec<_> = ROUTES.iter().filter(|r| r.in_our_spec()).collect();
    let keys: BTreeSet<(String, String)> = current
        .iter()
        .map(|r| (r.method.to_string(), shape(r.path)))
        .collect();
    assert_eq!(keys.len(), current.len(), "a route is listed twice");
    let missing: Vec<_> = current
        .iter()
        .filter(|r| !ops.contains_key(&(r.method.to_string(), shape(r.path))))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(
        missing.is_empty(),
        "routes the derived description does not describe: {missing:?}"
    );
    for r in &current {
        assert_eq!(
            ops[&(r.method.to_string(), shape(r.path))],
            r.operation,
            "{} {} answers as another operation",
            r.method,
            r.path
        );
    }
    for r in ROUTES.iter().filter(|r| r.retired) {
        assert!(
            !ops.contains_key(&(r.method.to_string(), shape(r.path))),
            "{} {} is marked retired but the derived description still describes it",
            r.method,
            r.path
        );
    }
    // The one exception: a collection's list shares GET /negotiations/{id} and is described
    // by its schema, not as an operation.
    assert!(!ops.values().any(|op| op == COLLECTION_LIST));
    assert!(ops.contains_key(&("GET".to_string(), "/negotiations/{}".to_string())));
    assert!(spec()["components"]["schemas"]["NegotiationsPage"].is_object());
    println!(
        "the sandbox serves {} of the derived description's {} operations (and a collection's list; {} retired routes besides)",
        current.len(),
        ops.len(),
        ROUTES.iter().filter(|r| r.retired).count()
    );
}

#[test]
fn route_paths_are_written_as_the_spec_writes_them() {
    let spec = spec();
    let paths: BTreeSet<&str> = spec["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for r in ROUTES.iter().filter(|r| r.in_our_spec()) {
        assert!(
            paths.contains(r.path),
            "{} {} is not a path of the derived description",
            r.method,
            r.path
        );
    }
}

/// The retired routes are hh.ru's: its description still has them (and says they are no
/// longer supported), written as the route table writes them.
#[test]
fn retired_routes_are_hh_operations() {
    let Some(hh) = common::hh_openapi() else {
        return;
    };
    let retired: Vec<_> = ROUTES.iter().filter(|r| r.retired).collect();
    assert!(!retired.is_empty());
    for r in retired {
        let op = &hh["paths"][r.path][r.method.to_lowercase()];
        assert!(
            op.is_object(),
            "{} {} is not in hh.ru's description",
            r.method,
            r.path
        );
    }
}

/// A concrete request for each route's operation.
fn request_for(op: &str, ids: &Ids) -> (&'static str, String, Vec<(&'static str, String)>) {
    let Ids {
        employer,
        vacancy,
        negotiation,
        invited,
        resume,
        free_resume,
        chat,
        to_edit,
        applicant,
        manager,
        saved_search,
        ..
    } = ids;
    match op {
        "get_me" => ("GET", "/me".into(), vec![]),
        "get_manager_accounts" => ("GET", "/manager_accounts/mine".into(), vec![]),
        "list_active_vacancies" => (
            "GET",
            format!("/employers/{employer}/vacancies/active"),
            vec![],
        ),
        "get_vacancy" => ("GET", format!("/vacancies/{vacancy}"), vec![]),
        "get_preferred_negotiations_order" => (
            "GET",
            format!("/vacancies/{vacancy}/preferred_negotiations_order"),
            vec![],
        ),
        "set_preferred_negotiations_order" => (
            "PUT",
            format!("/vacancies/{vacancy}/preferred_negotiations_order"),
            vec![("order", "created_at".into())],
        ),
        "get_negotiation_collections" => {
            ("GET", format!("/negotiations?vacancy_id={vacancy}"), vec![])
        }
        "get_negotiation" => ("GET", format!("/negotiations/{negotiation}"), vec![]),
        "move_negotiations" => (
            "PUT",
            "/negotiations/consider".into(),
            vec![("topic_id", negotiation.clone())],
        ),
        "invite_applicant" => (
            "POST",
            "/negotiations/invite-phone_interview".into(),
            vec![
                ("resume_id", free_resume.clone()),
                ("vacancy_id", vacancy.clone()),
                ("message", "Приглашаем на интервью".into()),
            ],
        ),
        "perform_negotiation_action" => (
            "PUT",
            format!("/negotiations/interview/{negotiation}"),
            vec![("message", "Ждём вас".into())],
        ),
        "mark_negotiations_read" => (
            "POST",
            "/negotiations/read".into(),
            vec![("topic_id", negotiation.clone())],
        ),
        "list_negotiation_messages" => ("GET", format!("/negotiations/{invited}/messages"), vec![]),
        "send_negotiation_message" => (
            "POST",
            format!("/negotiations/{invited}/messages"),
            vec![("message", "Добрый день!".into())],
        ),
        "list_chats" => ("GET", "/common/chats".into(), vec![]),
        "count_unread_chats" => ("GET", "/common/chats/counters/unread".into(), vec![]),
        "list_chat_messages" => ("GET", format!("/common/chats/{chat}/messages"), vec![]),
        "mark_chat_read" => (
            "PUT",
            format!("/common/chats/{chat}/message/{to_edit}/read"),
            vec![],
        ),
        "set_chat_write_possibility" => (
            "PUT",
            format!("/common/chats/{chat}/write_possibility?applicant_write_possibility=false"),
            vec![],
        ),
        "list_chat_participants" => ("GET", format!("/common/chats/{chat}/participants"), vec![]),
        "get_chat_file_conditions" => ("GET", "/common/chats/files/conditions".into(), vec![]),
        "create_chat_upload_link" => ("POST", "/common/chats/files/upload_links".into(), vec![]),
        "get_resume" => ("GET", format!("/resumes/{resume}"), vec![]),
        "search_resumes" => ("GET", "/resumes?text=менеджер&per_page=5".into(), vec![]),
        "get_resume_negotiations_history" => (
            "GET",
            format!("/resumes/{resume}/negotiations_history"),
            vec![],
        ),
        "list_applicant_comments" => ("GET", format!("/applicant_comments/{applicant}"), vec![]),
        "add_applicant_comment" => (
            "POST",
            format!("/applicant_comments/{applicant}"),
            vec![
                ("text", "Сильный кандидат".into()),
                ("access_type", "coworkers".into()),
            ],
        ),
        "list_mail_templates" => (
            "GET",
            format!("/employers/{employer}/mail_templates"),
            vec![],
        ),
        "get_message_template" => (
            "GET",
            format!("/message_templates/invite?topic_id={negotiation}"),
            vec![],
        ),
        "get_dictionaries" => ("GET", "/dictionaries".into(), vec![]),
        "get_manager_resume_limits" => (
            "GET",
            format!("/employers/{employer}/managers/{manager}/limits/resume"),
            vec![],
        ),
        "get_employer_negotiations_statistics" => (
            "GET",
            format!("/employers/{employer}/negotiations_statistics"),
            vec![],
        ),
        "get_manager_negotiations_statistics" => (
            "GET",
            format!("/employers/{employer}/managers/{manager}/negotiations_statistics"),
            vec![],
        ),
        "get_vacancy_stats" => ("GET", format!("/vacancies/{vacancy}/stats"), vec![]),
        "list_vacancy_visitors" => ("GET", format!("/vacancies/{vacancy}/visitors"), vec![]),
        "list_saved_resume_searches" => ("GET", "/saved_searches/resumes".into(), vec![]),
        "get_saved_resume_search" => (
            "GET",
            format!("/saved_searches/resumes/{saved_search}"),
            vec![],
        ),
        "obtain_token" => (
            "POST",
            "/token".into(),
            vec![("grant_type", "refresh_token".into())],
        ),
        "invalidate_token" => ("DELETE", "/token".into(), vec![]),
        other => panic!("the sandbox has a new route `{other}`: add a request for it here"),
    }
}

struct Ids {
    employer: String,
    vacancy: String,
    negotiation: String,
    invited: String,
    resume: String,
    free_resume: String,
    chat: String,
    /// Two of the employer's own messages in `chat`.
    to_edit: String,
    to_delete: String,
    colleague: String,
    /// The owner of `resume`: the key of the applicant's comments.
    applicant: String,
    /// The signed-in manager, and one of their saved searches.
    manager: String,
    saved_search: String,
}

/// The webhook operations, all JSON; `subscription` is the one `post_webhook_subscription`
/// made (the operations run in that order).
fn webhook_request(op: &str, subscription: &str) -> Option<(&'static str, String, Value)> {
    let path = format!("/webhook/subscriptions/{subscription}");
    Some(match op {
        "post_webhook_subscription" => (
            "POST",
            "/webhook/subscriptions".into(),
            serde_json::json!({
                "url": "http://127.0.0.1:9/hook",
                "actions": [{ "type": "NEW_NEGOTIATION_VACANCY" }],
            }),
        ),
        "get_webhook_subscriptions" => ("GET", "/webhook/subscriptions".into(), Value::Null),
        "change_webhook_subscription" => (
            "PUT",
            path,
            serde_json::json!({ "actions": [{ "type": "CHAT_MESSAGE_CREATED" }] }),
        ),
        "cancel_webhook_subscription" => ("DELETE", path, Value::Null),
        _ => return None,
    })
}

/// The chat operations that take a JSON body.
fn json_request(op: &str, ids: &Ids) -> Option<(&'static str, String, Value)> {
    let Ids {
        chat,
        to_edit,
        to_delete,
        colleague,
        ..
    } = ids;
    Some(match op {
        "send_chat_message" => (
            "POST",
            format!("/common/chats/{chat}/messages"),
            serde_json::json!({ "text": "Добрый день!", "idempotency_key": common::uuid() }),
        ),
        "edit_chat_message" => (
            "PUT",
            format!("/common/chats/{chat}/messages/{to_edit}"),
            serde_json::json!({ "text": "Добрый день! (исправлено)" }),
        ),
        "delete_chat_message" => (
            "DELETE",
            format!("/common/chats/{chat}/messages/{to_delete}"),
            Value::Null,
        ),
        "add_chat_participant" => (
            "PUT",
            format!("/common/chats/{chat}/participants"),
            serde_json::json!({ "id": colleague }),
        ),
        _ => return None,
    })
}

#[tokio::test]
async fn every_route_is_answered_by_its_handler() {
    let (sandbox, http) = common::start(SandboxConfig {
        record: true,
        ..SandboxConfig::default()
    })
    .await;
    let vacancy = sandbox.vacancy_ids()[0].clone();
    let list = http
        .get_ok(&format!("/negotiations/response?vacancy_id={vacancy}"))
        .await;
    let first = &list["items"][0];
    let invited_list = http
        .get_ok(&format!(
            "/negotiations/interview?vacancy_id={vacancy}&per_page=50"
        ))
        .await;
    let invited = invited_list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["messaging_status"] == "ok")
        .map(|n| n["id"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("no invited negotiation seeded on {vacancy}"));
    let chat = sandbox.writable_chat().unwrap();
    let mut own = Vec::new();
    for text in ["Первое", "Второе"] {
        let a = http
            .send_json(
                "POST",
                &format!("/common/chats/{chat}/messages"),
                &serde_json::json!({ "text": text, "idempotency_key": common::uuid() }),
            )
            .await;
        assert_eq!(a.status, 201, "{}", a.text);
        own.push(a.json()["id"].as_str().unwrap().to_string());
    }
    let ids = Ids {
        chat,
        to_edit: own[0].clone(),
        to_delete: own[1].clone(),
        colleague: sandbox.manager_ids()[1].clone(),
        employer: sandbox.employer_id(),
        vacancy: vacancy.clone(),
        negotiation: first["id"].as_str().unwrap().to_string(),
        invited,
        resume: first["resume"]["id"].as_str().unwrap().to_string(),
        free_resume: sandbox.invitable_resume(&vacancy).unwrap(),
        applicant: sandbox
            .resume(first["resume"]["id"].as_str().unwrap())
            .unwrap()
            .owner_id,
        manager: sandbox.manager_id(),
        saved_search: sandbox.saved_searches()[0].0.clone(),
    };

    // The one exception, a collection's list, reaches its own handler.
    sandbox.clear_recorded();
    let _ = http
        .get(&format!("/negotiations/discard?vacancy_id={vacancy}"))
        .await;
    assert_eq!(sandbox.recorded()[0].operation, Some(COLLECTION_LIST));

    let mut ops: Vec<String> = ROUTES
        .iter()
        .filter(|r| r.in_our_spec())
        .map(|r| r.operation.to_string())
        .collect();
    // The retired routes, which the derived description does not have, reach their own
    // handlers too.
    for r in ROUTES.iter().filter(|r| r.retired) {
        sandbox.clear_recorded();
        let (method, path, form) = request_for(r.operation, &ids);
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let answer = http.send(method, &path, &form).await;
        assert!(
            (200..300).contains(&answer.status),
            "{}: {}",
            r.operation,
            answer.text
        );
        assert_eq!(sandbox.recorded()[0].operation, Some(r.operation));
    }

    // Order matters only for these: the token is refreshed (after expiring) and then
    // invalidated last, the action runs after the move that keeps it allowed, and the
    // webhook subscription is made before it is read, changed and cancelled.
    ops.sort_by_key(|op| match op.as_str() {
        "post_webhook_subscription" => 0,
        "cancel_webhook_subscription" => 2,
        "obtain_token" => 3,
        "invalidate_token" => 4,
        _ => 1,
    });
    let mut subscription = String::new();
    for op in &ops {
        sandbox.clear_recorded();
        let json = webhook_request(op, &subscription).or_else(|| json_request(op, &ids));
        if let Some((method, path, body)) = json {
            let answer = http.send_json(method, &path, &body).await;
            assert!(
                (200..300).contains(&answer.status),
                "{op}: {method} {path} → {} {}",
                answer.status,
                answer.text
            );
            assert_eq!(sandbox.recorded()[0].operation, Some(op.as_str()));
            if op == "post_webhook_subscription" {
                subscription = answer.json()["id"].as_str().unwrap().to_string();
            }
            continue;
        }
        let (method, path, mut form) = request_for(op, &ids);
        if op == "obtain_token" {
            sandbox.expire_access_token();
            form.push(("refresh_token", sandbox.refresh_token()));
        }
        let mut client = common::Http {
            token: Some(sandbox.access_token()),
            ..http_clone(&http)
        };
        if op == "obtain_token" {
            client.token = None;
        }
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let answer = client.send(method, &path, &form).await;
        assert!(
            (200..300).contains(&answer.status),
            "{op}: {method} {path} → {} {}",
            answer.status,
            answer.text
        );
        let recorded = sandbox.recorded();
        assert_eq!(recorded.len(), 1);
        assert_eq!(recorded[0].operation, Some(op.as_str()), "{method} {path}");
    }

    sandbox.shutdown().await;
}

fn http_clone(h: &common::Http) -> common::Http {
    common::Http {
        client: h.client.clone(),
        base: h.base.clone(),
        token: h.token.clone(),
        user_agent: h.user_agent,
    }
}
