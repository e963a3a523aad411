//! The hub's last snapshot, kept for offline reloads by public/pwa.js in
//! IndexedDB as the raw text it arrived in (no encoder and no IndexedDB
//! bindings in the wasm), so a reload without a hub still shows every device
//! with its last-known values. They read as stale because the link is not up
//! (`.home[data-stale]`); pwa.js shows the offline banner with the snapshot's
//! own time (docs/pwa.md).

use hearth_core::ServerMessage;
use leptos::logging::warn;
use leptos::prelude::{untrack, window_event_listener_untyped};
use wasm_bindgen::prelude::*;

use crate::app_context::AppContext;
use crate::store::DeviceStore;

// Defined by public/pwa.js, which index.html runs before the wasm starts. Both
// catch, so a page without it (a test page, a blocked script) only loses the
// offline copy.
#[wasm_bindgen(js_namespace = hearthLastKnown)]
extern "C" {
    /// The kept snapshot's text once IndexedDB has answered, else null.
    #[wasm_bindgen(catch)]
    fn kept() -> Result<Option<String>, JsValue>;
    #[wasm_bindgen(catch, js_name = save)]
    fn save_kept(snapshot: &str) -> Result<(), JsValue>;
}

/// Shows the remembered snapshot, marked stale, unless the hub has sent a
/// fresh one by the time storage answers. pwa.js starts reading before the
/// wasm does and fires `hearth-kept` when done: whichever comes first, the
/// read or this call, the snapshot is applied once. A closure on a window
/// event costs the wasm less than awaiting a promise.
pub(crate) fn restore(ctx: AppContext) {
    let apply = move || match kept() {
        Ok(Some(text)) => apply_kept(ctx.store, &text),
        Ok(None) => {}
        Err(_) => warn!("public/pwa.js is not loaded: no last-known state for offline reloads"),
    };
    // Left in place: it fires once per page.
    window_event_listener_untyped("hearth-kept", move |_| apply());
    apply();
}

/// Remembers the text of a snapshot frame.
pub(crate) fn save(snapshot: &str) {
    // The same text as in `restore`, stored once in the wasm: the only way
    // either call fails.
    if save_kept(snapshot).is_err() {
        warn!("public/pwa.js is not loaded: no last-known state for offline reloads");
    }
}

/// Applies a kept snapshot to a store that has none yet. Anything unreadable
/// (an older format, say) is skipped.
fn apply_kept(store: DeviceStore, text: &str) {
    if untrack(|| store.is_synced()) {
        return;
    }
    if let Ok(snapshot @ ServerMessage::Snapshot { .. }) = ServerMessage::decode(text) {
        store.apply(snapshot);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth_core::DeviceId;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn snapshot(id: &str) -> String {
        format!(
            r#"{{"type":"snapshot","at":"2026-11-26T14:02:00Z","devices":[{{"device":{{
            "id":"{id}","name":"F","room":"R","kind":"fan","adapter":"s",
            "capabilities":[{{"type":"fan_speed","max":3}}]}},
            "state":{{}},"readings":[],"last_seen":null}}]}}"#
        )
    }

    #[wasm_bindgen_test]
    fn a_kept_snapshot_shows_only_until_the_hub_has_sent_one() {
        let store = DeviceStore::new();
        apply_kept(store, &snapshot("kept"));
        assert!(store.get(&DeviceId::new("kept")).is_some());

        let store = DeviceStore::new();
        store.apply(ServerMessage::decode(&snapshot("live")).unwrap());
        apply_kept(store, &snapshot("kept"));
        assert!(store.get(&DeviceId::new("kept")).is_none());
        assert!(store.get(&DeviceId::new("live")).is_some());
    }

    #[wasm_bindgen_test]
    fn an_unreadable_kept_snapshot_is_skipped() {
        let store = DeviceStore::new();
        apply_kept(
            store,
            r#"{"type":"snapshot","at":"yesterday","devices":[]}"#,
        );
        apply_kept(store, "not json");
        assert!(!store.is_synced());
    }
}
