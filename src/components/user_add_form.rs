//! The form that adds an account: name, role, rooms, and a password the page
//! makes (shown once, to hand over) unless the admin types one.

use leptos::logging::warn;
use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::SubmitEvent;

use crate::accounts::{NO_RANDOM, RoomChoice, generate_password};
use crate::auth::Role;
use crate::auth::api;
use crate::components::token_secret::TokenSecret;
use crate::components::user_role_select::UserRoleSelect;
use crate::components::user_rooms::UserRooms;

/// Who was added, and the password the page made for them.
#[derive(Clone)]
struct Added {
    username: String,
    password: Option<String>,
}

#[component]
pub(crate) fn UserAddForm(on_added: Callback<()>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Member);
    let rooms = RwSignal::new(RoomChoice::new(None));
    let own = RwSignal::new(false);
    let typed = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let added = RwSignal::new(None::<Added>);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        added.set(None);
        let generated = if own.get_untracked() {
            None
        } else {
            match generate_password() {
                Some(password) => Some(password),
                None => {
                    warn!("crypto.getRandomValues is missing: no password made");
                    error.set(Some(NO_RANDOM.to_owned()));
                    own.set(true);
                    return;
                }
            }
        };
        let password = generated.clone().unwrap_or_else(|| typed.get_untracked());
        let username = name.get_untracked().trim().to_owned();
        let chosen = role.get_untracked();
        let limited = rooms.with_untracked(RoomChoice::rooms);
        busy.set(true);
        spawn_local(async move {
            let answer = api::add_user(&username, &password, chosen, limited.as_deref()).await;
            busy.try_set(false);
            match answer {
                Ok(user) => {
                    added.try_set(Some(Added {
                        username: user.username,
                        password: generated,
                    }));
                    name.try_set(String::new());
                    typed.try_set(String::new());
                    rooms.try_set(RoomChoice::new(None));
                    on_added.run(());
                }
                Err(message) => {
                    error.try_set(Some(message));
                }
            }
        });
    };
    let shown = move || {
        added.get().map(|added| match added.password {
            Some(secret) => {
                let lead = format!(
                    "Give this password to {}; it is not shown again:",
                    added.username
                );
                view! { <TokenSecret name=added.username secret lead /> }.into_any()
            }
            None => view! {
                <p class="user-added" role="status">
                    {format!("Added {}: they sign in with the password you typed.", added.username)}
                </p>
            }
            .into_any(),
        })
    };
    view! {
        <form class="user-form" on:submit=submit>
            <h2>"Add a user"</h2>
            <span class="user-field">
                <label for="user-new-name">"Name"</label>
                <input
                    id="user-new-name"
                    required
                    maxlength="64"
                    autocomplete="off"
                    placeholder="kim"
                    prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))
                />
            </span>
            <UserRoleSelect id="user-new-role".to_owned() role />
            <UserRooms choice=rooms />
            <label class="user-own-password">
                <input
                    type="checkbox"
                    prop:checked=move || own.get()
                    on:change=move |ev| own.set(event_target_checked(&ev))
                />
                "Type the password myself"
            </label>
            <Show when=move || own.get()>
                <span class="user-field">
                    <label for="user-new-password">"Password"</label>
                    <input
                        id="user-new-password"
                        type="password"
                        required
                        minlength="8"
                        autocomplete="new-password"
                        prop:value=move || typed.get()
                        on:input=move |ev| typed.set(event_target_value(&ev))
                    />
                </span>
            </Show>
            <button type="submit" disabled=move || busy.get()>
                "Add user"
            </button>
            <p class="login-error" role="alert">
                {move || error.get()}
            </p>
        </form>
        {shown}
    }
}
