//! The messages rules send (a `notify` action), newest first, each with how
//! long ago it came and a button to dismiss it. The list is a live region, so
//! a screen reader announces each one as it arrives.

use leptos::prelude::*;

use crate::app_context::use_app_context;
use crate::format::relative_age;

#[component]
pub(crate) fn Notifications() -> impl IntoView {
    let ctx = use_app_context();
    let notifications = ctx.store.notifications();
    // The region is always in the page: one inserted together with its first
    // message is not announced by every screen reader.
    view! {
        <section
            class="notifications"
            role="status"
            aria-live="polite"
            aria-relevant="additions"
            aria-label="Notifications"
        >
            <For
                each=move || notifications.newest_first()
                key=|notification| notification.id
                let:notification
            >
                <div class="notification" data-level=notification.level.wire_name()>
                    <p class="notification-text">
                        <strong>{notification.title}</strong>
                        " "
                        {notification.message}
                    </p>
                    <span class="notification-age">
                        {move || relative_age(notification.at, ctx.now.get())}
                    </span>
                    <button
                        type="button"
                        class="dismiss"
                        on:click=move |_| notifications.dismiss(notification.id)
                    >
                        "Dismiss"
                    </button>
                </div>
            </For>
        </section>
    }
}
