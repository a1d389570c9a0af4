//! Sourcing end to end: the built server, driven by rmcp's client, against the stateful
//! sandbox. Resume search finds seeded resumes by a word of their title and pages as hh
//! does; the depth cap and bad filters are refused before anything is sent; a missing
//! paid service is said plainly; the history shows where the employer already met a
//! resume; the team's comments are written and read back.

mod common;

#[path = "../../hh-api/tests/official/mod.rs"]
mod official;

use std::collections::BTreeSet;

use common::{Mcp, assert_contains, ok, tool_error};
use hh_sandbox::{Faults, Sandbox, SandboxConfig};
use serde_json::{Value, json};

async fn start_with(faults: Faults) -> (Sandbox, Mcp) {
    let config = SandboxConfig {
        record: true,
        faults,
        ..SandboxConfig::default()
    };
    common::sandbox_and_mcp(config, &[]).await
}

async fn start() -> (Sandbox, Mcp) {
    start_with(Faults::default()).await
}

/// The requests of the whole test to one path.
fn asked(sandbox: &Sandbox, method: &str, path: &str) -> Vec<hh_sandbox::Exchange> {
    sandbox
        .recorded()
        .into_iter()
        .filter(|e| e.method == method && e.path == path)
        .collect()
}

fn query_pairs(e: &hh_sandbox::Exchange) -> Vec<(String, String)> {
    url::form_urlencoded::parse(e.query.as_deref().unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn items(page: &Value) -> &Vec<Value> {
    page["items"].as_array().expect("a page has items")
}

#[tokio::test]
async fn a_search_finds_the_seeded_resumes_with_a_word_of_their_title() {
    let (sandbox, mcp) = start().await;
    let resume = sandbox
        .resume(&sandbox.resume_ids()[0])
        .expect("a seeded resume");
    let word = resume
        .title
        .split_whitespace()
        .max_by_key(|w| w.chars().count())
        .unwrap()
        .to_lowercase();
    // What hh would find: every resume with the word in its title, one per applicant.
    let expected: BTreeSet<String> = sandbox
        .resume_ids()
        .iter()
        .filter_map(|id| sandbox.resume(id))
        .filter(|r| r.title.to_lowercase().contains(&word))
        .map(|r| r.owner_id)
        .collect();

    let found = ok(&mcp
        .call(
            "search_resumes",
            json!({"text": word, "text_field": "title", "per_page": 100}),
        )
        .await);
    assert_eq!(found["found"], expected.len(), "{found}");
    let owners: BTreeSet<String> = items(&found)
        .iter()
        .map(|r| r["applicant_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(owners, expected, "one resume per applicant, all of them");
    assert!(owners.contains(&resume.owner_id));
    for r in items(&found) {
        // Applicant text comes wrapped.
        let title = r["title"]["applicant_wrote"].as_str().unwrap();
        assert!(title.to_lowercase().contains(&word), "{r}");
        assert!(r["name"]["applicant_wrote"].is_string(), "{r}");
        assert!(
            r["resume_id"].is_string() && r["updated_at"].is_string(),
            "{r}"
        );
        assert!(r["age"].is_u64() && r["experience_months"].is_u64(), "{r}");
        assert!(r["area"].is_string(), "{r}");
    }
    // text.field goes as hh's triad.
    let sent = asked(&sandbox, "GET", "/resumes");
    assert_eq!(sent.len(), 1);
    let q = query_pairs(&sent[0]);
    for (k, v) in [
        ("text", word.as_str()),
        ("text.field", "title"),
        ("text.logic", "all"),
        ("text.period", ""),
        ("per_page", "100"),
    ] {
        assert!(
            q.contains(&(k.to_string(), v.to_string())),
            "{k}={v} in {q:?}"
        );
    }

    // Filters narrow: an age range and an area the resume has.
    let age = resume.age;
    let narrowed = ok(&mcp
        .call(
            "search_resumes",
            json!({"area": resume.area.0, "age_from": age, "age_to": age, "per_page": 100}),
        )
        .await);
    assert!(!items(&narrowed).is_empty(), "{narrowed}");
    for r in items(&narrowed) {
        assert_eq!(r["age"], age, "{r}");
        assert_eq!(r["area"], resume.area.1, "{r}");
    }
    mcp.stop().await;
}

#[tokio::test]
async fn search_pages_as_hh_does_and_refuses_the_depth_cap_before_sending() {
    let (sandbox, mcp) = start().await;
    let first = ok(&mcp.call("search_resumes", json!({"per_page": 100})).await);
    let found = first["found"].as_u64().unwrap();
    let pages = first["pages"].as_u64().unwrap();
    assert!(pages >= 2, "enough seeded resumes to page: {found}");
    let mut seen: Vec<String> = Vec::new();
    for page in 0..pages {
        let p = ok(&mcp
            .call("search_resumes", json!({"page": page, "per_page": 100}))
            .await);
        assert_eq!(p["page"], page);
        seen.extend(
            items(&p)
                .iter()
                .map(|r| r["resume_id"].as_str().unwrap().to_string()),
        );
    }
    let unique: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no resume on two pages");
    assert_eq!(seen.len() as u64, found, "every resume found once");

    // The last page within the cap is asked; one past it is refused here.
    ok(&mcp
        .call("search_resumes", json!({"page": 19, "per_page": 100}))
        .await);
    sandbox.clear_recorded();
    for (args, says) in [
        (
            json!({"page": 20, "per_page": 100}),
            &["2000", "page 20", "Nothing was sent"][..],
        ),
        (
            json!({"page": 200, "per_page": 10}),
            &["2000", "page 200"][..],
        ),
        (json!({"per_page": 101}), &["`per_page`", "1 to 100"][..]),
        (
            json!({"text": "rust", "text_field": "titel"}),
            &["`text_field`", "title"][..],
        ),
        (
            json!({"text_field": "title"}),
            &["`text_field`", "give `text`"][..],
        ),
        (
            json!({"experience": "lots"}),
            &["`experience`", "between1And3"][..],
        ),
        (
            json!({"education_level": "phd"}),
            &["`education_level`", "higher"][..],
        ),
        (
            json!({"salary_from": 300000, "salary_to": 100000}),
            &["`salary_from`", "`salary_to`"][..],
        ),
        (
            json!({"age_from": 40, "age_to": 30}),
            &["`age_from`", "`age_to`"][..],
        ),
        (
            json!({"currency": "RUR"}),
            &["`currency`", "`salary_from`"][..],
        ),
        (json!({"text": "  "}), &["`text`", "blank"][..]),
        (json!({"txt": "rust"}), &["unknown field `txt`"][..]),
    ] {
        let err = tool_error(&mcp.call("search_resumes", args.clone()).await);
        assert_contains(&err, says);
        assert!(err.starts_with("search_resumes"), "{args}: {err}");
    }
    assert!(
        asked(&sandbox, "GET", "/resumes").is_empty(),
        "nothing was sent on bad input"
    );
    mcp.stop().await;
}

#[tokio::test]
async fn without_the_paid_service_the_search_and_comments_say_what_is_missing() {
    let (sandbox, mcp) = start_with(Faults {
        no_paid_access: true,
        ..Faults::default()
    })
    .await;
    let err = tool_error(
        &mcp.call("search_resumes", json!({"text": "менеджер"}))
            .await,
    );
    assert_contains(
        &err,
        &[
            "403",
            "api_access_payment",
            "resume database",
            "paid",
            "buy",
        ],
    );
    let owner = sandbox.resume(&sandbox.resume_ids()[0]).unwrap().owner_id;
    let err = tool_error(
        &mcp.call("list_comments", json!({"applicant_id": owner}))
            .await,
    );
    assert_contains(&err, &["403", "comments", "paid"]);
    let err = tool_error(
        &mcp.call(
            "add_comment",
            json!({"applicant_id": owner, "text": "Позвонить", "access_type": "owner"}),
        )
        .await,
    );
    assert_contains(&err, &["403", "comment", "paid"]);
    let err = tool_error(
        &mcp.call(
            "resume_history",
            json!({"resume_id": sandbox.resume_ids()[0]}),
        )
        .await,
    );
    assert_contains(&err, &["403", "negotiation history", "paid API access"]);
    mcp.stop().await;
}

#[tokio::test]
async fn every_query_parameter_sent_to_resume_search_is_one_hh_lists() {
    let (sandbox, mcp) = start().await;
    let vacancy = sandbox.vacancy_ids()[0].clone();
    ok(&mcp
        .call(
            "search_resumes",
            json!({
                "text": "менеджер", "text_field": "everywhere", "area": "1",
                "experience": "between1And3", "salary_from": 50000, "salary_to": 400000,
                "currency": "RUR", "age_from": 18, "age_to": 70, "education_level": "higher",
                "vacancy_id": vacancy, "page": 0, "per_page": 50
            }),
        )
        .await);
    let sent = asked(&sandbox, "GET", "/resumes");
    assert_eq!(sent.len(), 1);
    let q = query_pairs(&sent[0]);
    let names: BTreeSet<&str> = q.iter().map(|(k, _)| k.as_str()).collect();
    // Every filter was sent, under hh's name.
    for name in [
        "text",
        "text.field",
        "text.logic",
        "text.period",
        "area",
        "experience",
        "salary_from",
        "salary_to",
        "currency",
        "age_from",
        "age_to",
        "education_levels",
        "vacancy_id",
        "page",
        "per_page",
    ] {
        assert!(names.contains(name), "{name} not sent: {q:?}");
    }
    if let Some(off) = official::official() {
        let hh = official::query_parameters(off, "/resumes", "get");
        for name in &names {
            assert!(hh.iter().any(|h| h == name), "{name} is not hh's: {hh:?}");
        }
    }
    mcp.stop().await;
}

#[tokio::test]
async fn the_history_shows_where_the_employer_met_a_resume_and_follows_an_invitation() {
    let (sandbox, mcp) = start().await;
    let met = sandbox
        .resume_ids()
        .into_iter()
        .find(|id| !sandbox.negotiations_of(id).is_empty())
        .expect("a resume with negotiations");
    let history = ok(&mcp.call("resume_history", json!({"resume_id": met})).await);
    assert_eq!(history["resume_id"], met.as_str());
    assert_eq!(history["contacted_before"], true, "{history}");
    let shown: BTreeSet<(String, String)> = history["vacancies"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|v| {
            v["changes"].as_array().unwrap().iter().map(move |c| {
                (
                    v["vacancy_id"].as_str().unwrap().to_string(),
                    c["state"]["id"].as_str().unwrap().to_string(),
                )
            })
        })
        .collect();
    let held: BTreeSet<(String, String)> = sandbox
        .negotiations_of(&met)
        .into_iter()
        .map(|(_, v, state)| (v, state.to_string()))
        .collect();
    assert_eq!(shown, held);

    // A resume this vacancy has not met: invited, it shows up in the history.
    let vacancy = sandbox.vacancy_ids()[1].clone();
    let fresh = sandbox
        .invitable_resume(&vacancy)
        .expect("an invitable resume");
    let before = ok(&mcp
        .call("resume_history", json!({"resume_id": fresh}))
        .await);
    let had = |h: &Value| {
        h["vacancies"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["vacancy_id"] == vacancy.as_str())
    };
    assert!(!had(&before), "{before}");
    ok(&mcp
        .call(
            "invite_applicant",
            json!({"vacancy_id": vacancy, "resume_id": fresh,
                   "message": "Здравствуйте! Приглашаем на интервью", "confirm": true}),
        )
        .await);
    let after = ok(&mcp
        .call("resume_history", json!({"resume_id": fresh}))
        .await);
    assert_eq!(after["contacted_before"], true);
    assert!(had(&after), "{after}");

    let err = tool_error(
        &mcp.call("resume_history", json!({"resume_id": "nope404"}))
            .await,
    );
    assert_contains(&err, &["404"]);
    mcp.stop().await;
}

#[tokio::test]
async fn comments_are_written_for_the_team_and_read_back_newest_first() {
    let (sandbox, mcp) = start().await;
    let found = ok(&mcp.call("search_resumes", json!({"per_page": 1})).await);
    let applicant = items(&found)[0]["applicant_id"]
        .as_str()
        .expect("search names the applicant")
        .to_string();

    let empty = ok(&mcp
        .call("list_comments", json!({"applicant_id": applicant}))
        .await);
    assert_eq!(empty["found"], 0);

    let shared = ok(&mcp
        .call(
            "add_comment",
            json!({"applicant_id": applicant, "text": "Сильный кандидат, позвать на интервью",
                   "access_type": "coworkers"}),
        )
        .await);
    assert_eq!(shared["access_type"], "coworkers");
    assert_eq!(shared["is_mine"], true);
    let private = ok(&mcp
        .call(
            "add_comment",
            json!({"applicant_id": applicant, "text": "Зарплатные ожидания выше вилки",
                   "access_type": "owner"}),
        )
        .await);
    assert_eq!(private["access_type"], "owner");
    // The form carried hh's fields.
    let posts = asked(
        &sandbox,
        "POST",
        &format!("/applicant_comments/{applicant}"),
    );
    assert_eq!(posts.len(), 2);
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&posts[1].request_body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    assert!(
        form.contains(&("access_type".into(), "owner".into())),
        "{form:?}"
    );

    let list = ok(&mcp
        .call("list_comments", json!({"applicant_id": applicant}))
        .await);
    assert_eq!(list["found"], 2);
    let texts: Vec<&str> = list["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        [
            "Зарплатные ожидания выше вилки",
            "Сильный кандидат, позвать на интервью"
        ]
    );

    sandbox.clear_recorded();
    for (args, says) in [
        (
            json!({"applicant_id": applicant, "text": " ", "access_type": "owner"}),
            &["`text`", "blank"][..],
        ),
        (
            json!({"applicant_id": applicant, "text": "x", "access_type": "everyone"}),
            &["`access_type`", "coworkers", "\"everyone\""][..],
        ),
        (
            json!({"applicant_id": applicant, "text": "x"}),
            &["missing field `access_type`"][..],
        ),
        (
            json!({"applicant_id": applicant, "text": "я".repeat(10_001), "access_type": "owner"}),
            &["`text`", "10000"][..],
        ),
    ] {
        let err = tool_error(&mcp.call("add_comment", args).await);
        assert_contains(&err, &["add_comment"]);
        assert_contains(&err, says);
    }
    assert!(sandbox.recorded().is_empty(), "nothing sent on bad input");
    mcp.stop().await;
}
