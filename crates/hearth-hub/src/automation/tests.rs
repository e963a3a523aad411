//! The runner against a small simulated house on a hand-turned clock: what a
//! user would notice (the AC coming on, the porch light at dusk), not how the
//! runner gets there.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use hearth_core::rules::{Decision, Rule, cool_when_hot, lights_at_dusk};
use hearth_core::{
    Capability, CommandError, Device, DeviceId, DeviceKind, DeviceState, ErrorCode, HvacMode,
    Metric, Reading, SunDay,
};
use serde_json::json;
use tempfile::TempDir;
use tokio::sync::watch;

use super::*;
use crate::hub::Hub;
use crate::{Config, Retention, Server};

/// Only a hang guard: nothing here should take anywhere near this long.
const HANG_GUARD: Duration = Duration::from_secs(10);

const THERMOMETER: &str = "living-room-thermometer";
const AC: &str = "living-room-ac";
const PORCH: &str = "porch-light";
/// A light whose relay is stuck: it refuses every command.
const JAMMED: &str = "jammed-light";

/// A hub with a thermometer, an AC and two lights, its rule runner on a
/// manual clock.
struct House {
    hub: Arc<Hub>,
    automations: Arc<Automations>,
    clock: ManualClock,
    _stop: watch::Sender<bool>,
    _dir: TempDir,
}

impl House {
    async fn start(at: DateTime<Utc>) -> House {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let server = Server::open(Config {
            dist: dir.path().join("no-dashboard-here"),
            data_dir: dir.path().to_owned(),
            simulator: None,
            retention: Retention::default(),
        })
        .expect("the hub opens");
        let hub = server.hub();
        let off = DeviceState {
            on: Some(false),
            ..DeviceState::default()
        };
        let devices = [
            (
                THERMOMETER,
                DeviceKind::Thermometer,
                vec![Capability::Temperature],
            ),
            (
                AC,
                DeviceKind::AirConditioner,
                vec![
                    Capability::OnOff,
                    Capability::Mode {
                        modes: vec![HvacMode::Cool, HvacMode::Heat],
                    },
                    Capability::Setpoint {
                        min: 16.0,
                        max: 30.0,
                        step: 0.5,
                    },
                ],
            ),
            (PORCH, DeviceKind::Light, vec![Capability::OnOff]),
            (JAMMED, DeviceKind::Light, vec![Capability::OnOff]),
        ];
        for (id, kind, capabilities) in devices {
            let device = Device {
                id: DeviceId::new(id),
                name: id.replace('-', " "),
                room: "Living room".into(),
                kind,
                capabilities,
                adapter: "test".into(),
            };
            let state = if device.capabilities.contains(&Capability::OnOff) {
                off.clone()
            } else {
                DeviceState::default()
            };
            hub.register_device(device, state);
        }
        obey(&hub);
        let clock = ManualClock::new(at);
        let automations =
            Automations::new(hub.clone(), Clock::Manual(clock.clone()), Place::default());
        let (stop, stopped) = watch::channel(false);
        tokio::spawn(automations.clone().run(stopped));
        House {
            hub,
            automations,
            clock,
            _stop: stop,
            _dir: dir,
        }
    }

    async fn settle(&self) {
        tokio::time::timeout(HANG_GUARD, self.automations.settled())
            .await
            .expect("the runner settles");
    }

    async fn add(&self, rule: Rule) {
        let id = rule.id.clone();
        if let Err(error) = self.automations.add(rule).await {
            panic!("{id} is refused: {error:?}");
        }
    }

    /// The living room thermometer reports `celsius` now.
    async fn read(&self, celsius: f64) {
        let reading = Reading::new(
            DeviceId::new(THERMOMETER),
            Metric::Temperature,
            celsius,
            self.clock.now(),
        );
        self.hub
            .ingest_reading(reading)
            .await
            .expect("the reading is taken");
        self.settle().await;
    }

    async fn advance(&self, by: TimeDelta) {
        self.clock.advance(by);
        self.settle().await;
    }

    async fn set(&self, at: DateTime<Utc>) {
        self.clock.set(at);
        self.settle().await;
    }

    fn state(&self, id: &str) -> DeviceState {
        self.hub
            .snapshot()
            .into_iter()
            .find(|snapshot| snapshot.device.id.as_str() == id)
            .map(|snapshot| snapshot.state)
            .unwrap_or_else(|| panic!("no device {id}"))
    }

    fn is_on(&self, id: &str) -> bool {
        self.state(id).on == Some(true)
    }

    fn traces(&self, rule: &str) -> Vec<Trace> {
        self.automations
            .traces(rule)
            .unwrap_or_else(|| panic!("no rule {rule}"))
    }

    fn firings(&self, rule: &str) -> usize {
        self.traces(rule)
            .iter()
            .filter(|trace| matches!(trace.decision, Decision::Fired(_)))
            .count()
    }
}

/// The test adapter: does what it is told, except the jammed light, which
/// refuses.
fn obey(hub: &Hub) {
    let (sender, mut commands) = crate::adapter::channel();
    hub.attach_adapter("test", sender);
    let devices: HashMap<DeviceId, (Device, DeviceState)> = hub
        .snapshot()
        .into_iter()
        .map(|s| (s.device.id.clone(), (s.device, s.state)))
        .collect();
    tokio::spawn(async move {
        let mut devices = devices;
        while let Some(request) = commands.recv().await {
            let answer = match devices.get_mut(&request.device) {
                Some((device, _)) if device.id.as_str() == JAMMED => Err(CommandError::new(
                    ErrorCode::Unavailable,
                    "the jammed light's relay is stuck",
                )),
                Some((device, state)) => {
                    *state = request.command.apply(device, state);
                    Ok(state.clone())
                }
                None => Err(CommandError::new(ErrorCode::UnknownDevice, "not mine")),
            };
            let _ = request.reply.send(answer);
        }
    });
}

fn rule(document: serde_json::Value) -> Rule {
    serde_json::from_value(document).expect("a rule document")
}

/// Noon on a March day in London (GMT, so local time is UTC).
fn noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap()
}

/// Civil dusk in London on [`noon`]'s day, as the sun module computes it.
fn civil_dusk() -> DateTime<Utc> {
    let place = Place::default();
    SunDay::new(&place.site, &place.zone, noon().date_naive())
        .civil_dusk
        .expect("London has a dusk in March")
}

#[tokio::test]
async fn ac_comes_on_once_after_ten_hot_minutes_and_goes_off_below_24() {
    let house = House::start(noon()).await;
    for rule in cool_when_hot(&DeviceId::new(THERMOMETER), &DeviceId::new(AC)).rules {
        house.add(rule).await;
    }
    house.settle().await;
    house.read(25.0).await;
    // Hot for ten minutes, a reading each minute: nothing until the tenth.
    for _ in 0..10 {
        house.advance(TimeDelta::minutes(1)).await;
        house.read(27.0).await;
        assert!(!house.is_on(AC), "on early, at {}", house.clock.now());
    }
    house.advance(TimeDelta::minutes(1)).await;
    assert!(house.is_on(AC), "still off at {}", house.clock.now());
    assert_eq!(house.state(AC).mode, Some(HvacMode::Cool));
    // Staying hot, and wobbling around 26, does not switch it again.
    for celsius in [27.5, 25.9, 26.5, 28.0, 25.0, 27.0] {
        house.advance(TimeDelta::minutes(5)).await;
        house.read(celsius).await;
    }
    assert!(house.is_on(AC));
    assert_eq!(house.firings("cool-when-hot-on"), 1);
    // Cool again: off at once (the AC has been on longer than its minimum).
    house.advance(TimeDelta::minutes(1)).await;
    house.read(23.5).await;
    assert!(!house.is_on(AC), "still on at {}", house.clock.now());
    assert_eq!(house.firings("cool-when-hot-off"), 1);
    assert_eq!(house.firings("cool-when-hot-on"), 1);

    // The firing's trace shows both commands done.
    let traces = house.traces("cool-when-hot-on");
    let outcomes: Vec<_> = traces.iter().flat_map(|t| &t.outcomes).collect();
    assert_eq!(outcomes.len(), 2, "{traces:#?}");
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o.result, StepResult::Done(_))),
        "{outcomes:#?}"
    );
}

#[tokio::test]
async fn a_hot_reading_relayed_late_does_not_start_the_hot_spell() {
    let house = House::start(noon()).await;
    for rule in cool_when_hot(&DeviceId::new(THERMOMETER), &DeviceId::new(AC)).rules {
        house.add(rule).await;
    }
    house.read(25.0).await;
    // A gateway's outbox hands over a reading taken an hour ago, when the
    // room was hot; the room is at 25 °C now.
    let late = Reading::new(
        DeviceId::new(THERMOMETER),
        Metric::Temperature,
        28.0,
        house.clock.now() - TimeDelta::hours(1),
    );
    house
        .hub
        .ingest_reading(late)
        .await
        .expect("the late reading is stored");
    house.settle().await;
    for _ in 0..12 {
        house.advance(TimeDelta::minutes(1)).await;
    }
    assert!(!house.is_on(AC), "on at {}", house.clock.now());
    assert_eq!(house.firings("cool-when-hot-on"), 0);
}

#[tokio::test]
async fn lights_come_on_at_the_computed_dusk_and_not_before() {
    let house = House::start(noon()).await;
    let dusk = civil_dusk();
    house
        .add(lights_at_dusk(&[DeviceId::new(PORCH)]).rules.remove(0))
        .await;
    house.settle().await;

    house.set(dusk - TimeDelta::minutes(30)).await;
    house.set(dusk - TimeDelta::seconds(1)).await;
    assert!(!house.is_on(PORCH), "on before dusk ({dusk})");
    assert!(house.traces("lights-at-dusk-on").is_empty());

    house.set(dusk).await;
    assert!(house.is_on(PORCH), "off at dusk ({dusk})");
    let traces = house.traces("lights-at-dusk-on");
    assert_eq!(traces.len(), 1, "{traces:#?}");
    match &traces[0].decision {
        Decision::Fired(firing) => {
            assert_eq!(firing.at, dusk);
            assert!(firing.reason.contains("civil dusk"), "{}", firing.reason);
        }
        other => panic!("expected a firing, got {other:?}"),
    }
    // Once a day: the rest of the evening fires nothing more.
    house.advance(TimeDelta::hours(3)).await;
    assert_eq!(house.firings("lights-at-dusk-on"), 1);
}

#[tokio::test]
async fn disabled_rules_never_fire_and_do_not_catch_up_when_enabled() {
    let house = House::start(noon()).await;
    let dusk = civil_dusk();
    house
        .add(lights_at_dusk(&[DeviceId::new(PORCH)]).rules.remove(0))
        .await;
    for mut rule in cool_when_hot(&DeviceId::new(THERMOMETER), &DeviceId::new(AC)).rules {
        // Disabled in the document, not only afterwards.
        rule.enabled = rule.id != "cool-when-hot-on";
        house.add(rule).await;
    }
    house.settle().await;
    house
        .automations
        .enable("lights-at-dusk-on", false)
        .await
        .expect("the rule exists");
    house.settle().await;

    house.read(25.0).await;
    for _ in 0..15 {
        house.advance(TimeDelta::minutes(1)).await;
        house.read(28.0).await;
    }
    house.set(dusk + TimeDelta::minutes(5)).await;
    assert!(!house.is_on(AC));
    assert!(!house.is_on(PORCH));
    assert!(house.traces("cool-when-hot-on").is_empty());
    assert!(house.traces("lights-at-dusk-on").is_empty());

    // Enabled five minutes after dusk, well within the grace a restarted hub
    // gets: dusk was before the rule was enabled, so it does not fire.
    house
        .automations
        .enable("lights-at-dusk-on", true)
        .await
        .expect("the rule exists");
    house.advance(TimeDelta::minutes(1)).await;
    assert!(!house.is_on(PORCH));
    assert!(house.traces("lights-at-dusk-on").is_empty());
}

#[tokio::test]
async fn a_refused_command_is_a_failed_outcome_and_the_run_goes_on() {
    let house = House::start(noon()).await;
    house
        .add(rule(json!({
            "id": "jammed-at-five-past",
            "name": "Jammed light at 12:05",
            "triggers": [{"type": "time", "at": "12:05"}],
            "actions": [
                {"type": "command", "device": JAMMED, "command": {"action": "turn_on"}},
                {"type": "delay", "wait": {"minutes": 1}},
                {"type": "command", "device": PORCH, "command": {"action": "turn_on"}},
                {"type": "notify", "message": "tried the jammed light"}
            ]
        })))
        .await;
    house.settle().await;
    house.advance(TimeDelta::minutes(5)).await;
    assert!(!house.is_on(PORCH), "the delay is not over");
    house.advance(TimeDelta::minutes(1)).await;
    assert!(house.is_on(PORCH));

    let traces = house.traces("jammed-at-five-past");
    assert_eq!(traces.len(), 1, "{traces:#?}");
    let results: Vec<&StepResult> = traces[0].outcomes.iter().map(|o| &o.result).collect();
    match results.as_slice() {
        [
            StepResult::Failed(error),
            StepResult::Done(_),
            StepResult::Notified,
        ] => {
            assert_eq!(error.code, ErrorCode::Unavailable);
            assert!(error.message.contains("stuck"), "{error}");
        }
        other => panic!("unexpected outcomes {other:#?}"),
    }
    let notes = house.automations.notifications();
    assert_eq!(notes.len(), 1);
    assert_eq!(
        (notes[0].rule.as_str(), notes[0].message.as_str()),
        ("jammed-at-five-past", "tried the jammed light")
    );
    assert_eq!(notes[0].at, noon() + TimeDelta::minutes(6));
}

#[tokio::test]
async fn rules_are_added_replaced_removed_and_refused_with_every_problem() {
    let house = House::start(noon()).await;
    let porch_at = |id: &str, at: &str| {
        rule(json!({
            "id": id, "name": id,
            "triggers": [{"type": "time", "at": at}],
            "actions": [{"type": "command", "device": PORCH, "command": {"action": "toggle"}}]
        }))
    };
    house.add(porch_at("porch", "12:10")).await;
    assert_eq!(
        house.automations.add(porch_at("porch", "12:20")).await,
        Err(RuleError::Exists("porch".into()))
    );
    let broken = rule(json!({
        "id": "broken", "name": "Broken",
        "triggers": [{"type": "numeric", "device": "attic", "metric": "temperature",
                      "crossing": "above", "threshold": 20.0}],
        "actions": [{"type": "command", "device": THERMOMETER, "command": {"action": "turn_on"}}]
    }));
    match house.automations.add(broken).await {
        Err(RuleError::Invalid(problems)) => {
            let paths: Vec<&str> = problems.iter().map(|d| d.path.as_str()).collect();
            assert_eq!(paths, ["triggers[0].device", "actions[0].command"]);
        }
        other => panic!("expected both problems, got {other:?}"),
    }
    assert_eq!(
        house.automations.replace(porch_at("ghost", "12:00")).await,
        Err(RuleError::NotFound("ghost".into()))
    );

    // Moved to 12:20 before 12:10 came: it fires at 12:20 only.
    house
        .automations
        .replace(porch_at("porch", "12:20"))
        .await
        .expect("the rule exists");
    house.settle().await;
    house.advance(TimeDelta::minutes(15)).await;
    assert!(!house.is_on(PORCH));
    house.advance(TimeDelta::minutes(5)).await;
    assert!(house.is_on(PORCH));

    let removed = house
        .automations
        .remove("porch")
        .await
        .expect("the rule exists");
    assert_eq!(removed.id, "porch");
    assert!(house.automations.rules().is_empty());
    assert_eq!(house.automations.traces("porch"), None);
    house.advance(TimeDelta::days(1)).await;
    assert!(house.is_on(PORCH), "a removed rule does nothing");
}

#[test]
fn a_place_reports_every_problem_in_its_settings() {
    let table: [(f64, f64, &str, Result<(), usize>); 5] = [
        (51.5, -0.13, "Europe/London", Ok(())),
        (-33.87, 151.21, "Australia/Sydney", Ok(())),
        (91.0, 0.0, "Europe/London", Err(1)),
        (f64::NAN, 200.0, "Mars/Olympus_Mons", Err(3)),
        (0.0, 0.0, "", Err(1)),
    ];
    for (latitude, longitude, zone, want) in table {
        let got = Place::new(latitude, longitude, zone)
            .map(|_| ())
            .map_err(|e| e.problems.len());
        assert_eq!(got, want, "{latitude}, {longitude}, {zone:?}");
    }
    let error = Place::new(0.0, 0.0, "Mars/Olympus_Mons").unwrap_err();
    assert!(
        error
            .to_string()
            .contains("\"Mars/Olympus_Mons\" is not an IANA time zone"),
        "{error}"
    );
}

/// Asks `automations`' endpoints for `uri`: the status and the JSON body.
async fn get(automations: &Arc<Automations>, uri: &str) -> (u16, serde_json::Value) {
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    let request = Request::get(uri).body(Body::empty()).expect("a request");
    let response = routes(automations.clone())
        .oneshot(request)
        .await
        .expect("an answer");
    let status = response.status().as_u16();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("a body");
    let json = serde_json::from_slice(&body)
        .unwrap_or_else(|_| panic!("{uri}: not JSON: {}", String::from_utf8_lossy(&body)));
    (status, json)
}

#[tokio::test]
async fn the_sun_endpoint_answers_for_the_site_and_refuses_bad_dates() {
    let house = House::start(noon()).await;
    let dusk = json!(civil_dusk());

    // Today is the manual clock's day at the site.
    for uri in ["/api/sun", "/api/sun?date=2026-03-10"] {
        let (status, day) = get(&house.automations, uri).await;
        assert_eq!(status, 200, "{uri}: {day}");
        assert_eq!(
            (&day["date"], &day["civil_dusk"]),
            (&json!("2026-03-10"), &dusk)
        );
    }
    // Far north at midsummer the sun does not set: no sunset, not garbage.
    house
        .automations
        .set_place(Place::new(78.22, 15.65, "Arctic/Longyearbyen").expect("Svalbard"));
    let (status, day) = get(&house.automations, "/api/sun?date=2026-06-21").await;
    assert_eq!(status, 200, "{day}");
    assert_eq!(day["sunset"], serde_json::Value::Null);
    assert!(day["solar_noon"].is_string(), "{day}");
    // The first and last days answered do not overflow.
    for date in ["0001-01-01", "9999-12-31"] {
        let (status, day) = get(&house.automations, &format!("/api/sun?date={date}")).await;
        assert_eq!((status, &day["date"]), (200, &json!(date)), "{day}");
    }

    for date in [
        "2026-13-01",
        "yesterday",
        "2026-3-10T00:00",
        "10000-01-01",
        "",
    ] {
        let uri = format!("/api/sun?date={date}");
        let (status, error) = get(&house.automations, &uri).await;
        assert_eq!(
            (status, &error["code"]),
            (400, &json!("bad_request")),
            "{uri}"
        );
        let message = error["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("not a date like 2026-06-21"),
            "{uri}: {message}"
        );
    }
}

#[tokio::test]
async fn the_templates_endpoint_lists_the_shipped_templates() {
    let house = House::start(noon()).await;
    let (status, templates) = get(&house.automations, "/api/rules/templates").await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = templates
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|template| template["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "lights-at-dusk",
            "cool-when-hot",
            "setpoint-follows-outdoor",
            "fridge-alert",
            "lights-off-when-empty"
        ]
    );
}
