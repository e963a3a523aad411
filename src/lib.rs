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

mod accounts;
mod app_context;
mod auth;
mod automations;
mod bluetooth;
mod chart;
mod components;
mod format;
mod http;
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
use auth::{Session, SessionState};
use components::sign_out::SignOut;
use components::user_badge::UserBadge;
use hub_client::HubHandle;
use pages::audit::AuditPage;
use pages::automations::AutomationsPage;
#[cfg(feature = "bench")]
use pages::bench_chart::ChartBenchPage;
use pages::device::DevicePage;
use pages::home::HomePage;
use pages::login::LoginPage;
use pages::tokens::TokensPage;
use pages::users::UsersPage;
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
    let router = Router::provide();
    let session = Session::provide();
    session.follow_connection(ctx.connection);
    // The live connection opens once someone is signed in (or the hub cannot
    // say, offline), owned by the app rather than by this effect.
    let owner = Owner::current();
    let mut inputs = Some(inputs);
    Effect::new(move || {
        if session.lets_app_run()
            && let Some(inputs) = inputs.take()
        {
            match &owner {
                Some(owner) => owner.with(|| hub_client::spawn(ctx, inputs)),
                None => hub_client::spawn(ctx, inputs),
            }
        }
    });
    Effect::new(move || {
        let signed_out = matches!(session.state(), SessionState::SignedOut { .. });
        if signed_out && router.route() != Route::Login {
            router.go(Route::Login);
        }
    });
    let account_bar = move || {
        session.account().map(|account| {
            let admin = account.is_admin().then(|| {
                view! {
                    <a href="/audit" on:click=move |ev| router.follow(ev, Route::Audit)>
                        "Audit log"
                    </a>
                    <a href="/tokens" on:click=move |ev| router.follow(ev, Route::Tokens)>
                        "API tokens"
                    </a>
                    <a href="/users" on:click=move |ev| router.follow(ev, Route::Users)>
                        "Users"
                    </a>
                }
            });
            view! {
                <nav class="account-bar" aria-label="Account">
                    {admin}
                    <UserBadge account />
                    <SignOut session />
                </nav>
            }
        })
    };
    let page = move || match (router.route(), session.state()) {
        (Route::Login, _) | (_, SessionState::SignedOut { .. }) => {
            view! { <LoginPage /> }.into_any()
        }
        (_, SessionState::Checking) => view! { <p class="empty">"Signing in…"</p> }.into_any(),
        (Route::Home, _) => view! { <HomePage /> }.into_any(),
        (Route::Device(id), _) => view! { <DevicePage id /> }.into_any(),
        (Route::Automations, _) => view! { <AutomationsPage /> }.into_any(),
        (Route::Audit, _) => view! { <AuditPage /> }.into_any(),
        (Route::Tokens, _) => view! { <TokensPage /> }.into_any(),
        (Route::Users, _) => view! { <UsersPage /> }.into_any(),
        #[cfg(feature = "bench")]
        (Route::ChartBench { points }, _) => view! { <ChartBenchPage points /> }.into_any(),
    };
    view! {
        {account_bar}
        {page}
    }
}
