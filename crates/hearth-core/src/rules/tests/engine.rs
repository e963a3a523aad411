//! The engine, driven by scripts of events at injected instants: one script
//! per trigger, condition and action kind, and the behaviours that matter to
//! the hub (holds with hysteresis, the min-cycle guard, modes, restarts).

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Europe::London;

use super::*;
use crate::device::DeviceState;
use crate::protocol::DeviceSnapshot;
use crate::reading::Reading;
use crate::rules::condition;
use crate::rules::engine::Context;
use crate::sun::{self, Site, Twilight};

fn london() -> Site {
    Site::new(51.5074, -0.1278).unwrap()
}

/// Friday 12 June 2026, 12:00 UTC (13:00 in London).
fn noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 12, 12, 0, 0).unwrap()
}

fn minutes(n: i64) -> DateTime<Utc> {
    noon() + Duration::minutes(n)
}

/// The house with nothing heard yet: every device in its default state.
fn world() -> World {
    World::new(house().into_iter().map(|device| {
        let on = device.can_switch().then_some(false);
        DeviceSnapshot {
            device,
            state: DeviceState {
                on,
                ..DeviceState::default()
            },
            readings: Vec::new(),
            last_seen: None,
            available: true,
        }
    }))
}

/// What happens at one instant of a script.
#[derive(Debug, Clone)]
enum Input {
    Tick,
    Reading(&'static str, Metric, f64),
    /// A device switched on or off.
    Switch(&'static str, bool),
}

/// A rule being driven through a script: the hub's part, in miniature.
struct Harness {
    rule: Rule,
    memory: RuleMemory,
    world: World,
}

impl Harness {
    fn new(rule: Rule, world: World) -> Harness {
        Harness {
            rule,
            memory: RuleMemory::default(),
            world,
        }
    }

    fn feed(&mut self, at: DateTime<Utc>, input: &Input) -> Vec<Decision> {
        let event = match input {
            Input::Tick => Event::Tick,
            Input::Reading(device, metric, value) => Event::Reading {
                reading: Reading::new(id(device), *metric, *value, at),
            },
            Input::Switch(device, on) => {
                let from = self.world.state(&id(device)).cloned().unwrap_or_default();
                let to = DeviceState {
                    on: Some(*on),
                    ..from.clone()
                };
                Event::StateChanged {
                    device: id(device),
                    from,
                    to,
                }
            }
        };
        self.world.apply(&event, at);
        let (memory, decisions) = evaluate(
            &self.rule,
            &self.memory,
            &self.world,
            &event,
            at,
            &london(),
            &London,
        );
        self.memory = memory;
        decisions
    }
}

/// A decision in one line: `fired 0: porch-light TurnOn`, `rejected 0`,
/// `busy 0`, `missed 0`. Steps due later than the firing show `+N min`.
fn summary(decision: &Decision) -> String {
    match decision {
        Decision::Fired(firing) => {
            let steps: Vec<String> = firing
                .steps
                .iter()
                .map(|step| {
                    let late = (step.at() - firing.at).num_minutes();
                    let when = if late == 0 {
                        String::new()
                    } else {
                        format!(" +{late} min")
                    };
                    let what = match step {
                        Step::Command {
                            device, command, ..
                        } => format!("{device} {command:?}"),
                        Step::Notify { message, .. } => format!("notify {message}"),
                        Step::Skipped { action, .. } => format!("skip {action}"),
                    };
                    what + &when
                })
                .collect();
            let cancels = if firing.cancels.is_empty() {
                String::new()
            } else {
                format!(" (cancels {:?})", firing.cancels)
            };
            format!("fired {}: {}{cancels}", firing.trigger, steps.join("; "))
        }
        Decision::Rejected { trigger, .. } => format!("rejected {trigger}"),
        Decision::Skipped { trigger, .. } => format!("busy {trigger}"),
        Decision::Missed { trigger, .. } => format!("missed {trigger}"),
    }
}

/// The assertion behind every script: feeding each input at its instant
/// yields exactly the decisions listed beside it.
#[track_caller]
fn check_script(harness: &mut Harness, script: &[(DateTime<Utc>, Input, &[&str])]) {
    for (at, input, want) in script {
        let got: Vec<String> = harness.feed(*at, input).iter().map(summary).collect();
        assert_eq!(got, *want, "{input:?} at {at}");
    }
}

fn script(rule: Rule, steps: &[(DateTime<Utc>, Input, &[&str])]) {
    check_script(&mut Harness::new(rule, world()), steps);
}

fn porch_on(trigger: Trigger) -> Rule {
    rule(vec![trigger], vec![], vec![turn_on("porch-light")])
}

const PORCH_ON: &[&str] = &["fired 0: porch-light TurnOn"];
const NOTHING: &[&str] = &[];

#[test]
fn sun_trigger_fires_at_the_event_plus_offset() {
    let dusk = sun::next(
        &london(),
        &London,
        SunEvent::Dusk(Twilight::Civil),
        noon(),
        2,
    )
    .unwrap();
    let at = dusk + Duration::minutes(15);
    script(
        porch_on(Trigger::Sun {
            event: SunEvent::Dusk(Twilight::Civil),
            offset: Span::minutes(15),
        }),
        &[
            (noon(), Input::Tick, NOTHING),
            (dusk, Input::Tick, NOTHING),
            (at - Duration::seconds(1), Input::Tick, NOTHING),
            (at, Input::Tick, PORCH_ON),
            (at + Duration::seconds(1), Input::Tick, NOTHING),
        ],
    );
}

#[test]
fn a_clock_trigger_remembers_its_next_moment_until_rescheduled() {
    let mut harness = Harness::new(
        porch_on(Trigger::Time {
            at: time(23, 0),
            weekdays: vec![],
        }),
        world(),
    );
    check_script(
        &mut harness,
        &[
            (noon(), Input::Tick, NOTHING),
            (minutes(1), Input::Tick, NOTHING),
        ],
    );
    assert_eq!(harness.memory.triggers[0].quiet_until, Some(minutes(600)));
    harness.memory.reschedule();
    assert_eq!(harness.memory.triggers[0].quiet_until, None);
    check_script(
        &mut harness,
        &[
            (minutes(2), Input::Tick, NOTHING),
            (minutes(600), Input::Tick, PORCH_ON),
        ],
    );
    assert_eq!(
        harness.memory.triggers[0].quiet_until,
        Some(minutes(600 + 1440))
    );
}

#[test]
fn elevation_trigger_fires_at_the_crossing() {
    let at = sun::next_crossing(&london(), &London, 10.0, Direction::Setting, noon(), 2).unwrap();
    script(
        porch_on(Trigger::Elevation {
            elevation: 10.0,
            direction: Direction::Setting,
        }),
        &[
            (noon(), Input::Tick, NOTHING),
            (at - Duration::seconds(1), Input::Tick, NOTHING),
            (at, Input::Tick, PORCH_ON),
            (at + Duration::hours(1), Input::Tick, NOTHING),
        ],
    );
}

#[test]
fn time_trigger_fires_on_its_weekdays_and_catches_up_within_grace() {
    // 23:00 in London in June is 22:00 UTC; 12 June 2026 is a Friday.
    let friday = Trigger::Time {
        at: time(23, 0),
        weekdays: vec![chrono::Weekday::Fri],
    };
    script(
        porch_on(friday.clone()),
        &[
            (noon(), Input::Tick, NOTHING),
            (minutes(599), Input::Tick, NOTHING),
            (minutes(600), Input::Tick, PORCH_ON),
            (minutes(601), Input::Tick, NOTHING),
            // Saturday 23:00: not a Friday.
            (minutes(600 + 1440), Input::Tick, NOTHING),
        ],
    );
    // The hub was down over 23:00 and back within the grace: fires once, late.
    script(
        porch_on(friday.clone()),
        &[
            (minutes(580), Input::Tick, NOTHING),
            (minutes(590), Input::Tick, NOTHING),
            (minutes(610), Input::Tick, PORCH_ON),
            (minutes(611), Input::Tick, NOTHING),
        ],
    );
    // Back after the grace: the firing is reported missed, not run.
    script(
        porch_on(friday),
        &[
            (minutes(580), Input::Tick, NOTHING),
            (minutes(590), Input::Tick, NOTHING),
            (minutes(620), Input::Tick, &["missed 0"]),
            (minutes(621), Input::Tick, NOTHING),
        ],
    );
}

#[test]
fn every_trigger_fires_through_the_day_from_its_start() {
    // From 14:00 London time (13:00 UTC), every 15 minutes.
    script(
        porch_on(Trigger::Every {
            every: Span::minutes(15),
            from: Some(time(14, 0)),
        }),
        &[
            (noon(), Input::Tick, NOTHING),
            (minutes(30), Input::Tick, NOTHING),
            (minutes(59), Input::Tick, NOTHING),
            (minutes(60), Input::Tick, PORCH_ON),
            (minutes(74), Input::Tick, NOTHING),
            (minutes(75), Input::Tick, PORCH_ON),
            (minutes(89), Input::Tick, NOTHING),
            (minutes(90), Input::Tick, PORCH_ON),
            // Down for 45 minutes: 14:45 and 15:00 are past the grace (the
            // first is reported), 15:15 is within it and fires once.
            (
                minutes(135),
                Input::Tick,
                &["missed 0", "fired 0: porch-light TurnOn"],
            ),
            (minutes(136), Input::Tick, NOTHING),
        ],
    );
}

fn ac_on_when_hot() -> Rule {
    rule(
        vec![hot(
            "living-room-thermometer",
            26.0,
            2.0,
            Some(Span::minutes(10)),
        )],
        vec![],
        vec![turn_on("living-room-ac")],
    )
}

fn temperature(value: f64) -> Input {
    Input::Reading("living-room-thermometer", Metric::Temperature, value)
}

const AC_ON: &[&str] = &["fired 0: living-room-ac TurnOn"];

#[test]
fn numeric_trigger_holds_then_fires_once_until_rearmed_below_the_hysteresis() {
    script(
        ac_on_when_hot(),
        &[
            (minutes(0), temperature(25.0), NOTHING),
            // Above 26: the hold starts; a dip to 25.9 resets it.
            (minutes(1), temperature(26.5), NOTHING),
            (minutes(8), temperature(25.9), NOTHING),
            (minutes(12), Input::Tick, NOTHING),
            // Above again from minute 13: fires at 23, by tick.
            (minutes(13), temperature(26.2), NOTHING),
            (minutes(20), temperature(27.0), NOTHING),
            (minutes(22), Input::Tick, NOTHING),
            (minutes(23), Input::Tick, AC_ON),
            (minutes(30), Input::Tick, NOTHING),
            // Below 26 but not below 24: not re-armed, so no second firing.
            (minutes(40), temperature(25.0), NOTHING),
            (minutes(41), temperature(27.0), NOTHING),
            (minutes(60), Input::Tick, NOTHING),
            // Below 24 re-arms; the next hold fires again.
            (minutes(61), temperature(23.5), NOTHING),
            (minutes(62), temperature(26.5), NOTHING),
            (minutes(72), temperature(26.4), AC_ON),
            (minutes(90), Input::Tick, NOTHING),
        ],
    );
}

#[test]
fn numeric_trigger_does_not_fire_for_a_value_already_past_when_first_seen() {
    script(
        ac_on_when_hot(),
        &[
            (minutes(0), temperature(28.0), NOTHING),
            (minutes(30), Input::Tick, NOTHING),
            (minutes(31), temperature(23.0), NOTHING),
            (minutes(32), temperature(27.0), NOTHING),
            (minutes(42), Input::Tick, AC_ON),
        ],
    );
}

#[test]
fn numeric_trigger_without_hold_fires_on_the_crossing() {
    script(
        rule(
            vec![Trigger::Numeric {
                device: id("fridge"),
                metric: Metric::Temperature,
                crossing: Crossing::Below,
                threshold: 3.0,
                hysteresis: 0.5,
                hold: None,
            }],
            vec![],
            vec![Action::Notify {
                message: "Fridge too cold".into(),
                level: NotifyLevel::Info,
            }],
        ),
        &[
            (
                minutes(0),
                Input::Reading("fridge", Metric::Temperature, 4.0),
                NOTHING,
            ),
            (
                minutes(1),
                Input::Reading("fridge", Metric::Temperature, 2.9),
                &["fired 0: notify Fridge too cold"],
            ),
            (
                minutes(2),
                Input::Reading("fridge", Metric::Temperature, 3.2),
                NOTHING,
            ),
            (
                minutes(3),
                Input::Reading("fridge", Metric::Temperature, 2.5),
                NOTHING,
            ),
            (
                minutes(4),
                Input::Reading("fridge", Metric::Temperature, 3.5),
                NOTHING,
            ),
            (
                minutes(5),
                Input::Reading("fridge", Metric::Temperature, 2.0),
                &["fired 0: notify Fridge too cold"],
            ),
        ],
    );
}

#[test]
fn state_trigger_fires_after_its_hold_and_cancels_when_the_state_goes_back() {
    script(
        rule(
            vec![Trigger::State {
                device: id("living-room-light"),
                from: Some(StateMatch::On(false)),
                to: Some(StateMatch::On(true)),
                hold: Some(Span::minutes(5)),
            }],
            vec![],
            vec![turn_on("porch-light")],
        ),
        &[
            (
                minutes(0),
                Input::Switch("living-room-light", true),
                NOTHING,
            ),
            (minutes(4), Input::Tick, NOTHING),
            (minutes(5), Input::Tick, PORCH_ON),
            (minutes(6), Input::Tick, NOTHING),
            (
                minutes(10),
                Input::Switch("living-room-light", false),
                NOTHING,
            ),
            (
                minutes(11),
                Input::Switch("living-room-light", true),
                NOTHING,
            ),
            (
                minutes(13),
                Input::Switch("living-room-light", false),
                NOTHING,
            ),
            (minutes(20), Input::Tick, NOTHING),
            // Another device changing is not this trigger's business.
            (minutes(21), Input::Switch("bedroom-light", true), NOTHING),
            (minutes(30), Input::Tick, NOTHING),
        ],
    );
}

#[test]
fn unavailable_trigger_fires_once_per_silence() {
    let fridge = |value| Input::Reading("fridge", Metric::Temperature, value);
    script(
        rule(
            vec![Trigger::Unavailable {
                device: id("fridge"),
                hold: Span::minutes(30),
            }],
            vec![],
            vec![Action::Notify {
                message: "Fridge is silent".into(),
                level: NotifyLevel::Info,
            }],
        ),
        &[
            (minutes(0), Input::Tick, NOTHING),
            (minutes(1), fridge(4.0), NOTHING),
            (minutes(30), Input::Tick, NOTHING),
            (
                minutes(31),
                Input::Tick,
                &["fired 0: notify Fridge is silent"],
            ),
            (minutes(45), Input::Tick, NOTHING),
            (minutes(50), fridge(4.1), NOTHING),
            (minutes(79), Input::Tick, NOTHING),
            (
                minutes(80),
                Input::Tick,
                &["fired 0: notify Fridge is silent"],
            ),
        ],
    );
}

/// The house with a few things known: the living room at 25 °C, the AC on
/// and cooling.
fn lived_in() -> World {
    let mut world = world();
    world.apply(
        &Event::Reading {
            reading: Reading::new(
                id("living-room-thermometer"),
                Metric::Temperature,
                25.0,
                noon(),
            ),
        },
        noon(),
    );
    let ac = world.devices.get_mut(&id("living-room-ac")).unwrap();
    ac.state.on = Some(true);
    ac.state.mode = Some(HvacMode::Cool);
    world
}

#[test]
fn conditions_table() {
    let utc = |text: &str| text.parse::<DateTime<Utc>>().unwrap();
    let evening = utc("2026-06-12T22:30:00Z"); // 23:30 on Friday in London
    let after_midnight = utc("2026-06-12T23:30:00Z"); // 00:30 on Saturday
    let before_sunrise = utc("2026-06-13T03:00:00Z"); // sunrise is 03:43
    let sun = |event| SunBound {
        event,
        offset: Span::default(),
    };
    let window = |after: Option<(u32, u32)>, before: Option<(u32, u32)>| Condition::Time {
        after: after.map(|(h, m)| time(h, m)),
        before: before.map(|(h, m)| time(h, m)),
    };
    let numeric = |device: &str, above, below| Condition::Numeric {
        device: id(device),
        metric: Metric::Temperature,
        above,
        below,
    };
    let ac = |is| Condition::State {
        device: id("living-room-ac"),
        is,
    };
    let yes = || window(Some((12, 0)), Some((14, 0)));
    let no = || window(Some((14, 0)), None);
    let night = || Condition::Sun {
        after: Some(sun(SunEvent::Sunset)),
        before: Some(sun(SunEvent::Sunrise)),
    };
    let table: Vec<(Condition, DateTime<Utc>, bool)> = vec![
        (yes(), noon(), true),
        (no(), noon(), false),
        (window(None, Some((13, 0))), noon(), false),
        (window(Some((22, 0)), Some((6, 0))), noon(), false),
        (window(Some((22, 0)), Some((6, 0))), evening, true),
        (window(Some((22, 0)), Some((6, 0))), before_sunrise, true),
        (
            Condition::Weekday {
                weekdays: vec![chrono::Weekday::Fri],
            },
            noon(),
            true,
        ),
        (
            Condition::Weekday {
                weekdays: vec![chrono::Weekday::Fri],
            },
            after_midnight,
            false,
        ),
        (
            Condition::Weekday {
                weekdays: vec![chrono::Weekday::Sat],
            },
            after_midnight,
            true,
        ),
        (night(), noon(), false),
        (night(), evening, true),
        (night(), before_sunrise, true),
        (
            Condition::Sun {
                after: None,
                before: Some(SunBound {
                    event: SunEvent::Sunset,
                    offset: Span::minutes(-30),
                }),
            },
            noon(),
            true,
        ),
        (
            Condition::Sun {
                after: Some(sun(SunEvent::Dusk(Twilight::Nautical))),
                before: None,
            },
            evening,
            true,
        ),
        (
            Condition::Elevation {
                above: Some(50.0),
                below: None,
            },
            noon(),
            true,
        ),
        (
            Condition::Elevation {
                above: None,
                below: Some(0.0),
            },
            noon(),
            false,
        ),
        (
            numeric("living-room-thermometer", Some(24.0), Some(26.0)),
            noon(),
            true,
        ),
        (
            numeric("living-room-thermometer", Some(25.0), None),
            noon(),
            false,
        ),
        (
            numeric("kitchen-thermometer", None, Some(40.0)),
            noon(),
            false,
        ),
        (ac(StateMatch::On(true)), noon(), true),
        (ac(StateMatch::Mode(HvacMode::Heat)), noon(), false),
        (
            Condition::And {
                conditions: vec![yes(), no()],
            },
            noon(),
            false,
        ),
        (
            Condition::Or {
                conditions: vec![yes(), no()],
            },
            noon(),
            true,
        ),
        (
            Condition::Not {
                condition: Box::new(no()),
            },
            noon(),
            true,
        ),
    ];
    let world = lived_in();
    for (condition, now, want) in table {
        let context = Context {
            world: &world,
            site: &london(),
            tz: &London,
            now,
        };
        let mut trace = Vec::new();
        let got = condition::check(&condition, "c".into(), &context, &mut trace);
        assert_eq!(got, want, "{condition:?} at {now}: {trace:#?}");
    }
}

#[test]
fn a_rejected_firing_traces_every_condition_with_its_path() {
    let mut harness = Harness::new(
        rule(
            vec![Trigger::Every {
                every: Span::minutes(15),
                from: None,
            }],
            vec![Condition::Or {
                conditions: vec![
                    Condition::State {
                        device: id("living-room-ac"),
                        is: StateMatch::On(false),
                    },
                    Condition::Not {
                        condition: Box::new(Condition::Weekday {
                            weekdays: vec![chrono::Weekday::Fri],
                        }),
                    },
                ],
            }],
            vec![turn_on("porch-light")],
        ),
        lived_in(),
    );
    harness.feed(minutes(0), &Input::Tick);
    let decisions = harness.feed(minutes(15), &Input::Tick);
    let [Decision::Rejected { trace, .. }] = decisions.as_slice() else {
        panic!("{decisions:#?}");
    };
    let got: Vec<(&str, bool, &str)> = trace
        .iter()
        .map(|r| (r.path.as_str(), r.passed, r.why.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("conditions[0]", false, "0 of 2 hold"),
            (
                "conditions[0].conditions[0]",
                false,
                "living-room-ac is on, in cool mode"
            ),
            (
                "conditions[0].conditions[1]",
                false,
                "the condition inside holds"
            ),
            (
                "conditions[0].conditions[1].condition",
                true,
                "today is Fri"
            ),
        ]
    );
}

/// Fires by schedule every 15 minutes (13:15 London time is `minutes(15)`).
fn every_quarter(actions: Vec<Action>) -> Rule {
    rule(
        vec![Trigger::Every {
            every: Span::minutes(15),
            from: None,
        }],
        vec![],
        actions,
    )
}

#[test]
fn track_setpoint_follows_the_source_clamped_and_rounded_to_the_step() {
    let track = Action::TrackSetpoint {
        device: id("living-room-ac"),
        source: id("outdoor-thermometer"),
        metric: Metric::Temperature,
        offset: -6.0,
        min: 24.0,
        max: 28.0,
    };
    let table: [(Option<f64>, &str); 5] = [
        (
            Some(31.3),
            "fired 0: living-room-ac SetSetpoint { value: 25.5 }",
        ),
        (
            Some(31.2),
            "fired 0: living-room-ac SetSetpoint { value: 25.0 }",
        ),
        (
            Some(40.0),
            "fired 0: living-room-ac SetSetpoint { value: 28.0 }",
        ),
        (
            Some(12.0),
            "fired 0: living-room-ac SetSetpoint { value: 24.0 }",
        ),
        (None, "fired 0: skip 0"),
    ];
    for (outdoor, want) in table {
        let mut harness = Harness::new(every_quarter(vec![track.clone()]), world());
        let mut steps = vec![(minutes(0), Input::Tick, NOTHING)];
        if let Some(value) = outdoor {
            steps.push((
                minutes(1),
                Input::Reading("outdoor-thermometer", Metric::Temperature, value),
                NOTHING,
            ));
        }
        let fired = [want];
        steps.push((minutes(15), Input::Tick, &fired));
        check_script(&mut harness, &steps);
    }
}

#[test]
fn delays_move_later_steps_and_notify_is_a_step() {
    script(
        every_quarter(vec![
            turn_on("porch-light"),
            Action::Delay {
                wait: Span::minutes(5),
            },
            Action::Notify {
                message: "Porch light on for 5 min".into(),
                level: NotifyLevel::Info,
            },
            Action::Command {
                device: id("porch-light"),
                command: Command::TurnOff,
                min_cycle: None,
            },
        ]),
        &[
            (minutes(0), Input::Tick, NOTHING),
            (
                minutes(15),
                Input::Tick,
                &[
                    "fired 0: porch-light TurnOn; notify Porch light on for 5 min +5 min; porch-light TurnOff +5 min",
                ],
            ),
        ],
    );
}

/// Notifies, waits ten minutes, notifies again; fired every five minutes.
fn slow(mode: Mode, max: Option<u32>) -> Rule {
    Rule {
        mode,
        max,
        ..rule(
            vec![Trigger::Every {
                every: Span::minutes(5),
                from: None,
            }],
            vec![],
            vec![
                Action::Notify {
                    message: "a".into(),
                    level: NotifyLevel::Info,
                },
                Action::Delay {
                    wait: Span::minutes(10),
                },
                Action::Notify {
                    message: "b".into(),
                    level: NotifyLevel::Info,
                },
            ],
        )
    }
}

#[test]
fn modes_decide_what_a_firing_during_a_run_does() {
    let now = "fired 0: notify a; notify b +10 min";
    script(
        slow(Mode::Single, None),
        &[
            (minutes(0), Input::Tick, NOTHING),
            (minutes(5), Input::Tick, &[now]),
            (minutes(10), Input::Tick, &["busy 0"]),
            (minutes(15), Input::Tick, &[now]),
        ],
    );
    script(
        slow(Mode::Restart, None),
        &[
            (minutes(0), Input::Tick, NOTHING),
            (minutes(5), Input::Tick, &[now]),
            (minutes(10), Input::Tick, &[&format!("{now} (cancels [0])")]),
            (minutes(15), Input::Tick, &[&format!("{now} (cancels [1])")]),
        ],
    );
    script(
        slow(Mode::Queued, Some(2)),
        &[
            (minutes(0), Input::Tick, NOTHING),
            (minutes(5), Input::Tick, &[now]),
            // Starts when the first run ends, at 15.
            (
                minutes(10),
                Input::Tick,
                &["fired 0: notify a +5 min; notify b +15 min"],
            ),
            // The first run is over; this one starts after the second, at 25.
            (
                minutes(15),
                Input::Tick,
                &["fired 0: notify a +10 min; notify b +20 min"],
            ),
            (minutes(20), Input::Tick, &["busy 0"]),
        ],
    );
}

#[test]
fn min_cycle_holds_a_switch_back_until_the_minimum_is_over() {
    let guarded = rule(
        vec![hot("living-room-thermometer", 26.0, 2.0, None)],
        vec![],
        vec![
            Action::Command {
                device: id("living-room-ac"),
                command: Command::TurnOn,
                min_cycle: Some(Span::minutes(10)),
            },
            Action::Notify {
                message: "cooling".into(),
                level: NotifyLevel::Info,
            },
        ],
    );
    script(
        guarded,
        &[
            // Someone switched the AC off at minute 0: turning it on waits
            // until 10, and the rest of the run with it.
            (minutes(-20), Input::Switch("living-room-ac", true), NOTHING),
            (minutes(0), Input::Switch("living-room-ac", false), NOTHING),
            (minutes(1), temperature(25.0), NOTHING),
            (
                minutes(5),
                temperature(27.0),
                &["fired 0: living-room-ac TurnOn +5 min; notify cooling +5 min"],
            ),
            // The AC has not reported back, so it still looks off; the
            // rule's own switch, planned for 10, guards until 20.
            (minutes(8), temperature(23.0), NOTHING),
            (
                minutes(12),
                temperature(27.0),
                &["fired 0: living-room-ac TurnOn +8 min; notify cooling +8 min"],
            ),
            // Switched off at 30 and wanted on at 45: long enough, at once.
            (minutes(30), Input::Switch("living-room-ac", false), NOTHING),
            (minutes(31), temperature(23.0), NOTHING),
            (
                minutes(45),
                temperature(27.0),
                &["fired 0: living-room-ac TurnOn; notify cooling"],
            ),
        ],
    );
}

#[test]
fn a_hold_survives_a_restart_and_fires_exactly_once() {
    let mut before = Harness::new(ac_on_when_hot(), world());
    check_script(
        &mut before,
        &[
            (minutes(0), temperature(25.0), NOTHING),
            (minutes(1), temperature(27.0), NOTHING),
            (minutes(5), Input::Tick, NOTHING),
        ],
    );
    assert_eq!(
        next_deadline(&before.rule, &before.memory, &before.world),
        Some(minutes(11))
    );
    // The hub stops at minute 5 and comes back at 30, past the deadline, with
    // the room still hot: one firing, on the first tick.
    let saved = serde_json::to_string(&before.memory).unwrap();
    let restored = || Harness {
        rule: ac_on_when_hot(),
        memory: serde_json::from_str(&saved).unwrap(),
        world: before.world.clone(),
    };
    check_script(
        &mut restored(),
        &[
            (minutes(30), Input::Tick, AC_ON),
            (minutes(31), Input::Tick, NOTHING),
            (minutes(32), temperature(27.5), NOTHING),
        ],
    );
    // Back with the room cooled meanwhile: the first reading cancels the hold.
    check_script(
        &mut restored(),
        &[
            (minutes(30), temperature(25.5), NOTHING),
            (minutes(31), Input::Tick, NOTHING),
        ],
    );
}

#[test]
fn a_disabled_rule_decides_nothing_and_does_not_catch_up() {
    let friday = porch_on(Trigger::Time {
        at: time(23, 0),
        weekdays: vec![],
    });
    let mut harness = Harness::new(
        Rule {
            enabled: false,
            ..friday.clone()
        },
        world(),
    );
    check_script(
        &mut harness,
        &[
            (minutes(590), Input::Tick, NOTHING),
            (minutes(600), Input::Tick, NOTHING),
        ],
    );
    harness.rule = friday;
    check_script(
        &mut harness,
        &[
            (minutes(605), Input::Tick, NOTHING),
            (minutes(600 + 1440), Input::Tick, PORCH_ON),
        ],
    );
}

/// The two rules of the cooling template over one world, with the AC
/// obeying each command at once: on above 26 °C held for 10 minutes, off
/// below 24 °C, and never switched twice within 10 minutes.
#[test]
fn the_cooling_template_switches_at_the_edges_of_its_band() {
    let template = cool_when_hot(&id("living-room-thermometer"), &id("living-room-ac"));
    let mut world = world();
    let mut memories = vec![RuleMemory::default(); template.rules.len()];
    let on = "0 fired 0: living-room-ac SetMode { mode: Cool }; living-room-ac TurnOn";
    let table: &[(i64, f64, &[&str])] = &[
        (0, 25.0, &[]),
        (1, 26.5, &[]),
        (10, 26.8, &[]),
        (11, 26.4, &[on]),
        (20, 25.0, &[]),
        (30, 23.9, &["1 fired 0: living-room-ac TurnOff"]),
        (31, 26.5, &[]),
        (41, 26.6, &[on]),
        // Cooled fast: the off waits for the AC's ten minutes.
        (43, 23.5, &["1 fired 0: living-room-ac TurnOff +8 min"]),
    ];
    for &(minute, value, want) in table {
        let now = minutes(minute);
        let event = Event::Reading {
            reading: Reading::new(
                id("living-room-thermometer"),
                Metric::Temperature,
                value,
                now,
            ),
        };
        world.apply(&event, now);
        let mut got = Vec::new();
        for (index, rule) in template.rules.iter().enumerate() {
            let (memory, decisions) = evaluate(
                rule,
                &memories[index],
                &world,
                &event,
                now,
                &london(),
                &London,
            );
            memories[index] = memory;
            for decision in &decisions {
                got.push(format!("{index} {}", summary(decision)));
                let Decision::Fired(firing) = decision else {
                    continue;
                };
                for step in &firing.steps {
                    if let Step::Command {
                        device, command, ..
                    } = step
                    {
                        obey(&mut world, device, command, step.at());
                    }
                }
            }
        }
        assert_eq!(got, want, "{value} °C at minute {minute}");
    }
}

/// The device carries out `command` at `at` and reports its new state.
fn obey(world: &mut World, device: &DeviceId, command: &Command, at: DateTime<Utc>) {
    let snapshot = &world.devices[device];
    let from = snapshot.state.clone();
    let to = command.apply(&snapshot.device, &from);
    world.apply(
        &Event::StateChanged {
            device: device.clone(),
            from,
            to,
        },
        at,
    );
}

#[test]
fn firings_say_what_their_trigger_saw() {
    let reason = |rule: Rule, script: &[(DateTime<Utc>, Input)]| {
        let mut harness = Harness::new(rule, world());
        let mut last = Vec::new();
        for (at, input) in script {
            last = harness.feed(*at, input);
        }
        match last.as_slice() {
            [Decision::Fired(firing)] => firing.reason.clone(),
            other => panic!("{other:#?}"),
        }
    };
    let dusk = sun::next(
        &london(),
        &London,
        SunEvent::Dusk(Twilight::Civil),
        noon(),
        2,
    )
    .unwrap();
    let table = [
        (
            reason(
                porch_on(Trigger::Sun {
                    event: SunEvent::Dusk(Twilight::Civil),
                    offset: Span::minutes(-20),
                }),
                &[
                    (noon(), Input::Tick),
                    (dusk - Duration::minutes(20), Input::Tick),
                ],
            ),
            "civil dusk -20 min at 21:45",
        ),
        (
            reason(
                porch_on(Trigger::Time {
                    at: time(23, 0),
                    weekdays: vec![],
                }),
                &[(noon(), Input::Tick), (minutes(600), Input::Tick)],
            ),
            "the time is 23:00",
        ),
        (
            reason(
                ac_on_when_hot(),
                &[
                    (minutes(0), temperature(25.0)),
                    (minutes(1), temperature(26.5)),
                    (minutes(11), temperature(26.4)),
                ],
            ),
            "living-room-thermometer temperature 26.4 above 26 for 10 min",
        ),
        (
            reason(
                porch_on(Trigger::Unavailable {
                    device: id("fridge"),
                    hold: Span::hours(1),
                }),
                &[
                    (
                        minutes(0),
                        Input::Reading("fridge", Metric::Temperature, 4.0),
                    ),
                    (minutes(60), Input::Tick),
                ],
            ),
            "nothing heard from fridge since 2026-06-12 12:00:00 UTC",
        ),
    ];
    for (got, want) in table {
        assert_eq!(got, want);
    }
}

/// A firing as the hub stores it in a trace and serves it to the dashboard.
#[test]
fn a_firing_in_json() {
    let mut harness = Harness::new(
        Rule {
            conditions: vec![Condition::Weekday {
                weekdays: vec![chrono::Weekday::Fri],
            }],
            ..porch_on(Trigger::Time {
                at: time(23, 0),
                weekdays: vec![],
            })
        },
        world(),
    );
    harness.feed(noon(), &Input::Tick);
    let decisions = harness.feed(minutes(600), &Input::Tick);
    assert_eq!(
        serde_json::to_value(&decisions).unwrap(),
        serde_json::json!([{
            "decision": "fired",
            "trigger": 0,
            "at": "2026-06-12T22:00:00Z",
            "reason": "the time is 23:00",
            "trace": [{"path": "conditions[0]", "passed": true, "why": "today is Fri"}],
            "run": 0,
            "starts": "2026-06-12T22:00:00Z",
            "steps": [{
                "step": "command",
                "action": 0,
                "at": "2026-06-12T22:00:00Z",
                "device": "porch-light",
                "command": {"action": "turn_on"}
            }]
        }])
    );
}

#[test]
fn run_now_skips_triggers_and_conditions_but_not_the_mode() {
    let night_only = Condition::Time {
        after: NaiveTime::from_hms_opt(1, 0, 0),
        before: NaiveTime::from_hms_opt(2, 0, 0),
    };
    let delayed = rule(
        vec![Trigger::Sun {
            event: SunEvent::Dusk(Twilight::Civil),
            offset: Span::default(),
        }],
        vec![night_only],
        vec![
            turn_on("porch-light"),
            Action::Delay {
                wait: Span::minutes(5),
            },
        ],
    );
    let disabled = Rule {
        enabled: false,
        ..delayed
    };
    let world = world();
    let mut memory = RuleMemory::default();
    // Table: the instant asked at, and what comes back.
    let table = [
        (noon(), "fired 0: porch-light TurnOn", true),
        // The first run is still waiting out its delay: `single` skips.
        (minutes(2), "busy 0", false),
        (minutes(6), "fired 0: porch-light TurnOn", true),
    ];
    for (at, want, by_hand) in table {
        let (next, decision) = run_now(&disabled, &memory, &world, at, &london(), &London);
        assert_eq!(summary(&decision), want, "at {at}");
        assert_eq!(
            matches!(&decision, Decision::Fired(firing) if firing.by_hand),
            by_hand,
            "at {at}"
        );
        assert!(next.triggers.iter().all(|t| t.last_fired.is_none()));
        memory = next;
    }
}

/// One replay: readings of the living-room thermometer as (minute, °C) over
/// the first two hours after noon, and the minutes it would have fired at.
struct ReplayCase {
    name: &'static str,
    rule: Rule,
    readings: Vec<(i64, f64)>,
    fired: Vec<i64>,
}

#[test]
fn a_replay_fires_where_the_runner_would_have() {
    let ac = || turn_on("living-room-ac");
    let hold = |minutes| {
        hot(
            "living-room-thermometer",
            26.0,
            2.0,
            Some(Span::minutes(minutes)),
        )
    };
    let table = [
        ReplayCase {
            name: "a hold fires when it ends, not at the next reading",
            rule: rule(vec![hold(10)], vec![], vec![ac()]),
            readings: vec![(0, 25.0), (5, 27.0), (30, 27.0), (40, 23.0)],
            fired: vec![15],
        },
        ReplayCase {
            name: "hysteresis: no second firing until back below 24",
            rule: rule(vec![hold(5)], vec![], vec![ac()]),
            readings: vec![
                (0, 25.0),
                (1, 27.0),
                (10, 25.0),
                (11, 27.0),
                (20, 23.0),
                (21, 27.0),
            ],
            fired: vec![6, 26],
        },
        ReplayCase {
            name: "already hot at the start is not a crossing",
            rule: rule(vec![hold(5)], vec![], vec![ac()]),
            readings: vec![(0, 27.0), (30, 27.0)],
            fired: vec![],
        },
        ReplayCase {
            name: "clock moments tick with no readings, conditions apply",
            rule: rule(
                vec![Trigger::Every {
                    every: Span::minutes(30),
                    from: None,
                }],
                vec![Condition::Numeric {
                    device: id("living-room-thermometer"),
                    metric: Metric::Temperature,
                    above: Some(26.0),
                    below: None,
                }],
                vec![ac()],
            ),
            readings: vec![(0, 25.0), (50, 27.0)],
            fired: vec![60, 90, 120],
        },
    ];
    for case in table {
        let readings = case.readings.iter().map(|(minute, celsius)| {
            Reading::new(
                id("living-room-thermometer"),
                Metric::Temperature,
                *celsius,
                minutes(*minute),
            )
        });
        let found = replay(
            &case.rule,
            world(),
            readings,
            noon(),
            minutes(120),
            &london(),
            &London,
        );
        let fired: Vec<i64> = found
            .iter()
            .map(|replayed| (replayed.at - noon()).num_minutes())
            .collect();
        assert_eq!(fired, case.fired, "{}: {found:?}", case.name);
    }
}

#[test]
fn a_clock_trigger_leaves_its_memory_alone_until_its_moment() {
    // The hub writes every memory that changes to its store, so a reading
    // that cannot make a 23:00 rule fire must not change that rule's memory.
    let rule = porch_on(Trigger::Time {
        at: time(23, 0),
        weekdays: vec![],
    });
    let world = world();
    let reading = |at| Event::Reading {
        reading: Reading::new(id("living-room-thermometer"), Metric::Temperature, 21.0, at),
    };
    let evaluate = |memory: &RuleMemory, at| {
        evaluate(&rule, memory, &world, &reading(at), at, &london(), &London)
    };
    // The first event starts the trigger, the second works out its moment.
    let (started, _) = evaluate(&RuleMemory::default(), minutes(0));
    let (first, _) = evaluate(&started, minutes(1));
    for minute in [2, 60, 120] {
        let (memory, decisions) = evaluate(&first, minutes(minute));
        assert_eq!(memory, first, "minute {minute}");
        assert!(decisions.is_empty(), "minute {minute}");
    }
}
