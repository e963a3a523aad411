//! "When would this rule have fired?": the hub runs the rule over the last
//! few days of stored readings, and the moments it would have fired are
//! marked on a track of those days and listed with what its trigger saw,
//! with a link to the device page's chart of those days, marked the same.

use chrono::{DateTime, TimeDelta, Utc};
use hearth_core::DeviceId;
use hearth_core::rules::{Action, Condition, Rule, Trigger};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsValue;
use web_sys::SubmitEvent;

use crate::app_context::use_app_context;
use crate::automations::preview::position;
use crate::automations::{replay, text, when_text};
use crate::chart::marks::ChartQuery;
use crate::chart::view::View;
use crate::router::{Route, use_router};

/// The longest replay the hub answers.
const MAX_DAYS: u32 = 31;

#[component]
pub(crate) fn RuleReplay(
    id: String,
    /// The rule replayed, for the devices whose charts the firings go on.
    #[prop(into)]
    rule: Signal<Option<Rule>>,
) -> impl IntoView {
    let ctx = use_app_context();
    let router = use_router();
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
            Some((from, days, Ok(list))) => {
                let marks: Vec<i64> = list
                    .iter()
                    .map(|moment| when_text(&text(moment, "at")).1)
                    .filter(|ms| ms.is_finite())
                    .map(|ms| ms as i64)
                    .collect();
                let start = from.timestamp_millis();
                let query = ChartQuery {
                    view: Some(View {
                        from: start,
                        to: start + i64::from(*days) * crate::chart::view::DAY,
                    }),
                    marks,
                }
                .to_query();
                let devices = rule.with(|rule| rule.as_ref().map(chart_devices).unwrap_or_default());
                let links = devices
                    .into_iter()
                    .map(|device| {
                        let name = ctx
                            .store
                            .get(&device)
                            .map(|entry| entry.device.with_value(|d| d.name.clone()))
                            .unwrap_or_else(|| device.to_string());
                        let route = Route::Device(device);
                        let href = format!("{}{query}", route.href());
                        let query = query.clone();
                        view! {
                            <li>
                                <a
                                    href=href
                                    on:click=move |ev| router.follow_with(ev, route.clone(), &query)
                                >
                                    {format!("Show on {name}’s chart")}
                                </a>
                            </li>
                        }
                    })
                    .collect_view();
                view! {
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
                <ul class="replay-charts">{links}</ul>
            }
            .into_any()
            }
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

/// The devices whose charts show what a replay is about: the first trigger
/// that names a device; failing that (a rule on the clock or the sun), every
/// device its conditions and actions name, in the order they appear.
fn chart_devices(rule: &Rule) -> Vec<DeviceId> {
    let trigger = rule.triggers.iter().find_map(|trigger| match trigger {
        Trigger::Numeric { device, .. }
        | Trigger::State { device, .. }
        | Trigger::Unavailable { device, .. } => Some(device.clone()),
        _ => None,
    });
    if let Some(device) = trigger {
        return vec![device];
    }
    let mut named = Vec::new();
    rule.conditions
        .iter()
        .for_each(|condition| condition_devices(condition, &mut named));
    for action in &rule.actions {
        match action {
            Action::Command { device, .. } => named.push(device.clone()),
            Action::TrackSetpoint { device, source, .. } => {
                named.extend([source.clone(), device.clone()]);
            }
            _ => {}
        }
    }
    let mut seen = Vec::new();
    named.retain(|device| {
        let new = !seen.contains(device);
        seen.push(device.clone());
        new
    });
    named
}

fn condition_devices(condition: &Condition, named: &mut Vec<DeviceId>) {
    match condition {
        Condition::Numeric { device, .. } | Condition::State { device, .. } => {
            named.push(device.clone());
        }
        Condition::And { conditions } | Condition::Or { conditions } => conditions
            .iter()
            .for_each(|inner| condition_devices(inner, named)),
        Condition::Not { condition } => condition_devices(condition, named),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn the_chart_link_goes_to_the_trigger_device_or_else_what_the_rule_touches() {
        let table = [
            (
                r#"{"id": "a", "name": "a", "triggers": [
                    {"type": "time", "at": "07:00:00"},
                    {"type": "numeric", "device": "fridge", "metric": "temperature", "crossing": "above", "threshold": 8},
                    {"type": "unavailable", "device": "door", "for": {"minutes": 5}}],
                  "actions": [{"type": "command", "device": "lamp", "command": {"action": "turn_on"}}]}"#,
                vec!["fridge"],
            ),
            (
                r#"{"id": "b", "name": "b", "triggers": [{"type": "sun", "event": "sunset"}],
                  "conditions": [{"type": "not", "condition": {"type": "state", "device": "tv", "on": true}}],
                  "actions": [{"type": "command", "device": "lamp", "command": {"action": "turn_on"}},
                              {"type": "command", "device": "tv", "command": {"action": "turn_off"}}]}"#,
                vec!["tv", "lamp"],
            ),
            (
                r#"{"id": "c", "name": "c", "triggers": [{"type": "time", "at": "07:00:00"}],
                  "actions": [{"type": "notify", "message": "up"}]}"#,
                vec![],
            ),
        ];
        for (json, want) in table {
            let rule: Rule = serde_json::from_str(json).expect(json);
            let want: Vec<DeviceId> = want.into_iter().map(DeviceId::new).collect();
            assert_eq!(chart_devices(&rule), want, "{json}");
        }
    }
}
