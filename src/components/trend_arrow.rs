//! The arrow beside a temperature, with words for screen readers.

use leptos::prelude::*;

use crate::store::device_entry::DeviceEntry;

#[component]
pub(crate) fn TrendArrow(entry: DeviceEntry) -> impl IntoView {
    move || {
        entry.trend.get().map(|trend| {
            view! {
                <span
                    class="trend"
                    data-trend=trend.label()
                    title=format!("Temperature {} over the last 10 minutes", trend.label())
                >
                    <span aria-hidden="true">{trend.arrow()}</span>
                    <span class="visually-hidden">{trend.label()}</span>
                </span>
            }
        })
    }
}
