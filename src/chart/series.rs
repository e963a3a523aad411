//! One line on the chart as the history API gives it: the downsampled line,
//! and per-bucket min/max/mean for the band behind it.

use hearth_core::downsample::{Bucket, Point};

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Series {
    /// Time-ordered; a NaN value marks a gap.
    pub(crate) points: Vec<Point>,
    /// Time-ordered, each `bucket_ms` wide; empty for raw readings.
    pub(crate) buckets: Vec<Bucket>,
    pub(crate) bucket_ms: i64,
}

impl Series {
    /// Whether buckets summarise several readings each, so the band and the
    /// tooltip's min/max say something the line does not.
    pub(crate) fn is_aggregated(&self) -> bool {
        self.buckets.iter().any(|b| b.count > 1)
    }

    /// Neighbours further apart than this are drawn with a gap between them:
    /// a few buckets' width for rollups, or (for raw readings) ten times the
    /// typical spacing, so a sensor that stops reporting leaves a visible hole.
    pub(crate) fn gap_ms(&self) -> i64 {
        if self.bucket_ms > 0 && self.is_aggregated() {
            return self.bucket_ms * 3;
        }
        let mut steps: Vec<i64> = self
            .points
            .windows(2)
            .map(|w| w[1].t - w[0].t)
            .filter(|step| *step > 0)
            .take(64)
            .collect();
        if steps.is_empty() {
            return i64::MAX;
        }
        // An insertion sort of at most 64 steps: the standard library's sorts
        // cost kilobytes of wasm.
        for i in 1..steps.len() {
            let mut j = i;
            while j > 0 && steps[j - 1] > steps[j] {
                steps.swap(j - 1, j);
                j -= 1;
            }
        }
        steps[steps.len() / 2].saturating_mul(10)
    }

    /// Appends a live reading, unless it is not newer than the last point.
    pub(crate) fn push_live(&mut self, point: Point) -> bool {
        let newer = self.points.last().is_none_or(|last| point.t > last.t);
        if newer {
            self.points.push(point);
        }
        newer
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn raw_series_break_at_ten_typical_steps() {
        let series = Series {
            points: (0..10).map(|i| Point::new(i * 2_000, 1.0)).collect(),
            ..Series::default()
        };
        assert_eq!(series.gap_ms(), 20_000);
        assert!(!series.is_aggregated());
        assert_eq!(Series::default().gap_ms(), i64::MAX);
    }

    #[wasm_bindgen_test]
    fn rollups_break_after_three_missing_buckets_and_live_points_only_append() {
        let mut bucket = Bucket::sample(0, 1.0);
        bucket.count = 60;
        let mut series = Series {
            points: vec![Point::new(0, 1.0)],
            buckets: vec![bucket],
            bucket_ms: 60_000,
        };
        assert!(series.is_aggregated());
        assert_eq!(series.gap_ms(), 180_000);
        assert!(series.push_live(Point::new(5, 2.0)));
        assert!(!series.push_live(Point::new(5, 3.0)));
        assert_eq!(series.points.len(), 2);
    }
}
