//! Home: the header with the connection indicator and unit toggle, then every
//! room with its devices' cards.

use leptos::prelude::*;

use crate::app_context::use_app_context;
use crate::components::connection_indicator::ConnectionIndicator;
use crate::components::room_section::RoomSection;
use crate::components::unit_toggle::UnitToggle;

#[component]
pub(crate) fn HomePage() -> impl IntoView {
    let ctx = use_app_context();
    let rooms = Memo::new(move |_| ctx.store.rooms());
    let connected = move || ctx.connection.with(|c| c.is_connected());
    let empty = move || {
        ctx.store.is_empty().then(|| {
            let text = if connected() {
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
            <ConnectionIndicator />
            <UnitToggle />
        </header>
        // Values stay on screen while the link is down, dimmed so nobody takes
        // them for live ones.
        <main class="home" data-stale=move || (!connected()).then_some("true")>
            {empty}
            <For
                each=move || rooms.get()
                key=|room| room.name.clone()
                children=move |room| {
                    view! { <RoomSection heading_id=room.heading_id() name=room.name rooms /> }
                }
            />
        </main>
    }
}
