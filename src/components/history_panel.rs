//! A device's history: range buttons and a custom range, the chart with a
//! legend to compare other sensors of the same kind, and a CSV download of
//! what is in view, optionally opened on a given window with moments marked.
//! Fetches each shown series when the view settles and
//! appends live readings while the view's end is now.

use std::time::Duration;

use hearth_core::downsample::Point;
use hearth_core::{DeviceId, Metric};
use leptos::logging::warn;
use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::{HtmlInputElement, SubmitEvent};

use crate::app_context::use_app_context;
use crate::chart::api;
use crate::chart::clock::{epoch_ms, local_offset_ms, local_to_utc};
use crate::chart::marks::ChartQuery;
use crate::chart::series::Series;
use crate::chart::time_text;
use crate::chart::view::{DAY, Span, View};
use crate::components::history_chart::{ChartLayer, HistoryChart};
use crate::store::device_entry::DeviceEntry;

/// Points asked of the hub per series: about one per pixel column of a wide chart.
const MAX_POINTS: usize = 1_000;
/// Wheel steps come many a second; the fetch waits for them to pause.
const SETTLE: Duration = Duration::from_millis(150);
const COLORS: [&str; 6] = [
    "#c2410c", "#1d4ed8", "#15803d", "#7c3aed", "#be185d", "#0e7490",
];

#[component]
pub(crate) fn HistoryPanel(
    entry: DeviceEntry,
    metric: Metric,
    /// The window to open on (the last day when absent) and the moments to
    /// mark, as the page's address asked.
    #[prop(optional)]
    opening: ChartQuery,
) -> impl IntoView {
    let ctx = use_app_context();
    let device_id = entry.device.with_value(|d| d.id.clone());
    // The device itself first and shown, then every other device with the
    // same metric, hidden until picked in the legend.
    // Read once, untracked: the page must not be rebuilt (losing its view)
    // when devices come and go.
    let others = untrack(|| ctx.store.rooms())
        .into_iter()
        .flat_map(|room| room.devices)
        .filter(|other| *other != entry && other.device.with_value(|d| d.has(metric)));
    let layers: Vec<ChartLayer> = std::iter::once(entry)
        .chain(others)
        .zip(COLORS.into_iter().cycle())
        .enumerate()
        .map(|(index, (entry, color))| ChartLayer {
            id: entry.device.with_value(|d| d.id.clone()),
            label: entry.device.with_value(|d| d.name.clone()),
            color,
            shown: RwSignal::new(index == 0),
            series: Series::default(),
            fetched: None,
        })
        .collect();
    let layers = RwSignal::new(layers);
    let start = opening
        .view
        .unwrap_or_else(|| View::ending(epoch_ms(), DAY));
    let marks = opening.marks;
    let view = RwSignal::new(start);
    let settled = RwSignal::new(start);
    let error = RwSignal::new(None::<String>);
    let loading = RwSignal::new(false);
    let generation = StoredValue::new(0u64);

    // Fetches every shown series the settled view has not got yet, once the
    // user has paused; an answer that arrives after a newer view is dropped.
    Effect::new(move |_| {
        let window = settled.get();
        let wanted: Vec<(usize, DeviceId)> = layers.with_untracked(|layers| {
            layers
                .iter()
                .enumerate()
                .filter(|(_, layer)| layer.shown.get() && layer.fetched != Some(window))
                .map(|(index, layer)| (index, layer.id.clone()))
                .collect()
        });
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        if wanted.is_empty() {
            // Nothing to fetch, and whatever was in flight is now stale.
            loading.set(false);
            return;
        }
        let current = move || generation.try_get_value() == Some(mine);
        spawn_local(async move {
            gloo_timers::future::sleep(SETTLE).await;
            if !current() {
                return;
            }
            loading.set(true);
            for (index, id) in wanted {
                let answer =
                    api::fetch(&api::history_url(id.as_str(), metric, window, MAX_POINTS)).await;
                if !current() {
                    return;
                }
                match answer {
                    Ok(series) => {
                        layers.update(|layers| {
                            if let Some(layer) = layers.get_mut(index) {
                                layer.series = series;
                                layer.fetched = Some(window);
                            }
                        });
                        error.set(None);
                    }
                    Err(message) => {
                        warn!("history of {id}: {message}");
                        error.set(Some(message));
                    }
                }
            }
            loading.set(false);
        });
    });

    // Live tail: while the view ends now, each new reading joins its line and
    // the view slides along with the clock.
    Effect::new(move |_| {
        let latest: Vec<(usize, Point)> = layers.with_untracked(|layers| {
            layers
                .iter()
                .enumerate()
                .filter_map(|(index, layer)| {
                    let entry = ctx.store.get(&layer.id)?;
                    let reading = entry
                        .readings
                        .with(|r| r.iter().find(|r| r.metric == metric).cloned())?;
                    Some((
                        index,
                        Point::new(reading.at.timestamp_millis(), reading.value),
                    ))
                })
                .collect()
        });
        let now = epoch_ms();
        let shown = view.get_untracked();
        if latest.is_empty() || !shown.is_live(now) {
            return;
        }
        layers.update(|layers| {
            for (index, point) in latest {
                layers[index].series.push_live(point);
            }
        });
        view.set(shown.follow(now));
    });

    let choose = move |span: Span| {
        let next = View::ending(epoch_ms(), span.ms());
        view.set(next);
        settled.set(next);
    };
    let buttons = Span::ALL
        .into_iter()
        .map(|span| {
            let pressed = move || settled.get().matches(span, epoch_ms()).to_string();
            view! {
                <button type="button" aria-pressed=pressed on:click=move |_| choose(span)>
                    {span.label()}
                </button>
            }
        })
        .collect_view();

    let from_input = NodeRef::<leptos::html::Input>::new();
    let to_input = NodeRef::<leptos::html::Input>::new();
    let input_text = |utc: i64| time_text::input_value(utc + local_offset_ms(utc));
    let read = |input: NodeRef<leptos::html::Input>| {
        input
            .get_untracked()
            .map(|i: HtmlInputElement| i.value())
            .and_then(|text| time_text::parse_input(&text))
            .map(local_to_utc)
    };
    let custom = move |ev: SubmitEvent| {
        ev.prevent_default();
        match (read(from_input), read(to_input)) {
            (Some(from), Some(to)) if from < to => {
                let next = View::between(from, to);
                view.set(next);
                settled.set(next);
                error.set(None);
            }
            _ => error.set(Some(
                "Pick a start and an end, the start before the end.".to_owned(),
            )),
        }
    };

    // The set of series is fixed for the panel's life, so the legend is built
    // once; only its switches change.
    let legend = layers.with_untracked(|layers| {
        layers
            .iter()
            .map(|layer| {
                let shown = layer.shown;
                view! {
                    <label class="legend-item">
                        <input
                            type="checkbox"
                            prop:checked=move || shown.get()
                            on:change=move |_| shown.update(|s| *s = !*s)
                        />
                        <span class="swatch" style:background=layer.color></span>
                        {layer.label.clone()}
                    </label>
                }
            })
            .collect_view()
    });
    let csv = move || api::export_url(device_id.as_str(), metric, settled.get());

    view! {
        <section class="history" aria-label=format!("{} history", metric.label())>
            <div class="chart-controls">
                <div class="ranges" role="group" aria-label="Range">{buttons}</div>
                <form class="custom-range" on:submit=custom>
                    <label>
                        "From "
                        <input type="datetime-local" node_ref=from_input prop:value=move || input_text(settled.get().from) />
                    </label>
                    <label>
                        "To "
                        <input type="datetime-local" node_ref=to_input prop:value=move || input_text(settled.get().to) />
                    </label>
                    <button type="submit">"Show"</button>
                </form>
                <a class="csv" href=csv download="">"Download CSV"</a>
            </div>
            <p class="chart-status" role="status">
                {move || error.get().or_else(|| loading.get().then(|| "Loading…".to_owned()))}
            </p>
            <HistoryChart layers view settled metric unit=ctx.unit marks />
            <fieldset class="chart-legend">
                <legend>"Series"</legend>
                {legend}
            </fieldset>
        </section>
    }
}
