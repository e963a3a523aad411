//! One typed value in the rule form (a number, a time, a duration in
//! minutes, a message): a labelled input, read when it changes, with core's
//! problems at its path shown under it.

use leptos::prelude::*;

use crate::automations::form::RuleDraft;
use crate::components::rule_form_problems::RuleFormProblems;

#[component]
pub(crate) fn RuleFormInput(
    draft: RuleDraft,
    path: String,
    label: &'static str,
    /// The input's `type`: `number`, `time` or `text`.
    kind: &'static str,
    #[prop(into)] value: Signal<String>,
    on_change: Callback<String>,
) -> impl IntoView {
    let id = draft.field_id(&path);
    let problems = format!("{id}-problems");
    let invalid = {
        let path = path.clone();
        move || (!draft.problems_at(&path).is_empty()).then_some("true")
    };
    // Numbers take fractions and signs; times take seconds when given.
    let step = match kind {
        "number" => Some("any"),
        "time" => Some("1"),
        _ => None,
    };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                id=id
                type=kind
                step=step
                aria-describedby=problems
                aria-invalid=invalid
                prop:value=move || value.get()
                on:change=move |ev| on_change.run(event_target_value(&ev))
            />
            <RuleFormProblems draft path />
        </div>
    }
}
