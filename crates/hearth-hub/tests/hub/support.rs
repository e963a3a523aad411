//! Starting hubs and talking to them. Every wait is bounded by [`HANG_GUARD`], so
//! a broken hub fails a test instead of hanging it.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, TimeZone, Utc};
use futures::{SinkExt, StreamExt};
use hearth_core::device_protocol::{DeviceDescription, DeviceMessage, HubMessage};
use hearth_core::protocol::{CommandOutcome, DeviceSnapshot};
use hearth_core::rules::Notification;
use hearth_core::{
    Capability, ClientMessage, Command, DeviceId, DeviceKind, DeviceState, ServerMessage,
};
use hearth_hub::{
    Accounts, AuthSettings, Automations, Clock, Config, Error, Hub, ManualClock, Retention, Role,
    Scope, Server, SimulatorConfig,
};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message, Utf8Bytes};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Only a hang guard: nothing in these tests should take anywhere near this long.
pub(crate) const HANG_GUARD: Duration = Duration::from_secs(10);

/// Every device the simulated house has, with its room.
pub(crate) const HOUSE: [(&str, &str); 12] = [
    ("outdoor-thermometer", "Outdoors"),
    ("living-room-thermometer", "Living room"),
    ("bedroom-thermometer", "Bedroom"),
    ("kitchen-thermometer", "Kitchen"),
    ("fridge", "Kitchen"),
    ("living-room-ac", "Living room"),
    ("bedroom-heater", "Bedroom"),
    ("living-room-light", "Living room"),
    ("bedroom-light", "Bedroom"),
    ("porch-light", "Porch"),
    ("bedroom-fan", "Bedroom"),
    ("living-room-occupancy", "Living room"),
];

pub(crate) async fn guard<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(HANG_GUARD, future)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

pub(crate) fn config(data_dir: &Path, interval: Duration) -> Config {
    Config {
        dist: data_dir.join("no-dashboard-here"),
        data_dir: data_dir.to_owned(),
        simulator: Some(SimulatorConfig {
            interval,
            speed: 1.0,
            seed: Some(42),
            backfill_days: 0,
        }),
        retention: Retention::default(),
    }
}

/// Sessions that end after an hour idle or three in all, on a clock the
/// test moves by hand from 08:00 on 26 November 2026.
pub(crate) fn short_sessions() -> (ManualClock, AuthSettings) {
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 26, 8, 0, 0).unwrap());
    let settings = AuthSettings {
        idle: TimeDelta::hours(1),
        absolute: TimeDelta::hours(3),
        secure_cookies: false,
        clock: Clock::Manual(clock.clone()),
    };
    (clock, settings)
}

/// How a request or WebSocket presents itself to the hub.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Auth<'a> {
    /// The session of the admin every test hub signs in (the default).
    Admin,
    /// Another session cookie's value ([`TestHub::session_for`]).
    Session(&'a str),
    /// `Authorization: Bearer <token>` ([`TestHub::token`]).
    Bearer(&'a str),
    /// Nothing at all.
    Nobody,
}

/// A hub serving in the background of the test.
pub(crate) struct TestHub {
    pub(crate) addr: SocketAddr,
    pub(crate) hub: Arc<Hub>,
    pub(crate) automations: Arc<Automations>,
    pub(crate) accounts: Arc<Accounts>,
    /// The admin's session cookie, sent by every helper unless told otherwise.
    pub(crate) session: String,
    stop: oneshot::Sender<()>,
    serving: JoinHandle<Result<(), Error>>,
}

impl TestHub {
    /// A hub on `data_dir` whose sensors report every 50 ms.
    pub(crate) async fn start(data_dir: &Path) -> TestHub {
        TestHub::start_with(config(data_dir, Duration::from_millis(50))).await
    }

    pub(crate) async fn start_with(config: Config) -> TestHub {
        TestHub::start_with_clock(config, None).await
    }

    /// A hub whose rule runner is timed by `clock` (the default when `None`).
    pub(crate) async fn start_with_clock(config: Config, clock: Option<Clock>) -> TestHub {
        TestHub::serve(Server::open_with_clock(config, clock).expect("the hub opens")).await
    }

    /// Serves an opened `server` on a free port.
    pub(crate) async fn serve(server: Server) -> TestHub {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let hub = server.hub();
        let automations = server.automations();
        let accounts = server.accounts();
        // A fresh data directory gets its first admin when the hub opens.
        let session = accounts
            .sign_in_as("admin")
            .expect("the first admin signs in");
        let (stop, stopped) = oneshot::channel::<()>();
        let serving = tokio::spawn(server.serve(listener, async {
            let _ = stopped.await;
        }));
        TestHub {
            addr,
            hub,
            automations,
            accounts,
            session,
            stop,
            serving,
        }
    }

    /// Shuts the hub down the way SIGTERM would, and waits for `serve` to return.
    pub(crate) async fn shut_down(self) -> Result<(), Error> {
        let _ = self.stop.send(());
        guard("serve to return", self.serving)
            .await
            .expect("serve did not panic")
    }

    pub(crate) async fn connect(&self) -> Client {
        self.connect_as(Auth::Admin)
            .await
            .unwrap_or_else(|status| panic!("the WebSocket was refused with {status}"))
    }

    /// A browser's WebSocket signed in as `auth`, with the `Origin` a page
    /// served by this hub sends; the refusal's HTTP status if it is refused.
    pub(crate) async fn connect_as(&self, auth: Auth<'_>) -> Result<Client, u16> {
        let origin = format!("http://{}", self.addr);
        self.connect_from(auth, Some(&origin)).await
    }

    /// As [`TestHub::connect_as`], with `origin` as the `Origin` header (or
    /// none).
    pub(crate) async fn connect_from(
        &self,
        auth: Auth<'_>,
        origin: Option<&str>,
    ) -> Result<Client, u16> {
        let mut request = format!("ws://{}/api/ws", self.addr)
            .into_client_request()
            .unwrap();
        for (name, value) in self.auth_headers(auth) {
            request.headers_mut().insert(name, value.parse().unwrap());
        }
        if let Some(origin) = origin {
            request
                .headers_mut()
                .insert("Origin", origin.parse().unwrap());
        }
        match guard(
            "the WebSocket handshake",
            tokio_tungstenite::connect_async(request),
        )
        .await
        {
            Ok((ws, _)) => Ok(Client { ws }),
            Err(WsError::Http(response)) => Err(response.status().as_u16()),
            Err(other) => panic!("the WebSocket handshake failed: {other}"),
        }
    }

    /// The headers that present `auth`.
    pub(crate) fn auth_headers(&self, auth: Auth<'_>) -> Vec<(&'static str, String)> {
        match auth {
            Auth::Admin => vec![("Cookie", format!("hearth_session={}", self.session))],
            Auth::Session(session) => vec![("Cookie", format!("hearth_session={session}"))],
            Auth::Bearer(token) => vec![("Authorization", format!("Bearer {token}"))],
            Auth::Nobody => Vec::new(),
        }
    }

    /// The request head lines that present `auth`, each ending in CRLF.
    fn auth_lines(&self, auth: Auth<'_>) -> String {
        self.auth_headers(auth)
            .into_iter()
            .map(|(name, value)| format!("{name}: {value}\r\n"))
            .collect()
    }

    /// A session for a new user `name` with `role`, limited to `rooms` when
    /// given; the cookie's value.
    pub(crate) fn session_for(&self, name: &str, role: Role, rooms: Option<&[&str]>) -> String {
        let rooms: Option<Vec<String>> =
            rooms.map(|rooms| rooms.iter().map(|room| (*room).to_owned()).collect());
        self.accounts
            .add_user(name, None, role, rooms.as_deref())
            .expect("the user is added");
        self.accounts.sign_in_as(name).expect("the user signs in")
    }

    /// A new token allowing `scopes`; its secret.
    pub(crate) fn token(&self, name: &str, scopes: &[Scope]) -> String {
        self.accounts
            .create_token(name, scopes)
            .expect("the token is created")
            .secret
    }

    /// A client past its `hello`, holding the `snapshot` that follows.
    pub(crate) async fn connect_past_snapshot(&self) -> (Client, Vec<DeviceSnapshot>) {
        let mut client = self.connect().await;
        let (devices, _) = client.past_hello().await;
        (client, devices)
    }

    /// `GET /api/auth/me` presenting `auth`: the status and the body (null
    /// when it is not JSON).
    pub(crate) async fn me(&self, auth: Auth<'_>) -> (u16, Value) {
        let (status, _, body) = self.http_as(auth, "GET", "/api/auth/me", "").await;
        (status, serde_json::from_str(&body).unwrap_or(Value::Null))
    }

    /// What the audit log says `actor` did, oldest first: (action, detail).
    pub(crate) async fn audit_of(&self, actor: &str) -> Vec<(String, String)> {
        let (status, _, body) = self.http("GET", "/api/audit?limit=100").await;
        assert_eq!(status, 200, "{body}");
        let log: Vec<Value> = serde_json::from_str(&body).unwrap();
        log.iter()
            .rev()
            .filter(|entry| entry["actor"] == actor)
            .map(|entry| {
                let text = |key: &str| entry[key].as_str().unwrap().to_owned();
                (text("action"), text("detail"))
            })
            .collect()
    }

    /// A plain HTTP/1.1 request; returns the status, the content type and the body.
    pub(crate) async fn http(&self, method: &str, path: &str) -> (u16, String, String) {
        self.http_with(method, path, "").await
    }

    /// Sends one request and checks that the hub refuses it the way every API
    /// refusal looks: `want_status`, a JSON body with `want_code` and a
    /// non-empty message for people.
    pub(crate) async fn expect_refusal(
        &self,
        method: &str,
        path: &str,
        body: &str,
        want_status: u16,
        want_code: &str,
    ) {
        self.expect_refusal_as(Auth::Admin, method, path, body, want_status, want_code)
            .await;
    }

    /// As [`TestHub::expect_refusal`], presenting `auth`.
    pub(crate) async fn expect_refusal_as(
        &self,
        auth: Auth<'_>,
        method: &str,
        path: &str,
        body: &str,
        want_status: u16,
        want_code: &str,
    ) {
        let (status, content_type, answer) = self.http_as(auth, method, path, body).await;
        assert_eq!(status, want_status, "{method} {path} {body}: {answer}");
        assert_eq!(content_type, "application/json", "{method} {path}");
        let error: serde_json::Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(error["code"], want_code, "{method} {path}: {answer}");
        assert!(
            error["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{method} {path}: {answer}"
        );
    }

    /// As [`TestHub::expect_refusal_as`], for a request `auth` may not make
    /// (403 `forbidden`).
    pub(crate) async fn expect_forbidden_as(
        &self,
        auth: Auth<'_>,
        method: &str,
        path: &str,
        body: &str,
    ) {
        self.expect_refusal_as(auth, method, path, body, 403, "forbidden")
            .await;
    }

    /// As [`TestHub::http`], sending `body` as JSON.
    pub(crate) async fn http_with(
        &self,
        method: &str,
        path: &str,
        body: &str,
    ) -> (u16, String, String) {
        self.http_as(Auth::Admin, method, path, body).await
    }

    /// As [`TestHub::http_with`], presenting `auth`.
    pub(crate) async fn http_as(
        &self,
        auth: Auth<'_>,
        method: &str,
        path: &str,
        body: &str,
    ) -> (u16, String, String) {
        let mut stream = self.send_request(auth, method, path, body).await;
        let mut response = String::new();
        guard("an HTTP response", stream.read_to_string(&mut response))
            .await
            .unwrap();
        let (head, body) = response
            .split_once("\r\n\r\n")
            .expect("a complete response");
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("a status line");
        let content_type = head
            .lines()
            .find_map(|line| {
                line.to_ascii_lowercase()
                    .strip_prefix("content-type: ")
                    .map(str::to_owned)
            })
            .unwrap_or_default();
        let chunked = head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked");
        let body = if chunked {
            dechunk(body)
        } else {
            body.to_owned()
        };
        (status, content_type, body)
    }

    /// Opens a connection and sends `method path` with `body` as JSON,
    /// presenting `auth`, asking the hub to close once it has answered.
    async fn send_request(
        &self,
        auth: Auth<'_>,
        method: &str,
        path: &str,
        body: &str,
    ) -> TcpStream {
        let mut stream = TcpStream::connect(self.addr).await.unwrap();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n{}\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            self.addr,
            self.auth_lines(auth),
            body.len()
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        stream
    }

    /// The status and headers (names lower-cased) of `GET path`; the body,
    /// which may be binary, is read and dropped.
    pub(crate) async fn get_headers(&self, path: &str) -> (u16, Vec<(String, String)>) {
        self.headers_as(Auth::Admin, "GET", path, "").await
    }

    /// The status and headers (names lower-cased) of `method path` with
    /// `body` as JSON, presenting `auth`.
    pub(crate) async fn headers_as(
        &self,
        auth: Auth<'_>,
        method: &str,
        path: &str,
        body: &str,
    ) -> (u16, Vec<(String, String)>) {
        let mut stream = self.send_request(auth, method, path, body).await;
        let mut response = Vec::new();
        guard("an HTTP response", stream.read_to_end(&mut response))
            .await
            .unwrap();
        let end = response
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a complete head");
        parse_head(&String::from_utf8_lossy(&response[..end]))
    }

    /// `GET /api/devices`, parsed.
    pub(crate) async fn devices(&self) -> Vec<DeviceSnapshot> {
        let (status, _, body) = self.http("GET", "/api/devices").await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).expect("a device list")
    }
}

/// The body of a `Transfer-Encoding: chunked` response.
/// The status and the headers (names lower-cased) of an HTTP response head.
pub(crate) fn parse_head(head: &str) -> (u16, Vec<(String, String)>) {
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    (status, headers)
}

pub(crate) fn dechunk(mut rest: &str) -> String {
    let mut body = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).expect("a chunk size");
        if size == 0 {
            break;
        }
        body.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
    body
}

pub(crate) fn ids(devices: &[DeviceSnapshot]) -> BTreeSet<&str> {
    devices.iter().map(|d| d.device.id.as_str()).collect()
}

pub(crate) fn find<'a>(devices: &'a [DeviceSnapshot], id: &str) -> &'a DeviceSnapshot {
    devices
        .iter()
        .find(|d| d.device.id.as_str() == id)
        .unwrap_or_else(|| panic!("no {id} in {:?}", ids(devices)))
}

/// A browser's end of the WebSocket.
pub(crate) struct Client {
    ws: Socket,
}

impl Client {
    pub(crate) async fn send(&mut self, message: &ClientMessage) {
        self.send_raw(Message::text(message.encode())).await;
    }

    pub(crate) async fn send_raw(&mut self, message: Message) {
        guard("a send", self.ws.send(message))
            .await
            .expect("the socket takes the frame");
    }

    /// The next protocol message, whatever it is.
    pub(crate) async fn next(&mut self) -> ServerMessage {
        let text = next_text(&mut self.ws).await;
        ServerMessage::decode(text.as_str()).expect("the hub speaks the protocol")
    }

    /// Takes the `hello` and returns what the `snapshot` after it holds.
    pub(crate) async fn past_hello(&mut self) -> (Vec<DeviceSnapshot>, Vec<Notification>) {
        assert!(matches!(self.next().await, ServerMessage::Hello { .. }));
        match self.next().await {
            ServerMessage::Snapshot {
                devices,
                notifications,
                ..
            } => (devices, notifications),
            other => panic!("expected a snapshot, got {other:?}"),
        }
    }

    /// The ids of the devices in the snapshot after the `hello`.
    pub(crate) async fn snapshot_ids(&mut self) -> Vec<String> {
        let (devices, _) = self.past_hello().await;
        ids(&devices).into_iter().map(str::to_owned).collect()
    }

    /// The next state change the hub reports for `device`, past everything
    /// else.
    pub(crate) async fn next_state(&mut self, device: &str) -> DeviceState {
        self.next_that(|message| match message {
            ServerMessage::StateChanged {
                device: id, state, ..
            } if id.as_str() == device => Some(state),
            _ => None,
        })
        .await
    }

    /// Reads until the hub reports `device` switched on, or off.
    pub(crate) async fn until_switched(&mut self, device: &str, on: bool) {
        while self.next_state(device).await.on != Some(on) {}
    }

    /// Sends `command` to `device` as `request_id` and waits for its result.
    pub(crate) async fn command(
        &mut self,
        request_id: &str,
        device: &str,
        command: Command,
    ) -> CommandOutcome {
        self.send(&ClientMessage::Command {
            request_id: request_id.into(),
            device: DeviceId::new(device),
            command,
        })
        .await;
        self.next_that(|message| match message {
            ServerMessage::CommandResult {
                request_id: id,
                outcome,
                ..
            } if id == request_id => Some(outcome),
            _ => None,
        })
        .await
    }

    /// Skips the live stream (readings, state changes) until `pick` finds the
    /// message it is waiting for.
    pub(crate) async fn next_that<T>(
        &mut self,
        mut pick: impl FnMut(ServerMessage) -> Option<T>,
    ) -> T {
        loop {
            if let Some(found) = pick(self.next().await) {
                return found;
            }
        }
    }

    /// Reads until the connection ends, however it ends: a Close frame, an
    /// error, or the stream running out.
    pub(crate) async fn expect_end(&mut self) {
        loop {
            match guard("the hub to end the connection", self.ws.next()).await {
                Some(Ok(Message::Close(_)) | Err(_)) | None => return,
                Some(Ok(_)) => continue,
            }
        }
    }

    /// Reads until the hub closes the connection; returns its Close frame.
    pub(crate) async fn close_frame(&mut self) -> Option<CloseFrame> {
        close_frame(&mut self.ws).await
    }

    /// Reads until the hub closes the connection; returns the close's code
    /// and reason.
    pub(crate) async fn closed(&mut self) -> (u16, String) {
        let frame = self.close_frame().await.expect("a close with a reason");
        (u16::from(frame.code), frame.reason.to_string())
    }
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The next text frame on `ws`, past pings and pongs.
async fn next_text(ws: &mut Socket) -> Utf8Bytes {
    loop {
        match guard("a frame from the hub", ws.next()).await {
            Some(Ok(Message::Text(text))) => return text,
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            other => panic!("expected a text frame, got {other:?}"),
        }
    }
}

/// Reads `ws` until the hub closes it; returns its Close frame.
async fn close_frame(ws: &mut Socket) -> Option<CloseFrame> {
    loop {
        match guard("the hub to close", ws.next()).await {
            Some(Ok(Message::Close(frame))) => return frame,
            Some(Ok(_)) => continue,
            other => panic!("expected a Close frame, got {other:?}"),
        }
    }
}

/// A device's end of `/api/devices/ws` (or a gateway's, for several).
pub(crate) struct DeviceSocket {
    ws: Socket,
}

impl DeviceSocket {
    /// Opens the socket, with `bearer` as the upgrade's `Authorization`.
    pub(crate) async fn open(hub: &TestHub, bearer: Option<&str>) -> Result<DeviceSocket, WsError> {
        let mut request = format!("ws://{}/api/devices/ws", hub.addr)
            .into_client_request()
            .unwrap();
        if let Some(token) = bearer {
            request
                .headers_mut()
                .insert("Authorization", format!("Bearer {token}").parse().unwrap());
        }
        let (ws, _) = guard(
            "the device handshake",
            tokio_tungstenite::connect_async(request),
        )
        .await?;
        Ok(DeviceSocket { ws })
    }

    /// Connects with `token` on the upgrade and takes the `welcome`.
    pub(crate) async fn welcomed(hub: &TestHub, token: &str) -> DeviceSocket {
        let mut device = DeviceSocket::open(hub, Some(token))
            .await
            .expect("the device socket opens");
        assert!(matches!(device.next().await, HubMessage::Welcome { .. }));
        device
    }

    /// Connects with a `hello` frame and takes the `welcome`.
    pub(crate) async fn hello(hub: &TestHub, token: &str) -> DeviceSocket {
        let mut device = DeviceSocket::open(hub, None).await.unwrap();
        device
            .send(&DeviceMessage::Hello {
                token: token.into(),
            })
            .await;
        assert!(matches!(
            device.next().await,
            HubMessage::Welcome { protocol: 1, .. }
        ));
        device
    }

    pub(crate) async fn send(&mut self, message: &DeviceMessage) {
        self.send_raw(message.encode()).await;
    }

    pub(crate) async fn send_raw(&mut self, text: String) {
        guard("a send", self.ws.send(Message::text(text)))
            .await
            .expect("the socket takes the frame");
    }

    pub(crate) async fn next(&mut self) -> HubMessage {
        let text = next_text(&mut self.ws).await;
        HubMessage::decode(text.as_str()).expect("the device protocol")
    }

    pub(crate) async fn close_frame(&mut self) -> Option<CloseFrame> {
        close_frame(&mut self.ws).await
    }

    /// Describes `devices` and expects every one of them taken.
    pub(crate) async fn describe(&mut self, devices: Vec<DeviceDescription>) {
        let ids: Vec<DeviceId> = devices.iter().map(|d| d.id.clone()).collect();
        self.send(&DeviceMessage::Describe { devices }).await;
        assert_eq!(self.next().await, HubMessage::Described { devices: ids });
    }
}

/// A thermometer as a device socket or a gateway describes it.
pub(crate) fn thermometer(id: &str, name: &str, room: &str) -> DeviceDescription {
    DeviceDescription {
        id: DeviceId::new(id),
        name: name.into(),
        room: room.into(),
        kind: DeviceKind::Thermometer,
        capabilities: vec![Capability::Temperature],
        state: None,
    }
}

/// A switch, off, as a device socket or a gateway describes it.
pub(crate) fn switch(id: &str, name: &str, room: &str) -> DeviceDescription {
    DeviceDescription {
        id: DeviceId::new(id),
        name: name.into(),
        room: room.into(),
        kind: DeviceKind::Switch,
        capabilities: vec![Capability::OnOff],
        state: Some(DeviceState {
            on: Some(false),
            ..DeviceState::default()
        }),
    }
}

/// The WebSocket handshake over a connection a test opened itself (TLS,
/// say), as `hub`'s admin on a page of the same origin as `url`.
pub(crate) async fn ws_over<S>(hub: &TestHub, stream: S, url: &str) -> WebSocketStream<S>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut request = url.into_client_request().unwrap();
    for (name, value) in hub.auth_headers(Auth::Admin) {
        request.headers_mut().insert(name, value.parse().unwrap());
    }
    let origin = url
        .replacen("wss://", "https://", 1)
        .replacen("ws://", "http://", 1);
    let origin = origin.trim_end_matches("/api/ws");
    request
        .headers_mut()
        .insert("Origin", origin.parse().unwrap());
    let (ws, _) = guard(
        "the WebSocket handshake",
        tokio_tungstenite::client_async(request, stream),
    )
    .await
    .expect("the WebSocket opens");
    ws
}

/// A fresh temporary directory that outlives the hubs started on it.
pub(crate) fn data_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_owned();
    (dir, path)
}
