//! Who is calling and what they may do. People sign in with a password (or
//! the one-time setup code printed at first run) and carry a session cookie;
//! scripts carry a bearer token with scopes. One middleware, [`guard`], stands
//! in front of every `/api` route but the public few: it works out the
//! [`Caller`] and refuses what their role or token does not allow; handlers
//! that show or touch devices then keep to the caller's rooms. The audit log
//! records commands, rule changes and account changes, with who made them.

pub mod audit_text;
mod limit;
mod password;
mod routes;

use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, TimeDelta, Utc};
use hearth_core::DeviceId;
use rand::TryRngCore;
use rand::rngs::OsRng;
use serde_json::Value;
use tokio::sync::broadcast;

use crate::api::ApiError;
use crate::automation::Clock;
use crate::store::StoreError;
use crate::store::sqlite::tokens::Tokens;
use crate::store::sqlite::users::{Refused, SessionRow, Users};
use crate::store::tokens::{self, NewToken, Scope, TokenInfo};
use crate::store::users::{AuditEntry, Role, User};

pub(crate) use routes::routes;

/// The session cookie's name.
pub(crate) const COOKIE: &str = "hearth_session";

/// Paths under `/api` anyone may call. The device socket and ingest check
/// their own `ingest` tokens.
const PUBLIC: [&str; 6] = [
    "/api/health",
    "/api/auth/login",
    "/api/auth/setup",
    "/api/auth/logout",
    DEVICE_SOCKET,
    "/api/ingest",
];

/// The device socket's path, one of the [`PUBLIC`] ones.
const DEVICE_SOCKET: &str = "/api/devices/ws";

/// A session's last use is written at most this often, not on every request.
const TOUCH_EVERY: TimeDelta = TimeDelta::minutes(1);

/// How often an open browser socket compares its session's age with the
/// absolute limit: in memory, so it can be often.
const SOCKET_TICK: Duration = Duration::from_secs(1);

/// Every this many ticks an open socket also looks its session up in the
/// database, which marks it used (an open dashboard is someone using the
/// hub, so it never goes idle) and notices a session ended by another
/// process, such as `hearth-hub user remove`.
const SOCKET_RECHECK: u32 = 30;

/// The close code a browser socket gets when its session ends (or a socket
/// its token is revoked): 4000 plus HTTP's 401, as the range 4000–4999 is
/// the application's own.
pub(crate) const SESSION_ENDED: u16 = 4401;

/// The close code a browser socket gets when its user's role or rooms
/// change: 4000 plus HTTP's 403. The session is still good, so the
/// dashboard reconnects at once and the new socket's snapshot shows what
/// they may see now.
pub(crate) const ACCESS_CHANGED: u16 = 4403;

/// The most rooms a user may be limited to, and the longest room name.
const MOST_ROOMS: usize = 100;
const ROOM_LENGTH: usize = 64;

/// Sessions ended while their sockets may be open, for those sockets to
/// close; a socket that misses some looks its session up instead.
const ENDED_BUFFER: usize = 64;

/// Access that ended or changed on purpose, for the sockets opened with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ended {
    /// Signed out.
    Session([u8; 32]),
    /// All of a user's sessions: the user was removed or their password set.
    User(i64),
    /// A user's role or rooms changed; their sessions are still good.
    Access(i64),
    /// A token, by id, was revoked.
    Token(i64),
}

/// How a socket is closed when the access it was opened with ends or
/// changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Closing {
    pub(crate) code: u16,
    pub(crate) reason: &'static str,
}

impl Closing {
    const SIGNED_OUT: Closing = Closing {
        code: SESSION_ENDED,
        reason: "signed out",
    };
    const EXPIRED: Closing = Closing {
        code: SESSION_ENDED,
        reason: "session expired",
    };
    const REVOKED: Closing = Closing {
        code: SESSION_ENDED,
        reason: "token revoked",
    };
    const ACCESS_CHANGED: Closing = Closing {
        code: ACCESS_CHANGED,
        reason: "your access changed",
    };
}

/// A signed-in browser's session, as its WebSocket keeps watch on it: with
/// the role and rooms it was opened with, so that a change made by another
/// process (which sends no [`Ended`]) is noticed at the next look-up.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    hash: [u8; 32],
    user: i64,
    created: DateTime<Utc>,
    role: Role,
    rooms: Option<Vec<String>>,
}

/// How sessions expire and how their cookie is marked.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// A session unused this long is over.
    pub idle: TimeDelta,
    /// A session this old is over, however much it is used.
    pub absolute: TimeDelta,
    /// Marks the cookie `Secure`: set when the hub serves TLS.
    pub secure_cookies: bool,
    /// What "now" is for expiry; tests turn a manual clock.
    pub clock: Clock,
}

impl Default for AuthSettings {
    fn default() -> AuthSettings {
        AuthSettings {
            idle: TimeDelta::hours(12),
            absolute: TimeDelta::days(30),
            secure_cookies: false,
            clock: Clock::Real,
        }
    }
}

/// Why an account could not be read or changed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("there is already a user {0}")]
    Taken(String),
    #[error("there is no user {0}")]
    NoUser(String),
    #[error("a username has 1 to 64 letters, digits, `.`, `_` or `-`")]
    BadName,
    #[error("a password has at least {} characters", password::MIN_LENGTH)]
    ShortPassword,
    #[error("cannot hash the password: {0}")]
    Hash(String),
    #[error("{0}")]
    BadRooms(String),
    #[error("{0} is the hub's last admin; make someone else an admin first")]
    LastAdmin(String),
}

impl AccountError {
    fn refused(refused: Refused, username: &str) -> AccountError {
        match refused {
            Refused::NoUser => AccountError::NoUser(username.to_owned()),
            Refused::LastAdmin => AccountError::LastAdmin(username.to_owned()),
        }
    }
}

/// What an admin changes of a user; each part left `None` stays as it is.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct UserChange {
    pub role: Option<Role>,
    /// `Some(None)` for every room.
    pub rooms: Option<Option<Vec<String>>>,
    pub password: Option<String>,
}

// Keeps the password out of logs.
impl std::fmt::Debug for UserChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserChange")
            .field("role", &self.role)
            .field("rooms", &self.rooms)
            .field("password", &self.password.as_ref().map(|_| "…"))
            .finish()
    }
}

/// What a first run prints so that its owner can sign in.
#[derive(Clone, PartialEq, Eq)]
pub struct FirstRun {
    /// The first admin's name.
    pub username: String,
    pub password: String,
    /// Signs in once, as that admin, at `/login?setup=CODE`.
    pub setup_code: String,
}

// Keeps the secrets out of logs.
impl std::fmt::Debug for FirstRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FirstRun")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// The username the first run creates.
const FIRST_ADMIN: &str = "admin";

/// The hub's accounts: users, sessions, the admin's tokens, the audit log,
/// and the sign-in limiter. Its methods block on SQLite (and argon2): async
/// code calls them through `spawn_blocking`.
#[derive(Debug)]
pub struct Accounts {
    users: Mutex<Users>,
    tokens: Mutex<Tokens>,
    settings: RwLock<AuthSettings>,
    limiter: Mutex<limit::Limiter>,
    /// The SHA-256 of the setup code, until it is used.
    setup: Mutex<Option<[u8; 32]>>,
    ended: broadcast::Sender<Ended>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Each use is a single statement or map update, so a poisoned lock still
    // guards consistent data.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Accounts {
    /// The accounts kept in `data_dir`'s database.
    pub fn open(data_dir: &Path) -> Result<Accounts, StoreError> {
        Ok(Accounts {
            users: Mutex::new(Users::open(data_dir)?),
            tokens: Mutex::new(Tokens::open(data_dir)?),
            settings: RwLock::new(AuthSettings::default()),
            limiter: Mutex::default(),
            setup: Mutex::new(None),
            ended: broadcast::Sender::new(ENDED_BUFFER),
        })
    }

    pub fn settings(&self) -> AuthSettings {
        self.settings
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn set_settings(&self, settings: AuthSettings) {
        *self
            .settings
            .write()
            .unwrap_or_else(PoisonError::into_inner) = settings;
    }

    fn now(&self) -> DateTime<Utc> {
        self.settings
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clock
            .now()
    }

    /// With no user yet, creates the first admin with a generated password
    /// and a one-time setup code, and returns both to be shown; otherwise
    /// `None`.
    pub fn first_run(&self) -> Result<Option<FirstRun>, AccountError> {
        if lock(&self.users).count()? > 0 {
            return Ok(None);
        }
        let password = password::generate()?;
        self.add_user(FIRST_ADMIN, Some(&password), Role::Admin, None)?;
        let setup_code = secret()?;
        *lock(&self.setup) = Some(tokens::hash(&setup_code));
        self.record(
            "hub",
            "user.add",
            format!("{FIRST_ADMIN} (admin), at first run"),
        );
        Ok(Some(FirstRun {
            username: FIRST_ADMIN.to_owned(),
            password,
            setup_code,
        }))
    }

    /// A password for someone to be given: 20 characters without
    /// look-alikes.
    pub fn generate_password() -> Result<String, AccountError> {
        password::generate()
    }

    /// Adds a user; without a password they can only be signed in by
    /// [`Accounts::sign_in_as`].
    pub fn add_user(
        &self,
        username: &str,
        password: Option<&str>,
        role: Role,
        rooms: Option<&[String]>,
    ) -> Result<User, AccountError> {
        check_username(username)?;
        rooms.map(check_rooms).transpose()?;
        let phc = password.map(checked_hash).transpose()?;
        lock(&self.users)
            .add(username, phc.as_deref(), role, rooms, self.now())?
            .ok_or_else(|| AccountError::Taken(username.to_owned()))
    }

    /// Removes a user and ends their sessions. The hub's last admin is
    /// refused, so that someone can always manage it.
    pub fn remove_user(&self, username: &str) -> Result<(), AccountError> {
        let removed = lock(&self.users).remove(username)?;
        let id = removed.map_err(|refused| AccountError::refused(refused, username))?;
        let _ = self.ended.send(Ended::User(id));
        Ok(())
    }

    /// Changes a user's role, rooms or password; the user before and
    /// after. A new password ends their sessions; a new role or rooms closes
    /// their open sockets with [`ACCESS_CHANGED`], while REST, which looks
    /// the user up on every request, follows at once. Demoting the hub's
    /// last admin is refused.
    pub fn update_user(
        &self,
        username: &str,
        change: &UserChange,
    ) -> Result<(User, User), AccountError> {
        if let Some(Some(rooms)) = &change.rooms {
            check_rooms(rooms)?;
        }
        let phc = change.password.as_deref().map(checked_hash).transpose()?;
        let rooms = change.rooms.as_ref().map(Option::as_deref);
        let updated = lock(&self.users).update(username, change.role, rooms, phc.as_deref())?;
        let (before, after) =
            updated.map_err(|refused| AccountError::refused(refused, username))?;
        let ended = if phc.is_some() {
            Some(Ended::User(after.id))
        } else if (before.role, &before.rooms) != (after.role, &after.rooms) {
            Some(Ended::Access(after.id))
        } else {
            None
        };
        if let Some(ended) = ended {
            let _ = self.ended.send(ended);
        }
        Ok((before, after))
    }

    pub fn users(&self) -> Result<Vec<User>, AccountError> {
        Ok(lock(&self.users).list()?)
    }

    /// Sets a user's password and ends their sessions.
    pub fn set_password(&self, username: &str, password: &str) -> Result<(), AccountError> {
        let phc = checked_hash(password)?;
        let users = lock(&self.users);
        let id = users.find(username)?.map(|(user, _)| user.id);
        let changed = users.set_password(username, &phc)?;
        drop(users);
        if let (true, Some(id)) = (changed, id) {
            let _ = self.ended.send(Ended::User(id));
            Ok(())
        } else {
            Err(AccountError::NoUser(username.to_owned()))
        }
    }

    /// A new session for `username`, as if they had signed in: the cookie's
    /// value. For the setup code, and for tests and scripts that hold the
    /// data directory anyway.
    pub fn sign_in_as(&self, username: &str) -> Result<String, AccountError> {
        let (user, _) = lock(&self.users)
            .find(username)?
            .ok_or_else(|| AccountError::NoUser(username.to_owned()))?;
        self.new_session(&user)
    }

    /// A new token allowing `scopes`, with its secret (shown once).
    pub fn create_token(&self, name: &str, scopes: &[Scope]) -> Result<NewToken, StoreError> {
        self.create_bound_token(name, scopes, None)
    }

    /// A new token allowing `scopes`, which as an ingest token speaks only
    /// for `devices` when given, with its secret (shown once).
    pub fn create_bound_token(
        &self,
        name: &str,
        scopes: &[Scope],
        devices: Option<&[DeviceId]>,
    ) -> Result<NewToken, StoreError> {
        lock(&self.tokens).create_bound(name, scopes, devices, self.now())
    }

    /// Every token, revoked ones too, without their secrets.
    pub fn tokens(&self) -> Result<Vec<TokenInfo>, StoreError> {
        lock(&self.tokens).list()
    }

    /// Revokes token `id` and closes the sockets it opened; `None` if there
    /// is no such token.
    pub fn revoke_token(&self, id: i64) -> Result<Option<TokenInfo>, StoreError> {
        let revoked = lock(&self.tokens).revoke(id, self.now())?;
        if revoked.is_some() {
            let _ = self.ended.send(Ended::Token(id));
        }
        Ok(revoked)
    }

    fn new_session(&self, user: &User) -> Result<String, AccountError> {
        let secret = secret()?;
        lock(&self.users).create_session(&tokens::hash(&secret), user.id, self.now())?;
        Ok(secret)
    }

    /// Checks a password, within the limiter's waits; the user and a new
    /// session's secret.
    fn login(
        &self,
        username: &str,
        password: &str,
        from: Option<IpAddr>,
    ) -> Result<(User, String), Refusal> {
        let mut keys = vec![format!("user:{}", username.to_lowercase())];
        keys.extend(from.map(|ip| format!("ip:{ip}")));
        if let Some(wait) = lock(&self.limiter).wait(&keys, Instant::now()) {
            return Err(Refusal::Wait(wait.as_secs().max(1)));
        }
        let found = lock(&self.users).find(username)?;
        let phc = found.as_ref().and_then(|(_, phc)| phc.as_deref());
        if !password::verify(password, phc) {
            lock(&self.limiter).failed(&keys, Instant::now());
            self.record(
                "hub",
                "auth.failed",
                format!("sign-in as {username:?} refused"),
            );
            return Err(Refusal::Wrong);
        }
        lock(&self.limiter).succeeded(&keys);
        let (user, _) = found.ok_or(Refusal::Wrong)?;
        let secret = self.new_session(&user)?;
        self.record(&user.username, "auth.login", String::new());
        Ok((user, secret))
    }

    /// Uses the setup code (once) to sign in as the first admin.
    fn setup(&self, code: &str, from: Option<IpAddr>) -> Result<(User, String), Refusal> {
        let keys: Vec<String> = from.map(|ip| format!("ip:{ip}")).into_iter().collect();
        if let Some(wait) = lock(&self.limiter).wait(&keys, Instant::now()) {
            return Err(Refusal::Wait(wait.as_secs().max(1)));
        }
        {
            let mut setup = lock(&self.setup);
            if setup.is_none_or(|hash| hash != tokens::hash(code)) {
                drop(setup);
                lock(&self.limiter).failed(&keys, Instant::now());
                return Err(Refusal::Wrong);
            }
            *setup = None;
        }
        let (user, _) = lock(&self.users).find(FIRST_ADMIN)?.ok_or(Refusal::Wrong)?;
        let secret = self.new_session(&user)?;
        self.record(
            &user.username,
            "auth.setup",
            "signed in with the setup code".into(),
        );
        Ok((user, secret))
    }

    /// The user whose session `secret` is, if it has not expired, with the
    /// session for a socket to watch; an expired one is deleted.
    fn session(&self, secret: &str) -> Result<Option<(User, Session)>, StoreError> {
        let hash = tokens::hash(secret);
        Ok(self.live_session(&hash)?.map(|row| {
            let session = Session {
                hash,
                user: row.user.id,
                created: row.created,
                role: row.user.role,
                rooms: row.user.rooms.clone(),
            };
            (row.user, session)
        }))
    }

    /// The session stored with `hash` if it has not expired, marked used
    /// now; an expired one is deleted.
    fn live_session(&self, hash: &[u8; 32]) -> Result<Option<SessionRow>, StoreError> {
        let users = lock(&self.users);
        let Some(row) = users.session(hash)? else {
            return Ok(None);
        };
        let settings = self.settings();
        let now = settings.clock.now();
        if now - row.created > settings.absolute || now - row.last_used > settings.idle {
            users.delete_session(hash)?;
            return Ok(None);
        }
        if now - row.last_used > TOUCH_EVERY {
            users.touch_session(hash, now)?;
        }
        Ok(Some(row))
    }

    fn logout(&self, secret: &str) -> Result<(), StoreError> {
        let hash = tokens::hash(secret);
        lock(&self.users).delete_session(&hash)?;
        let _ = self.ended.send(Ended::Session(hash));
        Ok(())
    }

    fn token(&self, secret: &str) -> Result<Option<TokenInfo>, StoreError> {
        lock(&self.users).token(&tokens::hash(secret))
    }

    /// Adds an entry to the audit log, for the API's handlers (through
    /// [`Caller`]) and the command line (actor `cli`) alike; a failure is
    /// logged, never passed on, since what was done is done.
    pub fn record(&self, actor: &str, action: &str, detail: String) {
        let entry = AuditEntry {
            at: self.now(),
            actor: actor.to_owned(),
            action: action.to_owned(),
            detail,
        };
        tracing::info!(actor = %entry.actor, action = %entry.action, detail = %entry.detail, "audit");
        if let Err(error) = lock(&self.users).audit(&entry) {
            tracing::error!(%error, ?entry, "cannot write the audit log");
        }
    }

    pub fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>, AccountError> {
        Ok(lock(&self.users).audit_log(limit)?)
    }
}

fn check_username(username: &str) -> Result<(), AccountError> {
    let fine = (1..=64).contains(&username.len())
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if fine {
        Ok(())
    } else {
        Err(AccountError::BadName)
    }
}

fn check_rooms(rooms: &[String]) -> Result<(), AccountError> {
    if rooms.len() > MOST_ROOMS {
        return Err(AccountError::BadRooms(format!(
            "a user is limited to at most {MOST_ROOMS} rooms, not {}",
            rooms.len()
        )));
    }
    let bad = rooms.iter().find(|room| {
        room.trim().is_empty()
            || room.chars().count() > ROOM_LENGTH
            || room.chars().any(char::is_control)
    });
    match bad {
        None => Ok(()),
        Some(room) => Err(AccountError::BadRooms(format!(
            "a room name has 1 to {ROOM_LENGTH} characters, not all blanks and no control \
             characters, not {room:?}"
        ))),
    }
}

fn checked_hash(password: &str) -> Result<String, AccountError> {
    if password.chars().count() < password::MIN_LENGTH {
        return Err(AccountError::ShortPassword);
    }
    password::hash(password)
}

/// A session secret or setup code: 32 bytes from the OS, in hex.
fn secret() -> Result<String, StoreError> {
    let mut bytes = [0u8; 32];
    OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|error| StoreError::Random(error.to_string()))?;
    Ok(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}

/// Why a sign-in was refused.
#[derive(Debug)]
enum Refusal {
    Wrong,
    /// Seconds until the next try.
    Wait(u64),
    /// A fault of the hub's own; for the log.
    Internal(String),
}

impl From<StoreError> for Refusal {
    fn from(error: StoreError) -> Refusal {
        Refusal::Internal(error.to_string())
    }
}

impl From<AccountError> for Refusal {
    fn from(error: AccountError) -> Refusal {
        Refusal::Internal(error.to_string())
    }
}

/// Who is calling.
#[derive(Debug, Clone)]
pub(crate) enum Principal {
    User(User),
    Token(TokenInfo),
}

impl Principal {
    pub(crate) fn can_read(&self) -> bool {
        match self {
            Principal::User(_) => true,
            Principal::Token(token) => token.allows(Scope::Read),
        }
    }

    pub(crate) fn can_control(&self) -> bool {
        match self {
            Principal::User(user) => matches!(user.role, Role::Admin | Role::Member),
            Principal::Token(token) => token.allows(Scope::Control),
        }
    }

    pub(crate) fn is_admin(&self) -> bool {
        matches!(self, Principal::User(user) if user.role == Role::Admin)
    }

    /// Whether the caller sees every room (and so every frame unfiltered).
    pub(crate) fn sees_everything(&self) -> bool {
        match self {
            Principal::User(user) => user.rooms.is_none(),
            Principal::Token(_) => true,
        }
    }

    pub(crate) fn sees(&self, room: &str) -> bool {
        match self {
            Principal::User(user) => user.sees(room),
            Principal::Token(_) => true,
        }
    }

    /// A device that rule `document` names outside the caller's rooms (or
    /// that the hub does not know), if there is one.
    fn outside_device(&self, hub: &crate::Hub, document: &Value) -> Option<String> {
        if self.sees_everything() {
            return None;
        }
        let mut devices = Vec::new();
        rule_devices(document, &mut devices);
        devices.into_iter().find(|id| {
            let room = hub
                .device(&hearth_core::DeviceId::new(id.clone()))
                .map(|device| device.room);
            !room.is_some_and(|room| self.sees(&room))
        })
    }

    /// Whether the caller may see rule `document` (a rule, or anything that
    /// holds one, such as its status): every device it names is in their
    /// rooms. A rule that names no device is everyone's.
    pub(crate) fn sees_rule(&self, hub: &crate::Hub, document: &Value) -> bool {
        self.outside_device(hub, document).is_none()
    }

    /// How the audit log names the caller.
    pub(crate) fn actor(&self) -> String {
        match self {
            Principal::User(user) => user.username.clone(),
            Principal::Token(token) => format!("token:{}", token.name),
        }
    }

    /// Why a change is refused to this caller.
    pub(crate) fn no_control(&self) -> String {
        match self {
            Principal::User(user) => {
                format!(
                    "{} is a {} and may not change anything",
                    user.username, user.role
                )
            }
            Principal::Token(token) => format!("token {} does not allow control", token.name),
        }
    }
}

/// The caller of a request that [`guard`] let in, with the accounts to
/// record what they do. Handlers take it as an extractor; without the
/// middleware in front it refuses, so a route cannot be left open by
/// accident.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub(crate) who: Principal,
    pub(crate) accounts: Arc<Accounts>,
    /// The session a signed-in person called with; `None` for a token.
    pub(crate) session: Option<Session>,
}

impl Caller {
    /// Records what the caller did, off the async threads.
    pub(crate) fn audit(&self, action: &'static str, detail: String) {
        let accounts = self.accounts.clone();
        let actor = self.who.actor();
        tokio::task::spawn_blocking(move || accounts.record(&actor, action, detail));
    }

    /// Whether device `id` exists and is in the caller's rooms; devices
    /// outside them are treated as if they did not exist.
    pub(crate) fn sees_device(&self, hub: &crate::Hub, id: &hearth_core::DeviceId) -> bool {
        hub.device(id)
            .is_some_and(|device| self.who.sees(&device.room))
    }

    /// Refuses unless every device the rule document names is in the
    /// caller's rooms.
    pub(crate) fn may_touch_rule(
        &self,
        hub: &crate::Hub,
        document: &Value,
    ) -> Result<(), ApiError> {
        match self.who.outside_device(hub, document) {
            None => Ok(()),
            Some(id) => Err(ApiError::Forbidden(format!(
                "the rule uses {id}, which is outside your rooms"
            ))),
        }
    }
}

/// Every device id a rule document names (`device`, and a tracked
/// setpoint's `source`), wherever it is.
fn rule_devices(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("device" | "source", Value::String(id)) => found.push(id.clone()),
                    _ => rule_devices(value, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| rule_devices(item, found)),
        _ => {}
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Caller, ApiError> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| ApiError::Unauthorized("sign in first".into()))
    }
}

fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

fn under(path: &str, prefix: &str) -> bool {
    path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The session cookie's value in `headers`, if any.
pub(crate) fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

/// The token of an `Authorization: Bearer …` header, if there is one.
fn bearer(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(|text| text.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .map(|token| Some(token.to_owned()))
        .ok_or_else(|| {
            ApiError::Unauthorized("the `Authorization` header must be `Bearer <token>`".into())
        })
}

/// Works out who is calling, and with which session: the session cookie
/// first, then a bearer token.
async fn identify(
    accounts: &Arc<Accounts>,
    headers: &HeaderMap,
) -> Result<(Principal, Option<Session>), ApiError> {
    let cookie = session_cookie(headers).map(str::to_owned);
    let bearer = bearer(headers)?;
    if cookie.is_none() && bearer.is_none() {
        return Err(ApiError::Unauthorized(
            "sign in first (or send `Authorization: Bearer <token>`)".into(),
        ));
    }
    let accounts = accounts.clone();
    let found = tokio::task::spawn_blocking(move || -> Result<Result<_, ApiError>, StoreError> {
        if let Some(cookie) = &cookie
            && let Some((user, session)) = accounts.session(cookie)?
        {
            return Ok(Ok((Principal::User(user), Some(session))));
        }
        let Some(secret) = bearer else {
            return Ok(Err(ApiError::Unauthorized(
                "your session has ended; sign in again".into(),
            )));
        };
        Ok(match accounts.token(&secret)? {
            None => Err(ApiError::Unauthorized("unknown token".into())),
            Some(token) if token.revoked.is_some() => Err(ApiError::Unauthorized(format!(
                "token {} has been revoked",
                token.name
            ))),
            Some(token) => Ok((Principal::Token(token), None)),
        })
    })
    .await
    .map_err(|error| ApiError::Internal(format!("the session check panicked: {error}")))?;
    found.map_err(|error| ApiError::Internal(format!("cannot check the session: {error}")))?
}

/// Whether `who` may call `method path` at all (rooms are the handlers' part).
fn allowed(who: &Principal, method: &Method, path: &str) -> Result<(), ApiError> {
    let admin_only = ["/api/users", "/api/tokens", "/api/audit"]
        .iter()
        .any(|prefix| under(path, prefix));
    if admin_only {
        return if who.is_admin() {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "only an admin may manage users, tokens and the audit log".into(),
            ))
        };
    }
    if path == "/api/auth/me" {
        return Ok(());
    }
    if *method == Method::GET || *method == Method::HEAD {
        return if who.can_read() {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!("{} may not read", who.actor())))
        };
    }
    if who.can_control() {
        Ok(())
    } else {
        Err(ApiError::Forbidden(who.no_control()))
    }
}

/// The middleware in front of the whole router: static files and the public
/// `/api` paths pass; every other `/api` request needs a session or a token
/// that allows it, and carries its [`Caller`] on.
pub(crate) async fn guard(
    State(accounts): State<Arc<Accounts>>,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if !is_api(path) || PUBLIC.contains(&path) {
        // The device socket checks its own token, and closes when that is
        // revoked, for which it listens to the accounts.
        if path == DEVICE_SOCKET {
            request.extensions_mut().insert(accounts);
        }
        return next.run(request).await;
    }
    let (who, session) = match identify(&accounts, request.headers()).await {
        Ok(found) => found,
        Err(refusal) => return refusal.into_response(),
    };
    if let Err(refusal) = allowed(&who, request.method(), path) {
        return refusal.into_response();
    }
    request.extensions_mut().insert(Caller {
        who,
        accounts,
        session,
    });
    next.run(request).await
}

/// Completes, with how to close the browser's socket, when `session` ends
/// while its socket is open: signed out, its user removed or given a new
/// password, or expired (all [`SESSION_ENDED`]); or when its user's role or
/// rooms change ([`ACCESS_CHANGED`]). An open socket counts as use, so only
/// the absolute limit expires it, checked every [`SOCKET_TICK`] against the
/// accounts' clock. It listens from the call on, and its first tick looks
/// the session up, so a sign-out during the upgrade is not missed either.
pub(crate) fn session_ends(
    accounts: Arc<Accounts>,
    session: Session,
) -> impl Future<Output = Closing> + Send + 'static {
    let ended = accounts.ended.subscribe();
    watch_session(accounts, session, ended)
}

async fn watch_session(
    accounts: Arc<Accounts>,
    session: Session,
    mut ended: broadcast::Receiver<Ended>,
) -> Closing {
    let mut tick = tokio::time::interval(SOCKET_TICK);
    let mut ticks: u32 = 0;
    loop {
        let look_up = tokio::select! {
            event = ended.recv() => match event {
                Ok(Ended::Session(hash)) if hash == session.hash => return Closing::SIGNED_OUT,
                Ok(Ended::User(user)) if user == session.user => return Closing::SIGNED_OUT,
                Ok(Ended::Access(user)) if user == session.user => return Closing::ACCESS_CHANGED,
                Ok(_) => false,
                Err(broadcast::error::RecvError::Lagged(_)) => true,
                // The sender lives in `accounts`, which this holds.
                Err(broadcast::error::RecvError::Closed) => return Closing::SIGNED_OUT,
            },
            _ = tick.tick() => {
                let due = ticks.is_multiple_of(SOCKET_RECHECK);
                ticks = ticks.wrapping_add(1);
                let settings = accounts.settings();
                due || settings.clock.now() - session.created > settings.absolute
            }
        };
        if !look_up {
            continue;
        }
        let (accounts, hash) = (accounts.clone(), session.hash);
        match tokio::task::spawn_blocking(move || accounts.live_session(&hash)).await {
            Ok(Ok(Some(row)))
                if (row.user.role, &row.user.rooms) != (session.role, &session.rooms) =>
            {
                return Closing::ACCESS_CHANGED;
            }
            Ok(Ok(Some(_))) => {}
            Ok(Ok(None)) => return Closing::EXPIRED,
            // The socket stays open until the next look succeeds or fails.
            Ok(Err(error)) => tracing::warn!(%error, "cannot check a socket's session"),
            Err(error) => tracing::error!(%error, "the session check panicked"),
        }
    }
}

/// Completes, with how to close the socket, when token `id` is revoked
/// while a socket it opened (a browser's or a device's) is open. A
/// revocation through this hub's API closes it at once; one by another
/// process (`hearth-hub token revoke`) at the next look-up, which is at the
/// start and every [`SOCKET_RECHECK`] seconds.
pub(crate) fn token_ends(
    accounts: Arc<Accounts>,
    id: i64,
) -> impl Future<Output = Closing> + Send + 'static {
    let ended = accounts.ended.subscribe();
    watch_token(accounts, id, ended)
}

async fn watch_token(
    accounts: Arc<Accounts>,
    id: i64,
    mut ended: broadcast::Receiver<Ended>,
) -> Closing {
    let mut recheck = tokio::time::interval(SOCKET_TICK * SOCKET_RECHECK);
    loop {
        let look_up = tokio::select! {
            event = ended.recv() => match event {
                Ok(Ended::Token(token)) if token == id => return Closing::REVOKED,
                Ok(_) => false,
                Err(broadcast::error::RecvError::Lagged(_)) => true,
                // The sender lives in `accounts`, which this holds.
                Err(broadcast::error::RecvError::Closed) => return Closing::REVOKED,
            },
            _ = recheck.tick() => true,
        };
        if !look_up {
            continue;
        }
        let accounts = accounts.clone();
        match tokio::task::spawn_blocking(move || lock(&accounts.users).token_revoked(id)).await {
            Ok(Ok(true)) => return Closing::REVOKED,
            Ok(Ok(false)) => {}
            // The socket stays open until the next look succeeds or fails.
            Ok(Err(error)) => tracing::warn!(%error, "cannot check a socket's token"),
            Err(error) => tracing::error!(%error, "the token check panicked"),
        }
    }
}

/// Whether a browser WebSocket's `Origin` is this hub's own page: its
/// host and port must be the `Host` the request was sent to. Only a script
/// holding a bearer token may leave `Origin` out.
pub(crate) fn origin_allowed(who: &Principal, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return match who {
            Principal::Token(_) => Ok(()),
            Principal::User(_) => Err(ApiError::Forbidden(
                "a browser WebSocket must send an Origin".into(),
            )),
        };
    };
    let host = headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok());
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|origin| origin.split_once("://"))
        .map(|(_, rest)| rest.trim_end_matches('/'));
    match (origin_host, host) {
        (Some(origin), Some(host)) if origin.eq_ignore_ascii_case(host) => Ok(()),
        _ => Err(ApiError::Forbidden(format!(
            "the WebSocket's Origin {origin:?} is not this hub"
        ))),
    }
}

/// The client's address, when the server records it.
fn client_ip(extensions: &axum::http::Extensions) -> Option<IpAddr> {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_document_names_its_devices_wherever_they_are() {
        let rule = serde_json::json!({
            "id": "r",
            "triggers": [{"type": "state", "device": "porch-light"}],
            "conditions": [{"type": "numeric", "device": "kitchen-thermometer"}],
            "actions": [{"type": "track_setpoint", "device": "bedroom-heater", "source": "bedroom-thermometer"}]
        });
        let mut found = Vec::new();
        rule_devices(&rule, &mut found);
        found.sort();
        assert_eq!(
            found,
            [
                "bedroom-heater",
                "bedroom-thermometer",
                "kitchen-thermometer",
                "porch-light"
            ]
        );
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "a=1; hearth_session=abc ; b=2".parse().unwrap(),
        );
        assert_eq!(session_cookie(&headers), Some("abc"));
        headers.insert(header::COOKIE, "hearth_session=".parse().unwrap());
        assert_eq!(session_cookie(&headers), None);
    }

    #[test]
    fn usernames_are_plain() {
        assert!(check_username("ann.b_c-1").is_ok());
        for bad in ["", "ann b", "ä", &"x".repeat(65)] {
            assert!(check_username(bad).is_err(), "{bad:?}");
        }
    }
}
