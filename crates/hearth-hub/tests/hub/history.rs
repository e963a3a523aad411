//! `/api/history` and `/api/export.csv` against a hub whose simulated sensors
//! report every 50 ms.

use std::time::Duration;

use chrono::{SecondsFormat, TimeDelta, Utc};
use hearth_core::{HistoryResponse, Resolution};
use serde_json::Value;

use crate::support::{TestHub, data_dir, guard};

fn ago(span: TimeDelta) -> String {
    (Utc::now() - span).to_rfc3339_opts(SecondsFormat::Millis, true)
}

async fn history(hub: &TestHub, query: &str) -> HistoryResponse {
    let (status, content_type, body) = hub.http("GET", &format!("/api/history?{query}")).await;
    assert_eq!(
        (status, content_type.as_str()),
        (200, "application/json"),
        "{query}: {body}"
    );
    serde_json::from_str(&body).expect("a history response")
}

/// Waits until the fridge has reported at least `n` temperatures.
async fn reported(hub: &TestHub, n: usize) {
    guard("the fridge to report", async {
        loop {
            let query = format!(
                "device=fridge&metric=temperature&from={}",
                ago(TimeDelta::hours(1))
            );
            if history(hub, &query).await.line.len() >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
}

#[tokio::test]
async fn history_picks_its_resolution_by_range_and_keeps_to_max_points() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    reported(&hub, 12).await;
    let series = "device=fridge&metric=temperature";
    let table = [
        (
            format!("{series}&from={}", ago(TimeDelta::hours(1))),
            Resolution::Raw,
            1000,
        ),
        (series.to_owned(), Resolution::Minute, 1000),
        (
            format!("{series}&from={}", ago(TimeDelta::days(30))),
            Resolution::Hour,
            1000,
        ),
        (
            format!("{series}&from={}&max_points=3", ago(TimeDelta::hours(1))),
            Resolution::Raw,
            3,
        ),
        (
            format!(
                "device=bedroom-thermometer&metric=humidity&from={}",
                ago(TimeDelta::hours(1))
            ),
            Resolution::Raw,
            1000,
        ),
    ];
    for (query, resolution, max_points) in table {
        let got = history(&hub, &query).await;
        let counted: u64 = got.buckets.iter().map(|b| b.count).sum();
        let ok = got.resolution == resolution
            && counted > 0
            && !got.line.is_empty()
            && got.line.len() <= max_points
            && got.buckets.len() <= max_points
            && got
                .buckets
                .iter()
                .all(|b| b.min <= b.mean && b.mean <= b.max);
        assert!(
            ok,
            "{query}: {:?}, {counted} samples in {} buckets, {} line points",
            got.resolution,
            got.buckets.len(),
            got.line.len()
        );
    }
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn bad_parameters_get_a_400_that_names_every_problem() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let now = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
    let table = [
        (
            "/api/history",
            vec!["`device` is required", "`metric` is required"],
        ),
        (
            "/api/history?device=ghost&metric=temperature",
            vec!["no device `ghost`"],
        ),
        (
            "/api/history?device=fridge&metric=pressure",
            vec!["unknown metric `pressure`"],
        ),
        (
            "/api/history?device=fridge&metric=humidity",
            vec!["does not report humidity"],
        ),
        (
            "/api/history?device=fridge&metric=temperature&from=yesterday",
            vec!["`from` must be an RFC 3339 time"],
        ),
        (
            &format!("/api/history?device=fridge&metric=temperature&from={now}&to={now}"),
            vec!["must be before `to`"],
        ),
        (
            "/api/history?device=fridge&metric=temperature&max_points=0",
            vec!["`max_points` must be a whole number from 1 to 10000"],
        ),
        (
            "/api/history?device=fridge&metric=temperature&max_points=10001&to=soon",
            vec!["`max_points`", "`to` must be an RFC 3339 time"],
        ),
        (
            "/api/export.csv?device=fridge&metric=temperature&resolution=daily",
            vec!["`resolution` must be raw, minute or hour"],
        ),
        (
            "/api/export.csv?metric=temperature",
            vec!["`device` is required"],
        ),
    ];
    for (path, fragments) in table {
        let (status, content_type, body) = hub.http("GET", path).await;
        let error: Value = serde_json::from_str(&body).unwrap_or_default();
        let message = error["message"].as_str().unwrap_or_default();
        let ok = status == 400
            && content_type == "application/json"
            && error["code"] == "bad_request"
            && fragments.iter().all(|f| message.contains(f));
        assert!(ok, "{path}: {status} {content_type} {body}");
    }
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn export_streams_a_csv_of_the_range_at_any_resolution() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    reported(&hub, 12).await;
    let from = ago(TimeDelta::hours(1));
    let table = [
        ("raw", "time,device,metric,value"),
        ("minute", "time,device,metric,min,max,mean,count,last"),
        ("hour", "time,device,metric,min,max,mean,count,last"),
    ];
    for (resolution, header) in table {
        let query = format!(
            "/api/export.csv?device=fridge&metric=temperature&from={from}&resolution={resolution}"
        );
        let (status, content_type, body) = hub.http("GET", &query).await;
        let mut lines = body.lines();
        let columns = header.split(',').count();
        let rows: Vec<&str> = lines.by_ref().skip(1).collect();
        let ok = status == 200
            && content_type == "text/csv; charset=utf-8"
            && body.starts_with(header)
            && !rows.is_empty()
            && rows.iter().all(|row| {
                row.split(',').count() == columns
                    && row.contains(",fridge,temperature,")
                    && row.ends_with(|c: char| c.is_ascii_digit())
            });
        assert!(ok, "{resolution}: {status} {content_type}\n{body}");
    }
    hub.shut_down().await.unwrap();
}
