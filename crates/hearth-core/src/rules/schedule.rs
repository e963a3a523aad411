//! When the clock-driven triggers fire: sun events with offsets, elevation
//! crossings, times of day and schedules, as instants in UTC.
//!
//! Local times are resolved in the site's zone. A local time that does not
//! exist (the hour skipped when clocks go forward) fires at the first instant
//! after the gap, when the clocks jump; one that happens twice (the hour
//! repeated when clocks go back) fires once, at its first occurrence.

use chrono::{
    DateTime, Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Timelike,
    Utc,
};
use serde::{Deserialize, Serialize};

use super::{Rule, Trigger};
use crate::sun::{self, Site};

/// One predicted firing: when, and which trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upcoming {
    pub at: DateTime<Utc>,
    /// Index into the rule's `triggers`.
    pub trigger: usize,
}

/// Every instant in `(from, from + horizon]` at which one of `rule`'s
/// clock-driven triggers fires, earliest first. Triggers on device values
/// are not predictable and are left out; conditions are not applied (they
/// are checked at the moment of firing).
pub fn next_firings<Tz: TimeZone>(
    rule: &Rule,
    from: DateTime<Utc>,
    horizon: TimeDelta,
    site: &Site,
    tz: &Tz,
) -> Vec<Upcoming> {
    let until = from + horizon.max(TimeDelta::zero());
    let mut found: Vec<Upcoming> = rule
        .triggers
        .iter()
        .enumerate()
        .flat_map(|(trigger, t)| {
            occurrences(t, from, until, site, tz).map(move |at| Upcoming { at, trigger })
        })
        .collect();
    found.sort_by_key(|upcoming| (upcoming.at, upcoming.trigger));
    // Several times skipped by a DST gap all land on its end.
    found.dedup();
    found
}

/// The instants in `(after, until]` at which `trigger` fires, earliest first;
/// none for triggers that are not clock-driven.
pub(super) fn occurrences<'a, Tz: TimeZone>(
    trigger: &'a Trigger,
    after: DateTime<Utc>,
    until: DateTime<Utc>,
    site: &'a Site,
    tz: &'a Tz,
) -> Box<dyn Iterator<Item = DateTime<Utc>> + 'a> {
    // Enough local days to reach `until` from `after`, whatever the offsets.
    let days = u32::try_from((until - after).num_days().saturating_add(2)).unwrap_or(u32::MAX);
    match trigger {
        Trigger::Sun { event, offset } => {
            let shift = offset.delta();
            Box::new(successive(after, until, move |at| {
                sun::next(site, tz, *event, at - shift, days).map(|event| event + shift)
            }))
        }
        Trigger::Elevation {
            elevation,
            direction,
        } => Box::new(successive(after, until, move |at| {
            sun::next_crossing(site, tz, *elevation, *direction, at, days)
        })),
        Trigger::Time { at, weekdays } => Box::new(local_instants(tz, after, until, move |date| {
            let today = weekdays.is_empty() || weekdays.contains(&date.weekday());
            today.then_some(*at).into_iter().collect()
        })),
        Trigger::Every { every, from } => {
            let step = every.delta();
            let start = from.unwrap_or(NaiveTime::MIN);
            if step < TimeDelta::seconds(1) {
                return Box::new(std::iter::empty());
            }
            Box::new(local_instants(tz, after, until, move |_| {
                std::iter::successors(Some(start), |&time| {
                    let (next, wrapped) = time.overflowing_add_signed(step);
                    (wrapped == 0).then_some(next)
                })
                .collect()
            }))
        }
        Trigger::Numeric { .. } | Trigger::State { .. } | Trigger::Unavailable { .. } => {
            Box::new(std::iter::empty())
        }
    }
}

/// The instants in `(after, until]` of the local times `times(date)` gives
/// for each local date, resolved in `tz`.
fn local_instants<'a, Tz: TimeZone>(
    tz: &'a Tz,
    after: DateTime<Utc>,
    until: DateTime<Utc>,
    times: impl Fn(NaiveDate) -> Vec<NaiveTime> + 'a,
) -> impl Iterator<Item = DateTime<Utc>> + 'a {
    // The day before `after`'s local date too: a time skipped by a gap just
    // before midnight would resolve into the next day.
    let first = after.with_timezone(tz).date_naive().pred_opt();
    std::iter::successors(first, |date| date.checked_add_days(Days::new(1)))
        .take_while(move |date| {
            date.and_time(NaiveTime::MIN)
                .checked_sub_days(Days::new(2))
                .is_none_or(|start| start.and_utc() <= until)
        })
        .flat_map(move |date| {
            times(date)
                .into_iter()
                .filter_map(move |time| resolve(tz, date.and_time(time)))
        })
        .filter(move |&at| at > after && at <= until)
}

/// The instant a local time names: the first of two when the clocks go back,
/// the end of the gap when it falls in one.
fn resolve<Tz: TimeZone>(tz: &Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    if let Some(at) = tz.from_local_datetime(&local).earliest() {
        return Some(at.to_utc());
    }
    // Gaps start and end on whole minutes (a day at most, when Samoa crossed
    // the date line), so the first existing whole minute ends it.
    let minute = local.with_second(0)?.with_nanosecond(0)?;
    (1..=24 * 60).find_map(|m| {
        let later = minute.checked_add_signed(TimeDelta::minutes(m))?;
        tz.from_local_datetime(&later)
            .earliest()
            .map(|at| at.to_utc())
    })
}

/// `next(after)`, `next` of that, and so on while within `until`.
fn successive(
    after: DateTime<Utc>,
    until: DateTime<Utc>,
    next: impl Fn(DateTime<Utc>) -> Option<DateTime<Utc>>,
) -> impl Iterator<Item = DateTime<Utc>> {
    std::iter::successors(next(after), move |&at| next(at)).take_while(move |&at| at <= until)
}
