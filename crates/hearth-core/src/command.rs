//! Commands a user (or, later, an automation) sends to a device, how they are
//! validated against the device's capabilities, and what they do to its state.

use serde::{Deserialize, Serialize};

use crate::device::{Device, DeviceState, HvacMode};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Command {
    TurnOn,
    TurnOff,
    Toggle,
    /// Target temperature in °C.
    SetSetpoint {
        value: f64,
    },
    SetMode {
        mode: HvacMode,
    },
    SetFanSpeed {
        speed: u8,
    },
}

/// Machine-readable reason for a refusal; the message next to it is for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// The frame was not valid JSON or not a known message.
    BadFrame,
    FrameTooLarge,
    UnknownDevice,
    /// The device has no capability for this command.
    Unsupported,
    /// The command's value is outside what the device accepts.
    InvalidValue,
    /// The device (or its adapter) did not answer.
    Unavailable,
    /// The signed-in user (or token) may not do this: a viewer's command, or
    /// a device outside the user's rooms.
    Forbidden,
    Internal,
}

crate::wire_names!(pub ErrorCode {
    BadFrame = "bad_frame",
    FrameTooLarge = "frame_too_large",
    UnknownDevice = "unknown_device",
    Unsupported = "unsupported",
    InvalidValue = "invalid_value",
    Unavailable = "unavailable",
    Forbidden = "forbidden",
    Internal = "internal",
});

/// A refused command or request: a code for programs and a message for people.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct CommandError {
    pub code: ErrorCode,
    pub message: String,
}

impl CommandError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        CommandError {
            code,
            message: message.into(),
        }
    }
}

impl Command {
    /// Checks that `device` can carry out this command, with values in range.
    pub fn validate(&self, device: &Device) -> Result<(), CommandError> {
        let unsupported = |what: &str| {
            CommandError::new(
                ErrorCode::Unsupported,
                format!("{} cannot {what}", device.name),
            )
        };
        match self {
            Command::TurnOn | Command::TurnOff | Command::Toggle => {
                if !device.can_switch() {
                    return Err(unsupported("be switched on or off"));
                }
            }
            Command::SetSetpoint { value } => {
                let (min, max, _) = device
                    .setpoint_range()
                    .ok_or_else(|| unsupported("take a setpoint"))?;
                if !(min..=max).contains(value) {
                    return Err(CommandError::new(
                        ErrorCode::InvalidValue,
                        format!(
                            "{} accepts setpoints from {min} to {max} °C, not {value}",
                            device.name
                        ),
                    ));
                }
            }
            Command::SetMode { mode } => {
                let modes = device.modes().ok_or_else(|| unsupported("change mode"))?;
                if !modes.contains(mode) {
                    return Err(CommandError::new(
                        ErrorCode::InvalidValue,
                        format!("{} has no {} mode", device.name, mode.label()),
                    ));
                }
            }
            Command::SetFanSpeed { speed } => {
                let max = device
                    .max_fan_speed()
                    .ok_or_else(|| unsupported("change fan speed"))?;
                if *speed == 0 || *speed > max {
                    return Err(CommandError::new(
                        ErrorCode::InvalidValue,
                        format!("{} fan speed must be 1 to {max}, not {speed}", device.name),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The state a device reaches after obeying this (already validated) command.
    /// Setpoints snap to the device's step so the state shows what it really holds.
    pub fn apply(&self, device: &Device, state: &DeviceState) -> DeviceState {
        let mut next = state.clone();
        match self {
            Command::TurnOn => next.on = Some(true),
            Command::TurnOff => next.on = Some(false),
            Command::Toggle => next.on = Some(!state.on.unwrap_or(false)),
            Command::SetSetpoint { value } => {
                let step = device
                    .setpoint_range()
                    .map(|(_, _, step)| step)
                    .filter(|s| *s > 0.0);
                next.setpoint = Some(match step {
                    Some(step) => (value / step).round() * step,
                    None => *value,
                });
            }
            Command::SetMode { mode } => next.mode = Some(*mode),
            Command::SetFanSpeed { speed } => next.fan_speed = Some(*speed),
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::{Capability, DeviceId, DeviceKind};

    fn ac() -> Device {
        Device {
            id: DeviceId::new("ac"),
            name: "Living room AC".into(),
            room: "Living room".into(),
            kind: DeviceKind::AirConditioner,
            capabilities: vec![
                Capability::OnOff,
                Capability::Setpoint {
                    min: 16.0,
                    max: 30.0,
                    step: 0.5,
                },
                Capability::Mode {
                    modes: vec![HvacMode::Cool, HvacMode::Heat],
                },
                Capability::FanSpeed { max: 3 },
            ],
            adapter: "simulator".into(),
        }
    }

    fn thermometer() -> Device {
        Device {
            id: DeviceId::new("t"),
            name: "Hall thermometer".into(),
            room: "Hall".into(),
            kind: DeviceKind::Thermometer,
            capabilities: vec![Capability::Temperature],
            adapter: "simulator".into(),
        }
    }

    #[test]
    fn validation_table() {
        use ErrorCode::*;
        let table: Vec<(Device, Command, Option<ErrorCode>)> = vec![
            (ac(), Command::TurnOn, None),
            (ac(), Command::Toggle, None),
            (ac(), Command::SetSetpoint { value: 22.5 }, None),
            (
                ac(),
                Command::SetSetpoint { value: 15.9 },
                Some(InvalidValue),
            ),
            (
                ac(),
                Command::SetSetpoint { value: f64::NAN },
                Some(InvalidValue),
            ),
            (
                ac(),
                Command::SetMode {
                    mode: HvacMode::Heat,
                },
                None,
            ),
            (
                ac(),
                Command::SetMode {
                    mode: HvacMode::Dry,
                },
                Some(InvalidValue),
            ),
            (ac(), Command::SetFanSpeed { speed: 3 }, None),
            (ac(), Command::SetFanSpeed { speed: 0 }, Some(InvalidValue)),
            (ac(), Command::SetFanSpeed { speed: 4 }, Some(InvalidValue)),
            (thermometer(), Command::TurnOn, Some(Unsupported)),
            (
                thermometer(),
                Command::SetSetpoint { value: 20.0 },
                Some(Unsupported),
            ),
            (
                thermometer(),
                Command::SetMode {
                    mode: HvacMode::Cool,
                },
                Some(Unsupported),
            ),
        ];
        for (device, command, want) in table {
            let got = command.validate(&device).err().map(|e| e.code);
            assert_eq!(got, want, "{command:?} on {}", device.name);
        }
    }

    #[test]
    fn apply_changes_only_what_the_command_names() {
        let device = ac();
        let start = DeviceState {
            on: Some(false),
            setpoint: Some(24.0),
            mode: Some(HvacMode::Cool),
            fan_speed: Some(1),
        };
        let table = [
            (
                Command::TurnOn,
                DeviceState {
                    on: Some(true),
                    ..start.clone()
                },
            ),
            (
                Command::Toggle,
                DeviceState {
                    on: Some(true),
                    ..start.clone()
                },
            ),
            (Command::TurnOff, start.clone()),
            (
                Command::SetSetpoint { value: 21.3 },
                DeviceState {
                    setpoint: Some(21.5),
                    ..start.clone()
                },
            ),
            (
                Command::SetMode {
                    mode: HvacMode::Heat,
                },
                DeviceState {
                    mode: Some(HvacMode::Heat),
                    ..start.clone()
                },
            ),
            (
                Command::SetFanSpeed { speed: 2 },
                DeviceState {
                    fan_speed: Some(2),
                    ..start.clone()
                },
            ),
        ];
        for (command, want) in table {
            assert_eq!(command.apply(&device, &start), want, "{command:?}");
        }
    }

    #[test]
    fn toggle_from_unknown_state_turns_on() {
        let next = Command::Toggle.apply(&ac(), &DeviceState::default());
        assert_eq!(next.on, Some(true));
    }
}
