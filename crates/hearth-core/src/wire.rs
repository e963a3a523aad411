//! Unit-only enums on the wire as their snake_case names (`"fan_only"`). The
//! [`wire_names!`](crate::wire_names) macro writes `Serialize` and `Deserialize`
//! from one table of names instead of serde's derive, whose per-enum visitors
//! (strings, bytes, indices, the map form of enums) cost the browser's wasm
//! about a kilobyte each; see docs/PERFORMANCE.md. The JSON form is the same.

use serde::{Deserializer, de};

/// Gives a `Copy` unit-only enum its wire names: `wire_name` and
/// `from_wire_name` (with the visibility given first), `Serialize` as that
/// string and `Deserialize` from it.
#[macro_export]
macro_rules! wire_names {
    ($vis:vis $ty:ident { $($variant:ident = $name:literal),+ $(,)? }) => {
        impl $ty {
            /// The name this value has on the wire and in storage.
            $vis fn wire_name(self) -> &'static str {
                match self {
                    $($ty::$variant => $name),+
                }
            }

            /// The value a wire name stands for, if any.
            // Private enums read only through serde have no use for it.
            #[allow(dead_code)]
            $vis fn from_wire_name(name: &str) -> Option<Self> {
                match name {
                    $($name => Some($ty::$variant),)+
                    _ => None,
                }
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.wire_name())
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                const NAMES: &[&str] = &[$($name),+];
                const VALUES: &[$ty] = &[$($ty::$variant),+];
                $crate::wire::variant(deserializer, NAMES).map(|index| VALUES[index])
            }
        }
    };
}

/// Reads a string and returns its index in `names`, or serde's usual
/// "unknown variant" error. Generic over the deserializer only, so all enums
/// share one copy per format.
#[doc(hidden)]
pub fn variant<'de, D: Deserializer<'de>>(
    deserializer: D,
    names: &'static [&'static str],
) -> Result<usize, D::Error> {
    deserializer.deserialize_str(NameVisitor(names))
}

struct NameVisitor(&'static [&'static str]);

impl de::Visitor<'_> for NameVisitor {
    type Value = usize;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a variant name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<usize, E> {
        self.0
            .iter()
            .position(|candidate| *candidate == name)
            .ok_or_else(|| E::unknown_variant(name, self.0))
    }
}

#[cfg(test)]
mod tests {
    use crate::{DeviceKind, ErrorCode, HvacMode, Metric, TemperatureUnit, Unit};

    /// Each value must write its name, read back from it, and an unknown name or
    /// a non-string must be refused.
    fn check<T>(values: &[T], names: &[&str])
    where
        T: Copy + PartialEq + std::fmt::Debug + serde::Serialize + serde::de::DeserializeOwned,
    {
        assert_eq!(values.len(), names.len());
        for (value, name) in values.iter().zip(names) {
            let json = format!("\"{name}\"");
            assert_eq!(serde_json::to_string(value).unwrap(), json);
            assert_eq!(serde_json::from_str::<T>(&json).unwrap(), *value);
        }
        for bad in ["\"nope\"", "\"\"", "1", "null", "{\"cool\":null}", "[]"] {
            assert!(serde_json::from_str::<T>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unit_enums_use_their_documented_names() {
        use DeviceKind::*;
        check(
            &[
                Thermometer,
                Light,
                Fan,
                AirConditioner,
                Heater,
                Fridge,
                Switch,
                OccupancySensor,
            ],
            &[
                "thermometer",
                "light",
                "fan",
                "air_conditioner",
                "heater",
                "fridge",
                "switch",
                "occupancy_sensor",
            ],
        );
        check(&HvacMode::ALL, &["cool", "heat", "auto", "dry", "fan_only"]);
        check(
            &[
                Metric::Temperature,
                Metric::Humidity,
                Metric::Battery,
                Metric::Occupancy,
            ],
            &["temperature", "humidity", "battery", "occupancy"],
        );
        check(
            &[Unit::Celsius, Unit::Percent, Unit::Boolean],
            &["celsius", "percent", "boolean"],
        );
        check(
            &[TemperatureUnit::Celsius, TemperatureUnit::Fahrenheit],
            &["celsius", "fahrenheit"],
        );
        use ErrorCode::*;
        check(
            &[
                BadFrame,
                FrameTooLarge,
                UnknownDevice,
                Unsupported,
                InvalidValue,
                Unavailable,
                Internal,
            ],
            &[
                "bad_frame",
                "frame_too_large",
                "unknown_device",
                "unsupported",
                "invalid_value",
                "unavailable",
                "internal",
            ],
        );
    }

    #[test]
    fn unknown_names_get_serdes_usual_message() {
        let err = serde_json::from_str::<HvacMode>("\"boost\"").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("unknown variant `boost`, expected one of `cool`"),
            "{err}"
        );
    }
}
