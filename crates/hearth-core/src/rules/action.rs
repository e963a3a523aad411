//! Actions: what a rule does when it runs, in order.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::Span;
use super::decode::need;
use super::engine::Context;
use crate::command::Command;
use crate::device::DeviceId;
use crate::reading::Metric;

/// One step of a rule's run. In JSON, the kind is under `"type"`.
///
/// Read through `ActionFrame` rather than serde's internally tagged support
/// (see the `decode` module); the JSON form is the same.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", try_from = "ActionFrame")]
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

#[derive(Clone, Copy)]
enum ActionKind {
    Command,
    TrackSetpoint,
    Delay,
    Notify,
}

crate::wire_names!(ActionKind {
    Command = "command",
    TrackSetpoint = "track_setpoint",
    Delay = "delay",
    Notify = "notify",
});

/// Every field any [`Action`] has, each optional; `Action::try_from` then
/// checks that the fields the `type` needs are present.
#[derive(Deserialize)]
struct ActionFrame {
    #[serde(rename = "type")]
    kind: ActionKind,
    device: Option<DeviceId>,
    command: Option<Command>,
    min_cycle: Option<Span>,
    source: Option<DeviceId>,
    metric: Option<Metric>,
    offset: Option<f64>,
    min: Option<f64>,
    max: Option<f64>,
    wait: Option<Span>,
    message: Option<String>,
    level: Option<NotifyLevel>,
}

impl TryFrom<ActionFrame> for Action {
    type Error = String;

    fn try_from(frame: ActionFrame) -> Result<Self, String> {
        Ok(match frame.kind {
            ActionKind::Command => Action::Command {
                device: need(frame.device, "device")?,
                command: need(frame.command, "command")?,
                min_cycle: frame.min_cycle,
            },
            ActionKind::TrackSetpoint => Action::TrackSetpoint {
                device: need(frame.device, "device")?,
                source: need(frame.source, "source")?,
                metric: frame.metric.unwrap_or(Metric::Temperature),
                offset: need(frame.offset, "offset")?,
                min: need(frame.min, "min")?,
                max: need(frame.max, "max")?,
            },
            ActionKind::Delay => Action::Delay {
                wait: need(frame.wait, "wait")?,
            },
            ActionKind::Notify => Action::Notify {
                message: need(frame.message, "message")?,
                level: frame.level.unwrap_or_default(),
            },
        })
    }
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
