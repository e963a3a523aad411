//! The `tokens` table. [`Tokens`] is how `hearth-hub token …` creates, lists
//! and revokes tokens, on its own connection: it takes no hub lock, so it
//! works while a hub is running on the same data directory, and SQLite
//! serialises its few writes with the hub's. The hub itself only looks tokens
//! up, through its reader ([`find`]).

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use hearth_core::DeviceId;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{at, open_beside_hub};
use crate::store::StoreError;
use crate::store::tokens::{self, NewToken, Scope, TokenInfo};

/// Longer than the hub's own wait: a person at a terminal can wait for a busy
/// hub to finish its batch.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

const COLUMNS: &str = "id, name, scopes, created_us, revoked_us, devices";

/// The token table of one data directory.
#[derive(Debug)]
pub struct Tokens {
    conn: Connection,
}

impl Tokens {
    /// Opens (creating if needed) `hearth.db` in `data_dir`, bringing its
    /// schema up to date as the hub would.
    pub fn open(data_dir: &Path) -> Result<Tokens, StoreError> {
        let conn = open_beside_hub(data_dir, BUSY_TIMEOUT, |_| Ok(()))?;
        Ok(Tokens { conn })
    }

    /// Stores a new token called `name` allowing `scopes`, and returns it with
    /// its secret, which is not kept.
    pub fn create(
        &self,
        name: &str,
        scopes: &[Scope],
        now: DateTime<Utc>,
    ) -> Result<NewToken, StoreError> {
        self.create_bound(name, scopes, None, now)
    }

    /// As [`Tokens::create`], bound to `devices` when given (checked by
    /// [`tokens::check_binding`]).
    pub fn create_bound(
        &self,
        name: &str,
        scopes: &[Scope],
        devices: Option<&[DeviceId]>,
        now: DateTime<Utc>,
    ) -> Result<NewToken, StoreError> {
        let secret = tokens::generate()?;
        let created_us = now.timestamp_micros();
        self.conn.execute(
            "INSERT INTO tokens (name, hash, scopes, created_us, devices)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                name,
                tokens::hash(&secret).as_slice(),
                tokens::scopes_to_sql(scopes),
                created_us,
                tokens::devices_to_sql(devices)
            ],
        )?;
        let info = TokenInfo {
            id: self.conn.last_insert_rowid(),
            name: name.to_owned(),
            scopes: scopes.to_vec(),
            devices: devices.map(<[DeviceId]>::to_vec),
            created: at(created_us),
            revoked: None,
        };
        Ok(NewToken { info, secret })
    }

    /// Every token, revoked ones too, oldest first.
    pub fn list(&self) -> Result<Vec<TokenInfo>, StoreError> {
        let mut query = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM tokens ORDER BY id"))?;
        let rows = query.query_map([], info)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Revokes token `id` as of `now` (a token already revoked keeps its
    /// first revocation); `None` if there is no such token.
    pub fn revoke(&self, id: i64, now: DateTime<Utc>) -> Result<Option<TokenInfo>, StoreError> {
        self.conn.execute(
            "UPDATE tokens SET revoked_us = ?2 WHERE id = ?1 AND revoked_us IS NULL",
            params![id, now.timestamp_micros()],
        )?;
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM tokens WHERE id = ?1"),
                [id],
                info,
            )
            .optional()?)
    }
}

/// The token stored with `hash`, if any.
pub(super) fn find(conn: &Connection, hash: &[u8; 32]) -> Result<Option<TokenInfo>, StoreError> {
    let mut query =
        conn.prepare_cached(&format!("SELECT {COLUMNS} FROM tokens WHERE hash = ?1"))?;
    Ok(query.query_row([hash.as_slice()], info).optional()?)
}

/// Whether token `id` may no longer be used: revoked, or not there at all.
pub(super) fn revoked(conn: &Connection, id: i64) -> Result<bool, StoreError> {
    let mut query = conn.prepare_cached("SELECT revoked_us FROM tokens WHERE id = ?1")?;
    let found: Option<Option<i64>> = query.query_row([id], |row| row.get(0)).optional()?;
    Ok(found.is_none_or(|revoked| revoked.is_some()))
}

fn info(row: &Row<'_>) -> rusqlite::Result<TokenInfo> {
    Ok(TokenInfo {
        id: row.get(0)?,
        name: row.get(1)?,
        scopes: tokens::scopes_from_sql(&row.get::<_, String>(2)?),
        created: at(row.get(3)?),
        revoked: row.get::<_, Option<i64>>(4)?.map(at),
        devices: tokens::devices_from_sql(row.get(5)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sqlite::SqliteStore;
    use crate::store::{Retention, Store};
    use chrono::TimeZone;

    #[test]
    fn tokens_are_created_found_by_hash_listed_and_revoked_beside_a_running_hub() {
        let dir = tempfile::tempdir().unwrap();
        // The hub holds the database (and its lock) throughout.
        let hub = SqliteStore::open(dir.path(), Retention::default()).unwrap();
        let reader = hub.history();
        let tokens = Tokens::open(dir.path()).unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap();

        let shed = tokens.create("shed", &[Scope::Ingest], now).unwrap();
        let porch = tokens.create("porch", &[Scope::Ingest], now).unwrap();
        let found = reader.token(&tokens::hash(&shed.secret)).unwrap();
        assert_eq!(found.as_ref(), Some(&shed.info));
        assert!(found.unwrap().allows(Scope::Ingest));
        assert_eq!(reader.token(&tokens::hash("hearth_guess")).unwrap(), None);

        let later = now + chrono::TimeDelta::minutes(5);
        let revoked = tokens.revoke(shed.info.id, later).unwrap().unwrap();
        assert_eq!(revoked.revoked, Some(later));
        // Revoking again keeps the first time.
        let again = tokens.revoke(shed.info.id, later + chrono::TimeDelta::minutes(1));
        assert_eq!(again.unwrap().unwrap().revoked, Some(later));
        assert_eq!(tokens.revoke(99, later).unwrap(), None);
        let found = reader.token(&tokens::hash(&shed.secret)).unwrap().unwrap();
        assert!(!found.allows(Scope::Ingest));

        let names: Vec<(String, bool)> = tokens
            .list()
            .unwrap()
            .into_iter()
            .map(|t| (t.name, t.revoked.is_some()))
            .collect();
        assert_eq!(names, [("shed".into(), true), ("porch".into(), false)]);
        assert!(
            reader
                .token(&tokens::hash(&porch.secret))
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn tokens_from_before_bindings_read_back_unbound_and_new_ones_keep_theirs() {
        let dir = tempfile::tempdir().unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap();
        {
            // A database as a hub before migration 7 left it, with a token.
            let conn = Connection::open(dir.path().join(super::super::FILE_NAME)).unwrap();
            for sql in &super::super::MIGRATIONS[..6] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", 6).unwrap();
            conn.execute(
                "INSERT INTO tokens (name, hash, scopes, created_us) VALUES ('old', ?1, 'ingest', 0)",
                [tokens::hash("hearth_old").as_slice()],
            )
            .unwrap();
        }
        let tokens = Tokens::open(dir.path()).unwrap();
        let bound = [DeviceId::new("shed-thermometer")];
        let shed = tokens
            .create_bound("shed", &[Scope::Ingest], Some(&bound), now)
            .unwrap();
        let listed: Vec<(String, Option<Vec<DeviceId>>)> = tokens
            .list()
            .unwrap()
            .into_iter()
            .map(|t| (t.name, t.devices))
            .collect();
        assert_eq!(
            listed,
            [("old".into(), None), ("shed".into(), Some(bound.to_vec()))]
        );
        let found = find(&tokens.conn, &tokens::hash(&shed.secret)).unwrap();
        assert_eq!(found, Some(shed.info));
    }
}
