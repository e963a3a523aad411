//! The chart in words for screen readers: the lowest, highest and mean value
//! in view.

use hearth_core::downsample::{Bucket, Point};

use super::view::View;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Summary {
    pub(crate) min: f64,
    pub(crate) max: f64,
    pub(crate) mean: f64,
}

/// Summarises what `view` shows: from the buckets when there are any (they
/// hold every reading's extremes and count, where the line holds a sample),
/// else from the points. `None` when nothing is in view.
pub(crate) fn summarise(points: &[Point], buckets: &[Bucket], view: View) -> Option<Summary> {
    let inside = |t: i64| t >= view.from && t < view.to;
    let (mut min, mut max, mut sum, mut count) = (f64::INFINITY, f64::NEG_INFINITY, 0.0, 0.0);
    if buckets.is_empty() {
        for p in points.iter().filter(|p| inside(p.t) && !p.is_gap()) {
            min = min.min(p.v);
            max = max.max(p.v);
            sum += p.v;
            count += 1.0;
        }
    } else {
        for b in buckets.iter().filter(|b| inside(b.t) && b.count > 0) {
            min = min.min(b.min);
            max = max.max(b.max);
            sum += b.mean * b.count as f64;
            count += b.count as f64;
        }
    }
    (count > 0.0).then(|| Summary {
        min,
        max,
        mean: sum / count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn points_in_view_are_summarised() {
        let points = [
            Point::new(0, 9.0),
            Point::new(10, 1.0),
            Point::gap(15),
            Point::new(20, 3.0),
            Point::new(100, 50.0),
        ];
        let got = summarise(&points, &[], View { from: 5, to: 100 });
        assert_eq!(
            got,
            Some(Summary {
                min: 1.0,
                max: 3.0,
                mean: 2.0
            })
        );
        assert_eq!(summarise(&points, &[], View { from: 30, to: 90 }), None);
    }

    #[wasm_bindgen_test]
    fn buckets_weigh_their_means_by_count() {
        let wide = Bucket {
            t: 0,
            min: 0.0,
            max: 10.0,
            mean: 4.0,
            count: 3,
            last: 1.0,
        };
        let one = Bucket::sample(60, 8.0);
        let got = summarise(
            &[Point::new(0, 99.0)],
            &[wide, one],
            View { from: 0, to: 120 },
        );
        assert_eq!(
            got,
            Some(Summary {
                min: 0.0,
                max: 10.0,
                mean: 5.0
            })
        );
    }
}
