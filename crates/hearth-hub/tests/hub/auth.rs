//! Signing in as a person meets it: a password gives an HttpOnly cookie, a
//! wrong one is refused and then slowed down, the setup code works once,
//! sessions end when idle or old and on logout, passwords are stored only as
//! argon2id, and admins manage users and tokens, over the API and from the
//! command line, with each change in the audit log.

use std::process::{Command, Output};
use std::time::Duration;

use chrono::TimeDelta;
use hearth_hub::{Role, Scope, Server};
use serde_json::{Value, json};

use crate::support::{Auth, TestHub, config, data_dir, short_sessions};

const PASSWORD: &str = "kitchen-secret";

fn login_body(username: &str, password: &str) -> String {
    json!({"username": username, "password": password}).to_string()
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(found, _)| found == name)
        .map(|(_, value)| value.as_str())
}

/// The session cookie's value from a `Set-Cookie`.
fn cookie_value(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .and_then(|pair| pair.strip_prefix("hearth_session="))
        .expect("a hearth_session cookie")
        .to_owned()
}

#[tokio::test]
async fn a_password_signs_in_with_an_http_only_cookie_until_logout() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let kitchen = ["Kitchen".to_owned()];
    hub.accounts
        .add_user("cook", Some(PASSWORD), Role::Member, Some(&kitchen))
        .unwrap();

    let (status, _, body) = hub
        .http_as(
            Auth::Nobody,
            "POST",
            "/api/auth/login",
            &login_body("cook", PASSWORD),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let answer: Value = serde_json::from_str(&body).unwrap();
    let want = json!({"username": "cook", "role": "member", "rooms": ["Kitchen"]});
    assert_eq!(answer, want);

    let (status, headers) = hub
        .headers_as(
            Auth::Nobody,
            "POST",
            "/api/auth/login",
            &login_body("cook", PASSWORD),
        )
        .await;
    assert_eq!(status, 200);
    let set_cookie = header(&headers, "set-cookie").expect("a cookie");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    assert!(!set_cookie.contains("Secure"), "plain HTTP: {set_cookie}");
    let session = cookie_value(set_cookie);
    assert_eq!(hub.me(Auth::Session(&session)).await, (200, want));

    let (status, headers) = hub
        .headers_as(Auth::Session(&session), "POST", "/api/auth/logout", "")
        .await;
    assert_eq!(status, 204);
    assert!(header(&headers, "set-cookie").is_some_and(|c| c.contains("Max-Age=0")));
    assert_eq!(hub.me(Auth::Session(&session)).await.0, 401);
    assert_eq!(hub.me(Auth::Nobody).await.0, 401);
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn wrong_passwords_are_refused_alike_then_slowed_down() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    hub.accounts
        .add_user("cook", Some(PASSWORD), Role::Member, None)
        .unwrap();
    // An unknown user gets the same answer as a wrong password.
    for (username, password) in [("cook", "not-it-at-all"), ("nobody", PASSWORD)] {
        hub.expect_refusal_as(
            Auth::Nobody,
            "POST",
            "/api/auth/login",
            &login_body(username, password),
            401,
            "unauthorized",
        )
        .await;
    }
    for _ in 0..3 {
        let body = login_body("cook", "still-wrong");
        let (status, _, _) = hub
            .http_as(Auth::Nobody, "POST", "/api/auth/login", &body)
            .await;
        assert_eq!(status, 401);
    }
    // Five failures from this address: the sixth try waits, even with the
    // right password.
    let (status, headers) = hub
        .headers_as(
            Auth::Nobody,
            "POST",
            "/api/auth/login",
            &login_body("cook", PASSWORD),
        )
        .await;
    assert_eq!(status, 429);
    let retry: u64 = header(&headers, "retry-after")
        .and_then(|value| value.parse().ok())
        .expect("a Retry-After in seconds");
    assert!((1..=2).contains(&retry), "{retry}");
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn passwords_are_stored_only_as_argon2id() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    hub.accounts
        .add_user("cook", Some(PASSWORD), Role::Viewer, None)
        .unwrap();
    let db = rusqlite::Connection::open(path.join("hearth.db")).unwrap();
    let stored: String = db
        .query_row(
            "SELECT password FROM users WHERE username = 'cook'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert!(stored.starts_with("$argon2id$v=19$"), "{stored}");
    assert!(!stored.contains(PASSWORD));
    // Sessions are kept as hashes too: the admin's cookie is nowhere in the file.
    let sessions: Vec<Vec<u8>> = db
        .prepare("SELECT hash FROM sessions")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(!sessions.is_empty());
    assert!(
        sessions
            .iter()
            .all(|hash| hash.len() == 32 && *hash != hub.session.as_bytes())
    );
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn the_setup_code_printed_at_first_run_signs_in_once() {
    let (_dir, path) = data_dir();
    let server = Server::open(config(&path, Duration::from_millis(50))).unwrap();
    let first = server.first_run().expect("a fresh data directory").clone();
    assert_eq!(first.username, "admin");
    assert!(first.password.len() >= 16);
    let hub = TestHub::serve(server).await;

    let body = json!({"code": first.setup_code}).to_string();
    let (status, _, answer) = hub
        .http_as(Auth::Nobody, "POST", "/api/auth/setup", &body)
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        serde_json::from_str::<Value>(&answer).unwrap()["role"],
        "admin"
    );
    hub.expect_refusal_as(
        Auth::Nobody,
        "POST",
        "/api/auth/setup",
        &body,
        401,
        "unauthorized",
    )
    .await;
    // The generated password works too.
    let login = login_body("admin", &first.password);
    let (status, _, _) = hub
        .http_as(Auth::Nobody, "POST", "/api/auth/login", &login)
        .await;
    assert_eq!(status, 200);
    hub.shut_down().await.unwrap();

    // A second run on the same directory makes no new admin.
    let again = Server::open(config(&path, Duration::from_millis(50))).unwrap();
    assert!(again.first_run().is_none());
}

#[tokio::test]
async fn sessions_end_when_idle_and_when_old_and_survive_a_restart() {
    let (_dir, path) = data_dir();
    let (clock, settings) = short_sessions();
    let open = || {
        Server::open(config(&path, Duration::from_millis(50)))
            .unwrap()
            .with_auth(settings.clone())
    };
    let hub = TestHub::serve(open()).await;
    let idle = hub.session_for("idler", Role::Viewer, None);
    let busy = hub.session_for("busy", Role::Viewer, None);

    clock.advance(TimeDelta::minutes(50));
    assert_eq!(hub.me(Auth::Session(&busy)).await.0, 200);
    hub.shut_down().await.unwrap();
    let hub = TestHub::serve(open()).await;
    assert_eq!(
        hub.me(Auth::Session(&busy)).await.0,
        200,
        "kept across a restart"
    );

    clock.advance(TimeDelta::minutes(20));
    assert_eq!(hub.me(Auth::Session(&busy)).await.0, 200);
    assert_eq!(
        hub.me(Auth::Session(&idle)).await.0,
        401,
        "idle for 70 minutes"
    );
    for _ in 0..2 {
        clock.advance(TimeDelta::minutes(50));
        assert_eq!(hub.me(Auth::Session(&busy)).await.0, 200);
    }
    // Used every 50 minutes, but now 3 h 10 min old.
    clock.advance(TimeDelta::minutes(20));
    hub.expect_refusal_as(
        Auth::Session(&busy),
        "GET",
        "/api/auth/me",
        "",
        401,
        "unauthorized",
    )
    .await;
    hub.shut_down().await.unwrap();
}

#[tokio::test]
async fn admins_manage_users_and_tokens_and_every_change_is_audited() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let cook =
        json!({"username": "cook", "password": PASSWORD, "role": "member", "rooms": ["Kitchen"]});
    let (status, _, body) = hub.http_with("POST", "/api/users", &cook.to_string()).await;
    assert_eq!(status, 201, "{body}");
    hub.expect_refusal("POST", "/api/users", &cook.to_string(), 409, "conflict")
        .await;
    let short = json!({"username": "x", "password": "short", "role": "viewer"});
    hub.expect_refusal("POST", "/api/users", &short.to_string(), 400, "bad_request")
        .await;
    let (_, _, body) = hub.http("GET", "/api/users").await;
    let users: Vec<Value> = serde_json::from_str(&body).unwrap();
    let names: Vec<&str> = users
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["admin", "cook"]);

    let (status, _, body) = hub
        .http_with(
            "POST",
            "/api/tokens",
            r#"{"name": "script", "scopes": ["read"]}"#,
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let token: Value = serde_json::from_str(&body).unwrap();
    let secret = token["secret"].as_str().unwrap().to_owned();
    let (_, _, listed) = hub.http("GET", "/api/tokens").await;
    assert!(!listed.contains(&secret), "secrets are shown once");
    assert_eq!(
        hub.me(Auth::Bearer(&secret)).await.0,
        401,
        "a token is not a person"
    );
    let made_here = hub.token("reader", &[Scope::Read]);
    assert_eq!(hub.me(Auth::Bearer(&made_here)).await.0, 401);
    let id = token["id"].as_i64().unwrap();
    let (status, _, _) = hub.http("DELETE", &format!("/api/tokens/{id}")).await;
    assert_eq!(status, 204);

    let (status, _, _) = hub.http("DELETE", "/api/users/cook").await;
    assert_eq!(status, 204);
    hub.expect_refusal("DELETE", "/api/users/cook", "", 404, "not_found")
        .await;
    hub.expect_refusal("DELETE", "/api/users/admin", "", 400, "bad_request")
        .await;

    // Audit entries are written off the request path; give them a moment.
    let mut actions = Vec::new();
    for _ in 0..50 {
        let (_, _, body) = hub.http("GET", "/api/audit?limit=10").await;
        let log: Vec<Value> = serde_json::from_str(&body).unwrap();
        actions = log
            .iter()
            .filter(|entry| entry["actor"] == "admin")
            .map(|entry| entry["action"].as_str().unwrap().to_owned())
            .collect();
        if actions.len() >= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        actions,
        ["user.remove", "token.revoke", "token.create", "user.add"]
    );
    hub.shut_down().await.unwrap();
}

fn hearth_hub(args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_hearth-hub"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn users_are_added_listed_and_removed_from_the_command_line_beside_a_running_hub() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let dir = path.to_str().unwrap();
    let add = [
        "--data-dir",
        dir,
        "user",
        "add",
        "cook",
        "--role",
        "member",
        "--rooms",
        "Kitchen,Living room",
        "--password-stdin",
    ];
    let added = hearth_hub(&add, &format!("{PASSWORD}\n"));
    assert!(added.status.success(), "{added:?}");
    let (status, _, body) = hub
        .http_as(
            Auth::Nobody,
            "POST",
            "/api/auth/login",
            &login_body("cook", PASSWORD),
        )
        .await;
    assert_eq!(status, 200, "the running hub takes the new user at once");
    let rooms = serde_json::from_str::<Value>(&body).unwrap()["rooms"].clone();
    assert_eq!(rooms, json!(["Kitchen", "Living room"]));

    let listed = hearth_hub(&["user", "list", "--data-dir", dir], "");
    let listing = String::from_utf8(listed.stdout).unwrap();
    let rows: Vec<Vec<&str>> = listing
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect())
        .collect();
    let summary: Vec<(&str, &str, &str)> = rows.iter().map(|r| (r[0], r[1], r[2])).collect();
    assert_eq!(
        summary,
        [
            ("admin", "admin", "*"),
            ("cook", "member", "Kitchen,Living room")
        ]
    );

    // Without --password-stdin a password is made up and printed once.
    let generated = hearth_hub(&["--data-dir", dir, "user", "passwd", "cook"], "");
    assert!(generated.status.success(), "{generated:?}");
    let password = String::from_utf8(generated.stdout)
        .unwrap()
        .trim()
        .to_owned();
    let (status, _, _) = hub
        .http_as(
            Auth::Nobody,
            "POST",
            "/api/auth/login",
            &login_body("cook", &password),
        )
        .await;
    assert_eq!(status, 200);

    let removed = hearth_hub(&["--data-dir", dir, "user", "remove", "cook"], "");
    assert!(removed.status.success(), "{removed:?}");
    let table: [(&[&str], &str); 4] = [
        (&["user", "remove", "cook"], "no user cook"),
        (&["user", "remove", "admin"], "last admin"),
        (
            &["user", "add", "x", "--role", "root"],
            "admin, member or viewer",
        ),
        (
            &["user", "add", "x", "--role", "viewer", "--password-stdin"],
            "at least 8",
        ),
    ];
    for (args, words) in table {
        let mut all = vec!["--data-dir", dir];
        all.extend_from_slice(args);
        let refused = hearth_hub(&all, "short\n");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(!refused.status.success(), "{args:?}");
        assert!(stderr.contains(words), "{args:?}: {stderr}");
    }
    hub.shut_down().await.unwrap();
}

fn stdout_of(output: &Output) -> String {
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// `user list` as (name, role, rooms) rows.
fn listed(dir: &str) -> Vec<(String, String, String)> {
    stdout_of(&hearth_hub(&["--data-dir", dir, "user", "list"], ""))
        .lines()
        .skip(1)
        .map(|line| {
            let row: Vec<&str> = line.split('\t').collect();
            (row[0].to_owned(), row[1].to_owned(), row[2].to_owned())
        })
        .collect()
}

#[tokio::test]
async fn a_users_role_and_rooms_are_changed_from_the_command_line_beside_a_running_hub() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let dir = path.to_str().unwrap();
    let add = [
        "--data-dir",
        dir,
        "user",
        "add",
        "cook",
        "--role",
        "member",
        "--rooms",
        "Kitchen",
        "--password-stdin",
    ];
    stdout_of(&hearth_hub(&add, &format!("{PASSWORD}\n")));
    let set = |args: &[&str]| {
        let mut all = vec!["--data-dir", dir, "user", "set"];
        all.extend_from_slice(args);
        hearth_hub(&all, "")
    };
    let cook = |rows: Vec<(String, String, String)>| {
        rows.into_iter()
            .find(|(name, _, _)| name == "cook")
            .map(|(_, role, rooms)| (role, rooms))
            .unwrap()
    };

    let said = stdout_of(&set(&["cook", "--rooms", "Kitchen,Porch"]));
    assert_eq!(said, "cook: rooms Kitchen → Kitchen, Porch");
    let said = stdout_of(&set(&["cook", "--role", "viewer"]));
    assert_eq!(said, "cook: role member → viewer");
    assert_eq!(cook(listed(dir)), ("viewer".into(), "Kitchen,Porch".into()));
    let (status, _, body) = hub.http_as(Auth::Admin, "GET", "/api/users", "").await;
    assert_eq!(status, 200, "{body}");
    let users: Value = serde_json::from_str(&body).unwrap();
    let user = users
        .as_array()
        .unwrap()
        .iter()
        .find(|user| user["username"] == "cook")
        .unwrap();
    assert_eq!(
        (&user["role"], &user["rooms"]),
        (&json!("viewer"), &json!(["Kitchen", "Porch"])),
        "the running hub sees the change at once"
    );

    let said = stdout_of(&set(&["cook", "--every-room"]));
    assert_eq!(said, "cook: rooms Kitchen, Porch → every room");
    assert_eq!(cook(listed(dir)), ("viewer".into(), "*".into()));
    let said = stdout_of(&set(&["cook", "--role", "member", "--rooms", "Kitchen"]));
    assert_eq!(
        said,
        "cook: role viewer → member, rooms every room → Kitchen"
    );

    let table: [(&[&str], &str); 6] = [
        (&["admin", "--role", "member"], "last admin"),
        (&["nobody", "--role", "viewer"], "there is no user nobody"),
        (&["cook", "--role", "root"], "admin, member or viewer"),
        (&["cook", "--rooms", " "], "a room name has"),
        (
            &["cook", "--rooms", "Kitchen", "--every-room"],
            "cannot be used with",
        ),
        (&["cook"], "required"),
    ];
    for (args, words) in table {
        let refused = set(args);
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(!refused.status.success(), "{args:?}");
        assert!(stderr.contains(words), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    assert_eq!(
        listed(dir),
        [
            ("admin".into(), "admin".into(), "*".into()),
            ("cook".into(), "member".into(), "Kitchen".into())
        ],
        "a refused change changes nothing"
    );
    let pair = |action: &str, detail: &str| (action.to_owned(), detail.to_owned());
    assert_eq!(
        hub.audit_of("cli").await,
        [
            pair("user.add", "cook (member, rooms: Kitchen)"),
            pair("user.change", "cook: rooms Kitchen → Kitchen, Porch"),
            pair("user.change", "cook: role member → viewer"),
            pair("user.change", "cook: rooms Kitchen, Porch → every room"),
            pair(
                "user.change",
                "cook: role viewer → member, rooms every room → Kitchen"
            ),
        ],
        "the audit log has every change made from the command line, in the API's words"
    );
    hub.shut_down().await.unwrap();
}
