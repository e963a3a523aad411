//! The time window a chart shows, in milliseconds since the Unix epoch, and
//! how panning, zooming and box-selecting move it.

pub(crate) const MINUTE: i64 = 60_000;
pub(crate) const HOUR: i64 = 60 * MINUTE;
pub(crate) const DAY: i64 = 24 * HOUR;

/// Zooming stops at a minute (a few raw readings) and at two years.
pub(crate) const MIN_SPAN: i64 = MINUTE;
pub(crate) const MAX_SPAN: i64 = 2 * 366 * DAY;

/// The range buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Span {
    Hour,
    Day,
    Week,
    Month,
    Year,
}

impl Span {
    pub(crate) const ALL: [Span; 5] = [Span::Hour, Span::Day, Span::Week, Span::Month, Span::Year];

    pub(crate) fn label(self) -> &'static str {
        match self {
            Span::Hour => "1h",
            Span::Day => "24h",
            Span::Week => "7d",
            Span::Month => "30d",
            Span::Year => "1y",
        }
    }

    pub(crate) fn ms(self) -> i64 {
        match self {
            Span::Hour => HOUR,
            Span::Day => DAY,
            Span::Week => 7 * DAY,
            Span::Month => 30 * DAY,
            Span::Year => 365 * DAY,
        }
    }
}

/// A window `[from, to)` at least [`MIN_SPAN`] and at most [`MAX_SPAN`] long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct View {
    pub(crate) from: i64,
    pub(crate) to: i64,
}

impl View {
    /// The window ending at `to`, `span` long (clamped to the allowed spans).
    pub(crate) fn ending(to: i64, span: i64) -> View {
        View {
            from: to - span.clamp(MIN_SPAN, MAX_SPAN),
            to,
        }
    }

    /// The window between two instants in either order, widened about its
    /// middle to [`MIN_SPAN`] when they are closer than that.
    pub(crate) fn between(a: i64, b: i64) -> View {
        let (from, to) = (a.min(b), a.max(b));
        let span = (to - from).clamp(MIN_SPAN, MAX_SPAN);
        let middle = from + (to - from) / 2;
        View {
            from: middle - span / 2,
            to: middle - span / 2 + span,
        }
    }

    pub(crate) fn span(self) -> i64 {
        self.to - self.from
    }

    /// Moves the window by `fraction` of its span; positive moves later.
    pub(crate) fn pan(self, fraction: f64) -> View {
        let shift = (self.span() as f64 * fraction).round() as i64;
        View {
            from: self.from + shift,
            to: self.to + shift,
        }
    }

    /// Scales the span by `factor` (below 1 zooms in) keeping the instant at
    /// `anchor` (0 = left edge, 1 = right edge) where it is on screen.
    pub(crate) fn zoom(self, factor: f64, anchor: f64) -> View {
        let anchor = anchor.clamp(0.0, 1.0);
        let span = ((self.span() as f64 * factor).round() as i64).clamp(MIN_SPAN, MAX_SPAN);
        let pivot = self.from + (self.span() as f64 * anchor).round() as i64;
        let from = pivot - (span as f64 * anchor).round() as i64;
        View {
            from,
            to: from + span,
        }
    }

    /// Whether the window reaches the present, so new readings belong in it:
    /// its end is no more than 2 % of its span (or 5 s) before `now`.
    pub(crate) fn is_live(self, now: i64) -> bool {
        self.to >= now - (self.span() / 50).max(5_000)
    }

    /// The same span, ending at `now`.
    pub(crate) fn follow(self, now: i64) -> View {
        View::ending(now, self.span())
    }

    /// Whether this window is one of the range buttons' spans ending near `now`.
    pub(crate) fn matches(self, span: Span, now: i64) -> bool {
        self.span() == span.ms() && self.is_live(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    const NOW: i64 = 1_795_000_000_000;

    #[wasm_bindgen_test]
    fn range_buttons_end_now() {
        for span in Span::ALL {
            let view = View::ending(NOW, span.ms());
            assert_eq!((view.to, view.span()), (NOW, span.ms()), "{}", span.label());
            assert!(view.matches(span, NOW));
        }
    }

    #[wasm_bindgen_test]
    fn zoom_keeps_the_anchor_in_place_and_respects_the_limits() {
        let day = View::ending(NOW, DAY);
        let table = [
            // (factor, anchor, expected from, expected to)
            (0.5, 0.0, day.from, day.from + 12 * HOUR),
            (0.5, 1.0, NOW - 12 * HOUR, NOW),
            (0.5, 0.5, day.from + 6 * HOUR, NOW - 6 * HOUR),
            (2.0, 1.0, NOW - 2 * DAY, NOW),
            (1e-9, 0.0, day.from, day.from + MIN_SPAN),
            (1e9, 1.0, NOW - MAX_SPAN, NOW),
        ];
        for (factor, anchor, from, to) in table {
            assert_eq!(
                day.zoom(factor, anchor),
                View { from, to },
                "{factor} at {anchor}"
            );
        }
    }

    #[wasm_bindgen_test]
    fn pan_moves_by_a_share_of_the_span() {
        let hour = View::ending(NOW, HOUR);
        assert_eq!(
            hour.pan(-0.5),
            View {
                from: NOW - 90 * MINUTE,
                to: NOW - 30 * MINUTE
            }
        );
        assert_eq!(hour.pan(0.25).to, NOW + 15 * MINUTE);
    }

    #[wasm_bindgen_test]
    fn box_select_orders_its_ends_and_never_goes_below_a_minute() {
        assert_eq!(
            View::between(NOW, NOW - HOUR),
            View {
                from: NOW - HOUR,
                to: NOW
            }
        );
        let tiny = View::between(NOW, NOW + 1_000);
        assert_eq!(tiny.span(), MIN_SPAN);
        assert!(tiny.from <= NOW && tiny.to >= NOW + 1_000);
    }

    #[wasm_bindgen_test]
    fn live_while_the_end_is_close_to_now() {
        let day = View::ending(NOW, DAY);
        assert!(day.is_live(NOW));
        assert!(day.is_live(NOW + 20 * MINUTE));
        assert!(!day.is_live(NOW + HOUR));
        assert!(!day.pan(-0.5).is_live(NOW));
        assert_eq!(day.follow(NOW + HOUR), View::ending(NOW + HOUR, DAY));
        assert!(!day.matches(Span::Week, NOW));
    }
}
