//! `next_firings`: sun events with offsets against the sun module itself,
//! and local times across the clock changes in Europe/London.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Europe::London;

use super::*;
use crate::sun::{self, Site, Twilight};

fn london() -> Site {
    Site::new(51.5074, -0.1278).unwrap()
}

fn utc(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

/// The assertion behind every schedule case: `rule`'s firings in
/// `(from, from + horizon]` are exactly `want`, as (instant, trigger).
#[track_caller]
fn check_firings(rule: &Rule, from: &str, horizon: Duration, want: &[(DateTime<Utc>, usize)]) {
    let got: Vec<(DateTime<Utc>, usize)> =
        next_firings(rule, utc(from), horizon, &london(), &London)
            .into_iter()
            .map(|upcoming| (upcoming.at, upcoming.trigger))
            .collect();
    assert_eq!(got, want, "{:?} from {from}", rule.triggers);
}

/// "Civil dusk + 15 min" is the sun module's civil dusk plus 15 minutes,
/// day after day, across both of London's clock changes.
#[test]
fn dusk_plus_offset_is_the_sun_modules_dusk_plus_offset_across_dst() {
    let dusk = SunEvent::Dusk(Twilight::Civil);
    let rule = rule(
        vec![Trigger::Sun {
            event: dusk,
            offset: Span::minutes(15),
        }],
        vec![],
        vec![turn_on("porch-light")],
    );
    for from in ["2026-03-22T12:00:00Z", "2026-10-18T12:00:00Z"] {
        let horizon = Duration::days(14);
        let want: Vec<(DateTime<Utc>, usize)> =
            std::iter::successors(sun::next(&london(), &London, dusk, utc(from), 20), |&at| {
                sun::next(&london(), &London, dusk, at, 20)
            })
            .map(|at| (at + Duration::minutes(15), 0))
            .take_while(|(at, _)| *at <= utc(from) + horizon)
            .collect();
        assert_eq!(want.len(), 14, "one dusk a day");
        check_firings(&rule, from, horizon, &want);
    }
}

#[test]
fn local_times_across_dst() {
    let at = |hour, minute| {
        rule(
            vec![Trigger::Time {
                at: time(hour, minute),
                weekdays: vec![],
            }],
            vec![],
            vec![turn_on("porch-light")],
        )
    };
    let three_days = Duration::days(3);
    let table = [
        // Spring: 01:30 does not exist on 29 March; it fires when the clocks
        // jump, 01:00 UTC.
        (
            at(1, 30),
            "2026-03-27T12:00:00Z",
            vec![
                utc("2026-03-28T01:30:00Z"),
                utc("2026-03-29T01:00:00Z"),
                utc("2026-03-30T00:30:00Z"),
            ],
        ),
        // Autumn: 01:30 happens twice on 25 October; it fires at the first.
        (
            at(1, 30),
            "2026-10-23T12:00:00Z",
            vec![
                utc("2026-10-24T00:30:00Z"),
                utc("2026-10-25T00:30:00Z"),
                utc("2026-10-26T01:30:00Z"),
            ],
        ),
        // An ordinary time keeps its local hour, so moves an hour in UTC.
        (
            at(7, 0),
            "2026-03-27T12:00:00Z",
            vec![
                utc("2026-03-28T07:00:00Z"),
                utc("2026-03-29T06:00:00Z"),
                utc("2026-03-30T06:00:00Z"),
            ],
        ),
    ];
    for (rule, from, want) in table {
        let want: Vec<_> = want.into_iter().map(|at| (at, 0)).collect();
        check_firings(&rule, from, three_days, &want);
    }
}

#[test]
fn schedules_skip_the_gap_once_and_merge_triggers_in_order() {
    let rule = rule(
        vec![
            Trigger::Every {
                every: Span::minutes(30),
                from: None,
            },
            Trigger::Time {
                at: time(3, 0),
                weekdays: vec![chrono::Weekday::Sun],
            },
            // Value-driven triggers have no schedule.
            hot("living-room-thermometer", 26.0, 0.0, None),
        ],
        vec![],
        vec![turn_on("porch-light")],
    );
    // 29 March: local 01:00 to 02:00 does not exist; 01:00, 01:30 and 02:00
    // local all land on the jump (01:00 UTC), which fires once.
    check_firings(
        &rule,
        "2026-03-28T23:59:00Z",
        Duration::minutes(121),
        &[
            (utc("2026-03-29T00:00:00Z"), 0),
            (utc("2026-03-29T00:30:00Z"), 0),
            (utc("2026-03-29T01:00:00Z"), 0),
            (utc("2026-03-29T01:30:00Z"), 0),
            (utc("2026-03-29T02:00:00Z"), 0),
            (utc("2026-03-29T02:00:00Z"), 1),
        ],
    );
}
