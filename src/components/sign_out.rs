//! The Sign out button: ends the session on the hub and starts the page
//! afresh at the login form.

use leptos::prelude::*;

use crate::auth::Session;

#[component]
pub(crate) fn SignOut(session: Session) -> impl IntoView {
    view! {
        <button type="button" class="sign-out" on:click=move |_| session.sign_out()>
            "Sign out"
        </button>
    }
}
