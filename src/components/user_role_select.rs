//! An account's role as a labelled select, least power first.

use leptos::prelude::*;

use crate::accounts::{ROLES, role_named};
use crate::auth::Role;

#[component]
pub(crate) fn UserRoleSelect(id: String, role: RwSignal<Role>) -> impl IntoView {
    let change = move |ev| match role_named(&event_target_value(&ev)) {
        Some(chosen) => role.set(chosen),
        None => leptos::logging::warn!("the role select offered an unknown role"),
    };
    view! {
        <span class="user-field">
            <label for=id.clone()>"Role"</label>
            <select id=id on:change=change>
                {ROLES
                    .into_iter()
                    .map(|option| {
                        view! {
                            <option value=option.label() prop:selected=move || role.get() == option>
                                {option.label()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </span>
    }
}
