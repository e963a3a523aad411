//! Reconnect delays: exponential backoff with full jitter, so a hub restart
//! does not meet every open dashboard reconnecting in the same instant.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Backoff {
    base_ms: f64,
    cap_ms: f64,
    attempt: u32,
}

impl Default for Backoff {
    /// 0.5 s doubling up to 15 s: quick after a blip, gentle on a hub that is down.
    fn default() -> Self {
        Backoff::new(500, 15_000)
    }
}

impl Backoff {
    pub(crate) fn new(base_ms: u32, cap_ms: u32) -> Self {
        Backoff {
            base_ms: f64::from(base_ms),
            cap_ms: f64::from(cap_ms),
            attempt: 0,
        }
    }

    /// The delay before the next attempt, and counts that attempt. `random` is a
    /// uniform draw from `[0, 1)` (passed in so the maths is testable); the delay
    /// is that fraction of `min(cap, base · 2^attempt)`.
    pub(crate) fn next_delay(&mut self, random: f64) -> Duration {
        // Past 2^30 the ceiling is the cap anyway; the bound keeps powi finite.
        let ceiling = (self.base_ms * 2f64.powi(self.attempt.min(30) as i32)).min(self.cap_ms);
        self.attempt = self.attempt.saturating_add(1);
        Duration::from_millis((ceiling * random.clamp(0.0, 1.0)) as u64)
    }

    /// How many attempts have been scheduled since the last reset.
    pub(crate) fn attempt(&self) -> u32 {
        self.attempt
    }

    /// Called after the hub greets us: the next failure starts small again.
    pub(crate) fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn ceilings_double_up_to_the_cap() {
        let mut backoff = Backoff::default();
        // With random just under 1 the delay is (almost) the ceiling itself.
        let ceilings: Vec<u64> = (0..8)
            .map(|_| backoff.next_delay(0.999_999).as_millis() as u64)
            .collect();
        assert_eq!(
            ceilings,
            [499, 999, 1_999, 3_999, 7_999, 14_999, 14_999, 14_999]
        );
        assert_eq!(backoff.attempt(), 8);
    }

    #[wasm_bindgen_test]
    fn jitter_spans_zero_to_the_ceiling() {
        let table = [(0.0, 0), (0.5, 1_000), (0.25, 500), (-1.0, 0), (7.0, 2_000)];
        for (random, want) in table {
            let mut backoff = Backoff::default();
            backoff.next_delay(0.0);
            backoff.next_delay(0.0);
            assert_eq!(
                backoff.next_delay(random),
                Duration::from_millis(want),
                "random {random}"
            );
        }
    }

    #[wasm_bindgen_test]
    fn reset_starts_small_again() {
        let mut backoff = Backoff::default();
        for _ in 0..40 {
            backoff.next_delay(1.0);
        }
        assert_eq!(backoff.next_delay(1.0), Duration::from_millis(15_000));
        backoff.reset();
        assert_eq!(backoff.attempt(), 0);
        assert_eq!(backoff.next_delay(1.0), Duration::from_millis(500));
    }
}
