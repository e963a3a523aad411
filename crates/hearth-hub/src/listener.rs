//! The hub's listener: accepts TCP connections, caps how many one address may
//! hold open, and does TLS handshakes (when serving HTTPS) in tasks of their
//! own, so a slow or silent client never holds up the accept loop.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// How long a client has to finish its TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections handed over but not yet picked up by the server.
const READY_QUEUE: usize = 64;

/// The default cap on connections open at once from one address. A browser
/// holds a handful (its WebSocket and a few HTTP/1.1 keep-alives); the load
/// bench opens 200 browsers from one machine; each connection costs a file
/// descriptor, of which a process usually has 1,024.
pub const MAX_CONNECTIONS_PER_IP: usize = 256;

/// What a client over its cap gets before the connection is closed, in the
/// shape of every other API refusal.
fn too_many(limit: usize) -> String {
    let body = format!(
        r#"{{"code":"too_many_connections","message":"more than {limit} connections from your address are open"}}"#
    );
    format!(
        "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n\
         Connection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// Accepted connections, already through their TLS handshake when serving HTTPS.
#[derive(Debug)]
pub(crate) struct HubListener {
    ready: mpsc::Receiver<(HubStream, SocketAddr)>,
    local: SocketAddr,
}

impl HubListener {
    /// Starts accepting on `tcp`; the accept loop ends when this listener is
    /// dropped.
    pub(crate) fn new(
        tcp: TcpListener,
        tls: Option<TlsAcceptor>,
        per_ip: usize,
    ) -> io::Result<HubListener> {
        let local = tcp.local_addr()?;
        let (sender, ready) = mpsc::channel(READY_QUEUE);
        tokio::spawn(accept_loop(tcp, tls, Counts::new(per_ip), sender));
        Ok(HubListener { ready, local })
    }
}

impl axum::serve::Listener for HubListener {
    type Io = HubStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (HubStream, SocketAddr) {
        match self.ready.recv().await {
            Some(accepted) => accepted,
            // The accept loop only ends once this listener is gone, so this
            // is never reached while it is in use.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.local)
    }
}

async fn accept_loop(
    tcp: TcpListener,
    tls: Option<TlsAcceptor>,
    counts: Counts,
    ready: mpsc::Sender<(HubStream, SocketAddr)>,
) {
    loop {
        let accepted = tokio::select! {
            () = ready.closed() => return,
            accepted = tcp.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::warn!(%error, "cannot accept a connection");
                // Out of file descriptors and the like: give it a moment
                // rather than spin.
                if !matches!(
                    error.kind(),
                    io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
                ) {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                continue;
            }
        };
        // Without TCP_NODELAY, a `state_changed` written right after a
        // `command_result` (or any two small frames) waits for the browser's
        // delayed ACK: about 40 ms on every command.
        if let Err(error) = stream.set_nodelay(true) {
            tracing::warn!(%error, "cannot set TCP_NODELAY on a connection");
        }
        let slot = counts.take(peer.ip());
        let limit = counts.limit;
        let tls = tls.clone();
        let ready = ready.clone();
        tokio::spawn(async move {
            let io = match tls {
                None => Inner::Plain(stream),
                Some(acceptor) => {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(stream)) => Inner::Tls(Box::new(stream)),
                        Ok(Err(error)) => {
                            tracing::debug!(%peer, %error, "TLS handshake failed");
                            return;
                        }
                        Err(_) => {
                            tracing::debug!(%peer, "TLS handshake timed out");
                            return;
                        }
                    }
                }
            };
            let refused = slot.is_none();
            let mut stream = HubStream { io, _slot: slot };
            if refused {
                tracing::warn!(
                    %peer,
                    limit,
                    "refused a connection: too many open from this address"
                );
                let _ = stream.write_all(too_many(limit).as_bytes()).await;
                let _ = stream.shutdown().await;
                return;
            }
            let _ = ready.send((stream, peer)).await;
        });
    }
}

/// Connections open per address.
#[derive(Debug, Clone)]
struct Counts {
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
    limit: usize,
}

impl Counts {
    fn new(limit: usize) -> Counts {
        Counts {
            open: Arc::default(),
            limit,
        }
    }

    /// A place for one more connection from `ip`, or `None` when it already
    /// has its limit.
    fn take(&self, ip: IpAddr) -> Option<Slot> {
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let count = open.entry(ip).or_default();
        if *count >= self.limit {
            return None;
        }
        *count += 1;
        Some(Slot {
            ip,
            counts: self.clone(),
        })
    }
}

/// One open connection's place in [`Counts`], given back when it closes.
#[derive(Debug)]
struct Slot {
    ip: IpAddr,
    counts: Counts,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self
            .counts
            .open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(count) = open.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

#[derive(Debug)]
enum Inner {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

/// A client connection, plain or TLS; it holds its address's slot until it
/// closes, upgraded WebSockets included.
#[derive(Debug)]
pub(crate) struct HubStream {
    io: Inner,
    _slot: Option<Slot>,
}

impl AsyncRead for HubStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match &mut self.get_mut().io {
            Inner::Plain(stream) => Pin::new(stream).poll_read(cx, buf),
            Inner::Tls(stream) => Pin::new(stream.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for HubStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().io {
            Inner::Plain(stream) => Pin::new(stream).poll_write(cx, buf),
            Inner::Tls(stream) => Pin::new(stream.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().io {
            Inner::Plain(stream) => Pin::new(stream).poll_write_vectored(cx, bufs),
            Inner::Tls(stream) => Pin::new(stream.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match &self.io {
            Inner::Plain(stream) => stream.is_write_vectored(),
            Inner::Tls(stream) => stream.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().io {
            Inner::Plain(stream) => Pin::new(stream).poll_flush(cx),
            Inner::Tls(stream) => Pin::new(stream.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().io {
            Inner::Plain(stream) => Pin::new(stream).poll_shutdown(cx),
            Inner::Tls(stream) => Pin::new(stream.as_mut()).poll_shutdown(cx),
        }
    }
}
