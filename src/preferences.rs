//! The user's display preferences, kept in `localStorage` so they survive a
//! reload. Stored under the protocol's spelling (`celsius`, `fahrenheit`).

use hearth_core::TemperatureUnit;
use leptos::logging::warn;

const UNIT_KEY: &str = "hearth.temperature_unit";

/// The saved unit, or the default when nothing (or nothing readable) is saved.
pub(crate) fn load_unit() -> TemperatureUnit {
    storage()
        .and_then(|storage| storage.get_item(UNIT_KEY).ok().flatten())
        .and_then(|text| parse_unit(&text))
        .unwrap_or_default()
}

pub(crate) fn save_unit(unit: TemperatureUnit) {
    // Storage can be full or disabled (some private modes); the choice then
    // lasts for this visit only, which is worth a note but not an error.
    let saved = storage().is_some_and(|s| s.set_item(UNIT_KEY, unit.wire_name()).is_ok());
    if !saved {
        warn!("could not save the temperature unit; it applies to this visit only");
    }
}

fn parse_unit(text: &str) -> Option<TemperatureUnit> {
    TemperatureUnit::from_wire_name(text)
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn units_round_trip_through_their_stored_form() {
        for unit in [TemperatureUnit::Celsius, TemperatureUnit::Fahrenheit] {
            assert_eq!(parse_unit(unit.wire_name()), Some(unit));
        }
        assert_eq!(parse_unit("kelvin"), None);
        assert_eq!(parse_unit(""), None);
    }

    #[wasm_bindgen_test]
    fn saved_unit_is_loaded_back() {
        save_unit(TemperatureUnit::Fahrenheit);
        assert_eq!(load_unit(), TemperatureUnit::Fahrenheit);
        save_unit(TemperatureUnit::Celsius);
        assert_eq!(load_unit(), TemperatureUnit::Celsius);
    }
}
