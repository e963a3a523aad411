//! One rule in the automations list: its name with an enabled switch, the
//! rule in plain words, when it last fired and fires next, and on request
//! its firings over the next 7 days (computed in the browser), its traces
//! and a replay over past days; Run now, Edit (the form), Edit as text,
//! Duplicate and Delete (which asks first, in place, with the focus on
//! keeping the rule).

use hearth_core::Device;
use hearth_core::rules::summary;
use leptos::html;
use leptos::prelude::*;

use crate::app_context::use_app_context;
use crate::automations::{RulesModel, Verb, document_text, duplicate, when};
use crate::components::confirm_question::ConfirmQuestion;
use crate::components::rule_form::RuleForm;
use crate::components::rule_replay::RuleReplay;
use crate::components::rule_text_editor::RuleTextEditor;
use crate::components::rule_timeline::RuleTimeline;
use crate::components::rule_traces::RuleTraces;

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

    let form_open = RwSignal::new(false);
    let form = {
        let id = id.clone();
        move || {
            status.get_untracked().map(|s| {
                view! { <RuleForm model id=Some(id.clone()) rule=s.rule open=form_open /> }
            })
        }
    };

    let previewing = RwSignal::new(false);
    let firings = move || {
        if !enabled() {
            return view! {
                <div class="rule-preview" role="group" aria-label="Next 7 days">
                    <p>"Off while disabled."</p>
                </div>
            }
            .into_any();
        }
        view! {
            <RuleTimeline
                rule=Signal::derive(move || status.with(|s| s.as_ref().map(|s| s.rule.clone())))
                site=model.site
                label="Next 7 days"
            />
        }
        .into_any()
    };
    let tracing = RwSignal::new(false);
    let traces = {
        let id = id.clone();
        move || view! { <RuleTraces id=id.clone() changed=Signal::derive(move || status.track()) /> }
    };
    let replaying = RwSignal::new(false);
    let replay = {
        let id = id.clone();
        move || {
            view! {
                <RuleReplay
                    id=id.clone()
                    rule=Signal::derive(move || status.with(|s| s.as_ref().map(|s| s.rule.clone())))
                />
            }
        }
    };

    let confirming = RwSignal::new(false);
    let delete_button = NodeRef::<html::Button>::new();
    let cancel = Callback::new(move |()| {
        confirming.set(false);
        if let Some(button) = delete_button.get_untracked() {
            let _ = button.focus();
        }
    });
    let delete = {
        let id = id.clone();
        Callback::new(move |()| {
            confirming.set(false);
            model.act(Verb::Delete, id.clone(), format!("“{}” deleted.", name()));
        })
    };
    let question = Signal::derive(move || format!("Delete “{}”? This cannot be undone.", name()));

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
                    aria-expanded=move || tracing.get().to_string()
                    on:click=move |_| tracing.update(|open| *open = !*open)
                >
                    "Traces"
                </button>
                <button
                    type="button"
                    aria-expanded=move || replaying.get().to_string()
                    on:click=move |_| replaying.update(|open| *open = !*open)
                >
                    "Replay"
                </button>
                <button
                    type="button"
                    aria-expanded=move || form_open.get().to_string()
                    on:click=move |_| form_open.update(|open| *open = !*open)
                >
                    "Edit"
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
            <Show when=move || previewing.get()>{firings}</Show>
            <Show when=move || tracing.get()>{traces.clone()}</Show>
            <Show when=move || replaying.get()>{replay.clone()}</Show>
            <Show when=move || form_open.get()>{form.clone()}</Show>
            <Show when=move || editing.get()>{editor.clone()}</Show>
            <Show when=move || confirming.get()>
                <ConfirmQuestion
                    label="Confirm deletion"
                    question
                    answer="Delete"
                    on_confirm=delete
                    on_keep=cancel
                />
            </Show>
        </li>
    }
}
