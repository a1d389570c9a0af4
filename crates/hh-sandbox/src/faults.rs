//! Failures on purpose, to test that clients survive hh's bad days: slow answers,
//! rate limits, outages, captchas and broken bodies. All off by default.
//!
//! Rates are probabilities drawn from an RNG seeded with the sandbox's seed, so a
//! sequential client sees the same pattern on every run; a rate of 1.0 always fires.

use std::time::Duration;

use rand::Rng;
use rand::rngs::StdRng;

/// What to inject. `Faults::default()` injects nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct Faults {
    /// Added before every answer.
    pub latency: Duration,
    /// Share of requests answered 429 `too_many_requests` with `Retry-After`.
    pub rate_429: f64,
    /// The `Retry-After` of those answers, in seconds.
    pub retry_after_secs: u64,
    /// Share of requests answered 503 (every other one without a JSON body, as hh warns).
    pub rate_503: f64,
    /// Answer actions, invitations, moves and sent messages with 403 `captcha_required`.
    pub captcha_on_actions: bool,
    /// Share of successful JSON answers cut short, so they are not valid JSON.
    pub malformed_rate: f64,
    /// The next this many chat messages sent (`POST /common/chats/{id}/messages`) are
    /// stored, and then their answer is lost, as `lost_answer` says: what a client sees
    /// when the network fails after hh has done the work.
    pub lose_send_answers: u32,
    pub lost_answer: LostAnswer,
    /// The employer has bought none of hh's paid API access: the paid methods (resume
    /// search, a resume's negotiation history, applicant comments) answer 403 `api_access_payment` / `action_must_be_payed`.
    pub no_paid_access: bool,
}

/// How the answer to a stored chat message is lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LostAnswer {
    /// The connection is closed without a byte of the answer.
    #[default]
    Dropped,
    /// hh's proxy answers 504 Gateway Time-out (HTML) although the message was stored.
    GatewayTimeout,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            latency: Duration::ZERO,
            rate_429: 0.0,
            retry_after_secs: 1,
            rate_503: 0.0,
            captcha_on_actions: false,
            malformed_rate: 0.0,
            lose_send_answers: 0,
            lost_answer: LostAnswer::Dropped,
            no_paid_access: false,
        }
    }
}

/// A failure chosen for one request before it is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outage {
    TooManyRequests { retry_after: u64 },
    Unavailable { with_json: bool },
}

/// Draws whether this request fails before it is handled.
pub fn outage(faults: &Faults, rng: &mut StdRng, unavailable_so_far: &mut u64) -> Option<Outage> {
    if hit(faults.rate_429, rng) {
        return Some(Outage::TooManyRequests {
            retry_after: faults.retry_after_secs,
        });
    }
    if hit(faults.rate_503, rng) {
        *unavailable_so_far += 1;
        return Some(Outage::Unavailable {
            with_json: *unavailable_so_far % 2 == 1,
        });
    }
    None
}

/// Draws whether this successful body is broken.
pub fn malformed(faults: &Faults, rng: &mut StdRng) -> bool {
    hit(faults.malformed_rate, rng)
}

fn hit(rate: f64, rng: &mut StdRng) -> bool {
    if rate <= 0.0 {
        false
    } else if rate >= 1.0 {
        true
    } else {
        rng.random_bool(rate)
    }
}

/// A JSON body cut off about halfway, at a character boundary: what a dropped
/// connection or a broken proxy leaves.
pub fn truncate(body: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(body);
    let mut cut = text.len() / 2;
    while cut > 0 && !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut out = text[..cut].as_bytes().to_vec();
    if out.is_empty() {
        out.push(b'{');
    }
    out
}

/// What hh's proxy answers when hh did not answer it in time.
pub const GATEWAY_TIMEOUT_HTML: &str = "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n<center><h1>504 Gateway Time-out</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// What a proxy in front of hh answers when hh is down: HTML, not JSON.
pub const UNAVAILABLE_HTML: &str = "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn off_by_default_and_always_at_rate_one() {
        let mut rng = StdRng::seed_from_u64(1);
        let mut n = 0;
        let off = Faults::default();
        assert!((0..1000).all(|_| outage(&off, &mut rng, &mut n).is_none()));
        let on = Faults {
            rate_503: 1.0,
            ..Faults::default()
        };
        let got: Vec<_> = (0..4).map(|_| outage(&on, &mut rng, &mut n)).collect();
        assert_eq!(
            got,
            vec![
                Some(Outage::Unavailable { with_json: true }),
                Some(Outage::Unavailable { with_json: false }),
                Some(Outage::Unavailable { with_json: true }),
                Some(Outage::Unavailable { with_json: false }),
            ]
        );
    }

    #[test]
    fn rates_are_roughly_kept_and_repeatable() {
        let f = Faults {
            rate_429: 0.3,
            ..Faults::default()
        };
        let draw = || {
            let mut rng = StdRng::seed_from_u64(42);
            let mut n = 0;
            (0..1000)
                .map(|_| outage(&f, &mut rng, &mut n).is_some())
                .collect::<Vec<_>>()
        };
        let a = draw();
        assert_eq!(a, draw());
        let hits = a.iter().filter(|h| **h).count();
        assert!((220..380).contains(&hits), "{hits}");
    }

    #[test]
    fn truncated_json_does_not_parse() {
        let body =
            serde_json::to_vec(&serde_json::json!({"name": "Тестировщик", "items": [1, 2, 3]}))
                .unwrap();
        let cut = truncate(&body);
        assert!(cut.len() < body.len());
        assert!(serde_json::from_slice::<serde_json::Value>(&cut).is_err());
    }
}
