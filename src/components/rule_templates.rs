//! The automations Hearth ships, each with what it does and a button that
//! adds its rules (a template may be more than one rule) to the hub.

use hearth_core::rules::Template;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::automations::{RulesModel, templates};

#[component]
pub(crate) fn RuleTemplates(model: RulesModel) -> impl IntoView {
    let shipped = RwSignal::new(Vec::<Template>::new());
    spawn_local(async move {
        match templates().await {
            Ok(list) => {
                shipped.try_set(list);
            }
            Err(message) => {
                model.error.try_set(Some(message));
            }
        }
    });
    view! {
        <section class="rule-templates" aria-labelledby="templates-heading">
            <h2 id="templates-heading">"Start from a template"</h2>
            <ul>
                <For
                    each=move || shipped.get()
                    key=|template| template.id.clone()
                    let:template
                >
                    {
                        let name = template.name.clone();
                        let rules = template.rules.clone();
                        let add = move |_| {
                            model.create(rules.clone(), format!("Added “{name}”."));
                        };
                        view! {
                            <li class="rule-template">
                                <div>
                                    <strong>{template.name.clone()}</strong>
                                    <p>{template.description.clone()}</p>
                                </div>
                                <button type="button" on:click=add>
                                    {format!("Add “{}”", template.name)}
                                </button>
                            </li>
                        }
                    }
                </For>
            </ul>
        </section>
    }
}
