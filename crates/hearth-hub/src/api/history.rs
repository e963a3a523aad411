//! `GET /api/history`: one series over a range, as min/max/mean buckets for the
//! chart's band and an LTTB line of at most `max_points` points.

use std::ops::ControlFlow;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use chrono::Utc;
use hearth_core::downsample::{envelope, lttb};
use hearth_core::{Bucket, HistoryResponse, Point, Resolution};

use super::ApiError;
use super::range::{self, Params, Range};
use crate::AppState;
use crate::auth::Caller;
use crate::store::Row;

pub(crate) const DEFAULT_MAX_POINTS: usize = 1000;
/// More points than any screen has pixels across.
pub(crate) const MAX_POINTS: usize = 10_000;

/// Neighbouring points further apart than this many typical intervals are
/// drawn with a gap between them rather than a line across.
const GAP_INTERVALS: i64 = 5;
/// A gap is never shorter than a minute, so a sensor's jitter is not one.
const MIN_GAP_MS: i64 = 60_000;

pub(crate) async fn history(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<Json<HistoryResponse>, ApiError> {
    let params = range::params(query)?;
    range::visible(&params, &state.hub, &caller)?;
    let now = Utc::now();
    let mut problems = Vec::new();
    let range = range::range(&params, &state.hub, now, &mut problems);
    let max_points = max_points(params.max_points.as_deref(), &mut problems);
    let (Some(range), Some(max_points)) = (range, max_points) else {
        return Err(range::refuse(problems));
    };
    let resolution = range::resolution_for(&range, now, state.hub.retention());
    let history = state.hub.history();
    let scan = range.scan(resolution);
    let rows = tokio::task::spawn_blocking(move || {
        let mut rows = Vec::new();
        history
            .scan(&scan, &mut |row| {
                rows.push(row);
                ControlFlow::Continue(())
            })
            .map(|()| rows)
    })
    .await
    .map_err(|error| ApiError::Internal(format!("the history query panicked: {error}")))?
    .map_err(|error| ApiError::Internal(format!("cannot read history: {error}")))?;
    Ok(Json(answer(range, resolution, max_points, &rows)))
}

fn max_points(text: Option<&str>, problems: &mut Vec<String>) -> Option<usize> {
    let Some(text) = text else {
        return Some(DEFAULT_MAX_POINTS);
    };
    match text.parse::<usize>() {
        Ok(n) if (1..=MAX_POINTS).contains(&n) => Some(n),
        _ => {
            problems.push(format!(
                "`max_points` must be a whole number from 1 to {MAX_POINTS}, not `{text}`"
            ));
            None
        }
    }
}

/// Builds the answer from the rows read: buckets no more than `max_points`,
/// each a whole number of stored rows wide, and a line of at most `max_points`.
fn answer(
    range: Range,
    resolution: Resolution,
    max_points: usize,
    rows: &[Row],
) -> HistoryResponse {
    let row_ms = resolution.width_ms().unwrap_or(1);
    let span_ms = (range.to - range.from).num_milliseconds().max(1);
    let per_point = span_ms.div_euclid(max_points as i64) + 1;
    let mut bucket_ms = (per_point + row_ms - 1) / row_ms * row_ms;
    let samples = rows.iter().map(|row| Bucket {
        t: row.at_us.div_euclid(1000),
        min: row.min,
        max: row.max,
        mean: row.sum / row.count.max(1) as f64,
        count: row.count,
        last: row.last,
    });
    let mut buckets = envelope(samples, bucket_ms);
    // Aligning buckets to the epoch can add one at each end; widen until the
    // promise holds.
    while buckets.len() > max_points {
        bucket_ms *= 2;
        buckets = envelope(buckets, bucket_ms);
    }
    let points: Vec<Point> = rows
        .iter()
        .map(|row| {
            Point::new(
                row.at_us.div_euclid(1000),
                row.sum / row.count.max(1) as f64,
            )
        })
        .collect();
    let line = lttb(&points, max_points, gap_ms(&points, row_ms));
    HistoryResponse {
        device: range.device,
        metric: range.metric,
        unit: range.metric.unit(),
        resolution,
        from: range.from,
        to: range.to,
        bucket_ms,
        buckets,
        line,
    }
}

/// How far apart two points must be to count as a gap: several times the
/// series' median interval, so a sensor that reports every ten minutes is not
/// all gaps and one that reports every two seconds shows a one-minute outage.
fn gap_ms(points: &[Point], row_ms: i64) -> i64 {
    let mut intervals: Vec<i64> = points.windows(2).map(|w| w[1].t - w[0].t).collect();
    let median = if intervals.is_empty() {
        row_ms
    } else {
        let middle = intervals.len() / 2;
        *intervals.select_nth_unstable(middle).1
    };
    (median.max(row_ms) * GAP_INTERVALS).max(MIN_GAP_MS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use hearth_core::{DeviceId, Metric};

    fn raw(at_ms: i64, value: f64) -> Row {
        Row {
            at_us: at_ms * 1000,
            min: value,
            max: value,
            sum: value,
            count: 1,
            last: value,
        }
    }

    /// One answer to build, and what it must look like.
    struct Case {
        name: &'static str,
        range: Range,
        resolution: Resolution,
        max_points: usize,
        rows: Vec<Row>,
        /// At least this many buckets (and never more than `max_points`).
        buckets: usize,
        line: usize,
        gaps: usize,
    }

    #[test]
    fn answers_keep_their_promises() {
        let from = Utc.with_ymd_and_hms(2026, 11, 26, 0, 0, 0).unwrap();
        let range = |hours: i64| Range {
            device: DeviceId::new("fridge"),
            metric: Metric::Temperature,
            from,
            to: from + chrono::TimeDelta::hours(hours),
        };
        let start = from.timestamp_millis();
        // Every 2 s for 6 h, with a 20-minute outage in the middle.
        let steady: Vec<Row> = (0..10_800)
            .filter(|i| !(5_000..5_600).contains(i))
            .map(|i| raw(start + i * 2_000, (i as f64 / 100.0).sin()))
            .collect();
        let hourly: Vec<Row> = (0..24)
            .map(|h| Row {
                count: 60,
                sum: 60.0 * h as f64,
                ..raw(start + h * 3_600_000, h as f64)
            })
            .collect();
        let case =
            |name, hours, resolution, max_points, rows: &Vec<Row>, buckets, line, gaps| Case {
                name,
                range: range(hours),
                resolution,
                max_points,
                rows: rows.clone(),
                buckets,
                line,
                gaps,
            };
        let table = [
            case("empty", 6, Resolution::Raw, 1000, &vec![], 0, 0, 0),
            case("raw day", 6, Resolution::Raw, 1000, &steady, 940, 1000, 1),
            case("one point", 6, Resolution::Raw, 1, &steady, 1, 1, 0),
            case("hours fit", 24, Resolution::Hour, 1000, &hourly, 24, 24, 0),
            case("hours merged", 24, Resolution::Hour, 5, &hourly, 3, 5, 0),
        ];
        for Case {
            name,
            range,
            resolution,
            max_points,
            rows,
            buckets,
            line,
            gaps,
        } in table
        {
            let got = answer(range, resolution, max_points, &rows);
            let got_gaps = got.line.iter().filter(|p| p.is_gap()).count();
            let counted: u64 = got.buckets.iter().map(|b| b.count).sum();
            let want_counted: u64 = rows.iter().map(|r| r.count).sum();
            let aligned = got.bucket_ms % resolution.width_ms().unwrap_or(1) == 0;
            assert!(
                got.buckets.len() <= max_points
                    && got.buckets.len() >= buckets
                    && got.line.len() == line
                    && got_gaps == gaps
                    && counted == want_counted
                    && aligned,
                "{name}: {} buckets of {} ms (want at least {buckets}), {} line points \
                 (want {line}), {got_gaps} gaps (want {gaps}), {counted} samples of {want_counted}",
                got.buckets.len(),
                got.bucket_ms,
                got.line.len()
            );
        }
    }

    #[test]
    fn max_points_must_be_in_range() {
        let table = [
            (None, Some(DEFAULT_MAX_POINTS)),
            (Some("1"), Some(1)),
            (Some("10000"), Some(MAX_POINTS)),
            (Some("0"), None),
            (Some("10001"), None),
            (Some("-5"), None),
            (Some("many"), None),
        ];
        for (text, want) in table {
            let mut problems = Vec::new();
            assert_eq!(max_points(text, &mut problems), want, "{text:?}");
            assert_eq!(
                problems.is_empty(),
                want.is_some(),
                "{text:?}: {problems:?}"
            );
        }
    }
}
