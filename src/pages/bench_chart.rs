//! The chart's cold-render benchmark (`/bench/chart?points=N`): a year of
//! synthetic readings with a gap, handed to the real chart component, timed
//! with `performance.now()` to the first complete frame. `e2e/bench/chart.js`
//! loads it in headless Chromium and reads the figures from the page.

use std::time::Duration;

use hearth_core::downsample::Point;
use hearth_core::{DeviceId, Metric, TemperatureUnit};
use leptos::prelude::*;

use crate::chart::clock::{epoch_ms, now_ms};
use crate::chart::series::Series;
use crate::chart::view::{DAY, View};
use crate::components::history_chart::{ChartLayer, HistoryChart};

#[component]
pub(crate) fn ChartBenchPage(points: usize) -> impl IntoView {
    let window = View::ending(epoch_ms(), 365 * DAY);
    let generated = now_ms();
    let series = synthetic(points, window);
    // The clock starts when the chart gets its data; generating it is not
    // rendering.
    let started = now_ms();
    let layers = RwSignal::new(vec![ChartLayer {
        id: DeviceId::new("bench"),
        label: "Synthetic".to_owned(),
        color: "#c2410c",
        shown: RwSignal::new(true),
        series,
        fetched: Some(window),
    }]);
    let view = RwSignal::new(window);
    let settled = RwSignal::new(window);
    let result = RwSignal::new(None::<(f64, f64)>);
    // Effects (the chart's paint among them) have run by the next animation
    // frame; a task queued from it runs once that frame is on screen.
    request_animation_frame(move || {
        set_timeout(
            move || {
                let done = now_ms();
                result.set(Some((done - started, done)));
            },
            Duration::ZERO,
        );
    });
    let draw_ms = move || {
        result.get()?;
        document()
            .query_selector(".chart canvas")
            .ok()
            .flatten()?
            .get_attribute("data-draw-ms")
    };
    view! {
        <main class="bench">
            <h1>"Chart cold render"</h1>
            <HistoryChart layers view settled metric=Metric::Temperature unit=TemperatureUnit::Celsius />
            <output
                id="bench-result"
                data-points=points.to_string()
                data-generate-ms=move || result.get().map(|_| format!("{:.2}", started - generated))
                data-render-ms=move || result.get().map(|(render, _)| format!("{render:.2}"))
                data-load-ms=move || result.get().map(|(_, load)| format!("{load:.2}"))
                data-draw-ms=draw_ms
            >
                {move || {
                    result
                        .get()
                        .map(|(render, load)| {
                            format!("{points} points: first frame {render:.1} ms after the data, {load:.1} ms after navigation")
                        })
                }}
            </output>
        </main>
    }
}

/// `count` readings evenly across `window`: a daily and a yearly swing with
/// noise from a fixed-seed generator, and one day missing in the middle.
fn synthetic(count: usize, window: View) -> Series {
    let step = window.span() as f64 / count.max(1) as f64;
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let points = (0..count)
        .map(|i| {
            let t = window.from + (i as f64 * step) as i64;
            if (t - window.from) / DAY == 180 {
                return Point::gap(t);
            }
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let noise = (seed >> 40) as f64 / (1u64 << 24) as f64 - 0.5;
            let day = (t % DAY) as f64 / DAY as f64 * std::f64::consts::TAU;
            let year = (t - window.from) as f64 / window.span() as f64 * std::f64::consts::TAU;
            Point::new(t, 12.0 - 8.0 * year.cos() + 4.0 * day.sin() + noise)
        })
        .collect();
    Series {
        points,
        buckets: Vec::new(),
        bucket_ms: 0,
    }
}
