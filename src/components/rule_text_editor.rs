//! A rule as text: the documented JSON in a text area, saved to the hub as
//! it is. The hub checks it, and every problem it finds is listed with its
//! path in the document (`actions[0].device: no device `attic``).

use leptos::html;
use leptos::prelude::*;
use web_sys::SubmitEvent;

use crate::automations::RulesModel;
use crate::components::rule_form_buttons::RuleFormButtons;

/// `id` is the rule being edited, or `None` for a new one; `open` is cleared
/// when the editor is done.
#[component]
pub(crate) fn RuleTextEditor(
    model: RulesModel,
    id: Option<String>,
    text: String,
    open: RwSignal<bool>,
) -> impl IntoView {
    let draft = RwSignal::new(text.clone());
    let problems = RwSignal::new(Vec::<String>::new());
    let saving = RwSignal::new(false);
    let area = NodeRef::<html::Textarea>::new();
    Effect::new(move || {
        if let Some(area) = area.get() {
            let _ = area.focus();
        }
    });
    let field = format!("rule-text-{}", id.as_deref().unwrap_or("new"));
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        model.store(id.clone(), draft.get_untracked(), saving, open, problems);
    };
    view! {
        <form class="rule-editor" on:submit=submit>
            <label for=field.clone()>"Rule document (JSON, as in docs/automations.md)"</label>
            <textarea
                id=field
                node_ref=area
                rows="16"
                spellcheck="false"
                on:input=move |ev| draft.set(event_target_value(&ev))
            >
                {text}
            </textarea>
            <RuleFormButtons refused=problems saving open />
        </form>
    }
}
