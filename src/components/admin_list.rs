//! A list an admin page loads from the hub (the audit log, the tokens):
//! "Loading…" until it comes, the hub's error if it fails, a line of its own
//! when it is empty, else a table with a row an item. The Users page draws
//! its own list but says "Loading…" and the error the same way, through
//! [`ready`].

use leptos::prelude::*;

/// What loaded, or else the view that stands in for it: "Loading…" while it
/// is `None`, the hub's error if it failed.
pub(crate) fn ready<T>(loaded: Option<Result<T, String>>) -> Result<T, AnyView> {
    match loaded {
        None => Err(view! { <p class="empty">"Loading…"</p> }.into_any()),
        Some(Err(message)) => {
            Err(view! { <p class="audit-error" role="alert">{message}</p> }.into_any())
        }
        Some(Ok(loaded)) => Ok(loaded),
    }
}

#[component]
pub(crate) fn AdminList<T, R, V>(
    /// `None` while the list is loading.
    #[prop(into)]
    loaded: Signal<Option<Result<Vec<T>, String>>>,
    /// What an empty list says.
    empty: &'static str,
    /// The table's classes.
    class: &'static str,
    columns: &'static [&'static str],
    /// One item's `<tr>`.
    row: R,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    R: Fn(T) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    move || match ready(loaded.get()) {
        Err(standing_in) => standing_in,
        Ok(items) if items.is_empty() => view! { <p class="empty">{empty}</p> }.into_any(),
        Ok(items) => {
            let headings = columns
                .iter()
                .map(|column| view! { <th scope="col">{*column}</th> })
                .collect_view();
            let rows = items.into_iter().map(row.clone()).collect_view();
            view! {
                <table class=class>
                    <thead>
                        <tr>{headings}</tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            }
            .into_any()
        }
    }
}
