//! Browser tests of the whole dashboard against a scripted hub. A stand-in
//! `WebSocket` class plays the hub's side of protocol v1, so the real `App`,
//! hub client, store and components run as they do in production, in headless
//! Chromium, and the tests assert the DOM contract the e2e suite relies on.

use chrono::Utc;
use gloo_timers::future::TimeoutFuture;
use hearth_core::protocol::{CommandOutcome, DeviceSnapshot, HubInfo};
use hearth_core::{
    Capability, ClientMessage, Command, CommandError, Device, DeviceId, DeviceKind, DeviceState,
    ErrorCode, Metric, PROTOCOL_VERSION, Reading, ServerMessage,
};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

/// Replaces `window.WebSocket` with a scripted socket the tests drive through
/// `window.__hub`: `deliver` a frame, read what the page `sent`, `drop` the
/// connection as a crashing hub would.
const FAKE_HUB: &str = r#"
if (!window.__hub) {
  class FakeSocket extends EventTarget {
    constructor(url) {
      super();
      this.url = url;
      this.readyState = 0;
      this.binaryType = 'blob';
      this.sent = [];
      window.__hub.sockets.push(this);
      setTimeout(() => {
        if (this.readyState !== 0) return;
        this.readyState = 1;
        this.dispatchEvent(new Event('open'));
      }, 0);
    }
    send(data) { this.sent.push(data); }
    close() {
      if (this.readyState >= 2) return;
      this.readyState = 3;
      setTimeout(() => this.dispatchEvent(new CloseEvent('close', { code: 1000 })), 0);
    }
  }
  window.__hub = {
    sockets: [],
    latest() { return this.sockets[this.sockets.length - 1]; },
    deliver(text) { this.latest().dispatchEvent(new MessageEvent('message', { data: text })); },
    sent() { return this.latest().sent.slice(); },
    drop() {
      const socket = this.latest();
      socket.readyState = 3;
      socket.dispatchEvent(new CloseEvent('close', { code: 1006 }));
    },
    count() { return this.sockets.length; },
  };
  window.WebSocket = FakeSocket;
  // Stands in for public/pwa.js, which keeps the last snapshot for
  // src/last_known.rs; in memory, so a second mount sees what the first kept.
  window.hearthLastKnown = {
    text: null,
    kept() { return this.text; },
    save(text) { this.text = text; },
  };
}
"#;

fn window() -> web_sys::Window {
    web_sys::window().expect("a browser window")
}

fn hub() -> JsValue {
    js_sys::eval(FAKE_HUB).expect("the fake hub script runs");
    js_sys::Reflect::get(&window(), &"__hub".into()).expect("window.__hub")
}

fn call(method: &str, args: &[JsValue]) -> JsValue {
    let hub = hub();
    let function: js_sys::Function = js_sys::Reflect::get(&hub, &method.into())
        .expect("a fake hub method")
        .unchecked_into();
    function
        .apply(&hub, &args.iter().collect::<js_sys::Array>())
        .expect("the fake hub method succeeds")
}

fn deliver(message: ServerMessage) {
    call("deliver", &[message.encode().into()]);
}

fn sockets_opened() -> u32 {
    call("count", &[]).as_f64().unwrap_or_default() as u32
}

/// The messages the page has sent on the current connection.
fn sent() -> Vec<ClientMessage> {
    js_sys::Array::from(&call("sent", &[]))
        .iter()
        .map(|frame| ClientMessage::decode(&frame.as_string().unwrap()).expect("a valid frame"))
        .collect()
}

fn hello() -> ServerMessage {
    ServerMessage::Hello {
        protocol: PROTOCOL_VERSION,
        hub: HubInfo {
            name: "Test hub".into(),
            version: "0".into(),
        },
    }
}

fn device(id: &str, name: &str, room: &str, kind: DeviceKind, caps: Vec<Capability>) -> Device {
    Device {
        id: DeviceId::new(id),
        name: name.into(),
        room: room.into(),
        kind,
        capabilities: caps,
        adapter: "simulator".into(),
    }
}

fn snapshot(porch_on: bool) -> ServerMessage {
    let now = Utc::now();
    let thermometer = DeviceId::new("living-room-thermometer");
    ServerMessage::Snapshot {
        at: now,
        devices: vec![
            DeviceSnapshot {
                device: device(
                    "living-room-thermometer",
                    "Living room thermometer",
                    "Living room",
                    DeviceKind::Thermometer,
                    vec![Capability::Temperature, Capability::Humidity],
                ),
                state: DeviceState::default(),
                readings: vec![
                    Reading::new(thermometer.clone(), Metric::Temperature, 21.42, now),
                    Reading::new(thermometer, Metric::Humidity, 47.6, now),
                ],
                last_seen: Some(now),
                available: true,
            },
            DeviceSnapshot {
                device: device(
                    "porch-light",
                    "Porch light",
                    "Porch",
                    DeviceKind::Light,
                    vec![Capability::OnOff],
                ),
                state: DeviceState {
                    on: Some(porch_on),
                    ..DeviceState::default()
                },
                readings: vec![],
                last_seen: Some(now),
                available: true,
            },
            DeviceSnapshot {
                device: device(
                    "living-room-ac",
                    "Living room AC",
                    "Living room",
                    DeviceKind::AirConditioner,
                    vec![
                        Capability::OnOff,
                        Capability::Setpoint {
                            min: 16.0,
                            max: 30.0,
                            step: 0.5,
                        },
                    ],
                ),
                state: DeviceState {
                    on: Some(true),
                    setpoint: Some(22.0),
                    ..DeviceState::default()
                },
                readings: vec![],
                last_seen: Some(now),
                available: true,
            },
        ],
        notifications: vec![],
    }
}

/// The dashboard mounted into a fresh element, unmounted when dropped.
struct Dashboard {
    root: HtmlElement,
    unmount: Option<Box<dyn std::any::Any>>,
}

impl Dashboard {
    /// Mounts the app, with no snapshot kept from an earlier test, and waits
    /// for it to open its connection to the hub.
    async fn open() -> Self {
        hub();
        js_sys::eval("window.hearthLastKnown.text = null").expect("the kept snapshot is forgotten");
        Dashboard::open_keeping_last_snapshot().await
    }

    /// As [`Dashboard::open`], showing whatever snapshot an earlier page kept.
    async fn open_keeping_last_snapshot() -> Self {
        let before = sockets_opened();
        let page = Dashboard::mount();
        page.until("the hub connection to open", |_| sockets_opened() > before)
            .await;
        page
    }

    fn mount() -> Self {
        let document = window().document().unwrap();
        let root: HtmlElement = document.create_element("div").unwrap().unchecked_into();
        document.body().unwrap().append_child(&root).unwrap();
        let handle = leptos::mount::mount_to(root.clone(), hearth::App);
        Dashboard {
            root,
            unmount: Some(Box::new(handle)),
        }
    }

    fn find(&self, selector: &str) -> Option<Element> {
        self.root.query_selector(selector).unwrap()
    }

    fn get(&self, selector: &str) -> Element {
        self.find(selector)
            .unwrap_or_else(|| panic!("no element matches {selector}"))
    }

    fn text(&self, selector: &str) -> String {
        self.get(selector).text_content().unwrap_or_default()
    }

    fn attr(&self, selector: &str, name: &str) -> Option<String> {
        self.get(selector).get_attribute(name)
    }

    /// Whether the element is disabled, itself or by a disabled fieldset.
    fn disabled(&self, selector: &str) -> bool {
        self.get(selector).matches(":disabled").unwrap()
    }

    fn click(&self, selector: &str) {
        self.get(selector).unchecked_into::<HtmlElement>().click();
    }

    /// Polls until `check` holds: the app updates asynchronously.
    async fn until(&self, what: &str, check: impl Fn(&Self) -> bool) {
        for _ in 0..200 {
            if check(self) {
                return;
            }
            TimeoutFuture::new(10).await;
        }
        panic!(
            "timed out waiting for {what}; page: {}",
            self.root.inner_html()
        );
    }

    async fn state(&self, state: &str) {
        let selector = format!(r#"[role="status"].connection[data-state="{state}"]"#);
        self.until(&format!("indicator {state}"), |d| {
            d.find(&selector).is_some()
        })
        .await;
    }
}

impl Drop for Dashboard {
    fn drop(&mut self) {
        drop(self.unmount.take());
        self.root.remove();
    }
}

const INDICATOR: &str = r#"[role="status"].connection"#;
const PORCH_SWITCH: &str = r#"article.card[data-device="porch-light"] button[role="switch"]"#;
const PORCH_ALERT: &str = r#"article.card[data-device="porch-light"] [role="alert"]"#;
const TEMPERATURE: &str =
    r#"article.card[data-device="living-room-thermometer"] [data-metric="temperature"]"#;

fn forget_unit() {
    let storage = window().local_storage().unwrap().unwrap();
    storage.remove_item("hearth.temperature_unit").unwrap();
}

impl Dashboard {
    /// Clicks a control and returns the command it made the page send.
    async fn command_from(&self, selector: &str) -> (String, DeviceId, Command) {
        let before = sent().len();
        self.click(selector);
        self.until("a command to be sent", |_| sent().len() > before)
            .await;
        match sent().pop() {
            Some(ClientMessage::Command {
                request_id,
                device,
                command,
            }) => (request_id, device, command),
            other => panic!("expected a command, the page sent {other:?}"),
        }
    }
}

#[wasm_bindgen_test]
async fn live_values_and_a_switch_confirmed_by_the_hub() {
    forget_unit();
    let page = Dashboard::open().await;
    page.state("connecting").await;
    assert_eq!(page.text(INDICATOR), "Connecting…");

    deliver(hello());
    page.state("connected").await;
    assert_eq!(page.text(INDICATOR), "Connected");
    deliver(snapshot(false));
    page.until("the thermometer card", |d| d.find(TEMPERATURE).is_some())
        .await;

    let card = r#"article.card[data-device="living-room-thermometer"]"#;
    let heading = page.attr(card, "aria-labelledby").unwrap();
    assert_eq!(page.text(&format!("#{heading}")), "Living room thermometer");
    assert_eq!(page.text(TEMPERATURE), "21.4 °C");
    assert_eq!(
        page.text(&format!(r#"{card} [data-metric="humidity"]"#)),
        "48 %"
    );
    // The Bluetooth section (this browser's own devices) is a room-like
    // section too; the hub's rooms are the others, in order.
    let rooms: Vec<String> = (0..4)
        .filter_map(|i| page.find(&format!("section.room:not(.ble):nth-of-type({}) h2", i + 1)))
        .map(|h| h.text_content().unwrap_or_default())
        .collect();
    assert_eq!(rooms, ["Living room", "Porch"]);

    deliver(ServerMessage::Reading {
        reading: Reading::new(
            DeviceId::new("living-room-thermometer"),
            Metric::Temperature,
            22.0,
            Utc::now(),
        ),
    });
    page.until("the new reading", |d| d.text(TEMPERATURE) == "22.0 °C")
        .await;

    // Switching: pending until the hub answers, then the confirmed state.
    assert_eq!(
        page.attr(PORCH_SWITCH, "aria-checked").as_deref(),
        Some("false")
    );
    assert_eq!(
        page.attr(PORCH_SWITCH, "aria-label").as_deref(),
        Some("Porch light power")
    );
    let (request_id, device, command) = page.command_from(PORCH_SWITCH).await;
    assert_eq!(
        page.attr(PORCH_SWITCH, "data-pending").as_deref(),
        Some("true")
    );
    assert_eq!(
        page.attr(PORCH_SWITCH, "aria-checked").as_deref(),
        Some("false")
    );
    assert_eq!((device.as_str(), command), ("porch-light", Command::TurnOn));
    deliver(ServerMessage::CommandResult {
        request_id,
        device,
        outcome: CommandOutcome::Ok {
            state: DeviceState {
                on: Some(true),
                ..DeviceState::default()
            },
        },
    });
    page.until("the confirmed state", |d| {
        d.attr(PORCH_SWITCH, "aria-checked").as_deref() == Some("true")
            && d.attr(PORCH_SWITCH, "data-pending").is_none()
    })
    .await;
    assert!(page.find(PORCH_ALERT).is_none());

    // A refusal is shown on the card in the hub's words.
    let (request_id, device, command) = page.command_from(PORCH_SWITCH).await;
    assert_eq!(command, Command::TurnOff);
    deliver(ServerMessage::CommandResult {
        request_id,
        device,
        outcome: CommandOutcome::Rejected {
            error: CommandError::new(ErrorCode::Unavailable, "Porch light is not answering"),
        },
    });
    page.until("the refusal", |d| d.find(PORCH_ALERT).is_some())
        .await;
    assert_eq!(page.text(PORCH_ALERT), "Porch light is not answering");
    assert_eq!(
        page.attr(PORCH_SWITCH, "aria-checked").as_deref(),
        Some("true")
    );
    assert!(page.attr(PORCH_SWITCH, "data-pending").is_none());
}

#[wasm_bindgen_test]
async fn an_unavailable_device_says_so_and_its_controls_are_disabled_until_it_is_back() {
    let page = Dashboard::open().await;
    deliver(hello());
    deliver(snapshot(false));
    page.until("the porch card", |d| d.find(PORCH_SWITCH).is_some())
        .await;
    let card = r#"article.card[data-device="porch-light"]"#;
    let badge = r#"article.card[data-device="porch-light"] .availability"#;
    assert!(!page.disabled(PORCH_SWITCH));
    assert!(page.get(badge).has_attribute("hidden"));

    let availability = |available| ServerMessage::DeviceAvailability {
        device: DeviceId::new("porch-light"),
        available,
        since: Some(Utc::now()),
    };
    deliver(availability(false));
    page.until("the card to say unavailable", |d| {
        d.attr(card, "data-available").as_deref() == Some("false")
    })
    .await;
    assert!(!page.get(badge).has_attribute("hidden"));
    assert_eq!(page.text(badge), "Unavailable");
    assert!(page.disabled(PORCH_SWITCH));
    let controls = format!("{card} fieldset.controls");
    assert_eq!(
        page.attr(&controls, "title").as_deref(),
        Some("The device is not connected to the hub")
    );
    let described = page.attr(&controls, "aria-describedby").unwrap();
    assert_eq!(page.text(&format!("#{described}")), "Unavailable");
    // Its neighbours are unaffected, and clicking the switch sends nothing.
    let ac_switch = r#"article.card[data-device="living-room-ac"] button[role="switch"]"#;
    assert!(!page.disabled(ac_switch));
    let before = sent().len();
    page.click(PORCH_SWITCH);
    TimeoutFuture::new(50).await;
    assert_eq!(sent().len(), before);

    deliver(availability(true));
    page.until("the card to be available again", |d| {
        d.attr(card, "data-available").as_deref() == Some("true")
    })
    .await;
    assert!(page.get(badge).has_attribute("hidden"));
    assert!(!page.disabled(PORCH_SWITCH));
    assert!(page.attr(&controls, "title").is_none());
}

#[wasm_bindgen_test]
async fn a_dropped_hub_means_reconnecting_then_a_fresh_snapshot() {
    let page = Dashboard::open().await;
    page.state("connecting").await;
    deliver(hello());
    deliver(snapshot(false));
    page.until("the porch card", |d| d.find(PORCH_SWITCH).is_some())
        .await;
    let opened = sockets_opened();

    call("drop", &[]);
    page.state("reconnecting").await;
    assert!(
        page.text(INDICATOR).starts_with("Reconnecting… attempt 1,"),
        "indicator reads {:?}",
        page.text(INDICATOR)
    );
    // Values stay visible while the hub is away; the controls are disabled,
    // so no command can be sent or queued.
    assert_eq!(page.text(TEMPERATURE), "21.4 °C");
    assert!(page.disabled(PORCH_SWITCH));
    page.click(PORCH_SWITCH);
    assert!(page.attr(PORCH_SWITCH, "data-pending").is_none());
    assert!(page.find(PORCH_ALERT).is_none());

    // The retry comes within the first backoff ceiling (0.5 s).
    page.until("a new connection", |_| sockets_opened() > opened)
        .await;
    deliver(hello());
    deliver(snapshot(true));
    page.state("connected").await;
    page.until("the porch light from the new snapshot", |d| {
        d.attr(PORCH_SWITCH, "aria-checked").as_deref() == Some("true")
    })
    .await;
    assert!(!page.disabled(PORCH_SWITCH));
}

#[wasm_bindgen_test]
async fn the_last_snapshot_is_shown_stale_until_the_hub_sends_a_fresh_one() {
    let page = Dashboard::open().await;
    deliver(hello());
    deliver(snapshot(true));
    page.until("the porch card", |d| d.find(PORCH_SWITCH).is_some())
        .await;
    drop(page);

    // A new visit: before the hub has said anything, the kept snapshot shows,
    // stale and with its controls off.
    let page = Dashboard::open_keeping_last_snapshot().await;
    assert_eq!(page.text(TEMPERATURE), "21.4 °C");
    assert_eq!(page.attr(".home", "data-stale").as_deref(), Some("true"));
    assert_eq!(
        page.attr(PORCH_SWITCH, "aria-checked").as_deref(),
        Some("true")
    );
    assert!(page.disabled(PORCH_SWITCH));

    deliver(hello());
    deliver(snapshot(false));
    page.state("connected").await;
    page.until("the fresh snapshot", |d| {
        d.attr(PORCH_SWITCH, "aria-checked").as_deref() == Some("false")
    })
    .await;
    assert!(page.attr(".home", "data-stale").is_none());
    assert!(!page.disabled(PORCH_SWITCH));
}

#[wasm_bindgen_test]
async fn offline_browser_waits_for_the_network() {
    let page = Dashboard::open().await;
    deliver(hello());
    page.state("connected").await;

    let set_online = |online: bool| {
        js_sys::eval(&format!(
            "Object.defineProperty(navigator, 'onLine', {{ configurable: true, get: () => {online} }});
             window.dispatchEvent(new Event('{}'));",
            if online { "online" } else { "offline" }
        ))
        .unwrap();
    };
    set_online(false);
    page.state("offline").await;
    assert_eq!(page.text(INDICATOR), "Offline");
    let opened = sockets_opened();
    TimeoutFuture::new(700).await;
    assert_eq!(sockets_opened(), opened, "no attempts while offline");

    set_online(true);
    page.until("a new connection", |_| sockets_opened() > opened)
        .await;
    page.state("connecting").await;
    deliver(hello());
    page.state("connected").await;
}

#[wasm_bindgen_test]
async fn temperatures_follow_the_unit_preference() {
    forget_unit();
    let page = Dashboard::open().await;
    deliver(hello());
    deliver(snapshot(false));
    page.until("the thermometer card", |d| d.find(TEMPERATURE).is_some())
        .await;
    let setpoint = r#"article.card[data-device="living-room-ac"] output.setpoint"#;
    assert_eq!(page.text(setpoint), "22.0 °C");

    page.click(r#".unit-toggle button:nth-child(2)"#);
    page.until("Fahrenheit", |d| d.text(TEMPERATURE) == "70.6 °F")
        .await;
    assert_eq!(page.text(setpoint), "71.6 °F");
    let storage = window().local_storage().unwrap().unwrap();
    assert_eq!(
        storage
            .get_item("hearth.temperature_unit")
            .unwrap()
            .as_deref(),
        Some("fahrenheit")
    );

    // The stepper sends °C whatever the display unit.
    let raise = r#"button[aria-label="Raise Living room AC setpoint"]"#;
    let (_, device, command) = page.command_from(raise).await;
    assert_eq!(device.as_str(), "living-room-ac");
    assert_eq!(command, Command::SetSetpoint { value: 22.5 });
    drop(page);
    forget_unit();
}
