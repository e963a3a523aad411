//! One reading on a card: its label and its value with unit (and, for
//! temperatures, the trend).

use hearth_core::Metric;
use leptos::prelude::*;

use crate::app_context::use_app_context;
use crate::components::trend_arrow::TrendArrow;
use crate::format;
use crate::store::device_entry::DeviceEntry;

#[component]
pub(crate) fn MetricValue(entry: DeviceEntry, metric: Metric) -> impl IntoView {
    let ctx = use_app_context();
    let text = move || {
        let unit = ctx.unit.get();
        entry
            .latest(metric)
            .map(|value| format::metric_value(metric, value, unit))
            .unwrap_or_else(|| format::UNKNOWN.to_owned())
    };
    let name = metric.wire_name();
    view! {
        <div class="metric" data-kind=name>
            <dt>{metric.label()}</dt>
            <dd>
                <span class="value" data-metric=name>{text}</span>
                {(metric == Metric::Temperature).then(|| view! { <TrendArrow entry /> })}
            </dd>
        </div>
    }
}
