//! The on/off switch of a light, fan or climate device. It shows the confirmed
//! state; while a command is in flight it says so with `data-pending`.

use hearth_core::Command;
use leptos::prelude::*;

use crate::app_context::use_app_context;
use crate::store::device_entry::DeviceEntry;

#[component]
pub(crate) fn PowerSwitch(entry: DeviceEntry) -> impl IntoView {
    let ctx = use_app_context();
    let on = move || entry.state.with(|s| s.on == Some(true));
    let busy = move || entry.pending.with(Option::is_some);
    let pending = move || {
        entry
            .pending
            .with(|p| p.as_ref().is_some_and(|p| p.is_power()))
    };
    let toggle = move |_| {
        // Explicit on/off rather than toggle, so a repeated command cannot
        // flip the device back.
        let command = if entry.state.with_untracked(|s| s.on == Some(true)) {
            Command::TurnOff
        } else {
            Command::TurnOn
        };
        ctx.send_command(entry, command);
    };
    view! {
        <button
            type="button"
            class="switch"
            role="switch"
            aria-checked=move || on().to_string()
            aria-label=entry.device.with_value(|d| format!("{} power", d.name))
            aria-disabled=move || busy().then_some("true")
            data-pending=move || pending().then_some("true")
            on:click=toggle
        >
            <span class="switch-track" aria-hidden="true">
                <span class="switch-thumb"></span>
            </span>
            <span class="switch-text">{move || if on() { "On" } else { "Off" }}</span>
        </button>
    }
}
