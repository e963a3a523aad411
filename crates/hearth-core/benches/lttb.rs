//! LTTB on a million points, the size of a year of one sensor reporting every
//! half minute: how long the hub (or the browser, natively here) takes to draw
//! it down to a chart's width.

use std::hint::black_box;
use std::time::{Duration, Instant};

use hearth_core::Bucket;
use hearth_core::Point;
use hearth_core::downsample::{envelope, lttb};

const POINTS: usize = 1_000_000;
const RUNS: usize = 21;

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn time(mut run: impl FnMut()) -> Duration {
    run();
    median(
        (0..RUNS)
            .map(|_| {
                let began = Instant::now();
                run();
                began.elapsed()
            })
            .collect(),
    )
}

fn main() {
    // A day/night wave with noise-like wiggle and two outages.
    let points: Vec<Point> = (0..POINTS)
        .map(|i| {
            let t = i as i64 * 30_000;
            let day = (i as f64 / 2880.0 * std::f64::consts::TAU).sin() * 5.0;
            let wiggle = ((i * 7919) % 101) as f64 / 100.0;
            let v = if (400_000..400_100).contains(&i) || (700_000..700_050).contains(&i) {
                f64::NAN
            } else {
                12.0 + day + wiggle
            };
            Point::new(t, v)
        })
        .collect();
    for max_points in [1000, 2000] {
        let took = time(|| {
            black_box(lttb(black_box(&points), max_points, 300_000));
        });
        println!("lttb {POINTS} -> {max_points}: median {took:.2?} of {RUNS} runs");
    }
    let width = POINTS as i64 * 30_000 / 1000;
    let took = time(|| {
        black_box(envelope(
            points.iter().map(|p| Bucket::sample(p.t, p.v)),
            width,
        ));
    });
    println!("envelope {POINTS} -> 1000 buckets: median {took:.2?} of {RUNS} runs");
}
