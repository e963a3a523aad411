//! Shrinking a time series for a chart, the same way in the hub and the browser:
//! LTTB (Largest-Triangle-Three-Buckets) for the line, and a min/max envelope of
//! fixed-width time buckets for the band drawn behind it.
//!
//! Gaps survive both. A gap is a point whose value is NaN, or two neighbours
//! further apart than the caller's `gap`; in LTTB's output it is one point with a
//! NaN value (`null` on the wire), where a chart lifts its pen. The envelope
//! simply has no bucket where there was no data.
//!
//! Extremes survive too: the envelope carries every bucket's min and max by
//! construction, and the line keeps each contiguous segment's lowest and
//! highest point (they take the place of LTTB's pick in their bucket).

use std::borrow::Cow;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One sample: milliseconds since the Unix epoch, and a value. A NaN value marks
/// a gap; on the wire it is `null`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub t: i64,
    #[serde(serialize_with = "nan_as_null", deserialize_with = "null_as_nan")]
    pub v: f64,
}

impl Point {
    pub fn new(t: i64, v: f64) -> Point {
        Point { t, v }
    }

    /// The marker LTTB puts where a gap is.
    pub fn gap(t: i64) -> Point {
        Point { t, v: f64::NAN }
    }

    pub fn is_gap(&self) -> bool {
        self.v.is_nan()
    }
}

fn nan_as_null<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    if value.is_finite() {
        serializer.serialize_f64(*value)
    } else {
        serializer.serialize_none()
    }
}

fn null_as_nan<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or(f64::NAN))
}

/// Summary of the samples in one time bucket `[t, t + width)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    /// Start of the bucket, milliseconds since the Unix epoch.
    pub t: i64,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    pub count: u64,
    /// The value of the bucket's latest sample.
    pub last: f64,
}

impl Bucket {
    /// A bucket holding one sample.
    pub fn sample(t: i64, value: f64) -> Bucket {
        Bucket {
            t,
            min: value,
            max: value,
            mean: value,
            count: 1,
            last: value,
        }
    }

    /// Folds a later bucket (or sample) into this one; `self.t` is kept.
    pub fn absorb(&mut self, later: &Bucket) {
        let count = self.count + later.count;
        if count == 0 {
            return;
        }
        let (mine, theirs) = (self.count as f64, later.count as f64);
        self.mean = (self.mean * mine + later.mean * theirs) / count as f64;
        self.min = self.min.min(later.min);
        self.max = self.max.max(later.max);
        self.count = count;
        self.last = later.last;
    }
}

/// Merges time-ordered buckets (or single samples, see [`Bucket::sample`]) into
/// buckets `width_ms` wide, aligned to the Unix epoch. Buckets with a NaN mean
/// are skipped; time with no data gets no bucket, so gaps stay gaps.
pub fn envelope(buckets: impl IntoIterator<Item = Bucket>, width_ms: i64) -> Vec<Bucket> {
    let width = width_ms.max(1);
    let mut merged: Vec<Bucket> = Vec::new();
    for bucket in buckets.into_iter().filter(|b| !b.mean.is_nan()) {
        let start = bucket.t.div_euclid(width) * width;
        match merged.last_mut() {
            Some(open) if open.t == start => open.absorb(&bucket),
            _ => merged.push(Bucket { t: start, ..bucket }),
        }
    }
    merged
}

/// Downsamples `points` (ordered by time) to at most `max_points` with LTTB.
///
/// The input is first read as contiguous segments: a NaN value, or neighbours
/// more than `gap_ms` apart, separate two segments. The output holds the
/// segments' points with one gap marker ([`Point::gap`], halfway across) between
/// neighbouring segments, and has exactly `min(m, max_points)` points, where `m`
/// is that count before downsampling (leading, trailing and repeated NaNs add
/// nothing to `m`).
///
/// - Each segment keeps its first and last point, and its lowest and highest
///   (should those two share an LTTB bucket, the highest; the envelope carries
///   the lowest).
/// - Segments share the budget in proportion to their length.
/// - When the budget is too small for every gap (each needs a marker and two
///   edge points), the widest gaps are kept and the narrowest bridged.
/// - `max_points` 1 gives the latest point; 2 gives the first and the latest.
pub fn lttb(points: &[Point], max_points: usize, gap_ms: i64) -> Vec<Point> {
    let segments = segments(points, gap_ms);
    let finite: usize = segments.iter().map(|s| s.len).sum();
    if max_points == 0 || finite == 0 {
        return Vec::new();
    }
    if max_points == 1 {
        return segments
            .last()
            .map(|last| points[last.end - 1])
            .into_iter()
            .collect();
    }
    let breaks = segments.len() - 1;
    if finite + breaks <= max_points {
        return join(
            segments
                .iter()
                .map(|s| s.points(points).into_owned())
                .collect(),
        );
    }
    // Keep as many gaps as the budget allows: all the points plus some markers
    // if the points fit, otherwise a marker and two edges for each kept gap.
    let keep = if finite < max_points {
        max_points - finite
    } else {
        ((max_points - 2) / 3).min(breaks)
    };
    let segments = bridge(points, segments, keep);
    let budget = max_points - (segments.len() - 1);
    let shares = shares(&segments, budget);
    join(
        segments
            .iter()
            .zip(shares)
            .map(|(segment, share)| downsample_segment(&segment.points(points), share))
            .collect(),
    )
}

/// A run of the input, `start..end`, holding `len` finite points. Found runs
/// hold nothing else; a bridged run may also hold the NaNs it bridged.
#[derive(Debug, Clone, Copy)]
struct Segment {
    start: usize,
    end: usize,
    len: usize,
}

impl Segment {
    /// The run's finite points, borrowed from the input unless NaNs must go.
    fn points<'a>(&self, points: &'a [Point]) -> Cow<'a, [Point]> {
        let run = &points[self.start..self.end];
        if self.len == run.len() {
            Cow::Borrowed(run)
        } else {
            Cow::Owned(run.iter().filter(|p| !p.is_gap()).copied().collect())
        }
    }
}

/// The runs of finite points, split at NaNs and at jumps wider than `gap_ms`.
/// Runs are index ranges, so a million points are not copied to be read.
fn segments(points: &[Point], gap_ms: i64) -> Vec<Segment> {
    let run = |start, end| Segment {
        start,
        end,
        len: end - start,
    };
    let mut segments: Vec<Segment> = Vec::new();
    let mut open: Option<usize> = None;
    let mut previous = i64::MIN;
    for (index, point) in points.iter().enumerate() {
        if point.is_gap() {
            segments.extend(open.take().map(|start| run(start, index)));
            continue;
        }
        match open {
            Some(start) if point.t.saturating_sub(previous) > gap_ms => {
                segments.push(run(start, index));
                open = Some(index);
            }
            Some(_) => {}
            None => open = Some(index),
        }
        previous = point.t;
    }
    segments.extend(open.map(|start| run(start, points.len())));
    segments
}

/// Joins neighbouring runs, leaving only the `keep` widest gaps between them.
fn bridge(points: &[Point], segments: Vec<Segment>, keep: usize) -> Vec<Segment> {
    let mut widths: Vec<(i64, usize)> = segments
        .windows(2)
        .enumerate()
        .map(|(i, pair)| {
            let width = points[pair[1].start]
                .t
                .saturating_sub(points[pair[0].end - 1].t);
            (width, i)
        })
        .collect();
    // Widest first; among equals the earlier gap wins, so the result is stable.
    widths.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut kept = vec![false; widths.len()];
    for (_, index) in widths.into_iter().take(keep) {
        kept[index] = true;
    }
    let mut joined: Vec<Segment> = Vec::new();
    for (index, segment) in segments.into_iter().enumerate() {
        match joined.last_mut() {
            Some(open) if !kept[index - 1] => {
                open.end = segment.end;
                open.len += segment.len;
            }
            _ => joined.push(segment),
        }
    }
    joined
}

/// Splits `budget` points between segments: each gets its edges (or its only
/// point), the rest goes in proportion to length, largest remainders first.
fn shares(segments: &[Segment], budget: usize) -> Vec<usize> {
    let base: Vec<usize> = segments.iter().map(|s| s.len.min(2)).collect();
    let spare_room: Vec<usize> = segments.iter().zip(&base).map(|(s, b)| s.len - b).collect();
    let room: usize = spare_room.iter().sum();
    let spare = budget.saturating_sub(base.iter().sum());
    if room == 0 {
        return base;
    }
    let mut shares = base.clone();
    let mut remainders: Vec<(u128, usize)> = Vec::with_capacity(segments.len());
    let mut given = 0;
    for (index, extra_room) in spare_room.iter().enumerate() {
        let exact = spare as u128 * *extra_room as u128;
        let whole = (exact / room as u128) as usize;
        shares[index] += whole;
        given += whole;
        remainders.push((exact % room as u128, index));
    }
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, index) in remainders {
        if given == spare {
            break;
        }
        if shares[index] < segments[index].len {
            shares[index] += 1;
            given += 1;
        }
    }
    shares
}

fn join(segments: Vec<Vec<Point>>) -> Vec<Point> {
    let mut out: Vec<Point> = Vec::with_capacity(segments.iter().map(Vec::len).sum());
    for segment in segments {
        if let (Some(before), Some(after)) = (out.last(), segment.first()) {
            out.push(Point::gap(before.t + (after.t - before.t) / 2));
        }
        out.extend(segment);
    }
    out
}

/// Classic LTTB on one gap-free segment, then the segment's lowest and highest
/// inner points take the place of the pick in whichever bucket holds them (the
/// highest wins if both share one; the envelope still carries the other).
fn downsample_segment(points: &[Point], threshold: usize) -> Vec<Point> {
    let len = points.len();
    if threshold >= len {
        return points.to_vec();
    }
    match threshold {
        0 => return Vec::new(),
        1 => return vec![points[len - 1]],
        2 => return vec![points[0], points[len - 1]],
        _ => {}
    }
    // The points between the edges, cut into `threshold - 2` buckets.
    let buckets = threshold - 2;
    let every = (len - 2) as f64 / buckets as f64;
    let edge = |bucket: usize| ((bucket as f64 * every) as usize + 1).min(len - 1);
    let mut picks = Vec::with_capacity(threshold);
    picks.push(0);
    let (mut lowest, mut highest) = (1, 1);
    let mut anchor = points[0];
    for bucket in 0..buckets {
        let (start, end) = (edge(bucket), edge(bucket + 1));
        let next = if bucket + 1 == buckets {
            &points[len - 1..]
        } else {
            &points[end..edge(bucket + 2)]
        };
        let best = largest_triangle(&points[start..end], anchor, mean(next));
        if points[start + best.lowest].v < points[lowest].v {
            lowest = start + best.lowest;
        }
        if points[start + best.highest].v > points[highest].v {
            highest = start + best.highest;
        }
        picks.push(start + best.pick);
        anchor = points[start + best.pick];
    }
    picks.push(len - 1);
    for extreme in [lowest, highest] {
        // The first bucket whose end lies beyond the extreme holds it.
        let (mut low, mut high) = (0, buckets - 1);
        while low < high {
            let middle = (low + high) / 2;
            if edge(middle + 1) <= extreme {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        picks[low + 1] = extreme;
    }
    picks.into_iter().map(|index| points[index]).collect()
}

/// The average point of a non-empty run, with time relative to `points[0]` so
/// that epoch milliseconds keep their precision.
fn mean(points: &[Point]) -> (f64, f64) {
    let origin = points[0].t;
    let (mut t, mut v) = (0.0, 0.0);
    for point in points {
        t += (point.t - origin) as f64;
        v += point.v;
    }
    let n = points.len() as f64;
    (origin as f64 + t / n, v / n)
}

/// What one pass over a bucket's candidates finds (indices into the bucket).
struct Best {
    /// The point making the largest triangle with the anchor and the next mean.
    pick: usize,
    lowest: usize,
    highest: usize,
}

fn largest_triangle(candidates: &[Point], anchor: Point, next: (f64, f64)) -> Best {
    // Twice the triangle's area, with time measured from the anchor so that
    // epoch milliseconds keep their precision.
    let (dx, dy) = (next.0 - anchor.t as f64, next.1 - anchor.v);
    let mut best = Best {
        pick: 0,
        lowest: 0,
        highest: 0,
    };
    let (mut area, mut low, mut high) = (f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
    for (index, point) in candidates.iter().enumerate() {
        let x = (point.t - anchor.t) as f64;
        let here = (x * dy - dx * (point.v - anchor.v)).abs();
        if here > area {
            (area, best.pick) = (here, index);
        }
        if point.v < low {
            (low, best.lowest) = (point.v, index);
        }
        if point.v > high {
            (high, best.highest) = (point.v, index);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` points a second apart, valued by `f`.
    fn series(n: usize, f: impl Fn(usize) -> f64) -> Vec<Point> {
        (0..n).map(|i| Point::new(i as i64 * 1000, f(i))).collect()
    }

    fn wave(i: usize) -> f64 {
        (i as f64 / 7.0).sin() * 10.0
    }

    /// What a downsampling must satisfy, whatever the input.
    struct Want {
        len: usize,
        /// Values that must appear (not gaps).
        contains: Vec<f64>,
        gaps: usize,
    }

    fn check(name: &str, points: &[Point], max_points: usize, gap_ms: i64, want: Want) {
        let got = lttb(points, max_points, gap_ms);
        let gaps = got.iter().filter(|p| p.is_gap()).count();
        let finite: Vec<&Point> = got.iter().filter(|p| !p.is_gap()).collect();
        let ordered = got.windows(2).all(|w| w[0].t <= w[1].t);
        let edges_kept = match (points.iter().find(|p| !p.is_gap()), finite.first()) {
            (Some(first), Some(got_first)) if max_points >= 2 => {
                *got_first == first
                    && finite.last() == points.iter().rev().find(|p| !p.is_gap()).as_ref()
            }
            _ => true,
        };
        let no_gap_at_ends =
            !got.first().is_some_and(Point::is_gap) && !got.last().is_some_and(Point::is_gap);
        let missing: Vec<f64> = want
            .contains
            .iter()
            .copied()
            .filter(|v| !finite.iter().any(|p| p.v == *v))
            .collect();
        let ok = got.len() == want.len
            && gaps == want.gaps
            && ordered
            && edges_kept
            && no_gap_at_ends
            && missing.is_empty()
            && got.len() <= max_points;
        assert!(
            ok,
            "{name}: got {} points ({gaps} gaps, ordered {ordered}, edges kept {edges_kept}, \
             missing {missing:?}), want {} points and {} gaps",
            got.len(),
            want.len,
            want.gaps
        );
    }

    fn want(len: usize, gaps: usize, contains: &[f64]) -> Want {
        Want {
            len,
            gaps,
            contains: contains.to_vec(),
        }
    }

    #[test]
    fn lttb_table() {
        let wide = i64::MAX;
        let spike = series(10_000, |i| if i == 4321 { 99.0 } else { wave(i) });
        let dip = series(10_000, |i| if i == 777 { -99.0 } else { 1.0 });
        let mut with_nan = series(100, wave);
        with_nan[50].v = f64::NAN;
        let mut nan_edges = series(10, wave);
        nan_edges[0].v = f64::NAN;
        nan_edges[9].v = f64::NAN;
        // Three runs of 1000 points with two long silences between them.
        let runs: Vec<Point> = (0..3000)
            .map(|i| Point::new(i as i64 * 1000 + (i as i64 / 1000) * 3_600_000, wave(i)))
            .collect();
        let many_gaps: Vec<Point> = (0..100)
            .map(|i| Point::new(i * 10_000, wave(i as usize)))
            .collect();

        let table: Vec<(&str, Vec<Point>, usize, i64, Want)> = vec![
            ("empty", vec![], 10, wide, want(0, 0, &[])),
            ("one", series(1, wave), 10, wide, want(1, 0, &[])),
            ("two", series(2, wave), 10, wide, want(2, 0, &[])),
            (
                "fewer than asked",
                series(50, wave),
                100,
                wide,
                want(50, 0, &[]),
            ),
            (
                "exactly as many",
                series(100, wave),
                100,
                wide,
                want(100, 0, &[]),
            ),
            (
                "exact count",
                series(10_000, wave),
                1000,
                wide,
                want(1000, 0, &[]),
            ),
            ("three", series(10_000, wave), 3, wide, want(3, 0, &[])),
            ("zero asked", series(10, wave), 0, wide, want(0, 0, &[])),
            (
                "one asked is the latest",
                series(10, |i| i as f64),
                1,
                wide,
                want(1, 0, &[9.0]),
            ),
            (
                "two asked",
                series(10, |i| i as f64),
                2,
                wide,
                want(2, 0, &[0.0, 9.0]),
            ),
            ("spike kept", spike, 50, wide, want(50, 0, &[99.0])),
            ("dip kept", dip, 20, wide, want(20, 0, &[-99.0])),
            (
                "nan is a gap",
                with_nan.clone(),
                1000,
                wide,
                want(100, 1, &[]),
            ),
            ("nan gap survives", with_nan, 20, wide, want(20, 1, &[])),
            (
                "nan at the edges adds nothing",
                nan_edges,
                100,
                wide,
                want(8, 0, &[]),
            ),
            (
                "only nan",
                vec![Point::gap(0), Point::gap(1)],
                10,
                wide,
                want(0, 0, &[]),
            ),
            (
                "time gaps survive",
                runs.clone(),
                300,
                60_000,
                want(300, 2, &[]),
            ),
            (
                "time gaps kept when all fits",
                runs.clone(),
                5000,
                60_000,
                want(3002, 2, &[]),
            ),
            (
                "gaps beyond the budget are bridged",
                many_gaps.clone(),
                8,
                5_000,
                want(8, 2, &[]),
            ),
            (
                "gaps fill a spare budget",
                many_gaps,
                102,
                5_000,
                want(102, 2, &[]),
            ),
            ("two asked bridges gaps", runs, 2, 60_000, want(2, 0, &[])),
        ];
        for (name, points, max_points, gap_ms, want) in table {
            check(name, &points, max_points, gap_ms, want);
        }
    }

    #[test]
    fn envelope_table() {
        let b = |t, min, max, mean, count, last| Bucket {
            t,
            min,
            max,
            mean,
            count,
            last,
        };
        let table: Vec<(&str, Vec<Bucket>, i64, Vec<Bucket>)> = vec![
            ("empty", vec![], 10, vec![]),
            (
                "samples merge per bucket; empty buckets are absent",
                vec![
                    Bucket::sample(0, 1.0),
                    Bucket::sample(4, 3.0),
                    Bucket::sample(9, 2.0),
                    Bucket::sample(35, 7.0),
                ],
                10,
                vec![b(0, 1.0, 3.0, 2.0, 3, 2.0), b(30, 7.0, 7.0, 7.0, 1, 7.0)],
            ),
            (
                "rollups merge weighted by count",
                vec![b(0, 1.0, 5.0, 2.0, 3, 4.0), b(60, -1.0, 2.0, 6.0, 1, 0.5)],
                120,
                vec![b(0, -1.0, 5.0, 3.0, 4, 0.5)],
            ),
            (
                "nan samples are skipped",
                vec![Bucket::sample(1, f64::NAN), Bucket::sample(2, 4.0)],
                10,
                vec![b(0, 4.0, 4.0, 4.0, 1, 4.0)],
            ),
            (
                "negative times align down",
                vec![Bucket::sample(-1, 1.0), Bucket::sample(0, 2.0)],
                10,
                vec![b(-10, 1.0, 1.0, 1.0, 1, 1.0), b(0, 2.0, 2.0, 2.0, 1, 2.0)],
            ),
        ];
        for (name, input, width, want) in table {
            assert_eq!(envelope(input, width), want, "{name}");
        }
    }

    #[test]
    fn gaps_are_null_on_the_wire() {
        let line = vec![Point::new(1, 2.5), Point::gap(2)];
        let json = serde_json::to_string(&line).unwrap();
        assert_eq!(json, r#"[{"t":1,"v":2.5},{"t":2,"v":null}]"#);
        let back: Vec<Point> = serde_json::from_str(&json).unwrap();
        assert_eq!((back[0], back[1].t, back[1].is_gap()), (line[0], 2, true));
    }
}
