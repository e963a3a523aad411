//! `/audit`, for admins: who did what and when (commands, rule changes,
//! sign-ins, accounts and tokens), newest first, as the hub logged it.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::auth::Session;
use crate::auth::api::{self, AuditEntry};
use crate::automations::when;
use crate::components::admin_list::AdminList;
use crate::components::back_link::BackLink;

/// How many entries the page shows.
const SHOWN: usize = 200;

#[component]
pub(crate) fn AuditPage() -> impl IntoView {
    let session = expect_context::<Session>();
    let entries = RwSignal::new(None::<Result<Vec<AuditEntry>, String>>);
    spawn_local(async move {
        let loaded = match api::audit(SHOWN).await {
            Ok(list) => Ok(list),
            Err(Some(message)) => Err(message),
            Err(None) => {
                session.check();
                Err(crate::auth::EXPIRED.to_owned())
            }
        };
        entries.try_set(Some(loaded));
    });
    let row = |entry: AuditEntry| {
        let action = entry.action.clone();
        view! {
            <tr data-action=action>
                <td>
                    <time datetime=entry.at.to_rfc3339()>{when(entry.at)}</time>
                </td>
                <td>{entry.actor}</td>
                <td>{entry.action}</td>
                <td>{entry.detail}</td>
            </tr>
        }
    };
    view! {
        <header class="top-bar">
            <BackLink />
            <h1>"Audit log"</h1>
        </header>
        <main class="audit">
            <AdminList
                loaded=entries
                empty="Nothing has been logged yet."
                class="audit-log"
                columns=&["When", "Who", "What", "Detail"]
                row
            />
        </main>
    }
}
