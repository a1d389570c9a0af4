//! What every request shares: the world, the tokens, the faults in force, counters,
//! and the record of exchanges when recording is on.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use rand::rngs::StdRng;

use crate::faults::{self, Faults, Outage};
use crate::model::World;
use crate::tokens::Tokens;

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
}

impl Exchange {
    /// The body as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

pub struct Shared {
    pub base_url: String,
    pub seed: u64,
    world: Mutex<World>,
    tokens: Mutex<Tokens>,
    faults: RwLock<Faults>,
    /// Draws for faults, and how many 503s were given (every other one is not JSON).
    fault_draws: Mutex<(StdRng, u64)>,
    pub requests: AtomicU64,
    pub recording: bool,
    recorded: Mutex<Vec<Exchange>>,
}

pub type AppState = Arc<Shared>;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in one handler must not take the whole sandbox down with it.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    pub fn new(
        base_url: String,
        seed: u64,
        world: World,
        tokens: Tokens,
        faults: Faults,
        fault_rng: StdRng,
        recording: bool,
    ) -> Self {
        Shared {
            base_url,
            seed,
            world: Mutex::new(world),
            tokens: Mutex::new(tokens),
            faults: RwLock::new(faults),
            fault_draws: Mutex::new((fault_rng, 0)),
            requests: AtomicU64::new(0),
            recording,
            recorded: Mutex::new(Vec::new()),
        }
    }

    pub fn world(&self) -> MutexGuard<'_, World> {
        lock(&self.world)
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
        *self.faults.write().unwrap_or_else(|p| p.into_inner()) = faults;
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
