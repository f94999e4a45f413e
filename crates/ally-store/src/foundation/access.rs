//! The access layer's gate: every read and write of organisation data on behalf of a principal
//! goes through an [`Access`] value, made by [`Store::access`].
//!
//! Each operation follows the same path: authorise (`ally_core::authz::authorize`, the one place
//! where the permission table is consulted), then act, then audit. A denial is audited too.
//! Handlers never check roles themselves; they call these methods and map the error. The
//! operations themselves live with their aggregate (`persons.rs`, `users.rs`, ... and each
//! module's folder); this file holds the gate and the small helpers every module shares.

use ally_core::audit::{AuditEvent, AuditOutcome};
use ally_core::authz::{self, Action, Denied, Principal, Role};
use ally_core::org::OrgKind;
use ally_core::person::PersonIdentity;
use ally_core::{OrgId, PersonId};
use serde::Serialize;
use sqlx::Row;

use crate::crypto::OrgKeys;
use crate::{Result, Store, StoreError, now_ms};

/// Paging of lists: `limit` is clamped to 1..=100.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    /// Rows to skip, never negative.
    pub offset: i64,
    /// Rows to return at most, 1..=100.
    pub limit: i64,
}

impl Page {
    /// A page from untrusted numbers: a negative offset becomes 0, the limit is clamped to
    /// 1..=100.
    pub fn new(offset: i64, limit: i64) -> Page {
        Page {
            offset: offset.max(0),
            limit: limit.clamp(1, 100),
        }
    }
}

impl Default for Page {
    fn default() -> Self {
        Page::new(0, 50)
    }
}

/// An organisation as listed in the directory and to modules that offer partner organisations.
#[derive(Debug, Clone, Serialize)]
pub struct OrgSummary {
    /// The organisation's id.
    pub id: OrgId,
    /// Display name, in clear (organisation names are not sealed).
    pub name: String,
    /// What sort of organisation it is (NGO, shelter, labour inspectorate...), shown in the
    /// directory and used by modules to offer partners for a workflow.
    pub kind: OrgKind,
}

pub(crate) fn person_aad(org: OrgId, id: PersonId) -> String {
    format!("person:{org}:{id}")
}

pub(crate) fn roles_to_text(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

pub(crate) fn roles_from_text(s: &str) -> Vec<Role> {
    s.split(',').filter_map(Role::parse).collect()
}

/// Operations on behalf of one principal.
pub struct Access<'a> {
    pub(crate) store: &'a Store,
    pub(crate) principal: &'a Principal,
    pub(crate) client: Option<String>,
}

/// Declares a handle on the access layer: a type that lists, in one `impl` block, the
/// operations a module offers on one aggregate, reached as `access.<name>()`. A handle derefs
/// to its [`Access`], so each operation still calls `authorize` first, then acts, then audits,
/// through the one gate.
macro_rules! access_handle {
    ($(#[$doc:meta])* $handle:ident, $method:ident) => {
        $(#[$doc])*
        pub struct $handle<'a>(&'a $crate::Access<'a>);

        impl<'a> std::ops::Deref for $handle<'a> {
            type Target = $crate::Access<'a>;
            fn deref(&self) -> &Self::Target {
                self.0
            }
        }

        impl<'a> $crate::Access<'a> {
            $(#[$doc])*
            pub fn $method(&self) -> $handle<'_> {
                $handle(self)
            }
        }
    };
}
pub(crate) use access_handle;

impl Store {
    /// The access layer for `principal` (already authenticated by a session or API token).
    /// `client` is the caller's network address, written into every audit event the
    /// operations record; nothing is checked or audited until an operation is called.
    pub fn access<'a>(&'a self, principal: &'a Principal, client: Option<&str>) -> Access<'a> {
        Access {
            store: self,
            principal,
            client: client.map(str::to_owned),
        }
    }

    pub(crate) async fn org_keys(&self, org: OrgId) -> Result<std::sync::Arc<OrgKeys>> {
        if let Some(k) = self.keys().cached_org(org) {
            return Ok(k);
        }
        let row = sqlx::query("SELECT wrapped_key FROM organisations WHERE id = $1")
            .bind(org.to_string())
            .fetch_optional(&self.db().pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let wrapped: Vec<u8> = row.try_get("wrapped_key")?;
        Ok(self.keys().load_org(org, &wrapped)?)
    }

    /// How many sealed values of the organisation this store has opened since it started (for
    /// tests that prove a refused read decrypts nothing; integration tests cannot see
    /// `cfg(test)` items).
    #[doc(hidden)]
    pub fn sealed_values_opened(&self, org: OrgId) -> u64 {
        self.keys().opens(org)
    }

    pub(crate) fn audit_key(&self) -> Result<std::sync::Arc<zeroize::Zeroizing<[u8; 32]>>> {
        self.keys()
            .audit_key()
            .ok_or(StoreError::Corrupt("audit key not loaded"))
    }
}

/// An id column (UUID text) parsed into its newtype.
pub(crate) fn id_col<T: std::str::FromStr>(row: &sqlx::any::AnyRow, column: &str) -> Result<T> {
    parse_id(&row.try_get::<String, _>(column)?)
}

pub(crate) fn parse_id<T: std::str::FromStr>(s: &str) -> Result<T> {
    s.parse()
        .map_err(|_| StoreError::Corrupt("malformed id in database"))
}

impl Access<'_> {
    /// The principal these operations act for: user, organisation and roles.
    pub fn principal(&self) -> &Principal {
        self.principal
    }

    pub(crate) fn event(
        &self,
        action: &str,
        target: Option<(&str, String)>,
        outcome: AuditOutcome,
        detail: String,
    ) -> AuditEvent {
        AuditEvent {
            at_ms: now_ms(),
            actor_user: Some(self.principal.user_id.to_string()),
            org: Some(self.principal.org_id.to_string()),
            action: action.to_owned(),
            target_kind: target.as_ref().map(|(k, _)| (*k).to_owned()),
            target_id: target.map(|(_, id)| id),
            outcome,
            detail,
            client: self.client.clone(),
        }
    }

    /// The single authorisation gate: decides, and audits a denial.
    pub(crate) async fn authorize(
        &self,
        action: Action,
        owner: OrgId,
        target: Option<(&str, String)>,
    ) -> Result<()> {
        self.authorize_granted(action, owner, &[], target).await
    }

    /// The gate with the grants other organisations hold on the record (referrals, shared
    /// reports): decides, and audits a denial.
    pub(crate) async fn authorize_granted(
        &self,
        action: Action,
        owner: OrgId,
        grants: &[authz::Grant],
        target: Option<(&str, String)>,
    ) -> Result<()> {
        match authz::authorize(self.principal, action, owner, grants) {
            Ok(()) => Ok(()),
            Err(denied) => {
                let detail = match denied {
                    Denied::RoleLacksPermission(_) => "role",
                    Denied::OtherOrganisation => "tenancy",
                };
                self.store
                    .audit_writer()
                    .record(self.event(
                        action.as_str(),
                        target,
                        AuditOutcome::Denied,
                        detail.to_owned(),
                    ))
                    .await?;
                Err(StoreError::Denied(denied))
            }
        }
    }

    /// Checks that the principal may perform `action` in their own organisation, without doing
    /// it (for pages that show a form before anything is written). Denials are audited.
    pub async fn require(&self, action: Action) -> Result<()> {
        self.authorize(action, self.principal.org_id, None).await
    }

    /// An organisation's name (modules show it next to shared records).
    pub(crate) async fn org_name(&self, id: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT name FROM organisations WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.store.db().pool)
            .await?;
        Ok(match row {
            Some(r) => Some(r.try_get("name")?),
            None => None,
        })
    }

    pub(crate) async fn record(&self, e: AuditEvent) -> Result<()> {
        self.store.audit_writer().record(e).await
    }
}

/// Opens a person's sealed identity (the caller has authorised the read).
pub(crate) fn open_identity(
    keys: &OrgKeys,
    org: OrgId,
    id: PersonId,
    sealed: &[u8],
) -> Result<PersonIdentity> {
    let plain = zeroize::Zeroizing::new(keys.open(&person_aad(org, id), sealed)?);
    serde_json::from_slice(&plain).map_err(|_| StoreError::Corrupt("identity"))
}

/// Writes the blind-index tokens of a person's identity (names, phones, documents) for search.
pub(crate) async fn insert_tokens(
    tx: &mut sqlx::AnyConnection,
    org: OrgId,
    id: PersonId,
    keys: &OrgKeys,
    identity: &PersonIdentity,
) -> Result<()> {
    let mut blinded: Vec<Vec<u8>> = identity
        .index_tokens()
        .iter()
        .map(|(k, t)| keys.blind(*k, t))
        .collect();
    blinded.sort();
    blinded.dedup();
    for b in blinded {
        sqlx::query("INSERT INTO person_tokens (org_id, token, person_id) VALUES ($1, $2, $3)")
            .bind(org.to_string())
            .bind(b)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}
