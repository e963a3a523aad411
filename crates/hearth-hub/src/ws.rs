//! `GET /api/ws`: a browser's live connection. It opens with `hello` and a
//! `snapshot`, then carries every reading, state change, rule change and
//! notification as it happens, and answers the browser's commands, resyncs
//! and pings. A browser may also relay devices it holds itself (Bluetooth)
//! with `gateway_*` frames, handed to the device endpoint's machinery
//! (`devices::Gateway`). A frame the hub cannot read gets an `error` back and
//! the connection carries on. A room-limited person sees only their rooms'
//! devices and the rules (and those rules' notifications) that name nothing
//! else; a socket closes when its session ends or its token is revoked
//! (4401), or when its user's role or rooms change (4403).

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Extension;
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade, close_code};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt, StreamExt};
use hearth_core::device_protocol::DeviceMessage;
use hearth_core::protocol::CommandOutcome;
use hearth_core::{ClientMessage, CommandError, ErrorCode, PROTOCOL_VERSION, ServerMessage};
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::{broadcast, mpsc, watch};

use crate::AppState;
use crate::auth::{self, Caller, Principal};
use crate::automation::Automations;
use crate::devices::{Endpoint, Gateway};
use crate::hub::Hub;

/// Frames up to this size are read and answered (`frame_too_large` above
/// `MAX_FRAME_BYTES`); only beyond it does the socket itself give up.
const MAX_INCOMING_BYTES: usize = 1024 * 1024;

/// Replies waiting for the socket; a browser that stops reading slows its own
/// receive side down, nobody else.
const REPLY_QUEUE: usize = 32;

/// How long one half of a session waits for the other to finish its part of
/// the closing handshake.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// Completes with how to close the socket when the access it was opened
/// with ends or changes.
type SessionEnds = Pin<Box<dyn Future<Output = auth::Closing> + Send>>;

/// `automations` is there when the hub runs rules (a bare [`crate::app`]
/// has none, and so no rules or notifications to hide).
pub(crate) async fn upgrade(
    State(state): State<AppState>,
    automations: Option<Extension<Arc<Automations>>>,
    caller: Caller,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    // Cookies go with any page's request, so a page of another site must not
    // be able to open a signed-in socket.
    if let Err(refusal) = auth::origin_allowed(&caller.who, &headers) {
        return refusal.into_response();
    }
    upgrade
        .max_message_size(MAX_INCOMING_BYTES)
        .max_frame_size(MAX_INCOMING_BYTES)
        .on_upgrade(move |socket| {
            let view = View::new(
                state.hub.clone(),
                caller.who.clone(),
                automations.map(|Extension(automations)| automations),
            );
            session(
                socket,
                state.hub,
                state.devices,
                caller,
                view,
                state.shutdown,
            )
        })
}

/// One connection: a send task and a receive task (the receive task's replies
/// reach the socket through the send task). When either ends, the other gets a
/// moment to finish the closing handshake.
async fn session(
    socket: WebSocket,
    hub: Arc<Hub>,
    devices: Arc<Endpoint>,
    caller: Caller,
    view: View,
    shutdown: watch::Receiver<bool>,
) {
    let ends: SessionEnds = match (&caller.who, caller.session.clone()) {
        (_, Some(session)) => Box::pin(auth::session_ends(caller.accounts.clone(), session)),
        (Principal::Token(token), None) => {
            Box::pin(auth::token_ends(caller.accounts.clone(), token.id))
        }
        // A person is always let in with a session; nothing to watch without.
        (Principal::User(_), None) => Box::pin(std::future::pending()),
    };
    let (sink, stream) = socket.split();
    let (replies, replies_rx) = mpsc::channel(REPLY_QUEUE);
    // Subscribe before the snapshot is taken, so no event falls between them.
    let events = hub.subscribe_frames();
    let mut send_task = tokio::spawn(send_loop(
        sink,
        view,
        events,
        replies_rx,
        ends,
        shutdown.clone(),
    ));
    let gateway = GatewayStart {
        devices,
        replies: replies.clone(),
        shutdown: shutdown.clone(),
    };
    let mut receive_task = tokio::spawn(receive_loop(stream, hub, caller, replies, gateway));
    tokio::select! {
        _ = &mut send_task => {
            let _ = tokio::time::timeout(CLOSE_GRACE, &mut receive_task).await;
            receive_task.abort();
        }
        _ = &mut receive_task => {
            let _ = tokio::time::timeout(CLOSE_GRACE, &mut send_task).await;
            send_task.abort();
        }
    }
    // Holding `shutdown` until here tells the server this session is over.
    drop(shutdown);
}

async fn send_loop(
    mut sink: SplitSink<WebSocket, Message>,
    mut view: View,
    mut events: broadcast::Receiver<Utf8Bytes>,
    mut replies: mpsc::Receiver<ServerMessage>,
    mut ends: SessionEnds,
    mut shutdown: watch::Receiver<bool>,
) {
    let hello = ServerMessage::Hello {
        protocol: PROTOCOL_VERSION,
        hub: view.hub.info().clone(),
    };
    let snapshot = view.snapshot();
    for message in [hello, snapshot] {
        if send(&mut sink, message).await.is_err() {
            return;
        }
    }
    loop {
        let frame = tokio::select! {
            () = crate::stopping(&mut shutdown) => {
                let close = CloseFrame {
                    code: close_code::AWAY,
                    reason: "hub shutting down".into(),
                };
                let _ = sink.send(Message::Close(Some(close))).await;
                return;
            }
            closing = &mut ends => {
                tracing::info!(
                    code = closing.code,
                    reason = closing.reason,
                    "closing a browser socket whose access ended or changed"
                );
                let close = CloseFrame {
                    code: closing.code,
                    reason: closing.reason.into(),
                };
                let _ = sink.send(Message::Close(Some(close))).await;
                return;
            }
            reply = replies.recv() => match reply {
                // A `resync`: the view, which keeps the rules this caller
                // sees, draws the picture and starts those rules afresh.
                Some(ServerMessage::Snapshot { .. }) => view.snapshot().encode().into(),
                Some(reply) => reply.encode().into(),
                // The browser has gone or said goodbye; answer its Close.
                None => {
                    let _ = sink.close().await;
                    return;
                }
            },
            event = events.recv() => match event {
                Ok(frame) => match view.shown(frame) {
                    Some(frame) => frame,
                    None => continue,
                },
                Err(RecvError::Lagged(missed)) => view.lagged(&mut events, missed),
                Err(RecvError::Closed) => return,
            },
        };
        if sink.feed(Message::Text(frame)).await.is_err() {
            return;
        }
        // Whatever else is already waiting goes out in the same write: one
        // system call per burst rather than one per frame. Yielding once first
        // lets the other sockets' tasks run, so more has arrived by then: with
        // 200 browsers and 1,000 readings a second, p99 fell from 29 to 15 ms
        // (docs/PERFORMANCE.md, "Load").
        tokio::task::yield_now().await;
        loop {
            let frame = match events.try_recv() {
                Ok(frame) => match view.shown(frame) {
                    Some(frame) => frame,
                    None => continue,
                },
                Err(TryRecvError::Lagged(missed)) => view.lagged(&mut events, missed),
                Err(TryRecvError::Empty | TryRecvError::Closed) => break,
            };
            if sink.feed(Message::Text(frame)).await.is_err() {
                return;
            }
        }
        if sink.flush().await.is_err() {
            return;
        }
    }
}

/// What one browser is shown of the frames every browser is sent. An
/// unrestricted caller gets the shared encoding as it is; only a
/// room-limited caller's frames are decoded, and for them the view keeps the
/// ids of the rules they can see, so that a rule's removal and its
/// notifications reach only those who saw the rule.
struct View {
    hub: Arc<Hub>,
    who: Principal,
    automations: Option<Arc<Automations>>,
    /// The rules a room-limited caller sees, by id.
    rules: HashSet<String>,
}

impl View {
    fn new(hub: Arc<Hub>, who: Principal, automations: Option<Arc<Automations>>) -> View {
        View {
            hub,
            who,
            automations,
            rules: HashSet::new(),
        }
    }

    /// The whole picture, as far as the caller may see it; it also starts
    /// the view's rule ids afresh.
    fn snapshot(&mut self) -> ServerMessage {
        let mut devices = self.hub.snapshot();
        let mut notifications = self.hub.notifications();
        if !self.who.sees_everything() {
            devices.retain(|snapshot| self.who.sees(&snapshot.device.room));
            self.rules = self
                .automations
                .iter()
                .flat_map(|automations| automations.rules())
                .filter(|rule| {
                    serde_json::to_value(rule)
                        .is_ok_and(|document| self.who.sees_rule(&self.hub, &document))
                })
                .map(|rule| rule.id)
                .collect();
            notifications.retain(|notification| self.rules.contains(&notification.rule));
        }
        ServerMessage::Snapshot {
            at: Utc::now(),
            devices,
            notifications,
        }
    }

    /// A browser that fell behind skips the backlog and gets the whole
    /// picture again, which is newer than all of it.
    fn lagged(&mut self, events: &mut broadcast::Receiver<Utf8Bytes>, missed: u64) -> Utf8Bytes {
        tracing::warn!(missed, "a browser fell behind; resending the whole picture");
        *events = events.resubscribe();
        self.snapshot().encode().into()
    }

    /// `frame` as this browser is to get it, or `None` if it is about a
    /// device or rule outside the caller's rooms. A rule that moves out of
    /// them is shown as removed.
    fn shown(&mut self, frame: Utf8Bytes) -> Option<Utf8Bytes> {
        if self.who.sees_everything() {
            return Some(frame);
        }
        let device = match ServerMessage::decode(&frame) {
            Ok(ServerMessage::Reading { reading }) => reading.device,
            Ok(
                ServerMessage::StateChanged { device, .. }
                | ServerMessage::DeviceAvailability { device, .. },
            ) => device,
            Ok(ServerMessage::RuleChanged { id, rule }) => {
                let visible = serde_json::from_str::<serde_json::Value>(rule.as_str())
                    .is_ok_and(|document| self.who.sees_rule(&self.hub, &document));
                if visible {
                    self.rules.insert(id);
                    return Some(frame);
                }
                return self
                    .rules
                    .remove(&id)
                    .then(|| ServerMessage::RuleRemoved { id }.encode().into());
            }
            Ok(ServerMessage::RuleRemoved { id }) => {
                return self.rules.remove(&id).then_some(frame);
            }
            Ok(ServerMessage::Notification { notification }) => {
                return self.rules.contains(&notification.rule).then_some(frame);
            }
            Ok(_) => return Some(frame),
            Err(_) => return None,
        };
        self.hub
            .device(&device)
            .is_some_and(|device| self.who.sees(&device.room))
            .then_some(frame)
    }
}

/// What a browser's gateway needs when its first `gateway_*` frame comes.
struct GatewayStart {
    devices: Arc<Endpoint>,
    replies: mpsc::Sender<ServerMessage>,
    shutdown: watch::Receiver<bool>,
}

async fn receive_loop(
    mut stream: SplitStream<WebSocket>,
    hub: Arc<Hub>,
    caller: Caller,
    replies: mpsc::Sender<ServerMessage>,
    start: GatewayStart,
) {
    // Dropped with this loop, which ends the gateway and releases its devices.
    let mut gateway: Option<Gateway> = None;
    while let Some(frame) = stream.next().await {
        let reply = match frame {
            Ok(Message::Text(text)) => match answer(&hub, &caller, text.as_str()).await {
                Answer::Reply(reply) => reply,
                // Relaying devices adds them to the house: a change.
                Answer::Gateway(_) if !caller.who.can_control() => refuse(CommandError::new(
                    ErrorCode::Forbidden,
                    caller.who.no_control(),
                )),
                Answer::Gateway(frame) => {
                    let gateway = gateway.get_or_insert_with(|| {
                        Gateway::start(&start.devices, start.replies.clone(), &start.shutdown)
                    });
                    // Its answers come through the gateway's own task.
                    if gateway.send(frame).await {
                        continue;
                    }
                    break;
                }
            },
            Ok(Message::Binary(_)) => refuse(CommandError::new(
                ErrorCode::BadFrame,
                "send JSON text frames",
            )),
            Ok(Message::Close(_)) => break,
            // The WebSocket layer answers pings itself.
            Ok(Message::Ping(_) | Message::Pong(_)) => continue,
            Err(error) => {
                tracing::debug!(%error, "WebSocket read failed");
                break;
            }
        };
        if replies.send(reply).await.is_err() {
            break;
        }
    }
}

/// What to do with one text frame.
enum Answer {
    Reply(ServerMessage),
    /// A gateway frame, as the device endpoint's message.
    Gateway(DeviceMessage),
}

/// The reply to one text frame. Commands are handled one at a time, so a
/// browser gets its results in the order it sent them. (A browser that
/// commands a device it holds itself would wait here for its own answer until
/// the hub's command timeout: the dashboard controls those directly.)
async fn answer(hub: &Hub, caller: &Caller, frame: &str) -> Answer {
    let message = match ClientMessage::decode(frame) {
        Ok(message) => message,
        Err(error) => return Answer::Reply(refuse(error)),
    };
    Answer::Reply(match message {
        ClientMessage::Ping { nonce } => ServerMessage::Pong { nonce },
        // The send loop puts the caller's own picture in its place.
        ClientMessage::Resync => ServerMessage::Snapshot {
            at: Utc::now(),
            devices: Vec::new(),
            notifications: Vec::new(),
        },
        ClientMessage::GatewayAttach { devices } => {
            return Answer::Gateway(DeviceMessage::Describe { devices });
        }
        ClientMessage::GatewayReading {
            device,
            metric,
            value,
            at,
        } => {
            return Answer::Gateway(DeviceMessage::Reading {
                device,
                metric,
                value,
                at,
            });
        }
        ClientMessage::GatewayState { device, state } => {
            return Answer::Gateway(DeviceMessage::State { device, state });
        }
        ClientMessage::GatewayCommandResult {
            request_id,
            outcome,
        } => {
            return Answer::Gateway(DeviceMessage::CommandResult {
                request_id,
                outcome,
            });
        }
        ClientMessage::Command {
            request_id,
            device,
            command,
        } => {
            let allowed = if !caller.who.can_control() {
                Err(CommandError::new(
                    ErrorCode::Forbidden,
                    caller.who.no_control(),
                ))
            } else if !caller.sees_device(hub, &device) && hub.device(&device).is_some() {
                Err(CommandError::new(
                    ErrorCode::Forbidden,
                    format!("{device} is outside your rooms"),
                ))
            } else {
                Ok(())
            };
            let result = match allowed {
                Ok(()) => hub.execute(&device, command.clone()).await,
                Err(refused) => Err(refused),
            };
            let outcome = match result {
                Ok(state) => CommandOutcome::Ok { state },
                Err(error) => {
                    tracing::info!(%device, ?command, code = ?error.code, %error, "command rejected");
                    CommandOutcome::Rejected { error }
                }
            };
            let how = match &outcome {
                CommandOutcome::Ok { .. } => "ok".to_owned(),
                CommandOutcome::Rejected { error } => {
                    format!("rejected ({})", error.code.wire_name())
                }
            };
            caller.audit(
                "command",
                format!("{device} {}: {how}", command_words(&command)),
            );
            ServerMessage::CommandResult {
                request_id,
                device,
                outcome,
            }
        }
    })
}

fn refuse(error: CommandError) -> ServerMessage {
    tracing::warn!(code = ?error.code, %error, "refused a WebSocket frame");
    ServerMessage::from_error(error)
}

/// A command as the audit log shows it: its JSON, as the browser sent it.
fn command_words(command: &hearth_core::Command) -> String {
    serde_json::to_string(command).unwrap_or_else(|_| format!("{command:?}"))
}

async fn send(
    sink: &mut SplitSink<WebSocket, Message>,
    message: ServerMessage,
) -> Result<(), axum::Error> {
    sink.send(Message::Text(message.encode().into())).await
}
