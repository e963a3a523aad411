//! The home page's Bluetooth section: the devices this browser holds, the
//! "Pair Bluetooth device" button (or why this browser cannot pair), and the
//! devices permitted before that can be connected again.

use leptos::prelude::*;

use crate::app_context::use_app_context;
use crate::components::ble_card::BleCard;

#[component]
pub(crate) fn BleSection() -> impl IntoView {
    let ctx = use_app_context();
    let bluetooth = ctx.bluetooth;
    let pairing = match bluetooth.support.explanation() {
        Some(why) => view! { <p class="ble-unsupported">{why}</p> }.into_any(),
        None => view! {
            <button type="button" class="ble-pair" on:click=move |_| bluetooth.pair()>
                "Pair Bluetooth device"
            </button>
        }
        .into_any(),
    };
    let known = move || {
        bluetooth
            .known
            .get()
            .into_iter()
            .map(|(raw, name)| {
                view! {
                    <li>
                        <button type="button" on:click=move |_| bluetooth.reconnect_known(&raw)>
                            {format!("Connect {name}")}
                        </button>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <section class="room ble" aria-labelledby="room-bluetooth">
            <h2 id="room-bluetooth">"Bluetooth (this browser)"</h2>
            {pairing}
            <p class="ble-problem" role="alert" hidden=move || bluetooth.problem.with(Option::is_none)>
                {move || bluetooth.problem.get()}
            </p>
            <ul class="ble-known" hidden=move || bluetooth.known.with(Vec::is_empty)>
                {known}
            </ul>
            <div class="cards">
                <For
                    each=move || bluetooth.devices.get()
                    key=|held| held.id.get_value()
                    children=move |held| view! { <BleCard held /> }
                />
            </div>
        </section>
    }
}
