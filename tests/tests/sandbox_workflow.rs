//! Whole hiring workflows through `hh_api::Client` against the sandbox, with every
//! answer the sandbox gave checked against the response schemas of
//! `spec/hh-derived.yaml` (hh.ru's description with our overlay).

use std::sync::OnceLock;

use hh_api::{
    ChatContent, Client, CollectionQuery, Error, IdempotencyKey, Paged, RetryPolicy, types,
};
use hh_sandbox::validate::Spec;
use hh_sandbox::{Sandbox, SandboxConfig};

fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| Spec::load_default().expect("spec/hh-derived.yaml compiles to JSON Schema"))
}

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig {
        record: true,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts")
}

fn client(sandbox: &Sandbox) -> Client {
    Client::builder()
        .base_url(sandbox.base_url())
        .user_agent("Test/1.0 (t@example.com)")
        .token(sandbox.access_token())
        .retry(RetryPolicy::none())
        .build()
        .expect("client builds")
}

/// Every recorded answer matches the spec; returns how many were checked.
fn assert_all_valid(sandbox: &Sandbox) -> usize {
    let recorded = sandbox.recorded();
    let problems: Vec<String> = recorded
        .iter()
        .filter_map(|ex| spec().check(ex).err())
        .flatten()
        .collect();
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems[..problems.len().min(20)].join("\n")
    );
    recorded.len()
}

fn collection<'a>(c: &'a types::Collections, id: &str) -> &'a types::Collection {
    c.collections
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no collection {id}"))
}

fn total(c: &types::Collections, id: &str) -> u32 {
    collection(c, id)
        .counters
        .as_ref()
        .and_then(|c| c.total)
        .and_then(|t| u32::try_from(t).ok())
        .unwrap_or(0)
}

fn action<'a>(n: &'a types::Negotiation, id: &str) -> &'a types::Action {
    n.actions
        .iter()
        .find(|a| a.id == id)
        .unwrap_or_else(|| panic!("negotiation {} offers no {id}", n.id))
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The texts of a negotiation's chat, newest first, read through its `chat_id`.
async fn chat_texts(hh: &Client, chat_id: Option<f64>) -> Vec<String> {
    let chat_id = chat_id.expect("every negotiation has a chat").to_string();
    let window = hh.latest_messages(&chat_id, 50).await.unwrap();
    window
        .messages
        .into_iter()
        .filter_map(|m| m.payload.text)
        .collect()
}

fn refresh_form(refresh_token: &str) -> types::AuthRefreshToken {
    types::AuthRefreshToken::builder()
        .grant_type(types::AuthRefreshTokenGrantType::RefreshToken)
        .refresh_token(refresh_token)
        .try_into()
        .unwrap()
}

fn api_value(e: &Error) -> Option<String> {
    e.api()
        .and_then(|a| a.errors.first())
        .and_then(|i| i.value.clone())
}

#[tokio::test]
async fn read_hold_discard_invite_and_message() {
    let sandbox = sandbox().await;
    let hh = client(&sandbox);

    // Who am I, and which vacancies are open.
    let me = hh.me().await.unwrap();
    let employer = me.employer().expect("an employer token");
    assert_eq!(employer.id, sandbox.employer_id());
    assert!(me.is_employer());
    let vacancies = hh
        .read(
            hh.api()
                .list_active_vacancies()
                .employer_id(&employer.id)
                .send(),
        )
        .await
        .unwrap()
        .into_active()
        .unwrap();
    assert_eq!(vacancies.found as usize, sandbox.vacancy_ids().len());
    let vacancy = sandbox.vacancy_ids()[0].clone();
    let other_vacancy = sandbox.vacancy_ids()[1].clone();

    // The collections of a vacancy, each with a url back at the sandbox.
    let before = hh.collections(&vacancy).await.unwrap();
    assert!(before.employer_states.iter().any(|s| s.id == "response"));
    let inbox = collection(&before, "response");
    assert!(inbox.url.starts_with(&sandbox.base_url()));
    assert!(inbox.url.contains(&format!("vacancy_id={vacancy}")));
    let inbox_total = total(&before, "response");
    assert!(inbox_total > 5, "seeded inbox has {inbox_total}");

    // Page through the inbox: 5 a page, then all of it at once.
    let first = hh
        .collection_page(
            &inbox.url,
            &CollectionQuery {
                page: 0,
                per_page: Some(5),
                filters: vec![],
            },
        )
        .await
        .unwrap();
    assert_eq!(first.found(), inbox_total);
    assert_eq!(first.per_page, 5);
    assert_eq!(first.pages(), inbox_total.div_ceil(5));
    assert_eq!(first.items.len(), 5);
    let second = hh
        .collection_page(
            &inbox.url,
            &CollectionQuery {
                page: 1,
                per_page: Some(5),
                filters: vec![],
            },
        )
        .await
        .unwrap();
    assert!(
        second
            .items
            .iter()
            .all(|n| first.items.iter().all(|m| m.id != n.id))
    );
    let all = hh
        .collection_all(&inbox.url, &CollectionQuery::default(), 2)
        .await
        .unwrap();
    assert_eq!(all.items.len() as u32, inbox_total);
    let only_new = hh
        .collection_page(
            &inbox.url,
            &CollectionQuery {
                page: 0,
                per_page: Some(50),
                // hh reads `show_only_new_responses` on `response`, `show_only_new` elsewhere.
                filters: vec![(hh_api::only_new_parameter(&inbox.id).into(), "true".into())],
            },
        )
        .await
        .unwrap();
    assert!(only_new.items.iter().all(|n| n.has_updates));
    let news = all.items.iter().filter(|n| n.has_updates).count();
    assert_eq!(
        only_new.found as usize, news,
        "exactly the negotiations with news"
    );

    // Open one negotiation and its resume (by the negotiation's resume url).
    let held_id = all.items[0].id.clone();
    let negotiation = hh.negotiation(&held_id).await.unwrap();
    assert_eq!(negotiation.vacancy.as_ref().unwrap().id, vacancy);
    let resume = hh.negotiation_resume(&negotiation).await.unwrap();
    assert_eq!(resume.id, negotiation.resume.as_ref().unwrap().id);
    assert!(resume.title.is_some() && resume.last_name.is_some());
    assert!(
        !hh.negotiation(&held_id).await.unwrap().has_updates,
        "viewing the resume reads it"
    );

    // Hold it: the `consider` action ("Подумать") moves it to that collection.
    let hold = action(&negotiation, "consider");
    assert!(hold.url.starts_with(&sandbox.base_url()));
    hh.perform_action(hold, &vec![]).await.unwrap();
    let held = hh.negotiation(&held_id).await.unwrap();
    assert_eq!(held.employer_state.as_ref().unwrap().id, "consider");

    // Discard another one with a message: state, collection and messages change.
    let discarded_id = all.items[1].id.clone();
    let n = hh.negotiation(&discarded_id).await.unwrap();
    let refusal = "К сожалению, мы выбрали другого кандидата. Спасибо за интерес!";
    hh.perform_action(
        action(&n, "discard_by_employer"),
        &pairs(&[("message", refusal)]),
    )
    .await
    .unwrap();
    let n = hh.negotiation(&discarded_id).await.unwrap();
    assert_eq!(n.employer_state.as_ref().unwrap().id, "discard_by_employer");
    assert_eq!(n.state.id, "discard", "a message tells the applicant");
    assert_eq!(
        chat_texts(&hh, n.chat_id).await.first().map(String::as_str),
        Some(refusal)
    );

    let after = hh.collections(&vacancy).await.unwrap();
    assert_eq!(total(&after, "response"), inbox_total - 2);
    assert_eq!(total(&after, "consider"), total(&before, "consider") + 1);
    assert_eq!(total(&after, "discard"), total(&before, "discard") + 1);
    let discard_list = hh
        .collection_all(
            &collection(&after, "discard").url,
            &CollectionQuery::default(),
            2,
        )
        .await
        .unwrap();
    assert!(discard_list.items.iter().any(|n| n.id == discarded_id));

    // A performed action is not offered twice: discarding again is the wrong state.
    let again = hh
        .send_form(
            "PUT",
            &format!("/negotiations/discard_by_employer/{discarded_id}"),
            &vec![],
        )
        .await
        .unwrap_err();
    assert_eq!(api_value(&again).as_deref(), Some("wrong_state"));

    // Invite the held applicant to another vacancy, with the action hh offers for it.
    let resume_id = resume.id.clone();
    let options = hh
        .read(
            hh.api()
                .list_active_vacancies()
                .employer_id(&employer.id)
                .resume_id(&resume_id)
                .send(),
        )
        .await
        .unwrap()
        .into_for_resume()
        .unwrap();
    let target = options
        .items
        .iter()
        .find(|v| v.id == other_vacancy)
        .expect("the other vacancy is listed");
    if !target.can_invite {
        panic!("seeded resume {resume_id} already has a negotiation on {other_vacancy}");
    }
    let invite = target
        .negotiations_actions
        .iter()
        .find(|a| a.id == "phone_interview")
        .expect("an invite action");
    assert_eq!(invite.method, "POST");
    let invitation = "Здравствуйте! Приглашаем вас на телефонное интервью в четверг в 11:00.";
    let invite_form = pairs(&[
        ("resume_id", &resume_id),
        ("vacancy_id", &other_vacancy),
        ("message", invitation),
    ]);
    hh.perform_action(invite, &invite_form).await.unwrap();
    // hh allows one negotiation per vacancy + resume.
    let twice = hh.perform_action(invite, &invite_form).await.unwrap_err();
    assert_eq!(api_value(&twice).as_deref(), Some("already_applied"));

    let options = hh
        .read(
            hh.api()
                .list_active_vacancies()
                .employer_id(&employer.id)
                .resume_id(&resume_id)
                .send(),
        )
        .await
        .unwrap()
        .into_for_resume()
        .unwrap();
    let target = options
        .items
        .iter()
        .find(|v| v.id == other_vacancy)
        .unwrap();
    assert!(!target.can_invite);
    assert_eq!(target.negotiations_state.as_ref().unwrap().id, "invitation");

    // The invitation is in the other vacancy's phone interview collection; write to it.
    let other = hh.collections(&other_vacancy).await.unwrap();
    let phone = hh
        .collection_all(
            &collection(&other, "phone_interview").url,
            &CollectionQuery::default(),
            2,
        )
        .await
        .unwrap();
    let invited = phone
        .items
        .iter()
        .find(|n| n.resume.as_ref().is_some_and(|r| r.id == resume_id))
        .expect("the new invitation is listed");
    assert_eq!(chat_texts(&hh, invited.chat_id).await, [invitation]);
    let follow_up = "Напишите, пожалуйста, удобное время для звонка.";
    let chat_id = invited.chat_id.unwrap().to_string();
    let content = ChatContent::Text {
        text: follow_up.into(),
        automated: true,
    };
    let key = IdempotencyKey::random();
    let sent = hh
        .send_chat_message(&chat_id, &key, &content)
        .await
        .unwrap();
    assert!(sent.message_id.is_some() && !sent.already_sent, "{sent:?}");
    // The same key again: hh recognises it and stores nothing new.
    let again = hh
        .send_chat_message(&chat_id, &key, &content)
        .await
        .unwrap();
    assert!(again.already_sent, "{again:?}");
    assert_eq!(
        chat_texts(&hh, invited.chat_id).await,
        [follow_up, invitation]
    );

    let checked = assert_all_valid(&sandbox);
    assert!(checked > 25, "checked {checked} answers");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn mark_read_bulk_move_templates_and_preferred_order() {
    let sandbox = sandbox().await;
    let hh = client(&sandbox);
    let vacancy = sandbox.vacancy_ids()[2].clone();
    let collections = hh.collections(&vacancy).await.unwrap();
    let inbox = collection(&collections, "response");

    // Mark the unread ones read.
    let page = hh
        .collection_page(
            &inbox.url,
            &CollectionQuery {
                page: 0,
                per_page: Some(50),
                // hh reads `show_only_new_responses` on `response`, `show_only_new` elsewhere.
                filters: vec![(hh_api::only_new_parameter(&inbox.id).into(), "true".into())],
            },
        )
        .await
        .unwrap();
    let unread: Vec<String> = page.items.iter().map(|n| n.id.clone()).collect();
    assert!(!unread.is_empty(), "the seed has unread responses");
    hh.mark_read(&unread).await.unwrap();
    for id in &unread {
        assert!(!hh.negotiation(id).await.unwrap().has_updates);
    }
    let after = hh.collections(&vacancy).await.unwrap();
    let inbox_after = collection(&after, "response").counters.clone().unwrap();
    assert_eq!(inbox_after.with_updates, Some(0));

    // Move three to `consider` in one request.
    let all = hh
        .collection_all(&inbox.url, &CollectionQuery::default(), 2)
        .await
        .unwrap();
    let ids: Vec<String> = all.items.iter().take(3).map(|n| n.id.clone()).collect();
    hh.move_negotiations("consider", &ids, &vec![])
        .await
        .unwrap();
    let moved = hh.collections(&vacancy).await.unwrap();
    assert_eq!(
        total(&moved, "response"),
        total(&collections, "response") - 3
    );
    assert_eq!(
        total(&moved, "consider"),
        total(&collections, "consider") + 3
    );

    // Templates: the employer's list and one filled in for a negotiation.
    let templates = hh
        .read(
            hh.api()
                .list_mail_templates()
                .employer_id(sandbox.employer_id())
                .send(),
        )
        .await
        .unwrap();
    assert!(templates.iter().any(|t| t.id == "invite"));
    let n = hh.negotiation(&ids[0]).await.unwrap();
    let link = &n.templates[0];
    let filled: types::MessageTemplate = hh.get_url(&link.url, &[]).await.unwrap();
    let first_name = n.resume.as_ref().unwrap().first_name.clone().unwrap();
    assert!(
        filled.mail.text.contains(&first_name),
        "{}",
        filled.mail.text
    );

    // Preferred order: set, read back, and lists follow it.
    hh.write(
        hh.api()
            .set_preferred_negotiations_order()
            .id(&vacancy)
            .body(types::PreferredNegotiationsOrderForm {
                order: "created_at".into(),
            })
            .send(),
    )
    .await
    .unwrap();
    let order = hh
        .read(
            hh.api()
                .get_preferred_negotiations_order()
                .id(&vacancy)
                .send(),
        )
        .await
        .unwrap();
    assert_eq!(order.order_type.id, "created_at");
    let list = hh
        .collection_page(
            &collection(&moved, "consider").url,
            &CollectionQuery::default(),
        )
        .await
        .unwrap();
    assert_eq!(list.ordered_by.id, "created_at");
    let created: Vec<&str> = list.items.iter().map(|n| n.created_at.as_str()).collect();
    let mut sorted = created.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(created, sorted);

    // Dictionaries and a vacancy, for the record.
    let dictionaries = hh.read(hh.api().get_dictionaries().send()).await.unwrap();
    assert!(!dictionaries.negotiations_state.is_empty());
    // In hh's shapes: currencies by code (no id), licence types by id alone.
    assert_eq!(dictionaries.currency[0].code, "RUR");
    assert!(!dictionaries.driver_license_types.is_empty());
    let v = hh
        .read(hh.api().get_vacancy().vacancy_id(&vacancy).send())
        .await
        .unwrap();
    let types::Vacancy::Manager(v) = v else {
        panic!("the employer's own vacancy is read in the manager's shape");
    };
    assert!(v.description.contains("<p>"));
    let accounts = hh
        .read(hh.api().get_manager_accounts().send())
        .await
        .unwrap();
    assert_eq!(accounts.items.len(), 1);

    assert_all_valid(&sandbox);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn errors_and_token_refresh_have_hh_shapes() {
    let sandbox = sandbox().await;
    let hh = client(&sandbox);
    let vacancy = sandbox.vacancy_ids()[0].clone();

    // Unknown ids, a page too large, a missing argument.
    let e = hh.negotiation("1").await.unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(404));
    let c = hh.collections(&vacancy).await.unwrap();
    let e = hh
        .get_url::<types::NegotiationsPage>(
            &collection(&c, "response").url,
            &[("per_page", "51".into())],
        )
        .await
        .unwrap_err();
    assert_eq!(api_value(&e).as_deref(), Some("per_page"));
    let page = hh
        .collection_page(&collection(&c, "response").url, &CollectionQuery::default())
        .await
        .unwrap();
    let n = &page.items[0];
    let e = hh
        .send_form("PUT", &format!("/negotiations/interview/{}", n.id), &vec![])
        .await
        .unwrap_err();
    assert_eq!(api_value(&e).as_deref(), Some("message"));
    // A chat closed for the employer refuses a message and stores nothing.
    let closed = sandbox.unwritable_chat().expect("a closed chat");
    let before = sandbox.chat(&closed).unwrap().messages.len();
    let window = hh.latest_messages(&closed, 1).await.unwrap();
    assert!(!window.chat_states.write_message_state.allowed);
    let e = hh
        .send_chat_message(
            &closed,
            &IdempotencyKey::random(),
            &ChatContent::Text {
                text: "Здравствуйте".into(),
                automated: true,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.status().unwrap().as_u16(), 403);
    assert!(
        e.api()
            .unwrap()
            .errors
            .iter()
            .any(|i| i.reason.as_deref() == Some("chat_blocked")),
        "{e}"
    );
    assert_eq!(sandbox.chat(&closed).unwrap().messages.len(), before);

    // The token expires; the refresh token works once, then the new token works.
    sandbox.expire_access_token();
    let e = hh.me().await.unwrap_err();
    assert!(e.api().unwrap().is_token_expired());
    let refresh = sandbox.refresh_token();
    let tokens = hh
        .write(hh.api().obtain_token().body(refresh_form(&refresh)).send())
        .await
        .unwrap();
    let types::AuthUserTokenAndAppToken::Token(tokens) = tokens else {
        panic!("a user's token pair, not {tokens:?}");
    };
    assert_ne!(tokens.access_token, sandbox.refresh_token());
    let again = hh
        .write(hh.api().obtain_token().body(refresh_form(&refresh)).send())
        .await
        .unwrap_err();
    assert_eq!(
        again.api().unwrap().oauth_error.as_deref(),
        Some("invalid_grant")
    );
    hh.set_token(Some(tokens.access_token.clone()));
    assert!(hh.me().await.is_ok());
    hh.write(hh.api().invalidate_token().send()).await.unwrap();
    assert!(hh.me().await.is_err());

    assert_all_valid(&sandbox);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_big_vacancy_reads_whole_through_its_collections() {
    let sandbox = Sandbox::start(SandboxConfig {
        big_vacancy_negotiations: Some(2_000),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let hh = client(&sandbox);
    let vacancy = sandbox.big_vacancy_id().unwrap();
    assert_eq!(vacancy, sandbox.vacancy_ids()[0]);
    let started = std::time::Instant::now();
    let collections = hh.collections(&vacancy).await.unwrap();
    let mut seen = std::collections::HashSet::new();
    for c in &collections.collections {
        let all = hh
            .collection_all(&c.url, &CollectionQuery::default(), 4)
            .await
            .unwrap();
        assert_eq!(all.items.len() as u32, total(&collections, &c.id));
        seen.extend(all.items.into_iter().map(|n| n.id));
    }
    assert_eq!(seen.len(), 2_000);
    eprintln!(
        "read 2,000 negotiations in {:?} over {} requests",
        started.elapsed(),
        sandbox.request_count()
    );
    sandbox.shutdown().await;
}
