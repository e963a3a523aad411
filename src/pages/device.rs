//! A device's page (`/devices/<id>`): its card's heading, a way back, and
//! the history of what it measures, opened on the window and with the marks
//! its address asks for (`?from=…&to=…&marks=…`, milliseconds since the epoch).

use hearth_core::{DeviceId, Metric};
use leptos::logging::warn;
use leptos::prelude::*;

use crate::app_context::use_app_context;
use crate::chart::marks::ChartQuery;
use crate::components::back_link::BackLink;
use crate::components::connection_indicator::ConnectionIndicator;
use crate::components::history_panel::HistoryPanel;
use crate::components::unit_toggle::UnitToggle;
use crate::store::device_entry::DEVICE_UNAVAILABLE;

#[component]
pub(crate) fn DevicePage(id: DeviceId) -> impl IntoView {
    let ctx = use_app_context();
    let (opening, problems) = ChartQuery::parse(&window().location().search().unwrap_or_default());
    for problem in problems {
        warn!("the address's chart query is partly ignored: {problem}");
    }
    // `get` does not subscribe to the set of devices and `is_empty` does, so
    // a page opened before the hub's snapshot notices its device arriving.
    let entry = Memo::new(move |_| {
        ctx.store.is_empty();
        ctx.store.get(&id)
    });
    let body = move || match entry.get() {
        Some(entry) => {
            let (name, kind, metric) = entry.device.with_value(|d| {
                // Temperature is what people come for; otherwise the first
                // thing the device measures.
                let metric = if d.has(Metric::Temperature) {
                    Some(Metric::Temperature)
                } else {
                    d.metrics().next()
                };
                (d.name.clone(), d.kind.label(), metric)
            });
            let history = match metric {
                Some(metric) => {
                    view! { <HistoryPanel entry metric opening=opening.clone() /> }.into_any()
                }
                None => view! { <p class="empty">"This device measures nothing, so it has no history."</p> }
                    .into_any(),
            };
            let unavailable = move || !entry.available.get();
            view! {
                <h1 class="device-title">{name}</h1>
                <p class="card-kind">{kind}</p>
                <p class="availability" title=DEVICE_UNAVAILABLE hidden=move || !unavailable()>
                    "Unavailable"
                </p>
                {history}
            }
            .into_any()
        }
        None => {
            let text = if ctx.store.is_synced() {
                "The hub has no such device."
            } else {
                "Waiting for the hub…"
            };
            view! { <p class="empty">{text}</p> }.into_any()
        }
    };
    view! {
        <header class="top-bar">
            <BackLink />
            <ConnectionIndicator />
            <UnitToggle />
        </header>
        <main class="device-page">{body}</main>
    }
}
