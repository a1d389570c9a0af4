//! What every request shares: the world, the tokens, how users sign in, the faults in
//! force, counters, and the record of exchanges when recording is on.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

use serde_json::value::RawValue;

use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::authorize::SignIn;
use crate::faults::{self, Faults, LostAnswer, Outage};
use crate::files::FileHostRequest;
use crate::model::World;
use crate::tokens::Tokens;
use crate::webhooks::Hub;

/// One request and the answer the sandbox gave, as recorded for tests.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// The spec's operationId that served it (`get_collection_negotiations` for a
    /// collection's list, which the spec reaches by url); `None` when no route matched
    /// or the request was refused before routing (user agent, injected outage).
    pub operation: Option<&'static str>,
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    /// What the client sent.
    pub request_body: Vec<u8>,
}

impl Exchange {
    /// The body as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// Where the sandbox listens: the API, and hh's file host for chat uploads.
#[derive(Debug, Clone)]
pub struct Origins {
    pub api: String,
    pub files: String,
}

pub struct Shared {
    pub base_url: String,
    /// The file host's origin (`http://127.0.0.1:PORT`), another port than the API's.
    pub file_host_url: String,
    pub seed: u64,
    world: RwLock<World>,
    /// Bumped whenever the world may change, so that what was rendered from an older
    /// world is known to be stale.
    world_generation: AtomicU64,
    /// Negotiations as a collection lists them, rendered once per world generation:
    /// hh's servers do this work on their own machines, the sandbox shares the client's.
    listed: Mutex<HashMap<String, (u64, Arc<RawValue>)>>,
    tokens: Mutex<Tokens>,
    /// The application users sign in for, at [`crate::authorize`].
    pub sign_in: SignIn,
    faults: RwLock<Faults>,
    /// Draws for faults, and how many 503s were given (every other one is not JSON).
    fault_draws: Mutex<(StdRng, u64)>,
    /// Chat sends whose answer is still to be lost (`Faults::lose_send_answers`).
    lost_sends_left: AtomicU32,
    file_requests: Mutex<Vec<FileHostRequest>>,
    pub requests: AtomicU64,
    in_flight: AtomicUsize,
    peak_in_flight: AtomicUsize,
    pub recording: bool,
    recorded: Mutex<Vec<Exchange>>,
    /// Webhook subscriptions and the events on their way (see [`crate::webhooks`]).
    pub webhooks: Arc<Hub>,
}

pub type AppState = Arc<Shared>;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in one handler must not take the whole sandbox down with it.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    // Each argument is one part of the sandbox, built by `Sandbox::start_on`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        origins: Origins,
        seed: u64,
        world: World,
        tokens: Tokens,
        sign_in: SignIn,
        faults: Faults,
        recording: bool,
        webhooks: Arc<Hub>,
    ) -> Self {
        // Its own stream, so that turning faults on changes no data and no token.
        let fault_rng = StdRng::seed_from_u64(seed ^ 0x6661_756c_7473);
        Shared {
            sign_in,
            base_url: origins.api,
            file_host_url: origins.files,
            lost_sends_left: AtomicU32::new(faults.lose_send_answers),
            file_requests: Mutex::new(Vec::new()),
            seed,
            world: RwLock::new(world),
            world_generation: AtomicU64::new(0),
            listed: Mutex::new(HashMap::new()),
            tokens: Mutex::new(tokens),
            faults: RwLock::new(faults),
            fault_draws: Mutex::new((fault_rng, 0)),
            requests: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            peak_in_flight: AtomicUsize::new(0),
            recording,
            recorded: Mutex::new(Vec::new()),
            webhooks,
        }
    }

    /// The world, to read; readers run side by side.
    pub fn world(&self) -> RwLockReadGuard<'_, World> {
        self.world.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The world, to change; everything rendered before is stale from here on.
    pub fn world_mut(&self) -> RwLockWriteGuard<'_, World> {
        let guard = self.world.write().unwrap_or_else(|p| p.into_inner());
        self.world_generation.fetch_add(1, Ordering::AcqRel);
        guard
    }

    /// A negotiation as listed to one manager (its read counters are theirs), from the
    /// cache when the world has not changed since it was rendered. Call with the world
    /// read-locked, so the generation cannot move.
    pub fn listed(
        &self,
        manager: usize,
        id: &str,
        render: impl FnOnce() -> serde_json::Value,
    ) -> Arc<RawValue> {
        let generation = self.world_generation.load(Ordering::Acquire);
        let key = format!("{manager}:{id}");
        if let Some((g, json)) = lock(&self.listed).get(&key)
            && *g == generation
        {
            return json.clone();
        }
        let text = serde_json::to_string(&render()).unwrap_or_else(|_| "null".into());
        let json: Arc<RawValue> = RawValue::from_string(text)
            .map(Arc::from)
            .unwrap_or_else(|_| Arc::from(RawValue::NULL.to_owned()));
        lock(&self.listed).insert(key, (generation, json.clone()));
        json
    }

    pub fn tokens(&self) -> MutexGuard<'_, Tokens> {
        lock(&self.tokens)
    }

    pub fn faults(&self) -> Faults {
        self.faults
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn set_faults(&self, faults: Faults) {
        self.lost_sends_left
            .store(faults.lose_send_answers, Ordering::Release);
        *self.faults.write().unwrap_or_else(|p| p.into_inner()) = faults;
    }

    /// Whether the answer to the chat send just stored is to be lost, and how; each
    /// call uses up one of `Faults::lose_send_answers`.
    pub fn lose_send_answer(&self) -> Option<LostAnswer> {
        let left = self
            .lost_sends_left
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1));
        left.is_ok().then(|| self.faults().lost_answer)
    }

    pub fn record_file_request(&self, method: &str, path: &str, headers: &axum::http::HeaderMap) {
        lock(&self.file_requests).push(FileHostRequest {
            method: method.to_string(),
            path: path.to_string(),
            authorization: headers
                .get(axum::http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
        });
    }

    pub fn file_requests(&self) -> Vec<FileHostRequest> {
        lock(&self.file_requests).clone()
    }

    pub fn draw_outage(&self, faults: &Faults) -> Option<Outage> {
        let mut draws = lock(&self.fault_draws);
        let (rng, unavailable) = &mut *draws;
        faults::outage(faults, rng, unavailable)
    }

    pub fn draw_malformed(&self, faults: &Faults) -> bool {
        faults::malformed(faults, &mut lock(&self.fault_draws).0)
    }

    /// Counts a request and gives its request id: 32 hex digits, unique per sandbox
    /// and reproducible from the seed, in the spirit of hh's.
    pub fn next_request(&self) -> (u64, String) {
        let n = self.requests.fetch_add(1, Ordering::Relaxed) + 1;
        let mix = |mut z: u64| {
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        let a = mix(self.seed ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        (n, format!("{:016x}{:016x}", 1_700_000_000_000u64 + n, a))
    }

    /// A request is being served until the returned guard drops.
    pub fn enter(&self) -> InFlight<'_> {
        let now = self.in_flight.fetch_add(1, Ordering::AcqRel) + 1;
        self.peak_in_flight.fetch_max(now, Ordering::AcqRel);
        InFlight(self)
    }

    /// The most requests served at once since the last reset.
    pub fn peak_in_flight(&self) -> usize {
        self.peak_in_flight.load(Ordering::Acquire)
    }

    pub fn reset_peak_in_flight(&self) {
        self.peak_in_flight
            .store(self.in_flight.load(Ordering::Acquire), Ordering::Release);
    }

    pub fn record(&self, exchange: Exchange) {
        if self.recording {
            lock(&self.recorded).push(exchange);
        }
    }

    pub fn recorded(&self) -> Vec<Exchange> {
        lock(&self.recorded).clone()
    }

    pub fn clear_recorded(&self) {
        lock(&self.recorded).clear();
    }

    /// A URL on this sandbox for an API path.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }
}

/// One request being served; see [`Shared::enter`].
pub struct InFlight<'a>(&'a Shared);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}
