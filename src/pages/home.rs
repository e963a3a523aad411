//! Home: the header with the connection indicator and unit toggle, the rules'
//! notifications, then every room with its devices' cards.

use leptos::prelude::*;

use crate::app_context::use_app_context;
use crate::components::ble_section::BleSection;
use crate::components::connection_indicator::ConnectionIndicator;
use crate::components::notifications::Notifications;
use crate::components::room_section::RoomSection;
use crate::components::unit_toggle::UnitToggle;
use crate::router::{Route, use_router};

#[component]
pub(crate) fn HomePage() -> impl IntoView {
    let ctx = use_app_context();
    let router = use_router();
    let connected = move || ctx.connection.with(|c| c.is_connected());
    let empty = move || {
        ctx.store.is_empty().then(|| {
            let text = if ctx.store.is_synced() {
                "The hub has no devices yet."
            } else {
                "Waiting for the hub…"
            };
            view! { <p class="empty">{text}</p> }
        })
    };
    view! {
        <header class="top-bar">
            <h1>"Hearth"</h1>
            <a
                href="/automations"
                class="nav-link"
                on:click=move |ev| router.follow(ev, Route::Automations)
            >
                "Automations"
            </a>
            <ConnectionIndicator />
            <UnitToggle />
        </header>
        <Notifications />
        // Values stay on screen while the link is down, dimmed so nobody takes
        // them for live ones.
        <main class="home" data-stale=move || (!connected()).then_some("true")>
            {empty}
            // Rooms change only when devices come, go or are redefined, so the
            // list is rebuilt whole then; readings and states update in place.
            {move || {
                ctx.store
                    .rooms()
                    .into_iter()
                    .filter_map(|mut room| {
                        // The hub's copy of a device this browser relays is
                        // shown once, by its Bluetooth card below.
                        room.devices
                            .retain(|e| !e.device.with_value(|d| ctx.bluetooth.holds(&d.id)));
                        (!room.devices.is_empty()).then(|| view! { <RoomSection room /> })
                    })
                    .collect_view()
            }}
            <BleSection />
        </main>
    }
}
