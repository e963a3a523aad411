//! One room on the home page: its name and its devices' cards.

use leptos::prelude::*;

use crate::app_context::use_app_context;
use crate::components::device_card::DeviceCard;
use crate::store::rooms::Room;

/// `name` picks this section's room out of `rooms`, so devices joining or
/// leaving the room update the section rather than rebuilding it.
#[component]
pub(crate) fn RoomSection(
    name: String,
    heading_id: String,
    rooms: Memo<Vec<Room>>,
) -> impl IntoView {
    let ctx = use_app_context();
    let title = name.clone();
    let labelled_by = heading_id.clone();
    let devices = move || {
        rooms.with(|rooms| {
            rooms
                .iter()
                .find(|room| room.name == name)
                .map(|room| room.devices.clone())
                .unwrap_or_default()
        })
    };
    view! {
        <section class="room" aria-labelledby=labelled_by>
            <h2 id=heading_id>{title}</h2>
            <div class="cards">
                <For
                    each=devices
                    key=|id| id.clone()
                    children=move |id| {
                        ctx.store.get(&id).map(|entry| view! { <DeviceCard entry /> })
                    }
                />
            </div>
        </section>
    }
}
