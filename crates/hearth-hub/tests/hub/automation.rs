//! The automation endpoints as a browser meets them, next to the rest of `/api`:
//! rules created, edited, previewed and replayed over REST, their changes and
//! notifications pushed over the WebSocket, a rule's `for` hold and its
//! traces carried across a restart, and "AC when hot" over a simulated day.

use std::time::Duration;

use chrono::{DateTime, Datelike, DurationRound, SecondsFormat, TimeDelta, TimeZone, Utc};
use hearth_core::protocol::RuleJson;
use hearth_core::rules::{
    Decision, Notification, NotifyLevel, Outcome, Replayed, RuleSaved, RuleStatus, StepResult,
    Trace, Upcoming, cool_when_hot, lights_at_dusk,
};
use hearth_core::{Command, DeviceId, Metric, Reading, ServerMessage, SunDay};
use hearth_hub::{Clock, ManualClock};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::support::{Client, TestHub, config, data_dir, find, guard};

#[tokio::test]
async fn sun_and_templates_are_served_with_json_errors_like_the_rest_of_the_api() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;

    let (status, content_type, body) = hub.http("GET", "/api/sun?date=2026-06-21").await;
    assert_eq!(
        (status, content_type.as_str()),
        (200, "application/json"),
        "{body}"
    );
    let day: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(day["date"], json!("2026-06-21"));
    // London by default: midsummer sunrise is a little before 04:45 BST.
    assert!(
        day["sunrise"]
            .as_str()
            .is_some_and(|at| at.starts_with("2026-06-21T03:4")),
        "{day}"
    );

    let (status, _, body) = hub.http("GET", "/api/rules/templates").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"cool-when-hot\""), "{body}");

    let table = [
        ("GET", "/api/sun?date=21/06/2026", 400, "bad_request"),
        ("POST", "/api/sun", 405, "method_not_allowed"),
        ("GET", "/api/rules/nope", 404, "not_found"),
    ];
    for (method, path, want_status, want_code) in table {
        hub.expect_refusal(method, path, "", want_status, want_code)
            .await;
    }
    hub.shut_down().await.unwrap();
}

/// `GET path`, expecting 200 and JSON of type `T`.
async fn get<T: DeserializeOwned>(hub: &TestHub, path: &str) -> T {
    let (status, _, body) = hub.http("GET", path).await;
    assert_eq!(status, 200, "GET {path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: {e}: {body}"))
}

/// The "lights on at dusk" template's first rule for the porch light, as JSON.
fn porch_at_dusk() -> Value {
    let rule = lights_at_dusk(&[DeviceId::new("porch-light")])
        .rules
        .remove(0);
    serde_json::to_value(rule).unwrap()
}

#[tokio::test]
async fn rules_are_created_listed_replaced_disabled_and_deleted() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;

    // The hub makes up an id from the name when there is none.
    let mut porch = porch_at_dusk();
    porch.as_object_mut().unwrap().remove("id");
    let (status, _, body) = hub
        .http_with("POST", "/api/rules", &porch.to_string())
        .await;
    assert_eq!(status, 201, "{body}");
    let saved: RuleSaved = serde_json::from_str(&body).unwrap();
    let id = saved.rule.id.clone();
    assert_eq!(id, "lights-on-at-dusk");

    let listed: Vec<RuleStatus> = get(&hub, "/api/rules").await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert!(listed[0].rule.enabled);
    assert!(listed[0].next_firing.is_some(), "a dusk within a week");
    assert_eq!(listed[0].last_fired, None);

    // Every problem at once, each with its path.
    let mut broken = porch_at_dusk();
    broken["id"] = json!("broken");
    broken["name"] = json!("");
    broken["actions"][0]["device"] = json!("nowhere");
    let (status, _, body) = hub
        .http_with("POST", "/api/rules", &broken.to_string())
        .await;
    assert_eq!(status, 422, "{body}");
    let error: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(error["code"], "invalid_rule");
    let paths: Vec<&str> = error["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["severity"] == "error")
        .filter_map(|d| d["path"].as_str())
        .collect();
    assert!(paths.len() >= 2, "{body}");
    assert!(paths.contains(&"name"), "{body}");
    assert!(paths.iter().any(|p| p.starts_with("actions[0]")), "{body}");

    // The refusals, each with its status and code.
    let mut renamed = porch_at_dusk();
    renamed["id"] = json!("someone-else");
    let table = [
        (
            "POST",
            "/api/rules".to_owned(),
            "{not json".to_owned(),
            400,
            "bad_request",
        ),
        (
            "POST",
            "/api/rules".to_owned(),
            "[1, 2]".to_owned(),
            422,
            "invalid_rule",
        ),
        (
            "POST",
            "/api/rules".to_owned(),
            json!({"id": id}).to_string(),
            422,
            "invalid_rule",
        ),
        (
            "POST",
            "/api/rules".to_owned(),
            saved_json(&saved),
            409,
            "conflict",
        ),
        (
            "PUT",
            format!("/api/rules/{id}"),
            renamed.to_string(),
            422,
            "invalid_rule",
        ),
        (
            "PUT",
            "/api/rules/ghost".to_owned(),
            porch.to_string(),
            404,
            "not_found",
        ),
        (
            "DELETE",
            "/api/rules/ghost".to_owned(),
            String::new(),
            404,
            "not_found",
        ),
        (
            "POST",
            "/api/rules/ghost/disable".to_owned(),
            String::new(),
            404,
            "not_found",
        ),
        (
            "GET",
            "/api/rules/ghost/traces".to_owned(),
            String::new(),
            404,
            "not_found",
        ),
        (
            "GET",
            format!("/api/rules/{id}/preview?days=0"),
            String::new(),
            400,
            "bad_request",
        ),
        (
            "GET",
            format!("/api/rules/{id}/preview?days=32"),
            String::new(),
            400,
            "bad_request",
        ),
    ];
    for (method, path, body, want_status, want_code) in table {
        hub.expect_refusal(method, &path, &body, want_status, want_code)
            .await;
    }

    // PUT replaces the whole document.
    porch["name"] = json!("Porch light at dusk");
    let (status, _, body) = hub
        .http_with("PUT", &format!("/api/rules/{id}"), &porch.to_string())
        .await;
    assert_eq!(status, 200, "{body}");
    let status_now: RuleStatus = get(&hub, &format!("/api/rules/{id}")).await;
    assert_eq!(status_now.rule.name, "Porch light at dusk");

    // Run now: the actions, whatever the triggers and the time window say.
    let (status, _, body) = hub.http("POST", &format!("/api/rules/{id}/run")).await;
    assert_eq!(status, 200, "{body}");
    let trace: Trace = serde_json::from_str(&body).unwrap();
    assert!(
        matches!(&trace.decision, Decision::Fired(firing) if firing.by_hand),
        "{trace:?}"
    );
    assert!(
        matches!(trace.outcomes.as_slice(), [Outcome { result: StepResult::Done(state), .. }] if state.on == Some(true)),
        "{trace:?}"
    );
    assert_eq!(
        find(&hub.devices().await, "porch-light").state.on,
        Some(true)
    );
    let (status, _, _) = hub.http("POST", "/api/rules/ghost/run").await;
    assert_eq!(status, 404);

    // Disabled: no next firing.
    let (status, _, body) = hub.http("POST", &format!("/api/rules/{id}/disable")).await;
    assert_eq!(status, 200, "{body}");
    let disabled: RuleStatus = serde_json::from_str(&body).unwrap();
    assert!(!disabled.rule.enabled);
    assert_eq!(disabled.next_firing, None);
    let (status, _, body) = hub.http("POST", &format!("/api/rules/{id}/enable")).await;
    assert_eq!(status, 200, "{body}");

    let traces: Vec<Trace> = get(&hub, &format!("/api/rules/{id}/traces")).await;
    assert_eq!(traces, vec![trace], "the run by hand");

    let (status, _, body) = hub.http("DELETE", &format!("/api/rules/{id}")).await;
    assert_eq!((status, body.as_str()), (204, ""));
    let (status, _, _) = hub.http("GET", &format!("/api/rules/{id}")).await;
    assert_eq!(status, 404);
    let listed: Vec<RuleStatus> = get(&hub, "/api/rules").await;
    assert!(listed.is_empty(), "{listed:?}");
    hub.shut_down().await.unwrap();
}

fn saved_json(saved: &RuleSaved) -> String {
    serde_json::to_string(&saved.rule).unwrap()
}

#[tokio::test]
async fn a_preview_of_a_dusk_rule_is_the_sun_endpoints_dusk_plus_the_offset() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let mut porch = porch_at_dusk();
    porch["triggers"][0]["offset"] = json!({"minutes": -30});
    let (status, _, body) = hub
        .http_with("POST", "/api/rules", &porch.to_string())
        .await;
    assert_eq!(status, 201, "{body}");

    let firings: Vec<Upcoming> = get(&hub, "/api/rules/lights-at-dusk-on/preview?days=3").await;
    assert!((2..=4).contains(&firings.len()), "{firings:?}");
    for firing in &firings {
        // The dusk half an hour later, on its local date in London (the
        // hub's default site).
        let dusk = firing.at + TimeDelta::minutes(30);
        let date = dusk.with_timezone(&chrono_tz::Europe::London).date_naive();
        let day: SunDay = get(&hub, &format!("/api/sun?date={date}")).await;
        assert_eq!(day.civil_dusk, Some(dusk), "{date}");
    }
    let dates: Vec<_> = firings.iter().map(|f| f.at.date_naive()).collect();
    assert!(
        dates.windows(2).all(|w| w[1] == w[0] + TimeDelta::days(1)),
        "{dates:?}"
    );
    hub.shut_down().await.unwrap();
}

/// Whether the living room's AC is on, as the hub's device list says.
async fn ac_on(hub: &TestHub) -> bool {
    find(&hub.devices().await, "living-room-ac").state.on == Some(true)
}

/// How many of the rule `id`'s traces are firings, as its traces endpoint says.
async fn firings(hub: &TestHub, id: &str) -> usize {
    let traces: Vec<Trace> = get(hub, &format!("/api/rules/{id}/traces")).await;
    traces
        .iter()
        .filter(|trace| matches!(trace.decision, Decision::Fired(_)))
        .count()
}

/// The living room thermometer reads `celsius` at the clock's time, and the
/// runner has dealt with it.
async fn hot(hub: &TestHub, clock: &ManualClock, celsius: f64) {
    let reading = Reading::new(
        DeviceId::new("living-room-thermometer"),
        Metric::Temperature,
        celsius,
        clock.now(),
    );
    hub.hub.ingest_reading(reading).await.expect("taken");
    guard("the runner", hub.automations.settled()).await;
}

#[tokio::test]
async fn a_restart_in_the_middle_of_a_for_hold_fires_once_when_the_hold_ends() {
    let (_dir, path) = data_dir();
    // The simulated sensors first report after half an hour of real time,
    // so only this test's readings reach the rules.
    let config = || config(&path, Duration::from_secs(3600));
    let start = Utc::now();
    let clock = ManualClock::new(start);
    let hub = TestHub::start_with_clock(config(), Some(Clock::Manual(clock.clone()))).await;

    let template = cool_when_hot(
        &DeviceId::new("living-room-thermometer"),
        &DeviceId::new("living-room-ac"),
    );
    let on = serde_json::to_value(&template.rules[0]).unwrap();
    let mut idle = on.clone();
    idle["id"] = json!("idle-copy");
    for rule in [&on, &idle] {
        let (status, _, body) = hub.http_with("POST", "/api/rules", &rule.to_string()).await;
        assert_eq!(status, 201, "{body}");
    }
    // A disabled rule sees the same heat and does nothing.
    let (status, _, body) = hub.http("POST", "/api/rules/idle-copy/disable").await;
    assert_eq!(status, 200, "{body}");
    assert!(!ac_on(&hub).await);

    // Comfortable, then hot from minute 1; at minute 5 the hub stops.
    hot(&hub, &clock, 25.0).await;
    for minute in 1..=5 {
        clock.set(start + TimeDelta::minutes(minute));
        hot(&hub, &clock, 27.0).await;
    }
    assert_eq!(firings(&hub, "cool-when-hot-on").await, 0);
    hub.shut_down().await.unwrap();

    // A new hub on the same data directory carries on with the hold.
    let clock = ManualClock::new(start + TimeDelta::minutes(5));
    let hub = TestHub::start_with_clock(config(), Some(Clock::Manual(clock.clone()))).await;
    guard("the runner", hub.automations.settled()).await;
    assert!(!ac_on(&hub).await);
    for minute in 6..=14 {
        clock.set(start + TimeDelta::minutes(minute));
        hot(&hub, &clock, 27.5).await;
        let want = minute >= 11;
        assert_eq!(ac_on(&hub).await, want, "minute {minute}");
    }
    assert_eq!(firings(&hub, "cool-when-hot-on").await, 1);
    assert_eq!(firings(&hub, "idle-copy").await, 0);
    let fired: Vec<Trace> = get(&hub, "/api/rules/cool-when-hot-on/traces").await;
    let listed: Vec<RuleStatus> = get(&hub, "/api/rules").await;
    let on = listed
        .iter()
        .find(|status| status.rule.id == "cool-when-hot-on")
        .expect("the rule outlived the restart");
    assert_eq!(on.last_fired, Some(start + TimeDelta::minutes(11)));
    hub.shut_down().await.unwrap();

    // And once more: a firing already done is not done again; its trace,
    // with its steps' outcomes, is still there.
    let clock = ManualClock::new(start + TimeDelta::minutes(15));
    let hub = TestHub::start_with_clock(config(), Some(Clock::Manual(clock.clone()))).await;
    hot(&hub, &clock, 27.5).await;
    clock.set(start + TimeDelta::minutes(30));
    hot(&hub, &clock, 27.5).await;
    let traces: Vec<Trace> = get(&hub, "/api/rules/cool-when-hot-on/traces").await;
    assert_eq!(traces, fired);
    assert_eq!(traces[0].outcomes.len(), 2, "{traces:?}");
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn a_replay_reports_the_one_minute_the_room_had_been_hot_for_ten_minutes() {
    let (_dir, path) = data_dir();
    let start = (Utc::now() - TimeDelta::hours(3))
        .duration_trunc(TimeDelta::minutes(1))
        .unwrap();
    let hub = TestHub::start_with(config(&path, Duration::from_secs(3600))).await;
    let template = cool_when_hot(
        &DeviceId::new("living-room-thermometer"),
        &DeviceId::new("living-room-ac"),
    );
    let on = serde_json::to_value(&template.rules[0]).unwrap();
    let (status, _, body) = hub.http_with("POST", "/api/rules", &on.to_string()).await;
    assert_eq!(status, 201, "{body}");

    // Comfortable, hot for 16 minutes from minute 20, cool enough to re-arm,
    // then hot again but for only 6 minutes.
    let celsius = |minute: i64| match minute {
        20..=35 | 45..=50 => 27.0,
        36..=44 => 23.0,
        _ => 25.0,
    };
    let mut committed = Vec::new();
    for minute in 0..90 {
        let reading = Reading::new(
            DeviceId::new("living-room-thermometer"),
            Metric::Temperature,
            celsius(minute),
            start + TimeDelta::minutes(minute),
        );
        committed.push(hub.hub.ingest_reading(reading).await.expect("taken"));
    }
    for commit in committed {
        guard("the store", commit.wait()).await.expect("stored");
    }

    let from = start.to_rfc3339_opts(SecondsFormat::Secs, true);
    let to = (start + TimeDelta::minutes(90)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let replayed: Vec<Replayed> = get(
        &hub,
        &format!("/api/rules/cool-when-hot-on/replay?from={from}&to={to}"),
    )
    .await;
    assert_eq!(replayed.len(), 1, "{replayed:?}");
    assert_eq!(replayed[0].at, start + TimeDelta::minutes(30));
    assert_eq!(replayed[0].trigger, 0);
    assert!(
        replayed[0].reason.contains("above 26"),
        "{}",
        replayed[0].reason
    );
    // Nothing was carried out.
    assert!(!ac_on(&hub).await);

    // The default span, the last day, holds the same moment.
    let replayed: Vec<Replayed> = get(&hub, "/api/rules/cool-when-hot-on/replay").await;
    assert_eq!(replayed.len(), 1, "{replayed:?}");

    for (query, want) in [
        ("from=yesterday", 400),
        ("from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z", 400),
        ("from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", 400),
    ] {
        let (status, _, body) = hub
            .http(
                "GET",
                &format!("/api/rules/cool-when-hot-on/replay?{query}"),
            )
            .await;
        assert_eq!(status, want, "{query}: {body}");
        assert!(body.contains("bad_request"), "{query}: {body}");
    }
    let (status, _, body) = hub.http("GET", "/api/rules/no-such-rule/replay").await;
    assert_eq!(status, 404, "{body}");
    hub.shut_down().await.unwrap();
}

/// How fast the simulated summer day runs: a day in about eleven seconds.
const SUMMER_SPEED: f64 = 8_000.0;

/// The most simulated days the summer test waits for the room to get hot.
const SUMMER_DAYS: i64 = 3;

#[tokio::test]
async fn ac_when_hot_keeps_the_living_room_in_its_band_over_a_simulated_summer_day() {
    let (_dir, path) = data_dir();
    let thermometer = DeviceId::new("living-room-thermometer");
    let ac = DeviceId::new("living-room-ac");
    // A July morning ahead of the real clock: the simulator resumes from the
    // latest stored reading, so its day starts there.
    let morning = Utc
        .with_ymd_and_hms(Utc::now().year() + 1, 7, 15, 10, 0, 0)
        .unwrap();

    // First run: the room at 25.8 °C that morning, and the AC set to 22 °C so
    // that it takes the room below 24 °C and the "off" rule has work to do.
    let hub = TestHub::start_with(config(&path, Duration::from_secs(3600))).await;
    hub.hub
        .execute(&ac, Command::SetSetpoint { value: 22.0 })
        .await
        .expect("the AC takes a setpoint");
    let reading = Reading::new(thermometer.clone(), Metric::Temperature, 25.8, morning);
    let committed = hub.hub.ingest_reading(reading).await.expect("taken");
    guard("the store", committed.wait()).await.expect("stored");
    hub.shut_down().await.unwrap();

    // Second run: the simulated day, with the rules on the simulator's clock.
    let mut config = config(&path, Duration::from_millis(20));
    if let Some(simulator) = &mut config.simulator {
        simulator.speed = SUMMER_SPEED;
        simulator.seed = Some(7);
    }
    let hub = TestHub::start_with(config).await;
    let mut client = hub.connect().await;
    for rule in cool_when_hot(&thermometer, &ac).rules {
        let body = serde_json::to_string(&rule).unwrap();
        let (status, _, body) = hub.http_with("POST", "/api/rules", &body).await;
        assert_eq!(status, 201, "{body}");
    }
    // The simulated house warms slowly, a few tenths of a degree an hour even
    // in July, and the weather wanders by a couple of degrees for hours: some
    // days its peak stays just under 26 °C. So the day runs on, up to three
    // days, until the AC has come on and gone off again.
    let mut temperatures = Vec::new();
    let mut switches = Vec::new();
    let mut changes = Vec::new();
    for day in 1..=SUMMER_DAYS {
        let evening = morning + TimeDelta::hours(24 * day);
        while temperatures.last().is_none_or(|(at, _)| *at < evening) {
            if let ServerMessage::Reading { reading } = client.next().await
                && reading.device == thermometer
                && reading.metric == Metric::Temperature
            {
                temperatures.push((reading.at, reading.value));
            }
        }
        switches = ac_switches(&hub).await;
        // A command that repeats the AC's state, such as a second "off" when
        // the night cools the room again, changes nothing a user would notice.
        changes = switches.clone();
        changes.dedup_by_key(|(_, on)| *on);
        if changes.first().is_some_and(|(_, on)| !on) {
            changes.remove(0);
        }
        if changes.len() >= 2 {
            break;
        }
    }
    let summary = format!("switches {switches:?}");

    // Without the AC the room would have overheated: it did pass 26 °C.
    assert!(temperatures.iter().any(|(_, c)| *c > 26.0), "{summary}");
    // The AC came on, and went off once the room was cool.
    assert!(changes.len() >= 2, "{summary}");
    // Never short-cycled: each switch at least the template's ten minutes
    // after the one before.
    for pair in switches.windows(2) {
        assert!(pair[1].0 - pair[0].0 >= TimeDelta::minutes(10), "{summary}");
    }
    // Once cooling had started, the room stayed inside its band through the
    // afternoon's heat.
    let first_on = changes[0].0;
    let hottest = temperatures
        .iter()
        .filter(|(at, _)| *at >= first_on)
        .map(|(_, c)| *c)
        .fold(f64::MIN, f64::max);
    assert!(
        hottest < 27.0,
        "hottest {hottest:.1} °C after {first_on}; {summary}"
    );
    hub.shut_down().await.unwrap();
}

/// When the AC was switched on (true) and off, from the rules' own traces,
/// in order.
async fn ac_switches(hub: &TestHub) -> Vec<(DateTime<Utc>, bool)> {
    let mut switches = Vec::new();
    for (id, action, on) in [
        ("cool-when-hot-on", 1, true),
        ("cool-when-hot-off", 0, false),
    ] {
        let traces: Vec<Trace> = get(hub, &format!("/api/rules/{id}/traces")).await;
        switches.extend(
            traces
                .iter()
                .flat_map(|trace| &trace.outcomes)
                .filter(|outcome| {
                    outcome.action == action && matches!(outcome.result, StepResult::Done(_))
                })
                .map(|outcome| (outcome.at, on)),
        );
    }
    switches.sort();
    switches
}

/// A rule that only tells the dashboard to put the kettle on, at 07:00.
fn kettle() -> Value {
    json!({
        "id": "kettle", "name": "Kettle reminder",
        "triggers": [{"type": "time", "at": "07:00"}],
        "actions": [{"type": "notify", "message": "Put the kettle on", "level": "warning"}]
    })
}

/// The next `rule_changed` the client gets, read as a rule status.
async fn changed(client: &mut Client) -> RuleStatus {
    let (id, rule): (String, RuleJson) = client
        .next_that(|message| match message {
            ServerMessage::RuleChanged { id, rule } => Some((id, rule)),
            _ => None,
        })
        .await;
    let status = rule
        .parse()
        .expect("the pushed rule reads as a rule status");
    assert_eq!(status.rule.id, id);
    status
}

#[tokio::test]
async fn browsers_are_pushed_rule_changes_and_notifications_and_get_recent_ones_on_connect() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start_with(config(&path, Duration::from_secs(3600))).await;
    let (mut client, _) = hub.connect_past_snapshot().await;

    let (status, _, body) = hub
        .http_with("POST", "/api/rules", &kettle().to_string())
        .await;
    assert_eq!(status, 201, "{body}");
    let created = changed(&mut client).await;
    assert_eq!(created, get::<RuleStatus>(&hub, "/api/rules/kettle").await);
    assert!(created.rule.enabled && created.next_firing.is_some());

    let mut renamed = kettle();
    renamed["name"] = json!("Tea time");
    let (status, _, body) = hub
        .http_with("PUT", "/api/rules/kettle", &renamed.to_string())
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(changed(&mut client).await.rule.name, "Tea time");

    let (status, _, body) = hub.http("POST", "/api/rules/kettle/disable").await;
    assert_eq!(status, 200, "{body}");
    let disabled = changed(&mut client).await;
    assert_eq!((disabled.rule.enabled, disabled.next_firing), (false, None));

    // Run by hand (a disabled rule runs too): its notification is pushed.
    let (status, _, body) = hub.http("POST", "/api/rules/kettle/run").await;
    assert_eq!(status, 200, "{body}");
    let notification: Notification = client
        .next_that(|message| match message {
            ServerMessage::Notification { notification } => Some(notification),
            _ => None,
        })
        .await;
    assert_eq!(
        (
            notification.rule.as_str(),
            notification.title.as_str(),
            notification.message.as_str(),
            notification.level,
        ),
        (
            "kettle",
            "Tea time",
            "Put the kettle on",
            NotifyLevel::Warning
        )
    );

    // A browser connecting later finds it in its snapshot.
    let mut late = hub.connect().await;
    assert!(matches!(late.next().await, ServerMessage::Hello { .. }));
    match late.next().await {
        ServerMessage::Snapshot { notifications, .. } => {
            assert_eq!(notifications, [notification]);
        }
        other => panic!("expected a snapshot, got {other:?}"),
    }

    let (status, _, body) = hub.http("DELETE", "/api/rules/kettle").await;
    assert_eq!(status, 204, "{body}");
    for client in [&mut client, &mut late] {
        let removed = client
            .next_that(|message| match message {
                ServerMessage::RuleRemoved { id } => Some(id),
                _ => None,
            })
            .await;
        assert_eq!(removed, "kettle");
    }
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn a_rule_that_fires_is_pushed_with_when_it_fired() {
    let (_dir, path) = data_dir();
    let start = Utc::now();
    let clock = ManualClock::new(start);
    let config = config(&path, Duration::from_secs(3600));
    let hub = TestHub::start_with_clock(config, Some(Clock::Manual(clock.clone()))).await;
    let template = cool_when_hot(
        &DeviceId::new("living-room-thermometer"),
        &DeviceId::new("living-room-ac"),
    );
    let mut rule = serde_json::to_value(&template.rules[0]).unwrap();
    rule["triggers"][0].as_object_mut().unwrap().remove("for");
    let (status, _, body) = hub.http_with("POST", "/api/rules", &rule.to_string()).await;
    assert_eq!(status, 201, "{body}");

    let (mut client, _) = hub.connect_past_snapshot().await;
    hot(&hub, &clock, 25.0).await;
    clock.set(start + TimeDelta::minutes(1));
    hot(&hub, &clock, 27.0).await;
    let fired = changed(&mut client).await;
    assert_eq!(fired.rule.id, "cool-when-hot-on");
    assert_eq!(fired.last_fired, Some(start + TimeDelta::minutes(1)));
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn traces_outlive_a_restart_and_only_each_rules_newest_fifty_are_kept() {
    let (_dir, path) = data_dir();
    let config = || config(&path, Duration::from_secs(3600));
    let hub = TestHub::start_with(config()).await;
    let (status, _, body) = hub
        .http_with("POST", "/api/rules", &kettle().to_string())
        .await;
    assert_eq!(status, 201, "{body}");
    let mut runs = Vec::new();
    for _ in 0..55 {
        let (status, _, body) = hub.http("POST", "/api/rules/kettle/run").await;
        assert_eq!(status, 200, "{body}");
        runs.push(serde_json::from_str::<Trace>(&body).unwrap());
    }
    let before: Vec<Trace> = get(&hub, "/api/rules/kettle/traces").await;
    assert_eq!(before, runs[5..]);
    assert!(
        before.iter().all(|trace| matches!(
            trace.outcomes[..],
            [Outcome {
                result: StepResult::Notified,
                ..
            }]
        )),
        "{before:?}"
    );
    hub.shut_down().await.unwrap();

    let hub = TestHub::start_with(config()).await;
    let after: Vec<Trace> = get(&hub, "/api/rules/kettle/traces").await;
    assert_eq!(after, before);
    // New traces carry on the numbering and push the oldest out.
    let (status, _, body) = hub.http("POST", "/api/rules/kettle/run").await;
    assert_eq!(status, 200, "{body}");
    let newest: Trace = serde_json::from_str(&body).unwrap();
    assert!(
        newest.id > before[49].id,
        "{} after {}",
        newest.id,
        before[49].id
    );
    let traces: Vec<Trace> = get(&hub, "/api/rules/kettle/traces").await;
    assert_eq!(traces.len(), 50);
    assert_eq!((&traces[0], &traces[49]), (&before[1], &newest));

    // A deleted rule's traces go with it, and do not come back with its id.
    let (status, _, body) = hub.http("DELETE", "/api/rules/kettle").await;
    assert_eq!(status, 204, "{body}");
    hub.shut_down().await.unwrap();
    let hub = TestHub::start_with(config()).await;
    let (status, _, body) = hub
        .http_with("POST", "/api/rules", &kettle().to_string())
        .await;
    assert_eq!(status, 201, "{body}");
    let traces: Vec<Trace> = get(&hub, "/api/rules/kettle/traces").await;
    assert!(traces.is_empty(), "{traces:?}");
    hub.shut_down().await.unwrap();
}
