//! The sandbox's webhook hub: the users' subscriptions, the queue of events to send, and
//! the one background task that sends them.
//!
//! Handlers publish a change while they hold the world; the hub turns it into events for
//! the subscriptions that want them, draws the faults for each (in the order events are
//! made, so the same run gets the same faults), and queues them. The task takes the
//! event that is due first, POSTs it and waits for the answer: a 2xx or a 409 ends it,
//! anything else (or no answer) puts it back for later, with a wait that doubles. Sends
//! go one at a time, so with no faults the receiver sees events in the order they
//! happened. Events of a subscription that is gone by the time they are due are dropped.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use tokio::sync::{Notify, watch};
use tokio::time::Instant;

use super::events::{self, Change};
use super::subscriptions::Requested;
use super::{ActionType, WebhookAction, WebhookConfig, WebhookDelivery, WebhookSubscription};
use crate::model::World;

/// How long an out-of-order event waits for an event to follow it, at most.
const MAX_HOLD: Duration = Duration::from_secs(1);

/// A subscription and whose it is.
#[derive(Debug, Clone)]
struct Subscription {
    /// Index into `World::users`.
    user: usize,
    public: WebhookSubscription,
}

impl Subscription {
    /// Whether the subscription wants this event: its type is listed, and, with
    /// `vacancies_only_mine`, the vacancy is the user's own.
    fn wants(&self, event: &events::Event) -> bool {
        self.user == event.user
            && self.public.actions.iter().any(|a| {
                a.action_type == event.action_type
                    && (a.vacancies_only_mine != Some(true) || event.own_vacancy)
            })
    }
}

/// One copy of an event on its way.
#[derive(Debug, Clone)]
struct Job {
    event_id: String,
    action_type: ActionType,
    subscription_id: String,
    body: Arc<Value>,
    /// When it may be sent next.
    due: Instant,
    /// The attempt it is on, from 1.
    attempt: u32,
    /// Send a second copy once this one is taken (the duplicate fault).
    send_twice: bool,
    duplicate: bool,
}

struct Inner {
    subscriptions: Vec<Subscription>,
    /// Waiting to be sent, in the order they were queued (the task picks the one due
    /// first; ties go to the earlier).
    queue: VecDeque<Job>,
    /// An out-of-order event waiting for the next one to go ahead of it, since when.
    held: Option<(Job, Instant)>,
    /// Jobs being sent now (0 or 1).
    sending: usize,
    deliveries: Vec<WebhookDelivery>,
    /// Fault draws, seeded by the sandbox's seed.
    rng: StdRng,
}

impl Inner {
    fn outstanding(&self) -> usize {
        self.queue.len() + usize::from(self.held.is_some()) + self.sending
    }
}

pub struct Hub {
    config: WebhookConfig,
    http: reqwest::Client,
    inner: Mutex<Inner>,
    /// Wakes the task: something was queued or released.
    wake: Notify,
    /// How many events are queued, held or being sent; 0 is what a flush waits for.
    outstanding: watch::Sender<usize>,
}

fn lock(m: &Mutex<Inner>) -> MutexGuard<'_, Inner> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A subscription id in the shape of hh's (`q1ww2e2r4ty`): 11 lower-case letters and
/// digits, different in every sandbox.
fn new_subscription_id() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..11)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// An event id: 32 hex digits, unique across sandboxes (a receiver that keeps ids to
/// spot duplicates must not take another sandbox's event for one).
fn new_event_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// TLS with the ring provider carried in the config, not installed for the process (the
/// sandbox lives inside other programs' tests); certificates checked by the platform.
fn tls_config() -> Result<rustls::ClientConfig, String> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let fail = |e: rustls::Error| format!("could not set up TLS for webhooks: {e}");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(fail)?
        .with_platform_verifier()
        .map_err(fail)?
        .with_no_client_auth();
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tls)
}

impl Hub {
    pub fn new(seed: u64, config: WebhookConfig) -> Result<Hub, String> {
        config.check()?;
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config()?)
            .timeout(config.timeout)
            // A receiver's redirect is an unexpected answer, not a new address; and
            // loopback must not go through a proxy from the environment.
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent("hh-sandbox webhooks")
            .build()
            .map_err(|e| format!("could not set up HTTP for webhooks: {e}"))?;
        Ok(Hub {
            config,
            http,
            inner: Mutex::new(Inner {
                subscriptions: Vec::new(),
                queue: VecDeque::new(),
                held: None,
                sending: 0,
                deliveries: Vec::new(),
                rng: StdRng::seed_from_u64(seed ^ 0x7765_6268_6f6f_6b73),
            }),
            wake: Notify::new(),
            outstanding: watch::Sender::new(0),
        })
    }

    pub fn allow_any_host(&self) -> bool {
        self.config.allow_any_host
    }

    // ---- subscriptions ----

    /// The user's subscription (there is at most one).
    pub fn subscription_of(&self, user: usize) -> Option<WebhookSubscription> {
        lock(&self.inner)
            .subscriptions
            .iter()
            .find(|s| s.user == user)
            .map(|s| s.public.clone())
    }

    /// Subscribes the user; `None` when they already have a subscription.
    pub fn subscribe(
        &self,
        user: usize,
        url: String,
        actions: Vec<WebhookAction>,
    ) -> Option<String> {
        let mut inner = lock(&self.inner);
        if inner.subscriptions.iter().any(|s| s.user == user) {
            return None;
        }
        let id = loop {
            let id = new_subscription_id();
            if !inner.subscriptions.iter().any(|s| s.public.id == id) {
                break id;
            }
        };
        inner.subscriptions.push(Subscription {
            user,
            public: WebhookSubscription {
                id: id.clone(),
                url,
                actions,
            },
        });
        Some(id)
    }

    /// Replaces the url and/or the actions of the user's subscription `id`; false when
    /// the user has no such subscription.
    pub fn update(&self, user: usize, id: &str, requested: Requested) -> bool {
        let mut inner = lock(&self.inner);
        let Some(s) = inner
            .subscriptions
            .iter_mut()
            .find(|s| s.user == user && s.public.id == id)
        else {
            return false;
        };
        if let Some(url) = requested.url {
            s.public.url = url;
        }
        if let Some(actions) = requested.actions {
            s.public.actions = actions;
        }
        true
    }

    /// Deletes the user's subscription `id`; false when the user has no such one. Its
    /// events not sent yet are dropped when they come due.
    pub fn cancel(&self, user: usize, id: &str) -> bool {
        let mut inner = lock(&self.inner);
        let before = inner.subscriptions.len();
        inner
            .subscriptions
            .retain(|s| !(s.user == user && s.public.id == id));
        inner.subscriptions.len() != before
    }

    // ---- events ----

    /// Queues the events a change makes for the subscriptions that want them. Call it
    /// with the world as the change left it (handlers still hold it).
    pub fn publish(&self, world: &World, change: Change<'_>) {
        let made = events::of(world, change);
        if made.is_empty() {
            return;
        }
        let mut inner = lock(&self.inner);
        let mut queued = false;
        for event in made {
            let Some(s) = inner.subscriptions.iter().find(|s| s.wants(&event)) else {
                continue;
            };
            let subscription_id = s.public.id.clone();
            let event_id = new_event_id();
            let body = json!({
                "id": event_id,
                "subscription_id": subscription_id,
                "action_type": event.action_type.as_str(),
                "user_id": world.users[event.user].user_id,
                "payload": event.payload,
            });
            let faults = &self.config.faults;
            let rng = &mut inner.rng;
            let delay = draw_delay(rng, faults.delay.start(), faults.delay.end());
            let send_twice = hit(rng, faults.duplicate_rate);
            let out_of_order = hit(rng, faults.out_of_order_rate);
            let job = Job {
                event_id,
                action_type: event.action_type,
                subscription_id,
                body: Arc::new(body),
                due: Instant::now() + delay,
                attempt: 1,
                send_twice,
                duplicate: false,
            };
            tracing::debug!(event = %job.event_id, action = %job.action_type, "webhook event queued");
            // An event that follows a held one goes first; the held one right after it.
            match inner.held.take() {
                Some((held, _)) => {
                    let due = job.due;
                    inner.queue.push_back(job);
                    inner.queue.push_back(Job { due, ..held });
                }
                None if out_of_order => inner.held = Some((job, Instant::now())),
                None => inner.queue.push_back(job),
            }
            queued = true;
        }
        if queued {
            self.outstanding.send_replace(inner.outstanding());
            drop(inner);
            self.wake.notify_one();
        }
    }

    /// Every attempt made so far, in order.
    pub fn deliveries(&self) -> Vec<WebhookDelivery> {
        lock(&self.inner).deliveries.clone()
    }

    /// Waits until every event queued so far has been delivered, refused for good or
    /// dropped: a held out-of-order event is let go at once.
    pub async fn flush(&self) {
        {
            let mut inner = lock(&self.inner);
            if let Some((held, _)) = inner.held.take() {
                inner.queue.push_back(held);
            }
        }
        self.wake.notify_one();
        let mut outstanding = self.outstanding.subscribe();
        // The sender lives as long as the hub, which outlives this borrow.
        let _ = outstanding.wait_for(|n| *n == 0).await;
    }

    // ---- the task ----

    /// The delivery task: runs until aborted (the sandbox stops it).
    pub async fn run(self: Arc<Self>) {
        loop {
            match self.next_due() {
                Next::Send(job) => self.send(job).await,
                Next::Wait(until) => {
                    tokio::select! {
                        _ = tokio::time::sleep_until(until) => {}
                        _ = self.wake.notified() => {}
                    }
                }
                Next::Idle => self.wake.notified().await,
            }
        }
    }

    fn next_due(&self) -> Next {
        let mut inner = lock(&self.inner);
        let now = Instant::now();
        if let Some((_, since)) = &inner.held
            && now >= *since + MAX_HOLD
        {
            let (held, _) = inner.held.take().expect("checked above");
            inner.queue.push_back(held);
        }
        let first = inner
            .queue
            .iter()
            .enumerate()
            .min_by_key(|(i, j)| (j.due, *i))
            .map(|(i, j)| (i, j.due));
        match first {
            Some((i, due)) if due <= now => {
                let job = inner.queue.remove(i).expect("index from the queue");
                inner.sending += 1;
                Next::Send(job)
            }
            Some((_, due)) => Next::Wait(match &inner.held {
                Some((_, since)) => due.min(*since + MAX_HOLD),
                None => due,
            }),
            None => match &inner.held {
                Some((_, since)) => Next::Wait(*since + MAX_HOLD),
                None => Next::Idle,
            },
        }
    }

    async fn send(&self, job: Job) {
        let url = lock(&self.inner)
            .subscriptions
            .iter()
            .find(|s| s.public.id == job.subscription_id)
            .map(|s| s.public.url.clone());
        let Some(url) = url else {
            tracing::debug!(event = %job.event_id, "webhook event dropped: its subscription is gone");
            self.done(None, None);
            return;
        };
        let answer = match self.http.post(&url).json(&*job.body).send().await {
            Ok(response) => Ok(response.status().as_u16()),
            // reqwest's error names the URL, which may carry the receiver's secret.
            Err(e) => Err(e.without_url().to_string()),
        };
        let taken = matches!(answer, Ok(s) if (200..300).contains(&s) || s == 409);
        // The URL is not logged: a receiver's path may be its secret.
        tracing::debug!(event = %job.event_id, attempt = job.attempt, answer = ?answer, "webhook delivered");
        let delivery = WebhookDelivery {
            event_id: job.event_id.clone(),
            action_type: job.action_type,
            subscription_id: job.subscription_id.clone(),
            url,
            attempt: job.attempt,
            duplicate: job.duplicate,
            body: (*job.body).clone(),
            answer: answer.clone(),
        };
        let now = Instant::now();
        let next = if taken {
            // The duplicate fault: the same event again, as if the answer had been lost.
            match job.send_twice {
                true => Some(Job {
                    attempt: 1,
                    send_twice: false,
                    duplicate: true,
                    due: now,
                    ..job
                }),
                false => None,
            }
        } else if job.attempt < self.config.max_attempts {
            let wait = self.config.retry_backoff * 2u32.saturating_pow(job.attempt - 1);
            Some(Job {
                attempt: job.attempt + 1,
                due: now + wait,
                ..job
            })
        } else {
            tracing::warn!(event = %job.event_id, attempts = job.attempt, answer = ?answer, "webhook given up");
            None
        };
        self.done(Some(delivery), next);
    }

    /// A send is over: record it, queue what follows, and say how much is left.
    fn done(&self, delivery: Option<WebhookDelivery>, next: Option<Job>) {
        let mut inner = lock(&self.inner);
        inner.sending -= 1;
        inner.deliveries.extend(delivery);
        inner.queue.extend(next);
        self.outstanding.send_replace(inner.outstanding());
    }
}

enum Next {
    Send(Job),
    Wait(Instant),
    Idle,
}

fn hit(rng: &mut StdRng, rate: f64) -> bool {
    rate > 0.0 && (rate >= 1.0 || rng.random_bool(rate))
}

fn draw_delay(rng: &mut StdRng, from: &Duration, to: &Duration) -> Duration {
    if from == to {
        *from
    } else {
        let nanos = |d: &Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rng.random_range(nanos(from)..=nanos(to)))
    }
}
