//! Hit-testing: which point (and which bucket) is under the pointer.

use hearth_core::downsample::{Bucket, Point};

/// The index of the point nearest in time to `t`, skipping gap markers.
pub(crate) fn nearest(points: &[Point], t: i64) -> Option<usize> {
    let split = points.partition_point(|p| p.t < t);
    let before = points[..split].iter().rposition(|p| !p.is_gap());
    let after = points[split..]
        .iter()
        .position(|p| !p.is_gap())
        .map(|i| split + i);
    match (before, after) {
        (Some(b), Some(a)) => Some(if t - points[b].t <= points[a].t - t {
            b
        } else {
            a
        }),
        (b, a) => b.or(a),
    }
}

/// The bucket `[b.t, b.t + width)` holding `t`, if there is one.
pub(crate) fn bucket_at(buckets: &[Bucket], t: i64, width: i64) -> Option<&Bucket> {
    let index = buckets.partition_point(|b| b.t <= t).checked_sub(1)?;
    let bucket = &buckets[index];
    (t < bucket.t + width).then_some(bucket)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn the_nearest_real_point_wins() {
        let points = [
            Point::new(0, 1.0),
            Point::new(10, 2.0),
            Point::gap(15),
            Point::new(30, 3.0),
        ];
        let table = [
            (-5, Some(0)),
            (4, Some(0)),
            (6, Some(1)),
            (16, Some(1)),
            (21, Some(3)),
            (99, Some(3)),
        ];
        for (t, want) in table {
            assert_eq!(nearest(&points, t), want, "at {t}");
        }
        assert_eq!(nearest(&[], 5), None);
        assert_eq!(nearest(&[Point::gap(1)], 5), None);
    }

    #[wasm_bindgen_test]
    fn buckets_are_found_only_inside_their_width() {
        let buckets = [Bucket::sample(0, 1.0), Bucket::sample(120, 2.0)];
        assert_eq!(bucket_at(&buckets, 59, 60).map(|b| b.t), Some(0));
        assert_eq!(bucket_at(&buckets, 60, 60), None, "a gap has no bucket");
        assert_eq!(bucket_at(&buckets, 150, 60).map(|b| b.t), Some(120));
        assert_eq!(bucket_at(&buckets, -1, 60), None);
    }
}
