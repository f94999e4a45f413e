//! Set-up and operator operations (the `ally` command line): first start, organisations,
//! users, key rotation, audit verification. Operator actions are audited with no acting user
//! and the detail `operator`.

use std::path::Path;

use ally_core::audit::head_mac;
use ally_core::authz::Role;
use ally_core::org::{OrgKind, validate_org_name};
use ally_core::person::FieldError;
use ally_core::{OrgId, UserId};
use sqlx::Row;

use super::audit::{self, operator_event};
use super::organisations::load_organisation;
use super::users::{NewUser, insert_user, set_disabled_in_tx};
use crate::crypto::{self, KeyRing, MasterKey};
use crate::db::Db;
use crate::{Result, Store, StoreError, now_ms};

const CHECK_PURPOSE: &str = "check";
const AUDIT_PURPOSE: &str = "audit";
const CHECK_VALUE: [u8; 32] = *b"ally master key check value v1\0\0";

/// First start: creates the key-check value, the audit key and the audit head. Later starts:
/// proves the master key is the right one and loads the audit key.
pub(crate) async fn bootstrap_keys(db: &Db, keys: &KeyRing) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let row = sqlx::query("SELECT wrapped FROM instance_keys WHERE purpose = $1")
        .bind(CHECK_PURPOSE)
        .fetch_optional(&mut *tx)
        .await?;
    let master = keys.master();
    match row {
        Some(r) => {
            let wrapped: Vec<u8> = r.try_get("wrapped")?;
            let check = master.unwrap_key(CHECK_PURPOSE, &wrapped)?;
            if *check != CHECK_VALUE {
                return Err(crypto::CryptoError::WrongMasterKey.into());
            }
            let r = sqlx::query("SELECT wrapped FROM instance_keys WHERE purpose = $1")
                .bind(AUDIT_PURPOSE)
                .fetch_one(&mut *tx)
                .await?;
            let audit_key =
                master.unwrap_key(AUDIT_PURPOSE, &r.try_get::<Vec<u8>, _>("wrapped")?)?;
            keys.set_audit_key(audit_key);
            tx.commit().await?;
        }
        None => {
            let now = now_ms();
            let audit_key = zeroize::Zeroizing::new(crypto::random_bytes::<32>()?);
            for (purpose, key) in [(CHECK_PURPOSE, &CHECK_VALUE), (AUDIT_PURPOSE, &*audit_key)] {
                sqlx::query(
                    "INSERT INTO instance_keys (purpose, wrapped, created_at) VALUES ($1, $2, $3)",
                )
                .bind(purpose)
                .bind(master.wrap(purpose, key)?)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query("INSERT INTO audit_head (id, seq, last_mac, seal) VALUES (1, 0, $1, $2)")
                .bind(Vec::<u8>::new())
                .bind(head_mac(audit_key.as_slice(), 0, &[]))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            keys.set_audit_key(audit_key);
        }
    }
    Ok(())
}

/// An organisation as listed to the operator.
#[derive(Debug, Clone)]
pub struct OperatorOrg {
    /// The organisation's id.
    pub id: OrgId,
    /// Its display name.
    pub name: String,
    /// What sort of organisation it is (`network` for a network of organisations).
    pub kind: OrgKind,
}

impl Store {
    /// Creates an organisation with its own data key.
    pub async fn create_organisation(
        &self,
        name: &str,
        kind: OrgKind,
        require_second_factor: bool,
    ) -> Result<OrgId> {
        let name = validate_org_name(name).map_err(|code| {
            StoreError::Invalid(vec![FieldError {
                field: "name",
                code,
            }])
        })?;
        let id = OrgId::new();
        let wrapped = self.keys().new_org_key(id)?;
        let db = self.db();
        let mut tx = db.begin_write().await?;
        sqlx::query(
            "INSERT INTO organisations (id, name, kind, require_second_factor, wrapped_key, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.to_string())
        .bind(name)
        .bind(kind.as_str())
        .bind(i64::from(require_second_factor))
        .bind(wrapped)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        let ev = operator_event(
            "org.create",
            Some(id),
            Some(("organisation", id.to_string())),
            kind.as_str(),
        );
        self.commit_audited(tx, &[ev]).await?;
        Ok(id)
    }

    /// `ally org list`: every organisation of the instance, by name. Operator only: not
    /// authorised (the operator holds the key file) and not audited (names and kinds only).
    pub async fn list_organisations_operator(&self) -> Result<Vec<OperatorOrg>> {
        let rows = sqlx::query("SELECT id, name, kind FROM organisations ORDER BY name")
            .fetch_all(&self.db().pool)
            .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("kind")?;
                Ok(OperatorOrg {
                    id: super::access::id_col(r, "id")?,
                    name: r.try_get("name")?,
                    kind: OrgKind::parse(&kind).ok_or(StoreError::Corrupt("organisation kind"))?,
                })
            })
            .collect()
    }

    /// The organisation with exactly this name (trimmed), for operator commands that take a
    /// name; `None` if there is none. Not authorised or audited.
    pub async fn find_organisation_by_name(&self, name: &str) -> Result<Option<OrgId>> {
        let row = sqlx::query("SELECT id FROM organisations WHERE name = $1")
            .bind(name.trim().to_owned())
            .fetch_optional(&self.db().pool)
            .await?;
        match row {
            Some(r) => Ok(Some(super::access::id_col(&r, "id")?)),
            None => Ok(None),
        }
    }

    /// Operator: makes `member` part of the network organisation `network` (idempotent), so
    /// each sees the other in its directory; audited as `org.network_member`. Refuses with
    /// `NotFound` for an unknown network and `Invalid` (`not_a_network`) when `network` is not
    /// of kind network or is `member` itself.
    pub async fn add_network_member(&self, network: OrgId, member: OrgId) -> Result<()> {
        let net = load_organisation(self.db(), network).await?;
        if net.kind != OrgKind::Network || network == member {
            return Err(StoreError::Invalid(vec![FieldError {
                field: "network",
                code: "not_a_network",
            }]));
        }
        let db = self.db();
        let mut tx = db.begin_write().await?;
        sqlx::query("INSERT INTO network_members (network_id, member_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(network.to_string())
            .bind(member.to_string())
            .execute(&mut *tx)
            .await?;
        let ev = operator_event(
            "org.network_member",
            Some(network),
            Some(("organisation", member.to_string())),
            "",
        );
        self.commit_audited(tx, &[ev]).await?;
        Ok(())
    }

    /// `ally user add`.
    pub async fn add_user_operator(&self, org: OrgId, user: NewUser) -> Result<UserId> {
        insert_user(self, org, user, None, None).await
    }

    async fn user_id_by_email(&self, email: &str) -> Result<(UserId, OrgId)> {
        let r = sqlx::query("SELECT id, org_id FROM users WHERE email = $1")
            .bind(email.trim().to_lowercase())
            .fetch_optional(&self.db().pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok((
            super::access::id_col(&r, "id")?,
            super::access::id_col(&r, "org_id")?,
        ))
    }

    /// `ally user disable`.
    pub async fn disable_user_operator(&self, email: &str) -> Result<()> {
        let (id, org) = self.user_id_by_email(email).await?;
        let db = self.db();
        let mut tx = db.begin_write().await?;
        set_disabled_in_tx(&mut tx, id, true).await?;
        let ev = operator_event(
            "user.disable",
            Some(org),
            Some(("user", id.to_string())),
            "",
        );
        self.commit_audited(tx, &[ev]).await?;
        Ok(())
    }

    /// `ally user reset-password`: sets a new password, clears the second factor (the user
    /// enrols again at next sign-in) and ends every session.
    pub async fn reset_password_operator(&self, email: &str, password: &str) -> Result<()> {
        let (id, org) = self.user_id_by_email(email).await?;
        if let Err(r) = ally_core::password::check(password, email) {
            return Err(StoreError::Invalid(vec![FieldError {
                field: "password",
                code: r.code(),
            }]));
        }
        let pw = zeroize::Zeroizing::new(password.to_owned());
        let hash = tokio::task::spawn_blocking(move || crypto::hash_password(&pw))
            .await
            .map_err(|_| StoreError::Corrupt("hashing task"))??;
        let db = self.db();
        let mut tx = db.begin_write().await?;
        sqlx::query("UPDATE users SET password_hash = $1, totp_sealed = NULL, totp_last_step = 0 WHERE id = $2")
            .bind(hash)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        let ev = operator_event(
            "user.reset_password",
            Some(org),
            Some(("user", id.to_string())),
            "",
        );
        self.commit_audited(tx, &[ev]).await?;
        Ok(())
    }

    /// `ally token create --user EMAIL`.
    pub async fn create_api_token_operator(&self, email: &str, name: &str) -> Result<String> {
        let (id, _) = self.user_id_by_email(email).await?;
        self.create_api_token(id, name, None).await
    }

    /// Sets a user's second-factor secret directly (the demo's documented users only).
    pub async fn set_totp_secret_operator(&self, email: &str, secret: &[u8]) -> Result<()> {
        let (id, org) = self.user_id_by_email(email).await?;
        let keys = self.org_keys(org).await?;
        let sealed = keys.seal(&format!("totp:{id}"), secret)?;
        sqlx::query("UPDATE users SET totp_sealed = $1, totp_last_step = 0 WHERE id = $2")
            .bind(sealed)
            .bind(id.to_string())
            .execute(&self.db().pool)
            .await?;
        self.db().changed();
        Ok(())
    }

    /// `ally audit verify`: the number of intact events, or where the chain breaks.
    pub async fn verify_audit(&self) -> Result<i64> {
        audit::verify(self.db(), self.audit_key()?.as_slice()).await
    }

    /// The chain's head as `SEQ:MAC` (hex). Recorded outside the server (printed, sent to a
    /// partner), it later proves that the log still reaches at least that far: see
    /// [`Store::audit_contains_head`].
    pub async fn audit_head(&self) -> Result<String> {
        let r = sqlx::query("SELECT seq, last_mac FROM audit_head WHERE id = 1")
            .fetch_one(&self.db().pool)
            .await?;
        Ok(format!(
            "{}:{}",
            r.try_get::<i64, _>("seq")?,
            hex::encode(r.try_get::<Vec<u8>, _>("last_mac")?)
        ))
    }

    /// Whether the log still holds the event of a head recorded earlier (`SEQ:MAC`), with the
    /// same MAC. The sealed head detects a cut tail, except when an older sealed head is put
    /// back with the cut; a head kept elsewhere detects that too.
    pub async fn audit_contains_head(&self, recorded: &str) -> Result<bool> {
        let bad = || {
            StoreError::Invalid(vec![FieldError {
                field: "expect_head",
                code: "invalid",
            }])
        };
        let (seq, mac) = recorded.trim().split_once(':').ok_or_else(bad)?;
        let seq: i64 = seq.parse().map_err(|_| bad())?;
        let mac = hex::decode(mac).map_err(|_| bad())?;
        if seq == 0 {
            return Ok(true);
        }
        let row = sqlx::query("SELECT mac FROM audit_log WHERE seq = $1")
            .bind(seq)
            .fetch_optional(&self.db().pool)
            .await?;
        Ok(match row {
            Some(r) => ally_core::audit::macs_equal(&r.try_get::<Vec<u8>, _>("mac")?, &mac),
            None => false,
        })
    }

    /// `ally keys rotate`: re-wraps every organisation key and instance key under a new
    /// master key, in one transaction, then replaces the key file. If the process dies between
    /// the commit and the file replacement, the new key is in `KEYFILE.new` and is picked up at
    /// the next start.
    pub async fn rotate_master_key(&self, key_file: &Path) -> Result<()> {
        let new = MasterKey::generate()?;
        let pending = pending_key_path(key_file);
        new.save(&pending)?;
        let old = self.keys().master();
        let db = self.db();
        let mut tx = db.begin_write().await?;
        let orgs = sqlx::query("SELECT id, wrapped_key FROM organisations")
            .fetch_all(&mut *tx)
            .await?;
        for r in &orgs {
            let id: String = r.try_get("id")?;
            let purpose = format!("org:{id}");
            let dk = old.unwrap_key(&purpose, &r.try_get::<Vec<u8>, _>("wrapped_key")?)?;
            sqlx::query("UPDATE organisations SET wrapped_key = $1 WHERE id = $2")
                .bind(new.wrap(&purpose, &dk)?)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        let inst = sqlx::query("SELECT purpose, wrapped FROM instance_keys")
            .fetch_all(&mut *tx)
            .await?;
        for r in &inst {
            let purpose: String = r.try_get("purpose")?;
            let k = old.unwrap_key(&purpose, &r.try_get::<Vec<u8>, _>("wrapped")?)?;
            sqlx::query("UPDATE instance_keys SET wrapped = $1 WHERE purpose = $2")
                .bind(new.wrap(&purpose, &k)?)
                .bind(purpose)
                .execute(&mut *tx)
                .await?;
        }
        let ev = operator_event(
            "keys.rotate",
            None,
            None,
            &format!("organisations={}", orgs.len()),
        );
        self.commit_audited(tx, &[ev]).await?;
        std::fs::rename(&pending, key_file).map_err(|source| {
            crypto::CryptoError::KeyFileWrite {
                path: key_file.to_owned(),
                source,
            }
        })?;
        self.keys().replace_master(new);
        Ok(())
    }

    /// Roles a user holds (for the command line's listing).
    pub async fn user_roles_operator(&self, email: &str) -> Result<Vec<Role>> {
        let r = sqlx::query("SELECT roles FROM users WHERE email = $1")
            .bind(email.trim().to_lowercase())
            .fetch_optional(&self.db().pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(super::access::roles_from_text(
            &r.try_get::<String, _>("roles")?,
        ))
    }
}

/// Where a rotation writes the new key before the database commits.
pub fn pending_key_path(key_file: &Path) -> std::path::PathBuf {
    let mut s = key_file.as_os_str().to_owned();
    s.push(".new");
    std::path::PathBuf::from(s)
}
