//! Reading a subscription's body the way hh checks it (`WebhookSubscriptionCreate`,
//! `WebhookSubscriptionUpdate`): every mistake is hh's 400 `bad_json_data` with a JSON
//! pointer to the field and a reason (`required`, `invalid`, `size_less_than_min`,
//! `unexpected`). The URL must be http(s), and on loopback unless the sandbox was told
//! to allow any host.

use serde_json::{Map, Value};

use super::{ActionType, WebhookAction};
use crate::errors::ApiError;

/// What a create or an update asks for; an update may leave either out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requested {
    pub url: Option<String>,
    pub actions: Option<Vec<WebhookAction>>,
}

/// `POST /webhook/subscriptions`: `url` and `actions` are both required. hh's create
/// schema allows other members, so they are ignored.
pub fn create(body: &[u8], allow_any_host: bool) -> Result<Requested, ApiError> {
    let map = object(body)?;
    let url = match map.get("url") {
        None => return Err(ApiError::bad_json("/url", "required")),
        Some(v) => url(v, allow_any_host)?,
    };
    let actions = match map.get("actions") {
        None => return Err(ApiError::bad_json("/actions", "required")),
        Some(v) => actions(v)?,
    };
    Ok(Requested {
        url: Some(url),
        actions: Some(actions),
    })
}

/// `PUT /webhook/subscriptions/{id}`: either field, or both; `actions` replaces the list
/// as a whole. hh's update schema allows nothing else.
pub fn update(body: &[u8], allow_any_host: bool) -> Result<Requested, ApiError> {
    let map = object(body)?;
    if let Some(extra) = map
        .keys()
        .find(|k| !matches!(k.as_str(), "url" | "actions"))
    {
        return Err(ApiError::bad_json(&pointer(&["", extra]), "unexpected"));
    }
    Ok(Requested {
        url: map.get("url").map(|v| url(v, allow_any_host)).transpose()?,
        actions: map.get("actions").map(actions).transpose()?,
    })
}

fn object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(ApiError::bad_json("", "invalid")),
    }
}

/// `/actions/0/type`, with `~` and `/` escaped as RFC 6901 says.
fn pointer(segments: &[&str]) -> String {
    segments
        .iter()
        .map(|s| s.replace('~', "~0").replace('/', "~1"))
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether a host is this machine: `localhost` (and its subdomains), `127.0.0.0/8`, `::1`.
pub fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(d) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    }
}

fn url(value: &Value, allow_any_host: bool) -> Result<String, ApiError> {
    let invalid = |why: &str| ApiError::bad_json_described("/url", "invalid", why);
    let Some(text) = value.as_str() else {
        return Err(invalid("url must be a string"));
    };
    let parsed =
        url::Url::parse(text.trim()).map_err(|_| invalid("url must be an absolute http(s) URL"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid("url must be an http(s) URL"));
    }
    let Some(host) = parsed.host() else {
        return Err(invalid("url must name a host"));
    };
    if !allow_any_host && !is_loopback(&host) {
        return Err(invalid(
            "the sandbox delivers webhooks to loopback only (localhost, 127.0.0.1, [::1]); \
             start it with webhooks.allow_any_host (--webhook-any-host) to allow other hosts",
        ));
    }
    Ok(parsed.to_string())
}

fn actions(value: &Value) -> Result<Vec<WebhookAction>, ApiError> {
    let Some(items) = value.as_array() else {
        return Err(ApiError::bad_json("/actions", "invalid"));
    };
    if items.is_empty() {
        return Err(ApiError::bad_json("/actions", "size_less_than_min"));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| action(&i.to_string(), item))
        .collect()
}

fn action(index: &str, item: &Value) -> Result<WebhookAction, ApiError> {
    let at = |field: &str| pointer(&["", "actions", index, field]);
    let Some(map) = item.as_object() else {
        return Err(ApiError::bad_json(
            &pointer(&["", "actions", index]),
            "invalid",
        ));
    };
    let action_type = match map.get("type") {
        None => return Err(ApiError::bad_json(&at("type"), "required")),
        Some(t) => t
            .as_str()
            .and_then(ActionType::parse)
            .ok_or_else(|| ApiError::bad_json(&at("type"), "invalid"))?,
    };
    for key in map.keys() {
        let known = key == "type" || (key == "settings" && action_type.takes_settings());
        if !known {
            return Err(ApiError::bad_json(&at(key), "unexpected"));
        }
    }
    let vacancies_only_mine = match map.get("settings") {
        None | Some(Value::Null) => None,
        Some(Value::Object(settings)) => {
            if let Some(extra) = settings.keys().find(|k| *k != "vacancies_only_mine") {
                return Err(ApiError::bad_json(
                    &pointer(&["", "actions", index, "settings", extra]),
                    "unexpected",
                ));
            }
            match settings.get("vacancies_only_mine") {
                None => Some(false),
                Some(Value::Bool(b)) => Some(*b),
                Some(_) => {
                    return Err(ApiError::bad_json(
                        &pointer(&["", "actions", index, "settings", "vacancies_only_mine"]),
                        "invalid",
                    ));
                }
            }
        }
        Some(_) => return Err(ApiError::bad_json(&at("settings"), "invalid")),
    };
    Ok(WebhookAction {
        action_type,
        vacancies_only_mine,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(e: ApiError) -> (u16, String, String) {
        let first = &e.body["errors"][0];
        (
            e.status.as_u16(),
            first["pointer"].as_str().unwrap_or_default().to_string(),
            first["reason"].as_str().unwrap_or_default().to_string(),
        )
    }

    fn refused(body: &str) -> (String, String) {
        let (status, pointer, reason) = error(create(body.as_bytes(), false).unwrap_err());
        assert_eq!(status, 400);
        (pointer, reason)
    }

    #[test]
    fn a_good_body_is_read() {
        let body = br#"{"url": "http://127.0.0.1:9/hook?k=1", "actions": [
            {"type": "NEW_NEGOTIATION_VACANCY", "settings": {"vacancies_only_mine": true}},
            {"type": "CHAT_MESSAGE_CREATED"}]}"#;
        let r = create(body, false).unwrap();
        assert_eq!(r.url.as_deref(), Some("http://127.0.0.1:9/hook?k=1"));
        let actions = r.actions.unwrap();
        assert_eq!(actions[0].action_type, ActionType::NewNegotiationVacancy);
        assert_eq!(actions[0].vacancies_only_mine, Some(true));
        assert_eq!(actions[1].vacancies_only_mine, None);
    }

    #[test]
    fn mistakes_are_hhs_bad_json_data() {
        let a = r#""actions": [{"type": "CHAT_MESSAGE_CREATED"}]"#;
        assert_eq!(refused("nope"), ("".into(), "invalid".into()));
        assert_eq!(
            refused(&format!("{{{a}}}")),
            ("/url".into(), "required".into())
        );
        assert_eq!(
            refused(r#"{"url": "http://localhost/h"}"#),
            ("/actions".into(), "required".into())
        );
        assert_eq!(
            refused(r#"{"url": "http://localhost/h", "actions": []}"#),
            ("/actions".into(), "size_less_than_min".into())
        );
        assert_eq!(
            refused(r#"{"url": "http://localhost/h", "actions": [{"type": "NEW_THING"}]}"#),
            ("/actions/0/type".into(), "invalid".into())
        );
        assert_eq!(
            refused(r#"{"url": "http://localhost/h", "actions": [{"settings": null}]}"#),
            ("/actions/0/type".into(), "required".into())
        );
        assert_eq!(
            refused(
                r#"{"url": "http://localhost/h", "actions": [{"type": "CHAT_MESSAGE_CREATED", "settings": {}}]}"#
            ),
            ("/actions/0/settings".into(), "unexpected".into())
        );
        assert_eq!(
            refused(
                r#"{"url": "http://localhost/h", "actions": [{"type": "VACANCY_CHANGE", "settings": {"vacancies_only_mine": "yes"}}]}"#
            ),
            (
                "/actions/0/settings/vacancies_only_mine".into(),
                "invalid".into()
            )
        );
        for bad in ["ftp://localhost/h", "/relative", "http://", "42"] {
            let url = if bad == "42" {
                bad.to_string()
            } else {
                format!("\"{bad}\"")
            };
            assert_eq!(
                refused(&format!(r#"{{"url": {url}, {a}}}"#)),
                ("/url".into(), "invalid".into()),
                "{bad}"
            );
        }
    }

    #[test]
    fn only_loopback_hosts_unless_allowed() {
        let body =
            br#"{"url": "https://hooks.example.com/h", "actions": [{"type": "VACANCY_CHANGE"}]}"#;
        let e = create(body, false).unwrap_err();
        let description = e.body["errors"][0]["description"].as_str().unwrap();
        assert!(description.contains("loopback"), "{description}");
        assert!(create(body, true).is_ok());
        for host in [
            "localhost",
            "127.0.0.1",
            "127.1.2.3",
            "[::1]",
            "a.localhost",
        ] {
            let body = format!(
                r#"{{"url": "http://{host}:8/h", "actions": [{{"type": "VACANCY_CHANGE"}}]}}"#
            );
            assert!(create(body.as_bytes(), false).is_ok(), "{host}");
        }
        for host in ["10.0.0.1", "[::2]", "localhost.example.com", "0.0.0.0"] {
            let body = format!(
                r#"{{"url": "http://{host}:8/h", "actions": [{{"type": "VACANCY_CHANGE"}}]}}"#
            );
            assert!(create(body.as_bytes(), false).is_err(), "{host}");
        }
    }

    #[test]
    fn an_update_takes_either_field_and_nothing_else() {
        let r = update(br#"{"actions": [{"type": "VACANCY_CHANGE"}]}"#, false).unwrap();
        assert!(r.url.is_none() && r.actions.is_some());
        let r = update(br#"{"url": "http://127.0.0.1/new"}"#, false).unwrap();
        assert!(r.url.is_some() && r.actions.is_none());
        let e = update(br#"{"url": "http://127.0.0.1/new", "id": "1"}"#, false).unwrap_err();
        assert_eq!(error(e).1, "/id");
        let e = update(br#"{"actions": []}"#, false).unwrap_err();
        assert_eq!(error(e).2, "size_less_than_min");
    }
}
