//! HTTPS with a real rustls client: the self-signed mode's certificate is
//! trusted through the local authority the hub writes, the API and the
//! WebSocket work over it, and plain HTTP to the same port does not.

use std::sync::Arc;

use futures::StreamExt;
use hearth_core::ServerMessage;
use hearth_hub::{Server, Tls};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_tungstenite::tungstenite::Message;

use crate::support::{self, TestHub, guard, parse_head};

/// A client that trusts only the authority in `data_dir`, as a phone would
/// once the user installed it.
fn connector(data_dir: &std::path::Path) -> TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    let authority = data_dir.join("tls/hearth-ca.pem");
    for cert in CertificateDer::pem_file_iter(&authority).expect("the authority is written") {
        roots.add(cert.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

async fn open(hub: &TestHub, connector: &TlsConnector, name: &str) -> TlsStream<TcpStream> {
    let tcp = TcpStream::connect(hub.addr).await.unwrap();
    let name = ServerName::try_from(name.to_owned()).unwrap();
    guard("the TLS handshake", connector.connect(name, tcp))
        .await
        .expect("the hub's certificate is trusted")
}

async fn start(data_dir: &std::path::Path) -> (TestHub, String) {
    let server = Server::open(support::config(
        data_dir,
        std::time::Duration::from_millis(50),
    ))
    .unwrap()
    .with_tls(&Tls::SelfSigned, None)
    .expect("a certificate is made");
    assert!(server.serves_tls());
    let fingerprint = server.tls_fingerprint().unwrap().to_owned();
    (TestHub::serve(server).await, fingerprint)
}

#[tokio::test]
async fn the_api_and_the_websocket_work_over_https_with_the_self_signed_certificate() {
    let (_dir, data_dir) = support::data_dir();
    let (hub, _) = start(&data_dir).await;
    let connector = connector(&data_dir);

    for name in ["localhost", "127.0.0.1"] {
        let mut tls = open(&hub, &connector, name).await;
        tls.write_all(b"GET /api/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut response = Vec::new();
        guard("an HTTPS response", tls.read_to_end(&mut response))
            .await
            .ok();
        let response = String::from_utf8_lossy(&response);
        let (head, _) = response.split_once("\r\n\r\n").expect("a whole response");
        let (status, headers) = parse_head(head);
        assert_eq!(status, 200, "{response}");
        assert!(
            headers
                .iter()
                .any(|(name, value)| name == "strict-transport-security"
                    && value.starts_with("max-age=")),
            "HSTS under TLS: {headers:?}"
        );
    }

    let tls = open(&hub, &connector, "localhost").await;
    let mut ws = support::ws_over(&hub, tls, "wss://localhost/api/ws").await;
    let mut frames = Vec::new();
    while frames.len() < 2 {
        match guard("a frame over wss", ws.next()).await {
            Some(Ok(Message::Text(text))) => {
                frames.push(ServerMessage::decode(text.as_str()).unwrap())
            }
            Some(Ok(_)) => {}
            other => panic!("expected a frame, got {other:?}"),
        }
    }
    assert!(
        matches!(frames[0], ServerMessage::Hello { .. }),
        "{frames:?}"
    );
    assert!(
        matches!(frames[1], ServerMessage::Snapshot { .. }),
        "{frames:?}"
    );
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn plain_http_to_the_https_port_gets_no_answer() {
    let (_dir, data_dir) = support::data_dir();
    let (hub, _) = start(&data_dir).await;
    let mut tcp = TcpStream::connect(hub.addr).await.unwrap();
    tcp.write_all(b"GET /api/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let _ = guard("the hub to hang up", tcp.read_to_end(&mut answer)).await;
    assert!(
        !answer.starts_with(b"HTTP/"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    // The hub still serves HTTPS after the bad client.
    let mut tls = open(&hub, &connector(&data_dir), "localhost").await;
    tls.write_all(b"GET /api/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut response = Vec::new();
    let _ = guard("an HTTPS response", tls.read_to_end(&mut response)).await;
    assert!(response.starts_with(b"HTTP/1.1 200"));
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn the_local_authority_is_kept_across_restarts() {
    let (_dir, data_dir) = support::data_dir();
    let (hub, first) = start(&data_dir).await;
    hub.shut_down().await.unwrap();
    let (hub, second) = start(&data_dir).await;
    assert_eq!(
        first, second,
        "a phone that trusted it once keeps trusting it"
    );
    assert_eq!(first.len(), 32 * 3 - 1, "{first}");
    // A client holding the authority from the first run trusts the second.
    let _ = open(&hub, &connector(&data_dir), "localhost").await;
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn a_missing_or_bad_certificate_file_stops_start_up_naming_it() {
    let (_files, files) = support::data_dir();
    let garbage = files.join("garbage.pem");
    std::fs::write(&garbage, "not a certificate").unwrap();
    let missing = files.join("missing.pem");
    for (cert, key, named) in [
        (&missing, &garbage, &missing),
        (&garbage, &garbage, &garbage),
    ] {
        // A data directory each: a refused hub's store may still be closing.
        let (_dir, data_dir) = support::data_dir();
        let tls = Tls::Files {
            cert: cert.clone(),
            key: key.clone(),
        };
        let error = Server::open(support::config(
            &data_dir,
            std::time::Duration::from_secs(1),
        ))
        .unwrap()
        .with_tls(&tls, None)
        .expect_err("the hub refuses to start")
        .to_string();
        assert!(error.contains(&named.display().to_string()), "{error}");
    }
}
