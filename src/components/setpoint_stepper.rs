//! − / + buttons around a device's setpoint, shown in the user's unit.

use hearth_core::Command;
use leptos::prelude::*;

use crate::app_context::use_app_context;
use crate::format;
use crate::setpoint::SetpointRange;
use crate::store::device_entry::DeviceEntry;

#[component]
pub(crate) fn SetpointStepper(entry: DeviceEntry, range: SetpointRange) -> impl IntoView {
    let ctx = use_app_context();
    let name = entry.device.with_value(|d| d.name.clone());
    let setpoint = move || entry.state.with(|s| s.setpoint);
    let busy = move || entry.pending.with(Option::is_some);
    let pending = move || {
        entry.pending.with(|p| {
            p.as_ref()
                .is_some_and(|p| matches!(p.command, Command::SetSetpoint { .. }))
        })
    };
    let shown = move || {
        setpoint()
            .map(|celsius| format::temperature(celsius, ctx.unit.get()))
            .unwrap_or_else(|| format::UNKNOWN.to_owned())
    };
    let nudge = move |up: bool| {
        let current = entry.state.with_untracked(|s| s.setpoint);
        if let Some(value) = range.nudge(current, up) {
            ctx.send_command(entry, Command::SetSetpoint { value });
        }
    };
    let unavailable =
        move |up: bool| (busy() || range.nudge(setpoint(), up).is_none()).then_some("true");
    view! {
        <div class="control stepper" role="group" aria-label=format!("{name} setpoint")>
            <span class="control-label" aria-hidden="true">"Setpoint"</span>
            <button
                type="button"
                class="step"
                aria-label=format!("Lower {name} setpoint")
                aria-disabled=move || unavailable(false)
                on:click=move |_| nudge(false)
            >
                "−"
            </button>
            <output class="setpoint" aria-live="polite" data-pending=move || pending().then_some("true")>
                {shown}
            </output>
            <button
                type="button"
                class="step"
                aria-label=format!("Raise {name} setpoint")
                aria-disabled=move || unavailable(true)
                on:click=move |_| nudge(true)
            >
                "+"
            </button>
        </div>
    }
}
