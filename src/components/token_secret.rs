//! A new token's secret or a new password, shown once with a Copy button:
//! the hub keeps only its hash, so this is the one chance to take it.

use js_sys::{Function, Reflect};
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

#[component]
pub(crate) fn TokenSecret(
    name: String,
    secret: String,
    /// Words before the secret in place of a token's (a password's differ).
    #[prop(optional)]
    lead: Option<String>,
) -> impl IntoView {
    let lead =
        lead.unwrap_or_else(|| format!("Token “{name}” — copy it now; it is not shown again:"));
    let copied = RwSignal::new(None::<&'static str>);
    let text = secret.clone();
    let copy = move |_| {
        let done = if copy_text(&text) {
            "Copied."
        } else {
            "Copying is not allowed here; select the text instead."
        };
        copied.set(Some(done));
    };
    view! {
        <div class="token-secret" role="status">
            <p>{lead}</p>
            <code class="token-secret-value">{secret}</code>
            <button type="button" on:click=copy>"Copy"</button>
            <span class="token-copied">{move || copied.get()}</span>
        </div>
    }
}

/// `navigator.clipboard.writeText(text)`, through `Reflect` since web-sys
/// keeps the Clipboard API behind an unstable flag; false where the browser
/// has none (an insecure context).
fn copy_text(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let clipboard = Reflect::get(&window.navigator(), &"clipboard".into())
        .ok()
        .filter(|value| !value.is_undefined());
    let write = clipboard.as_ref().and_then(|clipboard| {
        Reflect::get(clipboard, &"writeText".into())
            .ok()?
            .dyn_into::<Function>()
            .ok()
    });
    match (clipboard, write) {
        (Some(clipboard), Some(write)) => write.call1(&clipboard, &JsValue::from_str(text)).is_ok(),
        _ => false,
    }
}
