//! Where the hub's WebSocket lives: the page's own host, so the one origin that
//! served the dashboard also carries its live data.

/// `ws://host/api/ws`, or `wss://` when the page came over HTTPS (browsers
/// refuse a plain WebSocket from a secure page).
pub(crate) fn ws_url(page_protocol: &str, host: &str) -> String {
    let scheme = if page_protocol == "https:" {
        "wss"
    } else {
        "ws"
    };
    format!("{scheme}://{host}/api/ws")
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn scheme_follows_the_page() {
        let table = [
            ("http:", "127.0.0.1:8090", "ws://127.0.0.1:8090/api/ws"),
            ("https:", "hearth.example", "wss://hearth.example/api/ws"),
            ("http:", "[::1]:8080", "ws://[::1]:8080/api/ws"),
        ];
        for (protocol, host, want) in table {
            assert_eq!(ws_url(protocol, host), want);
        }
    }
}
