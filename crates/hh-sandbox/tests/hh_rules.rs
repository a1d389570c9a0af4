//! Rules the sandbox keeps because hh.ru documents them, checked where possible against
//! hh.ru's own description (parameter names, enum values) read from `../shared`.

mod common;

#[path = "../../hh-api/tests/official/mod.rs"]
mod official;

use common::{Http, start};
use hh_sandbox::SandboxConfig;
use serde_json::Value;

fn found(list: &Value) -> u64 {
    list["found"].as_u64().expect("a page has `found`")
}

/// The sandbox's url of a collection of a vacancy.
async fn collection_urls(http: &Http, vacancy: &str) -> Vec<(String, String)> {
    let c = http
        .get_ok(&format!("/negotiations?vacancy_id={vacancy}"))
        .await;
    c["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["url"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// hh reads `show_only_new_responses` on «Все неразобранные» (`response`) and
/// `show_only_new` on the other collections, and ignores the other one there.
#[tokio::test]
async fn only_new_is_the_parameter_hh_reads_in_each_collection() {
    if let Some(off) = official::official() {
        let names = official::query_parameters(off, "/negotiations/response", "get");
        for name in ["show_only_new_responses", "show_only_new"] {
            assert!(names.iter().any(|n| n == name), "{name} not in {names:?}");
        }
    }
    let (sandbox, http) = start(SandboxConfig::default()).await;
    let (mut response_filtered, mut other_filtered) = (false, false);
    for vacancy in sandbox.vacancy_ids() {
        for (id, url) in collection_urls(&http, &vacancy).await {
            let all = found(&http.get_ok(&url).await);
            let by = |name: &str| format!("{url}&{name}=true&per_page=50");
            let responses_only_new = found(&http.get_ok(&by("show_only_new_responses")).await);
            let only_new = found(&http.get_ok(&by("show_only_new")).await);
            if id == "response" {
                assert_eq!(
                    only_new, all,
                    "{vacancy}: show_only_new is ignored on response"
                );
                assert!(responses_only_new <= all);
                response_filtered |= responses_only_new < all;
            } else {
                assert_eq!(
                    responses_only_new, all,
                    "{vacancy}/{id}: show_only_new_responses is ignored there"
                );
                assert!(only_new <= all);
                other_filtered |= only_new < all;
            }
        }
    }
    assert!(
        response_filtered && other_filtered,
        "the seed has read and unread negotiations in `response` and in another collection"
    );
}

/// `resume_id` comes alone (with paging only); `manager_ids` and `all_accessible` are
/// hh's ways to list colleagues' vacancies, and not together; the deprecated
/// `manager_id` is not read.
#[tokio::test]
async fn active_vacancies_take_resume_id_alone() {
    if let Some(off) = official::official() {
        let names =
            official::query_parameters(off, "/employers/{employer_id}/vacancies/active", "get");
        for name in [
            "resume_id",
            "manager_ids",
            "all_accessible",
            "page",
            "per_page",
        ] {
            assert!(names.iter().any(|n| n == name), "{name} not in {names:?}");
        }
    }
    let (sandbox, http) = start(SandboxConfig::default()).await;
    let active = format!("/employers/{}/vacancies/active", sandbox.employer_id());
    let resume = &sandbox.resume_ids()[0];

    let alone = http
        .get_ok(&format!("{active}?resume_id={resume}&page=0&per_page=10"))
        .await;
    assert!(alone["items"][0].get("can_invite").is_some(), "{alone}");
    for other in [
        "text=Rust",
        "all_accessible=true",
        "manager_ids=1",
        "area=1",
    ] {
        let a = http
            .get(&format!("{active}?resume_id={resume}&{other}"))
            .await;
        assert_eq!(a.status, 400, "resume_id with {other}: {}", a.text);
        assert_eq!(a.error(), ("bad_argument".into(), Some("resume_id".into())));
    }

    let all = found(&http.get_ok(&active).await);
    assert_eq!(
        found(&http.get_ok(&format!("{active}?all_accessible=true")).await),
        all
    );
    let a = http
        .get(&format!("{active}?all_accessible=true&manager_ids=1"))
        .await;
    assert_eq!(a.status, 400, "{}", a.text);
    let mine = found(
        &http
            .get_ok(&format!("{active}?manager_ids={}", sandbox.manager_id()))
            .await,
    );
    assert!(
        mine > 0 && mine < all,
        "one manager's share: {mine} of {all}"
    );
    assert_eq!(
        found(&http.get_ok(&format!("{active}?manager_id=nobody")).await),
        all,
        "manager_id is not read"
    );
}

/// hh marks negotiations read only when they all belong to one vacancy.
#[tokio::test]
async fn mark_read_takes_one_vacancy() {
    let (sandbox, http) = start(SandboxConfig::default()).await;
    let vacancies = sandbox.vacancy_ids();
    let mut first_of = Vec::new();
    for v in &vacancies[..2] {
        let (_, url) = collection_urls(&http, v).await.remove(0);
        let page = http.get_ok(&url).await;
        let ids: Vec<String> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .take(2)
            .map(|n| n["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ids.len(), 2, "{v} has two negotiations");
        first_of.push(ids);
    }
    let mixed = http
        .send(
            "POST",
            "/negotiations/read",
            &[("topic_id", &first_of[0][0]), ("topic_id", &first_of[1][0])],
        )
        .await;
    assert_eq!(mixed.status, 400, "{}", mixed.text);
    assert_eq!(
        mixed.error(),
        ("bad_argument".into(), Some("topic_id".into()))
    );
    let one = http
        .send(
            "POST",
            "/negotiations/read",
            &[("topic_id", &first_of[0][0]), ("topic_id", &first_of[0][1])],
        )
        .await;
    assert_eq!(one.status, 204, "{}", one.text);
}

/// A negotiation's `source` is one of hh's values.
#[tokio::test]
async fn negotiation_sources_are_hhs() {
    let Some(off) = official::official() else {
        return;
    };
    let allowed =
        official::schema(off, "NegotiationsObjectsTopicItemCommon")["properties"]["source"]["enum"]
            .as_array()
            .expect("hh's source enum")
            .clone();
    let (sandbox, http) = start(SandboxConfig::default()).await;
    let mut seen = 0;
    for vacancy in sandbox.vacancy_ids() {
        for (_, url) in collection_urls(&http, &vacancy).await {
            let page = http.get_ok(&format!("{url}&per_page=50")).await;
            for n in page["items"].as_array().unwrap() {
                assert!(
                    allowed.contains(&n["source"]),
                    "{} not in {allowed:?}",
                    n["source"]
                );
                seen += 1;
            }
        }
    }
    assert!(seen > 0);
}
