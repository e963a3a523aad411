//! One rule in the automations list: its name with an enabled switch, the
//! rule in plain words, when it last fired and fires next, its firings over
//! the next 7 days on request, and Run now, Edit as text, Duplicate and
//! Delete (which asks first, in place, with the focus on keeping the rule).

use hearth_core::Device;
use hearth_core::rules::summary;
use leptos::html;
use leptos::logging::warn;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app_context::use_app_context;
use crate::automations::{RulesModel, Verb, document_text, duplicate, preview, when};
use crate::components::rule_text_editor::RuleTextEditor;

#[component]
pub(crate) fn RuleRow(id: String, model: RulesModel) -> impl IntoView {
    let ctx = use_app_context();
    let status = {
        let id = id.clone();
        Memo::new(move |_| model.status(&id))
    };
    let name = move || status.with(|s| s.as_ref().map(|s| s.rule.name.clone()).unwrap_or_default());
    let enabled = move || status.with(|s| s.as_ref().is_some_and(|s| s.rule.enabled));
    let words = move || {
        let devices: Vec<Device> = ctx
            .store
            .rooms()
            .iter()
            .flat_map(|room| room.devices.iter().map(|entry| entry.device.get_value()))
            .collect();
        status.with(|s| {
            s.as_ref()
                .map(|s| summary(&s.rule, devices.as_slice()))
                .unwrap_or_default()
        })
    };
    let last_fired = move || {
        status.with(|s| match s.as_ref().and_then(|s| s.last_fired) {
            Some(at) => when(at),
            None => "never".to_owned(),
        })
    };
    let next_firing = move || {
        status.with(|s| match s.as_ref() {
            Some(s) if !s.rule.enabled => "off while disabled".to_owned(),
            Some(s) => match s.next_firing {
                Some(next) => when(next.at),
                None => "not on a clock in the next 7 days".to_owned(),
            },
            None => String::new(),
        })
    };

    let switch_id = format!("rule-enabled-{id}");
    let toggle = {
        let id = id.clone();
        move |_| {
            let (verb, done) = if enabled() {
                (Verb::Disable, "disabled")
            } else {
                (Verb::Enable, "enabled")
            };
            model.act(verb, id.clone(), format!("“{}” {done}.", name()));
        }
    };
    let run = {
        let id = id.clone();
        move |_| model.act(Verb::Run, id.clone(), format!("“{}” ran.", name()))
    };
    let copy = move |_| {
        if let Some(s) = status.get_untracked() {
            let copy = duplicate(&s.rule);
            let done = format!("Added “{}”, disabled.", copy.name);
            model.create(vec![copy], done);
        }
    };

    let editing = RwSignal::new(false);
    let editor = {
        let id = id.clone();
        move || {
            status.get_untracked().map(|s| {
                view! {
                    <RuleTextEditor
                        model
                        id=Some(id.clone())
                        text=document_text(&s.rule)
                        open=editing
                    />
                }
            })
        }
    };

    let previewing = RwSignal::new(false);
    let upcoming = RwSignal::new(None);
    // Asked again whenever the rule changes while the list is open: an edit
    // here or elsewhere moves its firings.
    Effect::new({
        let id = id.clone();
        move || {
            if !previewing.get() {
                return;
            }
            status.track();
            let id = id.clone();
            spawn_local(async move {
                let answer = preview(&id).await;
                if let Err(message) = &answer {
                    warn!("automations: {message}");
                }
                upcoming.try_set(Some(answer));
            });
        }
    });
    let firings = move || {
        if !enabled() {
            return view! { <p>"Off while disabled."</p> }.into_any();
        }
        upcoming.with(|answer| match answer {
            None => view! { <p>"Asking the hub…"</p> }.into_any(),
            Some(Err(message)) => view! { <p>{message.clone()}</p> }.into_any(),
            Some(Ok(list)) if list.is_empty() => {
                view! { <p>"Nothing on a clock in the next 7 days."</p> }.into_any()
            }
            Some(Ok(list)) => view! {
                <ol>{list.iter().map(|next| view! { <li>{when(next.at)}</li> }).collect_view()}</ol>
            }
            .into_any(),
        })
    };

    let confirming = RwSignal::new(false);
    let keep = NodeRef::<html::Button>::new();
    let delete_button = NodeRef::<html::Button>::new();
    // The question takes the focus when it appears, on its safe answer, so
    // Enter or Space never deletes by accident.
    Effect::new(move || {
        if let Some(button) = keep.get() {
            let _ = button.focus();
        }
    });
    let cancel = move || {
        confirming.set(false);
        if let Some(button) = delete_button.get_untracked() {
            let _ = button.focus();
        }
    };
    let delete = {
        let id = id.clone();
        move |_| {
            confirming.set(false);
            model.act(Verb::Delete, id.clone(), format!("“{}” deleted.", name()));
        }
    };

    view! {
        <li class="rule" data-enabled=move || enabled().to_string()>
            <div class="rule-head">
                <input
                    type="checkbox"
                    role="switch"
                    class="rule-switch"
                    id=switch_id.clone()
                    prop:checked=enabled
                    on:change=toggle
                />
                <label class="rule-name" for=switch_id>
                    {name}
                </label>
            </div>
            <p class="rule-summary">{words}</p>
            <dl class="rule-times">
                <div>
                    <dt>"Last fired"</dt>
                    <dd class="rule-last">{last_fired}</dd>
                </div>
                <div>
                    <dt>"Next firing"</dt>
                    <dd class="rule-next">{next_firing}</dd>
                </div>
            </dl>
            <div class="rule-buttons">
                <button type="button" on:click=run>
                    "Run now"
                </button>
                <button
                    type="button"
                    aria-expanded=move || previewing.get().to_string()
                    on:click=move |_| previewing.update(|open| *open = !*open)
                >
                    "Next 7 days"
                </button>
                <button
                    type="button"
                    aria-expanded=move || editing.get().to_string()
                    on:click=move |_| editing.update(|open| *open = !*open)
                >
                    "Edit as text"
                </button>
                <button type="button" on:click=copy>
                    "Duplicate"
                </button>
                <button
                    type="button"
                    class="danger"
                    node_ref=delete_button
                    aria-expanded=move || confirming.get().to_string()
                    on:click=move |_| confirming.set(true)
                >
                    "Delete"
                </button>
            </div>
            <Show when=move || previewing.get()>
                <div class="rule-preview" role="group" aria-label="Next 7 days">
                    {firings}
                </div>
            </Show>
            <Show when=move || editing.get()>{editor.clone()}</Show>
            <Show when=move || confirming.get()>
                <div
                    class="rule-confirm"
                    role="group"
                    aria-label="Confirm deletion"
                    on:keydown=move |ev| {
                        if ev.key() == "Escape" {
                            cancel();
                        }
                    }
                >
                    <p>{move || format!("Delete “{}”? This cannot be undone.", name())}</p>
                    <button type="button" class="danger" on:click=delete.clone()>
                        "Delete"
                    </button>
                    <button type="button" node_ref=keep on:click=move |_| cancel()>
                        "Keep"
                    </button>
                </div>
            </Show>
        </li>
    }
}
