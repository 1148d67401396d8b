//! Staff accounts of the web console: usernames, roles, Argon2id passwords, sessions with idle
//! and absolute timeouts, and sign-in throttling per account and per address. No password is
//! stored or logged; a session id lives only in the browser's cookie (the database keeps its
//! SHA-256).

use std::fmt;
use std::str::FromStr;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use sha2::{Digest, Sha256};

use super::throttle::{self, Verdict};
use crate::clock::Clock;
use crate::files::hex;
use crate::store::accounts::{self, Account, NewAccount};
use crate::store::{Store, StoreError, audit};

/// A session ends after this long without a request.
pub const IDLE_TIMEOUT_MS: i64 = 30 * 60 * 1000;
/// A session ends this long after sign-in, however busy.
pub const ABSOLUTE_TIMEOUT_MS: i64 = 12 * 60 * 60 * 1000;
/// A session's last use is written at most this often (not on every page).
const TOUCH_EVERY_MS: i64 = 60 * 1000;
/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Why an account action failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The username is not one.
    #[error("a username is 2–32 lowercase letters, digits, '.', '_' or '-': {0:?}")]
    BadUsername(String),
    /// The role is not one.
    #[error("unknown role {0:?} (reviewer, admin)")]
    BadRole(String),
    /// The password is too short.
    #[error("a password needs at least {MIN_PASSWORD_CHARS} characters")]
    WeakPassword,
    /// The username is taken.
    #[error("the username {0} is taken")]
    Taken(String),
    /// No account has this username.
    #[error("no account {0}")]
    NotFound(String),
    /// Hashing failed (never for the inputs accepted here).
    #[error("the password could not be hashed")]
    Hash,
    /// The database failed.
    #[error("store")]
    Store(#[from] StoreError),
}

/// A staff member's name in the console, checked: `wang.li`, `reviewer-2`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl FromStr for Username {
    type Err = AccountError;

    fn from_str(text: &str) -> Result<Self, AccountError> {
        let name = text.trim().to_lowercase();
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-');
        if (2..=32).contains(&name.len()) && name.chars().all(allowed) {
            Ok(Self(name))
        } else {
            Err(AccountError::BadUsername(text.to_owned()))
        }
    }
}

impl Username {
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a staff member may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Reviews applications, reads the figures.
    Reviewer,
    /// Also manages accounts and reads the audit log.
    Admin,
}

impl Role {
    /// The name stored and typed.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reviewer => "reviewer",
            Self::Admin => "admin",
        }
    }
}

impl FromStr for Role {
    type Err = AccountError;

    fn from_str(text: &str) -> Result<Self, AccountError> {
        match text.trim() {
            "reviewer" => Ok(Self::Reviewer),
            "admin" => Ok(Self::Admin),
            other => Err(AccountError::BadRole(other.to_owned())),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A staff member signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    /// The account's id.
    pub account_id: i64,
    /// The username.
    pub username: String,
    /// The name shown.
    pub display_name: String,
    /// What they may do.
    pub role: Role,
}

impl Viewer {
    /// Who they are in the audit log and in applications' histories.
    pub fn actor(&self) -> String {
        format!("web:{}", self.username)
    }

    /// Whether they manage accounts and read the audit log.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// Why a sign-in did not open a session.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Wrong username or password, or a disabled account: the same to the visitor.
    #[error("wrong username or password")]
    Refused,
    /// Too many failures for the account or the address: try again after this many seconds.
    #[error("too many failed sign-ins; wait {0} s")]
    Throttled(i64),
    /// The database failed.
    #[error("store")]
    Store(#[from] StoreError),
}

/// The console's accounts and sessions over the store.
#[derive(Debug, Clone)]
pub struct Accounts {
    store: Store,
    clock: Clock,
}

impl Accounts {
    /// Accounts in `store`, timed by `clock`.
    pub fn new(store: Store, clock: Clock) -> Self {
        Self { store, clock }
    }

    /// Creates an account; `actor` is who did, for the audit log.
    pub async fn add(
        &self,
        username: &Username,
        name: &str,
        role: Role,
        password: &str,
        actor: &str,
    ) -> Result<Account, AccountError> {
        let hash = hash_password(password)?;
        let display_name = if name.trim().is_empty() { username.as_str() } else { name.trim() };
        let new = NewAccount { username: username.as_str(), display_name, role: role.as_str(), password_hash: &hash };
        let mut tx = self.store.begin().await?;
        let account = accounts::insert(&mut tx, &new, self.clock.now_ms()).await.map_err(|error| match error {
            StoreError::Conflict { .. } => AccountError::Taken(username.as_str().to_owned()),
            error => error.into(),
        })?;
        let detail = format!("{} ({role})", username.as_str());
        audit::record(&mut tx, actor, "add-account", &detail, self.clock.now_ms()).await?;
        tx.commit().await?;
        Ok(account)
    }

    /// Every account, by username.
    pub async fn list(&self) -> Result<Vec<Account>, AccountError> {
        Ok(accounts::list(&mut *self.store.read().await?).await?)
    }

    /// Disables an account; its sessions end at once.
    pub async fn disable(&self, username: &Username, actor: &str) -> Result<(), AccountError> {
        let mut tx = self.store.begin().await?;
        let account = find(&mut tx, username).await?;
        accounts::disable(&mut tx, account.id, self.clock.now_ms()).await?;
        audit::record(&mut tx, actor, "disable-account", username.as_str(), self.clock.now_ms()).await?;
        Ok(tx.commit().await?)
    }

    /// Sets an account's password; its sessions end at once.
    pub async fn set_password(&self, username: &Username, password: &str, actor: &str) -> Result<(), AccountError> {
        let hash = hash_password(password)?;
        let mut tx = self.store.begin().await?;
        let account = find(&mut tx, username).await?;
        accounts::set_password(&mut tx, account.id, &hash, self.clock.now_ms()).await?;
        audit::record(&mut tx, actor, "set-password", username.as_str(), self.clock.now_ms()).await?;
        Ok(tx.commit().await?)
    }

    /// Signs in from `address`: a new session id when the password is right and neither the
    /// account nor the address is throttled. Wrong passwords count against both.
    pub async fn login(&self, username: &str, password: &str, address: &str) -> Result<String, LoginError> {
        let now = self.clock.now_ms();
        let subjects = [format!("account:{}", username.trim().to_lowercase()), format!("address:{address}")];
        let mut conn = self.store.acquire().await?;
        for subject in &subjects {
            if let Verdict::Wait(seconds) = throttle::check(accounts::failures(&mut conn, subject).await?, now) {
                tracing::info!(seconds, "a throttled sign-in was refused");
                return Err(LoginError::Throttled(seconds));
            }
        }
        let account = match username.parse::<Username>() {
            Ok(name) => accounts::by_username(&mut conn, name.as_str()).await?,
            Err(_) => None,
        };
        let usable = account.filter(|account| account.disabled_at.is_none());
        // An unknown name costs a hash too, so that timing does not tell which names exist.
        let hash = usable.as_ref().map_or(DUMMY_HASH, |account| account.password_hash.as_str());
        let right = verify_password(password, hash) && usable.is_some();
        let Some(account) = usable.filter(|_| right) else {
            for (subject, free) in subjects.iter().zip([throttle::ACCOUNT_FREE, throttle::ADDRESS_FREE]) {
                let failures = throttle::fail(accounts::failures(&mut conn, subject).await?, free, now);
                accounts::set_failures(&mut conn, subject, &failures).await?;
            }
            return Err(LoginError::Refused);
        };
        accounts::clear_failures(&mut conn, &subjects[0]).await?;
        let id = crate::random::id();
        accounts::open_session(&mut conn, &session_hash(&id), account.id, now).await?;
        // Sessions nobody ended (a closed browser) go at the next sign-in of anyone.
        accounts::prune_sessions(&mut conn, now - IDLE_TIMEOUT_MS, now - ABSOLUTE_TIMEOUT_MS).await?;
        audit::record(&mut conn, &format!("web:{}", account.username), "login", address, now).await?;
        Ok(id)
    }

    /// The staff member the session `id` belongs to, if it is live: known, its account enabled,
    /// used within the idle timeout and begun within the absolute one.
    pub async fn viewer(&self, id: &str) -> Result<Option<Viewer>, StoreError> {
        let now = self.clock.now_ms();
        let hash = session_hash(id);
        let Some(session) = accounts::session(&mut *self.store.read().await?, &hash).await? else { return Ok(None) };
        let live = session.account.disabled_at.is_none()
            && now - session.seen_at < IDLE_TIMEOUT_MS
            && now - session.created_at < ABSOLUTE_TIMEOUT_MS;
        let role = session.account.role.parse::<Role>();
        let (true, Ok(role)) = (live, role) else {
            accounts::close_session(&mut *self.store.acquire().await?, &hash).await?;
            return Ok(None);
        };
        if now - session.seen_at >= TOUCH_EVERY_MS {
            accounts::touch_session(&mut *self.store.acquire().await?, &hash, now).await?;
        }
        let account = session.account;
        Ok(Some(Viewer {
            account_id: account.id,
            username: account.username,
            display_name: account.display_name,
            role,
        }))
    }

    /// Ends the session `id`.
    pub async fn logout(&self, id: &str) -> Result<(), StoreError> {
        accounts::close_session(&mut *self.store.acquire().await?, &session_hash(id)).await
    }
}

async fn find(conn: &mut crate::store::Tx, username: &Username) -> Result<Account, AccountError> {
    accounts::by_username(conn, username.as_str())
        .await?
        .ok_or_else(|| AccountError::NotFound(username.as_str().to_owned()))
}

/// What the database keeps of a session id.
fn session_hash(id: &str) -> String {
    hex(&Sha256::digest(id.as_bytes()))
}

/// The Argon2id hash (PHC string, random salt) of `password`.
pub fn hash_password(password: &str) -> Result<String, AccountError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AccountError::WeakPassword);
    }
    Argon2::default().hash_password(password.as_bytes()).map(|hash| hash.to_string()).map_err(|_| AccountError::Hash)
}

/// Whether `password` matches `hash`; a hash that does not parse matches nothing.
fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A hash of a password nobody has, verified for unknown usernames.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$K1hnQmXoKjPQSw0x4xT0PK0d7OeQSPTs4P4U1kdbqZ0";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_short_lowercase_words() {
        assert_eq!("Wang.Li".parse::<Username>().unwrap().as_str(), "wang.li");
        for bad in ["a", "with space", "王", "x".repeat(33).as_str(), "semi;colon"] {
            assert!(bad.parse::<Username>().is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_are_hashed_with_argon2id_and_verified() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(!hash.contains("correct horse"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
        assert!(!verify_password("anything", "not a hash"));
        assert!(PasswordHash::new(DUMMY_HASH).is_ok(), "unknown names cost a real verification");
        assert!(!verify_password("anything", DUMMY_HASH));
        assert!(matches!(hash_password("short"), Err(AccountError::WeakPassword)));
    }

    #[test]
    fn roles_are_read_from_their_names() {
        assert_eq!("admin".parse::<Role>().unwrap(), Role::Admin);
        assert!("root".parse::<Role>().is_err());
    }
}
