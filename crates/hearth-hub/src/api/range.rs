//! The query parameters `/api/history` and `/api/export.csv` share, checked
//! against the hub's devices, and the choice of which stored resolution answers
//! a range.

use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use chrono::{DateTime, TimeDelta, Utc};
use hearth_core::{DeviceId, Metric, Resolution};
use serde::Deserialize;
use serde::de::IntoDeserializer;

use super::ApiError;
use crate::auth::Caller;
use crate::hub::Hub;
use crate::store::{Retention, Scan};

/// The range asked for when `from` and `to` are left out: the last day.
pub(super) const DEFAULT_SPAN: TimeDelta = TimeDelta::days(1);

/// Raw readings answer ranges up to this long (a sensor every 2 s gives 10,800
/// rows), 1-minute rollups ranges up to a week (10,080 rows), and 1-hour rollups
/// anything longer (8,760 rows a year). So no answer reads more than about ten
/// thousand rows of a steady sensor, whatever the range.
const RAW_UP_TO: TimeDelta = TimeDelta::hours(6);
const MINUTE_UP_TO: TimeDelta = TimeDelta::days(7);

/// Every parameter either endpoint takes, as text, so that each problem can be
/// reported in words rather than as a deserialisation error.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Params {
    pub(super) device: Option<String>,
    pub(super) metric: Option<String>,
    pub(super) from: Option<String>,
    pub(super) to: Option<String>,
    pub(super) max_points: Option<String>,
    pub(super) resolution: Option<String>,
}

/// A checked series and time range.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Range {
    pub(super) device: DeviceId,
    pub(super) metric: Metric,
    pub(super) from: DateTime<Utc>,
    pub(super) to: DateTime<Utc>,
}

impl Range {
    pub(super) fn scan(&self, resolution: Resolution) -> Scan {
        Scan {
            device: self.device.clone(),
            metric: self.metric,
            resolution,
            from_us: self.from.timestamp_micros(),
            to_us: self.to.timestamp_micros(),
        }
    }
}

/// Unwraps the query string, or says why it could not be read.
pub(super) fn params(query: Result<Query<Params>, QueryRejection>) -> Result<Params, ApiError> {
    query
        .map(|Query(params)| params)
        .map_err(|rejection| ApiError::BadRequest(rejection.body_text()))
}

/// Refuses a device outside the caller's rooms exactly as an unknown one, so
/// that its existence is not given away.
pub(super) fn visible(params: &Params, hub: &Hub, caller: &Caller) -> Result<(), ApiError> {
    match &params.device {
        Some(id) if !caller.sees_device(hub, &DeviceId::new(id.as_str())) => {
            let id = DeviceId::new(id.as_str());
            if hub.device(&id).is_some() {
                return Err(refuse(vec![format!("no device `{id}`")]));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Checks the series and range in `params`, reporting every problem at once.
pub(super) fn range(
    params: &Params,
    hub: &Hub,
    now: DateTime<Utc>,
    problems: &mut Vec<String>,
) -> Option<Range> {
    let device = match &params.device {
        None => {
            problems.push("`device` is required".into());
            None
        }
        Some(id) => {
            let id = DeviceId::new(id.as_str());
            let device = hub.device(&id);
            if device.is_none() {
                problems.push(format!("no device `{id}`"));
            }
            device
        }
    };
    let metric = match params.metric.as_deref() {
        None => {
            problems.push("`metric` is required".into());
            None
        }
        Some(name) => match Metric::deserialize(name.into_deserializer()) {
            Ok(metric) => Some(metric),
            Err::<_, serde::de::value::Error>(_) => {
                problems.push(format!(
                    "unknown metric `{name}` (temperature, humidity, battery or occupancy)"
                ));
                None
            }
        },
    };
    if let (Some(device), Some(metric)) = (&device, metric)
        && !device.has(metric)
    {
        problems.push(format!(
            "device `{}` does not report {name}",
            device.id,
            name = metric.label().to_lowercase()
        ));
    }
    let to = time(params.to.as_deref(), "to", problems).unwrap_or(Some(now));
    let from = time(params.from.as_deref(), "from", problems)
        .unwrap_or_else(|| to.and_then(|to| to.checked_sub_signed(DEFAULT_SPAN)));
    if let (Some(from), Some(to)) = (from, to)
        && from >= to
    {
        problems.push(format!("`from` ({from}) must be before `to` ({to})"));
    }
    match (device, metric, from, to) {
        (Some(device), Some(metric), Some(from), Some(to)) if problems.is_empty() => Some(Range {
            device: device.id,
            metric,
            from,
            to,
        }),
        _ => None,
    }
}

/// `None` when the parameter is absent, `Some(None)` when it is unreadable.
fn time(
    text: Option<&str>,
    name: &str,
    problems: &mut Vec<String>,
) -> Option<Option<DateTime<Utc>>> {
    let text = text?;
    match DateTime::parse_from_rfc3339(text) {
        Ok(at) => Some(Some(at.with_timezone(&Utc))),
        Err(error) => {
            problems.push(format!(
                "`{name}` must be an RFC 3339 time such as 2026-11-26T12:00:00Z, not `{text}` ({error})"
            ));
            Some(None)
        }
    }
}

/// The finest resolution that keeps the rows read for `range` bounded (see
/// [`RAW_UP_TO`]) and still holds data as old as `range.from`.
pub(super) fn resolution_for(
    range: &Range,
    now: DateTime<Utc>,
    retention: Retention,
) -> Resolution {
    let span = range.to - range.from;
    let finest = if span <= RAW_UP_TO {
        Resolution::Raw
    } else if span <= MINUTE_UP_TO {
        Resolution::Minute
    } else {
        Resolution::Hour
    };
    Resolution::ALL
        .into_iter()
        .filter(|resolution| *resolution >= finest)
        .find(|resolution| range.from >= retention.horizon(*resolution, now))
        .unwrap_or(Resolution::Hour)
}

/// Reports the problems collected, if any, as one 400.
pub(super) fn refuse(problems: Vec<String>) -> ApiError {
    ApiError::BadRequest(problems.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn resolution_follows_the_span_and_retention() {
        let now = Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap();
        let retention = Retention::default();
        let ago = |span: TimeDelta| now - span;
        let hours = TimeDelta::hours;
        let days = TimeDelta::days;
        let table = [
            (ago(hours(1)), now, Resolution::Raw),
            (ago(hours(6)), now, Resolution::Raw),
            (ago(hours(7)), now, Resolution::Minute),
            (ago(days(1)), now, Resolution::Minute),
            (ago(days(7)), now, Resolution::Minute),
            (ago(days(30)), now, Resolution::Hour),
            (ago(days(365)), now, Resolution::Hour),
            // Raw readings are gone after 30 days, minutes after a year.
            (ago(days(40)), ago(days(40) - hours(1)), Resolution::Minute),
            (ago(days(400)), ago(days(400) - hours(1)), Resolution::Hour),
        ];
        for (from, to, want) in table {
            let range = Range {
                device: DeviceId::new("fridge"),
                metric: Metric::Temperature,
                from,
                to,
            };
            assert_eq!(
                resolution_for(&range, now, retention),
                want,
                "{from} to {to}"
            );
        }
    }
}
