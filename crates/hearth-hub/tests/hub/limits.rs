//! Limits on what one client may send or hold: request bodies (rule
//! documents tighter than the rest), WebSocket frames, and connections open
//! from one address.

use std::time::Duration;

use hearth_hub::Server;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

use crate::support::{self, TestHub, guard};

#[tokio::test]
async fn a_rule_document_over_64_kib_is_refused_with_413_and_a_reason() {
    let (_dir, data_dir) = support::data_dir();
    let hub = TestHub::start(&data_dir).await;
    let padding = "x".repeat(65 * 1024);
    let document = format!(r#"{{"name":"big","description":"{padding}"}}"#);
    for (method, path) in [("POST", "/api/rules"), ("PUT", "/api/rules/big")] {
        hub.expect_refusal(method, path, &document, 413, "payload_too_large")
            .await;
    }
    let (_, _, answer) = hub.http_with("POST", "/api/rules", &document).await;
    assert!(answer.contains("64 KiB"), "{answer}");
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn a_websocket_message_over_a_mebibyte_ends_the_connection() {
    let (_dir, data_dir) = support::data_dir();
    let hub = TestHub::start(&data_dir).await;
    let (mut client, _) = hub.connect_past_snapshot().await;
    client
        .send_raw(Message::text("x".repeat(1024 * 1024 + 1)))
        .await;
    client.expect_end().await;
    // Others carry on.
    let _ = hub.connect_past_snapshot().await;
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn connections_beyond_the_per_address_cap_get_429_until_one_closes() {
    let (_dir, data_dir) = support::data_dir();
    let server = Server::open(support::config(&data_dir, Duration::from_secs(1)))
        .unwrap()
        .limit_connections_per_ip(2);
    let hub = TestHub::serve(server).await;
    // Two idle keep-alive connections hold the address's two places.
    let first = TcpStream::connect(hub.addr).await.unwrap();
    let _second = TcpStream::connect(hub.addr).await.unwrap();
    let mut third = TcpStream::connect(hub.addr).await.unwrap();
    third
        .write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    let _ = guard("the refusal", third.read_to_string(&mut answer)).await;
    assert!(answer.starts_with("HTTP/1.1 429"), "{answer}");
    assert!(answer.contains("too_many_connections"), "{answer}");

    drop(first);
    // The hub frees the place once it sees the close; until then a new
    // connection may still be refused.
    guard("a place to free up", async {
        loop {
            let (status, _, _) = hub.http("GET", "/api/health").await;
            if status == 200 {
                break;
            }
            assert_eq!(status, 429);
            tokio::task::yield_now().await;
        }
    })
    .await;
    hub.shut_down().await.unwrap();
}
