//! A device picker in the rule form: the live devices, with the one chosen
//! now kept in the list even when it is gone, so the form shows what the
//! rule names.

use hearth_core::DeviceId;
use leptos::prelude::*;

use crate::automations::form::{RuleDraft, device_choices};
use crate::components::rule_form_select::RuleFormSelect;

#[component]
pub(crate) fn RuleFormDevice(
    draft: RuleDraft,
    path: String,
    label: &'static str,
    /// The device the rule names now.
    #[prop(into)]
    device: Signal<DeviceId>,
    on_change: Callback<String>,
) -> impl IntoView {
    view! {
        <RuleFormSelect
            draft
            path
            label
            choices=Signal::derive(move || draft.devices.with(|d| device_choices(d, &device.get())))
            value=Signal::derive(move || device.get().to_string())
            on_change
        />
    }
}
