//! Stepping a setpoint up or down within what the device accepts.

/// A device's setpoint capability, in °C.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SetpointRange {
    pub(crate) min: f64,
    pub(crate) max: f64,
    pub(crate) step: f64,
}

impl SetpointRange {
    /// The setpoint one step up (or down) from `current`, on the device's step
    /// grid and within its range; `None` when already at that end. An unknown
    /// current setpoint starts from the middle of the range.
    pub(crate) fn nudge(&self, current: Option<f64>, up: bool) -> Option<f64> {
        let current = current.unwrap_or((self.min + self.max) / 2.0);
        let delta = if up { self.step } else { -self.step };
        let raw = current + delta;
        // Snapping to the grid keeps repeated steps of 0.1 from drifting to
        // 21.700000000000003, and corrects a setpoint set off-grid elsewhere.
        let snapped = if self.step > 0.0 {
            (raw / self.step).round() * self.step
        } else {
            raw
        };
        let next = snapped.clamp(self.min, self.max);
        ((next - current).abs() > 1e-9).then_some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn nudge_table() {
        let ac = SetpointRange {
            min: 16.0,
            max: 30.0,
            step: 0.5,
        };
        let fine = SetpointRange {
            min: 1.0,
            max: 8.0,
            step: 0.1,
        };
        let table = [
            (ac, Some(22.0), true, Some(22.5)),
            (ac, Some(22.0), false, Some(21.5)),
            (ac, Some(30.0), true, None),
            (ac, Some(16.0), false, None),
            (ac, Some(29.9), true, Some(30.0)),
            (ac, Some(22.2), true, Some(22.5)),
            (ac, None, true, Some(23.5)),
            (fine, Some(4.0), true, Some(4.1)),
            (fine, Some(1.0), false, None),
        ];
        for (range, current, up, want) in table {
            let got = range.nudge(current, up);
            match (got, want) {
                (Some(got), Some(want)) => {
                    assert!((got - want).abs() < 1e-9, "{current:?} up={up}: {got}")
                }
                _ => assert_eq!(got, want, "{current:?} up={up}"),
            }
        }
    }
}
