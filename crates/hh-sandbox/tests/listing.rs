//! Collection lists as the sandbox serves them: rendered negotiations are reused only
//! while nothing changed, and the sandbox can say how many requests it served at once.

mod common;

use std::time::Duration;

use common::start;
use hh_sandbox::{Faults, SandboxConfig};
use serde_json::Value;

fn item<'a>(list: &'a Value, id: &str) -> Option<&'a Value> {
    list["items"].as_array()?.iter().find(|n| n["id"] == id)
}

#[tokio::test]
async fn a_listed_negotiation_shows_the_latest_change() {
    let (sandbox, http) = start(SandboxConfig::default()).await;
    let v = sandbox.vacancy_ids()[0].clone();
    let inbox = http
        .get_ok(&format!(
            "/negotiations/response?vacancy_id={v}&per_page=50"
        ))
        .await;
    let nid = inbox["items"][0]["id"].as_str().unwrap().to_string();
    let before = item(&inbox, &nid).unwrap().clone();
    // The same list again is the same bytes (served from what was rendered).
    let again = http
        .get_ok(&format!(
            "/negotiations/response?vacancy_id={v}&per_page=50"
        ))
        .await;
    assert_eq!(item(&again, &nid), Some(&before));

    let moved = http
        .send("PUT", &format!("/negotiations/consider/{nid}"), &[])
        .await;
    assert_eq!(moved.status, 204, "{}", moved.json());

    let fresh = http.get_ok(&format!("/negotiations/{nid}")).await;
    assert_ne!(fresh["employer_state"], before["employer_state"]);
    let collections = http.get_ok(&format!("/negotiations?vacancy_id={v}")).await;
    let mut listed = Vec::new();
    for c in collections["collections"].as_array().unwrap() {
        let url = c["url"].as_str().unwrap();
        let path = url.strip_prefix(&http.base).unwrap();
        let list = http.get_ok(&format!("{path}&per_page=50")).await;
        if let Some(n) = item(&list, &nid) {
            listed.push((c["id"].clone(), n.clone()));
        }
    }
    assert_eq!(
        listed.len(),
        1,
        "listed in exactly one collection: {listed:?}"
    );
    let (_, now) = &listed[0];
    assert_eq!(now["employer_state"], fresh["employer_state"]);
    assert_eq!(now["actions"], fresh["actions"]);
    assert_eq!(now["updated_at"], fresh["updated_at"]);
}

#[tokio::test]
async fn peak_in_flight_counts_requests_served_together() {
    let (sandbox, http) = start(SandboxConfig::default()).await;
    sandbox.set_faults(Faults {
        latency: Duration::from_millis(100),
        ..Faults::default()
    });
    sandbox.reset_peak_in_flight();
    assert_eq!(sandbox.peak_in_flight(), 0);
    let five = (0..5).map(|_| http.get("/me"));
    for answer in futures::future::join_all(five).await {
        assert_eq!(answer.status, 200);
    }
    assert_eq!(sandbox.peak_in_flight(), 5);
    sandbox.reset_peak_in_flight();
    http.get("/me").await;
    http.get("/me").await;
    assert_eq!(sandbox.peak_in_flight(), 1, "one after another");
}
