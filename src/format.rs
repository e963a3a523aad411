//! How values read on screen: temperatures with one decimal and their unit,
//! percentages, occupancy words and relative ages. Pure, so every rule is tested.

use chrono::{DateTime, Utc};
use hearth_core::{Metric, TemperatureUnit};

/// Shown where a value is not known yet, so an empty slot never looks like zero.
pub(crate) const UNKNOWN: &str = "—";

/// A Celsius value in the user's unit with one decimal, e.g. `21.4 °C`.
pub(crate) fn temperature(celsius: f64, unit: TemperatureUnit) -> String {
    format!(
        "{} {}",
        one_decimal(unit.from_celsius(celsius)),
        unit.symbol()
    )
}

/// A whole percentage, e.g. `48 %`.
pub(crate) fn percent(value: f64) -> String {
    format!("{} %", value.round() as i64)
}

pub(crate) fn occupancy(value: f64) -> &'static str {
    if value >= 0.5 { "Occupied" } else { "Clear" }
}

/// A reading's value as a card shows it, converted to the user's unit.
pub(crate) fn metric_value(metric: Metric, value: f64, unit: TemperatureUnit) -> String {
    match metric {
        Metric::Temperature => temperature(value, unit),
        Metric::Humidity | Metric::Battery => percent(value),
        Metric::Occupancy => occupancy(value).to_owned(),
    }
}

/// How long ago `then` was, coarsely: `just now`, `12 s ago`, `5 min ago`,
/// `3 h ago`, `2 d ago`. A `then` in the future (clock skew between the hub and
/// this browser) reads as `just now` rather than a negative age.
pub(crate) fn relative_age(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (now - then).num_seconds();
    match seconds {
        ..=1 => "just now".to_owned(),
        2..=59 => format!("{seconds} s ago"),
        60..=3_599 => format!("{} min ago", seconds / 60),
        3_600..=86_399 => format!("{} h ago", seconds / 3_600),
        _ => format!("{} d ago", seconds / 86_400),
    }
}

/// Whole tenths in integer arithmetic rather than `{:.1}`: the same text,
/// without the exact float formatter in the wasm, and a small negative value
/// reads `0.0` rather than the glitch-like `-0.0`.
fn one_decimal(value: f64) -> String {
    let tenths = (value * 10.0).round() as i64;
    let sign = if tenths < 0 { "-" } else { "" };
    let tenths = tenths.unsigned_abs();
    format!("{sign}{}.{}", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn temperatures_have_one_decimal_and_a_unit() {
        let table = [
            (21.42, TemperatureUnit::Celsius, "21.4 °C"),
            (21.45, TemperatureUnit::Celsius, "21.5 °C"),
            (4.0, TemperatureUnit::Celsius, "4.0 °C"),
            (-0.04, TemperatureUnit::Celsius, "0.0 °C"),
            (-12.36, TemperatureUnit::Celsius, "-12.4 °C"),
            (-0.06, TemperatureUnit::Celsius, "-0.1 °C"),
            (0.95, TemperatureUnit::Celsius, "1.0 °C"),
            (21.42, TemperatureUnit::Fahrenheit, "70.6 °F"),
            (-40.0, TemperatureUnit::Fahrenheit, "-40.0 °F"),
        ];
        for (celsius, unit, want) in table {
            assert_eq!(temperature(celsius, unit), want, "{celsius} in {unit:?}");
        }
    }

    #[wasm_bindgen_test]
    fn metric_values_read_naturally() {
        let c = TemperatureUnit::Celsius;
        let table = [
            (Metric::Temperature, 4.25, "4.3 °C"),
            (Metric::Humidity, 47.6, "48 %"),
            (Metric::Battery, 100.0, "100 %"),
            (Metric::Battery, -0.2, "0 %"),
            (Metric::Occupancy, 1.0, "Occupied"),
            (Metric::Occupancy, 0.0, "Clear"),
        ];
        for (metric, value, want) in table {
            assert_eq!(metric_value(metric, value, c), want, "{metric:?} {value}");
        }
    }

    #[wasm_bindgen_test]
    fn relative_ages() {
        let now = Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap();
        let ago = |s: i64| now - chrono::TimeDelta::seconds(s);
        let table = [
            (ago(-30), "just now"),
            (ago(0), "just now"),
            (ago(12), "12 s ago"),
            (ago(59), "59 s ago"),
            (ago(60), "1 min ago"),
            (ago(3_599), "59 min ago"),
            (ago(7_200), "2 h ago"),
            (ago(3 * 86_400), "3 d ago"),
        ];
        for (then, want) in table {
            assert_eq!(relative_age(then, now), want, "{then}");
        }
    }
}
