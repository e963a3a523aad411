//! One account on the Users page: its name, role, rooms and age; for anyone
//! but the signed-in admin, Edit (role and rooms), and Reset password (the
//! new one shown once) and Remove, each behind a question because each signs
//! the person out.

use leptos::html;
use leptos::logging::warn;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::accounts::{NO_RANDOM, RoomChoice, generate_password, rooms_text};
use crate::auth::api::{self, UserEntry};
use crate::automations::when;
use crate::components::confirm_question::ConfirmQuestion;
use crate::components::token_secret::TokenSecret;
use crate::components::user_role_select::UserRoleSelect;
use crate::components::user_rooms::UserRooms;

/// The question a row is asking before it acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ask {
    Reset,
    Remove,
}

#[component]
pub(crate) fn UserRow(
    user: UserEntry,
    /// The signed-in admin's own account: shown, not changed here.
    you: bool,
    /// Told the account's name once the hub has removed it.
    on_removed: Callback<String>,
) -> impl IntoView {
    let name = user.username.clone();
    let entry = RwSignal::new(user);
    let role = RwSignal::new(entry.with_untracked(|u| u.role));
    let rooms = RwSignal::new(RoomChoice::new(None));
    let editing = RwSignal::new(false);
    let asking = RwSignal::new(None::<Ask>);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<&'static str>);
    let secret = RwSignal::new(None::<String>);

    let edit = move |_| {
        let opening = !editing.get_untracked();
        if opening {
            entry.with_untracked(|u| {
                role.set(u.role);
                rooms.set(RoomChoice::new(u.rooms.as_deref()));
            });
        }
        editing.set(opening);
        notice.set(None);
    };
    let save = {
        let name = name.clone();
        move |_| {
            let name = name.clone();
            let chosen = role.get_untracked();
            let limited = rooms.with_untracked(RoomChoice::rooms);
            error.set(None);
            busy.set(true);
            spawn_local(async move {
                let answer = api::set_access(&name, chosen, limited.as_deref()).await;
                busy.try_set(false);
                match answer {
                    Ok(user) => {
                        entry.try_set(user);
                        editing.try_set(false);
                        notice.try_set(Some("Saved."));
                    }
                    Err(message) => {
                        error.try_set(Some(message));
                    }
                }
            });
        }
    };
    let reset = {
        let name = name.clone();
        move || {
            asking.set(None);
            error.set(None);
            notice.set(None);
            secret.set(None);
            let Some(password) = generate_password() else {
                warn!("crypto.getRandomValues is missing: no password made");
                error.set(Some(NO_RANDOM.to_owned()));
                return;
            };
            let name = name.clone();
            busy.set(true);
            spawn_local(async move {
                let answer = api::set_password(&name, &password).await;
                busy.try_set(false);
                match answer {
                    Ok(_) => {
                        secret.try_set(Some(password));
                    }
                    Err(message) => {
                        error.try_set(Some(message));
                    }
                }
            });
        }
    };

    let reset_button = NodeRef::<html::Button>::new();
    let remove_button = NodeRef::<html::Button>::new();
    let cancel = Callback::new(move |()| {
        let opener = match asking.get_untracked() {
            Some(Ask::Reset) => reset_button,
            _ => remove_button,
        };
        asking.set(None);
        if let Some(button) = opener.get_untracked() {
            let _ = button.focus();
        }
    });
    let remove = {
        let name = name.clone();
        move || {
            asking.set(None);
            error.set(None);
            let name = name.clone();
            busy.set(true);
            spawn_local(async move {
                let answer = api::remove_user(&name).await;
                busy.try_set(false);
                match answer {
                    Ok(()) => on_removed.run(name),
                    Err(message) => {
                        error.try_set(Some(message));
                    }
                }
            });
        }
    };

    let controls = (!you).then({
        let name = name.clone();
        move || {
            let question = {
                let name = name.clone();
                Signal::derive(move || match asking.get() {
                    Some(Ask::Reset) => format!(
                        "Reset {name}'s password? They are signed out until they sign in with the new one."
                    ),
                    _ => format!("Remove {name}? They are signed out and cannot sign in again."),
                })
            };
            let act = Callback::new(move |()| match asking.get_untracked() {
                Some(Ask::Reset) => reset(),
                Some(Ask::Remove) => remove(),
                None => {}
            });
            let answer = Signal::derive(move || match asking.get() {
                Some(Ask::Reset) => "Reset password",
                _ => "Remove",
            });
            let shown_secret = {
                let name = name.clone();
                move || {
                    secret.get().map(|secret| {
                        let lead = format!("Give this password to {name}; it is not shown again:");
                        view! { <TokenSecret name=name.clone() secret lead /> }
                    })
                }
            };
            view! {
                <div class="user-buttons">
                    <button
                        type="button"
                        aria-expanded=move || editing.get().to_string()
                        on:click=edit
                    >
                        "Edit"
                    </button>
                    <button
                        type="button"
                        disabled=move || busy.get()
                        node_ref=reset_button
                        aria-expanded=move || (asking.get() == Some(Ask::Reset)).to_string()
                        on:click=move |_| asking.set(Some(Ask::Reset))
                    >
                        "Reset password"
                    </button>
                    <button
                        type="button"
                        class="danger"
                        node_ref=remove_button
                        aria-expanded=move || (asking.get() == Some(Ask::Remove)).to_string()
                        on:click=move |_| asking.set(Some(Ask::Remove))
                    >
                        "Remove"
                    </button>
                </div>
                <Show when=move || editing.get()>
                    <div class="user-edit" role="group" aria-label=format!("Edit {name}")>
                        <UserRoleSelect id=format!("user-{name}-role") role />
                        <UserRooms choice=rooms />
                        <button type="button" disabled=move || busy.get() on:click=save.clone()>
                            "Save"
                        </button>
                        <button type="button" on:click=move |_| editing.set(false)>
                            "Cancel"
                        </button>
                    </div>
                </Show>
                <Show when=move || asking.get().is_some()>
                    <ConfirmQuestion
                        label="Confirm"
                        question
                        answer
                        on_confirm=act
                        on_keep=cancel
                    />
                </Show>
                {shown_secret}
                <p class="user-notice" role="status">
                    {move || notice.get()}
                </p>
                <p class="login-error" role="alert">
                    {move || error.get()}
                </p>
            }
        }
    });

    view! {
        <li class="user" data-user=name.clone()>
            <div class="user-head">
                <span class="user-name">{name.clone()}</span>
                {you.then(|| view! { <span class="user-you">"you"</span> })}
            </div>
            <dl class="user-facts">
                <div>
                    <dt>"Role"</dt>
                    <dd class="user-role">{move || entry.with(|u| u.role.label())}</dd>
                </div>
                <div>
                    <dt>"Rooms"</dt>
                    <dd class="user-rooms-text">{move || entry.with(|u| rooms_text(u.rooms.as_deref()))}</dd>
                </div>
                <div>
                    <dt>"Added"</dt>
                    <dd>{move || entry.with(|u| when(u.created))}</dd>
                </div>
            </dl>
            {controls}
        </li>
    }
}
