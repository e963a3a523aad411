//! The one long-lived connection to the hub. A single task owns the WebSocket:
//! it connects, applies every message to the store, sends what the UI hands it,
//! and when the link drops it reconnects with backoff and resyncs from the
//! snapshot the hub sends after each hello. Pages only read signals.

pub(crate) mod backoff;
pub(crate) mod connection_state;
pub(crate) mod endpoint;
pub(crate) mod liveness;

use chrono::{TimeDelta, Utc};
use futures::channel::mpsc::{UnboundedReceiver, UnboundedSender, unbounded};
use futures::future::{Either, select};
use futures::{SinkExt, StreamExt};
use gloo_net::websocket::futures::WebSocket;
use gloo_net::websocket::{Message, WebSocketError};
use gloo_timers::future::TimeoutFuture;
use hearth_core::{ClientMessage, PROTOCOL_VERSION, ServerMessage};
use leptos::logging::warn;
use leptos::prelude::*;

use crate::app_context::AppContext;
use crate::last_known;
use crate::store::Applied;
use crate::store::device_entry::{CONNECTION_LOST, NOT_CONNECTED};
use backoff::Backoff;
use connection_state::ConnectionState;
use liveness::{Liveness, Verdict};

/// How often a connected dashboard asks for a fresh snapshot, so the copy
/// `last_known` keeps for offline use stays close to what is on screen.
const KEEP_EVERY: TimeDelta = TimeDelta::seconds(60);

/// Everything that can wake the connection task besides the socket itself.
#[derive(Debug)]
pub(crate) enum Input {
    Send(ClientMessage),
    Online,
    Offline,
    Shutdown,
}

/// The UI's side of the connection: hands messages to the task.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HubHandle {
    inputs: StoredValue<UnboundedSender<Input>>,
    next_request: StoredValue<u64>,
}

impl HubHandle {
    /// A handle and the receiving end that [`spawn`] gives to the task.
    pub(crate) fn new() -> (Self, UnboundedReceiver<Input>) {
        let (sender, receiver) = unbounded();
        let handle = HubHandle {
            inputs: StoredValue::new(sender),
            next_request: StoredValue::new(0),
        };
        (handle, receiver)
    }

    /// A request id unique within this page, echoed back in the hub's answer.
    pub(crate) fn next_request_id(&self) -> String {
        self.next_request.update_value(|n| *n += 1);
        format!("ui-{}", self.next_request.get_value())
    }

    /// Queues a message for the task; false if the task has stopped.
    pub(crate) fn send(&self, message: ClientMessage) -> bool {
        self.push(Input::Send(message))
    }

    fn push(&self, input: Input) -> bool {
        self.inputs
            .with_value(|sender| sender.unbounded_send(input).is_ok())
    }
}

/// Starts the connection task for this app; it stops when the app's owner is
/// cleaned up (the app unmounted).
pub(crate) fn spawn(ctx: AppContext, inputs: UnboundedReceiver<Input>) {
    let hub = ctx.hub;
    let online = window_event_listener(leptos::ev::online, move |_| {
        hub.push(Input::Online);
    });
    let offline = window_event_listener(leptos::ev::offline, move |_| {
        hub.push(Input::Offline);
    });
    // The sender is taken out now: stored values may already be gone when
    // cleanup runs.
    let shutdown = hub.inputs.get_value();
    on_cleanup(move || {
        online.remove();
        offline.remove();
        // An error only means the task has already stopped.
        let _ = shutdown.unbounded_send(Input::Shutdown);
    });
    leptos::task::spawn_local(run(ctx, inputs));
}

/// Why a connection ended.
enum End {
    Lost,
    WentOffline,
    Shutdown,
}

async fn run(ctx: AppContext, mut inputs: UnboundedReceiver<Input>) {
    let mut backoff = Backoff::default();
    loop {
        if !browser_online() {
            ctx.connection.set(ConnectionState::Offline);
            if !wait_until_online(ctx, &mut inputs).await {
                return;
            }
            backoff.reset();
        }
        if backoff.attempt() == 0 {
            ctx.connection.set(ConnectionState::Connecting);
        }
        let end = connect(ctx, &mut inputs, &mut backoff).await;
        if let End::Shutdown = end {
            return;
        }
        ctx.store.fail_pending(CONNECTION_LOST);
        if let End::WentOffline = end {
            continue;
        }
        let delay = backoff.next_delay(js_sys::Math::random());
        let delay_ms = delay.as_millis() as u32;
        ctx.connection.set(ConnectionState::Reconnecting {
            attempt: backoff.attempt(),
            next_retry_at: Utc::now() + TimeDelta::milliseconds(i64::from(delay_ms)),
        });
        if !pause(ctx, &mut inputs, delay_ms).await {
            return;
        }
    }
}

/// One connection, from opening the socket until it ends.
async fn connect(
    ctx: AppContext,
    inputs: &mut UnboundedReceiver<Input>,
    backoff: &mut Backoff,
) -> End {
    let mut socket = match WebSocket::open(&hub_url()) {
        Ok(socket) => socket,
        Err(error) => {
            warn!("cannot open the hub connection: {error}");
            return End::Lost;
        }
    };
    let mut liveness = Liveness::new(Utc::now());
    let mut timer = TimeoutFuture::new(Liveness::CHECK_EVERY_MS);
    let mut resync_requested = false;
    let mut kept_at = Utc::now();
    let mut nonce = 0;
    loop {
        let outgoing = match next_wake(inputs, &mut socket, &mut timer).await {
            Wake::Input(None | Some(Input::Shutdown)) => return End::Shutdown,
            Wake::Input(Some(Input::Offline)) => return End::WentOffline,
            Wake::Input(Some(Input::Online)) => continue,
            Wake::Input(Some(Input::Send(message))) => {
                if !liveness.greeted() {
                    refuse(ctx, &message);
                    continue;
                }
                message
            }
            Wake::Timer => {
                timer = TimeoutFuture::new(Liveness::CHECK_EVERY_MS);
                let now = Utc::now();
                match liveness.check(now) {
                    // A fresh snapshot now and then keeps the stored
                    // last-known state close to what is on screen.
                    Verdict::Fine if liveness.greeted() && now - kept_at >= KEEP_EVERY => {
                        kept_at = now;
                        resync_requested = true;
                        ClientMessage::Resync
                    }
                    Verdict::Fine => continue,
                    Verdict::GiveUp => return End::Lost,
                    Verdict::Ping => {
                        nonce += 1;
                        ClientMessage::Ping { nonce }
                    }
                }
            }
            Wake::Frame(None | Some(Err(_))) => return End::Lost,
            // The protocol is text only; a binary frame carries nothing for us.
            Wake::Frame(Some(Ok(Message::Bytes(_)))) => continue,
            Wake::Frame(Some(Ok(Message::Text(text)))) => {
                liveness.on_frame(Utc::now());
                match ServerMessage::decode(&text) {
                    Ok(ServerMessage::Hello { protocol, hub }) => {
                        if protocol != PROTOCOL_VERSION {
                            warn!(
                                "hub {} {} speaks protocol {protocol}, this dashboard {PROTOCOL_VERSION}",
                                hub.name, hub.version
                            );
                        }
                        liveness.on_hello();
                        backoff.reset();
                        ctx.connection.set(ConnectionState::Connected);
                        ctx.bluetooth.hub_greeted();
                        continue;
                    }
                    Ok(ServerMessage::Error { code, message }) => {
                        warn!("the hub reported {code:?}: {message}");
                        continue;
                    }
                    Ok(ServerMessage::GatewayCommand {
                        request_id,
                        device,
                        command,
                    }) => {
                        ctx.bluetooth.gateway_command(request_id, device, command);
                        continue;
                    }
                    Ok(message) => {
                        if matches!(message, ServerMessage::Snapshot { .. }) {
                            resync_requested = false;
                            kept_at = Utc::now();
                            last_known::save(&text);
                        }
                        if ctx.store.apply(message) == Applied::Done || resync_requested {
                            continue;
                        }
                        resync_requested = true;
                        ClientMessage::Resync
                    }
                    Err(error) => {
                        warn!("unreadable message from the hub: {error}");
                        continue;
                    }
                }
            }
        };
        if socket.send(Message::Text(outgoing.encode())).await.is_err() {
            refuse(ctx, &outgoing);
            return End::Lost;
        }
    }
}

enum Wake {
    Input(Option<Input>),
    Frame(Option<Result<Message, WebSocketError>>),
    Timer,
}

/// Waits for whichever comes first. Inputs are polled first so a shutdown is
/// seen before anything else touches the (by then disposed) app state.
async fn next_wake(
    inputs: &mut UnboundedReceiver<Input>,
    socket: &mut WebSocket,
    timer: &mut TimeoutFuture,
) -> Wake {
    match select(inputs.next(), select(socket.next(), timer)).await {
        Either::Left((input, _)) => Wake::Input(input),
        Either::Right((Either::Left((frame, _)), _)) => Wake::Frame(frame),
        Either::Right((Either::Right(((), _)), _)) => Wake::Timer,
    }
}

/// Waits out a reconnect delay. Returns false on shutdown; returns early when
/// the network comes or goes, since either changes what to do next.
async fn pause(ctx: AppContext, inputs: &mut UnboundedReceiver<Input>, delay_ms: u32) -> bool {
    let mut timer = TimeoutFuture::new(delay_ms);
    loop {
        match select(inputs.next(), &mut timer).await {
            Either::Left((None | Some(Input::Shutdown), _)) => return false,
            Either::Left((Some(Input::Online | Input::Offline), _)) => return true,
            Either::Left((Some(Input::Send(message)), _)) => refuse(ctx, &message),
            Either::Right(((), _)) => return true,
        }
    }
}

/// Waits for the browser to report a network. Returns false on shutdown.
async fn wait_until_online(ctx: AppContext, inputs: &mut UnboundedReceiver<Input>) -> bool {
    loop {
        match inputs.next().await {
            None | Some(Input::Shutdown) => return false,
            Some(Input::Online) => return true,
            Some(Input::Offline) => {}
            Some(Input::Send(message)) => refuse(ctx, &message),
        }
    }
}

/// A command that reached the task while it had no connection fails on its
/// card instead of waiting in a queue the user cannot see.
fn refuse(ctx: AppContext, message: &ClientMessage) {
    if let ClientMessage::Command {
        request_id, device, ..
    } = message
        && let Some(entry) = ctx.store.get(device)
    {
        entry.fail(Some(request_id), NOT_CONNECTED);
    }
}

fn browser_online() -> bool {
    web_sys::window().is_none_or(|window| window.navigator().on_line())
}

fn hub_url() -> String {
    let location = web_sys::window().map(|window| window.location());
    let part = |get: fn(&web_sys::Location) -> Result<String, wasm_bindgen::JsValue>| {
        location
            .as_ref()
            .and_then(|l| get(l).ok())
            .unwrap_or_default()
    };
    endpoint::ws_url(
        &part(web_sys::Location::protocol),
        &part(web_sys::Location::host),
    )
}
