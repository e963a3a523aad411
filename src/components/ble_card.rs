//! The card of a Bluetooth device this browser holds: marked "via this
//! browser (Bluetooth)", with its connection state, its values at the
//! sensor's own resolution (and the battery voltage a BTHome advertisement
//! carries), its switch, how many readings wait for the hub while it is out
//! of reach, "Refresh" and "Forget".

use hearth_core::{Metric, TemperatureUnit};
use leptos::prelude::*;

use crate::app_context::use_app_context;
use crate::bluetooth::held::{HeldDevice, Wake};
use crate::bluetooth::link::LinkState;
use crate::bluetooth::outbox;
use crate::format;

/// A temperature to the 0.01 °C the Temperature characteristic carries,
/// e.g. `21.50 °C`.
fn temperature(celsius: f64, unit: TemperatureUnit) -> String {
    format!("{:.2} {}", unit.from_celsius(celsius), unit.symbol())
}

#[component]
pub(crate) fn BleCard(held: HeldDevice) -> impl IntoView {
    let ctx = use_app_context();
    let id = held.id.get_value().to_string();
    let heading_id = format!("ble-{id}-name");
    let labelled_by = heading_id.clone();
    let link = move || held.link.get();
    let label = move || held.link.with(|l| l.label(ctx.now.get()));
    let connected = move || held.link.with(|l| *l == LinkState::Connected);
    let stopped = move || held.link.with(|l| *l == LinkState::Stopped);
    let metric = move |metric: Metric| {
        let text = move || match held.value(metric) {
            None => format::UNKNOWN.to_owned(),
            Some(None) => "unknown".to_owned(),
            Some(Some(value)) if metric == Metric::Temperature => {
                temperature(value, ctx.unit.get())
            }
            Some(Some(value)) => format::percent(value),
        };
        let name = metric.wire_name();
        view! {
            <div class="metric" data-kind=name>
                <dt>{metric.label()}</dt>
                <dd>
                    <span class="value" data-metric=name>{text}</span>
                </dd>
            </div>
        }
    };
    // Only BTHome advertisements carry it, and the hub has no metric for it.
    let voltage = move || {
        held.voltage.get().map(|volts| {
            view! {
                <div class="metric" data-kind="voltage">
                    <dt>"Battery voltage"</dt>
                    <dd>
                        <span class="value" data-metric="voltage">{format!("{volts:.3} V")}</span>
                    </dd>
                </div>
            }
        })
    };
    let readings = move || {
        let found = held.found.get();
        view! {
            <dl class="readings">
                {found.temperature.then(|| metric(Metric::Temperature))}
                {found.humidity.then(|| metric(Metric::Humidity))}
                {found.battery.then(|| metric(Metric::Battery))}
                {voltage}
            </dl>
        }
    };
    let waiting = {
        let id = held.id.get_value();
        move || {
            outbox::waiting_label(ctx.bluetooth.waiting_for(&id))
                .map(|text| view! { <p class="ble-waiting">{text}</p> })
        }
    };
    let on = move || held.on() == Some(true);
    let switch = move || {
        held.found.with(|f| f.switch).then(|| {
            view! {
                <fieldset class="controls" disabled=move || (!connected()).then_some("true")>
                    <button
                        type="button"
                        class="switch"
                        role="switch"
                        aria-checked=move || on().to_string()
                        aria-label=held.name.with_value(|n| format!("{n} power"))
                        data-pending=move || held.pending.get().then_some("true")
                        on:click=move |_| {
                            let on = held.on_untracked() != Some(true);
                            ctx.bluetooth.switch_from_card(held, on);
                        }
                    >
                        <span class="switch-track" aria-hidden="true">
                            <span class="switch-thumb"></span>
                        </span>
                        <span class="switch-text">{move || if on() { "On" } else { "Off" }}</span>
                    </button>
                </fieldset>
            }
        })
    };
    view! {
        <article
            class="card ble-card"
            data-device=id
            data-link=move || link().data_state()
            aria-labelledby=labelled_by
        >
            <header class="card-head">
                <h3 id=heading_id>{held.name.get_value()}</h3>
                <p class="card-kind">"via this browser (Bluetooth)"</p>
                <p class="ble-link" role="status">{label}</p>
            </header>
            {readings}
            {waiting}
            {switch}
            <p class="card-alert" role="alert" hidden=move || held.problem.with(Option::is_none)>
                {move || held.problem.get()}
            </p>
            <footer class="card-footer">
                <button type="button" class="ble-refresh" on:click=move |_| held.wake(Wake::Refresh)>
                    {move || if stopped() { "Reconnect" } else { "Refresh" }}
                </button>
                <button type="button" class="ble-forget" on:click=move |_| ctx.bluetooth.forget(held)>
                    "Forget"
                </button>
            </footer>
        </article>
    }
}
