//! Webhook subscriptions: the four requests as hh describes them, and hh's delivery body.

mod common;

use common::*;
use hh_api::{Error, WebhookDelivery, WebhookKind};
use httpmock::MockServer;
use serde_json::{Value, json};

#[tokio::test]
async fn subscribe_list_change_and_cancel() {
    let server = MockServer::start_async().await;
    let (_m, log) = serve(&server, |seen| {
        match (seen.method.as_str(), seen.path.as_str()) {
            ("GET", "/webhook/subscriptions") => Reply::json(
                200,
                json!({"items": [{"id": "77", "url": "https://x.example/hh/webhook/s",
                    "actions": [{"type": "CHAT_MESSAGE_CREATED"},
                                {"type": "VACANCY_CHANGE", "settings": {"vacancies_only_mine": false}}]}]}),
            ),
            ("POST", "/webhook/subscriptions") => Reply::json(201, json!({"id": "77"})),
            _ => Reply::empty(204),
        }
    })
    .await;
    let hh = client(&server);
    let kinds = [
        WebhookKind::NewResponseOrInvitationVacancy,
        WebhookKind::ChatMessageCreated,
    ];
    let id = hh
        .subscribe_webhooks("https://x.example/hh/webhook/s", &kinds)
        .await
        .unwrap();
    assert_eq!(id, "77");
    let listed = hh.webhook_subscriptions().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].kinds[1], WebhookKind::VacancyChange.as_str());
    hh.change_webhook_subscription("77", "https://x.example/hh/webhook/s", &kinds[..1])
        .await
        .unwrap();
    hh.cancel_webhook_subscription("77").await.unwrap();

    let all = seen(&log);
    let lines: Vec<String> = all
        .iter()
        .map(|s| format!("{} {}", s.method, s.path))
        .collect();
    assert_eq!(
        lines,
        [
            "POST /webhook/subscriptions",
            "GET /webhook/subscriptions",
            "PUT /webhook/subscriptions/77",
            "DELETE /webhook/subscriptions/77",
        ]
    );
    for r in &all {
        r.assert_hh_headers(None);
    }
    let created: Value = serde_json::from_str(&all[0].body).unwrap();
    assert_eq!(
        created,
        json!({"url": "https://x.example/hh/webhook/s",
               "actions": [{"type": "NEW_RESPONSE_OR_INVITATION_VACANCY"}, {"type": "CHAT_MESSAGE_CREATED"}]})
    );
    let changed: Value = serde_json::from_str(&all[2].body).unwrap();
    assert_eq!(
        changed,
        json!({"url": "https://x.example/hh/webhook/s",
               "actions": [{"type": "NEW_RESPONSE_OR_INVITATION_VACANCY"}]})
    );
}

#[tokio::test]
async fn a_refused_subscription_is_hh_s_error() {
    let server = MockServer::start_async().await;
    let (_m, _log) = serve_fixed(
        &server,
        Reply::json(
            403,
            json!({"request_id": "r", "errors": [{"type": "forbidden"}]}),
        ),
    )
    .await;
    let err = client(&server)
        .subscribe_webhooks(
            "https://x.example/hh/webhook/s",
            &[WebhookKind::VacancyChange],
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Api(_)), "{err:?}");
}

#[test]
fn hh_s_delivery_body_decodes() {
    let body = json!({
        "id": "e-1", "subscription_id": "77", "action_type": "NEW_RESPONSE_OR_INVITATION_VACANCY",
        "user_id": "u-1",
        "payload": {"chat_id": "5", "topic_id": "6", "resume_id": "r", "vacancy_id": "v",
                    "employer_id": "e", "response_date": "2026-11-30T10:00:00+0300"}
    });
    let d: WebhookDelivery = serde_json::from_value(body).unwrap();
    assert_eq!(d.action_type, "NEW_RESPONSE_OR_INVITATION_VACANCY");
    assert_eq!(d.payload["topic_id"], "6");
    // A body without hh's required id is refused, naming it.
    let err =
        serde_json::from_value::<WebhookDelivery>(json!({"subscription_id": "77"})).unwrap_err();
    assert!(err.to_string().contains("id"), "{err}");
}
