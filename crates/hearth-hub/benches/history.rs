//! History figures for docs/PERFORMANCE.md: readings/s through the hub's batched
//! writer (with rollups) against a bare batched rusqlite insert of the same rows,
//! a year of simulated backfill, and `/api/history` latency over a backfilled
//! year. A plain `Instant` harness that prints what it measures.

#[path = "support/quiet_house.rs"]
mod quiet_house;

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use chrono::{SecondsFormat, TimeDelta, Utc};
use hearth_core::{DeviceId, Metric, Reading};
use hearth_hub::{Accounts, Hub, Server};
use tower::ServiceExt;

use quiet_house::config;

/// Readings pushed through the writer in the ingest runs.
const INGEST: usize = 300_000;
/// Queries timed per history window.
const QUERIES: usize = 50;

/// The simulated house's sensor series (device, metric).
const SERIES: [(&str, Metric); 6] = [
    ("outdoor-thermometer", Metric::Temperature),
    ("outdoor-thermometer", Metric::Humidity),
    ("living-room-thermometer", Metric::Temperature),
    ("bedroom-thermometer", Metric::Temperature),
    ("kitchen-thermometer", Metric::Humidity),
    ("fridge", Metric::Temperature),
];

/// The rows both ingest runs write: the six series, one reading each per second
/// over the last few days.
fn readings() -> Vec<Reading> {
    let start = Utc::now() - TimeDelta::days(4);
    (0..INGEST)
        .map(|i| {
            let (device, metric) = SERIES[i % SERIES.len()];
            let at = start + TimeDelta::seconds((i / SERIES.len()) as i64);
            let value = 20.0 + ((i * 7919) % 1000) as f64 / 100.0;
            Reading::new(DeviceId::new(device), metric, value, at)
        })
        .collect()
}

async fn ingest_through_the_hub(readings: &[Reading]) -> f64 {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let server = Server::open(config(dir.path(), 0)).expect("the hub opens");
    let hub = server.hub();
    let began = Instant::now();
    let mut last = None;
    for reading in readings {
        last = Some(hub.ingest_reading(reading.clone()).await.expect("accepted"));
    }
    if let Some(last) = last {
        last.wait().await.expect("committed");
    }
    readings.len() as f64 / began.elapsed().as_secs_f64()
}

fn ingest_bare_rusqlite(readings: &[Reading]) -> f64 {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let conn = rusqlite::Connection::open(dir.path().join("bare.db")).expect("opens");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("WAL");
    conn.pragma_update(None, "synchronous", "NORMAL")
        .expect("NORMAL");
    conn.execute_batch(
        "CREATE TABLE readings (device TEXT NOT NULL, metric TEXT NOT NULL,
                                value REAL NOT NULL, at_us INTEGER NOT NULL);
         CREATE INDEX readings_by_series ON readings (device, metric, at_us);",
    )
    .expect("schema");
    let mut conn = conn;
    let began = Instant::now();
    for batch in readings.chunks(4096) {
        let tx = conn.transaction().expect("a transaction");
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO readings (device, metric, value, at_us) VALUES (?1, ?2, ?3, ?4)",
                )
                .expect("prepared");
            for r in batch {
                let metric = match r.metric {
                    Metric::Temperature => "temperature",
                    _ => "humidity",
                };
                insert
                    .execute(rusqlite::params![
                        r.device.as_str(),
                        metric,
                        r.value,
                        r.at.timestamp_micros()
                    ])
                    .expect("inserted");
            }
        }
        tx.commit().expect("committed");
    }
    readings.len() as f64 / began.elapsed().as_secs_f64()
}

async fn query_latencies(
    hub: Arc<Hub>,
    accounts: Arc<Accounts>,
    span: TimeDelta,
) -> (Duration, Duration, usize) {
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    let session = accounts
        .sign_in_as("admin")
        .expect("the first admin signs in");
    let cookie = format!("hearth_session={session}");
    let app = hearth_hub::guarded(hearth_hub::app(hub, "no-dashboard", stopped), accounts);
    let from = (Utc::now() - span).to_rfc3339_opts(SecondsFormat::Secs, true);
    let uri = format!(
        "/api/history?device=outdoor-thermometer&metric=temperature&from={from}&max_points=1000"
    );
    let mut times = Vec::with_capacity(QUERIES);
    let mut bytes = 0;
    for _ in 0..QUERIES {
        let request = Request::get(&uri)
            .header("cookie", &cookie)
            .body(Body::empty())
            .expect("a request");
        let began = Instant::now();
        let response = app.clone().oneshot(request).await.expect("an answer");
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("a body");
        times.push(began.elapsed());
        bytes = black_box(body).len();
    }
    times.sort();
    (times[QUERIES / 2], times[QUERIES * 95 / 100], bytes)
}

#[tokio::main]
async fn main() {
    let rows = readings();
    let hub_rate = ingest_through_the_hub(&rows).await;
    let bare_rate = ingest_bare_rusqlite(&rows);
    println!(
        "ingest {INGEST} readings: hub writer {hub_rate:.0}/s (raw + 1-min + 1-h rollups + latest), \
         bare rusqlite insert {bare_rate:.0}/s, ratio {:.0} %",
        100.0 * hub_rate / bare_rate
    );

    let dir = tempfile::tempdir().expect("a temporary directory");
    let began = Instant::now();
    let server = Server::open(config(dir.path(), 365)).expect("the hub opens and backfills");
    println!(
        "backfill 365 days of 1-minute history for every simulated sensor: {:.1} s",
        began.elapsed().as_secs_f64()
    );
    let hub = server.hub();
    for (name, span) in [
        ("24 h", TimeDelta::days(1)),
        ("30 d", TimeDelta::days(30)),
        ("1 y", TimeDelta::days(365)),
    ] {
        let (p50, p95, bytes) = query_latencies(hub.clone(), server.accounts(), span).await;
        println!("history {name} -> 1000 points: p50 {p50:.2?}, p95 {p95:.2?}, {bytes} bytes");
    }
}
