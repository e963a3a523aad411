//! A card's sparkline: the last day of one metric as a small SVG line, from
//! the history API at 60 points, refreshed every few minutes. Cheap on purpose.

use std::time::Duration;

use hearth_core::Metric;
use hearth_core::downsample::Point;
use leptos::logging::warn;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::chart::api;
use crate::chart::clock::epoch_ms;
use crate::chart::view::{DAY, View};

const POINTS: usize = 60;
const REFRESH: Duration = Duration::from_secs(300);
const WIDTH: f64 = 120.0;
const HEIGHT: f64 = 24.0;

#[component]
pub(crate) fn Sparkline(device: String, metric: Metric) -> impl IntoView {
    let path = RwSignal::new(String::new());
    let load = move |device: String| {
        spawn_local(async move {
            let url = api::history_url(&device, metric, View::ending(epoch_ms(), DAY), POINTS);
            match api::fetch(&url).await {
                Ok(series) => {
                    path.try_set(svg_path(&series.points, WIDTH, HEIGHT));
                }
                Err(message) => warn!("sparkline of {device}: {message}"),
            }
        });
    };
    load(device.clone());
    match set_interval_with_handle(move || load(device.clone()), REFRESH) {
        Ok(timer) => on_cleanup(move || timer.clear()),
        Err(_) => warn!("no sparkline refresh: the card's sparkline stays as first drawn"),
    }
    view! {
        <svg
            class="sparkline"
            viewBox=format!("0 0 {WIDTH} {HEIGHT}")
            preserveAspectRatio="none"
            aria-hidden="true"
        >
            <path d=move || path.get() />
        </svg>
    }
}

/// An SVG path through `points` scaled to fill `width` × `height`, lifting the
/// pen at gaps; empty when there is nothing to draw.
fn svg_path(points: &[Point], width: f64, height: f64) -> String {
    let real = || points.iter().filter(|p| !p.is_gap());
    let (Some(first), Some(last)) = (real().next(), real().next_back()) else {
        return String::new();
    };
    let (low, high) = real().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), p| {
        (l.min(p.v), h.max(p.v))
    });
    let span_t = (last.t - first.t).max(1) as f64;
    let span_v = if high > low { high - low } else { 1.0 };
    let mut out = String::new();
    let mut pen = 'M';
    for point in points {
        if point.is_gap() {
            pen = 'M';
            continue;
        }
        let x = (point.t - first.t) as f64 / span_t * width;
        let y = height - 1.0 - (point.v - low) / span_v * (height - 2.0);
        out.push_str(&format!(
            "{pen}{} {} ",
            x.round() as i64,
            (y * 10.0).round() / 10.0
        ));
        pen = 'L';
    }
    out.truncate(out.trim_end().len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn the_path_fills_the_box_and_breaks_at_gaps() {
        let points = [
            Point::new(0, 10.0),
            Point::new(50, 20.0),
            Point::gap(60),
            Point::new(100, 15.0),
        ];
        assert_eq!(svg_path(&points, 100.0, 12.0), "M0 11 L50 1 M100 6");
        assert_eq!(svg_path(&[], 100.0, 12.0), "");
        assert_eq!(svg_path(&[Point::gap(1)], 100.0, 12.0), "");
    }
}
