//! One choice in the rule form (a kind, a device, a metric, a sun event):
//! a labelled select with core's problems at its path shown under it.

use leptos::prelude::*;

use crate::automations::form::{Choices, RuleDraft};
use crate::components::rule_form_problems::RuleFormProblems;

#[component]
pub(crate) fn RuleFormSelect(
    draft: RuleDraft,
    /// The field's path in the document, where validation reports it.
    path: String,
    label: &'static str,
    #[prop(into)] choices: Signal<Choices>,
    /// The wire value chosen now.
    #[prop(into)]
    value: Signal<String>,
    on_change: Callback<String>,
) -> impl IntoView {
    let id = draft.field_id(&path);
    let problems = format!("{id}-problems");
    let invalid = {
        let path = path.clone();
        move || (!draft.problems_at(&path).is_empty()).then_some("true")
    };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <select
                id=id
                aria-describedby=problems
                aria-invalid=invalid
                on:change=move |ev| on_change.run(event_target_value(&ev))
            >
                {move || {
                    let chosen = value.get();
                    choices
                        .get()
                        .into_iter()
                        .map(|(wire, text)| {
                            let selected = wire == chosen;
                            view! {
                                <option value=wire prop:selected=selected>
                                    {text}
                                </option>
                            }
                        })
                        .collect_view()
                }}
            </select>
            <RuleFormProblems draft path />
        </div>
    }
}
