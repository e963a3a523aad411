//! One action in the rule form: its kind, then that kind's fields (a
//! command with its value and switching guard, a setpoint that follows a
//! sensor, a wait, a notification), each with its problems.

use hearth_core::rules::{Action, NotifyLevel};
use hearth_core::{Command, DeviceId};
use leptos::prelude::*;

use crate::automations::form::{
    self, RuleDraft, action_kind, action_kinds, command_kind, command_kinds, mode_choices,
    new_action, new_command,
};
use crate::components::rule_form_device::RuleFormDevice;
use crate::components::rule_form_input::RuleFormInput;
use crate::components::rule_form_item::RuleFormItem;
use crate::components::rule_form_metric::RuleFormMetric;
use crate::components::rule_form_select::RuleFormSelect;

#[component]
pub(crate) fn RuleFormAction(draft: RuleDraft, index: usize) -> impl IntoView {
    let path = format!("actions[{index}]");
    let read = move |get: fn(&Action) -> Option<String>| {
        Signal::derive(move || {
            draft
                .rule
                .with(|rule| rule.actions.get(index).and_then(get))
                .unwrap_or_default()
        })
    };
    let write = move |set: fn(&mut Action, String)| {
        Callback::new(move |value: String| draft.action(index, |a| set(a, value)))
    };
    let kind = Memo::new(move |_| {
        draft.rule.with(|rule| {
            rule.actions
                .get(index)
                .map(action_kind)
                .unwrap_or("command")
        })
    });
    let command = Memo::new(move |_| {
        draft.rule.with(|rule| match rule.actions.get(index) {
            Some(Action::Command { command, .. }) => command_kind(command),
            _ => "turn_on",
        })
    });
    let device_field = {
        let path = path.clone();
        move |field: &'static str, label: &'static str| {
            let current = Memo::new(move |_| {
                draft
                    .rule
                    .with(|rule| match (rule.actions.get(index), field) {
                        (
                            Some(
                                Action::Command { device, .. }
                                | Action::TrackSetpoint { device, .. },
                            ),
                            "device",
                        ) => device.clone(),
                        (Some(Action::TrackSetpoint { source, .. }), _) => source.clone(),
                        _ => DeviceId::new(""),
                    })
            });
            view! {
                <RuleFormDevice
                    draft
                    path=format!("{path}.{field}")
                    label
                    device=current
                    on_change=Callback::new(move |v: String| {
                        draft.action(index, |a| match (a, field) {
                            (
                                Action::Command { device, .. } | Action::TrackSetpoint { device, .. },
                                "device",
                            ) => *device = DeviceId::new(v),
                            (Action::TrackSetpoint { source, .. }, _) => {
                                *source = DeviceId::new(v);
                            }
                            _ => {}
                        })
                    })
                />
            }
        }
    };
    let number = {
        let path = path.clone();
        move |field: &'static str,
              label: &'static str,
              get: fn(&Action) -> Option<String>,
              set: fn(&mut Action, String)| {
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

    let command_value = {
        let path = path.clone();
        let number = number.clone();
        move || {
            match command.get() {
            "set_setpoint" => number.clone()(
                "command",
                "Setpoint (°C)",
                |a| match a {
                    Action::Command {
                        command: Command::SetSetpoint { value },
                        ..
                    } => Some(value.to_string()),
                    _ => None,
                },
                |a, v| {
                    if let (
                        Action::Command {
                            command: Command::SetSetpoint { value },
                            ..
                        },
                        Some(n),
                    ) = (a, form::number_from(&v))
                    {
                        *value = n;
                    }
                },
            )
            .into_any(),
            "set_fan_speed" => number.clone()(
                "command",
                "Fan speed",
                |a| match a {
                    Action::Command {
                        command: Command::SetFanSpeed { speed },
                        ..
                    } => Some(speed.to_string()),
                    _ => None,
                },
                |a, v| {
                    if let (
                        Action::Command {
                            command: Command::SetFanSpeed { speed },
                            ..
                        },
                        Ok(n),
                    ) = (a, v.trim().parse::<u8>())
                    {
                        *speed = n;
                    }
                },
            )
            .into_any(),
            "set_mode" => view! {
                <RuleFormSelect
                    draft
                    path=format!("{path}.command")
                    label="Mode"
                    choices=Signal::derive(mode_choices)
                    value=read(|a| match a {
                        Action::Command { command: Command::SetMode { mode }, .. } => {
                            Some(mode.wire_name().to_owned())
                        }
                        _ => None,
                    })
                    on_change=write(|a, v| {
                        if let (Action::Command { command: Command::SetMode { mode }, .. }, Some(m)) =
                            (a, form::mode_from(&v))
                        {
                            *mode = m;
                        }
                    })
                />
            }
            .into_any(),
            _ => ().into_any(),
        }
        }
    };

    let fields = {
        let path = path.clone();
        move || {
            match kind.get() {
            "command" => view! {
                {device_field.clone()("device", "Device")}
                <RuleFormSelect
                    draft
                    path=format!("{path}.command")
                    label="Command"
                    choices=Signal::derive(command_kinds)
                    value=Signal::derive(move || command.get().to_owned())
                    on_change=Callback::new(move |v: String| {
                        if v != command.get_untracked() {
                            draft.action(index, |a| {
                                if let Action::Command { command, .. } = a {
                                    *command = new_command(&v);
                                }
                            })
                        }
                    })
                />
                {command_value.clone()}
                <RuleFormInput
                    draft
                    path=format!("{path}.min_cycle")
                    label="Keep at least (minutes between switches; empty: no guard)"
                    kind="number"
                    value=read(|a| match a {
                        Action::Command { min_cycle, .. } => min_cycle.map(form::span_minutes),
                        _ => None,
                    })
                    on_change=write(|a, v| {
                        if let Action::Command { min_cycle, .. } = a {
                            *min_cycle = form::span_from_minutes(&v);
                        }
                    })
                />
            }
            .into_any(),
            "track_setpoint" => view! {
                {device_field.clone()("device", "Device")}
                {device_field.clone()("source", "Following")}
                <RuleFormMetric
                    draft
                    path=format!("{path}.metric")
                    label="Its metric"
                    device=Signal::derive(move || {
                        draft.rule.with(|rule| match rule.actions.get(index) {
                            Some(Action::TrackSetpoint { source, .. }) => source.clone(),
                            _ => DeviceId::new(""),
                        })
                    })
                    metric=Signal::derive(move || {
                        draft.rule.with(|rule| match rule.actions.get(index) {
                            Some(Action::TrackSetpoint { metric, .. }) => Some(*metric),
                            _ => None,
                        })
                    })
                    on_change=write(|a, v| {
                        if let (Action::TrackSetpoint { metric, .. }, Some(m)) = (a, form::metric_from(&v)) {
                            *metric = m;
                        }
                    })
                />
                {number.clone()(
                    "offset",
                    "Offset",
                    |a| match a {
                        Action::TrackSetpoint { offset, .. } => Some(offset.to_string()),
                        _ => None,
                    },
                    |a, v| {
                        if let (Action::TrackSetpoint { offset, .. }, Some(n)) = (a, form::number_from(&v)) {
                            *offset = n;
                        }
                    },
                )}
                {number.clone()(
                    "min",
                    "At least",
                    |a| match a {
                        Action::TrackSetpoint { min, .. } => Some(min.to_string()),
                        _ => None,
                    },
                    |a, v| {
                        if let (Action::TrackSetpoint { min, .. }, Some(n)) = (a, form::number_from(&v)) {
                            *min = n;
                        }
                    },
                )}
                {number.clone()(
                    "max",
                    "At most",
                    |a| match a {
                        Action::TrackSetpoint { max, .. } => Some(max.to_string()),
                        _ => None,
                    },
                    |a, v| {
                        if let (Action::TrackSetpoint { max, .. }, Some(n)) = (a, form::number_from(&v)) {
                            *max = n;
                        }
                    },
                )}
            }
            .into_any(),
            "delay" => number.clone()(
                "wait",
                "Wait (minutes)",
                |a| match a {
                    Action::Delay { wait } => Some(form::span_minutes(*wait)),
                    _ => None,
                },
                |a, v| {
                    if let (Action::Delay { wait }, Some(span)) = (a, form::span_from_minutes(&v)) {
                        *wait = span;
                    }
                },
            )
            .into_any(),
            _ => view! {
                <RuleFormInput
                    draft
                    path=format!("{path}.message")
                    label="Message"
                    kind="text"
                    value=read(|a| match a {
                        Action::Notify { message, .. } => Some(message.clone()),
                        _ => None,
                    })
                    on_change=write(|a, v| {
                        if let Action::Notify { message, .. } = a {
                            *message = v;
                        }
                    })
                />
                <RuleFormSelect
                    draft
                    path=format!("{path}.level")
                    label="Level"
                    choices=Signal::derive(|| {
                        vec![
                            ("info".to_owned(), "Info".to_owned()),
                            ("warning".to_owned(), "Warning".to_owned()),
                        ]
                    })
                    value=read(|a| match a {
                        Action::Notify { level, .. } => Some(level.wire_name().to_owned()),
                        _ => None,
                    })
                    on_change=write(|a, v| {
                        if let (Action::Notify { level, .. }, Some(l)) = (a, NotifyLevel::from_wire_name(&v)) {
                            *level = l;
                        }
                    })
                />
            }
            .into_any(),
        }
        }
    };

    let change_kind = Callback::new(move |chosen: String| {
        let action = draft.devices.with_untracked(|d| new_action(&chosen, d));
        draft.action(index, |a| *a = action);
    });
    let remove = Callback::new(move |()| {
        draft.rule.update(|rule| {
            if index < rule.actions.len() {
                rule.actions.remove(index);
            }
        });
    });
    view! {
        <RuleFormItem
            draft
            path
            name=format!("Action {}", index + 1)
            kinds=Signal::derive(action_kinds)
            kind=Signal::derive(move || kind.get().to_owned())
            on_kind=change_kind
            on_remove=Some(remove)
        >
            {fields}
        </RuleFormItem>
    }
}
