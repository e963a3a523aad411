//! The rule editor: a form over every trigger, condition and action kind
//! with device and metric pickers from the live device list, core's
//! validation shown at each field as the rule changes, the browser's own
//! preview of the next 7 days, and a text view of the same document
//! (switching keeps the rule). Saved to the hub as a new rule or in place.

use hearth_core::Device;
use hearth_core::rules::{Diagnostic, Rule, Severity, validate};
use leptos::html;
use leptos::prelude::*;
use web_sys::SubmitEvent;

use crate::app_context::use_app_context;
use crate::automations::form::{RuleDraft, new_action, new_condition, new_trigger};
use crate::automations::{RulesModel, document_text, parse_document};
use crate::components::rule_form_action::RuleFormAction;
use crate::components::rule_form_buttons::RuleFormButtons;
use crate::components::rule_form_condition::RuleFormCondition;
use crate::components::rule_form_input::RuleFormInput;
use crate::components::rule_form_list::RuleFormList;
use crate::components::rule_form_select::RuleFormSelect;
use crate::components::rule_form_trigger::RuleFormTrigger;
use crate::components::rule_timeline::RuleTimeline;

/// `id` is the rule being edited, or `None` for a new one; `open` is cleared
/// when the editor is done.
#[component]
pub(crate) fn RuleForm(
    model: RulesModel,
    id: Option<String>,
    rule: Rule,
    open: RwSignal<bool>,
) -> impl IntoView {
    let ctx = use_app_context();
    let devices = Memo::new(move |_| {
        ctx.store
            .rooms()
            .iter()
            .flat_map(|room| room.devices.iter().map(|entry| entry.device.get_value()))
            .collect::<Vec<Device>>()
    });
    let document = RwSignal::new(rule);
    let problems: Memo<Vec<Diagnostic>> =
        Memo::new(move |_| document.with(|rule| devices.with(|d| validate(rule, d.as_slice()))));
    let prefix = id.clone().unwrap_or_else(|| "new".to_owned());
    let draft = RuleDraft::new(document, devices.into(), problems.into(), prefix.clone());

    let as_text = RwSignal::new(false);
    let text = RwSignal::new(String::new());
    let text_error = RwSignal::new(None::<String>);
    let refused = RwSignal::new(Vec::<String>::new());
    let saving = RwSignal::new(false);
    let heading = NodeRef::<html::Legend>::new();
    Effect::new(move || {
        if let Some(name) = heading.get() {
            name.scroll_into_view();
        }
    });

    let show_text = move |_| {
        text.set(document_text(&document.get_untracked()));
        text_error.set(None);
        as_text.set(true);
    };
    let show_form = move |_| match parse_document(&text.get_untracked()) {
        Ok(rule) => {
            document.set(rule);
            text_error.set(None);
            as_text.set(false);
        }
        Err(message) => text_error.set(Some(message)),
    };

    let submit = {
        let id = id.clone();
        move |ev: SubmitEvent| {
            ev.prevent_default();
            let body = if as_text.get_untracked() {
                match parse_document(&text.get_untracked()) {
                    Ok(rule) => rule,
                    Err(message) => {
                        text_error.set(Some(message));
                        return;
                    }
                }
            } else {
                document.get_untracked()
            };
            // A rule is plain data: it always serialises.
            let body = serde_json::to_string(&body).unwrap_or_default();
            model.store(id.clone(), body, saving, open, refused);
        }
    };

    let count = move |severity| {
        problems.with(|found| found.iter().filter(|p| p.severity == severity).count())
    };
    let summary = move || match (count(Severity::Error), count(Severity::Warning)) {
        (0, 0) => "No problems found.".to_owned(),
        (errors, warnings) => {
            format!("{errors} error(s), {warnings} warning(s), shown at their fields.")
        }
    };

    let triggers = move || draft.rule.with(|rule| rule.triggers.len());
    let conditions = move || draft.rule.with(|rule| rule.conditions.len());
    let actions = move || draft.rule.with(|rule| rule.actions.len());
    let add_trigger = Callback::new(move |()| {
        let trigger = devices.with_untracked(|d| new_trigger("sun", d));
        document.update(|rule| rule.triggers.push(trigger));
    });
    let add_condition = Callback::new(move |()| {
        let condition = devices.with_untracked(|d| new_condition("time", d));
        document.update(|rule| rule.conditions.push(condition));
    });
    let add_action = Callback::new(move |()| {
        let action = devices.with_untracked(|d| new_action("command", d));
        document.update(|rule| rule.actions.push(action));
    });
    let text_id = format!("rule-form-{prefix}-text");

    let form_view = move || {
        view! {
            <RuleFormInput
                draft
                path="name".to_owned()
                label="Name"
                kind="text"
                value=Signal::derive(move || document.with(|rule| rule.name.clone()))
                on_change=Callback::new(move |name| document.update(|rule| rule.name = name))
            />
            <RuleFormSelect
                draft
                path="mode".to_owned()
                label="When it fires while still running"
                choices=Signal::derive(|| {
                    vec![
                        ("single".to_owned(), "Ignore the new firing".to_owned()),
                        ("restart".to_owned(), "Restart".to_owned()),
                        ("queued".to_owned(), "Queue it".to_owned()),
                    ]
                })
                value=Signal::derive(move || {
                    document.with(|rule| format!("{:?}", rule.mode).to_lowercase())
                })
                on_change=Callback::new(move |mode: String| {
                    let mode = match mode.as_str() {
                        "restart" => hearth_core::rules::Mode::Restart,
                        "queued" => hearth_core::rules::Mode::Queued,
                        _ => hearth_core::rules::Mode::Single,
                    };
                    document.update(|rule| rule.mode = mode);
                })
            />
            <RuleFormList legend="When (any of these)" add_label="Add a trigger" on_add=add_trigger>
                <For each=move || 0..triggers() key=|i| *i let:index>
                    <RuleFormTrigger draft index />
                </For>
            </RuleFormList>
            <RuleFormList legend="Only if (all of these)" add_label="Add a condition" on_add=add_condition>
                <For each=move || 0..conditions() key=|i| *i let:index>
                    <RuleFormCondition draft at=vec![index] />
                </For>
            </RuleFormList>
            <RuleFormList legend="Do (in order)" add_label="Add an action" on_add=add_action>
                <For each=move || 0..actions() key=|i| *i let:index>
                    <RuleFormAction draft index />
                </For>
            </RuleFormList>
            <RuleTimeline
                rule=Signal::derive(move || Some(document.get()))
                site=model.site
                label="Preview: next 7 days"
            />
        }
    };
    let text_view = {
        let text_id = text_id.clone();
        move || {
            view! {
                <label for=text_id.clone()>"Rule document (JSON, as in docs/automations.md)"</label>
                <textarea
                    id=text_id.clone()
                    rows="16"
                    spellcheck="false"
                    prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))
                ></textarea>
            }
        }
    };

    view! {
        <form class="rule-form" on:submit=submit>
            <fieldset class="rule-form-main">
                <legend node_ref=heading>
                    {move || document.with(|rule| format!("Editing “{}”", rule.name))}
                </legend>
                <div class="rule-form-views" role="group" aria-label="Edit as">
                    <button
                        type="button"
                        aria-pressed=move || (!as_text.get()).to_string()
                        on:click=show_form
                    >
                        "Form"
                    </button>
                    <button
                        type="button"
                        aria-pressed=move || as_text.get().to_string()
                        on:click=show_text
                    >
                        "Text"
                    </button>
                </div>
                <p class="rule-error" role="alert">
                    {move || text_error.get()}
                </p>
                <p class="rule-form-summary" role="status">
                    {summary}
                </p>
                <Show when=move || !as_text.get() fallback=text_view.clone()>
                    {form_view}
                </Show>
                <RuleFormButtons refused saving open />
            </fieldset>
        </form>
    }
}
