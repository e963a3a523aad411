//! The interactive history chart: a canvas drawn by `chart::draw`, with pan
//! (drag, arrow keys), zoom (wheel, pinch, + and −), box-select (shift+drag),
//! a crosshair with a tooltip, a summary of the view for screen readers, and
//! optional marks (a rule's replayed firings) drawn over the lines and listed.

use hearth_core::{DeviceId, Metric, TemperatureUnit};
use leptos::html::Canvas;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{KeyboardEvent, PointerEvent, ResizeObserver, ResizeObserverEntry, WheelEvent};

use crate::chart::clock::{local_offset_ms, ms_text, now_ms};
use crate::chart::draw::{Layer, MARK, Paint, draw};
use crate::chart::scale::Frame;
use crate::chart::series::Series;
use crate::chart::view::View;
use crate::chart::{hit, marks as marked, summary, time_text};
use crate::format;

/// One series on the chart, with the legend's switch for it.
#[derive(Debug, Clone)]
pub(crate) struct ChartLayer {
    pub(crate) id: DeviceId,
    pub(crate) label: String,
    pub(crate) color: &'static str,
    pub(crate) shown: RwSignal<bool>,
    pub(crate) series: Series,
    /// The window `series` was fetched for, so a settled view that has not
    /// moved does not fetch again.
    pub(crate) fetched: Option<View>,
}

/// What the pointers are doing.
#[derive(Debug, Clone, Copy)]
enum Gesture {
    Idle,
    Pan {
        x: f64,
        view: View,
    },
    Select {
        x: f64,
    },
    Pinch {
        distance: f64,
        middle: f64,
        view: View,
    },
}

/// How far one arrow key pans and one + or − zooms.
const KEY_PAN: f64 = 0.1;
const KEY_ZOOM: f64 = 0.8;

#[component]
pub(crate) fn HistoryChart(
    layers: RwSignal<Vec<ChartLayer>>,
    /// What is drawn; moves with every drag and wheel step.
    view: RwSignal<View>,
    /// Set when the user stops moving the view: what to fetch and summarise.
    settled: RwSignal<View>,
    metric: Metric,
    #[prop(into)] unit: Signal<TemperatureUnit>,
    /// Moments to mark, in milliseconds since the epoch, earliest first.
    #[prop(optional)]
    marks: Vec<i64>,
) -> impl IntoView {
    let marks = StoredValue::new(marks);
    let canvas_ref = NodeRef::<Canvas>::new();
    // The canvas's size in CSS pixels, as the browser last laid it out; `None`
    // until then. A `ResizeObserver` reports it after each layout, so drawing
    // never forces one (reading `clientWidth` with the data in hand cost the
    // first frame a whole layout of the chart) and the chart follows its box
    // whatever resized it.
    let size = RwSignal::new(None::<Frame>);
    observe_size(canvas_ref, size);
    let hover = RwSignal::new(None::<f64>);
    let selection = RwSignal::new(None::<(f64, f64)>);
    let gesture = StoredValue::new(Gesture::Idle);
    let pointers = StoredValue::new(Vec::<(i32, f64)>::new());

    // The canvas is outside Leptos's reach, so an effect repaints it.
    // It draws as soon as the canvas has a size, with or without data, so the
    // canvas, its context and the drawing code are set up before the data
    // arrive.
    Effect::new(move |_| {
        let (unit, view) = (unit.get(), view.get());
        let (Some(frame), Some(canvas)) = (size.get(), canvas_ref.get()) else {
            return;
        };
        let paint = Paint {
            frame,
            density: window().device_pixel_ratio().max(1.0),
            view,
            offset_ms: local_offset_ms(view.to),
            convert: converter(metric, unit),
        };
        let started = now_ms();
        layers.with(|layers| {
            let drawn: Vec<Layer> = layers
                .iter()
                .filter(|layer| layer.shown.get())
                .map(|layer| Layer {
                    series: &layer.series,
                    color: layer.color,
                })
                .collect();
            marks.with_value(|marks| draw(&canvas, &paint, &drawn, marks));
        });
        // The bench (and anyone curious) reads how long the last frame took,
        // and tests read which window it showed.
        let _ = canvas.set_attribute("data-draw-ms", &ms_text(now_ms() - started));
        let _ = canvas.set_attribute("data-from", &view.from.to_string());
        let _ = canvas.set_attribute("data-to", &view.to.to_string());
        let shown = marks.with_value(|marks| marked::visible(marks, view).len());
        let _ = canvas.set_attribute("data-marks", &shown.to_string());
    });

    let settle = move || settled.set(view.get_untracked());
    let frame = move || size.get_untracked();
    let time_at =
        move |x: f64| -> Option<i64> { Some(frame()?.x(view.get_untracked()).value(x) as i64) };

    let on_down = move |ev: PointerEvent| {
        if ev.pointer_type() == "mouse" && ev.button() != 0 {
            return;
        }
        if let Some(canvas) = canvas_ref.get_untracked() {
            let _ = canvas.set_pointer_capture(ev.pointer_id());
        }
        let x = ev.offset_x();
        pointers.update_value(|p| p.push((ev.pointer_id(), x)));
        hover.set(None);
        let next = match pointers.with_value(Vec::clone).as_slice() {
            [(_, a), (_, b)] => Gesture::Pinch {
                distance: (a - b).abs().max(1.0),
                middle: (a + b) / 2.0,
                view: view.get_untracked(),
            },
            _ if ev.shift_key() => Gesture::Select { x },
            _ => Gesture::Pan {
                x,
                view: view.get_untracked(),
            },
        };
        gesture.set_value(next);
    };
    let on_move = move |ev: PointerEvent| {
        let x = ev.offset_x();
        pointers.update_value(|p| {
            if let Some(entry) = p.iter_mut().find(|(id, _)| *id == ev.pointer_id()) {
                entry.1 = x;
            }
        });
        let Some(frame) = frame() else {
            return;
        };
        match gesture.get_value() {
            Gesture::Idle => hover.set(Some(x)),
            Gesture::Pan { x: start, view: at } => {
                view.set(at.pan((start - x) / frame.plot_width()));
            }
            Gesture::Select { x: start } => selection.set(Some((start, x))),
            Gesture::Pinch {
                distance,
                middle,
                view: at,
            } => {
                if let [(_, a), (_, b)] = pointers.with_value(Vec::clone).as_slice() {
                    let factor = distance / (a - b).abs().max(1.0);
                    view.set(at.zoom(factor, frame.fraction(middle)));
                }
            }
        }
    };
    let on_up = move |ev: PointerEvent| {
        pointers.update_value(|p| p.retain(|(id, _)| *id != ev.pointer_id()));
        if let Gesture::Select { x: start } = gesture.get_value() {
            selection.set(None);
            let x = ev.offset_x();
            if let (true, Some(a), Some(b)) = ((x - start).abs() > 3.0, time_at(start), time_at(x))
            {
                view.set(View::between(a, b));
            }
        }
        gesture.set_value(Gesture::Idle);
        settle();
    };
    let on_wheel = move |ev: WheelEvent| {
        ev.prevent_default();
        let Some(frame) = frame() else {
            return;
        };
        // Lines (Firefox's mouse wheels) are worth about 16 pixels.
        let lines = if ev.delta_mode() == WheelEvent::DOM_DELTA_LINE {
            16.0
        } else {
            1.0
        };
        // Symmetric steps (in and back out return to the same span) without
        // linking `exp`.
        let step = (ev.delta_y() * lines * 0.002).clamp(-0.9, 0.9);
        let factor = if step >= 0.0 {
            1.0 + step
        } else {
            1.0 / (1.0 - step)
        };
        view.update(|v| *v = v.zoom(factor, frame.fraction(ev.offset_x())));
        settle();
    };
    let on_key = move |ev: KeyboardEvent| {
        let change = match ev.key().as_str() {
            "ArrowLeft" => |v: View| v.pan(-KEY_PAN),
            "ArrowRight" => |v: View| v.pan(KEY_PAN),
            "+" | "=" => |v: View| v.zoom(KEY_ZOOM, 0.5),
            "-" | "_" => |v: View| v.zoom(1.0 / KEY_ZOOM, 0.5),
            _ => return,
        };
        ev.prevent_default();
        view.update(|v| *v = change(*v));
        settle();
    };

    let tooltip = move || {
        let x = hover.get()?;
        let frame = frame()?;
        let shown = view.get();
        let scale = frame.x(shown);
        let t = scale.value(x) as i64;
        let unit = unit.get();
        let text = move |v: f64| format::metric_value(metric, v, unit);
        layers.with(|layers| {
            let mut at = None;
            let rows: Vec<_> = layers
                .iter()
                .filter(|layer| layer.shown.get())
                .filter_map(|layer| {
                    let series = &layer.series;
                    let point = series.points[hit::nearest(&series.points, t)?];
                    let at = *at.get_or_insert(point.t);
                    let range = series
                        .is_aggregated()
                        .then(|| hit::bucket_at(&series.buckets, at, series.bucket_ms))
                        .flatten()
                        .map(|b| format!("min {} · max {}", text(b.min), text(b.max)));
                    Some(view! {
                        <p>
                            <span class="swatch" style:background=layer.color></span>
                            {format!("{}: ", layer.label)}
                            <strong>{text(point.v)}</strong>
                            {range.map(|r| view! { <span class="range">{r}</span> })}
                        </p>
                    })
                })
                .collect();
            let at = at?;
            let px = scale.px(at as f64);
            let side = if px > frame.width / 2.0 { "left" } else { "right" };
            Some(view! {
                <div class="chart-crosshair" style:left=format!("{px}px")></div>
                <div class="chart-tooltip" role="tooltip" data-side=side style:left=format!("{px}px")>
                    <time>{time_text::full(at + local_offset_ms(at))}</time>
                    {rows}
                </div>
            })
        })
    };
    let selection_box = move || {
        selection.get().map(|(a, b)| {
            view! {
                <div
                    class="chart-selection"
                    style:left=format!("{}px", a.min(b))
                    style:width=format!("{}px", (a - b).abs())
                ></div>
            }
        })
    };
    let summary_text = move || {
        let window = settled.get();
        let unit = unit.get();
        let text = move |v: f64| format::metric_value(metric, v, unit);
        layers.with(|layers| {
            let parts: Vec<String> = layers
                .iter()
                .filter(|layer| layer.shown.get())
                .map(|layer| {
                    match summary::summarise(&layer.series.points, &layer.series.buckets, window) {
                        Some(s) => format!(
                            "{}: min {}, max {}, mean {}.",
                            layer.label,
                            text(s.min),
                            text(s.max),
                            text(s.mean)
                        ),
                        None => format!("{}: no data in this range.", layer.label),
                    }
                })
                .collect();
            parts.join(" ")
        })
    };

    view! {
        <div class="chart">
            <div class="chart-area">
                <canvas
                    node_ref=canvas_ref
                    tabindex="0"
                    role="img"
                    aria-label=format!("{} history chart", metric.label())
                    aria-describedby="chart-summary chart-help"
                    on:pointerdown=on_down
                    on:pointermove=on_move
                    on:pointerup=on_up
                    on:pointercancel=on_up
                    on:pointerleave=move |_| hover.set(None)
                    on:wheel=on_wheel
                    on:keydown=on_key
                ></canvas>
                {tooltip}
                {selection_box}
            </div>
            <p id="chart-summary" class="chart-summary" aria-live="polite">{summary_text}</p>
            {mark_list(&marks.get_value())}
            <p id="chart-help" class="chart-help">
                "Drag to pan, wheel or pinch to zoom, shift+drag to zoom into a span. "
                "With the chart focused: ← → pan, + − zoom."
            </p>
        </div>
    }
}

/// The marks in words, since the canvas shows them to no screen reader.
fn mark_list(marks: &[i64]) -> Option<impl IntoView + use<>> {
    if marks.is_empty() {
        return None;
    }
    let count = match marks.len() {
        1 => "1 replayed firing".to_owned(),
        n => format!("{n} replayed firings"),
    };
    let items = marks
        .iter()
        .map(|&at| {
            view! {
                <li data-at=at.to_string()>
                    <time>{time_text::full(at + local_offset_ms(at))}</time>
                </li>
            }
        })
        .collect_view();
    Some(view! {
        <section class="chart-marks" aria-label="Marked on the chart">
            <p>
                <span class="swatch" aria-hidden="true" style:background=MARK></span>
                {count}
            </p>
            <ol>{items}</ol>
        </section>
    })
}

/// Keeps `size` at the canvas's content box from the moment it is laid out,
/// and stops watching when the chart goes.
fn observe_size(canvas_ref: NodeRef<Canvas>, size: RwSignal<Option<Frame>>) {
    let on_resize = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
        let Some(entry) = entries.pop().dyn_into::<ResizeObserverEntry>().ok() else {
            return;
        };
        let rect = entry.content_rect();
        let frame = Frame {
            width: rect.width(),
            height: rect.height(),
        };
        // A hidden chart (no box) keeps its last size and is not drawn for it.
        if frame.width > 0.0 && frame.height > 0.0 && size.get_untracked() != Some(frame) {
            size.set(Some(frame));
        }
    });
    let observer = match ResizeObserver::new(on_resize.as_ref().unchecked_ref()) {
        Ok(observer) => observer,
        Err(error) => {
            leptos::logging::error!("the chart cannot follow its size: {error:?}");
            return;
        }
    };
    canvas_ref.on_load({
        let observer = observer.clone();
        move |canvas| observer.observe(&canvas)
    });
    let watching = StoredValue::new_local(Some((observer, on_resize)));
    on_cleanup(move || {
        if let Some((observer, _)) = watching.try_update_value(Option::take).flatten() {
            observer.disconnect();
        }
    });
}

/// Temperatures are stored in °C and drawn in the user's unit.
fn converter(metric: Metric, unit: TemperatureUnit) -> fn(f64) -> f64 {
    match (metric, unit) {
        (Metric::Temperature, TemperatureUnit::Fahrenheit) => {
            |c| TemperatureUnit::Fahrenheit.from_celsius(c)
        }
        _ => |v| v,
    }
}
