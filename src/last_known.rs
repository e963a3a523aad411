//! The hub's last snapshot, kept in `localStorage` as the raw text it arrived
//! in (no encoder needed in the wasm), so a reload without a hub still shows
//! every device with its last-known values. They read as stale because the
//! link is not up (`.home[data-stale]`); public/pwa.js shows the offline
//! banner with the snapshot's own time (docs/pwa.md).

use hearth_core::ServerMessage;
use leptos::logging::warn;

use crate::app_context::AppContext;

const KEY: &str = "hearth.last_snapshot";

/// Shows the remembered snapshot, marked stale, until the hub sends a fresh
/// one. Anything unreadable (an older format, say) is skipped.
pub(crate) fn restore(ctx: AppContext) {
    if let Some(text) = load()
        && let Ok(snapshot @ ServerMessage::Snapshot { .. }) = ServerMessage::decode(&text)
    {
        ctx.store.apply(snapshot);
    }
}

/// Remembers the text of a snapshot frame.
pub(crate) fn save(snapshot: &str) {
    if storage().is_none_or(|s| s.set_item(KEY, snapshot).is_err()) {
        warn!("could not keep the last snapshot; offline reloads will show no devices");
    }
}

fn load() -> Option<String> {
    storage()?.get_item(KEY).ok()?
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn a_saved_snapshot_is_loaded_back() {
        let text = r#"{"type":"snapshot","at":"2026-11-26T14:02:00Z","devices":[]}"#;
        save(text);
        assert_eq!(load().as_deref(), Some(text));
    }
}
