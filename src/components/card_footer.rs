//! The quiet line at the bottom of a card: a command in flight, and when the
//! hub last heard from the device.

use leptos::prelude::*;

use crate::app_context::use_app_context;
use crate::format::relative_age;
use crate::store::device_entry::DeviceEntry;

#[component]
pub(crate) fn CardFooter(entry: DeviceEntry) -> impl IntoView {
    let ctx = use_app_context();
    let sending = move || entry.pending.with(Option::is_some);
    // Devices the hub has not heard from since it started (an idle switch)
    // show nothing here rather than a "never" that reads like a fault.
    let last_seen = move || {
        entry.last_seen.get().map(|at| {
            view! {
                "Seen "
                <time datetime=at.to_rfc3339()>{move || relative_age(at, ctx.now.get())}</time>
            }
        })
    };
    view! {
        <footer class="card-foot">
            <span class="sending" aria-live="polite">
                {move || sending().then_some("Sending…")}
            </span>
            <span class="last-seen">{last_seen}</span>
        </footer>
    }
}
