//! Automations: every rule the hub runs, each with its switch, its meaning in
//! plain words and when it last fired and fires next; the templates to start
//! a new one from, or a form or text to write one. The list follows changes
//! made elsewhere (another browser, the rule runner firing a rule) as the
//! hub pushes them.

use leptos::prelude::*;

use crate::app_context::use_app_context;
use crate::automations::{BLANK, RulesModel, parse_document};
use crate::components::back_link::BackLink;
use crate::components::connection_indicator::ConnectionIndicator;
use crate::components::rule_form::RuleForm;
use crate::components::rule_row::RuleRow;
use crate::components::rule_templates::RuleTemplates;
use crate::components::rule_text_editor::RuleTextEditor;

#[component]
pub(crate) fn AutomationsPage() -> impl IntoView {
    let model = RulesModel::new();
    let store = use_app_context().store;
    // The first run only notes where the count stands: `RulesModel::new`
    // has just asked for the list.
    Effect::new(move |seen: Option<u64>| {
        let revision = store.rules_revision();
        if seen.is_some() {
            model.reload();
        }
        revision
    });
    let creating = RwSignal::new(false);
    let building = RwSignal::new(false);
    let blank = move || {
        parse_document(BLANK)
            .ok()
            .map(|rule| view! { <RuleForm model id=None rule open=building /> })
    };
    // Only a change between loading, empty and listed rebuilds the list: the
    // rows themselves follow each reload in place, keeping the focus.
    let shown = Memo::new(move |_| model.rules.with(|rules| rules.as_ref().map(Vec::is_empty)));
    let list = move || match shown.get() {
        None => view! { <p class="empty">"Loading the rules…"</p> }.into_any(),
        Some(true) => {
            view! { <p class="empty">"No rules yet: add one from a template below."</p> }.into_any()
        }
        Some(false) => view! {
            <ul class="rule-list">
                <For each=move || model.ids() key=String::clone let:id>
                    <RuleRow id model />
                </For>
            </ul>
        }
        .into_any(),
    };
    view! {
        <header class="top-bar">
            <BackLink />
            <ConnectionIndicator />
        </header>
        <main class="automations">
            <h1>"Automations"</h1>
            <p class="rule-error" role="alert">
                {move || model.error.get()}
            </p>
            <p class="rule-notice" role="status">
                {move || model.notice.get()}
            </p>
            <button
                type="button"
                class="new-rule"
                aria-expanded=move || building.get().to_string()
                on:click=move |_| building.update(|open| *open = !*open)
            >
                "New rule"
            </button>
            <Show when=move || building.get()>{blank}</Show>
            <button
                type="button"
                class="new-rule"
                aria-expanded=move || creating.get().to_string()
                on:click=move |_| creating.update(|open| *open = !*open)
            >
                "New rule as text"
            </button>
            <Show when=move || creating.get()>
                <RuleTextEditor model id=None text=BLANK.to_owned() open=creating />
            </Show>
            {list}
            <RuleTemplates model />
        </main>
    }
}
