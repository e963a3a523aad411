//! The frame every trigger, condition and action of the rule form shares: a
//! numbered fieldset, its kind, that kind's fields and the button that
//! removes it.

use leptos::prelude::*;

use crate::automations::form::{Choices, RuleDraft};
use crate::components::rule_form_select::RuleFormSelect;

/// `path` is the item's place in the document (`triggers[0]`); `name` is what
/// its legend and remove button call it (`Trigger 1`). `on_kind` is called
/// with a new kind only; `on_remove` is `None` where the item cannot be
/// removed on its own.
#[component]
pub(crate) fn RuleFormItem(
    draft: RuleDraft,
    path: String,
    name: String,
    #[prop(into)] kinds: Signal<Choices>,
    #[prop(into)] kind: Signal<String>,
    on_kind: Callback<String>,
    on_remove: Option<Callback<()>>,
    children: Children,
) -> impl IntoView {
    let remove_label = format!("Remove {}", name.to_lowercase());
    // Choosing the kind the item has already keeps its fields as they are.
    let change_kind = Callback::new(move |chosen: String| {
        if chosen != kind.get_untracked() {
            on_kind.run(chosen);
        }
    });
    view! {
        <fieldset class="rule-form-item">
            <legend>{name}</legend>
            <RuleFormSelect
                draft
                path=format!("{path}.type")
                label="Kind"
                choices=kinds
                value=kind
                on_change=change_kind
            />
            {children()}
            {on_remove
                .map(|remove| {
                    view! {
                        <button type="button" class="remove" on:click=move |_| remove.run(())>
                            {remove_label}
                        </button>
                    }
                })}
        </fieldset>
    }
}
