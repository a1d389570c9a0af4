//! How much one caller, and everyone together, may ask of the server: a token bucket per
//! API key (governor's GCRA, a token bucket without a timer), and a bound on the calls in
//! flight per key and overall. A refused request is answered at once (429 or 503 with
//! `Retry-After`), never queued: a queue would only hide the overload.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// What the operator allows (`HH_MCP_RATE_PER_SEC`, `HH_MCP_RATE_BURST`,
/// `HH_MCP_MAX_IN_FLIGHT_PER_KEY`, `HH_MCP_MAX_IN_FLIGHT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitSettings {
    pub rate_per_sec: u32,
    pub burst: u32,
    pub in_flight_per_key: usize,
    pub in_flight: usize,
}

impl Default for LimitSettings {
    /// An assistant working for one recruiter makes a few calls a second at most; the
    /// burst lets it page through a collection at once.
    fn default() -> Self {
        LimitSettings {
            rate_per_sec: 10,
            burst: 50,
            in_flight_per_key: 16,
            in_flight: 256,
        }
    }
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The key's bucket is empty: 429, retry after this long.
    RateLimited(Duration),
    /// The key has its most calls in flight: 429.
    KeyBusy,
    /// The server has its most calls in flight: 503.
    ServerBusy,
}

pub struct Limits {
    rate: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
    per_key_max: usize,
    per_key: std::sync::Mutex<HashMap<String, Arc<Semaphore>>>,
    overall: Arc<Semaphore>,
}

/// Held while a call runs; dropping it frees its places.
pub struct Admitted {
    _key: OwnedSemaphorePermit,
    _overall: OwnedSemaphorePermit,
}

impl Limits {
    pub fn new(s: LimitSettings) -> Limits {
        let rate = NonZeroU32::new(s.rate_per_sec).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(s.burst).unwrap_or(NonZeroU32::MIN);
        Limits {
            rate: RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst)),
            clock: DefaultClock::default(),
            per_key_max: s.in_flight_per_key.max(1),
            per_key: std::sync::Mutex::new(HashMap::new()),
            overall: Arc::new(Semaphore::new(s.in_flight.max(1))),
        }
    }

    /// Lets one call of this key in, or says why not.
    pub fn admit(&self, key_id: &str) -> Result<Admitted, Refusal> {
        let key = key_id.to_string();
        let per_key = {
            let mut map = self.per_key.lock().unwrap_or_else(|p| p.into_inner());
            // Only authenticated keys get here, so the map holds one entry per configured key.
            map.entry(key.clone())
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_key_max)))
                .clone()
        };
        // Places first, so a request refused for want of room does not spend a token.
        let key_permit = per_key.try_acquire_owned().map_err(|_| Refusal::KeyBusy)?;
        let overall = self
            .overall
            .clone()
            .try_acquire_owned()
            .map_err(|_| Refusal::ServerBusy)?;
        if let Err(not_until) = self.rate.check_key(&key) {
            return Err(Refusal::RateLimited(
                not_until.wait_time_from(self.clock.now()),
            ));
        }
        Ok(Admitted {
            _key: key_permit,
            _overall: overall,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_and_the_bounds_refuse_past_their_size() {
        let limits = Limits::new(LimitSettings {
            rate_per_sec: 1,
            burst: 3,
            in_flight_per_key: 2,
            in_flight: 3,
        });
        let a1 = limits.admit("a").unwrap();
        let a2 = limits.admit("a").unwrap();
        assert_eq!(limits.admit("a").err(), Some(Refusal::KeyBusy));
        drop((a1, a2));
        // The third call of "a" in the same second takes the last token; the fourth finds
        // the bucket empty.
        let a3 = limits.admit("a").unwrap();
        assert!(matches!(limits.admit("a"), Err(Refusal::RateLimited(d)) if d > Duration::ZERO));
        let _b = (limits.admit("b").unwrap(), limits.admit("b").unwrap());
        assert_eq!(limits.admit("c").err(), Some(Refusal::ServerBusy));
        drop(a3);
        assert!(limits.admit("c").is_ok());
    }
}
