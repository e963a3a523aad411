//! A site's time zone as a table of the UTC offsets in force over a window,
//! so the browser resolves local times ("07:00", local midnight for the sun)
//! exactly as the hub's tz database does without bundling one: the hub
//! writes the table from its zone with [`Offsets::of`], and the table is a
//! `chrono::TimeZone` the engine's functions accept like any other.

use std::fmt;
use std::sync::Arc;

use chrono::{
    DateTime, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeDelta, TimeZone, Utc,
};
use serde::{Deserialize, Serialize};

/// Where the house is, for the browser: its coordinates, its zone's IANA
/// name and the zone's offsets around now (`GET /api/site`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteZone {
    pub latitude: f64,
    pub longitude: f64,
    /// `Europe/London`.
    pub timezone: String,
    pub offsets: Offsets,
}

/// From `from` on, local time is UTC plus `offset` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffsetChange {
    pub from: DateTime<Utc>,
    pub offset: i32,
}

/// The offsets of a zone over a window, earliest first. Before the first
/// change the first offset holds, after the last the last: the table only
/// answers for the window it was made for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "Vec<OffsetChange>", into = "Vec<OffsetChange>")]
pub struct Offsets {
    changes: Arc<[OffsetChange]>,
}

impl From<Vec<OffsetChange>> for Offsets {
    /// Sorted, and UTC when empty, so a table from the wire is always usable.
    fn from(mut changes: Vec<OffsetChange>) -> Offsets {
        changes.sort_by_key(|change| change.from);
        if changes.is_empty() {
            changes.push(OffsetChange {
                from: DateTime::<Utc>::MIN_UTC,
                offset: 0,
            });
        }
        Offsets {
            changes: changes.into(),
        }
    }
}

impl From<Offsets> for Vec<OffsetChange> {
    fn from(offsets: Offsets) -> Vec<OffsetChange> {
        offsets.changes.to_vec()
    }
}

impl Offsets {
    /// `tz`'s offsets over `[from, until]`: the one in force at `from`, then
    /// each change. Zones change offset at most a few times a year, so an
    /// hourly walk finds every change, pinned to the second by bisection.
    pub fn of<Tz: TimeZone>(tz: &Tz, from: DateTime<Utc>, until: DateTime<Utc>) -> Offsets {
        let offset_at = |at: DateTime<Utc>| tz.offset_from_utc_datetime(&at.naive_utc()).fix();
        let mut changes = vec![OffsetChange {
            from,
            offset: offset_at(from).local_minus_utc(),
        }];
        let mut at = from;
        while at < until {
            let next = (at + TimeDelta::hours(1)).min(until);
            if offset_at(next) != offset_at(at) {
                let (mut before, mut after) = (at, next);
                while after - before > TimeDelta::seconds(1) {
                    let middle = before + (after - before) / 2;
                    if offset_at(middle) == offset_at(at) {
                        before = middle;
                    } else {
                        after = middle;
                    }
                }
                changes.push(OffsetChange {
                    from: after,
                    offset: offset_at(after).local_minus_utc(),
                });
            }
            at = next;
        }
        changes.into()
    }

    fn fixed(offset: i32) -> FixedOffset {
        // Offsets come from a tz database or the wire; one beyond a day
        // cannot be a zone's, and is read as UTC.
        FixedOffset::east_opt(offset).unwrap_or(FixedOffset::east_opt(0).expect("0 is in range"))
    }

    fn at_utc(&self, utc: &NaiveDateTime) -> FixedOffset {
        let index = self
            .changes
            .partition_point(|change| change.from.naive_utc() <= *utc);
        Offsets::fixed(self.changes[index.saturating_sub(1)].offset)
    }

    fn zoned(&self, fixed: FixedOffset) -> ZoneOffset {
        ZoneOffset {
            zone: self.clone(),
            fixed,
        }
    }
}

/// An offset of an [`Offsets`] table, carrying the table as chrono asks.
#[derive(Debug, Clone)]
pub struct ZoneOffset {
    zone: Offsets,
    fixed: FixedOffset,
}

impl Offset for ZoneOffset {
    fn fix(&self) -> FixedOffset {
        self.fixed
    }
}

impl fmt::Display for ZoneOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fixed.fmt(f)
    }
}

impl TimeZone for Offsets {
    type Offset = ZoneOffset;

    fn from_offset(offset: &ZoneOffset) -> Offsets {
        offset.zone.clone()
    }

    fn offset_from_local_date(&self, local: &NaiveDate) -> LocalResult<ZoneOffset> {
        match local.and_hms_opt(0, 0, 0) {
            Some(midnight) => self.offset_from_local_datetime(&midnight),
            None => LocalResult::None,
        }
    }

    /// Every offset of the table under which `local` names an instant that
    /// offset is in force at: none in a gap, two when the clocks go back
    /// (the earlier instant first), as a tz database answers.
    fn offset_from_local_datetime(&self, local: &NaiveDateTime) -> LocalResult<ZoneOffset> {
        let mut found: Vec<(NaiveDateTime, FixedOffset)> = Vec::new();
        for change in self.changes.iter() {
            let fixed = Offsets::fixed(change.offset);
            let Some(utc) = local.checked_sub_offset(fixed) else {
                continue;
            };
            if self.at_utc(&utc) == fixed && !found.iter().any(|(at, _)| *at == utc) {
                found.push((utc, fixed));
            }
        }
        found.sort_by_key(|(utc, _)| *utc);
        match found.as_slice() {
            [] => LocalResult::None,
            [(_, only)] => LocalResult::Single(self.zoned(*only)),
            [(_, first), .., (_, last)] => {
                LocalResult::Ambiguous(self.zoned(*first), self.zoned(*last))
            }
        }
    }

    fn offset_from_utc_date(&self, utc: &NaiveDate) -> ZoneOffset {
        let midnight = utc.and_hms_opt(0, 0, 0).unwrap_or_default();
        self.offset_from_utc_datetime(&midnight)
    }

    fn offset_from_utc_datetime(&self, utc: &NaiveDateTime) -> ZoneOffset {
        self.zoned(self.at_utc(utc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Rule, next_firings, templates};
    use crate::sun::Site;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    /// Around both of London's changes in 2026 and a Lord Howe half-hour one,
    /// every local minute resolves as the tz database resolves it.
    #[test]
    fn local_times_resolve_as_the_tz_database_does() {
        let table = [
            (chrono_tz::Europe::London, "2026-03-27T00:00:00Z"),
            (chrono_tz::Europe::London, "2026-10-23T00:00:00Z"),
            (chrono_tz::Australia::Lord_Howe, "2026-04-01T00:00:00Z"),
            (chrono_tz::America::New_York, "2026-10-30T00:00:00Z"),
        ];
        for (tz, start) in table {
            let from = utc(start);
            let offsets = Offsets::of(&tz, from, from + TimeDelta::days(8));
            let first = from.with_timezone(&tz).naive_local() + TimeDelta::days(1);
            for minute in 0..6 * 24 * 60 {
                let local = first + TimeDelta::minutes(minute);
                let want = tz.from_local_datetime(&local).map(|at| at.to_utc());
                let got = offsets.from_local_datetime(&local).map(|at| at.to_utc());
                assert_eq!(got, want, "{tz} {local}");
                let instant = from + TimeDelta::minutes(minute);
                assert_eq!(
                    instant.with_timezone(&offsets).naive_local(),
                    instant.with_timezone(&tz).naive_local(),
                    "{tz} {instant}"
                );
            }
        }
    }

    #[test]
    fn previews_match_the_tz_database_and_survive_the_wire() {
        let site = Site::new(51.5, -0.13).unwrap();
        let tz = chrono_tz::Europe::London;
        let now = utc("2026-10-22T09:30:00Z");
        let offsets = Offsets::of(&tz, now - TimeDelta::days(3), now + TimeDelta::days(10));
        let text = serde_json::to_string(&offsets).unwrap();
        let back: Offsets = serde_json::from_str(&text).unwrap();
        assert_eq!(back, offsets);
        let rules: Vec<Rule> = templates().into_iter().flat_map(|t| t.rules).collect();
        for rule in &rules {
            let want = next_firings(rule, now, TimeDelta::days(7), &site, &tz);
            let got = next_firings(rule, now, TimeDelta::days(7), &site, &back);
            assert_eq!(got, want, "{}", rule.id);
        }
        let hours: Vec<(DateTime<Utc>, i32)> = back
            .changes
            .iter()
            .map(|change| (change.from, change.offset / 3600))
            .collect();
        assert_eq!(
            hours,
            [
                (now - TimeDelta::days(3), 1),
                (utc("2026-10-25T01:00:00Z"), 0)
            ]
        );
    }
}
