//! Who is signed in, with their role and rooms, for the account bar.

use leptos::prelude::*;

use crate::auth::Account;

#[component]
pub(crate) fn UserBadge(account: Account) -> impl IntoView {
    view! {
        <span class="user-badge" data-role=account.role.label()>
            {account.summary()}
        </span>
    }
}
