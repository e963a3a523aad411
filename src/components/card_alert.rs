//! A card's error in plain language, announced as it appears, until dismissed
//! or replaced by the next attempt.

use leptos::prelude::*;

use crate::store::device_entry::DeviceEntry;

#[component]
pub(crate) fn CardAlert(entry: DeviceEntry) -> impl IntoView {
    move || {
        entry.error.get().map(|error| {
            view! {
                <div class="card-error">
                    <p role="alert">{error.message}</p>
                    <button type="button" class="dismiss" on:click=move |_| entry.error.set(None)>
                        "Dismiss"
                    </button>
                </div>
            }
        })
    }
}
