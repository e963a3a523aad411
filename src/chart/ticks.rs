//! Axis ticks: round values (1, 2 or 5 times a power of ten) up the side, and
//! round local times (minutes, hours, midnights, first days of months) along
//! the bottom, each with the label that suits its spacing.

use super::time_text::{self, Civil};
use super::view::{DAY, HOUR, MINUTE};

/// Roughly `count` round values covering `[low, high]`, ascending.
pub(crate) fn values(low: f64, high: f64, count: usize) -> Vec<f64> {
    if !(low.is_finite() && high.is_finite()) || high <= low || count == 0 {
        return Vec::new();
    }
    let rough = (high - low) / count as f64;
    // The power of ten at or below `rough`, found by stepping rather than
    // with `log10` and `powf`, whose implementations would be linked into
    // the wasm for this alone.
    let mut power = 1.0;
    while power > rough {
        power /= 10.0;
    }
    while power * 10.0 <= rough {
        power *= 10.0;
    }
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|step| *step >= rough)
        .unwrap_or(10.0 * power);
    let first = (low / step).ceil() as i64;
    let last = (high / step).floor() as i64;
    (first..=last).map(|i| i as f64 * step).collect()
}

/// A value tick's label: whole numbers as they are, others to one decimal
/// (ticks are round, so that is all they need), in integer arithmetic.
pub(crate) fn value_label(value: f64) -> String {
    let tenths = (value * 10.0).round() as i64;
    let sign = if tenths < 0 { "-" } else { "" };
    let (whole, tenth) = (tenths.unsigned_abs() / 10, tenths.unsigned_abs() % 10);
    if tenth == 0 {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{tenth}")
    }
}

/// How far apart time ticks are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeStep {
    /// A fixed number of milliseconds, aligned to local midnight.
    Fixed(i64),
    /// A number of calendar months, aligned to January.
    Months(u32),
}

const FIXED: [i64; 13] = [
    MINUTE,
    2 * MINUTE,
    5 * MINUTE,
    10 * MINUTE,
    15 * MINUTE,
    30 * MINUTE,
    HOUR,
    2 * HOUR,
    3 * HOUR,
    6 * HOUR,
    12 * HOUR,
    DAY,
    2 * DAY,
];

/// The smallest step that gives at most `count` ticks over `span` ms.
pub(crate) fn time_step(span: i64, count: usize) -> TimeStep {
    let rough = span / count.max(1) as i64;
    if let Some(step) = FIXED.into_iter().find(|step| *step >= rough) {
        return TimeStep::Fixed(step);
    }
    if rough <= 7 * DAY {
        return TimeStep::Fixed(7 * DAY);
    }
    let months = [1, 2, 3, 6, 12, 24]
        .into_iter()
        .find(|m| i64::from(*m) * 30 * DAY >= rough)
        .unwrap_or(24);
    TimeStep::Months(months)
}

/// Tick positions in local milliseconds within `[from, to]` (also local).
pub(crate) fn times(from: i64, to: i64, step: TimeStep) -> Vec<i64> {
    match step {
        TimeStep::Fixed(step) => {
            let first =
                from.div_euclid(step) * step + if from.rem_euclid(step) == 0 { 0 } else { step };
            (0..)
                .map(|i| first + i * step)
                .take_while(|t| *t <= to)
                .collect()
        }
        TimeStep::Months(months) => {
            let start = Civil::from_local_ms(from);
            let mut index = start.year * 12 + i64::from(start.month - 1);
            index = index.div_euclid(i64::from(months)) * i64::from(months);
            let mut ticks = Vec::new();
            loop {
                let civil = Civil {
                    year: index.div_euclid(12),
                    month: index.rem_euclid(12) as u32 + 1,
                    day: 1,
                    hour: 0,
                    minute: 0,
                };
                let t = civil.to_local_ms();
                if t > to {
                    return ticks;
                }
                if t >= from {
                    ticks.push(t);
                }
                index += i64::from(months);
            }
        }
    }
}

/// A tick's label: the time of day for steps under a day (the date at
/// midnight), the date for steps of days, the month for steps of months.
pub(crate) fn time_label(local_ms: i64, step: TimeStep) -> String {
    match step {
        TimeStep::Fixed(step) if step < DAY && local_ms.rem_euclid(DAY) != 0 => {
            time_text::clock(local_ms)
        }
        TimeStep::Fixed(_) => time_text::day_month(local_ms),
        TimeStep::Months(_) => time_text::month_year(local_ms),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn value_ticks_are_round() {
        let table: [(f64, f64, usize, &[f64]); 5] = [
            (0.0, 10.0, 5, &[0.0, 2.0, 4.0, 6.0, 8.0, 10.0]),
            (18.3, 22.9, 5, &[19.0, 20.0, 21.0, 22.0]),
            (-3.2, 1.1, 5, &[-3.0, -2.0, -1.0, 0.0, 1.0]),
            (0.0, 100.0, 4, &[0.0, 50.0, 100.0]),
            (5.0, 5.0, 4, &[]),
        ];
        for (low, high, count, want) in table {
            assert_eq!(values(low, high, count), want, "{low}..{high}");
        }
    }

    #[wasm_bindgen_test]
    fn value_labels_are_short() {
        let labels: Vec<_> = [20.0, 0.30000000000000004, -2.5, -0.04, 1e3]
            .map(value_label)
            .into();
        assert_eq!(labels, ["20", "0.3", "-2.5", "0", "1000"]);
    }

    #[wasm_bindgen_test]
    fn time_steps_follow_the_span() {
        let table = [
            (HOUR, 6, TimeStep::Fixed(10 * MINUTE)),
            (DAY, 6, TimeStep::Fixed(6 * HOUR)),
            (7 * DAY, 7, TimeStep::Fixed(DAY)),
            (30 * DAY, 6, TimeStep::Fixed(7 * DAY)),
            (365 * DAY, 6, TimeStep::Months(3)),
            (700 * DAY, 6, TimeStep::Months(6)),
        ];
        for (span, count, want) in table {
            assert_eq!(time_step(span, count), want, "{span} ms in {count}");
        }
    }

    #[wasm_bindgen_test]
    fn time_ticks_land_on_round_local_times_with_fitting_labels() {
        // 2026-11-26 14:05 local to 20:05.
        let from = 1_795_701_900_000;
        let step = TimeStep::Fixed(2 * HOUR);
        let ticks = times(from, from + 6 * HOUR, step);
        let labels: Vec<_> = ticks.iter().map(|t| time_label(*t, step)).collect();
        assert_eq!(labels, ["16:00", "18:00", "20:00"]);
        let step = TimeStep::Fixed(6 * HOUR);
        let labels: Vec<_> = times(from, from + DAY, step)
            .iter()
            .map(|t| time_label(*t, step))
            .collect();
        assert_eq!(labels, ["18:00", "27 Nov", "06:00", "12:00"]);
        let step = TimeStep::Months(3);
        let labels: Vec<_> = times(from - 300 * DAY, from, step)
            .iter()
            .map(|t| time_label(*t, step))
            .collect();
        assert_eq!(labels, ["Apr 2026", "Jul 2026", "Oct 2026"]);
    }
}
