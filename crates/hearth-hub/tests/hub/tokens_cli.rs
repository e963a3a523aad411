//! `hearth-hub token …` as a person or a script uses it, beside a running hub
//! on the same data directory: the token printed once works at once, and a
//! revocation takes effect at once.

use std::process::{Command, Output};

use crate::ingest::request;
use crate::support::{TestHub, data_dir};

fn hearth_hub(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hearth-hub"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

async fn ingest_status(hub: &TestHub, token: &str) -> u16 {
    let bearer = format!("Bearer {token}");
    let body = r#"{"readings":[{"device":"fridge","metric":"temperature","value":4.0}]}"#;
    let headers = [("Authorization", bearer.as_str())];
    request(hub, "POST", "/api/ingest", &headers, body).await.0
}

#[tokio::test]
async fn tokens_are_created_listed_and_revoked_from_the_command_line_beside_a_running_hub() {
    let (_dir, path) = data_dir();
    let hub = TestHub::start(&path).await;
    let dir = path.to_str().unwrap();

    let created = hearth_hub(&["--data-dir", dir, "token", "create", "--name", "shed"]);
    assert!(created.status.success(), "{created:?}");
    let token = String::from_utf8(created.stdout).unwrap();
    let token = token.trim_end();
    assert!(
        token.starts_with("hearth_") && token.len() == 71,
        "stdout is the token alone: {token}"
    );
    assert!(String::from_utf8_lossy(&created.stderr).contains("shown only now"));
    assert_eq!(ingest_status(&hub, token).await, 200);

    // The data directory may also come after the subcommand.
    let listed = hearth_hub(&["token", "list", "--data-dir", dir]);
    let listing = String::from_utf8(listed.stdout).unwrap();
    let row: Vec<&str> = listing
        .lines()
        .nth(1)
        .expect("one token")
        .split('\t')
        .collect();
    assert_eq!(
        (row[0], row[1], row[2], row[4]),
        ("1", "shed", "ingest", "")
    );
    assert!(!listing.contains(token), "the secret is never listed");

    let revoked = hearth_hub(&["--data-dir", dir, "token", "revoke", "1"]);
    assert!(revoked.status.success(), "{revoked:?}");
    assert_eq!(ingest_status(&hub, token).await, 401);

    let table: [(&[&str], &str); 3] = [
        (&["token", "revoke", "9"], "no token 9"),
        (
            &["token", "create", "--name", "x", "--scope", "root"],
            "unknown scope",
        ),
        (&["token", "create", "--name", " "], "1 to 64 characters"),
    ];
    for (args, words) in table {
        let mut all = vec!["--data-dir", dir];
        all.extend_from_slice(args);
        let refused = hearth_hub(&all);
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(!refused.status.success(), "{args:?}");
        assert!(stderr.contains(words), "{args:?}: {stderr}");
    }
    assert_eq!(
        hub.audit_of("cli").await,
        [
            (
                "token.create".to_owned(),
                "1 (shed): ingest; any device".to_owned()
            ),
            ("token.revoke".to_owned(), "1 (shed)".to_owned()),
        ],
        "the command line's token changes are audited as the API's are"
    );
    hub.shut_down().await.unwrap();
}
