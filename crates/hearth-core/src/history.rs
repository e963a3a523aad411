//! The history API's answer (`GET /api/history`): one series of one device over a
//! time range, as min/max/mean buckets for the band and a downsampled line.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::device::DeviceId;
use crate::downsample::{Bucket, Point};
use crate::reading::Metric;
use crate::units::Unit;

/// Which stored data an answer was built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// Every reading as it arrived.
    Raw,
    /// 1-minute rollups.
    Minute,
    /// 1-hour rollups.
    Hour,
}

impl Resolution {
    pub const ALL: [Resolution; 3] = [Resolution::Raw, Resolution::Minute, Resolution::Hour];

    /// The width of one stored row; raw readings have none.
    pub fn width_ms(self) -> Option<i64> {
        match self {
            Resolution::Raw => None,
            Resolution::Minute => Some(60_000),
            Resolution::Hour => Some(3_600_000),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Resolution::Raw => "raw",
            Resolution::Minute => "minute",
            Resolution::Hour => "hour",
        }
    }

    pub fn from_name(name: &str) -> Option<Resolution> {
        Resolution::ALL.into_iter().find(|r| r.name() == name)
    }
}

/// `GET /api/history`'s body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryResponse {
    pub device: DeviceId,
    pub metric: Metric,
    pub unit: Unit,
    pub resolution: Resolution,
    /// The range asked for, `from` inclusive, `to` exclusive.
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The width of each bucket in `buckets`, in milliseconds.
    pub bucket_ms: i64,
    /// Time-ordered; a span without data has no bucket.
    pub buckets: Vec<Bucket>,
    /// At most `max_points` points (LTTB over the readings, or over the rollups'
    /// means); a point with a `null` value marks a gap.
    pub line: Vec<Point>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn resolution_names_round_trip() {
        for resolution in Resolution::ALL {
            assert_eq!(Resolution::from_name(resolution.name()), Some(resolution));
            let json = serde_json::to_string(&resolution).unwrap();
            assert_eq!(json, format!("\"{}\"", resolution.name()));
        }
        assert_eq!(Resolution::from_name("day"), None);
    }

    #[test]
    fn the_json_form_is_pinned() {
        let at = |h| Utc.with_ymd_and_hms(2026, 11, 26, h, 0, 0).unwrap();
        let response = HistoryResponse {
            device: DeviceId::new("fridge"),
            metric: Metric::Temperature,
            unit: Unit::Celsius,
            resolution: Resolution::Minute,
            from: at(10),
            to: at(12),
            bucket_ms: 60_000,
            buckets: vec![Bucket::sample(1_795_000_000_000, 4.5)],
            line: vec![
                Point::new(1_795_000_000_000, 4.5),
                Point::gap(1_795_000_030_000),
            ],
        };
        let json = serde_json::to_value(&response).unwrap();
        let want = serde_json::json!({
            "device": "fridge", "metric": "temperature", "unit": "celsius",
            "resolution": "minute",
            "from": "2026-11-26T10:00:00Z", "to": "2026-11-26T12:00:00Z",
            "bucket_ms": 60000,
            "buckets": [{"t": 1_795_000_000_000_i64, "min": 4.5, "max": 4.5, "mean": 4.5, "count": 1, "last": 4.5}],
            "line": [{"t": 1_795_000_000_000_i64, "v": 4.5}, {"t": 1_795_000_030_000_i64, "v": null}],
        });
        assert_eq!(json, want);
        let back: HistoryResponse = serde_json::from_value(json).unwrap();
        assert_eq!(back.buckets, response.buckets);
        assert!(back.line[1].is_gap());
    }
}
