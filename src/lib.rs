//! The Hearth dashboard: a Leptos single-page app compiled to wasm32.
//!
//! Invariants:
//! - Only the dashboard touches the DOM. It renders state and sends intents;
//!   anything the hub must agree on (device model, commands, protocol, units)
//!   comes from `hearth-core`, never re-implemented here.
//! - One long-lived task owns the hub connection (`hub_client`); pages read
//!   signals from the context `App` provides once.
//! - Logic lives in plain types with tests (`store`, `format`, `hub_client`'s
//!   backoff and liveness, `chart`, `router`); components stay thin.

mod app_context;
mod automations;
mod bluetooth;
mod chart;
mod components;
mod format;
mod hub_client;
mod last_known;
mod pages;
mod preferences;
mod router;
mod setpoint;
mod store;

use std::time::Duration;

use chrono::Utc;
use leptos::logging::warn;
use leptos::prelude::*;

use app_context::AppContext;
use hub_client::HubHandle;
use pages::automations::AutomationsPage;
use pages::bench_chart::ChartBenchPage;
use pages::device::DevicePage;
use pages::home::HomePage;
use router::{Route, Router};

#[cfg(test)]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// The whole dashboard: provides the app state, starts the hub connection and
/// the clock, and shows the page the address names.
#[component]
pub fn App() -> impl IntoView {
    let (hub, inputs) = HubHandle::new();
    let ctx = AppContext::new(hub, preferences::load_unit(), Utc::now());
    provide_context(ctx);
    last_known::restore(ctx);
    match set_interval_with_handle(move || ctx.tick(Utc::now()), Duration::from_secs(1)) {
        Ok(clock) => on_cleanup(move || clock.clear()),
        Err(_) => warn!("no clock: relative times and command timeouts will not update"),
    }
    hub_client::spawn(ctx, inputs);
    let router = Router::provide();
    move || match router.route() {
        Route::Home => view! { <HomePage /> }.into_any(),
        Route::Device(id) => view! { <DevicePage id /> }.into_any(),
        Route::Automations => view! { <AutomationsPage /> }.into_any(),
        Route::ChartBench { points } => view! { <ChartBenchPage points /> }.into_any(),
    }
}
