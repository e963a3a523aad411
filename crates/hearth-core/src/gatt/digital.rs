//! Automation IO's Digital characteristic (0x2A56): an array of 2-bit states,
//! four per byte, the first output in the least significant bits. Decoding it
//! gives each output's state; switching one output writes back every other
//! output's state as it was read, so a write never changes what it did not mean to.

use super::CodecError;
use crate::device::DeviceState;

const NAME: &str = "Digital (0x2A56)";

/// One output's state, as the Automation IO service defines the two bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DigitalState {
    Inactive,
    Active,
    TriState,
    /// The output's state is not known; written back, it asks the device to
    /// leave the output alone.
    Unknown,
}

impl DigitalState {
    fn from_bits(bits: u8) -> DigitalState {
        match bits & 0b11 {
            0 => DigitalState::Inactive,
            1 => DigitalState::Active,
            2 => DigitalState::TriState,
            _ => DigitalState::Unknown,
        }
    }

    fn bits(self) -> u8 {
        match self {
            DigitalState::Inactive => 0,
            DigitalState::Active => 1,
            DigitalState::TriState => 2,
            DigitalState::Unknown => 3,
        }
    }

    /// On or off, or `None` for a tri-stated or unknown output.
    pub fn on(self) -> Option<bool> {
        match self {
            DigitalState::Inactive => Some(false),
            DigitalState::Active => Some(true),
            DigitalState::TriState | DigitalState::Unknown => None,
        }
    }
}

/// A decoded Digital value: the state of every output slot it carries (a
/// multiple of four; slots past the device's real outputs are padding).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digital {
    states: Vec<DigitalState>,
}

impl Digital {
    /// Reads a Digital value as the device sent it (read or notification).
    pub fn decode(value: &[u8]) -> Result<Digital, CodecError> {
        if value.is_empty() {
            return Err(CodecError::Empty {
                characteristic: NAME,
            });
        }
        let states = value
            .iter()
            .flat_map(|byte| (0..4).map(move |slot| DigitalState::from_bits(byte >> (2 * slot))))
            .collect();
        Ok(Digital { states })
    }

    /// Every output slot's state, the first output first.
    pub fn states(&self) -> &[DigitalState] {
        &self.states
    }

    /// Output `index`'s state.
    pub fn get(&self, index: usize) -> Result<DigitalState, CodecError> {
        self.states
            .get(index)
            .copied()
            .ok_or(CodecError::NoSuchOutput {
                index,
                count: self.states.len(),
            })
    }

    /// Output `index` as hearth-core state: `on` is `None` when the device
    /// reports it tri-stated or unknown.
    pub fn device_state(&self, index: usize) -> Result<DeviceState, CodecError> {
        Ok(DeviceState {
            on: self.get(index)?.on(),
            ..DeviceState::default()
        })
    }

    /// The same outputs with output `index` switched on or off.
    pub fn with_output(&self, index: usize, on: bool) -> Result<Digital, CodecError> {
        self.get(index)?;
        let mut states = self.states.clone();
        states[index] = if on {
            DigitalState::Active
        } else {
            DigitalState::Inactive
        };
        Ok(Digital { states })
    }

    /// The bytes to write to the characteristic.
    pub fn encode(&self) -> Vec<u8> {
        self.states
            .chunks(4)
            .map(|slots| {
                slots
                    .iter()
                    .enumerate()
                    .fold(0, |byte, (slot, state)| byte | state.bits() << (2 * slot))
            })
            .collect()
    }
}

/// The bytes that switch output `index` of a device whose Digital value last
/// read `current`, leaving its other outputs as they were.
pub fn switch(current: &[u8], index: usize, on: bool) -> Result<Vec<u8>, CodecError> {
    Ok(Digital::decode(current)?.with_output(index, on)?.encode())
}

#[cfg(test)]
mod tests {
    use super::DigitalState::*;
    use super::*;

    #[test]
    fn decode_table() {
        let table: [(&[u8], &[DigitalState]); 6] = [
            (&[0b0000_0000], &[Inactive, Inactive, Inactive, Inactive]),
            (&[0b0000_0001], &[Active, Inactive, Inactive, Inactive]),
            (&[0b1110_0100], &[Inactive, Active, TriState, Unknown]),
            // One real output, padded with "unknown" as devices commonly do.
            (&[0b1111_1101], &[Active, Unknown, Unknown, Unknown]),
            (&[0xFF], &[Unknown, Unknown, Unknown, Unknown]),
            (
                &[0b0000_0001, 0b0100_0000],
                &[
                    Active, Inactive, Inactive, Inactive, Inactive, Inactive, Inactive, Active,
                ],
            ),
        ];
        for (bytes, want) in table {
            assert_eq!(
                Digital::decode(bytes).unwrap().states(),
                want,
                "{bytes:02X?}"
            );
        }
    }

    #[test]
    fn an_empty_value_is_an_error() {
        assert_eq!(
            Digital::decode(&[]).unwrap_err().to_string(),
            "Digital (0x2A56) value is empty"
        );
    }

    #[test]
    fn switching_one_output_keeps_the_others() {
        // (current value, output, on, bytes written)
        let table: [(&[u8], usize, bool, &[u8]); 7] = [
            (&[0b0000_0000], 0, true, &[0b0000_0001]),
            (&[0b0000_0001], 0, false, &[0b0000_0000]),
            (&[0b1111_1100], 0, true, &[0b1111_1101]),
            (&[0b1110_0100], 2, true, &[0b1101_0100]),
            (&[0b1110_0100], 3, false, &[0b0010_0100]),
            (&[0b0101_0101], 1, false, &[0b0101_0001]),
            (&[0x00, 0xFF], 5, true, &[0x00, 0b1111_0111]),
        ];
        for (current, index, on, want) in table {
            assert_eq!(
                switch(current, index, on).as_deref(),
                Ok(want),
                "{current:02X?} output {index} -> {on}"
            );
        }
    }

    #[test]
    fn switching_an_output_the_value_lacks_is_an_error() {
        let error = switch(&[0x00], 4, true).unwrap_err();
        assert_eq!(error, CodecError::NoSuchOutput { index: 4, count: 4 });
        assert_eq!(
            error.to_string(),
            "output 4 does not exist: the Digital value holds 4 outputs"
        );
        assert!(switch(&[], 0, true).is_err());
    }

    #[test]
    fn an_output_becomes_device_state() {
        let digital = Digital::decode(&[0b1110_0100]).unwrap();
        let on = |index| digital.device_state(index).map(|state| state.on);
        assert_eq!(on(0), Ok(Some(false)));
        assert_eq!(on(1), Ok(Some(true)));
        assert_eq!(on(2), Ok(None), "tri-state is neither on nor off");
        assert_eq!(on(3), Ok(None), "unknown is neither on nor off");
        assert!(on(4).is_err());
        assert_eq!(digital.device_state(1).unwrap().setpoint, None);
    }

    #[test]
    fn decode_then_encode_gives_the_bytes_back() {
        for byte in 0..=u8::MAX {
            let bytes = [byte, !byte];
            assert_eq!(Digital::decode(&bytes).unwrap().encode(), bytes);
        }
    }
}
