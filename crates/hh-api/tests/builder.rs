//! Building a client: the required user agent and a usable base URL.

mod common;

use common::*;
use hh_api::{Client, Error, USER_AGENT_FORM};

fn config_error(result: Result<Client, Error>) -> String {
    match result {
        Err(Error::Config(msg)) => msg,
        Err(other) => panic!("expected Error::Config, got {other:?}"),
        Ok(client) => panic!("expected Error::Config, got a client: {client:?}"),
    }
}

#[test]
fn the_user_agent_form_is_hhs() {
    assert_eq!(USER_AGENT_FORM, "App/1.0 (me@example.com)");
}

#[test]
fn no_user_agent_is_refused_with_the_expected_form() {
    let msg = config_error(Client::builder().token(TOKEN).build());
    assert!(msg.contains("App/1.0 (me@example.com)"), "{msg}");
    assert!(msg.contains("HH-User-Agent"), "{msg}");

    let blank = config_error(Client::builder().user_agent("   ").build());
    assert!(blank.contains("App/1.0 (me@example.com)"), "{blank}");
}

#[test]
fn a_user_agent_not_of_the_form_is_refused() {
    let msg = config_error(Client::builder().user_agent("curl").build());
    assert!(msg.contains("App/1.0 (me@example.com)"), "{msg}");
    assert!(msg.contains("curl"), "{msg}");

    let msg = config_error(
        Client::builder()
            .user_agent("Бот/1.0 (hr@example.com)")
            .build(),
    );
    assert!(msg.contains("App/1.0 (me@example.com)"), "{msg}");
}

#[test]
fn a_malformed_base_url_is_refused_clearly() {
    for bad in ["not a url", "api.hh.ru", "", "http://"] {
        let msg = config_error(Client::builder().user_agent(UA).base_url(bad).build());
        assert!(msg.contains("base URL"), "{bad:?}: {msg}");
        assert!(msg.contains("https://api.hh.ru"), "{bad:?}: {msg}");
    }
    for bad in [
        "ftp://api.hh.ru",
        "file:///etc/passwd",
        "mailto:hr@example.com",
    ] {
        let msg = config_error(Client::builder().user_agent(UA).base_url(bad).build());
        assert!(msg.contains("http(s)"), "{bad}: {msg}");
    }
}

#[test]
fn a_base_url_with_a_query_or_fragment_is_refused() {
    // The generated operations append their path to the base: `…/?x=1/me` would be
    // nonsense sent to hh, so refuse it up front.
    for bad in ["https://api.hh.ru/?host=hh.kz", "https://api.hh.ru/#top"] {
        let msg = config_error(Client::builder().user_agent(UA).base_url(bad).build());
        assert!(msg.contains("base URL"), "{bad}: {msg}");
    }
}

#[test]
fn a_good_base_url_is_accepted() {
    let hh = Client::builder()
        .user_agent(UA)
        .base_url(" https://api.hh.ru ")
        .build()
        .unwrap();
    assert_eq!(hh.base_url().as_str(), "https://api.hh.ru/");
    let default = Client::builder().user_agent(UA).build().unwrap();
    assert_eq!(default.base_url().as_str(), "https://api.hh.ru/");
}

#[test]
fn a_token_or_manager_id_that_cannot_be_a_header_is_refused() {
    for bad in ["", "  ", "line\nbreak"] {
        let msg = config_error(Client::builder().user_agent(UA).token(bad).build());
        assert!(msg.contains("access token"), "{bad:?}: {msg}");
        assert!(!bad.trim().is_empty() || !msg.contains("line"));
    }
    let msg = config_error(
        Client::builder()
            .user_agent(UA)
            .manager_account_id("1\r\nX-Evil: 1")
            .build(),
    );
    assert!(msg.contains("manager account id"), "{msg}");
}
