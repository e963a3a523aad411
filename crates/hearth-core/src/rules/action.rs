//! Actions: what a rule does when it runs, in order.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::Span;
use super::engine::Context;
use crate::command::Command;
use crate::device::DeviceId;
use crate::reading::Metric;

/// One step of a rule's run. In JSON, the kind is under `"type"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    /// Send `command` to `device`. With `min_cycle`, a command that would
    /// switch the device on or off waits until the device's last switch is
    /// that long ago (and the rest of the run waits with it), so a
    /// compressor is never short-cycled and the request is not lost.
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
    /// Show a message in the dashboard; `level` (`info` when absent) says
    /// how it is shown.
    Notify {
        message: String,
        #[serde(default, skip_serializing_if = "NotifyLevel::is_info")]
        level: NotifyLevel,
    },
}

/// How urgent a notification is: a `warning` stands out in the dashboard.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum NotifyLevel {
    #[default]
    Info,
    Warning,
}

crate::wire_names!(pub NotifyLevel {
    Info = "info",
    Warning = "warning",
});

impl NotifyLevel {
    fn is_info(&self) -> bool {
        *self == NotifyLevel::Info
    }
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

/// One thing the runner does at a planned instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    Command {
        /// Index into the rule's `actions`.
        action: usize,
        at: DateTime<Utc>,
        device: DeviceId,
        command: Command,
        /// Why the command is later than planned (a `min_cycle` guard).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        held: Option<String>,
    },
    Notify {
        action: usize,
        at: DateTime<Utc>,
        message: String,
        #[serde(default, skip_serializing_if = "NotifyLevel::is_info")]
        level: NotifyLevel,
    },
    /// An action that will not run, and why (no reading from the source of
    /// a tracked setpoint yet); kept so the trace shows it.
    Skipped {
        action: usize,
        at: DateTime<Utc>,
        reason: String,
    },
}

impl Step {
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Step::Command { at, .. } | Step::Notify { at, .. } | Step::Skipped { at, .. } => *at,
        }
    }
}

/// Plans a run of `actions` starting at `starts`: each step with the instant
/// it is due (delays only move later steps), and when the run ends. Values
/// and guards are worked out now, from the world as it is, with the
/// switches planned so far recorded in `switched` so a second switch of the
/// same device in the run is guarded too.
pub(super) fn plan<Tz: TimeZone>(
    actions: &[Action],
    starts: DateTime<Utc>,
    context: &Context<'_, Tz>,
    switched: &mut BTreeMap<DeviceId, DateTime<Utc>>,
) -> (Vec<Step>, DateTime<Utc>) {
    let world = context.world;
    let mut at = starts;
    let mut steps = Vec::new();
    for (action, step) in actions.iter().enumerate() {
        let skipped = |reason: String| Step::Skipped { action, at, reason };
        match step {
            Action::Delay { wait } => at += wait.delta().max(TimeDelta::zero()),
            Action::Notify { message, level } => steps.push(Step::Notify {
                action,
                at,
                message: message.clone(),
                level: *level,
            }),
            Action::Command {
                device,
                command,
                min_cycle,
            } => {
                let mut held = None;
                if switches(command) {
                    let on = world.state(device).and_then(|state| state.on);
                    let target = match command {
                        Command::TurnOff => false,
                        Command::Toggle => !on.unwrap_or(false),
                        _ => true,
                    };
                    // Re-sending the state a device is already in is no switch.
                    if on != Some(target) {
                        let last = world
                            .switched
                            .get(device)
                            .max(switched.get(device))
                            .copied();
                        if let (Some(min_cycle), Some(last)) = (min_cycle, last) {
                            let free = last + min_cycle.delta();
                            if at < free {
                                held = Some(format!(
                                    "{device} last switched at {last}; min_cycle {min_cycle} holds it until {free}"
                                ));
                                at = free;
                            }
                        }
                        switched.insert(device.clone(), at);
                    }
                }
                steps.push(Step::Command {
                    action,
                    at,
                    device: device.clone(),
                    command: command.clone(),
                    held,
                });
            }
            Action::TrackSetpoint {
                device,
                source,
                metric,
                offset,
                min,
                max,
            } => {
                let Some(value) = world.value(source, *metric) else {
                    steps.push(skipped(format!(
                        "no {} reading from {source} yet",
                        metric.label().to_lowercase()
                    )));
                    continue;
                };
                // `max(min).min(max)` rather than `clamp`, which panics on an
                // inverted range that validation would have refused anyway.
                let mut target = (value + offset).max(*min).min(*max);
                let range = context
                    .world
                    .devices
                    .get(device)
                    .and_then(|s| s.device.setpoint_range());
                if let Some((low, high, step)) = range {
                    if step > 0.0 {
                        target = (target / step).round() * step;
                    }
                    target = target.max(low).min(high);
                }
                steps.push(Step::Command {
                    action,
                    at,
                    device: device.clone(),
                    command: Command::SetSetpoint { value: target },
                    held: None,
                });
            }
        }
    }
    (steps, at)
}
