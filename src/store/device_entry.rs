//! One device as the dashboard holds it: a bundle of signals, so a new reading
//! re-renders the one value that changed rather than the page. What the device
//! is (name, room, capabilities) is fixed for an entry's life: when the hub
//! redefines a device, the store replaces its entry and its card is rebuilt.

use chrono::{DateTime, TimeDelta, Utc};
use hearth_core::protocol::{CommandOutcome, DeviceSnapshot};
use hearth_core::{ClientMessage, Command, Device, DeviceState, Metric, Reading};
use leptos::prelude::*;

use super::set_if_changed;
use super::trend::{Trend, TrendHistory};

/// What a card says when a command is tried while the hub is out of reach.
pub(crate) const NOT_CONNECTED: &str =
    "Not connected to the hub — try again when the indicator is green.";
/// Why an unavailable device's controls are disabled, said on the card and as
/// their tooltip.
pub(crate) const DEVICE_UNAVAILABLE: &str = "The device is not connected to the hub";

/// What a card says when the connection drops with its command in flight.
pub(crate) const CONNECTION_LOST: &str = "The connection to the hub dropped before it confirmed \
     — check the device once the indicator is green.";

/// A command sent to the hub and not yet answered.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PendingCommand {
    pub(crate) request_id: String,
    pub(crate) command: Command,
    pub(crate) sent_at: DateTime<Utc>,
}

impl PendingCommand {
    /// How long the hub has to answer before the card gives up waiting.
    pub(crate) const TIMEOUT: TimeDelta = TimeDelta::seconds(8);

    pub(crate) fn is_power(&self) -> bool {
        matches!(
            self.command,
            Command::TurnOn | Command::TurnOff | Command::Toggle
        )
    }
}

/// An error shown on a card. `request_id` names the command it is about, so a
/// late confirmation of that command can clear it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CardError {
    pub(crate) request_id: Option<String>,
    pub(crate) message: String,
}

/// Equality is identity: two entries are equal when they are the same signals.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct DeviceEntry {
    pub(crate) device: StoredValue<Device>,
    pub(crate) state: RwSignal<DeviceState>,
    /// The latest reading of each metric (a handful at most).
    pub(crate) readings: RwSignal<Vec<Reading>>,
    /// Which way the temperature is heading, once there is enough history.
    pub(crate) trend: RwSignal<Option<Trend>>,
    pub(crate) last_seen: RwSignal<Option<DateTime<Utc>>>,
    /// Whether the device is connected to the hub; commands to it fail
    /// while it is not.
    pub(crate) available: RwSignal<bool>,
    pub(crate) pending: RwSignal<Option<PendingCommand>>,
    pub(crate) error: RwSignal<Option<CardError>>,
    /// Plain storage: only the trend derived from it is shown.
    history: StoredValue<TrendHistory>,
}

impl DeviceEntry {
    pub(crate) fn new(snapshot: DeviceSnapshot) -> Self {
        let entry = DeviceEntry {
            device: StoredValue::new(snapshot.device.clone()),
            state: RwSignal::new(snapshot.state.clone()),
            readings: RwSignal::new(Vec::new()),
            trend: RwSignal::new(None),
            last_seen: RwSignal::new(None),
            available: RwSignal::new(snapshot.available),
            pending: RwSignal::new(None),
            error: RwSignal::new(None),
            history: StoredValue::new(TrendHistory::default()),
        };
        entry.refresh(snapshot);
        entry
    }

    /// Whether this entry describes `device` as it is now defined.
    pub(crate) fn is(&self, device: &Device) -> bool {
        self.device.with_value(|own| own == device)
    }

    /// Brings the entry in line with a snapshot of the same device, touching
    /// only what changed.
    pub(crate) fn refresh(&self, snapshot: DeviceSnapshot) {
        set_if_changed(self.state, snapshot.state);
        if let Some(temperature) = snapshot
            .readings
            .iter()
            .find(|r| r.metric == Metric::Temperature)
        {
            self.remember(temperature);
        }
        set_if_changed(self.readings, snapshot.readings);
        set_if_changed(self.last_seen, snapshot.last_seen);
        set_if_changed(self.available, snapshot.available);
    }

    pub(crate) fn record(&self, reading: Reading) {
        self.seen(reading.at);
        if reading.metric == Metric::Temperature {
            self.remember(&reading);
        }
        // A late reading (relayed after an outage, or ingested from a
        // backlog) is history: the card keeps the newest.
        self.readings.update(|readings| {
            reading.keep_in(readings);
        });
    }

    /// The latest value of one metric.
    pub(crate) fn latest(&self, metric: Metric) -> Option<f64> {
        self.readings.with(|readings| {
            readings
                .iter()
                .find(|r| r.metric == metric)
                .map(|r| r.value)
        })
    }

    pub(crate) fn state_changed(&self, state: DeviceState, at: DateTime<Utc>) {
        self.seen(at);
        set_if_changed(self.state, state);
    }

    /// Starts a command if the card can take one and returns the message to
    /// send. Every reason it cannot is shown on the card, except a command
    /// already in flight: the controls show that one as busy.
    pub(crate) fn begin_command(
        &self,
        command: Command,
        request_id: String,
        connected: bool,
        now: DateTime<Utc>,
    ) -> Option<ClientMessage> {
        if self.pending.with_untracked(Option::is_some) {
            return None;
        }
        if !connected {
            self.error.set(Some(CardError {
                request_id: None,
                message: NOT_CONNECTED.to_owned(),
            }));
            return None;
        }
        if !self.available.get_untracked() {
            self.error.set(Some(CardError {
                request_id: None,
                message: format!("{DEVICE_UNAVAILABLE}."),
            }));
            return None;
        }
        let device = self.device.get_value();
        if let Err(error) = command.validate(&device) {
            self.error.set(Some(CardError {
                request_id: None,
                message: error.message,
            }));
            return None;
        }
        set_if_changed(self.error, None);
        self.pending.set(Some(PendingCommand {
            request_id: request_id.clone(),
            command: command.clone(),
            sent_at: now,
        }));
        Some(ClientMessage::Command {
            request_id,
            device: device.id,
            command,
        })
    }

    /// Applies the hub's answer to a command. An answer that arrives after the
    /// card gave up still counts: its state is the truth, and it replaces the
    /// timeout message it makes obsolete.
    pub(crate) fn finish_command(&self, request_id: &str, outcome: CommandOutcome) {
        let awaited = self
            .pending
            .with_untracked(|p| p.as_ref().is_some_and(|p| p.request_id == request_id));
        let about_this = self.error.with_untracked(|e| {
            e.as_ref()
                .is_some_and(|e| e.request_id.as_deref() == Some(request_id))
        });
        if awaited {
            self.pending.set(None);
        }
        match outcome {
            CommandOutcome::Ok { state } => {
                set_if_changed(self.state, state);
                if about_this {
                    self.error.set(None);
                }
            }
            CommandOutcome::Rejected { error } => {
                if awaited || about_this {
                    self.error.set(Some(CardError {
                        request_id: Some(request_id.to_owned()),
                        message: error.message,
                    }));
                }
            }
        }
    }

    /// Gives up on a command the hub has not answered in time.
    pub(crate) fn expire(&self, now: DateTime<Utc>) {
        let overdue = self.pending.with_untracked(|p| {
            p.as_ref()
                .filter(|p| now - p.sent_at >= PendingCommand::TIMEOUT)
                .map(|p| p.request_id.clone())
        });
        if let Some(request_id) = overdue {
            let seconds = PendingCommand::TIMEOUT.num_seconds();
            self.fail(
                Some(&request_id),
                &format!(
                    "The hub did not confirm within {seconds} s — check the device and try again."
                ),
            );
        }
    }

    /// Ends the command in flight (the one named, or any when `None`) with an
    /// error on the card.
    pub(crate) fn fail(&self, request_id: Option<&str>, message: &str) {
        let Some(pending) = self.pending.get_untracked() else {
            return;
        };
        if request_id.is_some_and(|id| id != pending.request_id) {
            return;
        }
        self.pending.set(None);
        self.error.set(Some(CardError {
            request_id: Some(pending.request_id),
            message: message.to_owned(),
        }));
    }

    fn seen(&self, at: DateTime<Utc>) {
        if self
            .last_seen
            .with_untracked(|seen| seen.is_none_or(|seen| seen < at))
        {
            self.last_seen.set(Some(at));
        }
    }

    fn remember(&self, reading: &Reading) {
        self.history
            .update_value(|history| history.push(reading.at, reading.value));
        set_if_changed(self.trend, self.history.with_value(TrendHistory::trend));
    }
}
