//! `/users`, for admins: everyone who may sign in (name, role, rooms, when
//! added), a form to add someone with a password the page makes, and on each
//! other account Edit, Reset password and Remove.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::auth::api::{self, UserEntry};
use crate::auth::use_session;
use crate::components::admin_list::ready;
use crate::components::back_link::BackLink;
use crate::components::user_add_form::UserAddForm;
use crate::components::user_row::UserRow;

#[component]
pub(crate) fn UsersPage() -> impl IntoView {
    // Read once: the page is drawn afresh whenever the session changes.
    let me = untrack(|| use_session().and_then(|session| session.account()))
        .map(|account| account.username);
    // The list and whether it loaded apart, so that a reload keeps each
    // row (and a password it is showing) rather than drawing all afresh.
    let users = RwSignal::new(Vec::<UserEntry>::new());
    let loaded = RwSignal::new(None::<Result<(), String>>);
    let reload = move || {
        spawn_local(async move {
            match api::users().await {
                Ok(list) => {
                    users.try_set(list);
                    loaded.try_set(Some(Ok(())));
                }
                Err(message) => {
                    loaded.try_set(Some(Err(message)));
                }
            }
        })
    };
    reload();
    let on_removed = Callback::new(move |name: String| {
        users.update(|list| list.retain(|user| user.username != name));
    });
    // Keyed rows rather than an `AdminList`, which draws its table afresh on
    // every change.
    let list = move || match ready(loaded.get()) {
        Err(standing_in) => standing_in,
        Ok(()) => {
            let me = me.clone();
            view! {
                <ul class="user-list" aria-label="Users">
                    <For
                        each=move || users.get()
                        key=|user| user.username.clone()
                        children=move |user| {
                            let you = me.as_deref() == Some(user.username.as_str());
                            view! { <UserRow user you on_removed /> }
                        }
                    />
                </ul>
            }
            .into_any()
        }
    };
    view! {
        <header class="top-bar">
            <BackLink />
            <h1>"Users"</h1>
        </header>
        <main class="audit users">
            <UserAddForm on_added=Callback::new(move |()| reload()) />
            {list}
        </main>
    }
}
