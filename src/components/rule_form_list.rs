//! One of the rule form's three lists (triggers, conditions, actions): its
//! items and the button that adds one.

use leptos::prelude::*;

#[component]
pub(crate) fn RuleFormList(
    legend: &'static str,
    add_label: &'static str,
    on_add: Callback<()>,
    children: Children,
) -> impl IntoView {
    view! {
        <fieldset class="rule-form-list">
            <legend>{legend}</legend>
            {children()}
            <button type="button" on:click=move |_| on_add.run(())>
                {add_label}
            </button>
        </fieldset>
    }
}
