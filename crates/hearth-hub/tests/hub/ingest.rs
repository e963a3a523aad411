//! `POST /api/ingest` as a script meets it: a bearer token, a batch, an answer
//! once the readings are stored, and refusals that say what was wrong.

use chrono::{TimeDelta, Utc};
use hearth_hub::{Scope, Tokens};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{TestHub, data_dir, dechunk, find, guard, parse_head};

/// The hub's limit on an ingest body.
const MAX_BODY: usize = 1024 * 1024;

/// A new token of scope `ingest` for the hub on `data_dir`.
pub(crate) fn token(data_dir: &std::path::Path, name: &str) -> String {
    Tokens::open(data_dir)
        .unwrap()
        .create(name, &[Scope::Ingest], Utc::now())
        .unwrap()
        .secret
}

/// One HTTP/1.1 request with `headers`; returns the status, the headers
/// (names lower-cased) and the body.
pub(crate) async fn request(
    hub: &TestHub,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, Vec<(String, String)>, String) {
    let mut stream = TcpStream::connect(hub.addr).await.unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
        hub.addr,
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    // A body past the hub's limit is not sent: the hub answers from
    // Content-Length alone, and bytes it never reads would make the kernel
    // reset the connection before its answer could be read.
    if body.len() <= MAX_BODY {
        stream.write_all(body.as_bytes()).await.unwrap();
    }
    let mut response = Vec::new();
    let _ = guard("an HTTP response", stream.read_to_end(&mut response)).await;
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response
        .split_once("\r\n\r\n")
        .expect("a complete response");
    let (status, headers) = parse_head(head);
    let chunked = headers
        .iter()
        .any(|(name, value)| name == "transfer-encoding" && value == "chunked");
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    (status, headers, body)
}

async fn ingest(hub: &TestHub, token: Option<&str>, body: &str) -> (u16, Value) {
    let bearer = token.map(|token| format!("Bearer {token}"));
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(bearer) = &bearer {
        headers.push(("Authorization", bearer));
    }
    let (status, _, body) = request(hub, "POST", "/api/ingest", &headers, body).await;
    let body = serde_json::from_str(&body).unwrap_or_else(|_| panic!("JSON: {body}"));
    (status, body)
}

#[tokio::test]
async fn an_ingested_batch_is_answered_once_stored_and_shows_in_history() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let token = token(&path, "garden script");
    let now = Utc::now();
    let at = |minutes: i64| (now - TimeDelta::minutes(minutes)).to_rfc3339();
    let batch = json!({
        "devices": [{"id": "garden-probe", "name": "Garden probe", "room": "Garden",
                     "kind": "thermometer", "capabilities": [{"type": "temperature"}]}],
        "readings": [
            {"device": "garden-probe", "metric": "temperature", "value": 11.5, "at": at(3)},
            {"device": "garden-probe", "metric": "temperature", "value": 12.0, "at": at(2)},
            {"device": "garden-probe", "metric": "humidity", "value": 50.0},
            {"device": "ghost", "metric": "temperature", "value": 20.0},
            {"device": "garden-probe", "metric": "temperature", "value": 12.5, "at": at(1)},
            {"device": "garden-probe", "metric": "temperature", "value": 13.0, "at": at(-60)}
        ]
    });
    let (status, report) = ingest(&hub, Some(&token), &batch.to_string()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["accepted"], 3, "{report}");
    assert_eq!(report["rejected"], 3, "{report}");
    let refused: Vec<(u64, &str)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["index"].as_u64().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    // The last is an hour ahead of the hub's clock.
    assert_eq!(
        refused,
        [
            (2, "invalid_value"),
            (3, "unknown_device"),
            (5, "invalid_value")
        ]
    );

    // Answered means stored: history has the rows straight away.
    let from = (now - TimeDelta::minutes(10)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (status, _, body) = hub
        .http(
            "GET",
            &format!("/api/history?device=garden-probe&metric=temperature&from={from}"),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let history: Value = serde_json::from_str(&body).unwrap();
    let values: Vec<f64> = history["line"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|point| point["v"].as_f64())
        .collect();
    assert_eq!(values, [11.5, 12.0, 12.5]);

    let probe = find(&hub.devices().await, "garden-probe").clone();
    assert_eq!(probe.device.adapter, "ingest");
    assert_eq!(probe.readings[0].value, 12.5);
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn ingest_refuses_missing_bad_and_revoked_tokens_and_bad_bodies() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let good = token(&path, "good");
    let revoked = token(&path, "revoked");
    let tokens = Tokens::open(&path).unwrap();
    let id = tokens.list().unwrap()[1].id;
    tokens.revoke(id, Utc::now()).unwrap();
    let reading = r#"{"readings":[{"device":"fridge","metric":"temperature","value":4.0}]}"#;
    let huge = format!(
        r#"{{"readings":[{}]}}"#,
        vec![r#"{"device":"fridge","metric":"temperature","value":4.0}"#; 30_000].join(",")
    );
    let switch = r#"{"devices":[{"id":"x","name":"X","room":"R","kind":"switch",
        "capabilities":[{"type":"on_off"}]}],"readings":[]}"#;
    let taken = r#"{"devices":[{"id":"fridge","name":"F","room":"R","kind":"thermometer",
        "capabilities":[{"type":"temperature"}]}],"readings":[]}"#;
    let table: [(Option<&str>, &str, u16, &str, &str); 8] = [
        (None, reading, 401, "unauthorized", "Bearer"),
        (
            Some(""),
            reading,
            401,
            "unauthorized",
            "must be `Bearer <token>`",
        ),
        (
            Some("hearth_guess"),
            reading,
            401,
            "unauthorized",
            "unknown token",
        ),
        (Some(&revoked), reading, 401, "unauthorized", "revoked"),
        (
            Some(&good),
            "{not json",
            400,
            "bad_request",
            "not an ingest batch",
        ),
        (Some(&good), &huge, 413, "payload_too_large", "bytes"),
        (
            Some(&good),
            switch,
            400,
            "bad_request",
            "only report readings",
        ),
        (Some(&good), taken, 400, "bad_request", "simulator"),
    ];
    for (token, body, want_status, want_code, want_words) in table {
        let (status, answer) = ingest(&hub, token, body).await;
        let what = format!("{token:?} {body:.60}");
        assert_eq!(status, want_status, "{what}: {answer}");
        assert_eq!(answer["code"], want_code, "{what}: {answer}");
        let message = answer["message"].as_str().unwrap();
        assert!(message.contains(want_words), "{what}: {message}");
    }
    // The good token still works after all that.
    let (status, report) = ingest(&hub, Some(&good), reading).await;
    assert_eq!((status, &report["accepted"]), (200, &json!(1)), "{report}");
    hub.shut_down().await.unwrap();
}
