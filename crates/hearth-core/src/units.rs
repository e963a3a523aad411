//! Units of measurement. The hub stores and sends canonical units (°C, %);
//! conversion to what a user prefers happens only for display.

/// The unit a reading's value is expressed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unit {
    Celsius,
    Percent,
    /// 0 or 1, for presence-like readings such as occupancy.
    Boolean,
}

crate::wire_names!(pub Unit {
    Celsius = "celsius",
    Percent = "percent",
    Boolean = "boolean",
});

impl Unit {
    pub fn symbol(self) -> &'static str {
        match self {
            Unit::Celsius => "°C",
            Unit::Percent => "%",
            Unit::Boolean => "",
        }
    }
}

/// How a user wants temperatures shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TemperatureUnit {
    #[default]
    Celsius,
    Fahrenheit,
}

crate::wire_names!(pub TemperatureUnit {
    Celsius = "celsius",
    Fahrenheit = "fahrenheit",
});

impl TemperatureUnit {
    /// Converts a canonical Celsius value into this unit.
    pub fn from_celsius(self, celsius: f64) -> f64 {
        match self {
            TemperatureUnit::Celsius => celsius,
            TemperatureUnit::Fahrenheit => celsius * 9.0 / 5.0 + 32.0,
        }
    }

    /// Converts a value in this unit back to canonical Celsius.
    pub fn to_celsius(self, value: f64) -> f64 {
        match self {
            TemperatureUnit::Celsius => value,
            TemperatureUnit::Fahrenheit => (value - 32.0) * 5.0 / 9.0,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            TemperatureUnit::Celsius => "°C",
            TemperatureUnit::Fahrenheit => "°F",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fahrenheit_round_trips_known_points() {
        let table = [(-40.0, -40.0), (0.0, 32.0), (100.0, 212.0), (37.0, 98.6)];
        for (c, f) in table {
            let got = TemperatureUnit::Fahrenheit.from_celsius(c);
            assert!((got - f).abs() < 1e-9, "{c} °C -> {got} °F, want {f}");
            let back = TemperatureUnit::Fahrenheit.to_celsius(f);
            assert!((back - c).abs() < 1e-9, "{f} °F -> {back} °C, want {c}");
        }
    }
}
