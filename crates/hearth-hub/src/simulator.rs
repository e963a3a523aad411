//! The built-in adapter: a simulated house whose sensors report on a schedule and
//! whose devices obey commands, so the hub and the dashboard have something real
//! to show (and later rules something real to act on) without any hardware.

mod backfill;
mod house;
mod physics;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use hearth_core::DeviceId;
use hearth_core::protocol::DeviceSnapshot;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use crate::adapter::{self, AdapterCommand};
use crate::automation::Clock;
use crate::hub::Hub;
use house::{ADAPTER, House};

pub(crate) use backfill::backfill;

/// The fastest simulated clock accepted: a simulated year in about five real
/// minutes. Faster than that, sensors would report days apart.
pub const MAX_SPEED: f64 = 100_000.0;

/// How the simulator runs.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulatorConfig {
    /// How often each sensor reports, in real time.
    pub interval: Duration,
    /// How many times faster than real time the simulated clock runs.
    pub speed: f64,
    /// Seeds the weather, the fridge door and the comings and goings; random
    /// when not given.
    pub seed: Option<u64>,
    /// Days of 1-minute history to write before the hub starts, if the store
    /// holds none for that span yet; 0 for none.
    pub backfill_days: u32,
}

impl Default for SimulatorConfig {
    fn default() -> SimulatorConfig {
        SimulatorConfig {
            interval: Duration::from_secs(2),
            speed: 1.0,
            seed: None,
            backfill_days: 0,
        }
    }
}

impl SimulatorConfig {
    /// Explains what is wrong with a setting the simulator cannot run with.
    pub fn problem(&self) -> Option<String> {
        if self.interval.is_zero() {
            return Some("the sensor interval must be longer than zero".into());
        }
        if !(self.speed > 0.0 && self.speed <= MAX_SPEED) {
            return Some(format!(
                "the simulation speed must be above 0 and at most {MAX_SPEED}, not {}",
                self.speed
            ));
        }
        None
    }
}

/// Simulated time: starts at the real time and runs `speed` times faster.
#[derive(Debug, Clone, Copy)]
struct SimClock {
    real_start: Instant,
    sim_start: DateTime<Utc>,
    speed: f64,
}

impl SimClock {
    /// Starts now, or at `not_before` if that is later: simulated time never
    /// runs backwards, so after a fast run the next one carries on from the last
    /// reading instead of writing readings older than it.
    fn start(speed: f64, not_before: Option<DateTime<Utc>>) -> SimClock {
        let now = Utc::now().trunc_subsecs(3);
        SimClock {
            real_start: Instant::now(),
            sim_start: not_before.map_or(now, |at| at.max(now)),
            speed,
        }
    }

    fn now(&self) -> DateTime<Utc> {
        sim_time(self.sim_start, self.real_start.elapsed(), self.speed)
    }
}

/// The simulated instant after `elapsed` real time, to the millisecond (as
/// precise as a real sensor's timestamp, and exactly what the store keeps).
fn sim_time(start: DateTime<Utc>, elapsed: Duration, speed: f64) -> DateTime<Utc> {
    let millis = (elapsed.as_secs_f64() * speed * 1000.0).round() as i64;
    TimeDelta::try_milliseconds(millis)
        .and_then(|delta| start.checked_add_signed(delta))
        .unwrap_or(start)
}

/// The simulator adapter, ready to run.
#[derive(Debug)]
pub(crate) struct Simulator {
    house: House,
    commands: mpsc::Receiver<AdapterCommand>,
    clock: SimClock,
    interval: Duration,
    rng: SmallRng,
    seed: u64,
}

impl Simulator {
    /// Builds the house and registers its devices with `hub`, picking up any
    /// state the hub restored for them.
    pub(crate) fn new(hub: &Hub, config: &SimulatorConfig) -> Simulator {
        let mut house = House::new();
        let restored: Vec<DeviceSnapshot> = house
            .devices()
            .map(|(device, state)| hub.register_device(device.clone(), state.clone()))
            .collect();
        let last_reading = restored
            .iter()
            .flat_map(|device| &device.readings)
            .map(|reading| reading.at)
            .max();
        let clock = SimClock::start(config.speed, last_reading);
        house.restore(&restored, clock.now());
        let (sender, commands) = adapter::channel();
        hub.attach_adapter(ADAPTER, sender);
        let seed = config.seed.unwrap_or_else(seed_from_clock);
        Simulator {
            house,
            commands,
            clock,
            interval: config.interval,
            rng: SmallRng::seed_from_u64(seed),
            seed,
        }
    }

    /// The simulated clock, for the rule runner: in a rule, "for 10 minutes"
    /// means ten simulated minutes, and dusk comes at the simulated dusk.
    pub(crate) fn clock(&self) -> Clock {
        Clock::fast(
            self.clock.real_start,
            self.clock.sim_start,
            self.clock.speed,
        )
    }

    /// Reports readings and obeys commands until `shutdown` turns true (or its
    /// sender is dropped).
    pub(crate) async fn run(mut self, hub: Arc<Hub>, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(
            seed = self.seed,
            speed = self.clock.speed,
            interval_ms = self.interval.as_millis(),
            "simulator running"
        );
        let start = Instant::now();
        // Sensors start out of step with each other, as real ones are.
        let mut schedule: Vec<(Instant, DeviceId)> = self
            .house
            .sensors()
            .into_iter()
            .map(|id| {
                (
                    start + self.interval.mul_f64(self.rng.random_range(0.5..1.0)),
                    id,
                )
            })
            .collect();
        loop {
            let next_due = schedule.iter().map(|(due, _)| *due).min();
            tokio::select! {
                () = crate::stopping(&mut shutdown) => break,
                command = self.commands.recv() => match command {
                    Some(command) => self.obey(command),
                    // The hub is gone; so is anyone to report to.
                    None => break,
                },
                () = sleep_until(next_due) => self.report(&hub, &mut schedule).await,
            }
        }
        tracing::info!("simulator stopped");
    }

    fn obey(&mut self, request: AdapterCommand) {
        // Settle the physics under the old settings first, so the new ones take
        // effect from this instant.
        self.house.advance_to(self.clock.now(), &mut self.rng);
        let result = self.house.apply(&request.device, &request.command);
        tracing::debug!(device = %request.device, command = ?request.command, ?result, "obeyed");
        // The hub may have stopped waiting; the device changed all the same.
        let _ = request.reply.send(result);
    }

    async fn report(&mut self, hub: &Hub, schedule: &mut [(Instant, DeviceId)]) {
        let now = Instant::now();
        self.house.advance_to(self.clock.now(), &mut self.rng);
        for (due, id) in schedule.iter_mut().filter(|(due, _)| *due <= now) {
            for reading in self.house.readings(id, &mut self.rng) {
                // The hub logs any reading it refuses; the simulator carries on.
                let _ = hub.ingest_reading(reading).await;
            }
            // Keep each sensor's rhythm with a little drift; if the hub fell
            // behind, start afresh from now rather than catch up in a burst.
            let next = *due + self.interval.mul_f64(self.rng.random_range(0.9..1.1));
            *due = if next > now {
                next
            } else {
                now + self.interval
            };
        }
    }
}

async fn sleep_until(due: Option<Instant>) {
    match due {
        Some(due) => tokio::time::sleep_until(due).await,
        None => std::future::pending().await,
    }
}

/// A seed for when none was given. The simulator needs variety, not secrecy.
fn seed_from_clock() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn simulated_time_runs_speed_times_faster_to_the_millisecond() {
        let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let ms = |n| start + TimeDelta::milliseconds(n);
        let table = [
            (Duration::ZERO, 1.0, start),
            (Duration::from_secs(2), 1.0, ms(2_000)),
            (Duration::from_secs(2), 60.0, ms(120_000)),
            (Duration::from_micros(1_499), 1.0, ms(1)),
            (Duration::from_millis(10), 0.5, ms(5)),
            // Far beyond what chrono can represent: stays put rather than panic.
            (Duration::from_secs(u64::MAX / 4), MAX_SPEED, start),
        ];
        for (elapsed, speed, want) in table {
            assert_eq!(
                sim_time(start, elapsed, speed),
                want,
                "{elapsed:?} at {speed}x"
            );
        }
    }

    #[test]
    fn simulated_time_resumes_after_the_last_reading_never_before_it() {
        let tomorrow = Utc::now() + TimeDelta::days(1);
        let yesterday = Utc::now() - TimeDelta::days(1);
        assert!(SimClock::start(1.0, Some(tomorrow)).now() >= tomorrow);
        let resumed = SimClock::start(1.0, Some(yesterday)).now();
        assert!(resumed > yesterday + TimeDelta::hours(23), "{resumed}");
        assert!(SimClock::start(1.0, None).now() > yesterday);
    }

    #[test]
    fn settings_it_cannot_run_with_are_explained() {
        let config = |interval_ms, speed| SimulatorConfig {
            interval: Duration::from_millis(interval_ms),
            speed,
            seed: None,
            backfill_days: 0,
        };
        let table = [
            (config(2000, 1.0), false),
            (config(1, MAX_SPEED), false),
            (config(0, 1.0), true),
            (config(2000, 0.0), true),
            (config(2000, -1.0), true),
            (config(2000, f64::NAN), true),
            (config(2000, f64::INFINITY), true),
        ];
        for (config, bad) in table {
            assert_eq!(config.problem().is_some(), bad, "{config:?}");
        }
    }
}
