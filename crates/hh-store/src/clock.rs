//! Times in the store: unix seconds, the same on both engines.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A lifetime in whole seconds, rounded up so a short one is never zero by accident.
pub(crate) fn seconds(ttl: Duration) -> u64 {
    ttl.as_secs()
        .saturating_add(u64::from(ttl.subsec_nanos() > 0))
}

/// When something issued now with this lifetime expires: valid while `expires_at > now()`.
pub(crate) fn expires_at(ttl: Duration) -> i64 {
    now().saturating_add(i64::try_from(seconds(ttl)).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_round_up_to_whole_seconds() {
        assert_eq!(seconds(Duration::ZERO), 0);
        assert_eq!(seconds(Duration::from_millis(1)), 1);
        assert_eq!(seconds(Duration::from_secs(60)), 60);
        assert_eq!(seconds(Duration::from_millis(60_001)), 61);
        assert!(expires_at(Duration::MAX) > now());
    }
}
