//! The Hearth hub: device adapters, the store, and the HTTP + WebSocket API that
//! the dashboard talks to. One process serves the whole product.
//!
//! Invariants:
//! - Only the hub touches SQL, and within it only `store`. Adapters and the store
//!   are the only places that know where data lives; the rest sees hearth-core
//!   types, so a server database or an MQTT broker can replace them later.
//! - Everything on the wire is a hearth-core protocol type; the hub defines no
//!   wire format of its own.
//! - Input from outside (a browser frame, a device reading, a file on disk) is
//!   refused with a reason, never panicked on.
//! - Shutdown is graceful: every WebSocket gets a Close frame and the store is
//!   flushed before [`Server::serve`] returns.

mod adapter;
mod hub;
mod simulator;
mod store;

use tokio::sync::watch;

pub use hub::{Hub, HubEvent};
pub use simulator::{MAX_SPEED, SimulatorConfig};
pub use store::StoreError;

/// Completes once `shutdown` turns true, or once its sender is gone, which
/// means the same. (It returns nothing so that callers hold no borrow of the
/// channel across an `.await`.)
async fn stopping(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}
