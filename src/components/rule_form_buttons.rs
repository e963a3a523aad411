//! The end of both rule editors (form and text): what the hub refused, then
//! Save and Cancel.

use leptos::prelude::*;

/// `refused` lists the hub's problems with the last save; `open` is cleared
/// by Cancel.
#[component]
pub(crate) fn RuleFormButtons(
    #[prop(into)] refused: Signal<Vec<String>>,
    #[prop(into)] saving: Signal<bool>,
    open: RwSignal<bool>,
) -> impl IntoView {
    view! {
        <ul class="rule-problems">
            {move || {
                refused.get().into_iter().map(|problem| view! { <li>{problem}</li> }).collect_view()
            }}
        </ul>
        <div class="rule-buttons">
            <button type="submit" disabled=move || saving.get()>
                "Save"
            </button>
            <button type="button" on:click=move |_| open.set(false)>
                "Cancel"
            </button>
        </div>
    }
}
