//! The chart's cold-render benchmark (`/bench/chart?points=N`): a year of
//! synthetic readings with a gap, handed to the real chart component once it
//! is on screen without data (or mounted with them: `&mount=with-data`), timed
//! with `performance.now()` to the first complete frame with them.
//! `e2e/bench/chart.js` loads it in headless Chromium and reads the figures
//! from the page. Built only with the `bench` feature, so users' downloads do
//! not carry it.

use std::time::Duration;

use hearth_core::downsample::Point;
use hearth_core::{DeviceId, Metric, TemperatureUnit};
use js_sys::Math;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use crate::chart::clock::{epoch_ms, ms_text, now_ms};
use crate::chart::series::Series;
use crate::chart::view::{DAY, View};
use crate::components::history_chart::{ChartLayer, HistoryChart};

#[component]
pub(crate) fn ChartBenchPage(points: usize) -> impl IntoView {
    let window = View::ending(epoch_ms(), 365 * DAY);
    let layers = RwSignal::new(vec![ChartLayer {
        id: DeviceId::new("bench"),
        label: "Synthetic".to_owned(),
        color: "#c2410c",
        shown: RwSignal::new(true),
        series: Series::default(),
        fetched: None,
    }]);
    let view = RwSignal::new(window);
    let settled = RwSignal::new(window);
    let figures = RwSignal::new(None::<Figures>);
    // By default the chart is mounted with the page and no data, as the
    // device page mounts it while its fetch is in flight, and it gets the data
    // once that empty frame is on screen. `&mount=with-data` mounts it with
    // the data instead, so mounting and setting up the canvas are timed too.
    // Either way the data wait until the page is idle: the app's own start-up
    // (the hub connection's first messages, 20 ms of them in a trace) is not
    // the chart's and would otherwise land inside the figure at random.
    let with_data = window_search().contains("mount=with-data");
    let mounted = RwSignal::new(!with_data);
    after_next_frame(move || {
        when_idle(move || {
            let generating = now_ms();
            let series = synthetic(points, window);
            let started = now_ms();
            layers.update(|layers| {
                layers[0].series = series;
                layers[0].fetched = Some(window);
            });
            // Set only when it changes: setting it again would mount a
            // second chart.
            if with_data {
                mounted.set(true);
            }
            after_next_frame(move || {
                let done = now_ms();
                figures.set(Some(Figures {
                    generate: started - generating,
                    render: done - started,
                    load: done,
                }));
            });
        });
    });
    let draw_ms = move || {
        figures.get()?;
        document()
            .query_selector(".chart canvas")
            .ok()
            .flatten()?
            .get_attribute("data-draw-ms")
    };
    let figure = move |pick: fn(&Figures) -> f64| move || figures.get().map(|f| ms_text(pick(&f)));
    view! {
        <main class="bench">
            <h1>"Chart cold render"</h1>
            {move || {
                mounted
                    .get()
                    .then(|| {
                        view! {
                            <HistoryChart
                                layers
                                view
                                settled
                                metric=Metric::Temperature
                                unit=TemperatureUnit::Celsius
                            />
                        }
                    })
            }}
            <output
                id="bench-result"
                data-points=points.to_string()
                data-mount=if with_data { "with-data" } else { "before-data" }
                data-generate-ms=figure(|f| f.generate)
                data-render-ms=figure(|f| f.render)
                data-load-ms=figure(|f| f.load)
                data-draw-ms=draw_ms
            >
                {move || {
                    figures
                        .get()
                        .map(|f| {
                            format!(
                                "{points} points: first frame {} ms after the data, {} ms after navigation",
                                ms_text(f.render),
                                ms_text(f.load),
                            )
                        })
                }}
            </output>
        </main>
    }
}

/// What the bench measured, in milliseconds.
#[derive(Debug, Clone, Copy)]
struct Figures {
    /// Making the synthetic points (not part of rendering).
    generate: f64,
    /// From handing the points to the chart to its first frame on screen.
    render: f64,
    /// From navigation to that frame (loading the app included).
    load: f64,
}

/// Runs `then` once the next frame is on screen: effects scheduled now (the
/// chart's paint among them) have run by the next animation frame, and a task
/// queued from that frame runs after it is presented.
fn after_next_frame(then: impl FnOnce() + 'static) {
    request_animation_frame(move || set_timeout(then, Duration::ZERO));
}

/// Runs `then` once the browser has nothing else to do.
fn when_idle(then: impl FnOnce() + 'static) {
    let callback = Closure::once_into_js(then);
    if window()
        .request_idle_callback(callback.unchecked_ref())
        .is_err()
    {
        leptos::logging::error!("no idle callback: the bench cannot start");
    }
}

fn window_search() -> String {
    window().location().search().unwrap_or_default()
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
            // The browser's sine and cosine, so the app's wasm does not carry
            // its own for a bench.
            Point::new(
                t,
                12.0 - 8.0 * Math::cos(year) + 4.0 * Math::sin(day) + noise,
            )
        })
        .collect();
    Series {
        points,
        buckets: Vec::new(),
        bucket_ms: 0,
    }
}
