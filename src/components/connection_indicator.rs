//! The always-visible link state: connected, connecting, reconnecting (with the
//! attempt and a countdown) or offline.

use leptos::prelude::*;

use crate::app_context::use_app_context;
use crate::hub_client::connection_state::ConnectionState;

#[component]
pub(crate) fn ConnectionIndicator() -> impl IntoView {
    let ctx = use_app_context();
    let state = ctx.connection;
    // Only a reconnecting indicator reads the clock, so the others do not
    // re-render every second.
    let hint = move || {
        state
            .with(|s| matches!(s, ConnectionState::Reconnecting { .. }))
            .then(|| state.with(|s| s.hint(ctx.now.get())))
            .flatten()
    };
    view! {
        <p class="connection" role="status" data-state=move || state.with(ConnectionState::data_state)>
            <span class="connection-label">{move || state.with(ConnectionState::label)}</span>
            {move || {
                hint()
                    .map(|hint| {
                        // Hidden from screen readers: a live region announcing a
                        // countdown every second would drown everything else.
                        view! { <span class="connection-hint" aria-hidden="true">" " {hint}</span> }
                    })
            }}
        </p>
    }
}
