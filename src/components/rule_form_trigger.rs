//! One trigger in the rule form: its kind, then the fields of that kind
//! (sun event and offset, elevation, time and weekdays, schedule, device
//! value crossing, state change, silence), each with its problems.

use hearth_core::DeviceId;
use hearth_core::rules::Trigger;
use leptos::prelude::*;

use crate::automations::form::{
    self, RuleDraft, crossing_choices, direction_choices, new_trigger, state_choices, sun_choices,
    trigger_kind, trigger_kinds,
};
use crate::components::rule_form_device::RuleFormDevice;
use crate::components::rule_form_input::RuleFormInput;
use crate::components::rule_form_item::RuleFormItem;
use crate::components::rule_form_metric::RuleFormMetric;
use crate::components::rule_form_select::RuleFormSelect;
use crate::components::rule_form_weekdays::RuleFormWeekdays;

#[component]
pub(crate) fn RuleFormTrigger(draft: RuleDraft, index: usize) -> impl IntoView {
    let path = format!("triggers[{index}]");
    let read = move |get: fn(&Trigger) -> Option<String>| {
        Signal::derive(move || {
            draft
                .rule
                .with(|rule| rule.triggers.get(index).and_then(get))
                .unwrap_or_default()
        })
    };
    let write = move |set: fn(&mut Trigger, String)| {
        Callback::new(move |value: String| draft.trigger(index, |t| set(t, value)))
    };
    let kind = Memo::new(move |_| {
        draft
            .rule
            .with(|rule| rule.triggers.get(index).map(trigger_kind).unwrap_or("sun"))
    });
    let device = Memo::new(move |_| {
        draft.rule.with(|rule| match rule.triggers.get(index) {
            Some(
                Trigger::Numeric { device, .. }
                | Trigger::State { device, .. }
                | Trigger::Unavailable { device, .. },
            ) => device.clone(),
            _ => DeviceId::new(""),
        })
    });
    let set_device = write(|t, v| {
        if let Trigger::Numeric { device, .. }
        | Trigger::State { device, .. }
        | Trigger::Unavailable { device, .. } = t
        {
            *device = DeviceId::new(v);
        }
    });
    let device_field = {
        let path = path.clone();
        move || {
            view! {
                <RuleFormDevice
                    draft
                    path=format!("{path}.device")
                    label="Device"
                    device
                    on_change=set_device
                />
            }
        }
    };
    let hold_field = {
        let path = path.clone();
        move |label: &'static str| {
            view! {
                <RuleFormInput
                    draft
                    path=format!("{path}.for")
                    label
                    kind="number"
                    value=read(|t| match t {
                        Trigger::Numeric { hold, .. } | Trigger::State { hold, .. } => {
                            hold.map(form::span_minutes)
                        }
                        Trigger::Unavailable { hold, .. } => Some(form::span_minutes(*hold)),
                        _ => None,
                    })
                    on_change=write(|t, v| {
                        let span = form::span_from_minutes(&v);
                        match t {
                            Trigger::Numeric { hold, .. } | Trigger::State { hold, .. } => {
                                *hold = span;
                            }
                            Trigger::Unavailable { hold, .. } => {
                                if let Some(span) = span {
                                    *hold = span;
                                }
                            }
                            _ => {}
                        }
                    })
                />
            }
        }
    };

    let fields = {
        let path = path.clone();
        move || {
            match kind.get() {
            "sun" => view! {
                <RuleFormSelect
                    draft
                    path=format!("{path}.event")
                    label="Sun event"
                    choices=Signal::derive(sun_choices)
                    value=read(|t| match t {
                        Trigger::Sun { event, .. } => Some(form::sun_key(*event)),
                        _ => None,
                    })
                    on_change=write(|t, v| {
                        if let (Trigger::Sun { event, .. }, Some(chosen)) = (t, form::sun_from(&v)) {
                            *event = chosen;
                        }
                    })
                />
                <RuleFormInput
                    draft
                    path=format!("{path}.offset")
                    label="Offset in minutes (negative: before)"
                    kind="number"
                    value=read(|t| match t {
                        Trigger::Sun { offset, .. } => Some(form::span_minutes(*offset)),
                        _ => None,
                    })
                    on_change=write(|t, v| {
                        if let (Trigger::Sun { offset, .. }, Some(span)) = (t, form::span_from_minutes(&v)) {
                            *offset = span;
                        }
                    })
                />
            }
            .into_any(),
            "elevation" => view! {
                <RuleFormInput
                    draft
                    path=format!("{path}.elevation")
                    label="Elevation in degrees"
                    kind="number"
                    value=read(|t| match t {
                        Trigger::Elevation { elevation, .. } => Some(elevation.to_string()),
                        _ => None,
                    })
                    on_change=write(|t, v| {
                        if let (Trigger::Elevation { elevation, .. }, Some(n)) = (t, form::number_from(&v)) {
                            *elevation = n;
                        }
                    })
                />
                <RuleFormSelect
                    draft
                    path=format!("{path}.direction")
                    label="Direction"
                    choices=Signal::derive(direction_choices)
                    value=read(|t| match t {
                        Trigger::Elevation { direction, .. } => {
                            Some(form::direction_key(*direction).to_owned())
                        }
                        _ => None,
                    })
                    on_change=write(|t, v| {
                        if let Trigger::Elevation { direction, .. } = t {
                            *direction = form::direction_from(&v);
                        }
                    })
                />
            }
            .into_any(),
            "time" => view! {
                <RuleFormInput
                    draft
                    path=format!("{path}.at")
                    label="At (local time)"
                    kind="time"
                    value=read(|t| match t {
                        Trigger::Time { at, .. } => Some(form::time_text(*at)),
                        _ => None,
                    })
                    on_change=write(|t, v| {
                        if let (Trigger::Time { at, .. }, Some(time)) = (t, form::time_from(&v)) {
                            *at = time;
                        }
                    })
                />
                <RuleFormWeekdays
                    draft
                    path=format!("{path}.weekdays")
                    legend="On (none: every day)"
                    value=Signal::derive(move || {
                        draft.rule.with(|rule| match rule.triggers.get(index) {
                            Some(Trigger::Time { weekdays, .. }) => weekdays.clone(),
                            _ => Vec::new(),
                        })
                    })
                    on_change=Callback::new(move |days| {
                        draft.trigger(index, |t| {
                            if let Trigger::Time { weekdays, .. } = t {
                                *weekdays = days;
                            }
                        })
                    })
                />
            }
            .into_any(),
            "every" => view! {
                <RuleFormInput
                    draft
                    path=format!("{path}.every")
                    label="Every (minutes)"
                    kind="number"
                    value=read(|t| match t {
                        Trigger::Every { every, .. } => Some(form::span_minutes(*every)),
                        _ => None,
                    })
                    on_change=write(|t, v| {
                        if let (Trigger::Every { every, .. }, Some(span)) = (t, form::span_from_minutes(&v)) {
                            *every = span;
                        }
                    })
                />
                <RuleFormInput
                    draft
                    path=format!("{path}.from")
                    label="From (local time; empty: midnight)"
                    kind="time"
                    value=read(|t| match t {
                        Trigger::Every { from, .. } => from.map(form::time_text),
                        _ => None,
                    })
                    on_change=write(|t, v| {
                        if let Trigger::Every { from, .. } = t {
                            *from = form::time_from(&v);
                        }
                    })
                />
            }
            .into_any(),
            "numeric" => view! {
                {device_field.clone()}
                <RuleFormMetric
                    draft
                    path=format!("{path}.metric")
                    label="Metric"
                    device
                    metric=Signal::derive(move || {
                        draft.rule.with(|rule| match rule.triggers.get(index) {
                            Some(Trigger::Numeric { metric, .. }) => Some(*metric),
                            _ => None,
                        })
                    })
                    on_change=write(|t, v| {
                        if let (Trigger::Numeric { metric, .. }, Some(m)) = (t, form::metric_from(&v)) {
                            *metric = m;
                        }
                    })
                />
                <RuleFormSelect
                    draft
                    path=format!("{path}.crossing")
                    label="When it"
                    choices=Signal::derive(crossing_choices)
                    value=read(|t| match t {
                        Trigger::Numeric { crossing, .. } => Some(crossing.label().to_owned()),
                        _ => None,
                    })
                    on_change=write(|t, v| {
                        if let Trigger::Numeric { crossing, .. } = t {
                            *crossing = form::crossing_from(&v);
                        }
                    })
                />
                <RuleFormInput
                    draft
                    path=format!("{path}.threshold")
                    label="Threshold (°C for temperatures)"
                    kind="number"
                    value=read(|t| match t {
                        Trigger::Numeric { threshold, .. } => Some(threshold.to_string()),
                        _ => None,
                    })
                    on_change=write(|t, v| {
                        if let (Trigger::Numeric { threshold, .. }, Some(n)) = (t, form::number_from(&v)) {
                            *threshold = n;
                        }
                    })
                />
                <RuleFormInput
                    draft
                    path=format!("{path}.hysteresis")
                    label="Hysteresis"
                    kind="number"
                    value=read(|t| match t {
                        Trigger::Numeric { hysteresis, .. } => Some(hysteresis.to_string()),
                        _ => None,
                    })
                    on_change=write(|t, v| {
                        if let Trigger::Numeric { hysteresis, .. } = t {
                            *hysteresis = form::number_from(&v).unwrap_or_default();
                        }
                    })
                />
                {hold_field.clone()("For (minutes; empty: at once)")}
            }
            .into_any(),
            "state" => view! {
                {device_field.clone()}
                <RuleFormSelect
                    draft
                    path=format!("{path}.from")
                    label="From"
                    choices=Signal::derive(move || state_choices(true))
                    value=read(|t| match t {
                        Trigger::State { from, .. } => Some(form::state_key(*from)),
                        _ => None,
                    })
                    on_change=write(|t, v| {
                        if let Trigger::State { from, .. } = t {
                            *from = form::state_from(&v);
                        }
                    })
                />
                <RuleFormSelect
                    draft
                    path=format!("{path}.to")
                    label="To"
                    choices=Signal::derive(move || state_choices(true))
                    value=read(|t| match t {
                        Trigger::State { to, .. } => Some(form::state_key(*to)),
                        _ => None,
                    })
                    on_change=write(|t, v| {
                        if let Trigger::State { to, .. } = t {
                            *to = form::state_from(&v);
                        }
                    })
                />
                {hold_field.clone()("For (minutes; empty: at once)")}
            }
            .into_any(),
            _ => view! {
                {device_field.clone()}
                {hold_field.clone()("Silent for (minutes)")}
            }
            .into_any(),
        }
        }
    };

    let change_kind = Callback::new(move |chosen: String| {
        let trigger = draft.devices.with_untracked(|d| new_trigger(&chosen, d));
        draft.trigger(index, |t| *t = trigger);
    });
    let remove = Callback::new(move |()| {
        draft.rule.update(|rule| {
            if index < rule.triggers.len() {
                rule.triggers.remove(index);
            }
        });
    });
    view! {
        <RuleFormItem
            draft
            path
            name=format!("Trigger {}", index + 1)
            kinds=Signal::derive(trigger_kinds)
            kind=Signal::derive(move || kind.get().to_owned())
            on_kind=change_kind
            on_remove=Some(remove)
        >
            {fields}
        </RuleFormItem>
    }
}
