//! What each caller may see and do once signed in, over REST and the
//! WebSocket: every route but the public few refuses a stranger, a viewer
//! looks but cannot switch, a member limited to the kitchen neither sees nor
//! switches the porch light, tokens do what their scopes say, a socket from
//! another site's page is refused, and commands and rule changes are audited.

use std::time::Duration;

use hearth_core::protocol::CommandOutcome;
use hearth_core::rules::lights_at_dusk;
use hearth_core::{Command, DeviceId, ErrorCode, ServerMessage};
use hearth_hub::{Role, Scope};
use serde_json::Value;

use crate::openapi::{ROUTER_SOURCES, routes};
use crate::support::{Auth, Client, TestHub, data_dir};

/// Paths anyone may call: sign-in, health, and the device endpoints, which
/// check their own `ingest` tokens.
const PUBLIC: [&str; 6] = [
    "/api/health",
    "/api/auth/login",
    "/api/auth/setup",
    "/api/auth/logout",
    "/api/devices/ws",
    "/api/ingest",
];

#[tokio::test]
async fn every_route_but_the_public_ones_refuses_a_stranger() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let all: Vec<(String, String)> = ROUTER_SOURCES.iter().flat_map(|s| routes(s)).collect();
    assert!(all.len() >= 25, "{all:?}");
    let mut walked = 0;
    for (route, method) in &all {
        if PUBLIC.contains(&route.as_str()) {
            continue;
        }
        let concrete = route.replace("{id}", "1").replace("{username}", "cook");
        let method = method.to_uppercase();
        for auth in [
            Auth::Nobody,
            Auth::Session("not-a-session"),
            Auth::Bearer("hearth_nope"),
        ] {
            hub.expect_refusal_as(auth, &method, &concrete, "{}", 401, "unauthorized")
                .await;
        }
        walked += 1;
    }
    assert!(walked >= 20);
    // Unknown paths too, and the browser socket.
    hub.expect_refusal_as(
        Auth::Nobody,
        "GET",
        "/api/nothing-here",
        "",
        401,
        "unauthorized",
    )
    .await;
    assert_eq!(hub.connect_as(Auth::Nobody).await.err(), Some(401));
    // The public ones answer without anyone signed in.
    let (status, _, _) = hub.http_as(Auth::Nobody, "GET", "/api/health", "").await;
    assert_eq!(status, 200);
    hub.shut_down().await.unwrap();
}

/// "Lights on at dusk" for the porch light alone, as a rule document.
fn porch_at_dusk() -> String {
    let rule = lights_at_dusk(&[DeviceId::new("porch-light")])
        .rules
        .remove(0);
    serde_json::to_string(&rule).unwrap()
}

/// Toggles `device` and returns the outcome.
async fn toggle(client: &mut Client, request_id: &str, device: &str) -> CommandOutcome {
    client.command(request_id, device, Command::Toggle).await
}

fn refused_as_forbidden(outcome: &CommandOutcome) -> bool {
    matches!(outcome, CommandOutcome::Rejected { error } if error.code == ErrorCode::Forbidden)
}

#[tokio::test]
async fn a_viewer_looks_but_cannot_switch_or_edit() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let viewer = hub.session_for("guest", Role::Viewer, None);
    let (status, _, _) = hub
        .http_as(Auth::Session(&viewer), "GET", "/api/devices", "")
        .await;
    assert_eq!(status, 200);
    let mut client = hub.connect_as(Auth::Session(&viewer)).await.unwrap();
    let seen = client.snapshot_ids().await;
    assert_eq!(seen.len(), 12, "a viewer sees the whole house");
    assert!(refused_as_forbidden(
        &toggle(&mut client, "v-1", "porch-light").await
    ));
    let rule = porch_at_dusk();
    hub.expect_forbidden_as(Auth::Session(&viewer), "POST", "/api/rules", &rule)
        .await;
    hub.expect_forbidden_as(Auth::Session(&viewer), "GET", "/api/users", "")
        .await;
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn a_member_of_the_kitchen_neither_sees_nor_switches_the_porch_light() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let cook = hub.session_for("cook", Role::Member, Some(&["Kitchen"]));
    let mut client = hub.connect_as(Auth::Session(&cook)).await.unwrap();
    let seen = client.snapshot_ids().await;
    assert_eq!(seen, ["fridge", "kitchen-thermometer"]);
    let outcome = toggle(&mut client, "c-1", "porch-light").await;
    assert!(refused_as_forbidden(&outcome), "{outcome:?}");
    assert_eq!(
        hub.devices()
            .await
            .iter()
            .filter(|d| d.device.room == "Porch")
            .count(),
        1
    );

    // The admin switches the porch light; the cook's socket hears nothing of
    // it, while readings from the kitchen keep coming.
    let mut admin = hub.connect().await;
    assert!(matches!(
        toggle(&mut admin, "a-1", "porch-light").await,
        CommandOutcome::Ok { .. }
    ));
    let mut kitchen_readings = 0;
    while kitchen_readings < 3 {
        match client.next().await {
            ServerMessage::Reading { reading } => {
                assert!(
                    ["fridge", "kitchen-thermometer"].contains(&reading.device.as_str()),
                    "{reading:?}"
                );
                kitchen_readings += 1;
            }
            ServerMessage::StateChanged { device, .. } if device.as_str() == "porch-light" => {
                panic!("the cook heard of the porch light")
            }
            _ => {}
        }
    }

    let (_, _, body) = hub
        .http_as(Auth::Session(&cook), "GET", "/api/devices", "")
        .await;
    let listed: Vec<Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(listed.len(), 2, "{body}");
    let porch = "/api/history?device=porch-light&metric=temperature";
    hub.expect_refusal_as(Auth::Session(&cook), "GET", porch, "", 400, "bad_request")
        .await;
    let export = "/api/export.csv?device=outdoor-thermometer&metric=temperature";
    hub.expect_refusal_as(Auth::Session(&cook), "GET", export, "", 400, "bad_request")
        .await;
    let kitchen = "/api/history?device=kitchen-thermometer&metric=temperature";
    let (status, _, _) = hub.http_as(Auth::Session(&cook), "GET", kitchen, "").await;
    assert_eq!(status, 200);

    // Rules: only ones whose devices are all in the kitchen... and a member
    // of the porch may make the porch's.
    let rule = porch_at_dusk();
    hub.expect_forbidden_as(Auth::Session(&cook), "POST", "/api/rules", &rule)
        .await;
    let porter = hub.session_for("porter", Role::Member, Some(&["Porch"]));
    let (status, _, body) = hub
        .http_as(Auth::Session(&porter), "POST", "/api/rules", &rule)
        .await;
    assert_eq!(status, 201, "{body}");
    let id = serde_json::from_str::<Value>(&body).unwrap()["rule"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // To the cook, the porch's rule is not there to change.
    let disable = format!("/api/rules/{id}/disable");
    hub.expect_refusal_as(Auth::Session(&cook), "POST", &disable, "", 404, "not_found")
        .await;
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn tokens_do_what_their_scopes_say() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let ingest = hub.token("sensor", &[Scope::Ingest]);
    let read = hub.token("grafana", &[Scope::Read]);
    let control = hub.token("script", &[Scope::Control]);

    hub.expect_forbidden_as(Auth::Bearer(&ingest), "GET", "/api/devices", "")
        .await;
    let (status, _, _) = hub
        .http_as(Auth::Bearer(&read), "GET", "/api/devices", "")
        .await;
    assert_eq!(status, 200);
    hub.expect_forbidden_as(Auth::Bearer(&read), "POST", "/api/rules", "{}")
        .await;
    hub.expect_forbidden_as(Auth::Bearer(&control), "GET", "/api/audit", "")
        .await;

    // A script's socket sends no Origin; a token is what lets it in.
    let mut reader = hub.connect_from(Auth::Bearer(&read), None).await.unwrap();
    reader.past_hello().await;
    assert!(refused_as_forbidden(
        &toggle(&mut reader, "r-1", "porch-light").await
    ));
    let mut script = hub
        .connect_from(Auth::Bearer(&control), None)
        .await
        .unwrap();
    script.past_hello().await;
    let outcome = toggle(&mut script, "s-1", "porch-light").await;
    assert!(matches!(outcome, CommandOutcome::Ok { .. }), "{outcome:?}");
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn a_signed_in_socket_must_come_from_the_hubs_own_page() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let elsewhere = hub
        .connect_from(Auth::Admin, Some("http://evil.example"))
        .await;
    assert_eq!(elsewhere.err(), Some(403));
    assert_eq!(hub.connect_from(Auth::Admin, None).await.err(), Some(403));
    assert!(hub.connect_as(Auth::Admin).await.is_ok());
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn commands_and_rule_changes_are_in_the_audit_log_with_who_made_them() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let viewer = hub.session_for("guest", Role::Viewer, None);
    let (mut admin, _) = hub.connect_past_snapshot().await;
    toggle(&mut admin, "a-1", "porch-light").await;
    let mut guest = hub.connect_as(Auth::Session(&viewer)).await.unwrap();
    guest.past_hello().await;
    toggle(&mut guest, "g-1", "porch-light").await;
    let rule = porch_at_dusk();
    let (status, _, body) = hub.http_with("POST", "/api/rules", &rule).await;
    assert_eq!(status, 201, "{body}");

    let mut entries = Vec::new();
    for _ in 0..100 {
        let (_, _, body) = hub.http("GET", "/api/audit?limit=20").await;
        let log: Vec<Value> = serde_json::from_str(&body).unwrap();
        entries = log
            .iter()
            .filter(|e| e["action"] != "user.add")
            .map(|e| {
                let text = |key: &str| e[key].as_str().unwrap().to_owned();
                (text("actor"), text("action"), text("detail"))
            })
            .collect();
        if entries.len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Entries are written off the request path, so their order is not asserted.
    entries.sort();
    let want = [
        (
            "admin",
            "command",
            "porch-light {\"action\":\"toggle\"}: ok",
        ),
        ("admin", "rule.create", "lights-at-dusk-on"),
        (
            "guest",
            "command",
            "porch-light {\"action\":\"toggle\"}: rejected (forbidden)",
        ),
    ];
    let got: Vec<(&str, &str, &str)> = entries
        .iter()
        .map(|(actor, action, detail)| (actor.as_str(), action.as_str(), detail.as_str()))
        .collect();
    assert_eq!(got, want);
    hub.expect_forbidden_as(Auth::Session(&viewer), "GET", "/api/audit", "")
        .await;
    hub.shut_down().await.unwrap();
}
