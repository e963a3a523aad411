//! Chooses whether temperatures show in °C or °F.

use hearth_core::TemperatureUnit;
use leptos::prelude::*;

use crate::app_context::use_app_context;

#[component]
pub(crate) fn UnitToggle() -> impl IntoView {
    let ctx = use_app_context();
    let choice = move |unit: TemperatureUnit| {
        view! {
            <button
                type="button"
                aria-pressed=move || (ctx.unit.get() == unit).to_string()
                on:click=move |_| ctx.set_unit(unit)
            >
                {unit.symbol()}
            </button>
        }
    };
    view! {
        <div class="unit-toggle" role="group" aria-label="Temperature unit">
            {choice(TemperatureUnit::Celsius)}
            {choice(TemperatureUnit::Fahrenheit)}
        </div>
    }
}
