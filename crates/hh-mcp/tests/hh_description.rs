//! The tools behave as hh.ru documents, end to end through rmcp's client: against the
//! sandbox where hh's rules matter, against the fake hh where an answer must be exact,
//! and with hh's own names and schemas read from its description in `../shared`.

mod common;

#[path = "../../hh-api/tests/official/mod.rs"]
mod official;

use common::*;
use hh_sandbox::{Faults, Sandbox, SandboxConfig};
use serde_json::{Value, json};

async fn sandbox_mcp(config: SandboxConfig) -> (Sandbox, Mcp) {
    sandbox_and_mcp(config, &[]).await
}

fn items(list: &Value) -> &Vec<Value> {
    list["items"].as_array().expect("a list has items")
}

/// The standard fake hh, with `/negotiations/5` (and 6) replaced by `negotiation`.
async fn fake_with_negotiation(change: impl Fn(&mut Value) + Send + Sync + 'static) -> FakeHh {
    FakeHh::start_with(move |r| {
        let id = r.path.strip_prefix("/negotiations/")?;
        (r.method == "GET" && (id == "5" || id == "6")).then(|| {
            let base = format!("http://{}", r.header("host"));
            let mut n = negotiation_json(&base);
            n["id"] = json!(id);
            change(&mut n);
            Reply::json(200, n)
        })
    })
    .await
}

// ---- 1. show_only_new by collection ---------------------------------------------------------

/// `show_only_new` reaches hh as the parameter hh reads in that collection, and the list
/// has exactly the negotiations with news.
#[tokio::test]
async fn show_only_new_lists_only_the_news_in_every_collection() {
    let (sandbox, mcp) = sandbox_mcp(SandboxConfig {
        record: true,
        ..Default::default()
    })
    .await;
    let mut checked = Vec::new();
    for vacancy in sandbox.vacancy_ids() {
        let collections = ok(&mcp
            .call("list_collections", json!({"vacancy_id": vacancy}))
            .await);
        for c in collections["collections"].as_array().unwrap() {
            let collection = c["id"].as_str().unwrap();
            let all = ok(&mcp
                .call(
                    "list_negotiations",
                    json!({"vacancy_id": vacancy, "collection": collection, "all_pages": true}),
                )
                .await);
            let news = items(&all)
                .iter()
                .filter(|n| n["has_updates"] == true)
                .count();
            if news == 0 || news == items(&all).len() {
                continue;
            }
            sandbox.clear_recorded();
            let only_new = ok(&mcp
                .call(
                    "list_negotiations",
                    json!({"vacancy_id": vacancy, "collection": collection,
                           "all_pages": true, "show_only_new": true}),
                )
                .await);
            assert_eq!(items(&only_new).len(), news, "{vacancy}/{collection}");
            assert!(items(&only_new).iter().all(|n| n["has_updates"] == true));
            let expected = if collection == "response" {
                "show_only_new_responses=true"
            } else {
                "show_only_new=true"
            };
            for e in sandbox
                .recorded()
                .into_iter()
                .filter(|e| e.path.starts_with("/negotiations/"))
            {
                let query = e.query.unwrap_or_default();
                assert!(query.contains(expected), "{collection}: {query}");
                assert_eq!(query.matches("show_only_new").count(), 1, "{query}");
            }
            checked.push(collection.to_string());
        }
    }
    assert!(checked.iter().any(|c| c == "response"), "{checked:?}");
    assert!(checked.iter().any(|c| c != "response"), "{checked:?}");
    mcp.stop().await;
}

// ---- 2. vacancies for a resume, colleagues' vacancies -----------------------------------------

#[tokio::test]
async fn resume_id_is_sent_alone_and_colleagues_vacancies_are_listable() {
    let hh = FakeHh::start().await;
    let mcp = Mcp::start(&hh).await;

    for (other, name) in [
        (json!({"text": "rust"}), "`text`"),
        (json!({"all_accessible": true}), "`all_accessible`"),
        (json!({"manager_ids": ["m-1"]}), "`manager_ids`"),
    ] {
        let mut args = other.clone();
        args["resume_id"] = json!("r1");
        let err = tool_error(&mcp.call("list_vacancies", args).await);
        assert_contains(
            &err,
            &["list_vacancies", "`resume_id`", name, "page", "per_page"],
        );
    }
    let err = tool_error(
        &mcp.call(
            "list_vacancies",
            json!({"all_accessible": true, "manager_ids": ["m-1"]}),
        )
        .await,
    );
    assert_contains(&err, &["`manager_ids`", "`all_accessible`"]);
    assert_eq!(
        hh.count("GET", "/employers/1455/vacancies/active"),
        0,
        "nothing was asked: {:?}",
        hh.lines()
    );

    ok(&mcp
        .call("list_vacancies", json!({"all_accessible": true}))
        .await);
    ok(&mcp
        .call("list_vacancies", json!({"manager_ids": ["m-1", 2]}))
        .await);
    let asked: Vec<Seen> = hh
        .requests()
        .into_iter()
        .filter(|r| r.path == "/employers/1455/vacancies/active")
        .collect();
    assert_eq!(asked[0].param("all_accessible").as_deref(), Some("true"));
    assert_eq!(asked[1].param("manager_ids").as_deref(), Some("m-1,2"));
    if let Some(off) = official::official() {
        let names =
            official::query_parameters(off, "/employers/{employer_id}/vacancies/active", "get");
        for r in &asked {
            for (name, _) in r.query_pairs() {
                assert!(names.contains(&name), "{name} is not hh's: {names:?}");
            }
        }
    }
    mcp.stop().await;
}

#[tokio::test]
async fn a_vacancy_missing_for_a_resume_is_not_called_inactive() {
    let (sandbox, mcp) = sandbox_mcp(SandboxConfig::default()).await;
    let resume = &sandbox.resume_ids()[0];
    let err = tool_error(
        &mcp.call(
            "invite_applicant",
            json!({"vacancy_id": "1", "resume_id": resume, "message": "Здравствуйте"}),
        )
        .await,
    );
    assert_contains(&err, &["vacancy 1", resume, "fit"]);
    assert!(
        !err.contains("not active") && !err.contains("not among the employer's active"),
        "{err}"
    );
    mcp.stop().await;
}

// ---- 3, 5. limits, paid access, manager accounts, captcha --------------------------------------

#[tokio::test]
async fn the_daily_resume_view_limit_and_paid_access_are_named() {
    let refusals = [
        (
            429,
            "view_limit_exceeded",
            &["daily", "not retried", "tomorrow"][..],
        ),
        (403, "quota_exceeded", &["quota", "manager"][..]),
        (403, "no_available_service", &["paid", "resume"][..]),
        (403, "cant_view_contacts", &["contacts", "paid"][..]),
    ];
    for (status, value, needles) in refusals {
        let hh = FakeHh::start_with(move |r| {
            (r.path == "/resumes/r1")
                .then(|| Reply::hh_error(status, json!([{"type": "resumes", "value": value}])))
        })
        .await;
        let mcp = Mcp::start(&hh).await;
        let err = tool_error(&mcp.call("get_resume", json!({"negotiation_id": "5"})).await);
        assert_contains(&err, needles);
        assert_contains(&err, &[&format!("resumes/{value}")]);
        assert_eq!(hh.count("GET", "/resumes/r1"), 1, "{value}: asked once");
        mcp.stop().await;
    }
}

#[tokio::test]
async fn manager_account_refusals_name_the_accounts_allowed() {
    let hh = FakeHh::start_with(|r| {
        (r.path == "/me").then(|| {
            Reply::hh_error(
                403,
                json!([{"type": "manager_accounts", "value": "used_manager_account_forbidden",
                "allowed_accounts": [
                    {"id": "1", "employer": {"id": "12345678", "name": "Alpha Corp."}},
                    {"id": "2", "employer": {"id": "87654321", "name": "Beta Inc."}}
                ]}]),
            )
        })
    })
    .await;
    let mcp = Mcp::start(&hh).await;
    let err = tool_error(&mcp.call("get_me", json!({})).await);
    assert_contains(
        &err,
        &[
            "blocked",
            "HH_MANAGER_ACCOUNT_ID",
            "1 (employer 12345678 «Alpha Corp.»)",
            "2 (employer 87654321 «Beta Inc.»)",
        ],
    );
    mcp.stop().await;

    let hh = FakeHh::start_with(|r| {
        (r.path == "/me").then(|| {
            Reply::hh_error(
                403,
                json!([{"type": "manager_extra_accounts", "value": "manager_extra_account_not_found"}]),
            )
        })
    })
    .await;
    let mcp = Mcp::start(&hh).await;
    let err = tool_error(&mcp.call("get_me", json!({})).await);
    assert_contains(
        &err,
        &[
            "HH_MANAGER_ACCOUNT_ID",
            "not one of this manager's accounts",
        ],
    );
    mcp.stop().await;
}

#[tokio::test]
async fn the_captcha_page_comes_with_its_backurl() {
    let hh = FakeHh::start_with(|r| {
        (r.method == "PUT").then(|| {
            Reply::hh_error(
                403,
                json!([{"type": "captcha_required", "value": "captcha_required",
                        "captcha_url": "https://hh.ru/account/captcha?state=s-1"}]),
            )
        })
    })
    .await;
    let mcp = Mcp::start_opts(&hh, Opts::default().env("HH_MCP_CONFIRM", "never")).await;
    let err = tool_error(
        &mcp.call(
            "change_negotiation_state",
            json!({"negotiation_id": "5", "action": "hold"}),
        )
        .await,
    );
    let page = err
        .split_whitespace()
        .find(|w| w.starts_with("https://hh.ru/account/captcha"))
        .unwrap_or_else(|| panic!("{err}"))
        .trim_end_matches([',', '.']);
    let url = url::Url::parse(page).unwrap();
    let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    assert_eq!(
        query,
        [
            ("state".into(), "s-1".into()),
            ("backurl".into(), "https://hh.ru/".into())
        ]
    );
    assert!(!err.contains("add a `backurl`"), "{err}");
    mcp.stop().await;
}

// ---- 4. mark_read of one vacancy -------------------------------------------------------------

#[tokio::test]
async fn mark_read_refuses_negotiations_of_different_vacancies() {
    let (sandbox, mcp) = sandbox_mcp(SandboxConfig {
        record: true,
        ..Default::default()
    })
    .await;
    let vacancies = sandbox.vacancy_ids();
    let mut picked = Vec::new();
    for v in &vacancies[..2] {
        let list = ok(&mcp
            .call(
                "list_negotiations",
                json!({"vacancy_id": v, "collection": "response"}),
            )
            .await);
        picked.push(items(&list)[0]["id"].as_str().unwrap().to_string());
    }
    sandbox.clear_recorded();

    let err = tool_error(
        &mcp.call("mark_read", json!({"negotiation_ids": picked}))
            .await,
    );

    assert_contains(
        &err,
        &[
            "one vacancy",
            &vacancies[0],
            &vacancies[1],
            &picked[0],
            &picked[1],
            "Nothing was sent",
        ],
    );
    let writes: Vec<_> = sandbox
        .recorded()
        .into_iter()
        .filter(|e| e.method != "GET")
        .collect();
    assert!(writes.is_empty(), "{writes:?}");

    // Of one vacancy: sent, and hh (the sandbox) takes it.
    let list = ok(&mcp
        .call(
            "list_negotiations",
            json!({"vacancy_id": vacancies[0], "collection": "response"}),
        )
        .await);
    let same: Vec<&Value> = items(&list).iter().take(2).map(|n| &n["id"]).collect();
    let done = ok(&mcp
        .call("mark_read", json!({"negotiation_ids": same}))
        .await);
    assert_eq!(done["status"], "done");
    mcp.stop().await;
}

// ---- 6, 8. the invitation: its cost, and the negotiation it creates ---------------------------

#[tokio::test]
async fn an_invitation_says_what_it_spends_and_names_its_negotiation() {
    let (sandbox, mcp) = sandbox_mcp(SandboxConfig::default()).await;
    // A resume with no negotiation yet on some vacancy that it fits.
    let mut target = None;
    'find: for resume in sandbox.resume_ids() {
        let list = ok(&mcp
            .call("list_vacancies", json!({"resume_id": resume}))
            .await);
        for v in items(&list) {
            if v["can_invite"] == true {
                target = Some((v["id"].as_str().unwrap().to_string(), resume));
                break 'find;
            }
        }
    }
    let (vacancy, resume) = target.expect("an invitable resume");

    let done = ok(&mcp
        .call(
            "invite_applicant",
            json!({"vacancy_id": vacancy, "resume_id": resume, "message": "Приглашаем на интервью"}),
        )
        .await);

    assert_eq!(done["status"], "done", "{done}");
    assert_contains(done["cost"].as_str().unwrap(), &["resume contacts"]);
    let id = done["negotiation_id"]
        .as_str()
        .expect("the new negotiation's id");
    let n = ok(&mcp
        .call("get_negotiation", json!({"negotiation_id": id}))
        .await);
    assert_eq!(n["applicant"]["resume_id"], json!(resume), "{n}");
    mcp.stop().await;
}

#[tokio::test]
async fn the_invitation_preview_and_question_say_it_spends_a_contact() {
    // Without a confirmation form: the preview.
    let hh = FakeHh::start().await;
    let mcp = Mcp::start(&hh).await;
    let args = json!({"vacancy_id": "1", "resume_id": "r1", "message": "Здравствуйте"});
    let preview = ok(&mcp.call("invite_applicant", args.clone()).await);
    assert_eq!(preview["status"], "preview");
    assert_contains(
        preview["note"].as_str().unwrap(),
        &["spends one of the employer's resume contacts"],
    );
    assert!(hh.writes().is_empty());
    mcp.stop().await;

    // With one: the question the person answers.
    let hh = FakeHh::start_with(|r| {
        (r.method == "POST" && r.path == "/negotiations/phone_interview").then(|| Reply {
            status: 201,
            headers: vec![
                ("content-type".into(), "text/html".into()),
                ("location".into(), "/negotiations/9001".into()),
            ],
            body: "<html>Created</html>".into(),
        })
    })
    .await;
    let mcp = Mcp::start_opts(&hh, Opts::default().answer(Answer::Accept(true))).await;
    let done = ok(&mcp.call("invite_applicant", args).await);
    let question = mcp.questions()[0]["message"].as_str().unwrap().to_string();
    assert_contains(&question, &["spends one of the employer's resume contacts"]);
    // hh's answer is HTML; the invitation is done, and its negotiation named.
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["negotiation_id"], "9001");
    mcp.stop().await;
}

/// An action answered with a 200 and a JSON body, or a 201 with HTML, is done.
#[tokio::test]
async fn an_action_is_done_on_any_2xx() {
    for reply in [
        Reply::json(200, json!({"ok": true})),
        Reply {
            status: 201,
            headers: vec![("content-type".into(), "text/html".into())],
            body: "<p>ok</p>".into(),
        },
    ] {
        let hh = FakeHh::start_with(move |r| (r.method == "PUT").then(|| reply.clone())).await;
        let mcp = Mcp::start_opts(&hh, Opts::default().env("HH_MCP_CONFIRM", "never")).await;
        let done = ok(&mcp
            .call(
                "change_negotiation_state",
                json!({"negotiation_id": "5", "action": "hold"}),
            )
            .await);
        assert_eq!(done["status"], "done", "{done}");
        assert_eq!(hh.writes().len(), 1);
        mcp.stop().await;
    }
}

// ---- 7. answers cut short ----------------------------------------------------------------------

#[tokio::test]
async fn reads_get_through_truncated_answers() {
    let (sandbox, mcp) = sandbox_mcp(SandboxConfig {
        faults: Faults {
            malformed_rate: 0.3,
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    let vacancy = &sandbox.vacancy_ids()[0];
    const CALLS: u64 = 10;
    for _ in 0..CALLS {
        let c = ok(&mcp
            .call("list_collections", json!({"vacancy_id": vacancy}))
            .await);
        assert!(!c["collections"].as_array().unwrap().is_empty());
    }
    let me = ok(&mcp.call("get_me", json!({})).await);
    assert!(me["employer"]["id"].is_string());
    assert!(
        sandbox.request_count() > CALLS + 1,
        "some answers were cut and asked again ({} requests)",
        sandbox.request_count()
    );
    mcp.stop().await;
}

// ---- 9. send_sms: false, sub_actions ------------------------------------------------------------

#[tokio::test]
async fn send_sms_false_needs_no_message() {
    // discard_by_employer as hh lists it, with `message` optional: `send_sms` needs it.
    let hh2 = fake_with_negotiation(|n| {
        n["actions"][1]["arguments"][0]["required"] = json!(false);
    })
    .await;
    let mcp2 = Mcp::start_opts(&hh2, Opts::default().env("HH_MCP_CONFIRM", "never")).await;
    let done = ok(&mcp2
        .call(
            "change_negotiation_state",
            json!({"negotiation_id": "5", "action": "discard_by_employer", "send_sms": false}),
        )
        .await);
    assert_eq!(done["status"], "done", "{done}");
    let writes = hh2.writes();
    assert_eq!(writes.len(), 1);
    writes[0].assert_form("send_sms=false");

    // `send_sms: true` still needs the message, and nothing is sent without it.
    let err = tool_error(
        &mcp2
            .call(
                "change_negotiation_state",
                json!({"negotiation_id": "5", "action": "discard_by_employer", "send_sms": true}),
            )
            .await,
    );
    assert_contains(&err, &["`send_sms` needs `message`"]);
    assert_eq!(hh2.writes().len(), 1);
    mcp2.stop().await;
}

#[tokio::test]
async fn a_sub_action_is_chosen_among_those_hh_offers() {
    let hh = fake_with_negotiation(|n| {
        let base = n["actions"][0]["url"]
            .as_str()
            .unwrap()
            .replace("/negotiations/hold/5", "");
        n["actions"][0]["sub_actions"] = json!([
            {"id": "hold_call_later", "name": "Перезвонить позже", "method": "PUT",
             "url": format!("{base}/negotiations/hold/5?substate=call_later")}
        ]);
    })
    .await;
    let mcp = Mcp::start_opts(&hh, Opts::default().env("HH_MCP_CONFIRM", "never")).await;

    let n = ok(&mcp
        .call("get_negotiation", json!({"negotiation_id": "5"}))
        .await);
    assert_eq!(
        n["actions"][0]["sub_actions"][0]["id"], "hold_call_later",
        "{n}"
    );

    let err = tool_error(
        &mcp.call(
            "change_negotiation_state",
            json!({"negotiation_id": "5", "action": "hold", "sub_action": "nope"}),
        )
        .await,
    );
    assert_contains(&err, &["sub_action `nope`", "hold_call_later"]);
    assert!(hh.writes().is_empty());

    let done = ok(&mcp
        .call(
            "change_negotiation_state",
            json!({"negotiation_id": "5", "action": "hold", "sub_action": "hold_call_later"}),
        )
        .await);
    assert_eq!(done["sub_action"]["id"], "hold_call_later", "{done}");
    let writes = hh.writes();
    assert_eq!(writes.len(), 1);
    assert_eq!(
        writes[0].line(),
        "PUT /negotiations/hold/5?substate=call_later"
    );
    mcp.stop().await;
}

// ---- 14. every /me profile ---------------------------------------------------------------------

/// hh's four `/me` profiles, built from its description: get_me reads each, and the
/// employer's vacancies are found for both kinds of employer token.
#[tokio::test]
async fn get_me_and_the_employer_lookup_work_for_every_profile() {
    let Some(off) = official::official() else {
        return;
    };
    let mapping = official::schema(off, "MeProfile")["discriminator"]["mapping"]
        .as_object()
        .unwrap()
        .clone();
    for (auth_type, schema) in mapping {
        let mut me = official::instance(off, &json!({ "$ref": schema }));
        me["auth_type"] = json!(auth_type);
        let employer_id = me["employer"]["id"].as_str().map(str::to_string);
        let served = me.clone();
        let hh = FakeHh::start_with(move |r| {
            if r.path == "/me" {
                return Some(Reply::json(200, served.clone()));
            }
            r.path.ends_with("/vacancies/active").then(|| {
                let base = format!("http://{}", r.header("host"));
                Reply::json(200, vacancies_json(&base, None))
            })
        })
        .await;
        let mcp = Mcp::start(&hh).await;

        let got = ok(&mcp.call("get_me", json!({})).await);
        assert_eq!(got["auth_type"], json!(auth_type), "{got}");

        let list = mcp.call("list_vacancies", json!({})).await;
        match (auth_type.as_str(), &employer_id) {
            ("employer" | "employer_integration", Some(id)) => {
                ok(&list);
                let asked = format!("/employers/{id}/vacancies/active");
                assert_eq!(hh.count("GET", &asked), 1, "{auth_type}: {:?}", hh.lines());
            }
            _ => assert_contains(&tool_error(&list), &["not an employer's"]),
        }
        mcp.stop().await;
    }
}

// ---- 12. auth status ---------------------------------------------------------------------------

#[tokio::test]
async fn auth_status_needs_no_user_agent_to_say_not_signed_in() {
    let dir = std::env::temp_dir().join(format!("hh-status-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = tokio::process::Command::new(bin())
        .args(["auth", "status"])
        .env_clear()
        .env("HOME", &dir)
        .env("HH_MCP_TOKEN_FILE", dir.join("tokens.json"))
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_contains(&stderr, &["Not signed in", "hh-mcp auth login"]);
    assert!(!stderr.contains("HH_USER_AGENT"), "{stderr}");
    assert!(out.stdout.is_empty());
}
