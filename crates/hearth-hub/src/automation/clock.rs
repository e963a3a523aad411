//! The rule runner's sense of time. Production reads the wall clock, a hub
//! running the simulated house at `--sim-speed` follows the simulator's faster
//! clock (so "for 10 minutes" means ten simulated minutes), and tests turn a
//! hand-set clock forward and watch what the runner does.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::watch;
use tokio::time::Instant;

/// The longest the runner sleeps on a real (or simulated) clock before it
/// looks at the time again: the wall clock may be stepped (NTP, a suspended
/// laptop), and a wake-up computed before the step would be wrong after it.
const LONGEST_NAP: Duration = Duration::from_secs(60);

/// Where the runner gets "now" from, and how it waits for a later instant.
#[derive(Debug, Clone)]
pub enum Clock {
    /// The wall clock.
    Real,
    /// A clock that started at `start` when the real clock's monotonic time
    /// was `origin`, running `speed` times faster than real time.
    Fast {
        origin: Instant,
        start: DateTime<Utc>,
        speed: f64,
    },
    /// Moves only when [`ManualClock::advance`] or [`ManualClock::set`] says.
    Manual(ManualClock),
}

impl Clock {
    /// A clock running `speed` times faster than real time from `start` on,
    /// as the simulator's does.
    pub fn fast(origin: Instant, start: DateTime<Utc>, speed: f64) -> Clock {
        // Written this way round so that NaN falls back to real time too.
        let speed = if speed > 0.0 { speed } else { 1.0 };
        Clock::Fast {
            origin,
            start,
            speed,
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::Real => Utc::now(),
            Clock::Fast {
                origin,
                start,
                speed,
            } => {
                let millis = (origin.elapsed().as_secs_f64() * speed * 1000.0).round() as i64;
                TimeDelta::try_milliseconds(millis)
                    .and_then(|delta| start.checked_add_signed(delta))
                    .unwrap_or(*start)
            }
            Clock::Manual(manual) => manual.now(),
        }
    }

    /// Completes at `at` or later; never, for `None`. On a real or fast clock
    /// it may complete early (after [`LONGEST_NAP`]), so callers check the
    /// time again rather than assume it has come.
    pub(crate) async fn sleep_until(&self, at: Option<DateTime<Utc>>) {
        let Some(at) = at else {
            return std::future::pending().await;
        };
        let speed = match self {
            Clock::Manual(manual) => return manual.reached(at).await,
            Clock::Real => 1.0,
            Clock::Fast { speed, .. } => *speed,
        };
        let Ok(ahead) = (at - self.now()).to_std() else {
            return;
        };
        if ahead.is_zero() {
            return;
        }
        let real = Duration::try_from_secs_f64(ahead.as_secs_f64() / speed).unwrap_or(LONGEST_NAP);
        tokio::time::sleep(real.min(LONGEST_NAP)).await;
    }
}

/// A clock for tests: it stands still until told to move.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<watch::Sender<DateTime<Utc>>>,
}

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> ManualClock {
        ManualClock {
            now: Arc::new(watch::Sender::new(start)),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        *self.now.borrow()
    }

    /// Moves the clock forward by `by`; a negative `by` is ignored, as time
    /// does not run backwards for the runner.
    pub fn advance(&self, by: TimeDelta) {
        let now = self.now();
        if let Some(later) = now.checked_add_signed(by) {
            self.set(later);
        }
    }

    /// Moves the clock to `at`, if that is later than now.
    pub fn set(&self, at: DateTime<Utc>) {
        self.now.send_if_modified(|now| {
            let later = at > *now;
            if later {
                *now = at;
            }
            later
        });
    }

    async fn reached(&self, at: DateTime<Utc>) {
        let mut now = self.now.subscribe();
        // The sender lives as long as this clock, so waiting cannot fail.
        let _ = now.wait_for(|now| *now >= at).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(second: i64) -> DateTime<Utc> {
        DateTime::UNIX_EPOCH + TimeDelta::seconds(second)
    }

    #[tokio::test]
    async fn a_manual_clock_wakes_sleepers_only_when_moved_past_their_instant() {
        let manual = ManualClock::new(at(0));
        let clock = Clock::Manual(manual.clone());
        let sleeper = tokio::spawn({
            let clock = clock.clone();
            async move { clock.sleep_until(Some(at(60))).await }
        });
        manual.advance(TimeDelta::seconds(59));
        // Backwards is ignored, both ways of asking.
        manual.set(at(10));
        manual.advance(TimeDelta::seconds(-100));
        tokio::task::yield_now().await;
        assert!(!sleeper.is_finished(), "woke at {}", clock.now());
        manual.advance(TimeDelta::seconds(1));
        tokio::time::timeout(Duration::from_secs(5), sleeper)
            .await
            .expect("woke at 60 s")
            .expect("did not panic");
        assert_eq!(clock.now(), at(60));
    }

    #[tokio::test(start_paused = true)]
    async fn a_fast_clock_runs_speed_times_faster_and_sleeps_that_much_less() {
        let clock = Clock::fast(Instant::now(), at(0), 60.0);
        tokio::time::advance(Duration::from_secs(2)).await;
        assert_eq!(clock.now(), at(120));
        let started = Instant::now();
        // Ten simulated minutes are ten real seconds at 60x.
        clock.sleep_until(Some(at(720))).await;
        assert_eq!(started.elapsed(), Duration::from_secs(10));
        assert_eq!(clock.now(), at(720));
        // An instant already past does not wait at all.
        let started = Instant::now();
        clock.sleep_until(Some(at(0))).await;
        assert_eq!(started.elapsed(), Duration::ZERO);
    }
}
