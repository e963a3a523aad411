//! Changing someone's access while they use the hub: an admin edits a user's
//! role, rooms or password over `PATCH /api/users/{username}` and the next
//! request sees it, an open socket closes with 4403 so that the dashboard
//! reconnects to its new rooms, a revoked token closes the browser and
//! device sockets it opened (4401), and the last admin is never removed or
//! demoted.

use std::time::Duration;

use hearth_core::{ClientMessage, ServerMessage};
use hearth_hub::{AccountError, Role, Scope, UserChange};
use serde_json::{Value, json};

use crate::support::{self, Auth, DeviceSocket, TestHub, data_dir};

/// `PATCH /api/users/{username}` with `body`, as the admin.
async fn patch(hub: &TestHub, username: &str, body: &Value) -> (u16, Value) {
    let (status, _, answer) = hub
        .http_with(
            "PATCH",
            &format!("/api/users/{username}"),
            &body.to_string(),
        )
        .await;
    (status, serde_json::from_str(&answer).unwrap_or(Value::Null))
}

/// The newest `user.change` entries' details, waiting a little for them,
/// as they are written off the request path.
async fn changes(hub: &TestHub, want: usize) -> Vec<String> {
    let mut found = Vec::new();
    for _ in 0..50 {
        let (_, _, body) = hub.http("GET", "/api/audit?limit=20").await;
        let log: Vec<Value> = serde_json::from_str(&body).unwrap();
        found = log
            .iter()
            .filter(|entry| entry["action"] == "user.change" && entry["actor"] == "admin")
            .map(|entry| entry["detail"].as_str().unwrap().to_owned())
            .collect();
        if found.len() >= want {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    found
}

#[tokio::test]
async fn an_admin_changes_a_users_role_and_rooms_and_the_next_request_follows() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let cook = hub.session_for("cook", Role::Member, Some(&["Kitchen"]));

    let (status, user) = patch(&hub, "cook", &json!({"role": "viewer", "rooms": null})).await;
    assert_eq!(status, 200, "{user}");
    assert_eq!(
        (&user["username"], &user["role"], &user["rooms"]),
        (&json!("cook"), &json!("viewer"), &Value::Null)
    );
    assert!(user["created"].is_string(), "{user}");
    let (status, seen) = hub.me(Auth::Session(&cook)).await;
    assert_eq!(status, 200);
    assert_eq!(
        (&seen["role"], &seen["rooms"]),
        (&json!("viewer"), &Value::Null)
    );
    // A viewer now: the same session may no longer switch anything.
    hub.expect_forbidden_as(Auth::Session(&cook), "POST", "/api/rules", "{}")
        .await;
    let (_, _, listed) = hub.http("GET", "/api/users").await;
    let listed: Vec<Value> = serde_json::from_str(&listed).unwrap();
    assert_eq!(
        listed[1], user,
        "PATCH answers the user as the list shows them"
    );

    let (status, user) = patch(&hub, "cook", &json!({"rooms": ["Kitchen", "Porch"]})).await;
    assert_eq!(status, 200, "{user}");
    assert_eq!(
        (&user["role"], &user["rooms"]),
        (&json!("viewer"), &json!(["Kitchen", "Porch"]))
    );

    // A new password ends the user's sessions and signs in.
    let (status, _) = patch(&hub, "cook", &json!({"password": "a-new-password"})).await;
    assert_eq!(status, 200);
    assert_eq!(hub.me(Auth::Session(&cook)).await.0, 401);
    let login = json!({"username": "cook", "password": "a-new-password"}).to_string();
    let (status, _, _) = hub
        .http_as(Auth::Nobody, "POST", "/api/auth/login", &login)
        .await;
    assert_eq!(status, 200);

    assert_eq!(
        changes(&hub, 3).await,
        [
            "cook: password set",
            "cook: rooms every room → Kitchen, Porch",
            "cook: role member → viewer, rooms Kitchen → every room",
        ]
    );
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn bad_user_changes_are_refused_with_a_reason() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    hub.session_for("cook", Role::Member, Some(&["Kitchen"]));
    let table = [
        ("ghost", json!({"role": "viewer"}), 404, "not_found"),
        ("cook", json!({}), 400, "bad_request"),
        ("cook", json!({"role": "root"}), 400, "bad_request"),
        ("cook", json!({"password": "short"}), 400, "bad_request"),
        (
            "cook",
            json!({"rooms": ["Kitchen", " "]}),
            400,
            "bad_request",
        ),
        (
            "cook",
            json!({"rooms": ["x".repeat(65)]}),
            400,
            "bad_request",
        ),
        ("cook", json!({"room": ["Porch"]}), 400, "bad_request"),
        ("admin", json!({"role": "member"}), 400, "bad_request"),
        ("admin", json!({"rooms": ["Kitchen"]}), 400, "bad_request"),
    ];
    for (username, body, status, code) in table {
        hub.expect_refusal(
            "PATCH",
            &format!("/api/users/{username}"),
            &body.to_string(),
            status,
            code,
        )
        .await;
    }
    let (_, _, body) = hub
        .http_with("PATCH", "/api/users/admin", r#"{"role": "viewer"}"#)
        .await;
    assert!(body.contains("you cannot change your own role"), "{body}");
    let (_, _, body) = hub.http_with("PATCH", "/api/users/cook", "{}").await;
    assert!(body.contains("nothing to change"), "{body}");
    let (_, seen) = hub.me(Auth::Admin).await;
    assert_eq!(seen["role"], "admin", "refused changes change nothing");

    // Only an admin may change anyone.
    let member = hub.session_for("member", Role::Member, None);
    hub.expect_forbidden_as(
        Auth::Session(&member),
        "PATCH",
        "/api/users/cook",
        r#"{"role": "admin"}"#,
    )
    .await;
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn the_last_admin_is_neither_removed_nor_demoted_but_one_of_two_can_be() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    // Alone, the first admin can be neither demoted nor removed, however
    // it is asked (the API refuses yourself before it gets that far).
    let demote = UserChange {
        role: Some(Role::Member),
        ..UserChange::default()
    };
    let refused = hub.accounts.update_user("admin", &demote).unwrap_err();
    assert!(matches!(refused, AccountError::LastAdmin(_)), "{refused}");
    let refused = hub.accounts.remove_user("admin").unwrap_err();
    assert!(matches!(refused, AccountError::LastAdmin(_)), "{refused}");
    assert!(refused.to_string().contains("last admin"), "{refused}");
    hub.expect_refusal("DELETE", "/api/users/admin", "", 400, "bad_request")
        .await;

    // With a second admin, one can be removed; then the other is the last.
    let deputy = hub.session_for("deputy", Role::Admin, None);
    let (status, _, body) = hub
        .http_as(Auth::Session(&deputy), "DELETE", "/api/users/admin", "")
        .await;
    assert_eq!(status, 204, "{body}");
    let refused = hub.accounts.remove_user("deputy").unwrap_err();
    assert!(matches!(refused, AccountError::LastAdmin(_)), "{refused}");

    // Two admins demoting each other at once leave one admin: the second
    // change is refused, by the store (409) or, if the first has landed by
    // then, by the sign-in check (403).
    let ops = hub.session_for("ops", Role::Admin, None);
    let member = r#"{"role": "member"}"#;
    let ((first, _, _), (second, _, _)) = tokio::join!(
        hub.http_as(Auth::Session(&deputy), "PATCH", "/api/users/ops", member),
        hub.http_as(Auth::Session(&ops), "PATCH", "/api/users/deputy", member),
    );
    let mut statuses = [first, second];
    statuses.sort_unstable();
    assert!(
        statuses == [200, 403] || statuses == [200, 409],
        "{statuses:?}"
    );
    let admins = hub
        .accounts
        .users()
        .unwrap()
        .into_iter()
        .filter(|user| user.role == Role::Admin)
        .count();
    assert_eq!(admins, 1);
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn a_socket_closes_with_4403_when_its_rooms_change_and_reconnects_to_the_new_ones() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let cook = hub.session_for("cook", Role::Member, Some(&["Kitchen"]));
    let mut socket = hub.connect_as(Auth::Session(&cook)).await.unwrap();
    assert_eq!(
        socket.snapshot_ids().await,
        ["fridge", "kitchen-thermometer"]
    );
    let (mut admin, _) = hub.connect_past_snapshot().await;

    let (status, _) = patch(&hub, "cook", &json!({"rooms": ["Porch"]})).await;
    assert_eq!(status, 200);
    assert_eq!(socket.closed().await, (4403, "your access changed".into()));
    // The session is still good: reconnecting shows the porch alone.
    let mut again = hub.connect_as(Auth::Session(&cook)).await.unwrap();
    assert_eq!(again.snapshot_ids().await, ["porch-light"]);
    // Nobody else's socket was touched.
    admin.send(&ClientMessage::Ping { nonce: 3 }).await;
    admin
        .next_that(|message| matches!(message, ServerMessage::Pong { nonce: 3 }).then_some(()))
        .await;

    // A new password ends the session itself: 4401, as for signing out.
    let (status, _) = patch(&hub, "cook", &json!({"password": "a-new-password"})).await;
    assert_eq!(status, 200);
    assert_eq!(again.closed().await, (4401, "signed out".into()));
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn revoking_a_token_closes_the_browser_and_device_sockets_it_opened() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let script = hub.accounts.create_token("script", &[Scope::Read]).unwrap();
    let other = hub.token("other-script", &[Scope::Read]);
    let mut socket = hub.connect_as(Auth::Bearer(&script.secret)).await.unwrap();
    let mut kept = hub.connect_as(Auth::Bearer(&other)).await.unwrap();
    assert_eq!(socket.snapshot_ids().await.len(), 12);
    assert_eq!(kept.snapshot_ids().await.len(), 12);

    let (status, _, _) = hub
        .http("DELETE", &format!("/api/tokens/{}", script.info.id))
        .await;
    assert_eq!(status, 204);
    assert_eq!(socket.closed().await, (4401, "token revoked".into()));
    assert_eq!(
        hub.connect_as(Auth::Bearer(&script.secret)).await.err(),
        Some(401)
    );
    kept.send(&ClientMessage::Ping { nonce: 5 }).await;
    kept.next_that(|message| matches!(message, ServerMessage::Pong { nonce: 5 }).then_some(()))
        .await;

    // A device's socket: its devices go unavailable, as for any dropped one.
    let shed = hub.accounts.create_token("shed", &[Scope::Ingest]).unwrap();
    let mut device = DeviceSocket::welcomed(&hub, &shed.secret).await;
    device
        .describe(vec![support::thermometer(
            "shed-thermometer",
            "Shed thermometer",
            "Garden",
        )])
        .await;
    let (mut browser, _) = hub.connect_past_snapshot().await;
    let (status, _, _) = hub
        .http("DELETE", &format!("/api/tokens/{}", shed.info.id))
        .await;
    assert_eq!(status, 204);
    let close = device.close_frame().await.expect("a close with a reason");
    assert_eq!(
        (u16::from(close.code), close.reason.as_str()),
        (4401, "token revoked")
    );
    browser
        .next_that(|message| match message {
            ServerMessage::DeviceAvailability {
                device, available, ..
            } if device.as_str() == "shed-thermometer" => (!available).then_some(()),
            _ => None,
        })
        .await;
    hub.shut_down().await.unwrap();
}
