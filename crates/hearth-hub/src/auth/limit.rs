//! Sign-in attempts slowed down by name and by address: a few wrong
//! passwords are free, then each further one doubles the wait before the next
//! try, up to [`LONGEST_WAIT`]. A right password clears its name and address.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Wrong passwords allowed before any wait.
const FREE_FAILURES: u32 = 5;

const LONGEST_WAIT: Duration = Duration::from_secs(15 * 60);

/// Above this many remembered keys, ones no longer waiting are forgotten, so
/// that a stream of made-up names cannot grow the map without end.
const KEPT: usize = 10_000;

#[derive(Debug, Default)]
pub(crate) struct Limiter {
    keys: HashMap<String, Entry>,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    until: Option<Instant>,
}

impl Limiter {
    /// How long any of `keys` must still wait at `now`, if at all.
    pub(crate) fn wait(&self, keys: &[String], now: Instant) -> Option<Duration> {
        keys.iter()
            .filter_map(|key| self.keys.get(key)?.until)
            .filter(|until| *until > now)
            .map(|until| until - now)
            .max()
    }

    pub(crate) fn failed(&mut self, keys: &[String], now: Instant) {
        if self.keys.len() > KEPT {
            self.keys
                .retain(|_, entry| entry.until.is_some_and(|until| until > now));
        }
        for key in keys {
            let entry = self.keys.entry(key.clone()).or_insert(Entry {
                failures: 0,
                until: None,
            });
            entry.failures = entry.failures.saturating_add(1);
            if let Some(over) = entry.failures.checked_sub(FREE_FAILURES) {
                let wait = Duration::from_secs(1u64 << over.min(20)).min(LONGEST_WAIT);
                entry.until = Some(now + wait);
            }
        }
    }

    pub(crate) fn succeeded(&mut self, keys: &[String]) {
        for key in keys {
            self.keys.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_start_after_the_free_failures_and_double() {
        let mut limiter = Limiter::default();
        let keys = ["user:ann".to_owned(), "ip:10.0.0.2".to_owned()];
        let now = Instant::now();
        let mut waits = Vec::new();
        for _ in 0..8 {
            limiter.failed(&keys, now);
            waits.push(limiter.wait(&keys, now).map(|wait| wait.as_secs()));
        }
        let want = [None, None, None, None, Some(1), Some(2), Some(4), Some(8)];
        assert_eq!(waits, want);
        // Another address trying the same name waits as long.
        assert_eq!(
            limiter
                .wait(&["user:ann".to_owned()], now)
                .map(|w| w.as_secs()),
            Some(8)
        );
        assert_eq!(limiter.wait(&keys, now + Duration::from_secs(9)), None);
        limiter.succeeded(&keys);
        limiter.failed(&keys, now);
        assert_eq!(limiter.wait(&keys, now), None, "cleared by a success");
    }
}
