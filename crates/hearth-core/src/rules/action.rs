//! Actions: what a rule does when it runs, in order.

use serde::{Deserialize, Serialize};

use super::Span;
use crate::command::Command;
use crate::device::DeviceId;
use crate::reading::Metric;

/// One step of a rule's run. In JSON, the kind is under `"type"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    /// Send `command` to `device`. With `min_cycle`, a command that would
    /// switch the device on or off is skipped when the device last switched
    /// less than that long ago, so a compressor is never short-cycled.
    Command {
        device: DeviceId,
        command: Command,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_cycle: Option<Span>,
    },
    /// Set `device`'s setpoint from another sensor's latest value:
    /// `clamp(source + offset, min, max)`, rounded to the device's step. With
    /// an outdoor thermometer as the source and a negative offset, the AC
    /// tracks the weather instead of fighting it.
    TrackSetpoint {
        device: DeviceId,
        source: DeviceId,
        #[serde(default = "temperature")]
        metric: Metric,
        offset: f64,
        min: f64,
        max: f64,
    },
    /// Wait before the next action.
    Delay { wait: Span },
    /// Show a message in the dashboard.
    Notify { message: String },
}

fn temperature() -> Metric {
    Metric::Temperature
}

/// Whether `command` switches a device on or off, the changes `min_cycle` guards.
pub(super) fn switches(command: &Command) -> bool {
    matches!(
        command,
        Command::TurnOn | Command::TurnOff | Command::Toggle
    )
}
