//! The Hearth hub: device adapters, the store, and the HTTP + WebSocket API that
//! the dashboard talks to. One process serves the whole product.
//!
//! Invariants:
//! - Only the hub touches SQL, and within it only `store`. Adapters and the store
//!   are the only places that know where data lives; the rest sees hearth-core
//!   types, so a server database or an MQTT broker can replace them later.
//! - Everything on the wire is a hearth-core protocol type; the hub defines no
//!   wire format of its own (the CSV export's columns, documented in
//!   docs/protocol.md, are the one plain-text exception).
//! - Input from outside (a browser frame, a device reading, a file on disk) is
//!   refused with a reason, never panicked on.
//! - Shutdown is graceful: every WebSocket gets a Close frame and the store is
//!   flushed before [`Server::serve`] returns.

mod adapter;
mod api;
mod auth;
mod automation;
mod dashboard;
mod devices;
mod headers;
mod hub;
mod limits;
mod listener;
mod mqtt;
mod openapi;
mod server;
mod simulator;
mod store;
mod tls;
mod ws;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::routing::{any, get, post};
use tokio::sync::watch;
use tower_http::trace::TraceLayer;

pub use auth::{AccountError, Accounts, AuthSettings, FirstRun, UserChange, audit_text};
pub use automation::{
    Automations, Clock, ManualClock, Notification, Outcome, Place, PlaceError, RuleError,
    RuleStatus, StepResult, Trace,
};
pub use hub::{Hub, HubEvent, IngestError};
pub use listener::MAX_CONNECTIONS_PER_IP;
#[doc(hidden)]
pub use mqtt::fuzzing;
pub use mqtt::{MqttConfig, MqttTls};
pub use server::{Config, Error, Server};
pub use simulator::{MAX_SPEED, SimulatorConfig};
pub use store::sqlite::tokens::Tokens;
pub use store::tokens::{NewToken, Scope, TokenInfo, check_binding};
pub use store::users::{AuditEntry, Role, User};
pub use store::{Committed, Retention, StoreError};
pub use tls::{Tls, TlsError};

/// What every handler can reach.
#[derive(Debug, Clone)]
struct AppState {
    hub: Arc<Hub>,
    /// Devices connected over `/api/devices/ws`.
    devices: Arc<devices::Endpoint>,
    dist: Arc<Path>,
    /// Turns true when the hub is shutting down; WebSocket sessions close on it.
    shutdown: watch::Receiver<bool>,
}

/// Completes once `shutdown` turns true, or once its sender is gone, which
/// means the same. (It returns nothing so that callers hold no borrow of the
/// channel across an `.await`.)
async fn stopping(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

/// `router` behind the sign-in check, as [`Server::serve`] serves it: every
/// `/api` route but the public few needs a session or a token that allows the
/// request (for benches and tests that call a router directly).
pub fn guarded(router: Router, accounts: Arc<Accounts>) -> Router {
    router.layer(axum::middleware::from_fn_with_state(accounts, auth::guard))
}

/// The hub's HTTP surface: the API under `/api` and the dashboard from `dist`
/// for every other path.
pub fn app(hub: Arc<Hub>, dist: impl Into<PathBuf>, shutdown: watch::Receiver<bool>) -> Router {
    let state = AppState {
        devices: devices::Endpoint::new(hub.clone()),
        hub,
        dist: Arc::from(dist.into()),
        shutdown,
    };
    Router::new()
        .route("/api/devices", get(api::devices))
        .route("/api/health", get(api::health))
        .route("/api/history", get(api::history))
        .route("/api/export.csv", get(api::export))
        .route("/api/ws", get(ws::upgrade))
        .route("/api/devices/ws", get(devices::upgrade))
        .route("/api/ingest", post(devices::ingest))
        .route("/api/openapi.json", get(openapi::document))
        .route("/api/docs", get(openapi::page))
        .route("/api", any(api::not_found))
        .route("/api/{*rest}", any(api::not_found))
        .method_not_allowed_fallback(api::method_not_allowed)
        .fallback(dashboard::serve)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
