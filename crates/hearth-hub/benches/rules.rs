//! Automation figures for docs/PERFORMANCE.md: with 10,000 rules loaded,
//! the latency from publishing a reading that makes exactly one rule fire
//! until the device's state change comes back from the adapter, through the
//! whole hub (store, runner, engine, command path); and the pure cost of
//! evaluating every rule against one event. A plain `Instant` harness that
//! prints what it measures.

#[path = "support/quiet_house.rs"]
mod quiet_house;

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{NaiveTime, Utc};
use chrono_tz::Europe::London;
use hearth_core::rules::{
    self, Action, Condition, Crossing, Event, Mode, Rule, RuleMemory, Span, Trigger, World,
};
use hearth_core::sun::{SunEvent, Twilight};
use hearth_core::{Command, DeviceId, Metric, Reading, Site};
use hearth_hub::{HubEvent, Server};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use quiet_house::config;

const RULES: usize = 10_000;
/// Timed firings through the hub.
const EVENTS: usize = 1_000;
/// Timed evaluations of every rule, in the pure run.
const PURE_EVENTS: usize = 200;

/// The simulated house's sensor series the rules watch.
const SERIES: [(&str, Metric); 7] = [
    ("outdoor-thermometer", Metric::Temperature),
    ("outdoor-thermometer", Metric::Humidity),
    ("living-room-thermometer", Metric::Temperature),
    ("living-room-thermometer", Metric::Humidity),
    ("bedroom-thermometer", Metric::Temperature),
    ("kitchen-thermometer", Metric::Temperature),
    ("fridge", Metric::Temperature),
];

/// The devices the background rules switch; the timed rule switches the
/// porch light, which nothing else touches.
const SWITCHED: [&str; 4] = [
    "living-room-light",
    "bedroom-light",
    "bedroom-fan",
    "bedroom-heater",
];

/// The one series the timed rule watches: nothing else reads it.
const TIMED: (&str, Metric) = ("bedroom-thermometer", Metric::Humidity);

fn id(text: &str) -> DeviceId {
    DeviceId::new(text)
}

/// Rule `n` of the background mix, none of which fires during the run:
/// numeric triggers with holds and hysteresis on thresholds the readings
/// never reach, sun and time triggers, and time-window, weekday and numeric
/// conditions.
fn background(n: usize) -> Rule {
    let (device, metric) = SERIES[n % SERIES.len()];
    let minutes = (n % 50) as i64;
    let trigger = match n % 5 {
        0..=2 => Trigger::Numeric {
            device: id(device),
            metric,
            crossing: Crossing::Above,
            threshold: 90.0 + (n % 9) as f64,
            hysteresis: 1.0,
            hold: n.is_multiple_of(2).then_some(Span::minutes(1 + minutes)),
        },
        3 => Trigger::Sun {
            event: if n.is_multiple_of(2) {
                SunEvent::Sunset
            } else {
                SunEvent::Dusk(Twilight::Civil)
            },
            offset: Span::minutes(minutes - 25),
        },
        _ => Trigger::Time {
            at: NaiveTime::from_hms_opt((n % 24) as u32, (n % 60) as u32, 0).unwrap_or_default(),
            weekdays: Vec::new(),
        },
    };
    let conditions = match n % 3 {
        0 => vec![Condition::Time {
            after: NaiveTime::from_hms_opt(6, 0, 0),
            before: NaiveTime::from_hms_opt(23, 0, 0),
        }],
        1 => vec![Condition::Numeric {
            device: id("outdoor-thermometer"),
            metric: Metric::Temperature,
            above: Some(-40.0),
            below: None,
        }],
        _ => Vec::new(),
    };
    let action = if matches!(trigger, Trigger::Numeric { .. }) {
        Action::Command {
            device: id(SWITCHED[n % SWITCHED.len()]),
            command: Command::TurnOn,
            min_cycle: None,
        }
    } else {
        // Clock-driven rules may come due while the benchmark runs; they
        // notify rather than switch, so they never touch a timed device.
        Action::Notify {
            message: format!("rule {n}"),
            level: hearth_core::rules::NotifyLevel::Info,
        }
    };
    Rule {
        id: format!("background-{n}"),
        name: format!("Background {n}"),
        enabled: true,
        mode: Mode::Single,
        max: None,
        triggers: vec![trigger],
        conditions,
        actions: vec![action],
    }
}

/// The timed rule: the porch light toggles each time the bedroom's humidity
/// goes above 70 %.
fn timed() -> Rule {
    Rule {
        id: "timed".into(),
        name: "Timed".into(),
        enabled: true,
        mode: Mode::Single,
        max: None,
        triggers: vec![Trigger::Numeric {
            device: id(TIMED.0),
            metric: TIMED.1,
            crossing: Crossing::Above,
            threshold: 70.0,
            hysteresis: 0.0,
            hold: None,
        }],
        conditions: Vec::new(),
        actions: vec![Action::Command {
            device: id("porch-light"),
            command: Command::Toggle,
            min_cycle: None,
        }],
    }
}

fn reading((device, metric): (&str, Metric), value: f64) -> Reading {
    Reading::new(id(device), metric, value, Utc::now())
}

/// The `q` quantile of sorted `samples`, in milliseconds.
fn quantile(samples: &[Duration], q: f64) -> f64 {
    let index = ((samples.len() as f64 - 1.0) * q).round() as usize;
    samples[index].as_secs_f64() * 1000.0
}

fn report(what: &str, samples: &mut [Duration]) {
    samples.sort();
    println!(
        "{what}: p50 {:.3} ms, p95 {:.3} ms, p99 {:.3} ms, max {:.3} ms ({} samples)",
        quantile(samples, 0.50),
        quantile(samples, 0.95),
        quantile(samples, 0.99),
        quantile(samples, 1.0),
        samples.len()
    );
}

async fn through_the_hub() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let server = Server::open(config(dir.path(), 0)).expect("the hub opens");
    let hub = server.hub();
    let automations = server.automations();
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let (stop, stopped) = oneshot::channel::<()>();
    let serving = tokio::spawn(server.serve(listener, async {
        let _ = stopped.await;
    }));

    let began = Instant::now();
    for n in 0..RULES - 1 {
        automations.add(background(n)).await.expect("a valid rule");
    }
    automations.add(timed()).await.expect("a valid rule");
    println!(
        "loading {RULES} rules: {:.1} s",
        began.elapsed().as_secs_f64()
    );
    // Every watched series starts at an ordinary value, so the numeric
    // triggers are armed.
    for series in SERIES.iter().copied().chain([TIMED]) {
        hub.ingest_reading(reading(series, 20.0))
            .await
            .expect("taken");
    }
    automations.settled().await;

    let mut events = hub.subscribe();
    let mut latencies = Vec::with_capacity(EVENTS);
    for n in 0..EVENTS {
        // Background traffic between firings: a reading no rule acts on.
        let (device, metric) = SERIES[n % SERIES.len()];
        hub.ingest_reading(reading((device, metric), 20.0 + (n % 10) as f64))
            .await
            .expect("taken");
        hub.ingest_reading(reading(TIMED, 50.0))
            .await
            .expect("taken");
        automations.settled().await;
        while events.try_recv().is_ok() {}

        let sent = Instant::now();
        hub.ingest_reading(reading(TIMED, 80.0))
            .await
            .expect("taken");
        loop {
            match events.recv().await {
                Ok(HubEvent::StateChanged { device, .. }) if device.as_str() == "porch-light" => {
                    break;
                }
                Ok(_) => {}
                Err(error) => panic!("the hub's events stopped: {error}"),
            }
        }
        latencies.push(sent.elapsed());
    }
    report(
        &format!("reading -> porch light toggled, {RULES} rules"),
        &mut latencies,
    );

    let _ = stop.send(());
    serving
        .await
        .expect("serve did not panic")
        .expect("the hub stopped cleanly");
}

/// Every rule evaluated against one reading, as the runner does per event,
/// without the hub around it.
fn pure_evaluation() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let server = Server::open(config(dir.path(), 0)).expect("the hub opens");
    let mut world = World::new(server.hub().snapshot());
    let rules: Vec<Rule> = (0..RULES - 1).map(background).chain([timed()]).collect();
    let mut memories = vec![RuleMemory::default(); rules.len()];
    let site = Site::new(51.5, -0.13).expect("London");
    let now = Utc::now();
    let mut step = |world: &World, event: &Event, at| {
        for (rule, memory) in rules.iter().zip(&mut memories) {
            let (next, decisions) = rules::evaluate(rule, memory, world, event, at, &site, &London);
            *memory = next;
            black_box(decisions);
        }
    };
    for series in SERIES.iter().copied().chain([TIMED]) {
        let event = Event::Reading {
            reading: reading(series, 20.0),
        };
        world.apply(&event, now);
        step(&world, &event, now);
    }
    let mut samples = Vec::with_capacity(PURE_EVENTS);
    for n in 0..PURE_EVENTS {
        let event = Event::Reading {
            reading: reading(SERIES[n % SERIES.len()], 20.0 + (n % 10) as f64),
        };
        world.apply(&event, now);
        let began = Instant::now();
        step(&world, &event, now);
        samples.push(began.elapsed());
    }
    report(
        &format!("evaluate all {RULES} rules for one reading (pure)"),
        &mut samples,
    );
}

fn main() {
    pure_evaluation();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(through_the_hub());
}
