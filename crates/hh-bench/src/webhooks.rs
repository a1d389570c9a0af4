//! `--only webhooks`: how fast the receiver acknowledges hh.ru's deliveries.
//!
//! A multi-user `hh-mcp --sandbox serve --http --multi-user` (release, SQLite) with the
//! sandbox's default user signed in; a burst of hh-shaped deliveries (1,000 events, every
//! fifth sent twice: 20% duplicates) is POSTed to the account's webhook path by a few
//! concurrent senders, each as soon as its last one was answered. hh.ru wants an answer
//! within 2 s; each delivery's time to its answer is measured, and 202 (stored) and 409
//! (seen before) counted. The worker re-reading the events runs meanwhile, as it would.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use futures::{StreamExt, stream};
use serde_json::json;

use super::tokens::{Door, default_login, sign_in};
use super::{Table, median, ms, percentile};

const EVENTS: usize = 1000;
const SENDERS: usize = 4;
/// hh.ru's limit for an answer.
const HH_LIMIT: Duration = Duration::from_secs(2);

/// One delivery as hh.ru sends it (`WebhookSendObjectBaseUser`, a new response).
fn delivery(i: usize, vacancy: &str) -> String {
    json!({
        "id": format!("bench-{i}"), "subscription_id": "bench", "user_id": "bench",
        "action_type": "NEW_RESPONSE_OR_INVITATION_VACANCY",
        "payload": {"topic_id": format!("{}", 9_000_000 + i), "vacancy_id": vacancy,
                    "chat_id": format!("{}", 8_000_000 + i), "resume_id": "r",
                    "employer_id": "e", "response_date": "2026-11-30T10:00:00+0300"}
    })
    .to_string()
}

pub fn webhook_burst(rt: &tokio::runtime::Runtime, bin: &Path, table: &mut Table) -> Result<()> {
    println!("webhooks: a burst of {EVENTS} deliveries (+20% duplicates), {SENDERS} senders…");
    let login = default_login(rt)?;
    let dir = tempfile::tempdir()?;
    let (_, key) = hh_store::EncryptionKey::generate();
    let server = Door::start(
        bin,
        true,
        &[
            ("HH_MCP_DATA_DIR", dir.path().display().to_string()),
            ("HH_MCP_ENCRYPTION_KEY", key.clone()),
        ],
    )?;
    let (latencies, stored, seen_before) = rt.block_on(async {
        sign_in(&server, &login)
            .await
            .context("signing in to the multi-user server")?;
        // hh.ru would know the subscription's URL; the bench takes a secret from the store.
        let key = hh_store::EncryptionKey::parse(&key).map_err(anyhow::Error::msg)?;
        let store = hh_store::Store::open(None, dir.path(), key).await?;
        let started = Instant::now();
        let account = loop {
            if let Some(a) = store.webhook_accounts().await?.first() {
                break a.clone();
            }
            if started.elapsed() > Duration::from_secs(30) {
                bail!("the server made no webhook subscription for the signed-in account");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let secret = store
            .new_webhook_secret(&account, &["NEW_RESPONSE_OR_INVITATION_VACANCY"])
            .await?;
        let vacancy = sandbox_vacancy(&login).await?;
        let mut bodies = Vec::with_capacity(EVENTS * 6 / 5);
        for i in 0..EVENTS {
            bodies.push(delivery(i, &vacancy));
            if i % 5 == 0 {
                bodies.push(delivery(i, &vacancy));
            }
        }
        let url = format!("{}/hh/webhook/{secret}", server.base);
        let http = reqwest::Client::new();
        let answers: Vec<Result<(u16, Duration)>> = stream::iter(bodies)
            .map(|body| {
                let (http, url) = (http.clone(), url.clone());
                async move {
                    let t = Instant::now();
                    let r = http.post(&url).body(body).send().await?;
                    let status = r.status().as_u16();
                    r.bytes().await?;
                    Ok((status, t.elapsed()))
                }
            })
            .buffer_unordered(SENDERS)
            .collect()
            .await;
        let (mut latencies, mut stored, mut seen_before) = (Vec::new(), 0, 0);
        for a in answers {
            let (status, took) = a?;
            match status {
                202 => stored += 1,
                409 => seen_before += 1,
                other => bail!("the receiver answered {other}"),
            }
            latencies.push(took);
        }
        anyhow::Ok((latencies, stored, seen_before))
    })?;
    drop(server);
    let max = latencies.iter().max().copied().unwrap_or_default();
    let p99 = percentile(&latencies, 99.0);
    table.info(
        format!("webhooks: {EVENTS} deliveries + 20% duplicates, {SENDERS} senders (SQLite)"),
        format!("{stored} × 202, {seen_before} × 409"),
    );
    table.check(
        "  time to acknowledge p50 / p99 / max",
        format!("{} / {} / {}", ms(median(&latencies)), ms(p99), ms(max)),
        "every one ≤ 2 s",
        max <= HH_LIMIT,
    );
    if stored != EVENTS || seen_before != EVENTS / 5 {
        bail!("expected {EVENTS} stored and {} seen before", EVENTS / 5);
    }
    Ok(())
}

/// A vacancy of the login's employer in the seed the server's sandbox has too.
async fn sandbox_vacancy(login: &str) -> Result<String> {
    let sandbox = hh_sandbox::Sandbox::start(hh_sandbox::SandboxConfig::default()).await?;
    let vacancy = sandbox
        .users()
        .into_iter()
        .find(|u| u.login == login)
        .and_then(|u| u.vacancy_ids.first().cloned())
        .context("the signed-in user has no vacancy");
    sandbox.shutdown().await;
    vacancy
}
