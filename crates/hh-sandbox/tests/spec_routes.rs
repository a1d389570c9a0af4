//! The sandbox's routes and the operations of `spec/hh-employer.yaml` are the same set,
//! so neither can drift: checked on the route table, and live, by requesting every
//! operation and seeing which handler answered.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use hh_sandbox::SandboxConfig;
use hh_sandbox::routes::{COLLECTION_LIST, ROUTES};
use serde_json::Value;

fn spec() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../spec/hh-employer.yaml");
    let text = std::fs::read_to_string(path).expect("spec/hh-employer.yaml is readable");
    serde_norway::from_str(&text).expect("the spec is YAML")
}

/// `/negotiations/{action}/{nid}` → `/negotiations/{}/{}`: OpenAPI, like the router,
/// tells templates apart by shape, not by parameter names.
fn shape(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with('{') { "{}" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

/// (METHOD, path shape) → operationId, from the spec.
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
fn every_spec_operation_has_a_route_and_every_route_an_operation() {
    let spec = spec_operations();
    let routes: BTreeMap<(String, String), String> = ROUTES
        .iter()
        .map(|r| {
            (
                (r.method.to_string(), shape(r.path)),
                r.operation.to_string(),
            )
        })
        .collect();
    assert_eq!(routes.len(), ROUTES.len(), "a route is listed twice");
    let missing: Vec<_> = spec.keys().filter(|k| !routes.contains_key(*k)).collect();
    let extra: Vec<_> = routes.keys().filter(|k| !spec.contains_key(*k)).collect();
    assert!(
        missing.is_empty(),
        "spec operations without a route: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "routes the spec does not describe: {extra:?}"
    );
    for (key, op) in &spec {
        assert_eq!(&routes[key], op, "{key:?} answers as another operation");
    }
    // The one exception: a collection's list shares GET /negotiations/{id} and is
    // described by its schema, not as an operation.
    assert!(!spec.values().any(|op| op == COLLECTION_LIST));
    assert!(spec.contains_key(&("GET".to_string(), "/negotiations/{}".to_string())));
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
    for r in ROUTES {
        assert!(
            paths.contains(r.path),
            "{} {} is not a spec path",
            r.method,
            r.path
        );
    }
}

/// A concrete request for each operation of the spec.
fn request_for(op: &str, ids: &Ids) -> (&'static str, String, Vec<(&'static str, String)>) {
    let Ids {
        employer,
        vacancy,
        negotiation,
        invited,
        resume,
        free_resume,
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
            "/negotiations/phone_interview".into(),
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
        "get_resume" => ("GET", format!("/resumes/{resume}"), vec![]),
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
        "obtain_token" => (
            "POST",
            "/token".into(),
            vec![("grant_type", "refresh_token".into())],
        ),
        "invalidate_token" => ("DELETE", "/token".into(), vec![]),
        other => panic!("the spec has a new operation `{other}`: add a request for it here"),
    }
}

struct Ids {
    employer: String,
    vacancy: String,
    negotiation: String,
    invited: String,
    resume: String,
    free_resume: String,
}

#[tokio::test]
async fn every_spec_operation_is_answered_by_its_handler() {
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
    let ids = Ids {
        employer: sandbox.employer_id(),
        vacancy: vacancy.clone(),
        negotiation: first["id"].as_str().unwrap().to_string(),
        invited,
        resume: first["resume"]["id"].as_str().unwrap().to_string(),
        free_resume: sandbox.invitable_resume(&vacancy).unwrap(),
    };

    // The listed exception reaches its own handler. reaches its own handler.
    sandbox.clear_recorded();
    let _ = http
        .get(&format!("/negotiations/discard?vacancy_id={vacancy}"))
        .await;
    assert_eq!(sandbox.recorded()[0].operation, Some(COLLECTION_LIST));

    let mut ops: Vec<String> = spec_operations().into_values().collect();
    // Order matters only for these: the token is refreshed (after expiring) and then
    // invalidated last, and the action runs after the move that keeps it allowed.
    ops.sort_by_key(|op| match op.as_str() {
        "obtain_token" => 2,
        "invalidate_token" => 3,
        _ => 1,
    });
    for op in &ops {
        sandbox.clear_recorded();
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
