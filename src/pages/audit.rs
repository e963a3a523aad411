//! `/audit`, for admins: who did what and when (commands, rule changes,
//! sign-ins, accounts and tokens), newest first, as the hub logged it.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::auth::Session;
use crate::auth::api::{self, AuditEntry};
use crate::automations::when;
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
    let body = move || match entries.get() {
        None => view! { <p class="empty">"Loading…"</p> }.into_any(),
        Some(Err(message)) => {
            view! { <p class="audit-error" role="alert">{message}</p> }.into_any()
        }
        Some(Ok(list)) if list.is_empty() => {
            view! { <p class="empty">"Nothing has been logged yet."</p> }.into_any()
        }
        Some(Ok(list)) => view! {
            <table class="audit-log">
                <thead>
                    <tr>
                        <th scope="col">"When"</th>
                        <th scope="col">"Who"</th>
                        <th scope="col">"What"</th>
                        <th scope="col">"Detail"</th>
                    </tr>
                </thead>
                <tbody>
                    {list
                        .into_iter()
                        .map(|entry| {
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
                        })
                        .collect_view()}
                </tbody>
            </table>
        }
        .into_any(),
    };
    view! {
        <header class="top-bar">
            <BackLink />
            <h1>"Audit log"</h1>
        </header>
        <main class="audit">{body}</main>
    }
}
