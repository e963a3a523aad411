//! `GET /api/export.csv`: one series over any range as CSV, streamed from a
//! database cursor in chunks, so a year of readings never sits in memory.

use std::ops::ControlFlow;

use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use hearth_core::{DeviceId, Metric, Resolution};
use tokio::sync::mpsc;

use super::ApiError;
use super::range::{self, Params, Range};
use crate::AppState;
use crate::auth::Caller;
use crate::store::Row;

/// Roughly how many bytes go out in one chunk.
const CHUNK_BYTES: usize = 64 * 1024;
/// How many chunks may wait for a slow client before the cursor pauses.
const CHUNKS_AHEAD: usize = 4;

pub(crate) async fn export(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<Response, ApiError> {
    let params = range::params(query)?;
    range::visible(&params, &state.hub, &caller)?;
    let now = Utc::now();
    let mut problems = Vec::new();
    let range = range::range(&params, &state.hub, now, &mut problems);
    let resolution = match params.resolution.as_deref() {
        None => None,
        Some(name) => {
            let found = Resolution::from_name(name);
            if found.is_none() {
                problems.push(format!(
                    "`resolution` must be raw, minute or hour, not `{name}`"
                ));
            }
            found
        }
    };
    let Some(range) = range else {
        return Err(range::refuse(problems));
    };
    if !problems.is_empty() {
        return Err(range::refuse(problems));
    }
    let resolution =
        resolution.unwrap_or_else(|| range::resolution_for(&range, now, state.hub.retention()));
    let filename = format!(
        "{}-{}-{}.csv",
        range
            .device
            .as_str()
            .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_"),
        range.metric.label().to_lowercase(),
        resolution.name()
    );
    let (chunks, mut body) = mpsc::channel::<Result<Bytes, std::io::Error>>(CHUNKS_AHEAD);
    let history = state.hub.history();
    tokio::task::spawn_blocking(move || stream(&*history, &range, resolution, &chunks));
    let body = Body::from_stream(futures::stream::poll_fn(move |cx| body.poll_recv(cx)));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// Runs the cursor, sending a chunk whenever one fills up. Stops early when the
/// client has gone; a database failure cuts the response short (and is logged),
/// so the client sees an incomplete download rather than a silently short file.
fn stream(
    history: &dyn crate::store::History,
    range: &Range,
    resolution: Resolution,
    chunks: &mpsc::Sender<Result<Bytes, std::io::Error>>,
) {
    let mut text = String::with_capacity(CHUNK_BYTES + 256);
    text.push_str(header_row(resolution));
    let mut gone = false;
    let scanned = history.scan(&range.scan(resolution), &mut |row| {
        write_row(&mut text, &range.device, range.metric, resolution, &row);
        if text.len() >= CHUNK_BYTES {
            let full = std::mem::replace(&mut text, String::with_capacity(CHUNK_BYTES + 256));
            if chunks.blocking_send(Ok(Bytes::from(full))).is_err() {
                gone = true;
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    });
    match scanned {
        Ok(()) if !gone && !text.is_empty() => {
            let _ = chunks.blocking_send(Ok(Bytes::from(text)));
        }
        Ok(()) => {}
        Err(error) => {
            tracing::error!(%error, device = %range.device, "CSV export failed part-way");
            let _ = chunks.blocking_send(Err(std::io::Error::other(error.to_string())));
        }
    }
}

fn header_row(resolution: Resolution) -> &'static str {
    match resolution {
        Resolution::Raw => "time,device,metric,value\n",
        Resolution::Minute | Resolution::Hour => "time,device,metric,min,max,mean,count,last\n",
    }
}

/// One CSV line. Times are RFC 3339 UTC and numbers use `.` for the decimal
/// point, so neither needs quoting; a device id is quoted when it would
/// otherwise break the row.
fn write_row(
    out: &mut String,
    device: &DeviceId,
    metric: Metric,
    resolution: Resolution,
    row: &Row,
) {
    use std::fmt::Write;
    let at = DateTime::<Utc>::from_timestamp_micros(row.at_us)
        .map(|at| at.to_rfc3339_opts(SecondsFormat::Millis, true))
        .unwrap_or_default();
    let id = device.as_str();
    let metric = match metric {
        Metric::Temperature => "temperature",
        Metric::Humidity => "humidity",
        Metric::Battery => "battery",
        Metric::Occupancy => "occupancy",
    };
    out.push_str(&at);
    out.push(',');
    if id.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&id.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(id);
    }
    // Writing to a String cannot fail.
    let _ = match resolution {
        Resolution::Raw => writeln!(out, ",{metric},{}", row.last),
        Resolution::Minute | Resolution::Hour => writeln!(
            out,
            ",{metric},{},{},{},{},{}",
            row.min,
            row.max,
            row.sum / row.count.max(1) as f64,
            row.count,
            row.last
        ),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_plain_csv() {
        let row = Row {
            at_us: 1_795_000_000_123_000,
            min: -1.5,
            max: 3.0,
            sum: 4.5,
            count: 3,
            last: 2.25,
        };
        let table = [
            (
                "fridge",
                Resolution::Raw,
                "2026-11-18T11:06:40.123Z,fridge,temperature,2.25\n",
            ),
            (
                "fridge",
                Resolution::Minute,
                "2026-11-18T11:06:40.123Z,fridge,temperature,-1.5,3,1.5,3,2.25\n",
            ),
            (
                "odd, \"one\"",
                Resolution::Raw,
                "2026-11-18T11:06:40.123Z,\"odd, \"\"one\"\"\",temperature,2.25\n",
            ),
        ];
        for (device, resolution, want) in table {
            let mut out = String::new();
            write_row(
                &mut out,
                &DeviceId::new(device),
                Metric::Temperature,
                resolution,
                &row,
            );
            assert_eq!(out, want, "{device} {resolution:?}");
        }
    }
}
