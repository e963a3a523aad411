//! What a room-limited person learns of the rules, and how long a signed-in
//! browser's socket lasts: a member of the kitchen finds neither the porch's
//! rule nor its notifications (REST, snapshot or pushed frames) but does find
//! the kitchen's and a rule that names no device; a socket closes with 4401
//! when its session is signed out, its user removed, or its session expires.

use std::time::Duration;

use chrono::TimeDelta;
use hearth_core::{ClientMessage, ServerMessage};
use hearth_hub::{Role, Server};
use serde_json::{Value, json};

use crate::support::{Auth, Client, TestHub, config, data_dir, short_sessions};

/// Notifies when the fridge warms up: every device it names is in the kitchen.
fn fridge_rule() -> Value {
    json!({
        "id": "fridge-alert", "name": "Fridge too warm",
        "triggers": [{"type": "numeric", "device": "fridge", "metric": "temperature",
                      "crossing": "above", "threshold": 8.0, "hysteresis": 1.0,
                      "for": {"minutes": 15}}],
        "actions": [{"type": "notify", "message": "Is the fridge door shut?"}]
    })
}

/// Notifies when the porch light comes on: it names a porch device.
fn porch_rule() -> Value {
    json!({
        "id": "porch-note", "name": "Porch light on",
        "triggers": [{"type": "state", "device": "porch-light", "to": {"on": true}}],
        "actions": [{"type": "notify", "message": "Someone is at the door"}]
    })
}

/// Notifies at seven: it names no device, so everyone sees it.
fn kettle_rule() -> Value {
    json!({
        "id": "kettle", "name": "Kettle reminder",
        "triggers": [{"type": "time", "at": "07:00"}],
        "actions": [{"type": "notify", "message": "Put the kettle on"}]
    })
}

/// The client's socket past `hello`, with the snapshot's notifications'
/// rule ids.
async fn past_snapshot(client: &mut Client) -> Vec<String> {
    let (_, notifications) = client.past_hello().await;
    notifications
        .into_iter()
        .map(|notification| notification.rule)
        .collect()
}

async fn listed_rules(hub: &TestHub, auth: Auth<'_>) -> Vec<String> {
    let (status, _, body) = hub.http_as(auth, "GET", "/api/rules", "").await;
    assert_eq!(status, 200, "{body}");
    let mut ids: Vec<String> = serde_json::from_str::<Vec<Value>>(&body)
        .unwrap()
        .iter()
        .map(|status| status["rule"]["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

/// What the next rule or notification frame is about, skipping device frames.
async fn next_rule_news(client: &mut Client) -> (&'static str, String) {
    client
        .next_that(|message| match message {
            ServerMessage::RuleChanged { id, .. } => Some(("changed", id)),
            ServerMessage::RuleRemoved { id } => Some(("removed", id)),
            ServerMessage::Notification { notification } => {
                Some(("notification", notification.rule))
            }
            _ => None,
        })
        .await
}

#[tokio::test]
async fn a_member_of_the_kitchen_finds_only_the_rules_of_the_kitchen_and_of_no_room() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let cook = hub.session_for("cook", Role::Member, Some(&["Kitchen"]));
    let mut live = hub.connect_as(Auth::Session(&cook)).await.unwrap();
    assert!(past_snapshot(&mut live).await.is_empty());

    for rule in [porch_rule(), fridge_rule(), kettle_rule()] {
        let (status, _, body) = hub
            .http_as(Auth::Admin, "POST", "/api/rules", &rule.to_string())
            .await;
        assert_eq!(status, 201, "{body}");
    }
    // The porch rule was created first, but the cook hears only of the others.
    assert_eq!(
        next_rule_news(&mut live).await,
        ("changed", "fridge-alert".into())
    );
    assert_eq!(
        next_rule_news(&mut live).await,
        ("changed", "kettle".into())
    );

    // REST: the list, and each of the rule's pages, as if the porch's were not there.
    assert_eq!(
        listed_rules(&hub, Auth::Admin).await,
        ["fridge-alert", "kettle", "porch-note"]
    );
    assert_eq!(
        listed_rules(&hub, Auth::Session(&cook)).await,
        ["fridge-alert", "kettle"]
    );
    for page in ["", "/traces", "/preview", "/replay"] {
        let path = format!("/api/rules/porch-note{page}");
        hub.expect_refusal_as(Auth::Session(&cook), "GET", &path, "", 404, "not_found")
            .await;
        let path = format!("/api/rules/fridge-alert{page}");
        let (status, _, body) = hub.http_as(Auth::Session(&cook), "GET", &path, "").await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    hub.expect_refusal_as(
        Auth::Session(&cook),
        "POST",
        "/api/rules/porch-note/disable",
        "",
        404,
        "not_found",
    )
    .await;

    // Notifications: the porch's is made first, but only the kettle's arrives.
    for id in ["porch-note", "kettle"] {
        let path = format!("/api/rules/{id}/run");
        let (status, _, body) = hub.http_as(Auth::Admin, "POST", &path, "").await;
        assert_eq!(status, 200, "{body}");
    }
    let news = loop {
        match next_rule_news(&mut live).await {
            ("changed", id) if id == "kettle" => continue,
            other => break other,
        }
    };
    assert_eq!(news, ("notification", "kettle".into()));

    // A socket opened now has the kettle's notification in its snapshot, not
    // the porch's; the admin's has both.
    let mut later = hub.connect_as(Auth::Session(&cook)).await.unwrap();
    assert_eq!(past_snapshot(&mut later).await, ["kettle"]);
    later.send(&ClientMessage::Resync).await;
    let resynced = later
        .next_that(|message| match message {
            ServerMessage::Snapshot { notifications, .. } => Some(notifications),
            _ => None,
        })
        .await;
    assert_eq!(
        resynced.iter().map(|n| n.rule.as_str()).collect::<Vec<_>>(),
        ["kettle"],
        "a resync is drawn for the cook too"
    );
    let mut admin = hub.connect_as(Auth::Admin).await.unwrap();
    assert_eq!(past_snapshot(&mut admin).await, ["porch-note", "kettle"]);

    // Removing the porch's rule says nothing to the cook; the fridge's does.
    for id in ["porch-note", "fridge-alert"] {
        let path = format!("/api/rules/{id}");
        let (status, _, body) = hub.http_as(Auth::Admin, "DELETE", &path, "").await;
        assert_eq!(status, 204, "{body}");
    }
    assert_eq!(
        next_rule_news(&mut live).await,
        ("removed", "fridge-alert".into())
    );
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn a_socket_closes_when_its_session_is_signed_out_or_its_user_removed() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let cook = hub.session_for("cook", Role::Member, Some(&["Kitchen"]));
    let other_tab = hub.session_for("cook2", Role::Member, None);
    let mut first = hub.connect_as(Auth::Session(&cook)).await.unwrap();
    let mut second = hub.connect_as(Auth::Session(&other_tab)).await.unwrap();
    past_snapshot(&mut first).await;
    past_snapshot(&mut second).await;

    let (status, _, _) = hub
        .http_as(Auth::Session(&cook), "POST", "/api/auth/logout", "")
        .await;
    assert_eq!(status, 204);
    assert_eq!(first.closed().await, (4401, "signed out".into()));
    assert_eq!(hub.connect_as(Auth::Session(&cook)).await.err(), Some(401));

    // Another user's socket carried on through that; removing them ends it.
    second
        .send(&hearth_core::ClientMessage::Ping { nonce: 7 })
        .await;
    second
        .next_that(|message| matches!(message, ServerMessage::Pong { nonce: 7 }).then_some(()))
        .await;
    let (status, _, body) = hub
        .http_as(Auth::Admin, "DELETE", "/api/users/cook2", "")
        .await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(second.closed().await, (4401, "signed out".into()));
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn a_socket_closes_when_its_session_reaches_its_absolute_limit() {
    let (_dir, path) = data_dir();
    let (clock, settings) = short_sessions();
    let server = Server::open(config(&path, Duration::from_millis(50)))
        .unwrap()
        .with_auth(settings);
    let hub = TestHub::serve(server).await;
    let cook = hub.session_for("cook", Role::Member, Some(&["Kitchen"]));
    let mut client = hub.connect_as(Auth::Session(&cook)).await.unwrap();
    past_snapshot(&mut client).await;

    clock.advance(TimeDelta::hours(3) + TimeDelta::minutes(1));
    assert_eq!(client.closed().await, (4401, "session expired".into()));
    assert_eq!(hub.connect_as(Auth::Session(&cook)).await.err(), Some(401));
    hub.shut_down().await.unwrap();
}
