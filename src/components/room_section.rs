//! One room on the home page: its name and its devices' cards.

use leptos::prelude::*;

use crate::components::device_card::DeviceCard;
use crate::store::device_entry::DeviceEntry;
use crate::store::rooms::Room;

#[component]
pub(crate) fn RoomSection(room: Room<DeviceEntry>) -> impl IntoView {
    let heading_id = room.heading_id();
    let labelled_by = heading_id.clone();
    let cards = room
        .devices
        .into_iter()
        .map(|entry| view! { <DeviceCard entry /> })
        .collect_view();
    view! {
        <section class="room" aria-labelledby=labelled_by>
            <h2 id=heading_id>{room.name}</h2>
            <div class="cards">{cards}</div>
        </section>
    }
}
