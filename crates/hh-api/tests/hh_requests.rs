//! The requests our client sends are requests hh.ru's description allows. A realistic
//! session of `hh_api::Client` against the embedded sandbox (recorded), every request held
//! to hh.ru's operations (`../shared/hh-openapi/hh-openapi.yml`, read at run time):
//!
//! - its path fits one of hh's templates with that method (hh's literal segments first:
//!   `/negotiations/read` before `/negotiations/{id}`); an operation `spec/overlay.yaml`
//!   moves counts at its new template, and a collection's list (which the sandbox records as
//!   `get_collection_negotiations`) is hh's one spelled-out collection, `GET
//!   /negotiations/response`;
//! - the operation is not retired: not `deprecated: true`, and its text carries none of
//!   `spec/overlay.yaml`'s `retired.markers` — the rule `cargo xtask spec import` applies;
//! - every query name is one of its parameters, and not a deprecated one;
//! - numbers (`per_page`, `page`, `limit`, …) are within the parameter's or field's
//!   `minimum`/`maximum`;
//! - the body's media type is one hh accepts for it, and its form or JSON field names are in
//!   hh's body schema.
//!
//! The sandbox's record keeps the request's body but not its headers, so the media type is
//! read from the body: JSON when it parses as JSON, a form otherwise (our client sends
//! nothing else). What we send otherwise on purpose, where hh's description is wrong and
//! `spec/overlay.yaml` does not say so yet, is explained by `official::deliberate::UNCORRECTED`.

mod official;

use std::collections::BTreeSet;

use hh_api::auth::{TokenSet, now_unix};
use hh_api::{AccessToken, ChatContent, ChatListQuery, Client, CollectionQuery, IdempotencyKey};
use hh_sandbox::{Exchange, Sandbox, SandboxConfig};
use serde_json::Value;

const UA: &str = "HhApiConformance/1.0 (tests@example.com)";

/// The name the sandbox records for a collection's list.
const COLLECTION_LIST: &str = "get_collection_negotiations";

/// hh's operation a request goes to: `(hh's template as the overlay places it, operation)`.
fn hh_operation<'a>(off: &'a Value, ex: &Exchange) -> Option<(String, &'a Value)> {
    let method = ex.method.to_lowercase();
    if ex.operation == Some(COLLECTION_LIST) {
        return official::fits("/negotiations/{collection}", &ex.path)
            .then(|| official::operation_like(off, "get", "/negotiations/response"))
            .flatten()
            .map(|(_, op)| ("/negotiations/{collection}".to_string(), op));
    }
    let moved = official::deliberate::moved_operations();
    let mut candidates: Vec<(String, &Value)> = official::operations(off)
        .into_iter()
        .filter(|(_, m, _)| *m == method)
        .map(|(template, m, op)| {
            let at = moved
                .iter()
                .find(|mv| mv.method == m && mv.from == template)
                .map_or(template.to_string(), |mv| mv.to.clone());
            (at, op)
        })
        .filter(|(template, _)| official::fits(template, &ex.path))
        .collect();
    // hh's literal segments win over its placeholders.
    candidates.sort_by_key(|(template, _)| template.matches('{').count());
    candidates.into_iter().next()
}

/// What one request does that hh's operation does not allow (`param NAME (query) extra`, …).
fn request_whats(off: &Value, ex: &Exchange) -> (String, Vec<String>) {
    let Some((template, op)) = hh_operation(off, ex) else {
        return (
            ex.path.clone(),
            vec!["operation not in hh's description".into()],
        );
    };
    let mut whats = Vec::new();
    if let Some(why) = official::retired(op) {
        whats.push(format!("operation retired ({why})"));
    }
    let hh_path = official::operations(off)
        .into_iter()
        .find(|(_, _, o)| std::ptr::eq(*o, op))
        .map(|(p, _, _)| p)
        .unwrap_or_default();
    let parameters = query_parameters(off, hh_path, op);
    let query = url::form_urlencoded::parse(ex.query.as_deref().unwrap_or("").as_bytes());
    for (name, value) in query {
        match parameters.iter().find(|(n, _)| *n == name) {
            None => whats.push(format!("param {name} (query) extra")),
            Some((_, p)) => {
                if p.get("deprecated") == Some(&Value::Bool(true)) {
                    whats.push(format!("param {name} (query) deprecated"));
                }
                whats.extend(
                    limits(off, &p["schema"], &value).map(|l| format!("param {name} (query) {l}")),
                );
            }
        }
    }
    whats.extend(body_whats(off, op, &ex.request_body));
    (template, whats)
}

/// An operation's query parameters (its path item's too), by name.
fn query_parameters<'a>(off: &'a Value, path: &str, op: &'a Value) -> Vec<(String, &'a Value)> {
    let item = &off["paths"][path];
    [&item["parameters"], &op["parameters"]]
        .into_iter()
        .filter_map(Value::as_array)
        .flatten()
        .map(|p| official::resolve(off, p))
        .filter(|p| p["in"] == "query")
        .filter_map(|p| Some((p["name"].as_str()?.to_string(), p)))
        .collect()
}

/// `VALUE above maximum M` / `VALUE below minimum M`, for a parameter or field hh types as a
/// number. (As in JSON Schema, limits bind numbers only: hh's `maximum: 50` on mark-read's
/// string `topic_id` means fifty repeated ids, which the client's `MAX_TOPICS` keeps.)
fn limits(off: &Value, schema: &Value, value: &str) -> Option<String> {
    let schema = official::resolve(off, schema);
    if !matches!(schema["type"].as_str(), Some("integer" | "number")) {
        return None;
    }
    let n: f64 = value.parse().ok()?;
    if let Some(max) = schema.get("maximum").and_then(Value::as_f64)
        && n > max
    {
        return Some(format!("{value} above maximum {max}"));
    }
    if let Some(min) = schema.get("minimum").and_then(Value::as_f64)
        && n < min
    {
        return Some(format!("{value} below minimum {min}"));
    }
    None
}

const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";

/// The body's media type against hh's, and its fields against hh's body schema.
fn body_whats(off: &Value, op: &Value, body: &[u8]) -> Vec<String> {
    if body.is_empty() {
        return Vec::new();
    }
    let content = op
        .get("requestBody")
        .map(|b| official::resolve(off, b)["content"].clone())
        .unwrap_or(Value::Null);
    let accepted: Vec<&str> = content
        .as_object()
        .map(|c| c.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let (media, fields): (&str, Vec<(String, String)>) = match serde_json::from_slice::<Value>(body)
    {
        Ok(Value::Object(map)) => (
            JSON,
            map.into_iter().map(|(k, v)| (k, v.to_string())).collect(),
        ),
        _ => (
            FORM,
            url::form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        ),
    };
    let mut whats = Vec::new();
    if !accepted.contains(&media) {
        let declared = if accepted.is_empty() {
            "none".to_string()
        } else {
            accepted.join(", ")
        };
        whats.push(format!("request body {declared} -> {media}"));
    }
    let mut properties = Vec::new();
    collect_properties(off, &content[media]["schema"], &mut properties);
    let kind = if media == FORM {
        "form field"
    } else {
        "json field"
    };
    let mut seen = BTreeSet::new();
    for (name, value) in fields {
        if !seen.insert(name.clone()) {
            continue;
        }
        match properties.iter().find(|(n, _)| *n == name) {
            None => whats.push(format!("{kind} {name} extra")),
            Some((_, schema)) => {
                whats.extend(limits(off, schema, &value).map(|l| format!("{kind} {name} {l}")))
            }
        }
    }
    whats
}

/// Property names and schemas of a body schema, through `$ref`, `allOf` and the variants of
/// `oneOf`/`anyOf` (a field of any variant is hh's).
fn collect_properties<'a>(off: &'a Value, schema: &'a Value, into: &mut Vec<(String, &'a Value)>) {
    let schema = official::resolve(off, schema);
    for (name, s) in schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        into.push((name.clone(), s));
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for part in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            collect_properties(off, part, into);
        }
    }
}

/// Every recorded request's findings: `(METHOD template: what, seen in)`, unexplained and
/// explained.
fn findings(off: &Value, recorded: &[Exchange]) -> (Vec<String>, BTreeSet<String>) {
    let mut unexplained = Vec::new();
    let mut explained = BTreeSet::new();
    for ex in recorded {
        let (template, whats) = request_whats(off, ex);
        for what in whats {
            let line = format!("{} {template}: {what}", ex.method);
            if official::deliberate::explained(&ex.method, &template, &what).is_some() {
                explained.insert(line);
            } else {
                let query = ex
                    .query
                    .as_ref()
                    .map(|q| format!("?{q}"))
                    .unwrap_or_default();
                unexplained.push(format!("{line}\n    in {} {}{query}", ex.method, ex.path));
            }
        }
    }
    (unexplained, explained)
}

fn client(sandbox: &Sandbox) -> Client {
    Client::builder()
        .base_url(sandbox.base_url())
        .user_agent(UA)
        .token(sandbox.access_token())
        .build()
        .expect("a client for the sandbox")
}

/// What an employer does in a day: who am I, the vacancies, a vacancy's collections and
/// pages, a negotiation and its resume, actions, moves, mark-read, an invitation from a
/// vacancy's invite actions, the chats, resume search and history, comments, templates,
/// dictionaries, a token refresh and the sign-out.
async fn session(sandbox: &Sandbox) {
    let hh = client(sandbox);
    let me = hh.me().await.unwrap();
    let employer = me.employer().expect("an employer").id;
    hh.read(hh.api().get_manager_accounts().send())
        .await
        .unwrap();
    let vacancies = hh
        .read(
            hh.api()
                .list_active_vacancies()
                .employer_id(&employer)
                .per_page(50u32)
                .send(),
        )
        .await
        .unwrap()
        .into_active()
        .unwrap();
    let vacancy = vacancies.items[0].id.clone();
    hh.read(hh.api().get_vacancy().vacancy_id(&vacancy).send())
        .await
        .unwrap();
    hh.read(
        hh.api()
            .get_preferred_negotiations_order()
            .id(&vacancy)
            .send(),
    )
    .await
    .unwrap();

    let collections = hh.collections(&vacancy).await.unwrap();
    let response = collections
        .collections
        .iter()
        .find(|c| c.id == "response")
        .unwrap();
    let query = CollectionQuery {
        per_page: Some(hh_api::MAX_PER_PAGE),
        filters: vec![(
            hh_api::only_new_parameter("response").to_string(),
            "true".to_string(),
        )],
        ..Default::default()
    };
    let page = hh.collection_page(&response.url, &query).await.unwrap();
    for c in &collections.collections {
        hh.collection_all(&c.url, &CollectionQuery::default(), 2)
            .await
            .unwrap();
    }
    let first = hh.negotiation(&page.items[0].id).await.unwrap();
    hh.negotiation_resume(&first).await.unwrap();
    hh.mark_read(std::slice::from_ref(&first.id)).await.unwrap();
    let consider = first.actions.iter().find(|a| a.id == "consider").unwrap();
    hh.perform_action(consider, &vec![]).await.unwrap();
    let second = page.items[1].id.clone();
    hh.move_negotiations("discard_by_employer", &[second], &vec![])
        .await
        .unwrap();

    // An invitation: the vacancies a free resume fits, with hh's invite actions.
    let resume = sandbox.invitable_resume(&vacancy).unwrap();
    let fit = hh
        .read(
            hh.api()
                .list_active_vacancies()
                .employer_id(&employer)
                .resume_id(&resume)
                .send(),
        )
        .await
        .unwrap()
        .into_for_resume()
        .unwrap();
    let target = fit.items.iter().find(|v| v.id == vacancy).unwrap();
    let invite = target
        .negotiations_actions
        .iter()
        .find(|a| a.enabled)
        .expect("an invite action");
    hh.perform_action(
        invite,
        &vec![
            ("resume_id".into(), resume.clone()),
            ("vacancy_id".into(), vacancy.clone()),
            ("message".into(), "Приглашаем на интервью".into()),
        ],
    )
    .await
    .unwrap();

    // The chats.
    hh.chats(&ChatListQuery {
        per_page: Some(20),
        unread_only: true,
        ..Default::default()
    })
    .await
    .unwrap();
    hh.unread_chats().await.unwrap();
    let chat = sandbox.writable_chat().unwrap();
    let latest = hh.latest_messages(&chat, 50).await.unwrap();
    let sent = hh
        .send_chat_message(
            &chat,
            &IdempotencyKey::random(),
            &ChatContent::Text {
                text: "Добрый день! Удобно завтра в 12:00?".into(),
                automated: true,
            },
        )
        .await
        .unwrap();
    let mine = sent.message_id.unwrap();
    hh.edit_chat_message(&chat, &mine, "Добрый день! Удобно завтра в 13:00?")
        .await
        .unwrap();
    hh.mark_chat_read(&chat, &latest.messages[0].id)
        .await
        .unwrap();
    hh.messages_before(&chat, &mine, 10).await.unwrap();
    hh.delete_chat_message(&chat, &mine).await.unwrap();
    hh.set_applicant_may_write(&chat, true).await.unwrap();
    hh.chat_participants(&chat).await.unwrap();
    hh.add_chat_participant(&chat, &sandbox.manager_ids()[1])
        .await
        .unwrap();
    let upload = hh
        .upload_chat_file(hh_api::ChatFile {
            name: "offer.pdf".into(),
            content_type: "application/pdf".into(),
            bytes: b"%PDF-1.4 offer".to_vec(),
        })
        .await
        .unwrap();
    hh.send_chat_message(
        &chat,
        &IdempotencyKey::random(),
        &ChatContent::File { upload_id: upload },
    )
    .await
    .unwrap();

    // Resumes, their history and the team's comments (paid methods).
    let found = hh
        .read(
            hh.api()
                .search_resumes()
                .text("менеджер")
                .area("1")
                .page(0u32)
                .per_page(20u32)
                .send(),
        )
        .await
        .unwrap();
    let resume_id = found.items[0].id.clone();
    hh.read(
        hh.api()
            .get_resume_negotiations_history()
            .resume_id(&resume_id)
            .send(),
    )
    .await
    .unwrap();
    let owner = sandbox
        .resume(first.resume.as_ref().unwrap().id.as_str())
        .unwrap()
        .owner_id;
    hh.read(
        hh.api()
            .list_applicant_comments()
            .applicant_id(&owner)
            .page(0u32)
            .per_page(20u32)
            .send(),
    )
    .await
    .unwrap();
    hh.write(
        hh.api()
            .add_applicant_comment()
            .applicant_id(&owner)
            .body(hh_api::types::AddApplicantCommentBody {
                text: "Сильный кандидат".into(),
                access_type: "coworkers".into(),
            })
            .send(),
    )
    .await
    .unwrap();
    hh.read(hh.api().list_mail_templates().employer_id(&employer).send())
        .await
        .unwrap();
    hh.read(
        hh.api()
            .get_message_template()
            .template("invite")
            .topic_id(&first.id)
            .send(),
    )
    .await
    .unwrap();
    hh.read(hh.api().get_dictionaries().send()).await.unwrap();

    // The token expires: the client refreshes it, and signs out at the end.
    sandbox.expire_access_token();
    let tokens = TokenSet {
        access: AccessToken::new(sandbox.access_token()),
        refresh: Some(AccessToken::new(sandbox.refresh_token())),
        expires_at: Some(now_unix() - 1),
    };
    let refreshing = Client::builder()
        .base_url(sandbox.base_url())
        .user_agent(UA)
        .tokens(tokens, None)
        .build()
        .unwrap();
    refreshing.me().await.unwrap();
    refreshing.invalidate_token().await.unwrap();
}

#[tokio::test]
async fn our_requests_are_ones_hh_describes() {
    let Some(off) = official::official() else {
        return;
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sandbox = Sandbox::start(SandboxConfig {
        record: true,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    session(&sandbox).await;
    let recorded = sandbox.recorded();
    sandbox.shutdown().await;

    // Each request was one our client meant: answered with success.
    for ex in &recorded {
        assert!(
            (200..300).contains(&ex.status),
            "{} {} → {}: {}",
            ex.method,
            ex.path,
            ex.status,
            String::from_utf8_lossy(&ex.body)
        );
    }
    let operations: BTreeSet<&str> = recorded.iter().filter_map(|e| e.operation).collect();
    let (unexplained, explained) = findings(off, &recorded);
    println!(
        "{} requests to {} operations held to hh.ru's description; {} differences explained:",
        recorded.len(),
        operations.len(),
        explained.len()
    );
    for line in &explained {
        println!("  {line}");
    }
    assert!(
        unexplained.is_empty(),
        "requests hh.ru's description does not allow, unexplained:\n{}",
        unexplained.join("\n")
    );
    // The session reached most of what the client does.
    assert!(operations.len() >= 30, "{operations:?}");
}

/// The request check does fail: an unknown query name, a page size over hh's maximum, a
/// form field hh does not know, JSON where hh takes a form, a retired operation, a deprecated
/// parameter and a path hh does not have.
#[test]
fn the_request_check_catches_what_hh_does_not_allow() {
    let Some(off) = official::official() else {
        return;
    };
    let ex = |method: &str, path: &str, query: Option<&str>, body: &str| Exchange {
        method: method.into(),
        path: path.into(),
        query: query.map(str::to_string),
        operation: None,
        status: 200,
        content_type: None,
        body: Vec::new(),
        request_body: body.as_bytes().to_vec(),
    };
    let whats = |e: Exchange| request_whats(off, &e);

    assert_eq!(whats(ex("GET", "/me", None, "")), ("/me".into(), vec![]));
    assert_eq!(
        whats(ex("GET", "/common/chats", Some("per_page=20&sort=new"), "")).1,
        ["param sort (query) extra"]
    );
    assert_eq!(
        whats(ex("GET", "/common/chats", Some("per_page=100"), "")).1,
        ["param per_page (query) 100 above maximum 20"]
    );
    assert_eq!(
        whats(ex(
            "POST",
            "/negotiations/read",
            None,
            "topic_id=1&colour=red"
        ))
        .1,
        ["form field colour extra"]
    );
    assert_eq!(
        whats(ex(
            "POST",
            "/negotiations/read",
            None,
            r#"{"topic_id": "1"}"#
        ))
        .1,
        [
            "request body application/x-www-form-urlencoded -> application/json",
            "json field topic_id extra"
        ]
    );
    let (template, retired) = whats(ex("GET", "/negotiations/42/messages", None, ""));
    assert_eq!(template, "/negotiations/{nid}/messages");
    assert_eq!(
        retired,
        ["operation retired (its text says it is no longer supported)"]
    );
    assert!(
        whats(ex(
            "GET",
            "/employers/1/vacancies/active",
            Some("manager_id=5"),
            ""
        ))
        .1
        .contains(&"param manager_id (query) deprecated".to_string())
    );
    assert_eq!(
        whats(ex("GET", "/negotiations/1/notes", None, "")).1,
        ["operation not in hh's description"]
    );
    // The moved invite is hh's at its new template, with hh's fields.
    let (template, invite) = whats(ex(
        "POST",
        "/negotiations/invited",
        None,
        "resume_id=r&vacancy_id=1&message=hi&fax=1",
    ));
    assert_eq!(template, "/negotiations/{id}");
    assert_eq!(invite, ["form field fax extra"]);
    // And a finding is explained only by an entry for it.
    let (unexplained, _) = findings(
        off,
        &[ex("GET", "/resumes/r1", Some("topic_id=7&colour=red"), "")],
    );
    assert_eq!(unexplained.len(), 1, "{unexplained:#?}");
    assert!(unexplained[0].contains("param colour (query) extra"));
}
