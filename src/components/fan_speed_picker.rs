//! Buttons for a fan's speed levels, the current one pressed.

use hearth_core::Command;
use leptos::prelude::*;

use crate::app_context::use_app_context;
use crate::store::device_entry::DeviceEntry;

#[component]
pub(crate) fn FanSpeedPicker(entry: DeviceEntry, max: u8) -> impl IntoView {
    let ctx = use_app_context();
    let busy = move || entry.pending.with(Option::is_some);
    let level = move |speed: u8| {
        let pending = move || {
            entry.pending.with(|p| {
                p.as_ref()
                    .is_some_and(|p| p.command == Command::SetFanSpeed { speed })
            })
        };
        view! {
            <button
                type="button"
                class="speed"
                aria-label=format!("Speed {speed}")
                aria-pressed=move || (entry.state.with(|s| s.fan_speed) == Some(speed)).to_string()
                aria-disabled=move || busy().then_some("true")
                data-pending=move || pending().then_some("true")
                on:click=move |_| ctx.send_command(entry, Command::SetFanSpeed { speed })
            >
                {speed}
            </button>
        }
    };
    view! {
        <div
            class="control fan-speed"
            role="group"
            aria-label=entry.device.with_value(|d| format!("{} fan speed", d.name))
        >
            <span class="control-label" aria-hidden="true">"Fan"</span>
            {(1..=max).map(level).collect_view()}
        </div>
    }
}
