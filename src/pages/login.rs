//! `/login`: the username and password form, and the one-time setup link
//! (`/login?setup=CODE`, printed by the hub at its first start) that signs
//! the first admin in without a password.

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::SubmitEvent;

use crate::auth::api::{self, LoginError};
use crate::auth::{Account, Session, SessionState};
use crate::router::{Route, use_router};

#[component]
pub(crate) fn LoginPage() -> impl IntoView {
    let session = expect_context::<Session>();
    let router = use_router();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let finish = move |result: Result<Account, LoginError>| {
        busy.try_set(false);
        match result {
            Ok(account) => {
                session.signed_in(account);
                router.go(Route::Home);
            }
            Err(refused) => {
                error.try_set(Some(refused.text()));
            }
        }
    };
    if let Some(code) = setup_code() {
        busy.set(true);
        spawn_local(async move { finish(api::setup(&code).await) });
    }
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let name = username.get_untracked();
        let secret = password.get_untracked();
        busy.set(true);
        error.set(None);
        spawn_local(async move { finish(api::login(name.trim(), &secret).await) });
    };
    let notice = move || match session.state() {
        SessionState::SignedOut { notice } => notice,
        _ => None,
    };
    view! {
        <main class="login">
            <form class="login-form" on:submit=submit>
                <h1>"Sign in to Hearth"</h1>
                {move || notice().map(|text| view! { <p class="login-notice" role="status">{text}</p> })}
                <label for="login-username">"Username"</label>
                <input
                    id="login-username"
                    name="username"
                    autocomplete="username"
                    autocapitalize="none"
                    required
                    on:input=move |ev| username.set(event_target_value(&ev))
                />
                <label for="login-password">"Password"</label>
                <input
                    id="login-password"
                    name="password"
                    type="password"
                    autocomplete="current-password"
                    required
                    on:input=move |ev| password.set(event_target_value(&ev))
                />
                <p class="login-error" role="alert">{move || error.get()}</p>
                <button type="submit" disabled=move || busy.get()>"Sign in"</button>
            </form>
        </main>
    }
}

/// The code of a `/login?setup=CODE` link, if the address has one.
fn setup_code() -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix("setup="))
        .filter(|code| !code.is_empty())
        .map(str::to_owned)
}
