//! The seam between the hub and whatever actually talks to devices. Each adapter
//! (the simulator today; MQTT, WebSocket devices and BLE gateways later) is a task
//! that owns the receiving end of a channel of [`AdapterCommand`]s and answers
//! each on its oneshot. Plain channels keep the seam free of `dyn` async traits,
//! and an adapter that hangs or dies shows up as a timeout or a closed channel
//! rather than a stuck hub.

use hearth_core::{Command, CommandError, DeviceId, DeviceState};
use tokio::sync::{mpsc, oneshot};

/// How many commands may wait for one adapter before senders are slowed down.
const COMMAND_QUEUE: usize = 64;

/// One validated command for a device the adapter owns.
#[derive(Debug)]
pub(crate) struct AdapterCommand {
    pub(crate) device: DeviceId,
    pub(crate) command: Command,
    /// Where the adapter reports the state the device reached, or why it could not.
    pub(crate) reply: oneshot::Sender<Result<DeviceState, CommandError>>,
}

/// The two ends of a new adapter's command channel.
pub(crate) fn channel() -> (mpsc::Sender<AdapterCommand>, mpsc::Receiver<AdapterCommand>) {
    mpsc::channel(COMMAND_QUEUE)
}
