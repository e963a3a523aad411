//! The way back to every device from a page of its own, followed in place so
//! the live connection and the store survive.

use leptos::prelude::*;

use crate::router::{Route, use_router};

#[component]
pub(crate) fn BackLink() -> impl IntoView {
    let router = use_router();
    view! {
        <a href="/" class="back" on:click=move |ev| router.follow(ev, Route::Home)>
            "← All devices"
        </a>
    }
}
