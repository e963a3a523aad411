//! The simulated house: its twelve devices (their ids are a contract with the
//! end-to-end tests and the docs), what each one measures, and how their
//! settings feed the physics.

use chrono::{DateTime, Utc};
use hearth_core::protocol::DeviceSnapshot;
use hearth_core::{
    Capability, Command, CommandError, Device, DeviceId, DeviceKind, DeviceState, ErrorCode,
    HvacMode, Metric, Reading,
};
use rand::Rng;

use super::physics::{self, Climate, ClimateUnit, Controls, RoomId};

/// The adapter name every simulated device carries.
pub(crate) const ADAPTER: &str = "simulator";

/// How fast the air conditioner moves its room at top fan speed, °C per hour (a
/// 2.5 kW split unit in a 30 m² room).
const AC_CAPACITY: f64 = 4.0;
/// A 2 kW oil-filled heater in a bedroom, °C per hour.
const HEATER_CAPACITY: f64 = 3.0;
const FRIDGE_SETPOINT: f64 = 4.0;

/// What a device is in the physics.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    OutdoorSensor,
    RoomSensor(RoomId),
    Fridge,
    Occupancy,
    AirConditioner(RoomId),
    Heater(RoomId),
    /// Lights and fans: switched, but with no effect on the climate worth
    /// modelling (a fan moves air; it does not cool it).
    Appliance,
}

#[derive(Debug, Clone)]
struct SimDevice {
    device: Device,
    state: DeviceState,
    role: Role,
    /// Charge in percent, for battery-powered sensors.
    battery: Option<f64>,
}

/// The devices, their settings and the climate they live in, at one simulated
/// instant.
#[derive(Debug, Clone)]
pub(crate) struct House {
    devices: Vec<SimDevice>,
    climate: Climate,
    at: DateTime<Utc>,
}

impl House {
    /// The house as it is first switched on: everything off, the fridge at 4 °C,
    /// its clock at the Unix epoch until [`House::restore`] sets it.
    pub(crate) fn new() -> House {
        House {
            devices: catalogue(),
            climate: Climate::new(FRIDGE_SETPOINT),
            at: DateTime::UNIX_EPOCH,
        }
    }

    pub(crate) fn devices(&self) -> impl Iterator<Item = (&Device, &DeviceState)> {
        self.devices.iter().map(|sim| (&sim.device, &sim.state))
    }

    /// The devices that report readings.
    pub(crate) fn sensors(&self) -> Vec<DeviceId> {
        self.devices
            .iter()
            .filter(|sim| sim.device.metrics().next().is_some())
            .map(|sim| sim.device.id.clone())
            .collect()
    }

    /// Picks up, at simulated time `at`, where the last run left off: each
    /// device's settings and the last temperatures, humidities and battery levels
    /// the hub remembers.
    pub(crate) fn restore(&mut self, snapshot: &[DeviceSnapshot], at: DateTime<Utc>) {
        self.at = at;
        for saved in snapshot {
            let Some(sim) = self
                .devices
                .iter_mut()
                .find(|sim| sim.device.id == saved.device.id)
            else {
                continue;
            };
            sim.state = saved.state.clone();
            for reading in &saved.readings {
                let value = reading.value;
                match (sim.role, reading.metric) {
                    (Role::RoomSensor(room), Metric::Temperature) => {
                        self.climate.room_mut(room).temperature = value;
                    }
                    (Role::RoomSensor(room), Metric::Humidity) => {
                        self.climate.room_mut(room).humidity = value;
                    }
                    (Role::Fridge, Metric::Temperature) => self.climate.fridge.temperature = value,
                    (Role::Occupancy, Metric::Occupancy) => self.climate.occupied = value >= 0.5,
                    (_, Metric::Battery) if sim.battery.is_some() => sim.battery = Some(value),
                    _ => {}
                }
            }
        }
    }

    /// Runs the physics forward to simulated time `at`, under the settings as
    /// they are now.
    pub(crate) fn advance_to(&mut self, at: DateTime<Utc>, rng: &mut impl Rng) {
        if at <= self.at {
            return;
        }
        self.climate = physics::advance(&self.climate, &self.controls(), self.at, at, rng);
        let elapsed = (at - self.at).as_seconds_f64();
        for battery in self
            .devices
            .iter_mut()
            .filter_map(|sim| sim.battery.as_mut())
        {
            *battery = physics::drain_battery(*battery, elapsed);
        }
        self.at = at;
    }

    /// Carries out a command; from now on the physics sees the new settings.
    pub(crate) fn apply(
        &mut self,
        id: &DeviceId,
        command: &Command,
    ) -> Result<DeviceState, CommandError> {
        let sim = self
            .devices
            .iter_mut()
            .find(|sim| &sim.device.id == id)
            .ok_or_else(|| {
                CommandError::new(
                    ErrorCode::UnknownDevice,
                    format!("the simulator has no device {id}"),
                )
            })?;
        command.validate(&sim.device)?;
        sim.state = command.apply(&sim.device, &sim.state);
        Ok(sim.state.clone())
    }

    /// What device `id` reports now: one reading per metric it measures, with a
    /// sensor's noise and resolution.
    pub(crate) fn readings(&self, id: &DeviceId, rng: &mut impl Rng) -> Vec<Reading> {
        let Some(sim) = self.devices.iter().find(|sim| &sim.device.id == id) else {
            return Vec::new();
        };
        sim.device
            .metrics()
            .filter_map(|metric| {
                let value = self.measure(sim, metric)?;
                Some(Reading::new(
                    id.clone(),
                    metric,
                    as_reported(metric, value, rng),
                    self.at,
                ))
            })
            .collect()
    }

    fn measure(&self, sim: &SimDevice, metric: Metric) -> Option<f64> {
        let climate = &self.climate;
        match (sim.role, metric) {
            (Role::OutdoorSensor, Metric::Temperature) => {
                Some(climate.outdoor_temperature(self.at))
            }
            (Role::OutdoorSensor, Metric::Humidity) => Some(climate.outdoor_humidity(self.at)),
            (Role::RoomSensor(room), Metric::Temperature) => Some(climate.room(room).temperature),
            (Role::RoomSensor(room), Metric::Humidity) => Some(climate.room(room).humidity),
            (Role::Fridge, Metric::Temperature) => Some(climate.fridge.temperature),
            (Role::Occupancy, Metric::Occupancy) => Some(f64::from(u8::from(climate.occupied))),
            (_, Metric::Battery) => sim.battery,
            _ => None,
        }
    }

    fn controls(&self) -> Controls {
        let mut controls = Controls {
            units: Vec::new(),
            fridge_setpoint: FRIDGE_SETPOINT,
        };
        for sim in &self.devices {
            let state = &sim.state;
            let on = state.on == Some(true);
            match sim.role {
                Role::AirConditioner(room) if on => controls.units.push(ClimateUnit {
                    room,
                    mode: state.mode.unwrap_or(HvacMode::Cool),
                    setpoint: state.setpoint.unwrap_or(24.0),
                    // Faster fans move more heat: 60 %, 80 %, 100 % of capacity.
                    capacity: AC_CAPACITY * (0.4 + 0.2 * f64::from(state.fan_speed.unwrap_or(2))),
                }),
                Role::Heater(room) if on => controls.units.push(ClimateUnit {
                    room,
                    mode: HvacMode::Heat,
                    setpoint: state.setpoint.unwrap_or(21.0),
                    capacity: HEATER_CAPACITY,
                }),
                Role::Fridge => {
                    controls.fridge_setpoint = state.setpoint.unwrap_or(FRIDGE_SETPOINT);
                }
                _ => {}
            }
        }
        controls
    }
}

/// A true value as a cheap sensor reports it: a little noise, rounded to its
/// resolution.
fn as_reported(metric: Metric, value: f64, rng: &mut impl Rng) -> f64 {
    // Scaling up, rounding and scaling back by a power of ten lands on the
    // nearest decimal (20.49, not 20.490000000000002).
    let round = |value: f64, decimals: i32| {
        let scale = 10f64.powi(decimals);
        (value * scale).round() / scale
    };
    let (low, high) = metric.valid_range();
    let reported = match metric {
        Metric::Temperature => round(value + rng.random_range(-0.05..=0.05), 2),
        Metric::Humidity => round(value + rng.random_range(-0.3..=0.3), 1),
        Metric::Battery => value.round(),
        Metric::Occupancy => value,
    };
    reported.clamp(low, high)
}

fn device(
    id: &str,
    name: &str,
    room: &str,
    kind: DeviceKind,
    capabilities: Vec<Capability>,
) -> Device {
    Device {
        id: DeviceId::new(id),
        name: name.into(),
        room: room.into(),
        kind,
        capabilities,
        adapter: ADAPTER.into(),
    }
}

fn catalogue() -> Vec<SimDevice> {
    use Capability::{Battery, Humidity, Occupancy, OnOff, Temperature};
    use DeviceKind::{Fan, Light, Thermometer};

    let sensor = |device, role, battery| SimDevice {
        device,
        state: DeviceState::default(),
        role,
        battery,
    };
    let switched = |device, state| SimDevice {
        device,
        state,
        role: Role::Appliance,
        battery: None,
    };
    let off = DeviceState {
        on: Some(false),
        ..DeviceState::default()
    };
    let room_thermometer = |id, name, room, room_id, battery: Option<f64>| {
        let mut capabilities = vec![Temperature, Humidity];
        capabilities.extend(battery.map(|_| Battery));
        sensor(
            device(id, name, room, Thermometer, capabilities),
            Role::RoomSensor(room_id),
            battery,
        )
    };
    let light = |id, name, room| switched(device(id, name, room, Light, vec![OnOff]), off.clone());

    vec![
        sensor(
            device(
                "outdoor-thermometer",
                "Outdoor thermometer",
                "Outdoors",
                Thermometer,
                vec![Temperature, Humidity],
            ),
            Role::OutdoorSensor,
            None,
        ),
        room_thermometer(
            "living-room-thermometer",
            "Living room thermometer",
            "Living room",
            RoomId::Living,
            Some(87.0),
        ),
        room_thermometer(
            "bedroom-thermometer",
            "Bedroom thermometer",
            "Bedroom",
            RoomId::Bedroom,
            Some(64.0),
        ),
        room_thermometer(
            "kitchen-thermometer",
            "Kitchen thermometer",
            "Kitchen",
            RoomId::Kitchen,
            None,
        ),
        SimDevice {
            device: device(
                "fridge",
                "Fridge",
                "Kitchen",
                DeviceKind::Fridge,
                vec![
                    Temperature,
                    Capability::Setpoint {
                        min: 1.0,
                        max: 8.0,
                        step: 0.5,
                    },
                ],
            ),
            state: DeviceState {
                setpoint: Some(FRIDGE_SETPOINT),
                ..DeviceState::default()
            },
            role: Role::Fridge,
            battery: None,
        },
        SimDevice {
            device: device(
                "living-room-ac",
                "Living room AC",
                "Living room",
                DeviceKind::AirConditioner,
                vec![
                    OnOff,
                    Capability::Setpoint {
                        min: 16.0,
                        max: 30.0,
                        step: 0.5,
                    },
                    Capability::Mode {
                        modes: HvacMode::ALL.to_vec(),
                    },
                    Capability::FanSpeed { max: 3 },
                ],
            ),
            state: DeviceState {
                on: Some(false),
                setpoint: Some(24.0),
                mode: Some(HvacMode::Cool),
                fan_speed: Some(2),
            },
            role: Role::AirConditioner(RoomId::Living),
            battery: None,
        },
        SimDevice {
            device: device(
                "bedroom-heater",
                "Bedroom heater",
                "Bedroom",
                DeviceKind::Heater,
                vec![
                    OnOff,
                    Capability::Setpoint {
                        min: 5.0,
                        max: 30.0,
                        step: 0.5,
                    },
                ],
            ),
            state: DeviceState {
                on: Some(false),
                setpoint: Some(21.0),
                ..DeviceState::default()
            },
            role: Role::Heater(RoomId::Bedroom),
            battery: None,
        },
        light("living-room-light", "Living room light", "Living room"),
        light("bedroom-light", "Bedroom light", "Bedroom"),
        light("porch-light", "Porch light", "Porch"),
        switched(
            device(
                "bedroom-fan",
                "Bedroom fan",
                "Bedroom",
                Fan,
                vec![OnOff, Capability::FanSpeed { max: 3 }],
            ),
            DeviceState {
                on: Some(false),
                fan_speed: Some(1),
                ..DeviceState::default()
            },
        ),
        sensor(
            device(
                "living-room-occupancy",
                "Living room occupancy",
                "Living room",
                DeviceKind::OccupancySensor,
                vec![Occupancy],
            ),
            Role::Occupancy,
            None,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, TimeZone};
    use rand::SeedableRng;
    use rand::rngs::SmallRng;

    fn start() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 7, 15, 12, 0, 0).unwrap()
    }

    /// A fresh house, as on the very first run.
    fn started() -> House {
        let mut house = House::new();
        house.restore(&[], start());
        house
    }

    #[test]
    fn the_catalogue_is_the_documented_one() {
        let house = House::new();
        let mut found: Vec<(&str, &str, DeviceKind)> = house
            .devices()
            .map(|(d, _)| (d.id.as_str(), d.room.as_str(), d.kind))
            .collect();
        found.sort_by_key(|(id, ..)| *id);
        let mut want = vec![
            ("outdoor-thermometer", "Outdoors", DeviceKind::Thermometer),
            (
                "living-room-thermometer",
                "Living room",
                DeviceKind::Thermometer,
            ),
            ("bedroom-thermometer", "Bedroom", DeviceKind::Thermometer),
            ("kitchen-thermometer", "Kitchen", DeviceKind::Thermometer),
            ("fridge", "Kitchen", DeviceKind::Fridge),
            ("living-room-ac", "Living room", DeviceKind::AirConditioner),
            ("bedroom-heater", "Bedroom", DeviceKind::Heater),
            ("living-room-light", "Living room", DeviceKind::Light),
            ("bedroom-light", "Bedroom", DeviceKind::Light),
            ("porch-light", "Porch", DeviceKind::Light),
            ("bedroom-fan", "Bedroom", DeviceKind::Fan),
            (
                "living-room-occupancy",
                "Living room",
                DeviceKind::OccupancySensor,
            ),
        ];
        want.sort_by_key(|(id, ..)| *id);
        assert_eq!(found, want);
        assert!(house.devices().all(|(d, _)| d.adapter == ADAPTER));
    }

    #[test]
    fn every_reading_over_a_simulated_day_is_valid_for_its_device() {
        let mut house = started();
        let mut rng = SmallRng::seed_from_u64(11);
        let sensors = house.sensors();
        assert_eq!(sensors.len(), 6, "{sensors:?}");
        for minutes in (0..24 * 60).step_by(15) {
            house.advance_to(start() + TimeDelta::minutes(minutes), &mut rng);
            for id in &sensors {
                let readings = house.readings(id, &mut rng);
                let (device, _) = house.devices().find(|(d, _)| &d.id == id).unwrap();
                assert_eq!(readings.len(), device.metrics().count(), "{id}");
                for reading in readings {
                    assert!(reading.validate(device).is_ok(), "{reading:?}");
                }
            }
        }
    }

    #[test]
    fn switching_the_ac_on_cools_the_living_room() {
        // The same seed on both sides, so the weather is the same with and without.
        let (mut rng_on, mut rng_off) = (SmallRng::seed_from_u64(5), SmallRng::seed_from_u64(5));
        let living = DeviceId::new("living-room-thermometer");
        let temperature = |house: &House, rng: &mut SmallRng| house.readings(&living, rng)[0].value;
        let mut with_ac = started();
        let mut without = with_ac.clone();
        let ac = DeviceId::new("living-room-ac");
        for command in [
            Command::TurnOn,
            Command::SetSetpoint { value: 18.0 },
            Command::SetFanSpeed { speed: 3 },
        ] {
            with_ac.apply(&ac, &command).unwrap();
        }
        let later = start() + TimeDelta::hours(2);
        with_ac.advance_to(later, &mut rng_on);
        without.advance_to(later, &mut rng_off);
        let cooled = temperature(&with_ac, &mut rng_on);
        let left = temperature(&without, &mut rng_off);
        assert!(
            cooled < left - 1.0,
            "with AC {cooled} °C, without {left} °C"
        );
    }

    #[test]
    fn commands_are_validated_and_unknown_devices_refused() {
        let mut house = started();
        let table = [
            ("porch-light", Command::Toggle, None),
            (
                "fridge",
                Command::SetSetpoint { value: 9.0 },
                Some(ErrorCode::InvalidValue),
            ),
            (
                "outdoor-thermometer",
                Command::TurnOn,
                Some(ErrorCode::Unsupported),
            ),
            (
                "garage-door",
                Command::TurnOn,
                Some(ErrorCode::UnknownDevice),
            ),
        ];
        for (id, command, want) in table {
            let got = house
                .apply(&DeviceId::new(id), &command)
                .err()
                .map(|e| e.code);
            assert_eq!(got, want, "{command:?} on {id}");
        }
    }
}
