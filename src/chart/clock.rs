//! The browser's clocks: a high-resolution one for timing frames, and the
//! time zone, which the axis labels and the custom range inputs are in.

use leptos::prelude::window;
use wasm_bindgen::JsValue;

/// The browser's offset from UTC at `utc_ms`, in milliseconds to add.
pub(crate) fn local_offset_ms(utc_ms: i64) -> i64 {
    let minutes_west = js_sys::Date::new(&JsValue::from_f64(utc_ms as f64)).get_timezone_offset();
    -(minutes_west * 60_000.0) as i64
}

/// Reads local milliseconds (what a `datetime-local` input holds) as UTC,
/// with the offset in force at that time.
pub(crate) fn local_to_utc(local_ms: i64) -> i64 {
    let guess = local_ms - local_offset_ms(local_ms);
    local_ms - local_offset_ms(guess)
}

/// Milliseconds since the page started loading, to a few microseconds.
pub(crate) fn now_ms() -> f64 {
    window().performance().map_or(0.0, |p| p.now())
}

/// A duration in milliseconds to two decimals (`29.07`), in integer
/// arithmetic so the exact float formatter is not linked for it.
pub(crate) fn ms_text(ms: f64) -> String {
    let hundredths = (ms.max(0.0) * 100.0).round() as u64;
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

/// Milliseconds since the Unix epoch.
pub(crate) fn epoch_ms() -> i64 {
    js_sys::Date::now() as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn durations_read_to_the_hundredth() {
        let texts: Vec<_> = [29.066, 0.004, 1234.5, -1.0].map(ms_text).into();
        assert_eq!(texts, ["29.07", "0.00", "1234.50", "0.00"]);
    }
}
