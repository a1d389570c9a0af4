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

/// Resume search pages as hh documents it: from 0, at most 100 a page, and no result past
/// the 2000th (`per_page=10&page=199` is the last page, `page=200` an error).
#[tokio::test]
async fn resume_search_keeps_hh_depth_cap_and_page_size() {
    let (_sandbox, http) = start(SandboxConfig::default()).await;
    let last = http.get("/resumes?per_page=10&page=199").await;
    assert_eq!(last.status, 200, "{}", last.text);
    assert_eq!(last.json()["page"], 199);
    for (path, argument) in [
        ("/resumes?per_page=10&page=200", "page"),
        ("/resumes?per_page=100&page=20", "page"),
        ("/resumes?per_page=101", "per_page"),
        ("/resumes?text=x&text.field=nowhere", "text.field"),
        ("/resumes?experience=lots", "experience"),
        ("/resumes?salary_from=many", "salary_from"),
        ("/resumes?vacancy_id=1", "vacancy_id"),
    ] {
        let a = http.get(path).await;
        assert_eq!(a.status, 400, "{path}: {}", a.text);
        assert_eq!(
            a.error(),
            ("bad_argument".into(), Some(argument.into())),
            "{path}"
        );
    }
}

/// Resume search, a resume's negotiation history and comments are paid: without the
/// employer's paid access hh answers 403 `api_access_payment`.
#[tokio::test]
async fn paid_methods_answer_403_without_paid_access() {
    let (sandbox, http) = start(SandboxConfig {
        faults: hh_sandbox::Faults {
            no_paid_access: true,
            ..hh_sandbox::Faults::default()
        },
        ..SandboxConfig::default()
    })
    .await;
    let resume = sandbox.resume_ids()[0].clone();
    let owner = sandbox.resume(&resume).unwrap().owner_id;
    let refused = [
        http.get("/resumes?text=менеджер").await,
        http.get(&format!("/resumes/{resume}/negotiations_history"))
            .await,
        http.get(&format!("/applicant_comments/{owner}")).await,
        http.send(
            "POST",
            &format!("/applicant_comments/{owner}"),
            &[("text", "x"), ("access_type", "owner")],
        )
        .await,
    ];
    for a in refused {
        assert_eq!(a.status, 403, "{}", a.text);
        assert_eq!(
            a.error(),
            (
                "api_access_payment".into(),
                Some("action_must_be_payed".into())
            )
        );
    }
    if let Some(off) = official::official() {
        // The error is one of the payment errors hh's description lists.
        let e = official::schema(off, "ErrorsCommonBadAuthorizationPaymentMethodError");
        assert_eq!(e["properties"]["type"]["enum"][0], "api_access_payment");
        assert_eq!(e["properties"]["value"]["enum"][0], "action_must_be_payed");
    }
}

/// A comment needs `text` and one of hh's `applicant_comment_access_type` ids; the private
/// one stays its author's.
#[tokio::test]
async fn comments_take_hh_access_types() {
    let (sandbox, http) = start(SandboxConfig::default()).await;
    let owner = sandbox.resume(&sandbox.resume_ids()[0]).unwrap().owner_id;
    let path = format!("/applicant_comments/{owner}");
    for (form, argument) in [
        (vec![("access_type", "owner")], "text"),
        (
            vec![("text", "x"), ("access_type", "everyone")],
            "access_type",
        ),
    ] {
        let a = http.send("POST", &path, &form).await;
        assert_eq!(a.status, 400, "{}", a.text);
        assert_eq!(a.error(), ("bad_argument".into(), Some(argument.into())));
    }
    if let Some(off) = official::official() {
        // hh's dictionary of access types is the sandbox's.
        let ids: Vec<&str> =
            official::example(off, "DictionariesDictionaries")["applicant_comment_access_type"]
                .as_array()
                .expect("hh's dictionary lists the comment access types")
                .iter()
                .filter_map(|e| e["id"].as_str())
                .collect();
        assert_eq!(ids, ["coworkers", "owner"]);
    }
    let a = http
        .send(
            "POST",
            &path,
            &[("text", "Перезвонить"), ("access_type", "owner")],
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.text);
    assert_eq!(a.json()["access_type"]["id"], "owner");
    let list = http.get_ok(&path).await;
    assert_eq!(found(&list), 1);
    assert_eq!(list["items"][0]["is_mine"], true);
    let unknown = http.get("/applicant_comments/nobody").await;
    assert_eq!(unknown.status, 404);
}
