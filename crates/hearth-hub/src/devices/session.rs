//! One device connection on `GET /api/devices/ws`: authenticate (bearer header
//! on the upgrade, or a `hello` first frame), then describe devices, stream
//! readings and state, and answer the commands relayed to it. One task owns
//! the socket and the commands waiting for an answer, so no lock guards them;
//! a device is a single peer, so nothing is gained by splitting it in two.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Extension;
use axum::extract::State;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade, close_code};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use hearth_core::device_protocol::{DEVICE_PROTOCOL_VERSION, DeviceMessage, HubMessage};
use hearth_core::protocol::CommandOutcome;
use hearth_core::{CommandError, DeviceId, DeviceState, ErrorCode, Reading};
use tokio::sync::{mpsc, oneshot, watch};

use super::auth::{self, AuthError};
use super::{ADAPTER, Endpoint, taken_at};
use crate::AppState;
use crate::adapter::{self, AdapterCommand};
use crate::api::ApiError;
use crate::auth::{Accounts, Closing};
use crate::hub::IngestError;
use crate::store::tokens::{Scope, TokenInfo};

/// Frames up to this size are read and answered (`frame_too_large` above the
/// protocol's 64 KiB); only beyond it does the socket itself give up.
const MAX_INCOMING_BYTES: usize = 1024 * 1024;

/// How long a connection may take to send its `hello`.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

type Reply = oneshot::Sender<Result<DeviceState, CommandError>>;

/// Completes with how to close the socket when its token is revoked.
type TokenEnds = Pin<Box<dyn Future<Output = Closing> + Send>>;

/// `GET /api/devices/ws`. A bad bearer token is refused before the upgrade
/// with 401; without one the connection must open with `hello`. The
/// accounts, which the sign-in middleware hands on (a bare [`crate::app`]
/// has none), close the socket when its token is revoked.
pub(crate) async fn upgrade(
    State(state): State<AppState>,
    accounts: Option<Extension<Arc<Accounts>>>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let token = match auth::bearer(&headers) {
        None => None,
        Some(secret) => {
            match async { auth::check(&state.hub, &secret?, Scope::Ingest).await }.await {
                Ok(token) => Some(token),
                Err(error) => return error.into_response(),
            }
        }
    };
    // Refused as JSON, like every other `/api` error.
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(rejection) => {
            return ApiError::BadRequest(format!("{rejection}; connect with a WebSocket client"))
                .into_response();
        }
    };
    upgrade
        .max_message_size(MAX_INCOMING_BYTES)
        .max_frame_size(MAX_INCOMING_BYTES)
        .on_upgrade(move |socket| {
            let accounts = accounts.map(|Extension(accounts)| accounts);
            session(socket, state.devices, token, accounts, state.shutdown)
        })
}

async fn session(
    mut socket: WebSocket,
    endpoint: Arc<Endpoint>,
    token: Option<TokenInfo>,
    accounts: Option<Arc<Accounts>>,
    mut shutdown: watch::Receiver<bool>,
) {
    let greeted = match token {
        Some(token) => Ok(token),
        None => tokio::select! {
            () = crate::stopping(&mut shutdown) => {
                Err((close_code::AWAY, "hub shutting down".to_owned()))
            }
            greeted = hello(&mut socket, &endpoint) => {
                greeted.map_err(|reason| (close_code::POLICY, reason))
            }
        },
    };
    let token = match greeted {
        Ok(token) => token,
        Err((code, reason)) => {
            tracing::info!(%reason, "device connection refused");
            let close = CloseFrame {
                code,
                reason: reason.into(),
            };
            let _ = socket.send(Message::Close(Some(close))).await;
            return;
        }
    };
    // Its first look-up is at once, so a revocation since the check above
    // is not missed.
    let mut ends: TokenEnds = match accounts {
        Some(accounts) => Box::pin(crate::auth::token_ends(accounts, token.id)),
        None => Box::pin(std::future::pending()),
    };
    endpoint.start_relay(&shutdown);
    let id = endpoint.next_session();
    tracing::info!(session = id, token = %token.name, "device connected");
    let (mut connection, queue) = Connection::open(&endpoint, id, ADAPTER);
    connection.speak_as(token.clone());
    let welcome = HubMessage::Welcome {
        protocol: DEVICE_PROTOCOL_VERSION,
        hub: endpoint.hub.info().clone(),
    };
    if send(&mut socket, &welcome).await.is_ok() {
        connection
            .run(&mut socket, queue, &mut ends, &mut shutdown)
            .await;
    }
    connection.finish();
    tracing::info!(session = id, token = %token.name, "device disconnected");
    // Holding `shutdown` until here tells the server this session is over.
    drop(shutdown);
}

/// Waits for the `hello` frame and checks its token; the error is the reason
/// the connection is closed with.
async fn hello(socket: &mut WebSocket, endpoint: &Endpoint) -> Result<TokenInfo, String> {
    let first = "send {\"type\":\"hello\",\"token\":…} first, or a bearer token on the upgrade";
    let frame = tokio::time::timeout(HELLO_TIMEOUT, socket.recv())
        .await
        .map_err(|_| format!("no hello within {} s", HELLO_TIMEOUT.as_secs()))?;
    let Some(Ok(Message::Text(text))) = frame else {
        return Err(first.to_owned());
    };
    match DeviceMessage::decode(text.as_str()) {
        Ok(DeviceMessage::Hello { token }) => auth::check(&endpoint.hub, &token, Scope::Ingest)
            .await
            .map_err(|error: AuthError| {
                if let AuthError::Internal(cause) = &error {
                    tracing::error!(%cause, "cannot check a device token");
                }
                error.close_reason()
            }),
        _ => Err(first.to_owned()),
    }
}

/// What one authenticated connection holds: a device's socket, or a
/// browser's gateway devices on its `/api/ws` socket (`super::gateway`).
pub(super) struct Connection {
    endpoint: Arc<Endpoint>,
    id: u64,
    /// Whose devices this connection's are.
    adapter: &'static str,
    /// Where the relay sends commands for this connection's devices.
    commands: mpsc::Sender<AdapterCommand>,
    owned: HashSet<DeviceId>,
    /// The device token this connection speaks with, whose binding limits
    /// which devices it may describe and report for; `None` for a browser's
    /// gateway, which its user's rooms limit instead.
    token: Option<TokenInfo>,
    /// Commands sent to the device, by request id, with who waits for each.
    waiting: HashMap<String, (DeviceId, Reply)>,
    requests: u64,
}

impl Connection {
    /// A connection numbered `id` whose devices belong to `adapter`, and the
    /// queue of commands relayed to it.
    pub(super) fn open(
        endpoint: &Arc<Endpoint>,
        id: u64,
        adapter: &'static str,
    ) -> (Connection, mpsc::Receiver<AdapterCommand>) {
        let (commands, queue) = adapter::channel();
        let connection = Connection {
            endpoint: endpoint.clone(),
            id,
            adapter,
            commands,
            owned: HashSet::new(),
            token: None,
            waiting: HashMap::new(),
            requests: 0,
        };
        (connection, queue)
    }

    /// Limits the connection to the devices `token` may speak for.
    fn speak_as(&mut self, token: TokenInfo) {
        self.token = Some(token);
    }

    /// Refuses `device` when the connection's token is bound to others.
    fn may_speak_for(&self, device: &DeviceId) -> Result<(), CommandError> {
        match &self.token {
            Some(token) if !token.may_speak_for(device) => Err(CommandError::new(
                ErrorCode::Forbidden,
                token.refusal(std::slice::from_ref(device)),
            )),
            _ => Ok(()),
        }
    }

    async fn run(
        &mut self,
        socket: &mut WebSocket,
        mut queue: mpsc::Receiver<AdapterCommand>,
        ends: &mut TokenEnds,
        shutdown: &mut watch::Receiver<bool>,
    ) {
        loop {
            let out = tokio::select! {
                () = crate::stopping(shutdown) => {
                    let close = CloseFrame {
                        code: close_code::AWAY,
                        reason: "hub shutting down".into(),
                    };
                    let _ = socket.send(Message::Close(Some(close))).await;
                    return;
                }
                closing = &mut *ends => {
                    tracing::info!(session = self.id, reason = closing.reason, "closing a device socket");
                    let close = CloseFrame {
                        code: closing.code,
                        reason: closing.reason.into(),
                    };
                    let _ = socket.send(Message::Close(Some(close))).await;
                    return;
                }
                request = queue.recv() => match request {
                    Some(request) => vec![self.command(request)],
                    None => return,
                },
                frame = socket.recv() => match frame {
                    Some(Ok(Message::Text(text))) => self.frame(&text).await,
                    Some(Ok(Message::Binary(_))) => {
                        vec![refuse(CommandError::new(ErrorCode::BadFrame, "send JSON text frames"), None)]
                    }
                    // The WebSocket layer answers pings itself.
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    Some(Ok(Message::Close(_))) | None => return,
                    Some(Err(error)) => {
                        tracing::debug!(%error, "device WebSocket read failed");
                        return;
                    }
                },
            };
            for message in out {
                if send(socket, &message).await.is_err() {
                    return;
                }
            }
        }
    }

    /// Sends a relayed command to the device and remembers who waits for it.
    pub(super) fn command(&mut self, request: AdapterCommand) -> HubMessage {
        self.requests += 1;
        let request_id = self.requests.to_string();
        // Whoever gave up waiting (the hub's timeout) needs no answer.
        self.waiting.retain(|_, (_, reply)| !reply.is_closed());
        self.waiting
            .insert(request_id.clone(), (request.device.clone(), request.reply));
        HubMessage::Command {
            request_id,
            device: request.device,
            command: request.command,
        }
    }

    /// The answers to one text frame from the device.
    async fn frame(&mut self, text: &Utf8Bytes) -> Vec<HubMessage> {
        match DeviceMessage::decode(text.as_str()) {
            Ok(message) => self.handle(message).await,
            Err(error) => vec![refuse(error, None)],
        }
    }

    /// The answers to one message from the device.
    pub(super) async fn handle(&mut self, message: DeviceMessage) -> Vec<HubMessage> {
        match message {
            DeviceMessage::Hello { .. } => vec![refuse(
                CommandError::new(
                    ErrorCode::BadFrame,
                    "this connection is already authenticated",
                ),
                None,
            )],
            DeviceMessage::Describe { devices } => {
                let mut out = Vec::new();
                let mut taken = Vec::new();
                for description in devices {
                    let id = description.id.clone();
                    if let Err(error) = self.may_speak_for(&id) {
                        out.push(refuse(error, Some(id)));
                        continue;
                    }
                    match self
                        .endpoint
                        .claim(self.id, self.adapter, &self.commands, &description)
                        .await
                    {
                        Ok(()) => {
                            tracing::info!(session = self.id, device = %id, "device described");
                            self.owned.insert(id.clone());
                            taken.push(id);
                        }
                        Err(error) => out.push(refuse(error, Some(id))),
                    }
                }
                out.insert(0, HubMessage::Described { devices: taken });
                out
            }
            DeviceMessage::Reading {
                device,
                metric,
                value,
                at,
            } => {
                let at = match self.owns(&device).and_then(|()| taken_at(at, Utc::now())) {
                    Ok(at) => at,
                    Err(error) => return vec![refuse(error, Some(device))],
                };
                let reading = Reading::new(device.clone(), metric, value, at);
                match self.endpoint.hub.ingest_reading(reading).await {
                    Ok(_) => Vec::new(),
                    Err(IngestError::Invalid { source, .. }) => vec![refuse(
                        CommandError::new(ErrorCode::InvalidValue, source.to_string()),
                        Some(device),
                    )],
                    Err(error) => vec![refuse(
                        CommandError::new(ErrorCode::Internal, error.to_string()),
                        Some(device),
                    )],
                }
            }
            DeviceMessage::State { device, state } => {
                let result = match self.owns(&device) {
                    Ok(()) => self.endpoint.hub.set_state(&device, state).await,
                    Err(error) => Err(error),
                };
                match result {
                    Ok(()) => Vec::new(),
                    Err(error) => vec![refuse(error, Some(device))],
                }
            }
            DeviceMessage::CommandResult {
                request_id,
                outcome,
            } => match self.waiting.remove(&request_id) {
                Some((_, reply)) => {
                    // The hub records the state and tells every browser.
                    let _ = reply.send(match outcome {
                        CommandOutcome::Ok { state } => Ok(state),
                        CommandOutcome::Rejected { error } => Err(error),
                    });
                    Vec::new()
                }
                None => vec![refuse(
                    CommandError::new(
                        ErrorCode::BadFrame,
                        format!("no command {request_id} is waiting for an answer"),
                    ),
                    None,
                )],
            },
        }
    }

    fn owns(&self, device: &DeviceId) -> Result<(), CommandError> {
        self.may_speak_for(device)?;
        if self.owned.contains(device) {
            Ok(())
        } else {
            Err(CommandError::new(
                ErrorCode::UnknownDevice,
                format!("describe {device} on this connection first"),
            ))
        }
    }

    /// The connection has gone: its devices stay registered but unreachable,
    /// and whoever waits for one of its answers is told.
    pub(super) fn finish(&mut self) {
        self.endpoint.release(self.id);
        for (_, (device, reply)) in self.waiting.drain() {
            let _ = reply.send(Err(CommandError::new(
                ErrorCode::Unavailable,
                format!("{device} disconnected before answering"),
            )));
        }
    }
}

fn refuse(error: CommandError, device: Option<DeviceId>) -> HubMessage {
    tracing::warn!(code = ?error.code, device = ?device, %error, "refused a device frame");
    HubMessage::refusal(error, device)
}

async fn send(socket: &mut WebSocket, message: &HubMessage) -> Result<(), axum::Error> {
    socket.send(Message::Text(message.encode().into())).await
}
