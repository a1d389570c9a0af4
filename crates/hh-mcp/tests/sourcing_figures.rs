//! The tools over hh's figures and saved searches, end to end: the built server, driven
//! by rmcp's client, against the stateful sandbox. A resume opened by id reads the
//! manager's daily views first, says how many are left, and is refused before anything
//! is opened when none are; hh's 403 for a missing resume service is named; a vacancy's
//! figures and visitors; the employer's and a manager's response statistics; the saved
//! searches with their new resumes.

mod common;

use common::{Mcp, assert_contains, ok, tool_error};
use hh_sandbox::{Faults, Sandbox, SandboxConfig};
use serde_json::json;

async fn start_with(faults: Faults) -> (Sandbox, Mcp) {
    let config = SandboxConfig {
        record: true,
        faults,
        ..SandboxConfig::default()
    };
    common::sandbox_and_mcp(config, &[]).await
}

/// The requests the sandbox saw, as `METHOD path`.
fn seen(sandbox: &Sandbox) -> Vec<String> {
    sandbox
        .recorded()
        .into_iter()
        .map(|e| format!("{} {}", e.method, e.path))
        .collect()
}

#[tokio::test]
async fn a_resume_by_id_spends_a_daily_view_and_says_how_many_are_left() {
    let (sandbox, mcp) = start_with(Faults::default()).await;
    let resume = sandbox.resume_ids()[3].clone();
    let before = sandbox.resume_views_left();
    assert!(before > 1);
    let r = ok(&mcp.call("get_resume", json!({"resume_id": resume})).await);
    assert_eq!(r["resume_id"], resume.as_str());
    assert_eq!(r["views_left_today"], before - 1, "{r}");
    assert!(r["title"]["applicant_wrote"].is_string(), "{r}");
    assert_eq!(sandbox.resume_views_left(), before - 1, "one view spent");
    let asked = seen(&sandbox);
    let limits = format!(
        "GET /employers/{}/managers/{}/limits/resume",
        sandbox.employer_id(),
        sandbox.manager_id()
    );
    let limits_at = asked
        .iter()
        .position(|l| *l == limits)
        .expect("limits read");
    let resume_at = asked
        .iter()
        .position(|l| *l == format!("GET /resumes/{resume}"))
        .expect("resume opened");
    assert!(limits_at < resume_at, "the limit is read first: {asked:?}");

    // None left: refused with the figures, and no resume is asked for.
    sandbox.set_resume_views_left(0);
    sandbox.clear_recorded();
    let err = tool_error(&mcp.call("get_resume", json!({"resume_id": resume})).await);
    assert_contains(
        &err,
        &[
            "get_resume",
            "no resume views left",
            "0 of 200",
            "nothing was spent",
        ],
    );
    let asked = seen(&sandbox);
    assert!(
        !asked.iter().any(|l| l.starts_with("GET /resumes")),
        "no resume was opened: {asked:?}"
    );
    assert_eq!(sandbox.resume_views_left(), 0);

    // A negotiation's resume needs no view.
    let history = sandbox
        .resume_ids()
        .into_iter()
        .find_map(|id| sandbox.negotiations_of(&id).into_iter().next())
        .expect("a negotiation");
    let r = ok(&mcp
        .call("get_resume", json!({"negotiation_id": history.0}))
        .await);
    assert!(r.get("views_left_today").is_none(), "{r}");

    for (args, says) in [
        (json!({}), &["`negotiation_id`", "`resume_id`"][..]),
        (
            json!({"negotiation_id": "1", "resume_id": "2"}),
            &["not both"][..],
        ),
    ] {
        assert_contains(&tool_error(&mcp.call("get_resume", args).await), says);
    }
    mcp.stop().await;
}

#[tokio::test]
async fn without_a_resume_service_hhs_403_is_named() {
    let (sandbox, mcp) = start_with(Faults {
        no_paid_access: true,
        ..Faults::default()
    })
    .await;
    let before = sandbox.resume_views_left();
    let err = tool_error(
        &mcp.call("get_resume", json!({"resume_id": sandbox.resume_ids()[0]}))
            .await,
    );
    assert_contains(
        &err,
        &[
            "403",
            "no_available_service",
            "resume-database service",
            "buy",
        ],
    );
    assert_eq!(sandbox.resume_views_left(), before, "nothing spent");
    mcp.stop().await;
}

#[tokio::test]
async fn vacancy_stats_sum_the_days_and_list_the_visitors() {
    let (sandbox, mcp) = start_with(Faults::default()).await;
    let vacancy = sandbox.vacancy_ids()[0].clone();
    let s = ok(&mcp
        .call("vacancy_stats", json!({"vacancy_id": vacancy}))
        .await);
    let days = s["days"].as_array().unwrap();
    assert_eq!(days.len(), 5, "{s}");
    let views: u64 = days.iter().map(|d| d["views"].as_u64().unwrap()).sum();
    let responses: u64 = days.iter().map(|d| d["responses"].as_u64().unwrap()).sum();
    assert_eq!(s["views"], views);
    assert_eq!(s["responses"], responses);
    assert!(views > 0, "{s}");
    let visitors = s["visitors"].as_array().unwrap();
    assert!(!visitors.is_empty() && visitors.len() <= 10, "{s}");
    assert!(s["visitors_found"].as_u64().unwrap() >= visitors.len() as u64);
    for v in visitors {
        assert!(v["name"]["applicant_wrote"].is_string(), "{v}");
        assert!(v["resume_id"].is_string(), "{v}");
    }
    let err = tool_error(&mcp.call("vacancy_stats", json!({"vacancy_id": "1"})).await);
    assert_contains(&err, &["404"]);
    mcp.stop().await;
}

#[tokio::test]
async fn response_statistics_for_the_employer_and_one_manager() {
    let (sandbox, mcp) = start_with(Faults::default()).await;
    let s = ok(&mcp.call("negotiation_statistics", json!({})).await);
    let received = s["employer"]["received"].as_u64().unwrap();
    assert!(received > 0, "{s}");
    assert!(s.get("manager").is_none());
    let replied = s["employer"]["replied_percent"].as_f64().unwrap();
    assert!((0.0..=100.0).contains(&replied), "{s}");

    let s = ok(&mcp
        .call(
            "negotiation_statistics",
            json!({"manager_id": sandbox.manager_id()}),
        )
        .await);
    let mine = s["manager"]["received"].as_u64().unwrap();
    assert!(mine <= received, "{s}");
    let err = tool_error(
        &mcp.call("negotiation_statistics", json!({"manager_id": "1"}))
            .await,
    );
    assert_contains(&err, &["404"]);
    mcp.stop().await;
}

#[tokio::test]
async fn saved_searches_with_their_new_resumes() {
    let (sandbox, mcp) = start_with(Faults::default()).await;
    let held = sandbox.saved_searches();
    assert!(!held.is_empty());
    let list = ok(&mcp.call("list_saved_searches", json!({})).await);
    let searches = list["searches"].as_array().unwrap();
    assert_eq!(searches.len(), held.len(), "{list}");
    for (s, (id, new)) in searches.iter().zip(&held) {
        assert_eq!(s["id"], id.as_str());
        assert_eq!(s["new_resumes"], *new as u64, "{s}");
        assert!(s["resumes"].as_u64().unwrap() >= *new as u64);
    }
    let (id, new) = held
        .iter()
        .find(|(_, n)| *n > 0)
        .cloned()
        .expect("a search with new resumes");
    let one = ok(&mcp
        .call(
            "list_saved_searches",
            json!({"saved_search_id": id, "per_page": 100}),
        )
        .await);
    let resumes = one["new_resumes"].as_array().unwrap();
    assert_eq!(resumes.len(), new, "{one}");
    assert_eq!(one["found"], new as u64);
    for r in resumes {
        assert!(r["title"]["applicant_wrote"].is_string(), "{r}");
    }
    let err = tool_error(
        &mcp.call("list_saved_searches", json!({"saved_search_id": "1"}))
            .await,
    );
    assert_contains(&err, &["404"]);
    mcp.stop().await;
}
