//! Which requests may be repeated, and when.
//!
//! Only reads are retried: a GET (or HEAD) that met 429, 502, 503, 504, could not
//! connect, or whose answer was cut short (the transfer broke mid-body). A POST, PUT or
//! DELETE is never repeated automatically — an invitation or a message must not reach a
//! person twice because an answer got lost. A 429 that is hh's daily limit of resume
//! views is not repeated either: it lasts until tomorrow.

use std::time::{Duration, SystemTime};

use rand::Rng;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};

/// How hard to try a read before giving up.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; 1 turns retries off.
    pub max_attempts: u32,
    /// No retry starts once this much time has passed since the first attempt,
    /// and no wait goes past it.
    pub max_elapsed: Duration,
    /// The first backoff; it doubles each attempt, with jitter.
    pub base_delay: Duration,
    /// The longest single wait, whatever `Retry-After` says.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            max_elapsed: Duration::from_secs(30),
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// How long to wait before attempt number `attempt + 1` (attempts count from 1), or
    /// `None` when the policy says stop. `retry_after` is what the server asked for.
    pub fn delay(
        &self,
        attempt: u32,
        elapsed: Duration,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let wait = match retry_after {
            Some(asked) => asked,
            None => {
                let exp = self
                    .base_delay
                    .saturating_mul(1u32 << (attempt - 1).min(16))
                    .min(self.max_delay);
                // "Equal jitter": half fixed, half random, so many clients spread out.
                let half = exp / 2;
                half + rand::rng().random_range(Duration::ZERO..=half)
            }
        };
        if wait > self.max_delay || elapsed + wait > self.max_elapsed {
            return None;
        }
        Some(wait)
    }
}

/// Whether a request with this method may ever be sent again automatically.
pub fn is_repeatable(method: &Method) -> bool {
    method == Method::GET || method == Method::HEAD
}

/// The statuses after which a read is worth repeating.
pub fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

/// Whether a read's whole answer is a temporary failure worth asking again for.
pub fn is_worth_repeating(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> bool {
    if status == StatusCode::TOO_MANY_REQUESTS {
        let kind = crate::error::ApiError::from_parts(status, headers, body).kind();
        return kind != crate::error::ErrorKind::ResumeViewLimit;
    }
    if is_retryable_status(status) {
        return true;
    }
    status.is_success() && is_json(headers) && is_cut_short(body)
}

/// A JSON body that ends before its value does: a broken transfer, not a wrong shape
/// (which parses to its end and is not worth asking again for).
pub fn is_cut_short(body: &[u8]) -> bool {
    matches!(serde_json::from_slice::<serde::de::IgnoredAny>(body), Err(e) if e.is_eof())
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("json"))
}

/// `Retry-After` as a duration: delta-seconds or an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn only_reads_repeat() {
        assert!(is_repeatable(&Method::GET));
        for m in [Method::POST, Method::PUT, Method::DELETE, Method::PATCH] {
            assert!(!is_repeatable(&m), "{m}");
        }
    }

    #[test]
    fn retryable_statuses() {
        for s in [429, 502, 503, 504] {
            assert!(is_retryable_status(StatusCode::from_u16(s).unwrap()));
        }
        for s in [200, 400, 403, 404, 500] {
            assert!(!is_retryable_status(StatusCode::from_u16(s).unwrap()));
        }
    }

    #[test]
    fn a_cut_answer_is_repeated_a_misfit_is_not() {
        let mut json = HeaderMap::new();
        json.insert(
            reqwest::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        let ok = StatusCode::OK;
        assert!(is_worth_repeating(ok, &json, br#"{"items": [{"id": "1"#));
        assert!(is_worth_repeating(ok, &json, b""));
        assert!(!is_worth_repeating(ok, &json, br#"{"items": 5}"#));
        assert!(
            !is_worth_repeating(ok, &json, br#"{"items": [] x"#),
            "garbage, not a cut"
        );
        assert!(
            !is_worth_repeating(ok, &HeaderMap::new(), b"<html"),
            "not JSON"
        );
    }

    #[test]
    fn the_daily_resume_view_limit_is_not_repeated() {
        let many = StatusCode::TOO_MANY_REQUESTS;
        let limit = br#"{"errors": [{"type": "resumes", "value": "view_limit_exceeded"}]}"#;
        assert!(!is_worth_repeating(many, &HeaderMap::new(), limit));
        assert!(is_worth_repeating(many, &HeaderMap::new(), b""));
        let other = br#"{"errors": [{"type": "too_many_requests"}]}"#;
        assert!(is_worth_repeating(many, &HeaderMap::new(), other));
    }

    #[test]
    fn retry_after_seconds_and_date() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        let later = SystemTime::now() + Duration::from_secs(120);
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_str(&httpdate::fmt_http_date(later)).unwrap(),
        );
        let d = retry_after(&h).unwrap();
        assert!(
            d > Duration::from_secs(100) && d <= Duration::from_secs(120),
            "{d:?}"
        );
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn delay_is_bounded() {
        let p = RetryPolicy {
            max_attempts: 3,
            max_elapsed: Duration::from_secs(5),
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
        };
        let d1 = p.delay(1, Duration::ZERO, None).unwrap();
        assert!(d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100));
        let d2 = p.delay(2, Duration::ZERO, None).unwrap();
        assert!(d2 >= Duration::from_millis(100) && d2 <= Duration::from_millis(200));
        assert_eq!(p.delay(3, Duration::ZERO, None), None, "attempts used up");
        assert_eq!(
            p.delay(1, Duration::ZERO, Some(Duration::from_secs(1))),
            Some(Duration::from_secs(1)),
            "Retry-After is honoured"
        );
        assert_eq!(
            p.delay(1, Duration::ZERO, Some(Duration::from_secs(3))),
            None,
            "a wait longer than max_delay gives up rather than hang"
        );
        assert_eq!(
            p.delay(1, Duration::from_millis(4950), None),
            None,
            "the total budget is respected"
        );
    }
}
