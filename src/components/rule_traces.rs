//! A rule's stored traces, newest first: for each firing, rejection, skip
//! or miss, when and which trigger, what it saw, every condition's result
//! and every action's outcome. Read again whenever the rule changes (a
//! firing pushes the rule, so a new trace shows up on its own).

use hearth_core::rules::{Decision, Outcome, StepResult, Trace};
use leptos::logging::warn;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::automations::{traces, when};

#[component]
pub(crate) fn RuleTraces(id: String, #[prop(into)] changed: Signal<()>) -> impl IntoView {
    let found = RwSignal::new(None::<Result<Vec<Trace>, String>>);
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

fn trace_view(trace: &Trace) -> impl IntoView + use<> {
    let (kind, at, head, conditions) = match &trace.decision {
        Decision::Fired(firing) if firing.by_hand => (
            "fired",
            firing.at,
            "Run by hand".to_owned(),
            firing.trace.clone(),
        ),
        Decision::Fired(firing) => (
            "fired",
            firing.at,
            format!("Fired by trigger {}: {}", firing.trigger + 1, firing.reason),
            firing.trace.clone(),
        ),
        Decision::Rejected {
            trigger,
            at,
            reason,
            trace,
        } => (
            "rejected",
            *at,
            format!("Trigger {} ({reason}), but a condition failed", trigger + 1),
            trace.clone(),
        ),
        Decision::Skipped {
            trigger,
            at,
            reason,
        } => (
            "skipped",
            *at,
            format!("Trigger {} skipped: {reason}", trigger + 1),
            Vec::new(),
        ),
        Decision::Missed { trigger, scheduled } => (
            "missed",
            *scheduled,
            format!("Trigger {} missed while the hub was down", trigger + 1),
            Vec::new(),
        ),
    };
    let conditions = conditions
        .into_iter()
        .map(|result| {
            let mark = if result.passed {
                "✓ held"
            } else {
                "✗ failed"
            };
            view! {
                <li data-passed=result.passed.to_string()>
                    {format!("{}: {mark} ({})", result.path, result.why)}
                </li>
            }
        })
        .collect_view();
    let outcomes = trace.outcomes.iter().map(outcome_view).collect_view();
    view! {
        <li class="trace" data-decision=kind>
            <p>
                <time datetime=at.to_rfc3339()>{when(at)}</time>
                " · "
                {head}
            </p>
            <ul class="trace-conditions" aria-label="Conditions">{conditions}</ul>
            <ul class="trace-outcomes" aria-label="Actions">{outcomes}</ul>
        </li>
    }
}

fn outcome_view(outcome: &Outcome) -> impl IntoView + use<> {
    let result = match &outcome.result {
        StepResult::Done(_) => "done".to_owned(),
        StepResult::Failed(error) => format!("failed: {}", error.message),
        StepResult::Notified => "notified".to_owned(),
        StepResult::Skipped(reason) => format!("skipped: {reason}"),
        StepResult::Cancelled => "cancelled".to_owned(),
    };
    view! { <li>{format!("Action {}: {result}, {}", outcome.action + 1, when(outcome.at))}</li> }
}
