//! "When would this rule have fired?": the hub runs the rule over the last
//! few days of stored readings, and the moments it would have fired are
//! marked on a track of those days and listed with what its trigger saw.

use chrono::{DateTime, TimeDelta, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsValue;
use web_sys::SubmitEvent;

use crate::app_context::use_app_context;
use crate::automations::preview::position;
use crate::automations::{replay, text, when_text};

/// The longest replay the hub answers.
const MAX_DAYS: u32 = 31;

#[component]
pub(crate) fn RuleReplay(id: String) -> impl IntoView {
    let ctx = use_app_context();
    let days = RwSignal::new(1_u32);
    // The answer, with the span it covers: `days` up to `now`.
    let found = RwSignal::new_local(None::<(DateTime<Utc>, u32, Result<Vec<JsValue>, String>)>);
    let busy = RwSignal::new(false);
    let field = format!("rule-replay-days-{id}");
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let id = id.clone();
        let days = days.get_untracked();
        let now = ctx.now.get_untracked();
        busy.set(true);
        spawn_local(async move {
            let answer = replay(&id, now, days).await;
            found.try_set(Some((now - TimeDelta::days(i64::from(days)), days, answer)));
            busy.try_set(false);
        });
    };
    let body = move || {
        found.with(|answer| match answer {
            None => ().into_any(),
            Some((_, _, Err(message))) => {
                view! { <p role="alert">{message.clone()}</p> }.into_any()
            }
            Some((_, _, Ok(list))) if list.is_empty() => {
                view! { <p>"It would not have fired."</p> }.into_any()
            }
            Some((from, days, Ok(list))) => view! {
                <svg
                    class="timeline-track"
                    viewBox="0 0 100 10"
                    preserveAspectRatio="none"
                    aria-hidden="true"
                >
                    {list
                        .iter()
                        .filter_map(|moment| {
                            let (_, ms) = when_text(&text(moment, "at"));
                            ms.is_finite()
                                .then(|| DateTime::from_timestamp_millis(ms as i64))
                                .flatten()
                        })
                        .map(|at| {
                            let x = format!("{:.2}", position(at, *from, *days));
                            view! { <line class="timeline-mark" x1=x.clone() x2=x y1="0" y2="10"></line> }
                        })
                        .collect_view()}
                </svg>
                <ol class="replayed">
                    {list
                        .iter()
                        .map(|moment| {
                            let at = text(moment, "at");
                            let (shown, _) = when_text(&at);
                            view! {
                                <li data-at=at>
                                    {format!("{shown}: {}", text(moment, "reason"))}
                                </li>
                            }
                        })
                        .collect_view()}
                </ol>
            }
            .into_any(),
        })
    };
    view! {
        <form class="rule-replay" role="group" aria-label="Replay" on:submit=submit>
            <label for=field.clone()>"Replay over the last (days)"</label>
            <input
                id=field
                type="number"
                min="1"
                max=MAX_DAYS.to_string()
                prop:value=move || days.get().to_string()
                on:change=move |ev| {
                    if let Ok(n) = event_target_value(&ev).trim().parse::<u32>() {
                        days.set(n.clamp(1, MAX_DAYS));
                    }
                }
            />
            <button type="submit" disabled=move || busy.get()>
                "Replay"
            </button>
            {body}
        </form>
    }
}
