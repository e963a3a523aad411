//! A device's card: what it is, what it senses, and the controls its
//! capabilities allow. Built from capabilities, never from device ids.

use leptos::prelude::*;

use crate::app_context::use_app_context;
use crate::bluetooth::{GATEWAY_ADAPTER, NO_BROWSER};
use crate::components::card_alert::CardAlert;
use crate::components::card_footer::CardFooter;
use crate::components::fan_speed_picker::FanSpeedPicker;
use crate::components::metric_value::MetricValue;
use crate::components::mode_select::ModeSelect;
use crate::components::power_switch::PowerSwitch;
use crate::components::setpoint_stepper::SetpointStepper;
use crate::components::sparkline::Sparkline;
use crate::router::{Route, use_router};
use crate::setpoint::SetpointRange;
use crate::store::device_entry::{DEVICE_UNAVAILABLE, DeviceEntry};

#[component]
pub(crate) fn DeviceCard(entry: DeviceEntry) -> impl IntoView {
    // An entry's definition never changes (a redefined device gets a new
    // entry and card), so it is read once, not tracked.
    let device = entry.device.get_value();
    let heading_id = format!("device-{}-name", device.id);
    let labelled_by = heading_id.clone();
    let readings = {
        let metrics: Vec<_> = device.metrics().collect();
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
    let switch = device.can_switch();
    let setpoint = device
        .setpoint_range()
        .map(|(min, max, step)| SetpointRange { min, max, step });
    let modes = device.modes().map(<[_]>::to_vec);
    let fan = device.max_fan_speed();
    let ctx = use_app_context();
    let router = use_router();
    let page = Route::Device(device.id.clone());
    let href = page.href();
    // A day of the first thing the device measures, at a glance; the link on
    // its name leads to the whole history.
    let sparkline = device.metrics().next().map(|metric| {
        view! { <Sparkline device=device.id.to_string() metric /> }
    });
    // Without the hub, or without the device, no command can go, and none
    // is queued: the group is disabled natively (focus skips it, screen
    // readers say so). The offline banner (public/pwa.js) says why the hub
    // is out of reach; the card's own "Unavailable" badge, which the group
    // names as its description, says why the device is.
    let unavailable = move || !entry.available.get();
    // A device a browser relays is unavailable because no browser holds it.
    let (why_unavailable, badge) = if device.adapter == GATEWAY_ADAPTER {
        (NO_BROWSER, "No browser holds this device")
    } else {
        (DEVICE_UNAVAILABLE, "Unavailable")
    };
    let status_id = format!("device-{}-status", device.id);
    let described_by = status_id.clone();
    // A viewer's controls are disabled the same way, and say why.
    let session = crate::auth::use_session();
    let view_only = move || session.is_some_and(|session| session.view_only());
    let disabled = move || {
        (unavailable() || view_only() || !ctx.connection.with(|c| c.is_connected()))
            .then_some("true")
    };
    let controls = (switch || setpoint.is_some() || modes.is_some() || fan.is_some()).then(|| {
        view! {
            <fieldset
                class="controls"
                disabled=disabled
                aria-describedby=move || unavailable().then(|| described_by.clone())
                title=move || unavailable().then_some(why_unavailable)
            >
                {move || {
                    view_only()
                        .then(|| {
                            view! {
                                <p class="view-only">"View only: your account cannot switch devices."</p>
                            }
                        })
                }}
                {switch.then(|| view! { <PowerSwitch entry /> })}
                {setpoint.map(|range| view! { <SetpointStepper entry range /> })}
                {modes.map(|modes| view! { <ModeSelect entry modes /> })}
                {fan.map(|max| view! { <FanSpeedPicker entry max /> })}
            </fieldset>
        }
    });
    view! {
        <article
            class="card"
            data-device=device.id.to_string()
            data-kind=device.kind.wire_name()
            data-available=move || (!unavailable()).to_string()
            aria-labelledby=labelled_by
        >
            <header class="card-head">
                <h3 id=heading_id>
                    <a href=href on:click=move |ev| router.follow(ev, page.clone())>
                        {device.name}
                    </a>
                </h3>
                <p class="card-kind">{device.kind.label()}</p>
                <p
                    class="availability"
                    id=status_id
                    title=why_unavailable
                    hidden=move || !unavailable()
                >
                    {badge}
                </p>
            </header>
            {readings}
            {sparkline}
            {controls}
            <CardAlert entry />
            <CardFooter entry />
        </article>
    }
}
