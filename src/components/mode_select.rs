//! The operating mode of a climate device.

use hearth_core::{Command, HvacMode};
use leptos::prelude::*;

use crate::app_context::use_app_context;
use crate::store::device_entry::DeviceEntry;

#[component]
pub(crate) fn ModeSelect(entry: DeviceEntry, modes: Vec<HvacMode>) -> impl IntoView {
    let ctx = use_app_context();
    let select_id = entry.device.with_value(|d| format!("device-{}-mode", d.id));
    let label_for = select_id.clone();
    let busy = move || entry.pending.with(Option::is_some);
    let pending = move || {
        entry.pending.with(|p| {
            p.as_ref()
                .is_some_and(|p| matches!(p.command, Command::SetMode { .. }))
        })
    };
    let choices = modes.clone();
    let change = move |ev| {
        let value = event_target_value(&ev);
        if let Some(mode) = choices.iter().copied().find(|m| m.wire_name() == value) {
            ctx.send_command(entry, Command::SetMode { mode });
        }
    };
    let options = modes
        .into_iter()
        .map(|mode| {
            // Reading `pending` too puts the confirmed mode back when a command
            // ends, undoing the choice the user made if the hub refused it.
            let selected = move || {
                entry.pending.track();
                entry.state.with(|s| s.mode == Some(mode))
            };
            view! {
                <option value=mode.wire_name() prop:selected=selected>
                    {mode.label()}
                </option>
            }
        })
        .collect_view();
    view! {
        <div class="control mode">
            <label class="control-label" for=label_for>
                "Mode"
            </label>
            <select
                id=select_id
                aria-disabled=move || busy().then_some("true")
                data-pending=move || pending().then_some("true")
                on:change=change
            >
                {options}
            </select>
        </div>
    }
}
