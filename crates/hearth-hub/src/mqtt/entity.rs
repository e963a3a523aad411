//! What a discovered entity means to the hub, still without I/O: the device
//! it is shown as, the topics it listens on, what a message on each does, and
//! which messages carry out a command.

use hearth_core::{
    Capability, Command, CommandError, Device, DeviceKind, DeviceState, ErrorCode, Metric,
};

use super::ADAPTER;
use super::discovery::{Entity, EntityKind, OnOff, hvac_mode, hvac_mode_name};

/// What a message on one of an entity's topics reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    Reading,
    OnOff,
    JsonLight,
    Percentage,
    Mode,
    Setpoint,
    CurrentTemperature,
    /// The entity's availability topic number `n`.
    Availability(usize),
}

/// One field of [`DeviceState`], the one a command changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    On,
    Setpoint,
    Mode,
    FanSpeed,
}

/// What a message told the hub.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Update {
    Reading(Metric, f64),
    State {
        state: DeviceState,
        field: Field,
    },
    Available(bool),
    /// The message is well formed but means nothing to the hub (a climate
    /// reporting `off` as its mode, an idle `None`).
    Nothing,
}

/// The messages that carry out a command and what the hub expects afterwards.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Plan {
    pub(crate) messages: Vec<(String, String)>,
    pub(crate) expected: DeviceState,
    /// Set when a state topic will confirm the change; `None` is optimistic,
    /// as Home Assistant is for entities without a state topic.
    pub(crate) confirm_by: Option<Field>,
}

impl Entity {
    /// The device the hub shows for this entity.
    pub(crate) fn device(&self) -> Device {
        let (kind, capabilities) = match &self.kind {
            EntityKind::Sensor { metric, .. } => (
                DeviceKind::Thermometer,
                vec![match metric {
                    Metric::Temperature => Capability::Temperature,
                    Metric::Humidity => Capability::Humidity,
                    Metric::Battery => Capability::Battery,
                    Metric::Occupancy => Capability::Occupancy,
                }],
            ),
            EntityKind::Occupancy { .. } => {
                (DeviceKind::OccupancySensor, vec![Capability::Occupancy])
            }
            EntityKind::Switch { light: true, .. } | EntityKind::JsonLight { .. } => {
                (DeviceKind::Light, vec![Capability::OnOff])
            }
            EntityKind::Switch { light: false, .. } => {
                (DeviceKind::Switch, vec![Capability::OnOff])
            }
            EntityKind::Fan { percentage, .. } => {
                let mut capabilities = vec![Capability::OnOff];
                if let Some(percentage) = percentage {
                    capabilities.push(Capability::FanSpeed {
                        max: percentage.levels,
                    });
                }
                (DeviceKind::Fan, capabilities)
            }
            EntityKind::Climate(climate) => {
                let mut capabilities = Vec::new();
                if climate.current_temperature_topic.is_some() {
                    capabilities.push(Capability::Temperature);
                }
                if climate.mode_command_topic.is_some() {
                    if climate.can_turn_off {
                        capabilities.push(Capability::OnOff);
                    }
                    if !climate.modes.is_empty() {
                        capabilities.push(Capability::Mode {
                            modes: climate.modes.clone(),
                        });
                    }
                }
                if climate.temperature_command_topic.is_some() {
                    capabilities.push(Capability::Setpoint {
                        min: climate.min,
                        max: climate.max,
                        step: climate.step,
                    });
                }
                let cools = climate.modes.contains(&hearth_core::HvacMode::Cool);
                let kind = match cools {
                    true => DeviceKind::AirConditioner,
                    false => DeviceKind::Heater,
                };
                (kind, capabilities)
            }
        };
        Device {
            id: self.id.clone(),
            name: self.name.clone(),
            room: self.room.clone(),
            kind,
            capabilities,
            adapter: ADAPTER.into(),
        }
    }

    /// Every topic the entity listens on, with what it reports.
    pub(crate) fn topics(&self) -> Vec<(String, Slot)> {
        let mut topics: Vec<(String, Slot)> = Vec::new();
        let mut add = |topic: &Option<String>, slot| {
            if let Some(topic) = topic {
                topics.push((topic.clone(), slot));
            }
        };
        match &self.kind {
            EntityKind::Sensor { state_topic, .. } | EntityKind::Occupancy { state_topic, .. } => {
                add(&Some(state_topic.clone()), Slot::Reading);
            }
            EntityKind::Switch { on_off, .. } => add(&on_off.state_topic, Slot::OnOff),
            EntityKind::JsonLight { state_topic, .. } => add(state_topic, Slot::JsonLight),
            EntityKind::Fan { on_off, percentage } => {
                add(&on_off.state_topic, Slot::OnOff);
                if let Some(percentage) = percentage {
                    add(&percentage.state_topic, Slot::Percentage);
                }
            }
            EntityKind::Climate(climate) => {
                add(&climate.mode_state_topic, Slot::Mode);
                add(&climate.temperature_state_topic, Slot::Setpoint);
                add(&climate.current_temperature_topic, Slot::CurrentTemperature);
            }
        }
        for (n, availability) in self.availability.iter().enumerate() {
            topics.push((availability.topic.clone(), Slot::Availability(n)));
        }
        topics
    }

    /// What `payload` on the topic for `slot` means, given the current `state`.
    pub(crate) fn interpret(
        &self,
        slot: Slot,
        payload: &str,
        state: &DeviceState,
    ) -> Result<Update, String> {
        let mut next = state.clone();
        let update = |state, field| Ok(Update::State { state, field });
        match (slot, &self.kind) {
            (Slot::Availability(n), _) => {
                let availability = self.availability.get(n).ok_or("no such availability")?;
                match payload {
                    p if p == availability.online => Ok(Update::Available(true)),
                    p if p == availability.offline => Ok(Update::Available(false)),
                    other => Err(format!("unknown availability payload {other:?}")),
                }
            }
            (
                Slot::Reading,
                EntityKind::Sensor {
                    metric,
                    template,
                    fahrenheit,
                    ..
                },
            ) => {
                let value = number(&template.render(payload).map_err(|e| e.to_string())?)?;
                let value = match fahrenheit {
                    true => (value - 32.0) * 5.0 / 9.0,
                    false => value,
                };
                Ok(Update::Reading(*metric, value))
            }
            (
                Slot::Reading,
                EntityKind::Occupancy {
                    template, on, off, ..
                },
            ) => {
                let text = template.render(payload).map_err(|e| e.to_string())?;
                match text {
                    t if t == *on => Ok(Update::Reading(Metric::Occupancy, 1.0)),
                    t if t == *off => Ok(Update::Reading(Metric::Occupancy, 0.0)),
                    other => Err(format!("{other:?} is neither {on:?} nor {off:?}")),
                }
            }
            (Slot::OnOff, EntityKind::Switch { on_off, .. } | EntityKind::Fan { on_off, .. }) => {
                next.on = Some(on_off.read(payload)?);
                update(next, Field::On)
            }
            (Slot::JsonLight, EntityKind::JsonLight { .. }) => {
                let json: serde_json::Value = serde_json::from_str(payload)
                    .map_err(|e| format!("the state is not JSON ({e})"))?;
                next.on = Some(match json.get("state").and_then(|s| s.as_str()) {
                    Some("ON") => true,
                    Some("OFF") => false,
                    _ => return Err(format!("no \"state\": \"ON\" or \"OFF\" in {payload}")),
                });
                update(next, Field::On)
            }
            (
                Slot::Percentage,
                EntityKind::Fan {
                    percentage: Some(p),
                    ..
                },
            ) => {
                let value = number(&p.template.render(payload).map_err(|e| e.to_string())?)?;
                if value < f64::from(p.min) {
                    // At or below the bottom of the range the fan is off.
                    next.on = Some(false);
                    return update(next, Field::On);
                }
                let fraction = (value - f64::from(p.min) + 1.0) / f64::from(p.max - p.min + 1);
                let level = (fraction * f64::from(p.levels)).round();
                next.fan_speed = Some(level.clamp(1.0, f64::from(p.levels)) as u8);
                update(next, Field::FanSpeed)
            }
            (Slot::Mode, EntityKind::Climate(climate)) => {
                let text = climate
                    .mode_template
                    .render(payload)
                    .map_err(|e| e.to_string())?;
                if text == "off" {
                    next.on = Some(false);
                    return update(next, Field::On);
                }
                let mode = hvac_mode(&text).ok_or(format!("unknown mode {text:?}"))?;
                next.on = Some(true);
                next.mode = Some(mode);
                update(next, Field::Mode)
            }
            (Slot::Setpoint, EntityKind::Climate(climate)) => {
                let text = climate
                    .temperature_template
                    .render(payload)
                    .map_err(|e| e.to_string())?;
                if text == "None" || text.is_empty() {
                    return Ok(Update::Nothing);
                }
                next.setpoint = Some(number(&text)?);
                update(next, Field::Setpoint)
            }
            (Slot::CurrentTemperature, EntityKind::Climate(climate)) => {
                let text = climate
                    .current_temperature_template
                    .render(payload)
                    .map_err(|e| e.to_string())?;
                Ok(Update::Reading(Metric::Temperature, number(&text)?))
            }
            (slot, _) => Err(format!("{slot:?} does not belong to this entity")),
        }
    }

    /// The messages that carry out `command` from the current `state`.
    pub(crate) fn plan(
        &self,
        command: &Command,
        state: &DeviceState,
    ) -> Result<Plan, CommandError> {
        let device = self.device();
        command.validate(&device)?;
        let expected = command.apply(&device, state);
        let unsupported = || {
            CommandError::new(
                ErrorCode::Unsupported,
                format!("{} cannot do that over MQTT", self.name),
            )
        };
        let switching = |on_off: &OnOff| {
            let on = expected.on == Some(true);
            let payload = match on {
                true => on_off.payload_on.clone(),
                false => on_off.payload_off.clone(),
            };
            (
                vec![(on_off.command_topic.clone(), payload)],
                on_off.state_topic.as_ref().map(|_| Field::On),
            )
        };
        let (messages, confirm_by) = match (&self.kind, command) {
            (
                EntityKind::Switch { on_off, .. } | EntityKind::Fan { on_off, .. },
                Command::TurnOn | Command::TurnOff | Command::Toggle,
            ) => switching(on_off),
            (
                EntityKind::JsonLight {
                    command_topic,
                    state_topic,
                },
                Command::TurnOn | Command::TurnOff | Command::Toggle,
            ) => {
                let state = if expected.on == Some(true) {
                    "ON"
                } else {
                    "OFF"
                };
                (
                    vec![(
                        command_topic.clone(),
                        serde_json::json!({ "state": state }).to_string(),
                    )],
                    state_topic.as_ref().map(|_| Field::On),
                )
            }
            (
                EntityKind::Fan {
                    percentage: Some(p),
                    ..
                },
                Command::SetFanSpeed { speed },
            ) => {
                let span = f64::from(p.max - p.min + 1);
                let value = f64::from(p.min) - 1.0
                    + (f64::from(*speed) / f64::from(p.levels) * span).round();
                (
                    vec![(p.command_topic.clone(), (value as u32).to_string())],
                    p.state_topic.as_ref().map(|_| Field::FanSpeed),
                )
            }
            (EntityKind::Climate(climate), Command::SetSetpoint { value }) => {
                let topic = climate
                    .temperature_command_topic
                    .clone()
                    .ok_or_else(unsupported)?;
                // The setpoint snapped to the device's step, as it will hold it.
                let value = expected.setpoint.unwrap_or(*value);
                (
                    vec![(topic, value.to_string())],
                    climate
                        .temperature_state_topic
                        .as_ref()
                        .map(|_| Field::Setpoint),
                )
            }
            (
                EntityKind::Climate(climate),
                Command::SetMode { .. } | Command::TurnOn | Command::TurnOff | Command::Toggle,
            ) => {
                let topic = climate.mode_command_topic.clone().ok_or_else(unsupported)?;
                let mode = match (
                    expected.on,
                    expected.mode.or(climate.modes.first().copied()),
                ) {
                    (Some(false), _) => "off",
                    (_, Some(mode)) => hvac_mode_name(mode),
                    (_, None) => return Err(unsupported()),
                };
                let field = match command {
                    Command::SetMode { .. } => Field::Mode,
                    _ => Field::On,
                };
                (
                    vec![(topic, mode.to_owned())],
                    climate.mode_state_topic.as_ref().map(|_| field),
                )
            }
            _ => return Err(unsupported()),
        };
        Ok(Plan {
            messages,
            expected,
            confirm_by,
        })
    }
}

impl OnOff {
    fn read(&self, payload: &str) -> Result<bool, String> {
        let text = self.template.render(payload).map_err(|e| e.to_string())?;
        match text {
            t if t == self.state_on => Ok(true),
            t if t == self.state_off => Ok(false),
            other => Err(format!(
                "{other:?} is neither {:?} nor {:?}",
                self.state_on, self.state_off
            )),
        }
    }
}

fn number(text: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .ok_or_else(|| format!("{text:?} is not a number"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mqtt::discovery::{ConfigTopic, parse};
    use hearth_core::HvacMode;

    fn entity(component: &str, payload: &str) -> Entity {
        let topic = ConfigTopic::parse(&format!("homeassistant/{component}/x/config")).unwrap();
        match parse(&topic, payload.as_bytes()) {
            Ok(super::super::discovery::Config::Entities { mut entities, .. }) => {
                entities.remove(0)
            }
            other => panic!("{other:?}"),
        }
    }

    fn on(on: bool) -> DeviceState {
        DeviceState {
            on: Some(on),
            ..DeviceState::default()
        }
    }

    #[test]
    fn state_messages_become_readings_and_states() {
        let sensor = entity(
            "sensor",
            r#"{"stat_t":"s","dev_cla":"temperature","unit_of_meas":"°F","val_tpl":"{{ value | float / 10 }}"}"#,
        );
        let switch = entity(
            "switch",
            r#"{"cmd_t":"c","stat_t":"s","stat_on":"1","stat_off":"0"}"#,
        );
        let light = entity("light", r#"{"schema":"json","cmd_t":"c","stat_t":"s"}"#);
        let fan = entity("fan", r#"{"cmd_t":"c","pct_cmd_t":"p","pct_stat_t":"ps"}"#);
        let climate = entity(
            "climate",
            r#"{"mode_cmd_t":"m","mode_stat_t":"ms","temp_stat_t":"ts","temp_cmd_t":"t","curr_temp_t":"c","avty_t":"a"}"#,
        );
        let none = DeviceState::default();
        let state = |state, field| Ok(Update::State { state, field });
        let table = [
            (
                &sensor,
                Slot::Reading,
                "770",
                Ok(Update::Reading(Metric::Temperature, 25.0)),
            ),
            (&sensor, Slot::Reading, "warm", Err("is not a number")),
            (&switch, Slot::OnOff, "1", state(on(true), Field::On)),
            (&switch, Slot::OnOff, "ON", Err("neither")),
            (
                &light,
                Slot::JsonLight,
                r#"{"state":"OFF","brightness":3}"#,
                state(on(false), Field::On),
            ),
            (&light, Slot::JsonLight, "ON", Err("not JSON")),
            (
                &fan,
                Slot::Percentage,
                "67",
                state(
                    DeviceState {
                        fan_speed: Some(2),
                        ..none.clone()
                    },
                    Field::FanSpeed,
                ),
            ),
            (&fan, Slot::Percentage, "0", state(on(false), Field::On)),
            (
                &climate,
                Slot::Mode,
                "cool",
                state(
                    DeviceState {
                        on: Some(true),
                        mode: Some(HvacMode::Cool),
                        ..none.clone()
                    },
                    Field::Mode,
                ),
            ),
            (&climate, Slot::Mode, "off", state(on(false), Field::On)),
            (&climate, Slot::Mode, "eco", Err("unknown mode")),
            (
                &climate,
                Slot::Setpoint,
                "21.5",
                state(
                    DeviceState {
                        setpoint: Some(21.5),
                        ..none.clone()
                    },
                    Field::Setpoint,
                ),
            ),
            (
                &climate,
                Slot::CurrentTemperature,
                "19",
                Ok(Update::Reading(Metric::Temperature, 19.0)),
            ),
            (
                &climate,
                Slot::Availability(0),
                "offline",
                Ok(Update::Available(false)),
            ),
            (
                &climate,
                Slot::Availability(0),
                "maybe",
                Err("availability"),
            ),
        ];
        for (entity, slot, payload, want) in table {
            let got = entity.interpret(slot, payload, &none);
            match (&got, &want) {
                (Err(why), Err(part)) => assert!(why.contains(part), "{payload}: {why}"),
                (Ok(got), Ok(want)) => assert_eq!(got, want, "{slot:?} {payload}"),
                _ => panic!("{slot:?} {payload}: {got:?}"),
            }
        }
    }

    #[test]
    fn commands_publish_in_the_entity_schema() {
        let switch = entity("switch", r#"{"cmd_t":"c","pl_on":"1","pl_off":"0"}"#);
        let light = entity("light", r#"{"schema":"json","cmd_t":"c","stat_t":"s"}"#);
        let fan = entity("fan", r#"{"cmd_t":"c","pct_cmd_t":"p"}"#);
        let climate = entity(
            "climate",
            r#"{"mode_cmd_t":"m","temp_cmd_t":"t","modes":["off","heat","cool"],"temp_step":0.5}"#,
        );
        let message = |topic: &str, payload: &str| vec![(topic.to_owned(), payload.to_owned())];
        let table = [
            (&switch, Command::Toggle, on(false), message("c", "1"), None),
            (&switch, Command::TurnOff, on(true), message("c", "0"), None),
            (
                &light,
                Command::TurnOn,
                on(false),
                message("c", r#"{"state":"ON"}"#),
                Some(Field::On),
            ),
            (
                &fan,
                Command::SetFanSpeed { speed: 1 },
                on(true),
                message("p", "33"),
                None,
            ),
            (
                &fan,
                Command::SetFanSpeed { speed: 3 },
                on(true),
                message("p", "100"),
                None,
            ),
            (
                &climate,
                Command::SetSetpoint { value: 21.4 },
                on(true),
                message("t", "21.5"),
                None,
            ),
            (
                &climate,
                Command::SetMode {
                    mode: HvacMode::Cool,
                },
                on(true),
                message("m", "cool"),
                None,
            ),
            (
                &climate,
                Command::TurnOff,
                on(true),
                message("m", "off"),
                None,
            ),
            (
                &climate,
                Command::TurnOn,
                on(false),
                message("m", "heat"),
                None,
            ),
        ];
        for (entity, command, state, messages, confirm_by) in table {
            let plan = entity.plan(&command, &state).unwrap();
            assert_eq!(
                (plan.messages, plan.confirm_by),
                (messages, confirm_by),
                "{command:?}"
            );
        }
        let refused = switch
            .plan(&Command::SetFanSpeed { speed: 1 }, &on(true))
            .unwrap_err();
        assert_eq!(refused.code, ErrorCode::Unsupported);
    }

    #[test]
    fn entities_become_devices_with_the_capabilities_they_offer() {
        let climate = entity(
            "climate",
            r#"{"mode_cmd_t":"m","temp_cmd_t":"t","curr_temp_t":"c","modes":["off","heat"],"min_temp":5,"max_temp":30}"#,
        );
        let device = climate.device();
        assert_eq!(device.kind, DeviceKind::Heater);
        assert_eq!(
            device.capabilities,
            [
                Capability::Temperature,
                Capability::OnOff,
                Capability::Mode {
                    modes: vec![HvacMode::Heat]
                },
                Capability::Setpoint {
                    min: 5.0,
                    max: 30.0,
                    step: 1.0
                },
            ]
        );
        assert_eq!(device.adapter, ADAPTER);
        let fan = entity(
            "fan",
            r#"{"cmd_t":"c","pct_cmd_t":"p","spd_rng_min":1,"spd_rng_max":4}"#,
        );
        assert_eq!(fan.device().max_fan_speed(), Some(4));
    }
}
