//! Sign-in, second factor, sessions, throttling and API tokens.
//!
//! Everything that must be shared between several `ally serve` processes lives in the
//! database: sessions, throttling counters, one-time-code replay state. Session ids and API
//! tokens are stored only as SHA-256 hashes.

use ally_core::audit::{AuditEvent, AuditOutcome};
use ally_core::authz::{Principal, Role};
use ally_core::{OrgId, UserId};
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::access::roles_from_text;
use crate::crypto::{self, token_hash};
use crate::{Result, Store, StoreError, now_ms};

/// Failures allowed per account before delays start; delays then double up to the cap.
const ACCOUNT_FREE_FAILURES: i64 = 5;
/// Per client address: more room, because many staff may share one office address.
const CLIENT_FREE_FAILURES: i64 = 20;
const MAX_DELAY_MS: i64 = 15 * 60 * 1000;
/// Counters are forgotten after a day without failures.
const FAILURE_MEMORY_MS: i64 = 24 * 60 * 60 * 1000;
/// last_seen_at is written at most this often, so reads do not turn into writes.
const TOUCH_EVERY_MS: i64 = 60 * 1000;

/// How far a session has come through sign-in. Only a `Full` session acts for its user; the
/// others allow nothing but the next sign-in step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStage {
    /// Password accepted; a one-time code is expected.
    SecondFactor,
    /// Password accepted; the organisation requires a second factor the user has not set up.
    Enrol,
    /// Signed in: every factor the user and the organisation require has been given.
    Full,
}

impl SessionStage {
    fn as_str(self) -> &'static str {
        match self {
            SessionStage::SecondFactor => "second_factor",
            SessionStage::Enrol => "enrol",
            SessionStage::Full => "full",
        }
    }
    fn parse(s: &str) -> Option<SessionStage> {
        match s {
            "second_factor" => Some(SessionStage::SecondFactor),
            "enrol" => Some(SessionStage::Enrol),
            "full" => Some(SessionStage::Full),
            _ => None,
        }
    }
}

/// Why a sign-in step (password, one-time code, enrolment, password change) was refused.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// The same answer for an unknown e-mail, a wrong password, a disabled account or a wrong code.
    #[error("the e-mail, password or code is not correct")]
    Invalid,
    /// Too many recent failures for this account or this client address; the password was not
    /// checked. Audited as a denied `auth.sign_in`.
    #[error("too many attempts; try again in {retry_after_s} seconds")]
    Throttled {
        /// Seconds until the next attempt is considered (rounded up).
        retry_after_s: i64,
    },
    /// A storage failure, or (on a password change) `StoreError::Invalid` for a new password
    /// that fails the password rules.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for SignInError {
    fn from(e: sqlx::Error) -> Self {
        SignInError::Store(e.into())
    }
}

/// A session token handed to the browser, and what comes next.
#[derive(Clone)]
///
/// `Debug` shows only the stage: the token never reaches a log.
pub struct SignInStep {
    /// The new session's id (256 random bits, URL-safe base64), for the session cookie; the
    /// database keeps only its SHA-256 hash.
    pub token: String,
    /// What the session allows: a one-time code, enrolment, or everything.
    pub stage: SessionStage,
}

impl std::fmt::Debug for SignInStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInStep")
            .field("stage", &self.stage)
            .finish_non_exhaustive()
    }
}

/// How long this process may answer a session or an API token from memory before asking the
/// database again.
/// It bounds how long a change made through *another* server process (sign out everywhere, a
/// disabled account, new roles) takes to apply here; changes made through this process apply
/// at once (every write bumps the store's change generation, which empties the cache).
const SESSION_CACHE_TTL_MS: i64 = 1000;
/// Beyond this many entries the cache is emptied (a bound on memory, not a tuning knob).
const SESSION_CACHE_MAX: usize = 10_000;

/// Values recently read from the database (sessions, API-token principals), keyed by token
/// hash (never the token), valid while young and while nothing was written since.
pub(crate) struct ReadCache<V> {
    entries: std::sync::Mutex<std::collections::HashMap<Vec<u8>, (V, i64, u64)>>,
}

impl<V> Default for ReadCache<V> {
    fn default() -> Self {
        ReadCache {
            entries: Default::default(),
        }
    }
}

impl<V: Clone> ReadCache<V> {
    fn get(&self, hash: &[u8], generation: u64, now: i64) -> Option<V> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let (value, fetched_at, at_generation) = entries.get(hash)?;
        (*at_generation == generation && now - fetched_at < SESSION_CACHE_TTL_MS)
            .then(|| value.clone())
    }

    fn put(&self, hash: Vec<u8>, value: V, fetched_at: i64, generation: u64) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= SESSION_CACHE_MAX {
            entries.clear();
        }
        entries.insert(hash, (value, fetched_at, generation));
    }
}

/// A session as cached: what it says, when it was created and last seen.
pub(crate) type SessionCache = ReadCache<(SessionInfo, i64, i64)>;
/// An API token's principal and locale as cached.
pub(crate) type TokenCache = ReadCache<(Principal, String)>;

/// What a valid session says about its user.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    /// The signed-in user.
    pub user_id: UserId,
    /// The user's organisation.
    pub org_id: OrgId,
    /// The user's roles as of now (a change of roles ends the user's sessions).
    pub roles: Vec<Role>,
    /// How far sign-in has come; only `Full` acts for the user.
    pub stage: SessionStage,
    /// The session's anti-CSRF token (256 random bits, URL-safe base64), which every form
    /// posts back.
    pub csrf_token: String,
    /// The user's sign-in address (lower-case).
    pub email: String,
    /// The user's display name.
    pub display_name: String,
    /// The user's interface language code.
    pub locale: String,
    /// The organisation's display name.
    pub org_name: String,
    /// Whether the user has enrolled a TOTP second factor.
    pub has_second_factor: bool,
    /// Whether the organisation requires a second factor of admins and of users who see
    /// identities.
    pub org_requires_second_factor: bool,
}

impl SessionInfo {
    /// The principal this session acts for (user, organisation, roles), for [`Store::access`].
    pub fn principal(&self) -> Principal {
        Principal {
            user_id: self.user_id,
            org_id: self.org_id,
            roles: self.roles.clone(),
        }
    }
}

/// A second-factor secret offered for enrolment, shown once to the user. Until confirmed it is
/// kept only sealed in the session row (AAD `pending-totp:{user}`); no `Debug`, so it cannot
/// be logged by accident.
pub struct TotpEnrolment {
    /// The 20-byte TOTP secret in RFC 4648 base32, for typing into an authenticator.
    pub secret_base32: String,
    /// The same secret as an `otpauth://totp/...` URL (issuer `Ally`, the user's e-mail as
    /// account), for a QR code.
    pub otpauth_url: String,
}

/// An API token as listed to its user: never the token itself, which is shown once at
/// creation and stored only as a SHA-256 hash.
#[derive(Debug, Clone)]
pub struct ApiTokenInfo {
    /// The token's id (UUID v7 text), for revoking it.
    pub id: String,
    /// The label the user gave it (1 to 100 characters).
    pub name: String,
    /// Creation time, ms since the epoch.
    pub created_at_ms: i64,
    /// Whether the token was revoked (by its user, or by disabling the user).
    pub revoked: bool,
}

fn throttle_key_account(email: &str) -> String {
    format!(
        "acct:{}",
        hex::encode(Sha256::digest(email.trim().to_lowercase().as_bytes()))
    )
}

fn throttle_key_client(client: &str) -> String {
    format!("client:{client}")
}

fn delay_for(failures: i64, free: i64) -> i64 {
    if failures < free {
        return 0;
    }
    let doublings = (failures - free).min(20) as u32;
    (1000i64 << doublings).min(MAX_DELAY_MS)
}

pub(crate) fn totp_for(secret: &[u8], email: &str) -> Result<totp_rs::Totp> {
    totp_rs::Builder::new()
        .with_secret(secret.to_vec())
        .with_account_name(email.to_owned())
        .with_issuer(Some("Ally"))
        .build()
        .map_err(|_| StoreError::Corrupt("second-factor secret"))
}

fn totp_aad(user: UserId) -> String {
    format!("totp:{user}")
}

fn current_step_ok(totp: &totp_rs::Totp, code: &str, last_step: i64) -> Option<i64> {
    let now_s = u64::try_from(now_ms() / 1000).unwrap_or(0);
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let step = i64::try_from(totp.check(&code, now_s)?).ok()?;
    // RFC 6238 §5.2: a code is accepted once; anything at or before the last used step is a replay.
    (step > last_step).then_some(step)
}

struct UserRow {
    id: UserId,
    org_id: OrgId,
    email: String,
    password_hash: String,
    roles: Vec<Role>,
    totp_sealed: Option<Vec<u8>>,
    totp_last_step: i64,
    disabled: bool,
    org_requires_second_factor: bool,
}

impl Store {
    fn auth_event(
        &self,
        user: Option<&UserRow>,
        action: &str,
        outcome: AuditOutcome,
        detail: &str,
        client: Option<&str>,
    ) -> AuditEvent {
        AuditEvent {
            at_ms: now_ms(),
            actor_user: user.map(|u| u.id.to_string()),
            org: user.map(|u| u.org_id.to_string()),
            action: action.to_owned(),
            target_kind: user.map(|_| "user".to_owned()),
            target_id: user.map(|u| u.id.to_string()),
            outcome,
            detail: detail.to_owned(),
            client: client.map(str::to_owned),
        }
    }

    async fn user_by(&self, column: &'static str, value: &str) -> Result<Option<UserRow>> {
        let sql = format!(
            "SELECT u.id, u.org_id, u.email, u.password_hash, u.roles, u.totp_sealed, u.totp_last_step, u.disabled, \
             o.require_second_factor FROM users u JOIN organisations o ON o.id = u.org_id WHERE u.{column} = $1"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(value.to_owned())
            .fetch_optional(&self.db().pool)
            .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(UserRow {
            id: super::access::id_col(&r, "id")?,
            org_id: super::access::id_col(&r, "org_id")?,
            email: r.try_get("email")?,
            password_hash: r.try_get("password_hash")?,
            roles: roles_from_text(&r.try_get::<String, _>("roles")?),
            totp_sealed: r.try_get("totp_sealed")?,
            totp_last_step: r.try_get("totp_last_step")?,
            disabled: r.try_get::<i64, _>("disabled")? != 0,
            org_requires_second_factor: r.try_get::<i64, _>("require_second_factor")? != 0,
        }))
    }

    async fn throttle_wait(&self, keys: &[String]) -> Result<i64> {
        let now = now_ms();
        let mut wait = 0;
        for k in keys {
            let row = sqlx::query("SELECT blocked_until FROM signin_throttle WHERE key = $1")
                .bind(k.clone())
                .fetch_optional(&self.db().pool)
                .await?;
            if let Some(r) = row {
                wait = wait.max(r.try_get::<i64, _>("blocked_until")? - now);
            }
        }
        Ok(wait.max(0))
    }

    async fn throttle_fail(&self, account_key: &str, client_key: Option<&str>) -> Result<()> {
        let now = now_ms();
        let mut tx = self.db().begin_write().await?;
        for (key, free) in std::iter::once((account_key, ACCOUNT_FREE_FAILURES))
            .chain(client_key.map(|k| (k, CLIENT_FREE_FAILURES)))
        {
            let sql = format!(
                "SELECT failures, last_failure_at FROM signin_throttle WHERE key = $1{}",
                self.backend().for_update()
            );
            let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(key.to_owned())
                .fetch_optional(&mut *tx)
                .await?;
            let failures = match &row {
                Some(r) if now - r.try_get::<i64, _>("last_failure_at")? < FAILURE_MEMORY_MS => {
                    r.try_get::<i64, _>("failures")? + 1
                }
                _ => 1,
            };
            let blocked_until = now + delay_for(failures, free);
            if row.is_some() {
                sqlx::query("UPDATE signin_throttle SET failures = $1, last_failure_at = $2, blocked_until = $3 WHERE key = $4")
                    .bind(failures)
                    .bind(now)
                    .bind(blocked_until)
                    .bind(key.to_owned())
                    .execute(&mut *tx)
                    .await?;
            } else {
                // Two servers may insert the same key at once; the loser's count is merged.
                sqlx::query(
                    "INSERT INTO signin_throttle (key, failures, last_failure_at, blocked_until) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (key) DO UPDATE SET failures = signin_throttle.failures + 1, last_failure_at = $3, blocked_until = $4",
                )
                .bind(key.to_owned())
                .bind(failures)
                .bind(now)
                .bind(blocked_until)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn throttle_clear(&self, account_key: &str) -> Result<()> {
        sqlx::query("DELETE FROM signin_throttle WHERE key = $1")
            .bind(account_key.to_owned())
            .execute(&self.db().pool)
            .await?;
        Ok(())
    }

    /// First step of sign-in: e-mail and password.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        client: Option<&str>,
    ) -> Result<SignInStep, SignInError> {
        let email = email.trim().to_lowercase();
        let account_key = throttle_key_account(&email);
        let client_key = client.map(throttle_key_client);
        let keys: Vec<String> = std::iter::once(account_key.clone())
            .chain(client_key.clone())
            .collect();
        let wait = self.throttle_wait(&keys).await?;
        if wait > 0 {
            self.audit_writer()
                .record(self.auth_event(
                    None,
                    "auth.sign_in",
                    AuditOutcome::Denied,
                    "throttled",
                    client,
                ))
                .await?;
            return Err(SignInError::Throttled {
                retry_after_s: (wait + 999) / 1000,
            });
        }
        let user =
            if email.len() <= 254 && password.chars().count() <= ally_core::password::MAX_LENGTH {
                self.user_by("email", &email).await?
            } else {
                None
            };
        // Always run one Argon2 verification, so that timing does not reveal whether the e-mail exists.
        let phc = user
            .as_ref()
            .map(|u| u.password_hash.clone())
            .unwrap_or_else(|| crypto::dummy_password_hash().to_owned());
        let pw = zeroize::Zeroizing::new(password.to_owned());
        let ok = tokio::task::spawn_blocking(move || crypto::verify_password(&pw, &phc))
            .await
            .unwrap_or(false);
        let user = match user {
            Some(u) if ok && !u.disabled => u,
            other => {
                self.throttle_fail(&account_key, client_key.as_deref())
                    .await?;
                let detail = if other.as_ref().is_some_and(|u| u.disabled) {
                    "disabled"
                } else {
                    "bad_credentials"
                };
                self.audit_writer()
                    .record(self.auth_event(
                        other.as_ref(),
                        "auth.sign_in",
                        AuditOutcome::Failure,
                        detail,
                        client,
                    ))
                    .await?;
                return Err(SignInError::Invalid);
            }
        };
        let needs_factor = user.org_requires_second_factor
            && user
                .roles
                .iter()
                .any(|r| *r == Role::Admin || r.sees_identities());
        let stage = if user.totp_sealed.is_some() {
            SessionStage::SecondFactor
        } else if needs_factor {
            SessionStage::Enrol
        } else {
            self.throttle_clear(&account_key).await?;
            SessionStage::Full
        };
        let token = self.create_session(user.id, stage, client).await?;
        let detail = match stage {
            SessionStage::Full => "password",
            SessionStage::SecondFactor => "password_ok_code_pending",
            SessionStage::Enrol => "password_ok_enrolment_required",
        };
        self.audit_writer()
            .record(self.auth_event(
                Some(&user),
                "auth.sign_in",
                AuditOutcome::Success,
                detail,
                client,
            ))
            .await?;
        Ok(SignInStep { token, stage })
    }

    async fn create_session(
        &self,
        user: UserId,
        stage: SessionStage,
        client: Option<&str>,
    ) -> Result<String> {
        let token = crypto::random_token()?;
        let csrf = crypto::random_token()?;
        let now = now_ms();
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, stage, csrf_token, created_at, last_seen_at, client) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(token_hash(&token))
        .bind(user.to_string())
        .bind(stage.as_str())
        .bind(csrf)
        .bind(now)
        .bind(now)
        .bind(client.map(str::to_owned))
        .execute(&self.db().pool)
        .await?;
        Ok(token)
    }

    /// Replaces a session by a new one at a higher stage (new id: no session fixation).
    async fn promote_session(
        &self,
        old_token: &str,
        user: UserId,
        client: Option<&str>,
    ) -> Result<String> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(token_hash(old_token))
            .execute(&self.db().pool)
            .await?;
        self.db().changed();
        self.create_session(user, SessionStage::Full, client).await
    }

    /// Second step: a one-time code from the user's authenticator.
    pub async fn sign_in_code(
        &self,
        token: &str,
        code: &str,
        client: Option<&str>,
    ) -> Result<String, SignInError> {
        let Some(info) = self.session(token).await? else {
            return Err(SignInError::Invalid);
        };
        if info.stage != SessionStage::SecondFactor {
            return Err(SignInError::Invalid);
        }
        let user = self
            .user_by("id", &info.user_id.to_string())
            .await?
            .ok_or(SignInError::Invalid)?;
        let account_key = throttle_key_account(&user.email);
        let wait = self
            .throttle_wait(std::slice::from_ref(&account_key))
            .await?;
        if wait > 0 {
            return Err(SignInError::Throttled {
                retry_after_s: (wait + 999) / 1000,
            });
        }
        let sealed = user.totp_sealed.as_ref().ok_or(SignInError::Invalid)?;
        let keys = self.org_keys(user.org_id).await?;
        let secret = zeroize::Zeroizing::new(
            keys.open(&totp_aad(user.id), sealed)
                .map_err(StoreError::from)?,
        );
        let totp = totp_for(&secret, &user.email)?;
        let Some(step) = current_step_ok(&totp, code, user.totp_last_step) else {
            self.throttle_fail(&account_key, client.map(throttle_key_client).as_deref())
                .await?;
            self.audit_writer()
                .record(self.auth_event(
                    Some(&user),
                    "auth.second_factor",
                    AuditOutcome::Failure,
                    "bad_code",
                    client,
                ))
                .await?;
            return Err(SignInError::Invalid);
        };
        // Conditional update: of two concurrent uses of one code, only one succeeds.
        let used = sqlx::query(
            "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1",
        )
        .bind(step)
        .bind(user.id.to_string())
        .execute(&self.db().pool)
        .await?;
        self.db().changed();
        if used.rows_affected() != 1 {
            return Err(SignInError::Invalid);
        }
        self.throttle_clear(&account_key).await?;
        let new_token = self.promote_session(token, user.id, client).await?;
        self.audit_writer()
            .record(self.auth_event(
                Some(&user),
                "auth.second_factor",
                AuditOutcome::Success,
                "totp",
                client,
            ))
            .await?;
        Ok(new_token)
    }

    /// Starts (or restarts) second-factor enrolment for the session's user.
    pub async fn begin_totp_enrolment(&self, token: &str) -> Result<TotpEnrolment> {
        let info = self.session(token).await?.ok_or(StoreError::NotFound)?;
        if info.stage == SessionStage::SecondFactor {
            return Err(StoreError::NotFound);
        }
        let secret = zeroize::Zeroizing::new(crypto::random_bytes::<20>()?);
        let keys = self.org_keys(info.org_id).await?;
        let sealed = keys.seal(
            &format!("pending-{}", totp_aad(info.user_id)),
            secret.as_slice(),
        )?;
        sqlx::query("UPDATE sessions SET pending_totp_sealed = $1 WHERE id_hash = $2")
            .bind(sealed)
            .bind(token_hash(token))
            .execute(&self.db().pool)
            .await?;
        self.db().changed();
        let totp = totp_for(secret.as_slice(), &info.email)?;
        Ok(TotpEnrolment {
            secret_base32: totp.secret().to_base32(),
            otpauth_url: totp
                .to_url()
                .map_err(|_| StoreError::Corrupt("otpauth url"))?,
        })
    }

    /// Confirms enrolment with a first code. Returns the new session token (stage full).
    pub async fn confirm_totp_enrolment(
        &self,
        token: &str,
        code: &str,
        client: Option<&str>,
    ) -> Result<String, SignInError> {
        let info = self.session(token).await?.ok_or(SignInError::Invalid)?;
        let row = sqlx::query("SELECT pending_totp_sealed FROM sessions WHERE id_hash = $1")
            .bind(token_hash(token))
            .fetch_one(&self.db().pool)
            .await?;
        let pending: Option<Vec<u8>> = row.try_get("pending_totp_sealed")?;
        let pending = pending.ok_or(SignInError::Invalid)?;
        let keys = self.org_keys(info.org_id).await?;
        let secret = zeroize::Zeroizing::new(
            keys.open(&format!("pending-{}", totp_aad(info.user_id)), &pending)
                .map_err(StoreError::from)?,
        );
        let totp = totp_for(&secret, &info.email)?;
        let Some(step) = current_step_ok(&totp, code, 0) else {
            return Err(SignInError::Invalid);
        };
        let sealed = keys
            .seal(&totp_aad(info.user_id), &secret)
            .map_err(StoreError::from)?;
        let db = self.db();
        let mut tx = db.begin_write().await?;
        sqlx::query("UPDATE users SET totp_sealed = $1, totp_last_step = $2 WHERE id = $3")
            .bind(sealed)
            .bind(step)
            .bind(info.user_id.to_string())
            .execute(&mut *tx)
            .await?;
        // Every other session of the user ends: a new factor means a fresh start everywhere.
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(info.user_id.to_string())
            .execute(&mut *tx)
            .await?;
        let ev = AuditEvent {
            at_ms: now_ms(),
            actor_user: Some(info.user_id.to_string()),
            org: Some(info.org_id.to_string()),
            action: "auth.second_factor_enrol".into(),
            target_kind: Some("user".into()),
            target_id: Some(info.user_id.to_string()),
            outcome: AuditOutcome::Success,
            detail: "totp".into(),
            client: client.map(str::to_owned),
        };
        self.commit_audited(tx, &[ev]).await?;
        Ok(self
            .create_session(info.user_id, SessionStage::Full, client)
            .await?)
    }

    /// Looks a session up and enforces idle and absolute timeouts. `None` means: sign in again.
    pub async fn session(&self, token: &str) -> Result<Option<SessionInfo>> {
        let hash = token_hash(token);
        // Read the generation before the database: a change committed while we read makes
        // the entry we store stale at once.
        let generation = self.db().generation();
        let now = now_ms();
        if let Some((info, created, last_seen)) = self.session_cache().get(&hash, generation, now) {
            // Expiry and the idle-time touch are decided on the database path.
            let policy = self.policy();
            if now - last_seen <= TOUCH_EVERY_MS.min(policy.session_idle_ms)
                && now - created <= policy.session_absolute_ms
            {
                return Ok(Some(info));
            }
        }
        let row = sqlx::query(
            "SELECT s.stage, s.csrf_token, s.created_at, s.last_seen_at, u.id, u.org_id, u.email, u.display_name, \
             u.roles, u.locale, u.disabled, u.totp_sealed, o.name AS org_name, o.require_second_factor \
             FROM sessions s JOIN users u ON u.id = s.user_id JOIN organisations o ON o.id = u.org_id \
             WHERE s.id_hash = $1",
        )
        .bind(hash.clone())
        .fetch_optional(&self.db().pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let now = now_ms();
        let created: i64 = r.try_get("created_at")?;
        let last_seen: i64 = r.try_get("last_seen_at")?;
        let policy = self.policy();
        let expired =
            now - last_seen > policy.session_idle_ms || now - created > policy.session_absolute_ms;
        if expired || r.try_get::<i64, _>("disabled")? != 0 {
            sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
                .bind(hash)
                .execute(&self.db().pool)
                .await?;
            self.db().changed();
            return Ok(None);
        }
        let mut seen = last_seen;
        if now - last_seen > TOUCH_EVERY_MS {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
                .bind(now)
                .bind(hash.clone())
                .execute(&self.db().pool)
                .await?;
            seen = now;
        }
        let stage: String = r.try_get("stage")?;
        let info = SessionInfo {
            user_id: super::access::id_col(&r, "id")?,
            org_id: super::access::id_col(&r, "org_id")?,
            roles: roles_from_text(&r.try_get::<String, _>("roles")?),
            stage: SessionStage::parse(&stage).ok_or(StoreError::Corrupt("session stage"))?,
            csrf_token: r.try_get("csrf_token")?,
            email: r.try_get("email")?,
            display_name: r.try_get("display_name")?,
            locale: r.try_get("locale")?,
            org_name: r.try_get("org_name")?,
            has_second_factor: r.try_get::<Option<Vec<u8>>, _>("totp_sealed")?.is_some(),
            org_requires_second_factor: r.try_get::<i64, _>("require_second_factor")? != 0,
        };
        self.session_cache()
            .put(hash, (info.clone(), created, seen), now, generation);
        Ok(Some(info))
    }

    /// Ends this session (a no-op for an unknown or expired token); audited as `auth.sign_out`
    /// when the session was still valid.
    pub async fn sign_out(&self, token: &str, client: Option<&str>) -> Result<()> {
        let info = self.session(token).await?;
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(token_hash(token))
            .execute(&self.db().pool)
            .await?;
        self.db().changed();
        if let Some(info) = info {
            self.audit_writer()
                .record(self.own_event(&info, "auth.sign_out", "", client))
                .await?;
        }
        Ok(())
    }

    /// Ends every session of the user (all devices).
    pub async fn sign_out_everywhere(
        &self,
        info: &SessionInfo,
        client: Option<&str>,
    ) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(info.user_id.to_string())
            .execute(&self.db().pool)
            .await?;
        self.db().changed();
        self.audit_writer()
            .record(self.own_event(info, "auth.sign_out_everywhere", "", client))
            .await
    }

    fn own_event(
        &self,
        info: &SessionInfo,
        action: &str,
        detail: &str,
        client: Option<&str>,
    ) -> AuditEvent {
        AuditEvent {
            at_ms: now_ms(),
            actor_user: Some(info.user_id.to_string()),
            org: Some(info.org_id.to_string()),
            action: action.to_owned(),
            target_kind: Some("user".into()),
            target_id: Some(info.user_id.to_string()),
            outcome: AuditOutcome::Success,
            detail: detail.to_owned(),
            client: client.map(str::to_owned),
        }
    }

    /// Changes the signed-in user's password after checking the current one; ends every other
    /// session of the user.
    pub async fn change_password(
        &self,
        info: &SessionInfo,
        token: &str,
        current: &str,
        new: &str,
        client: Option<&str>,
    ) -> Result<(), SignInError> {
        if let Err(rejected) = ally_core::password::check(new, &info.email) {
            return Err(SignInError::Store(StoreError::Invalid(vec![
                ally_core::person::FieldError {
                    field: "new_password",
                    code: rejected.code(),
                },
            ])));
        }
        let user = self
            .user_by("id", &info.user_id.to_string())
            .await?
            .ok_or(SignInError::Invalid)?;
        let (cur, phc) = (
            zeroize::Zeroizing::new(current.to_owned()),
            user.password_hash.clone(),
        );
        let ok = tokio::task::spawn_blocking(move || crypto::verify_password(&cur, &phc))
            .await
            .unwrap_or(false);
        if !ok {
            self.throttle_fail(&throttle_key_account(&info.email), None)
                .await?;
            return Err(SignInError::Invalid);
        }
        let newpw = zeroize::Zeroizing::new(new.to_owned());
        let hash = tokio::task::spawn_blocking(move || crypto::hash_password(&newpw))
            .await
            .map_err(|_| StoreError::Corrupt("hashing task"))?
            .map_err(StoreError::from)?;
        let db = self.db();
        let mut tx = db.begin_write().await?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(info.user_id.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
            .bind(info.user_id.to_string())
            .bind(token_hash(token))
            .execute(&mut *tx)
            .await?;
        self.commit_audited(
            tx,
            &[self.own_event(info, "auth.password_change", "", client)],
        )
        .await?;
        Ok(())
    }

    /// Stores the signed-in user's interface language. Not validated here (callers pass one of
    /// the web layer's locale codes) and not audited: it is a preference, not data.
    pub async fn set_locale(&self, info: &SessionInfo, locale: &str) -> Result<()> {
        sqlx::query("UPDATE users SET locale = $1 WHERE id = $2")
            .bind(locale.to_owned())
            .bind(info.user_id.to_string())
            .execute(&self.db().pool)
            .await?;
        self.db().changed();
        Ok(())
    }

    /// A new API token for the user; the token is shown once and stored hashed.
    pub async fn create_api_token(
        &self,
        user: UserId,
        name: &str,
        client: Option<&str>,
    ) -> Result<String> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(StoreError::Invalid(vec![ally_core::person::FieldError {
                field: "name",
                code: "invalid",
            }]));
        }
        let row = self
            .user_by("id", &user.to_string())
            .await?
            .ok_or(StoreError::NotFound)?;
        let token = format!("ally_{}", crypto::random_token()?);
        let id = uuid::Uuid::now_v7().to_string();
        let db = self.db();
        let mut tx = db.begin_write().await?;
        sqlx::query("INSERT INTO api_tokens (id, user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id.clone())
            .bind(user.to_string())
            .bind(name.to_owned())
            .bind(token_hash(&token))
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        let mut ev = self.auth_event(
            Some(&row),
            "token.create",
            AuditOutcome::Success,
            "",
            client,
        );
        ev.target_kind = Some("api_token".into());
        ev.target_id = Some(id);
        self.commit_audited(tx, &[ev]).await?;
        Ok(token)
    }

    /// The user's API tokens, newest first, revoked ones included. Not authorised here: callers
    /// pass the signed-in user's own id.
    pub async fn list_api_tokens(&self, user: UserId) -> Result<Vec<ApiTokenInfo>> {
        let rows = sqlx::query("SELECT id, name, created_at, revoked_at FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC")
            .bind(user.to_string())
            .fetch_all(&self.db().pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(ApiTokenInfo {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    created_at_ms: r.try_get("created_at")?,
                    revoked: r.try_get::<Option<i64>, _>("revoked_at")?.is_some(),
                })
            })
            .collect()
    }

    /// Revokes one of the signed-in user's own API tokens at once; audited as `token.revoke`.
    /// Refuses with `NotFound` for an unknown id, another user's token, or one already revoked.
    pub async fn revoke_api_token(
        &self,
        info: &SessionInfo,
        token_id: &str,
        client: Option<&str>,
    ) -> Result<()> {
        let db = self.db();
        let mut tx = db.begin_write().await?;
        let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
            .bind(now_ms())
            .bind(token_id.to_owned())
            .bind(info.user_id.to_string())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::NotFound);
        }
        let mut ev = self.own_event(info, "token.revoke", "", client);
        ev.target_kind = Some("api_token".into());
        ev.target_id = Some(token_id.to_owned());
        self.commit_audited(tx, &[ev]).await?;
        Ok(())
    }

    /// The principal behind a bearer token, if the token is valid and its user active.
    pub async fn principal_for_api_token(
        &self,
        token: &str,
    ) -> Result<Option<(Principal, String)>> {
        let hash = token_hash(token);
        let generation = self.db().generation();
        let now = now_ms();
        if let Some(found) = self.token_cache().get(&hash, generation, now) {
            return Ok(Some(found));
        }
        let row = sqlx::query(
            "SELECT u.id, u.org_id, u.roles, u.locale FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled = 0",
        )
        .bind(hash.clone())
        .fetch_optional(&self.db().pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let found = (
            Principal {
                user_id: super::access::id_col(&r, "id")?,
                org_id: super::access::id_col(&r, "org_id")?,
                roles: roles_from_text(&r.try_get::<String, _>("roles")?),
            },
            r.try_get("locale")?,
        );
        self.token_cache().put(hash, found.clone(), now, generation);
        Ok(Some(found))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_start_after_the_free_failures_and_are_capped() {
        assert_eq!(delay_for(4, ACCOUNT_FREE_FAILURES), 0);
        assert_eq!(delay_for(5, ACCOUNT_FREE_FAILURES), 1000);
        assert_eq!(delay_for(6, ACCOUNT_FREE_FAILURES), 2000);
        assert_eq!(delay_for(50, ACCOUNT_FREE_FAILURES), MAX_DELAY_MS);
        assert_eq!(delay_for(19, CLIENT_FREE_FAILURES), 0);
    }
}
