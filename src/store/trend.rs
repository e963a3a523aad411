//! Which way a temperature is heading: the latest value compared with the one
//! about ten minutes earlier, from a short ring of recent samples.

use std::collections::VecDeque;

use chrono::{DateTime, TimeDelta, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trend {
    Rising,
    Falling,
    Steady,
}

impl Trend {
    pub(crate) fn arrow(self) -> &'static str {
        match self {
            Trend::Rising => "↑",
            Trend::Falling => "↓",
            Trend::Steady => "→",
        }
    }

    /// The words a screen reader says instead of the arrow.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Trend::Rising => "rising",
            Trend::Falling => "falling",
            Trend::Steady => "steady",
        }
    }
}

/// Recent samples of one sensor, oldest first, trimmed to what the trend needs.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct TrendHistory {
    samples: VecDeque<(DateTime<Utc>, f64)>,
}

impl TrendHistory {
    /// How far back the latest value is compared.
    const WINDOW: TimeDelta = TimeDelta::minutes(10);
    /// With less history than the window, the oldest sample is used once it is
    /// at least this old; younger history is too short to call a direction.
    const MIN_SPAN: TimeDelta = TimeDelta::minutes(3);
    /// A change smaller than this (in °C) is noise, shown as steady.
    const THRESHOLD: f64 = 0.2;
    /// A bound on memory should a sensor report far more often than expected.
    const CAPACITY: usize = 1024;

    /// Adds a sample. Samples no newer than the latest are ignored: a snapshot
    /// after a reconnect repeats readings already seen.
    pub(crate) fn push(&mut self, at: DateTime<Utc>, value: f64) {
        if self.samples.back().is_some_and(|(last, _)| *last >= at) || !value.is_finite() {
            return;
        }
        self.samples.push_back((at, value));
        // Keep exactly one sample at or before the window's start: it is the
        // reference the next trend is computed against.
        let start = at - Self::WINDOW;
        while self.samples.len() > 1 && self.samples[1].0 <= start {
            self.samples.pop_front();
        }
        while self.samples.len() > Self::CAPACITY {
            self.samples.pop_front();
        }
    }

    /// The direction over the last window, or `None` while history is too short.
    pub(crate) fn trend(&self) -> Option<Trend> {
        let (latest_at, latest) = *self.samples.back()?;
        let (reference_at, reference) = *self.samples.front()?;
        if latest_at - reference_at < Self::MIN_SPAN {
            return None;
        }
        let change = latest - reference;
        // The epsilon keeps a change of exactly the threshold (0.2 as the sum of
        // binary fractions) from reading as steady.
        Some(if change >= Self::THRESHOLD - 1e-9 {
            Trend::Rising
        } else if change <= -Self::THRESHOLD + 1e-9 {
            Trend::Falling
        } else {
            Trend::Steady
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn at(minutes: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap() + TimeDelta::minutes(minutes)
    }

    fn check(samples: &[(i64, f64)], want: Option<Trend>) {
        let mut history = TrendHistory::default();
        for (minute, value) in samples {
            history.push(at(*minute), *value);
        }
        assert_eq!(history.trend(), want, "samples {samples:?}");
    }

    #[wasm_bindgen_test]
    fn trend_table() {
        use Trend::*;
        check(&[], None);
        check(&[(0, 20.0)], None);
        // Too short a span to call.
        check(&[(0, 20.0), (2, 25.0)], None);
        check(&[(0, 21.4), (10, 21.6)], Some(Rising));
        check(&[(0, 21.6), (10, 21.4)], Some(Falling));
        check(&[(0, 21.4), (10, 21.59)], Some(Steady));
        check(&[(0, 21.4), (5, 21.45)], Some(Steady));
        // Compared with the value ten minutes back, not the oldest ever seen.
        check(
            &[(0, 10.0), (5, 21.0), (15, 21.1), (16, 21.1)],
            Some(Steady),
        );
        check(&[(0, 30.0), (10, 20.0), (20, 20.5)], Some(Rising));
        // A repeated or out-of-order sample changes nothing.
        check(
            &[(0, 21.0), (10, 22.0), (10, 15.0), (5, 15.0)],
            Some(Rising),
        );
    }

    #[wasm_bindgen_test]
    fn history_stays_short() {
        let mut history = TrendHistory::default();
        for second in 0..3_600 {
            history.push(at(0) + TimeDelta::seconds(second), 20.0);
        }
        // Ten minutes of one-second samples plus the reference sample.
        assert_eq!(history.samples.len(), 601);
        let mut flood = TrendHistory::default();
        for ms in 0..3_000 {
            flood.push(at(0) + TimeDelta::milliseconds(ms), 20.0);
        }
        assert_eq!(flood.samples.len(), TrendHistory::CAPACITY);
    }
}
