//! Where things go on the canvas: the plot's frame inside the axes' margins,
//! and linear scales between data and CSS pixels.

use super::view::View;

/// Room left of the plot for value labels, below it for time labels.
const LEFT: f64 = 44.0;
const BOTTOM: f64 = 22.0;
const TOP: f64 = 8.0;
const RIGHT: f64 = 8.0;

/// A linear map from a domain onto a pixel range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Scale {
    d0: f64,
    d1: f64,
    r0: f64,
    r1: f64,
}

impl Scale {
    /// A flat domain is widened so it still maps somewhere sensible.
    pub(crate) fn new((d0, d1): (f64, f64), (r0, r1): (f64, f64)) -> Scale {
        let d1 = if d1 > d0 { d1 } else { d0 + 1.0 };
        Scale { d0, d1, r0, r1 }
    }

    pub(crate) fn px(&self, value: f64) -> f64 {
        self.r0 + (value - self.d0) * (self.r1 - self.r0) / (self.d1 - self.d0)
    }

    pub(crate) fn value(&self, px: f64) -> f64 {
        self.d0 + (px - self.r0) * (self.d1 - self.d0) / (self.r1 - self.r0)
    }
}

/// The canvas's size in CSS pixels and the plot area inside it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Frame {
    pub(crate) width: f64,
    pub(crate) height: f64,
}

impl Frame {
    pub(crate) fn left(&self) -> f64 {
        LEFT
    }

    pub(crate) fn top(&self) -> f64 {
        TOP
    }

    pub(crate) fn right(&self) -> f64 {
        (self.width - RIGHT).max(LEFT + 1.0)
    }

    pub(crate) fn bottom(&self) -> f64 {
        (self.height - BOTTOM).max(TOP + 1.0)
    }

    pub(crate) fn plot_width(&self) -> f64 {
        self.right() - self.left()
    }

    /// Whole pixel columns of the plot, what decimation aims for.
    pub(crate) fn columns(&self) -> usize {
        self.plot_width().max(1.0) as usize
    }

    pub(crate) fn x(&self, view: View) -> Scale {
        Scale::new(
            (view.from as f64, view.to as f64),
            (self.left(), self.right()),
        )
    }

    pub(crate) fn y(&self, (low, high): (f64, f64)) -> Scale {
        Scale::new((low, high), (self.bottom(), self.top()))
    }

    /// Where `x` (CSS pixels from the canvas's left) falls across the plot,
    /// 0 at its left edge and 1 at its right.
    pub(crate) fn fraction(&self, x: f64) -> f64 {
        ((x - self.left()) / self.plot_width()).clamp(0.0, 1.0)
    }
}

/// A value range with a little air above and below, so a line never runs
/// along the frame; a flat series gets a unit either side.
pub(crate) fn padded((low, high): (f64, f64)) -> (f64, f64) {
    if !(low.is_finite() && high.is_finite()) {
        return (0.0, 1.0);
    }
    if high - low < 1e-9 {
        return (low - 1.0, high + 1.0);
    }
    let air = (high - low) * 0.05;
    (low - air, high + air)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn scales_map_both_ways() {
        let frame = Frame {
            width: 544.0,
            height: 230.0,
        };
        let x = frame.x(View { from: 0, to: 1_000 });
        assert_eq!(x.px(0.0), 44.0);
        assert_eq!(x.px(1_000.0), 536.0);
        assert_eq!(x.value(290.0), 500.0);
        let y = frame.y((10.0, 20.0));
        assert_eq!(y.px(10.0), 208.0, "low values at the bottom");
        assert_eq!(y.px(20.0), 8.0);
        assert_eq!(frame.fraction(0.0), 0.0);
        assert_eq!(frame.fraction(290.0), 0.5);
        assert_eq!(frame.columns(), 492);
    }

    #[wasm_bindgen_test]
    fn value_ranges_get_air_and_flat_ones_a_width() {
        assert_eq!(padded((10.0, 20.0)), (9.5, 20.5));
        assert_eq!(padded((5.0, 5.0)), (4.0, 6.0));
        assert_eq!(padded((f64::INFINITY, f64::NEG_INFINITY)), (0.0, 1.0));
    }
}
