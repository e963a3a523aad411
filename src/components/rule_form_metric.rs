//! A metric picker in the rule form: the metrics a device reports, with the
//! one chosen now kept in the list.

use hearth_core::{DeviceId, Metric};
use leptos::prelude::*;

use crate::automations::form::{RuleDraft, metric_choices};
use crate::components::rule_form_select::RuleFormSelect;

#[component]
pub(crate) fn RuleFormMetric(
    draft: RuleDraft,
    path: String,
    label: &'static str,
    /// The device whose metrics are offered.
    #[prop(into)]
    device: Signal<DeviceId>,
    /// The metric the rule names now; `None` while the item is of another
    /// kind, which offers nothing.
    #[prop(into)]
    metric: Signal<Option<Metric>>,
    on_change: Callback<String>,
) -> impl IntoView {
    let choices = Signal::derive(move || {
        metric
            .get()
            .map(|m| draft.devices.with(|d| metric_choices(d, &device.get(), m)))
            .unwrap_or_default()
    });
    let value = Signal::derive(move || {
        metric
            .get()
            .map(|m| m.wire_name().to_owned())
            .unwrap_or_default()
    });
    view! { <RuleFormSelect draft path label choices value on_change /> }
}
