//! A rule's firings over the next 7 days as the browser computes them with
//! core (in the hub's site and zone): a track of the week with a mark at
//! each firing, and the same moments as a list in the browser's time zone.

use hearth_core::rules::{Rule, SiteZone};
use leptos::prelude::*;

use crate::app_context::use_app_context;
use crate::automations::preview::{position, upcoming};
use crate::automations::{PREVIEW_DAYS, when};

#[component]
pub(crate) fn RuleTimeline(
    #[prop(into)] rule: Signal<Option<Rule>>,
    site: RwSignal<Option<SiteZone>>,
    label: &'static str,
) -> impl IntoView {
    let ctx = use_app_context();
    // Recomputed each minute, not at every tick of the clock.
    let minute = Memo::new(move |_| ctx.now.get().timestamp() / 60);
    let firings = Memo::new(move |_| {
        minute.track();
        let now = ctx.now.get_untracked();
        let list = site.with(|site| {
            let site = site.as_ref()?;
            rule.with(|rule| {
                rule.as_ref()
                    .map(|rule| upcoming(rule, site, now, PREVIEW_DAYS))
            })
        });
        list.map(|list| (now, list))
    });
    let body = move || {
        firings.with(|found| match found {
            None if site.with(Option::is_none) => {
                view! { <p>"Asking the hub where the house is…"</p> }.into_any()
            }
            None => ().into_any(),
            Some((_, list)) if list.is_empty() => {
                view! { <p>"Nothing on a clock in the next 7 days."</p> }.into_any()
            }
            Some((now, list)) => {
                let marks = list
                    .iter()
                    .map(|next| {
                        let x = format!("{:.2}", position(next.at, *now, PREVIEW_DAYS));
                        view! { <line class="timeline-mark" x1=x.clone() x2=x y1="0" y2="10"></line> }
                    })
                    .collect_view();
                let days = (1..PREVIEW_DAYS)
                    .map(|day| {
                        let x = format!("{:.2}", f64::from(day) * 100.0 / f64::from(PREVIEW_DAYS));
                        view! { <line class="timeline-day" x1=x.clone() x2=x y1="0" y2="10"></line> }
                    })
                    .collect_view();
                let items = list
                    .iter()
                    .map(|next| {
                        let at = next.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                        view! { <li data-at=at>{when(next.at)}</li> }
                    })
                    .collect_view();
                view! {
                    <svg
                        class="timeline-track"
                        viewBox="0 0 100 10"
                        preserveAspectRatio="none"
                        aria-hidden="true"
                    >
                        {days}
                        {marks}
                    </svg>
                    <ol>{items}</ol>
                }
                .into_any()
            }
        })
    };
    // The track is SVG, marks placed by coordinates: the hub's
    // Content-Security-Policy refuses inline styles.
    view! {
        <div class="rule-preview" role="group" aria-label=label>
            {body}
        </div>
    }
}
