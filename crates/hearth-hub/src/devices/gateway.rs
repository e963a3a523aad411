//! A browser's gateway devices (Bluetooth devices it holds) on its `/api/ws`
//! connection. The browser's `gateway_*` frames are the device endpoint's
//! frames under other names, so they go through the device endpoint's own
//! [`Connection`]: the same claims, readings, states and command relay, and
//! the same release when the browser's socket closes.

use std::sync::Arc;

use hearth_core::ServerMessage;
use hearth_core::device_protocol::{DeviceMessage, HubMessage};
use tokio::sync::{mpsc, watch};

use super::session::Connection;
use super::{Endpoint, GATEWAY_ADAPTER};
use crate::adapter::AdapterCommand;

/// Frames from the browser waiting for its gateway task.
const FRAME_QUEUE: usize = 32;

/// The gateway side of one browser connection: a task, started on the first
/// `gateway_*` frame, that owns the browser's gateway devices until the
/// browser goes (this handle is dropped) or the hub stops.
#[derive(Debug)]
pub(crate) struct Gateway {
    frames: mpsc::Sender<DeviceMessage>,
}

impl Gateway {
    /// Starts the task; its answers and the relayed commands go to `replies`,
    /// the browser's outgoing queue.
    pub(crate) fn start(
        endpoint: &Arc<Endpoint>,
        replies: mpsc::Sender<ServerMessage>,
        shutdown: &watch::Receiver<bool>,
    ) -> Gateway {
        endpoint.start_relay(shutdown);
        let id = endpoint.next_session();
        let (connection, queue) = Connection::open(endpoint, id, GATEWAY_ADAPTER);
        let (frames, frames_rx) = mpsc::channel(FRAME_QUEUE);
        tracing::info!(session = id, "browser gateway started");
        tokio::spawn(run(connection, queue, frames_rx, replies, shutdown.clone()));
        Gateway { frames }
    }

    /// Hands one of the browser's gateway frames to the task; `false` once
    /// the task has ended.
    pub(crate) async fn send(&self, message: DeviceMessage) -> bool {
        self.frames.send(message).await.is_ok()
    }
}

async fn run(
    mut connection: Connection,
    mut queue: mpsc::Receiver<AdapterCommand>,
    mut frames: mpsc::Receiver<DeviceMessage>,
    replies: mpsc::Sender<ServerMessage>,
    mut shutdown: watch::Receiver<bool>,
) {
    'session: loop {
        let out = tokio::select! {
            () = crate::stopping(&mut shutdown) => break,
            request = queue.recv() => match request {
                Some(request) => vec![connection.command(request)],
                None => break,
            },
            frame = frames.recv() => match frame {
                Some(message) => connection.handle(message).await,
                None => break,
            },
        };
        for message in out.into_iter().filter_map(to_browser) {
            if replies.send(message).await.is_err() {
                break 'session;
            }
        }
    }
    connection.finish();
    tracing::info!("browser gateway ended: its devices are unreachable until attached again");
}

/// The browser-protocol form of what the device endpoint would send.
fn to_browser(message: HubMessage) -> Option<ServerMessage> {
    match message {
        HubMessage::Described { devices } => {
            Some(ServerMessage::GatewayAttached { attached: devices })
        }
        HubMessage::Command {
            request_id,
            device,
            command,
        } => Some(ServerMessage::GatewayCommand {
            request_id,
            device,
            command,
        }),
        // The device endpoint's errors name the device in their message too.
        HubMessage::Error { code, message, .. } => Some(ServerMessage::Error { code, message }),
        // The browser had its `hello` when its socket opened.
        HubMessage::Welcome { .. } => None,
    }
}
