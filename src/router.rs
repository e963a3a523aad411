//! A router of a few dozen lines on the History API: the page to show follows
//! the address bar, links change it without a reload, and back and forward
//! work. `leptos_router` would do more than the dashboard needs, in more wasm.

use hearth_core::DeviceId;
use leptos::ev;
use leptos::logging::warn;
use leptos::prelude::*;
use wasm_bindgen::JsValue;
use web_sys::MouseEvent;

/// The points the chart bench draws when its address names none.
#[cfg(feature = "bench")]
const BENCH_POINTS: usize = 166_650;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Route {
    Home,
    /// `/devices/<id>`: one device and its history.
    Device(DeviceId),
    /// `/automations`: the rules the hub runs.
    Automations,
    /// `/login`, with a one-time `?setup=CODE` or without.
    Login,
    /// `/audit`: who did what, for admins.
    Audit,
    /// `/tokens`: the API tokens, for admins.
    Tokens,
    /// `/users`: who may sign in, for admins.
    Users,
    /// `/bench/chart?points=N`: the chart's cold-render benchmark, only in
    /// builds with the `bench` feature.
    #[cfg(feature = "bench")]
    ChartBench {
        points: usize,
    },
}

impl Route {
    /// The page for a path and query string (`?` included or not); anything
    /// unknown is home.
    pub(crate) fn parse(
        path: &str,
        // Only the bench page's route carries its query; the other pages
        // read theirs from the address bar.
        #[cfg_attr(not(feature = "bench"), expect(unused_variables))] query: &str,
    ) -> Route {
        let path = path.trim_end_matches('/');
        if let Some(id) = path.strip_prefix("/devices/")
            && !id.is_empty()
            && !id.contains('/')
        {
            return Route::Device(DeviceId::new(decode(id).as_str()));
        }
        if path == "/automations" {
            return Route::Automations;
        }
        if path == "/login" {
            return Route::Login;
        }
        if path == "/audit" {
            return Route::Audit;
        }
        if path == "/tokens" {
            return Route::Tokens;
        }
        if path == "/users" {
            return Route::Users;
        }
        #[cfg(feature = "bench")]
        if path == "/bench/chart" {
            let points = query
                .trim_start_matches('?')
                .split('&')
                .find_map(|pair| pair.strip_prefix("points="))
                .and_then(|n| n.parse().ok())
                .unwrap_or(BENCH_POINTS);
            return Route::ChartBench { points };
        }
        Route::Home
    }

    pub(crate) fn href(&self) -> String {
        match self {
            Route::Home => "/".to_owned(),
            Route::Device(id) => format!("/devices/{}", encode(id.as_str())),
            Route::Automations => "/automations".to_owned(),
            Route::Login => "/login".to_owned(),
            Route::Audit => "/audit".to_owned(),
            Route::Tokens => "/tokens".to_owned(),
            Route::Users => "/users".to_owned(),
            #[cfg(feature = "bench")]
            Route::ChartBench { points } => format!("/bench/chart?points={points}"),
        }
    }
}

/// Percent-encodes a path segment or query value (everything but RFC 3986's
/// unreserved bytes).
pub(crate) fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Undoes [`encode`]; a malformed escape is kept as written.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The current route, provided once by `App`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Router {
    route: RwSignal<Route>,
}

impl Router {
    /// Reads the address bar and follows back and forward from now on.
    pub(crate) fn provide() -> Router {
        let router = Router {
            route: RwSignal::new(current()),
        };
        let popstate = window_event_listener(ev::popstate, move |_| router.route.set(current()));
        on_cleanup(move || popstate.remove());
        provide_context(router);
        router
    }

    pub(crate) fn route(&self) -> Route {
        self.route.get()
    }

    /// Shows `route` and puts it in the history, so back returns here.
    pub(crate) fn go(&self, route: Route) {
        self.go_with(route, "");
    }

    /// [`go`](Self::go) with a query string (`?` included) that the page
    /// reads from the address bar.
    pub(crate) fn go_with(&self, route: Route, query: &str) {
        let href = format!("{}{query}", route.href());
        let pushed = window()
            .history()
            .and_then(|h| h.push_state_with_url(&JsValue::NULL, "", Some(&href)));
        if pushed.is_err() {
            warn!("could not update the address bar; back will not return here");
        }
        window().scroll_to_with_x_and_y(0.0, 0.0);
        self.route.set(route);
    }

    /// A link's click: an ordinary click navigates in place; a click meant for
    /// a new tab or window (modifier keys, middle button) is left to the browser.
    pub(crate) fn follow(&self, event: MouseEvent, route: Route) {
        self.follow_with(event, route, "");
    }

    /// [`follow`](Self::follow) with a query string, as [`go_with`](Self::go_with).
    pub(crate) fn follow_with(&self, event: MouseEvent, route: Route, query: &str) {
        let plain = event.button() == 0
            && !(event.ctrl_key() || event.meta_key() || event.shift_key() || event.alt_key());
        if plain {
            event.prevent_default();
            self.go_with(route, query);
        }
    }
}

pub(crate) fn use_router() -> Router {
    expect_context::<Router>()
}

fn current() -> Route {
    let location = window().location();
    Route::parse(
        &location.pathname().unwrap_or_default(),
        &location.search().unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn paths_name_pages() {
        let device = |id| Route::Device(DeviceId::new(id));
        let table = [
            ("/", "", Route::Home),
            ("", "", Route::Home),
            ("/devices/fridge", "", device("fridge")),
            ("/devices/fridge/", "", device("fridge")),
            ("/devices/living%20room", "", device("living room")),
            ("/devices/bad%zz", "", device("bad%zz")),
            ("/devices/", "", Route::Home),
            ("/devices/a/b", "", Route::Home),
            ("/automations", "", Route::Automations),
            ("/automations/", "?x=1", Route::Automations),
            ("/login", "?setup=abc", Route::Login),
            ("/audit", "", Route::Audit),
            ("/tokens", "", Route::Tokens),
            ("/users/", "", Route::Users),
            // Users' builds have no bench page: its address is unknown there.
            #[cfg(not(feature = "bench"))]
            ("/bench/chart", "?points=1000", Route::Home),
            #[cfg(feature = "bench")]
            (
                "/bench/chart",
                "?points=1000000",
                Route::ChartBench { points: 1_000_000 },
            ),
            #[cfg(feature = "bench")]
            (
                "/bench/chart",
                "",
                Route::ChartBench {
                    points: BENCH_POINTS,
                },
            ),
            #[cfg(feature = "bench")]
            (
                "/bench/chart",
                "?points=lots",
                Route::ChartBench {
                    points: BENCH_POINTS,
                },
            ),
            ("/elsewhere", "", Route::Home),
        ];
        for (path, query, want) in table {
            assert_eq!(Route::parse(path, query), want, "{path}{query}");
        }
    }

    #[wasm_bindgen_test]
    fn links_round_trip() {
        for route in [
            Route::Home,
            Route::Device(DeviceId::new("living room/ü")),
            Route::Automations,
            #[cfg(feature = "bench")]
            Route::ChartBench { points: 42 },
        ] {
            let href = route.href();
            let (path, query) = href.split_once('?').unwrap_or((&href, ""));
            assert_eq!(Route::parse(path, query), route, "{href}");
        }
    }
}
