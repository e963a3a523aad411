//! The `users`, `sessions` and `audit` tables. [`Users`] holds a connection of
//! its own, like [`super::tokens::Tokens`]: it takes no hub lock, so
//! `hearth-hub user …` works beside a running hub, and the hub's sign-ins,
//! session checks and audit entries never queue behind a batch of readings.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, TransactionBehavior, params};

use super::{at, open_beside_hub};
use crate::store::StoreError;
use crate::store::tokens::TokenInfo;
use crate::store::users::{AuditEntry, Role, User};

/// Longer than the hub's own wait: a sign-in can wait for a busy hub to
/// finish its batch.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

const COLUMNS: &str = "id, username, role, rooms, created_us";

/// A session as stored: whose it is and its two clocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SessionRow {
    pub(crate) user: User,
    pub(crate) created: DateTime<Utc>,
    pub(crate) last_used: DateTime<Utc>,
}

/// The account tables of one data directory.
#[derive(Debug)]
pub(crate) struct Users {
    conn: Connection,
}

impl Users {
    /// Opens (creating if needed) `hearth.db` in `data_dir`, bringing its
    /// schema up to date as the hub would.
    pub(crate) fn open(data_dir: &Path) -> Result<Users, StoreError> {
        // The hub's writer has put the file in WAL mode; NORMAL spares an
        // fsync per audit entry and loses, on power loss, only the last few.
        let conn = open_beside_hub(data_dir, BUSY_TIMEOUT, |conn| {
            conn.pragma_update(None, "synchronous", "NORMAL")
        })?;
        Ok(Users { conn })
    }

    pub(crate) fn count(&self) -> Result<u64, StoreError> {
        let count: i64 = self
            .conn
            .query_row("SELECT count(*) FROM users", [], |row| row.get(0))?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Adds a user with `password` (a PHC string, or `None` for no password
    /// sign-in); `None` if the name is taken.
    pub(crate) fn add(
        &self,
        username: &str,
        password: Option<&str>,
        role: Role,
        rooms: Option<&[String]>,
        now: DateTime<Utc>,
    ) -> Result<Option<User>, StoreError> {
        let rooms_json = rooms.map(serde_json::to_string).transpose()?;
        let added = self.conn.execute(
            "INSERT INTO users (username, password, role, rooms, created_us)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (username) DO NOTHING",
            params![
                username,
                password,
                role.name(),
                rooms_json,
                now.timestamp_micros()
            ],
        )?;
        if added == 0 {
            return Ok(None);
        }
        Ok(Some(User {
            id: self.conn.last_insert_rowid(),
            username: username.to_owned(),
            role,
            rooms: rooms.map(<[String]>::to_vec),
            created: at(now.timestamp_micros()),
        }))
    }

    /// Removes `username` and signs them out everywhere; their id. The last
    /// admin is kept: the check and the removal are one write transaction,
    /// so two removals (here or in `hearth-hub user remove`) cannot both
    /// pass it.
    pub(crate) fn remove(&self, username: &str) -> Result<Result<i64, Refused>, StoreError> {
        let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)?;
        let Some((user, _)) = find(&tx, username)? else {
            return Ok(Err(Refused::NoUser));
        };
        if user.role == Role::Admin && admins(&tx)? <= 1 {
            return Ok(Err(Refused::LastAdmin));
        }
        tx.execute("DELETE FROM sessions WHERE user = ?1", [user.id])?;
        tx.execute("DELETE FROM users WHERE id = ?1", [user.id])?;
        tx.commit()?;
        Ok(Ok(user.id))
    }

    /// Changes what is given of `username`'s role, rooms (`Some(None)` for
    /// every room) and password (a PHC string, which also signs them out
    /// everywhere); the user before and after. Demoting the last admin is
    /// refused, in the same write transaction as the change.
    pub(crate) fn update(
        &self,
        username: &str,
        role: Option<Role>,
        rooms: Option<Option<&[String]>>,
        password: Option<&str>,
    ) -> Result<Result<(User, User), Refused>, StoreError> {
        let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)?;
        let Some((before, _)) = find(&tx, username)? else {
            return Ok(Err(Refused::NoUser));
        };
        let mut after = before.clone();
        if let Some(role) = role {
            if before.role == Role::Admin && role != Role::Admin && admins(&tx)? <= 1 {
                return Ok(Err(Refused::LastAdmin));
            }
            after.role = role;
        }
        if let Some(rooms) = rooms {
            after.rooms = rooms.map(<[String]>::to_vec);
        }
        let rooms_json = after
            .rooms
            .as_ref()
            .map(serde_json::to_string)
            .transpose()?;
        tx.execute(
            "UPDATE users SET role = ?2, rooms = ?3 WHERE id = ?1",
            params![after.id, after.role.name(), rooms_json],
        )?;
        if let Some(password) = password {
            tx.execute(
                "UPDATE users SET password = ?2 WHERE id = ?1",
                params![after.id, password],
            )?;
            tx.execute("DELETE FROM sessions WHERE user = ?1", [after.id])?;
        }
        tx.commit()?;
        Ok(Ok((before, after)))
    }

    /// Every user, oldest first.
    pub(crate) fn list(&self) -> Result<Vec<User>, StoreError> {
        let mut query = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM users ORDER BY id"))?;
        let rows = query.query_map([], user)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// `username` with their PHC string, if they exist.
    pub(crate) fn find(
        &self,
        username: &str,
    ) -> Result<Option<(User, Option<String>)>, StoreError> {
        find(&self.conn, username)
    }

    /// Sets `username`'s password and signs them out everywhere; false if
    /// unknown.
    pub(crate) fn set_password(&self, username: &str, password: &str) -> Result<bool, StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let changed = tx.execute(
            "UPDATE users SET password = ?2 WHERE username = ?1",
            params![username, password],
        )?;
        tx.execute(
            "DELETE FROM sessions WHERE user IN (SELECT id FROM users WHERE username = ?1)",
            [username],
        )?;
        tx.commit()?;
        Ok(changed > 0)
    }

    pub(crate) fn create_session(
        &self,
        hash: &[u8; 32],
        user: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO sessions (hash, user, created_us, last_used_us) VALUES (?1, ?2, ?3, ?3)",
            )?
            .execute(params![hash.as_slice(), user, now.timestamp_micros()])?;
        Ok(())
    }

    /// The session stored with `hash` and its user, if both still exist.
    pub(crate) fn session(&self, hash: &[u8; 32]) -> Result<Option<SessionRow>, StoreError> {
        let mut query = self.conn.prepare_cached(
            "SELECT u.id, u.username, u.role, u.rooms, u.created_us, s.created_us, s.last_used_us
             FROM sessions AS s JOIN users AS u ON u.id = s.user WHERE s.hash = ?1",
        )?;
        Ok(query
            .query_row([hash.as_slice()], |row| {
                Ok(SessionRow {
                    user: user(row)?,
                    created: at(row.get(5)?),
                    last_used: at(row.get(6)?),
                })
            })
            .optional()?)
    }

    pub(crate) fn touch_session(
        &self,
        hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("UPDATE sessions SET last_used_us = ?2 WHERE hash = ?1")?
            .execute(params![hash.as_slice(), now.timestamp_micros()])?;
        Ok(())
    }

    pub(crate) fn delete_session(&self, hash: &[u8; 32]) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("DELETE FROM sessions WHERE hash = ?1")?
            .execute([hash.as_slice()])?;
        Ok(())
    }

    /// The token stored with `hash`, revoked or not.
    pub(crate) fn token(&self, hash: &[u8; 32]) -> Result<Option<TokenInfo>, StoreError> {
        super::tokens::find(&self.conn, hash)
    }

    /// Whether token `id` is revoked (or gone), for the sockets it opened.
    pub(crate) fn token_revoked(&self, id: i64) -> Result<bool, StoreError> {
        super::tokens::revoked(&self.conn, id)
    }

    pub(crate) fn audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO audit (at_us, actor, action, detail) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                entry.at.timestamp_micros(),
                entry.actor,
                entry.action,
                entry.detail
            ])?;
        Ok(())
    }

    /// The newest `limit` audit entries, newest first.
    pub(crate) fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        let mut query = self.conn.prepare_cached(
            "SELECT at_us, actor, action, detail FROM audit ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = query.query_map([limit], |row| {
            Ok(AuditEntry {
                at: at(row.get(0)?),
                actor: row.get(1)?,
                action: row.get(2)?,
                detail: row.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// Why a change to a user was not made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    NoUser,
    /// It would leave the hub without an admin.
    LastAdmin,
}

fn find(conn: &Connection, username: &str) -> Result<Option<(User, Option<String>)>, StoreError> {
    let mut query = conn.prepare_cached(&format!(
        "SELECT {COLUMNS}, password FROM users WHERE username = ?1"
    ))?;
    Ok(query
        .query_row([username], |row| Ok((user(row)?, row.get(5)?)))
        .optional()?)
}

fn admins(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row(
        "SELECT count(*) FROM users WHERE role = ?1",
        [Role::Admin.name()],
        |row| row.get(0),
    )?)
}

fn user(row: &Row<'_>) -> rusqlite::Result<User> {
    let role: String = row.get(2)?;
    let rooms: Option<String> = row.get(3)?;
    Ok(User {
        id: row.get(0)?,
        username: row.get(1)?,
        // Only this hub writes roles; an unknown one (from a newer hub) gets
        // the least it could mean.
        role: Role::from_name(&role).unwrap_or(Role::Viewer),
        // Unreadable rooms hide every device rather than show them all.
        rooms: rooms.map(|json| serde_json::from_str(&json).unwrap_or_default()),
        created: at(row.get(4)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn users_sessions_and_audit_entries_are_kept_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let users = Users::open(dir.path()).unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap();
        let kitchen = ["Kitchen".to_owned()];
        let cook = users
            .add(
                "cook",
                Some("$argon2id$x"),
                Role::Member,
                Some(&kitchen),
                now,
            )
            .unwrap()
            .unwrap();
        assert_eq!(
            users.add("cook", None, Role::Admin, None, now).unwrap(),
            None
        );
        assert_eq!(users.list().unwrap(), std::slice::from_ref(&cook));
        let (found, password) = users.find("cook").unwrap().unwrap();
        assert_eq!(
            (found, password.as_deref()),
            (cook.clone(), Some("$argon2id$x"))
        );

        users.create_session(&[7; 32], cook.id, now).unwrap();
        let later = now + chrono::TimeDelta::hours(1);
        users.touch_session(&[7; 32], later).unwrap();
        let session = users.session(&[7; 32]).unwrap().unwrap();
        assert_eq!((session.created, session.last_used), (now, later));
        assert!(users.set_password("cook", "$argon2id$y").unwrap());
        assert_eq!(
            users.session(&[7; 32]).unwrap(),
            None,
            "signed out everywhere"
        );

        for action in ["first", "second"] {
            let entry = AuditEntry {
                at: now,
                actor: "cook".into(),
                action: action.into(),
                detail: String::new(),
            };
            users.audit(&entry).unwrap();
        }
        let log = users.audit_log(1).unwrap();
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].action, "second");

        assert_eq!(users.remove("cook").unwrap(), Ok(cook.id));
        assert_eq!(users.remove("cook").unwrap(), Err(Refused::NoUser));
        assert_eq!(users.count().unwrap(), 0);
    }
}
