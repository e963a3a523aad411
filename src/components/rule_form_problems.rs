//! What core's validation says about one field of the rule form, under the
//! field, with an id the field names in `aria-describedby`.

use leptos::prelude::*;

use crate::automations::form::RuleDraft;

#[component]
pub(crate) fn RuleFormProblems(draft: RuleDraft, path: String) -> impl IntoView {
    let id = format!("{}-problems", draft.field_id(&path));
    view! {
        <ul class="field-problems" id=id>
            {move || {
                draft
                    .problems_at(&path)
                    .into_iter()
                    .map(|problem| {
                        let severity = format!("{:?}", problem.severity).to_lowercase();
                        view! { <li data-severity=severity>{problem.message}</li> }
                    })
                    .collect_view()
            }}
        </ul>
    }
}
