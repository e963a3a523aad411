//! A rule's stored traces, newest first: for each firing, rejection, skip
//! or miss, when and which trigger, what it saw, every condition's result
//! and every action's outcome. Read again whenever the rule changes (a
//! firing pushes the rule, so a new trace shows up on its own). The traces
//! are read from the browser's parse of the JSON (`docs/automations.md`
//! has its shape), not decoded into core's types.

use leptos::logging::warn;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsValue;

use crate::automations::{field, index, items, text, traces, when_text};

#[component]
pub(crate) fn RuleTraces(id: String, #[prop(into)] changed: Signal<()>) -> impl IntoView {
    let found = RwSignal::new_local(None::<Result<Vec<JsValue>, String>>);
    Effect::new(move || {
        changed.track();
        let id = id.clone();
        spawn_local(async move {
            let answer = traces(&id).await;
            if let Err(message) = &answer {
                warn!("automations: {message}");
            }
            found.try_set(Some(answer));
        });
    });
    let body = move || {
        found.with(|answer| match answer {
            None => view! { <p>"Asking the hub…"</p> }.into_any(),
            Some(Err(message)) => view! { <p>{message.clone()}</p> }.into_any(),
            Some(Ok(list)) if list.is_empty() => {
                view! { <p>"No traces yet: the rule has not fired or been turned down."</p> }
                    .into_any()
            }
            Some(Ok(list)) => view! {
                <ol class="traces">{list.iter().rev().map(trace_view).collect_view()}</ol>
            }
            .into_any(),
        })
    };
    view! {
        <div class="rule-traces" role="group" aria-label="Traces">
            {body}
        </div>
    }
}

fn trace_view(trace: &JsValue) -> impl IntoView + use<> {
    let decision = field(trace, "decision");
    let kind = text(&decision, "decision");
    let trigger = index(&decision, "trigger") + 1;
    let reason = text(&decision, "reason");
    let by_hand = field(&decision, "by_hand").as_bool().unwrap_or(false);
    let head = match kind.as_str() {
        "fired" if by_hand => "Run by hand".to_owned(),
        "fired" => format!("Fired by trigger {trigger}: {reason}"),
        "rejected" => format!("Trigger {trigger} ({reason}), but a condition failed"),
        "skipped" => format!("Trigger {trigger} skipped: {reason}"),
        _ => format!("Trigger {trigger} missed while the hub was down"),
    };
    let at = match kind.as_str() {
        "missed" => text(&decision, "scheduled"),
        _ => text(&decision, "at"),
    };
    let (shown, _) = when_text(&at);
    let conditions = items(&decision, "trace")
        .iter()
        .map(|result| {
            let passed = field(result, "passed").as_bool().unwrap_or(false);
            let mark = if passed { "✓ held" } else { "✗ failed" };
            let line = format!("{}: {mark} ({})", text(result, "path"), text(result, "why"));
            view! { <li data-passed=passed.to_string()>{line}</li> }
        })
        .collect_view();
    let outcomes = items(trace, "outcomes")
        .iter()
        .map(outcome_view)
        .collect_view();
    view! {
        <li class="trace" data-decision=kind>
            <p>
                <time datetime=at>{shown}</time>
                " · "
                {head}
            </p>
            <ul class="trace-conditions" aria-label="Conditions">{conditions}</ul>
            <ul class="trace-outcomes" aria-label="Actions">{outcomes}</ul>
        </li>
    }
}

/// `{"action", "at", "result": {"result": "done" | "failed" | …, "detail"}}`.
fn outcome_view(outcome: &JsValue) -> impl IntoView + use<> {
    let result = field(outcome, "result");
    let detail = field(&result, "detail");
    let said = match text(&result, "result").as_str() {
        "failed" => format!("failed: {}", text(&detail, "message")),
        "skipped" => format!("skipped: {}", detail.as_string().unwrap_or_default()),
        other => other.to_owned(),
    };
    let (at, _) = when_text(&text(outcome, "at"));
    view! { <li>{format!("Action {}: {said}, {at}", index(outcome, "action") + 1)}</li> }
}
