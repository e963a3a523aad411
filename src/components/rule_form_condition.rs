//! One condition in the rule form, at its place among the rule's conditions
//! and the groups inside them: its kind, then that kind's fields, or for a
//! group (all, any, not) the conditions it holds, each a form of its own.

use hearth_core::DeviceId;
use hearth_core::rules::{Condition, SunBound};
use leptos::prelude::*;

use crate::automations::form::{
    self, RuleDraft, condition_at, condition_kind, condition_kinds, condition_path, new_condition,
    remove_condition, state_choices, sun_choices,
};
use crate::components::rule_form_device::RuleFormDevice;
use crate::components::rule_form_input::RuleFormInput;
use crate::components::rule_form_item::RuleFormItem;
use crate::components::rule_form_metric::RuleFormMetric;
use crate::components::rule_form_select::RuleFormSelect;
use crate::components::rule_form_weekdays::RuleFormWeekdays;

/// `at` is the condition's place (see `form::condition_mut`).
#[component]
pub(crate) fn RuleFormCondition(draft: RuleDraft, at: Vec<usize>) -> AnyView {
    let at = StoredValue::new(at);
    let path = draft
        .rule
        .with_untracked(|rule| at.with_value(|at| condition_path(&rule.conditions, at)));
    let read = move |get: fn(&Condition) -> Option<String>| {
        Signal::derive(move || {
            draft
                .rule
                .with(|rule| at.with_value(|at| condition_at(&rule.conditions, at).and_then(get)))
                .unwrap_or_default()
        })
    };
    let write = move |set: fn(&mut Condition, String)| {
        Callback::new(move |value: String| {
            at.with_value(|at| draft.condition(at, |c| set(c, value)));
        })
    };
    let kind = Memo::new(move |_| {
        draft.rule.with(|rule| {
            at.with_value(|at| condition_at(&rule.conditions, at).map(condition_kind))
                .unwrap_or("time")
        })
    });
    let device = Memo::new(move |_| {
        draft.rule.with(|rule| {
            at.with_value(|at| match condition_at(&rule.conditions, at) {
                Some(Condition::Numeric { device, .. } | Condition::State { device, .. }) => {
                    device.clone()
                }
                _ => DeviceId::new(""),
            })
        })
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
                    on_change=write(|c, v| {
                        if let Condition::Numeric { device, .. } | Condition::State { device, .. } = c {
                            *device = DeviceId::new(v);
                        }
                    })
                />
            }
        }
    };
    let number_field = {
        let path = path.clone();
        move |field: &'static str,
              label: &'static str,
              get: fn(&Condition) -> Option<String>,
              set: fn(&mut Condition, String)| {
            view! {
                <RuleFormInput
                    draft
                    path=format!("{path}.{field}")
                    label
                    kind="number"
                    value=read(get)
                    on_change=write(set)
                />
            }
        }
    };
    let sun_bound = {
        let path = path.clone();
        move |after: bool| {
            let field = if after { "after" } else { "before" };
            let bound = move |c: &Condition| match c {
                Condition::Sun {
                    after: a,
                    before: b,
                } => {
                    if after {
                        *a
                    } else {
                        *b
                    }
                }
                _ => None,
            };
            let set_bound = move |value: Option<SunBound>| {
                Callback::new(move |_: ()| {
                    at.with_value(|at| {
                        draft.condition(at, |c| {
                            if let Condition::Sun {
                                after: a,
                                before: b,
                            } = c
                            {
                                *(if after { a } else { b }) = value;
                            }
                        })
                    })
                })
            };
            let mut events = vec![("none".to_owned(), "No bound".to_owned())];
            events.extend(sun_choices());
            let current = Signal::derive(move || {
                draft.rule.with(|rule| {
                    at.with_value(|at| condition_at(&rule.conditions, at).and_then(bound))
                })
            });
            view! {
                <RuleFormSelect
                    draft
                    path=format!("{path}.{field}")
                    label=if after { "After" } else { "Before" }
                    choices=Signal::derive(move || events.clone())
                    value=Signal::derive(move || {
                        current.get().map(|b| form::sun_key(b.event)).unwrap_or("none".to_owned())
                    })
                    on_change=Callback::new(move |v: String| {
                        let offset = current.get_untracked().map(|b| b.offset).unwrap_or_default();
                        let value = form::sun_from(&v).map(|event| SunBound { event, offset });
                        set_bound(value).run(());
                    })
                />
                <RuleFormInput
                    draft
                    path=format!("{path}.{field}.offset")
                    label=if after { "After: offset in minutes" } else { "Before: offset in minutes" }
                    kind="number"
                    value=Signal::derive(move || {
                        current.get().map(|b| form::span_minutes(b.offset)).unwrap_or_default()
                    })
                    on_change=Callback::new(move |v: String| {
                        if let (Some(b), Some(offset)) = (current.get_untracked(), form::span_from_minutes(&v)) {
                            set_bound(Some(SunBound { offset, ..b })).run(());
                        }
                    })
                />
            }
        }
    };

    let members = move || {
        let (count, not) = draft.rule.with(|rule| {
            at.with_value(|at| match condition_at(&rule.conditions, at) {
                Some(Condition::And { conditions } | Condition::Or { conditions }) => {
                    (conditions.len(), false)
                }
                Some(Condition::Not { .. }) => (1, true),
                _ => (0, false),
            })
        });
        let inner = (0..count)
            .map(|i| {
                let mut inner = at.get_value();
                inner.push(i);
                view! { <RuleFormCondition draft at=inner /> }
            })
            .collect_view();
        let add = move |_| {
            let condition = draft.devices.with_untracked(|d| new_condition("time", d));
            at.with_value(|at| {
                draft.condition(at, |c| {
                    if let Condition::And { conditions } | Condition::Or { conditions } = c {
                        conditions.push(condition);
                    }
                })
            });
        };
        view! {
            <div class="rule-form-group">
                {inner}
                {(!not)
                    .then(|| {
                        view! {
                            <button type="button" on:click=add>
                                "Add a condition to the group"
                            </button>
                        }
                    })}
            </div>
        }
    };

    let fields = {
        let path = path.clone();
        move || {
            match kind.get() {
            "and" | "or" | "not" => members().into_any(),
            "time" => view! {
                <RuleFormInput
                    draft
                    path=format!("{path}.after")
                    label="After (local time; empty: midnight)"
                    kind="time"
                    value=read(|c| match c {
                        Condition::Time { after, .. } => after.map(form::time_text),
                        _ => None,
                    })
                    on_change=write(|c, v| {
                        if let Condition::Time { after, .. } = c {
                            *after = form::time_from(&v);
                        }
                    })
                />
                <RuleFormInput
                    draft
                    path=format!("{path}.before")
                    label="Before (local time; empty: midnight)"
                    kind="time"
                    value=read(|c| match c {
                        Condition::Time { before, .. } => before.map(form::time_text),
                        _ => None,
                    })
                    on_change=write(|c, v| {
                        if let Condition::Time { before, .. } = c {
                            *before = form::time_from(&v);
                        }
                    })
                />
            }
            .into_any(),
            "weekday" => view! {
                <RuleFormWeekdays
                    draft
                    path=format!("{path}.weekdays")
                    legend="On"
                    value=Signal::derive(move || {
                        draft.rule.with(|rule| {
                            at.with_value(|at| match condition_at(&rule.conditions, at) {
                                Some(Condition::Weekday { weekdays }) => weekdays.clone(),
                                _ => Vec::new(),
                            })
                        })
                    })
                    on_change=Callback::new(move |days| {
                        at.with_value(|at| {
                            draft.condition(at, |c| {
                                if let Condition::Weekday { weekdays } = c {
                                    *weekdays = days;
                                }
                            })
                        })
                    })
                />
            }
            .into_any(),
            "sun" => view! { {sun_bound.clone()(true)} {sun_bound.clone()(false)} }.into_any(),
            "elevation" => view! {
                {number_field.clone()(
                    "above",
                    "Above (degrees; empty: no bound)",
                    |c| match c {
                        Condition::Elevation { above, .. } => Some(form::number_text(*above)),
                        _ => None,
                    },
                    |c, v| {
                        if let Condition::Elevation { above, .. } = c {
                            *above = form::number_from(&v);
                        }
                    },
                )}
                {number_field.clone()(
                    "below",
                    "Below (degrees; empty: no bound)",
                    |c| match c {
                        Condition::Elevation { below, .. } => Some(form::number_text(*below)),
                        _ => None,
                    },
                    |c, v| {
                        if let Condition::Elevation { below, .. } = c {
                            *below = form::number_from(&v);
                        }
                    },
                )}
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
                        draft.rule.with(|rule| {
                            at.with_value(|at| match condition_at(&rule.conditions, at) {
                                Some(Condition::Numeric { metric, .. }) => Some(*metric),
                                _ => None,
                            })
                        })
                    })
                    on_change=write(|c, v| {
                        if let (Condition::Numeric { metric, .. }, Some(m)) = (c, form::metric_from(&v)) {
                            *metric = m;
                        }
                    })
                />
                {number_field.clone()(
                    "above",
                    "Above (empty: no bound)",
                    |c| match c {
                        Condition::Numeric { above, .. } => Some(form::number_text(*above)),
                        _ => None,
                    },
                    |c, v| {
                        if let Condition::Numeric { above, .. } = c {
                            *above = form::number_from(&v);
                        }
                    },
                )}
                {number_field.clone()(
                    "below",
                    "Below (empty: no bound)",
                    |c| match c {
                        Condition::Numeric { below, .. } => Some(form::number_text(*below)),
                        _ => None,
                    },
                    |c, v| {
                        if let Condition::Numeric { below, .. } = c {
                            *below = form::number_from(&v);
                        }
                    },
                )}
            }
            .into_any(),
            _ => {
                // Validation reports a state at `on` or `mode`, after the
                // part of the state it names.
                let field = read(|c| match c {
                    Condition::State { is, .. } => Some(form::state_key(Some(*is))),
                    _ => None,
                });
                let path = path.clone();
                view! {
                    {device_field.clone()}
                    {move || {
                        let at_field = if field.get().starts_with("mode") { "mode" } else { "on" };
                        view! {
                            <RuleFormSelect
                                draft
                                path=format!("{path}.{at_field}")
                                label="Is"
                                choices=Signal::derive(move || state_choices(false))
                                value=field
                                on_change=write(|c, v| {
                                    if let (Condition::State { is, .. }, Some(state)) = (c, form::state_from(&v)) {
                                        *is = state;
                                    }
                                })
                            />
                        }
                    }}
                }
                .into_any()
            }
        }
        }
    };

    let change_kind = Callback::new(move |chosen: String| {
        let condition = draft.devices.with_untracked(|d| new_condition(&chosen, d));
        at.with_value(|at| draft.condition(at, |c| *c = condition));
    });
    let remove = Callback::new(move |()| {
        at.with_value(|at| {
            draft
                .rule
                .update(|rule| remove_condition(&mut rule.conditions, at))
        });
    });
    // What a `not` holds cannot be removed on its own: the `not` goes with it.
    let removable = draft.rule.with_untracked(|rule| {
        at.with_value(|at| match at.split_last() {
            Some((_, [])) => true,
            Some((_, parent)) => !matches!(
                condition_at(&rule.conditions, parent),
                Some(Condition::Not { .. })
            ),
            None => false,
        })
    });
    let number = at.with_value(|at| {
        at.iter()
            .map(|i| (i + 1).to_string())
            .collect::<Vec<_>>()
            .join(".")
    });
    view! {
        <RuleFormItem
            draft
            path
            name=format!("Condition {number}")
            kinds=Signal::derive(condition_kinds)
            kind=Signal::derive(move || kind.get().to_owned())
            on_kind=change_kind
            on_remove=removable.then_some(remove)
        >
            {fields}
        </RuleFormItem>
    }
    .into_any()
}
