//! Users: the accounts of an organisation (e-mail, display name, roles, whether disabled or
//! enrolled in a second factor), created by an admin or the operator. Passwords are stored as
//! Argon2id hashes, second-factor secrets sealed (see `auth.rs`). Listing is guarded by
//! `UserList` and audited (`user.list`, with the count); changes by `UserManage`.

use ally_core::audit::AuditOutcome;
use ally_core::authz::{Action, Role};
use ally_core::person::FieldError;
use ally_core::{OrgId, UserId};
use serde::Serialize;
use sqlx::Row;

use super::access::{Access, parse_id, roles_from_text, roles_to_text};
use super::audit::operator_event;
use crate::{Result, Store, StoreError, crypto, now_ms};

crate::foundation::access::access_handle!(
    /// The user accounts of the caller's organisation.
    Users,
    users
);

/// A user account as listed to an admin (no password hash, no second-factor secret).
#[derive(Debug, Clone, Serialize)]
pub struct UserSummary {
    /// The user's id.
    pub id: UserId,
    /// Sign-in address, stored trimmed and lower-cased; unique across the instance.
    pub email: String,
    /// The name shown to colleagues and in the audit view.
    pub display_name: String,
    /// The roles that decide what the user may do (`ally_core::authz`).
    pub roles: Vec<Role>,
    /// A disabled user cannot sign in and has no sessions or live API tokens.
    pub disabled: bool,
    /// Whether the user has enrolled a TOTP second factor.
    pub second_factor: bool,
}

/// A user to create (password already chosen by the admin or the operator).
#[derive(Clone)]
///
/// `Debug` shows only the roles: the password and the e-mail address never reach a log.
pub struct NewUser {
    /// Sign-in address: at most 254 characters, a local part, `@` and a dotted domain; trimmed
    /// and lower-cased on storage.
    pub email: String,
    /// 1 to 100 characters, no control characters.
    pub display_name: String,
    /// At least one role.
    pub roles: Vec<Role>,
    /// The initial password in clear; checked by `ally_core::password::check`, stored only as
    /// an Argon2id hash.
    pub password: String,
    /// The user's interface language, one of the web layer's locale codes (e.g. `en`).
    pub locale: String,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

/// Validates a new user's fields.
fn check_new_user(u: &NewUser) -> Result<()> {
    let mut errs = Vec::new();
    let email = u.email.trim();
    let valid_email = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(l, d)| {
            !l.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.')
        });
    if !valid_email {
        errs.push(FieldError {
            field: "email",
            code: "invalid_email",
        });
    }
    if u.display_name.trim().is_empty()
        || u.display_name.chars().count() > 100
        || u.display_name.chars().any(char::is_control)
    {
        errs.push(FieldError {
            field: "display_name",
            code: "invalid",
        });
    }
    if u.roles.is_empty() {
        errs.push(FieldError {
            field: "roles",
            code: "required",
        });
    }
    if let Err(r) = ally_core::password::check(&u.password, email) {
        errs.push(FieldError {
            field: "password",
            code: r.code(),
        });
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Invalid(errs))
    }
}

pub(crate) async fn insert_user(
    store: &Store,
    org: OrgId,
    u: NewUser,
    actor: Option<UserId>,
    client: Option<String>,
) -> Result<UserId> {
    check_new_user(&u)?;
    let pw = zeroize::Zeroizing::new(u.password.clone());
    let hash = tokio::task::spawn_blocking(move || crypto::hash_password(&pw))
        .await
        .map_err(|_| StoreError::Corrupt("hashing task"))??;
    let id = UserId::new();
    let db = store.db();
    let mut tx = db.begin_write().await?;
    let exists = sqlx::query("SELECT id FROM users WHERE email = $1")
        .bind(u.email.trim().to_lowercase())
        .fetch_optional(&mut *tx)
        .await?;
    if exists.is_some() {
        return Err(StoreError::Conflict("email_taken"));
    }
    sqlx::query(
        "INSERT INTO users (id, org_id, email, display_name, password_hash, roles, locale, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id.to_string())
    .bind(org.to_string())
    .bind(u.email.trim().to_lowercase())
    .bind(u.display_name.trim().to_owned())
    .bind(hash)
    .bind(roles_to_text(&u.roles))
    .bind(u.locale.clone())
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    let mut ev = operator_event(
        "user.create",
        Some(org),
        Some(("user", id.to_string())),
        &roles_to_text(&u.roles),
    );
    if let Some(a) = actor {
        ev.actor_user = Some(a.to_string());
        ev.detail = roles_to_text(&u.roles);
        ev.client = client;
    }
    store.commit_audited(tx, &[ev]).await?;
    Ok(id)
}

pub(crate) async fn set_disabled_in_tx(
    tx: &mut sqlx::AnyConnection,
    user: UserId,
    disabled: bool,
) -> Result<()> {
    let n = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
        .bind(i64::from(disabled))
        .bind(user.to_string())
        .execute(&mut *tx)
        .await?;
    if n.rows_affected() != 1 {
        return Err(StoreError::NotFound);
    }
    if disabled {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(now_ms())
        .bind(user.to_string())
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

impl Access<'_> {
    async fn user_org(&self, user: UserId) -> Result<Option<OrgId>> {
        let row = sqlx::query("SELECT org_id FROM users WHERE id = $1")
            .bind(user.to_string())
            .fetch_optional(&self.store.db().pool)
            .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some(parse_id(&r.try_get::<String, _>("org_id")?)?)),
        }
    }
}

impl Users<'_> {
    /// The users of the caller's organisation, ordered by display name. Needs `UserList`;
    /// audited as `user.list` with the count.
    pub async fn list_users(&self) -> Result<Vec<UserSummary>> {
        let org = self.principal.org_id;
        self.authorize(Action::UserList, org, None).await?;
        let rows = sqlx::query(
            "SELECT id, email, display_name, roles, disabled, totp_sealed FROM users WHERE org_id = $1 ORDER BY display_name",
        )
        .bind(org.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let users = rows
            .iter()
            .map(|r| {
                Ok(UserSummary {
                    id: parse_id(&r.try_get::<String, _>("id")?)?,
                    email: r.try_get("email")?,
                    display_name: r.try_get("display_name")?,
                    roles: roles_from_text(&r.try_get::<String, _>("roles")?),
                    disabled: r.try_get::<i64, _>("disabled")? != 0,
                    second_factor: r.try_get::<Option<Vec<u8>>, _>("totp_sealed")?.is_some(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let detail = format!("count={}", users.len());
        self.record(self.event("user.list", None, AuditOutcome::Success, detail))
            .await?;
        Ok(users)
    }

    /// Creates a user in the caller's organisation and audits `user.create` with the roles.
    /// Refuses with `Denied` without `UserManage`, `Invalid` when a field fails its check (see
    /// [`NewUser`]), and `Conflict("email_taken")` when the address already has an account
    /// in any organisation.
    pub async fn create_user(&self, user: NewUser) -> Result<UserId> {
        let org = self.principal.org_id;
        self.authorize(Action::UserManage, org, None).await?;
        insert_user(
            self.store,
            org,
            user,
            Some(self.principal.user_id),
            self.client.clone(),
        )
        .await
    }

    /// Disables or re-enables a user of the principal's organisation; disabling ends their
    /// sessions and revokes their API tokens at once.
    pub async fn set_user_disabled(&self, user: UserId, disabled: bool) -> Result<()> {
        let target = Some(("user", user.to_string()));
        let owner = self.user_org(user).await?.unwrap_or(OrgId::new());
        self.authorize(Action::UserManage, owner, target.clone())
            .await?;
        if user == self.principal.user_id && disabled {
            return Err(StoreError::Invalid(vec![FieldError {
                field: "user",
                code: "cannot_disable_self",
            }]));
        }
        let db = self.store.db();
        let mut tx = db.begin_write().await?;
        set_disabled_in_tx(&mut tx, user, disabled).await?;
        let action = if disabled {
            "user.disable"
        } else {
            "user.enable"
        };
        let ev = self.event(action, target, AuditOutcome::Success, String::new());
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(())
    }

    /// Replaces a user's roles and ends their sessions (they sign in again with the new
    /// roles); audited as `user.roles`. Refuses with `Denied` without `UserManage` on the
    /// user's organisation (an unknown user is refused the same way), and `Invalid` for an
    /// empty role list or an admin dropping their own admin role (`cannot_drop_own_admin`).
    pub async fn set_user_roles(&self, user: UserId, roles: Vec<Role>) -> Result<()> {
        let target = Some(("user", user.to_string()));
        let owner = self.user_org(user).await?.unwrap_or(OrgId::new());
        self.authorize(Action::UserManage, owner, target.clone())
            .await?;
        if roles.is_empty() {
            return Err(StoreError::Invalid(vec![FieldError {
                field: "roles",
                code: "required",
            }]));
        }
        if user == self.principal.user_id && !roles.contains(&Role::Admin) {
            // An admin removing their own admin role could leave the organisation without one.
            return Err(StoreError::Invalid(vec![FieldError {
                field: "roles",
                code: "cannot_drop_own_admin",
            }]));
        }
        let db = self.store.db();
        let mut tx = db.begin_write().await?;
        sqlx::query("UPDATE users SET roles = $1 WHERE id = $2")
            .bind(roles_to_text(&roles))
            .bind(user.to_string())
            .execute(&mut *tx)
            .await?;
        // A change of privilege ends the user's sessions (they sign in again with the new roles).
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user.to_string())
            .execute(&mut *tx)
            .await?;
        let ev = self.event(
            "user.roles",
            target,
            AuditOutcome::Success,
            roles_to_text(&roles),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(())
    }
}
