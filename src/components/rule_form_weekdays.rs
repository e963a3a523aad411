//! Days of the week in the rule form: a group of checkboxes under a legend.

use chrono::Weekday;
use leptos::prelude::*;

use crate::automations::form::{RuleDraft, WEEKDAYS};
use crate::components::rule_form_problems::RuleFormProblems;

#[component]
pub(crate) fn RuleFormWeekdays(
    draft: RuleDraft,
    path: String,
    legend: &'static str,
    #[prop(into)] value: Signal<Vec<Weekday>>,
    on_change: Callback<Vec<Weekday>>,
) -> impl IntoView {
    let id = draft.field_id(&path);
    let boxes = WEEKDAYS
        .iter()
        .map(|&day| {
            let box_id = format!("{id}-{day}");
            let toggle = move |_| {
                let mut days = value.get_untracked();
                if days.contains(&day) {
                    days.retain(|d| *d != day);
                } else {
                    days.push(day);
                    days.sort_by_key(Weekday::num_days_from_monday);
                }
                on_change.run(days);
            };
            view! {
                <span class="weekday">
                    <input
                        type="checkbox"
                        id=box_id.clone()
                        prop:checked=move || value.with(|days| days.contains(&day))
                        on:change=toggle
                    />
                    <label for=box_id>{day.to_string()}</label>
                </span>
            }
        })
        .collect_view();
    view! {
        <fieldset class="field weekdays" aria-describedby=format!("{id}-problems")>
            <legend>{legend}</legend>
            {boxes}
            <RuleFormProblems draft path />
        </fieldset>
    }
}
