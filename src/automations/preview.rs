//! A rule's clock-driven firings over the next days, computed in the
//! browser by core's `next_firings`, the function behind the hub's
//! `/api/rules/{id}/preview`, in the hub's site and zone as `GET /api/site`
//! tells them (the zone as a table of offsets, so no tz database ships in
//! the wasm).

use chrono::{DateTime, TimeDelta, Utc};
use hearth_core::Site;
use hearth_core::rules::{Rule, SiteZone, Upcoming, next_firings};

/// `rule`'s firings in `(now, now + days]`, earliest first; none when the
/// hub's coordinates are not a place (it checks them, so they always are).
pub(crate) fn upcoming(
    rule: &Rule,
    site: &SiteZone,
    now: DateTime<Utc>,
    days: u32,
) -> Vec<Upcoming> {
    match Site::new(site.latitude, site.longitude) {
        Ok(place) => next_firings(
            rule,
            now,
            TimeDelta::days(i64::from(days)),
            &place,
            &site.offsets,
        ),
        Err(_) => Vec::new(),
    }
}

/// Where `at` falls in `(from, from + days]`, as a percentage of the span,
/// for a timeline's marks.
pub(crate) fn position(at: DateTime<Utc>, from: DateTime<Utc>, days: u32) -> f64 {
    let span = TimeDelta::days(i64::from(days)).num_seconds() as f64;
    ((at - from).num_seconds() as f64 / span * 100.0).clamp(0.0, 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth_core::rules::{OffsetChange, Offsets, templates};
    use wasm_bindgen_test::wasm_bindgen_test;

    /// London in late October 2026: summer time until the 25th at 01:00 UTC.
    fn london(now: DateTime<Utc>) -> SiteZone {
        let change = |from: &str, offset| OffsetChange {
            from: from.parse().unwrap(),
            offset,
        };
        SiteZone {
            latitude: 51.5,
            longitude: -0.13,
            timezone: "Europe/London".to_owned(),
            offsets: Offsets::from(vec![
                OffsetChange {
                    from: now,
                    offset: 3600,
                },
                change("2026-10-25T01:00:00Z", 0),
            ]),
        }
    }

    #[wasm_bindgen_test]
    fn times_of_day_follow_the_hubs_zone_across_a_clock_change() {
        let now: DateTime<Utc> = "2026-10-23T12:00:00Z".parse().unwrap();
        let off = templates()[0].rules[1].clone();
        let at: Vec<String> = upcoming(&off, &london(now), now, 4)
            .iter()
            .map(|u| u.at.to_rfc3339())
            .collect();
        // 23:00 local: 22:00 UTC in summer time, 23:00 UTC after.
        assert_eq!(
            at,
            [
                "2026-10-23T22:00:00+00:00",
                "2026-10-24T22:00:00+00:00",
                "2026-10-25T23:00:00+00:00",
                "2026-10-26T23:00:00+00:00",
            ]
        );
        assert_eq!(position(now + TimeDelta::days(2), now, 4), 50.0);
    }
}
