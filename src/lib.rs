//! The Hearth dashboard (placeholder until the skeleton lands).
use leptos::prelude::*;

#[component]
pub fn App() -> impl IntoView {
    view! { <p>"Hearth"</p> }
}
