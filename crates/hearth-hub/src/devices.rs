//! Devices that come to the hub themselves, with a token: over a WebSocket
//! (`GET /api/devices/ws`, one connection per device or gateway, which
//! describes its devices, streams readings and answers commands) and by HTTP
//! (`POST /api/ingest`, batches of readings acknowledged once stored). The
//! WebSocket side is an adapter like MQTT: its devices stay registered when
//! their connection drops (commands are refused as unavailable) and come back
//! as they were when it returns. The frames are hearth-core's
//! `device_protocol`; docs/protocol.md ("Device endpoint") documents them.

mod auth;
mod gateway;
mod ingest;
mod session;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, TimeDelta, Utc};
use hearth_core::device_protocol::DeviceDescription;
use hearth_core::{CommandError, DeviceId, ErrorCode};
use tokio::sync::{mpsc, watch};

use crate::adapter::{self, AdapterCommand};
use crate::hub::Hub;

pub(crate) use gateway::Gateway;
pub(crate) use ingest::ingest;
pub(crate) use session::upgrade;

/// The adapter that devices on the WebSocket endpoint belong to.
pub(crate) const ADAPTER: &str = "websocket";

/// The adapter of devices a browser holds (Bluetooth) and relays over its own
/// `/api/ws` connection. The same endpoint carries their commands.
pub(crate) const GATEWAY_ADAPTER: &str = "browser";

/// The adapter of devices declared in an ingest batch: they only report.
pub(crate) const INGEST_ADAPTER: &str = "ingest";

/// The longest device id, name or room taken from a device.
const MAX_TEXT: usize = 200;

/// How far ahead of the hub's clock a reading's `at` may be: device clocks
/// drift, but a reading from the future would stay "latest" until then.
const MAX_CLOCK_AHEAD: TimeDelta = TimeDelta::minutes(5);

/// The live connections and which devices each speaks for, shared by every
/// session and by the relay that hands each command to the right one.
#[derive(Debug)]
pub(crate) struct Endpoint {
    hub: Arc<Hub>,
    links: Mutex<HashMap<DeviceId, Link>>,
    /// The adapter's command queue, until the first session starts the relay.
    relay: Mutex<Option<mpsc::Receiver<AdapterCommand>>>,
    sessions: AtomicU64,
}

/// Where a device's commands go while its connection is up.
#[derive(Debug, Clone)]
struct Link {
    session: u64,
    commands: mpsc::Sender<AdapterCommand>,
}

impl Endpoint {
    /// Attaches the WebSocket device adapter to `hub`.
    pub(crate) fn new(hub: Arc<Hub>) -> Arc<Endpoint> {
        let (commands, queue) = adapter::channel();
        hub.attach_adapter(GATEWAY_ADAPTER, commands.clone());
        hub.attach_adapter(ADAPTER, commands);
        Arc::new(Endpoint {
            hub,
            links: Mutex::default(),
            relay: Mutex::new(Some(queue)),
            sessions: AtomicU64::new(0),
        })
    }

    /// Starts the relay if no session has yet. It starts here rather than in
    /// [`Endpoint::new`], which may run outside a Tokio runtime; until a
    /// device connects there is nothing to relay to.
    fn start_relay(self: &Arc<Self>, shutdown: &watch::Receiver<bool>) {
        let queue = self
            .relay
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(queue) = queue {
            tokio::spawn(relay(self.clone(), queue, shutdown.clone()));
        }
    }

    fn next_session(&self) -> u64 {
        self.sessions.fetch_add(1, Ordering::Relaxed)
    }

    fn links(&self) -> MutexGuard<'_, HashMap<DeviceId, Link>> {
        // Every update is a single insert or remove, so a poisoned map is
        // still consistent.
        self.links.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes `description` for `session`, registering the device as
    /// `adapter`'s (or leaving it as it is when it comes back unchanged), or
    /// says why not.
    async fn claim(
        &self,
        session: u64,
        adapter: &str,
        commands: &mpsc::Sender<AdapterCommand>,
        description: &DeviceDescription,
    ) -> Result<(), CommandError> {
        check_description(description)?;
        let id = &description.id;
        let device = description.device(adapter);
        let known = self.hub.device(id);
        if let Some(other) = known.as_ref().filter(|d| d.adapter != adapter) {
            return Err(CommandError::new(
                ErrorCode::InvalidValue,
                format!("device id {id} belongs to the {} adapter", other.adapter),
            ));
        }
        {
            let mut links = self.links();
            if links.get(id).is_some_and(|link| link.session != session) {
                return Err(CommandError::new(
                    ErrorCode::InvalidValue,
                    format!("device {id} is already connected on another connection"),
                ));
            }
            links.insert(
                id.clone(),
                Link {
                    session,
                    commands: commands.clone(),
                },
            );
        }
        // Registering again would drop its latest readings from the picture.
        if known.as_ref() != Some(&device) {
            self.hub
                .register_device(device, description.state.clone().unwrap_or_default());
        }
        self.hub.set_available(id, true);
        if let Some(state) = &description.state {
            self.hub.set_state(id, state.clone()).await?;
        }
        Ok(())
    }

    /// Forgets the links of `session` once its connection has gone; its
    /// devices are unavailable until they are claimed again.
    fn release(&self, session: u64) {
        let mut gone = Vec::new();
        self.links().retain(|id, link| {
            let theirs = link.session == session;
            if theirs {
                gone.push(id.clone());
            }
            !theirs
        });
        for id in gone {
            self.hub.set_available(&id, false);
        }
    }
}

/// Checks what a device says about itself before the hub takes it.
fn check_description(description: &DeviceDescription) -> Result<(), CommandError> {
    let fields = [
        ("id", description.id.as_str()),
        ("name", description.name.as_str()),
        ("room", description.room.as_str()),
    ];
    for (field, text) in fields {
        if text.trim().is_empty() || text.len() > MAX_TEXT {
            return Err(CommandError::new(
                ErrorCode::InvalidValue,
                format!("a device's {field} must have 1 to {MAX_TEXT} characters"),
            ));
        }
    }
    Ok(())
}

/// When a reading sent at `now` was taken: its `at`, or `now` without one.
fn taken_at(at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<DateTime<Utc>, CommandError> {
    match at {
        None => Ok(now),
        Some(at) if at > now + MAX_CLOCK_AHEAD => Err(CommandError::new(
            ErrorCode::InvalidValue,
            format!(
                "`at` {} is more than {} minutes ahead of the hub's clock",
                at.to_rfc3339(),
                MAX_CLOCK_AHEAD.num_minutes()
            ),
        )),
        Some(at) => Ok(at),
    }
}

/// Hands each command for a WebSocket device to the connection holding it,
/// until the hub stops.
async fn relay(
    endpoint: Arc<Endpoint>,
    mut queue: mpsc::Receiver<AdapterCommand>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let request = tokio::select! {
            () = crate::stopping(&mut shutdown) => return,
            request = queue.recv() => match request {
                Some(request) => request,
                None => return,
            },
        };
        let link = endpoint.links().get(&request.device).cloned();
        let not_connected = |request: AdapterCommand| {
            let error = CommandError::new(
                ErrorCode::Unavailable,
                format!("{} is not connected", request.device),
            );
            let _ = request.reply.send(Err(error));
        };
        match link {
            None => not_connected(request),
            Some(link) => match link.commands.try_send(request) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Closed(request)) => not_connected(request),
                Err(mpsc::error::TrySendError::Full(request)) => {
                    let error = CommandError::new(
                        ErrorCode::Unavailable,
                        format!("{} has too many commands waiting", request.device),
                    );
                    let _ = request.reply.send(Err(error));
                }
            },
        }
    }
}
