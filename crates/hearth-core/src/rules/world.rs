//! What the engine knows about the house when it evaluates a rule, and the
//! events that change it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::validate::DeviceCatalog;
use crate::device::{Device, DeviceId, DeviceState};
use crate::protocol::DeviceSnapshot;
use crate::reading::{Metric, Reading};

/// Something that happened, fed to [`evaluate`](super::evaluate) after the
/// hub has applied it to the [`World`] (see [`World::apply`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    Reading {
        reading: Reading,
    },
    /// A device's controllable state changed from `from` to `to`.
    StateChanged {
        device: DeviceId,
        from: DeviceState,
        to: DeviceState,
    },
    /// Only the clock moved: time triggers, `for` holds and silences are due
    /// to be checked.
    Tick,
}

/// The devices as the hub knows them now: each one's latest readings, state
/// and when it was last heard from, plus when each last switched on or off.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct World {
    pub devices: BTreeMap<DeviceId, DeviceSnapshot>,
    /// When each device last switched on or off, whoever switched it: what
    /// `min_cycle` guards measure from.
    #[serde(default)]
    pub switched: BTreeMap<DeviceId, DateTime<Utc>>,
}

impl World {
    pub fn new(devices: impl IntoIterator<Item = DeviceSnapshot>) -> World {
        World {
            devices: devices
                .into_iter()
                .map(|snapshot| (snapshot.device.id.clone(), snapshot))
                .collect(),
            switched: BTreeMap::new(),
        }
    }

    /// The latest value of `metric` from `device`.
    pub fn value(&self, device: &DeviceId, metric: Metric) -> Option<f64> {
        self.devices
            .get(device)?
            .readings
            .iter()
            .find(|reading| reading.metric == metric)
            .map(|reading| reading.value)
    }

    /// Whether a reading of the same device and metric measured after
    /// `reading` is already known ([`Reading::is_outdated_by`]).
    pub fn has_newer(&self, reading: &Reading) -> bool {
        self.devices
            .get(&reading.device)
            .is_some_and(|snapshot| reading.is_outdated_by(&snapshot.readings))
    }

    pub fn state(&self, device: &DeviceId) -> Option<&DeviceState> {
        self.devices.get(device).map(|snapshot| &snapshot.state)
    }

    pub fn last_seen(&self, device: &DeviceId) -> Option<DateTime<Utc>> {
        self.devices.get(device)?.last_seen
    }

    /// Records `event`, which happened at `now`, as the hub does before
    /// evaluating rules against it. Events about unknown devices are ignored.
    pub fn apply(&mut self, event: &Event, now: DateTime<Utc>) {
        match event {
            Event::Reading { reading } => {
                let Some(snapshot) = self.devices.get_mut(&reading.device) else {
                    return;
                };
                reading.clone().keep_in(&mut snapshot.readings);
                snapshot.last_seen = Some(now);
            }
            Event::StateChanged { device, from, to } => {
                let Some(snapshot) = self.devices.get_mut(device) else {
                    return;
                };
                snapshot.state = to.clone();
                snapshot.last_seen = Some(now);
                if from.on != to.on {
                    self.switched.insert(device.clone(), now);
                }
            }
            Event::Tick => {}
        }
    }
}

impl DeviceCatalog for World {
    fn device(&self, id: &DeviceId) -> Option<&Device> {
        self.devices.get(id).map(|snapshot| &snapshot.device)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::DeviceKind;

    #[test]
    fn a_late_reading_is_seen_but_does_not_replace_a_newer_one() {
        let at = |minute| Utc.with_ymd_and_hms(2026, 11, 26, 12, minute, 0).unwrap();
        let id = DeviceId::new("shed");
        let mut world = World::new([DeviceSnapshot {
            device: Device {
                id: id.clone(),
                name: "Shed thermometer".into(),
                room: "Shed".into(),
                kind: DeviceKind::Thermometer,
                capabilities: vec![],
                adapter: "gateway".into(),
            },
            state: DeviceState::default(),
            readings: vec![],
            last_seen: None,
            available: true,
        }]);
        let reading = |value, minute| Event::Reading {
            reading: Reading::new(id.clone(), Metric::Temperature, value, at(minute)),
        };
        world.apply(&reading(21.0, 30), at(30));
        let late = Reading::new(id.clone(), Metric::Temperature, 28.0, at(10));
        assert!(world.has_newer(&late));
        world.apply(&Event::Reading { reading: late }, at(31));
        assert_eq!(world.value(&id, Metric::Temperature), Some(21.0));
        assert_eq!(world.last_seen(&id), Some(at(31)));
        world.apply(&reading(22.0, 32), at(32));
        assert_eq!(world.value(&id, Metric::Temperature), Some(22.0));
    }
}
