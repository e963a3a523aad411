//! A device's card: what it is, what it senses, and the controls its
//! capabilities allow. Built from capabilities, never from device ids.

use hearth_core::Metric;
use leptos::prelude::*;

use crate::components::card_alert::CardAlert;
use crate::components::card_footer::CardFooter;
use crate::components::fan_speed_picker::FanSpeedPicker;
use crate::components::metric_value::MetricValue;
use crate::components::mode_select::ModeSelect;
use crate::components::power_switch::PowerSwitch;
use crate::components::setpoint_stepper::SetpointStepper;
use crate::format::wire_name;
use crate::setpoint::SetpointRange;
use crate::store::device_entry::DeviceEntry;

#[component]
pub(crate) fn DeviceCard(entry: DeviceEntry) -> impl IntoView {
    let device = entry.device;
    let id = device.with_untracked(|d| d.id.to_string());
    let heading_id = format!("device-{id}-name");
    let labelled_by = heading_id.clone();
    let metrics = move || device.with(|d| d.metrics().collect::<Vec<Metric>>());
    let readings = move || {
        let metrics = metrics();
        (!metrics.is_empty()).then(|| {
            view! {
                <dl class="readings">
                    {metrics
                        .into_iter()
                        .map(|metric| view! { <MetricValue entry metric /> })
                        .collect_view()}
                </dl>
            }
        })
    };
    let controls = move || {
        let (switch, setpoint, modes, fan) = device.with(|d| {
            (
                d.can_switch(),
                d.setpoint_range()
                    .map(|(min, max, step)| SetpointRange { min, max, step }),
                d.modes().map(<[_]>::to_vec),
                d.max_fan_speed(),
            )
        });
        let any = switch || setpoint.is_some() || modes.is_some() || fan.is_some();
        any.then(|| {
            view! {
                <div class="controls">
                    {switch.then(|| view! { <PowerSwitch entry /> })}
                    {setpoint.map(|range| view! { <SetpointStepper entry range /> })}
                    {modes.map(|modes| view! { <ModeSelect entry modes /> })}
                    {fan.map(|max| view! { <FanSpeedPicker entry max /> })}
                </div>
            }
        })
    };
    view! {
        <article
            class="card"
            data-device=id
            data-kind=move || device.with(|d| wire_name(&d.kind))
            aria-labelledby=labelled_by
        >
            <header class="card-head">
                <h3 id=heading_id>{move || device.with(|d| d.name.clone())}</h3>
                <p class="card-kind">{move || device.with(|d| d.kind.label())}</p>
            </header>
            {readings}
            {controls}
            <CardAlert entry />
            <CardFooter entry />
        </article>
    }
}
