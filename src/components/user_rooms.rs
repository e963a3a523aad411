//! The rooms an account may see, as checkboxes: "Every room", then each room
//! the devices are in (and any the account already names).

use leptos::prelude::*;

use crate::accounts::RoomChoice;
use crate::app_context::use_app_context;
use crate::components::choice_boxes::ChoiceBoxes;

#[component]
pub(crate) fn UserRooms(choice: RwSignal<RoomChoice>) -> impl IntoView {
    let ctx = use_app_context();
    // Rooms the account names come from its saved state, read once: ticking
    // a box must not rebuild the list under the keyboard's focus.
    let offered = Memo::new(move |_| {
        let devices = ctx.store.rooms().into_iter().map(|room| room.name);
        choice.with_untracked(|choice| choice.offered(devices))
    });
    view! {
        <fieldset class="choice-row">
            <legend>"Rooms"</legend>
            <label>
                <input
                    type="checkbox"
                    name="every-room"
                    prop:checked=move || choice.with(|c| c.every)
                    on:change=move |ev| choice.update(|c| c.every = event_target_checked(&ev))
                />
                "Every room"
            </label>
            <ChoiceBoxes
                offered
                name="room"
                ticked=Callback::new(move |room: String| choice.with(|c| c.has(&room)))
                toggle=Callback::new(move |room: String| choice.update(|c| c.toggle(&room)))
            />
        </fieldset>
    }
}
