//! The access layer: every read and write of organisation data on behalf of a principal.
//!
//! Each method follows the same path: authorise (`ally_core::authz::authorize`, the one place
//! where the permission table is consulted), then act, then audit. A denial is audited too.
//! Handlers never check roles themselves; they call these methods and map the error.

use ally_core::audit::{AuditEvent, AuditOutcome, ChainedEvent};
use ally_core::authz::{self, Action, Denied, Principal, Role};
use ally_core::normalize;
use ally_core::org::{OrgKind, Organisation};
use ally_core::person::{FieldError, PersonIdentity, PersonRole, ValidPerson};
use ally_core::{OrgId, PersonId, UserId};
use serde::Serialize;
use sqlx::Row;

use crate::audit::{self, AuditQuery};
use crate::crypto::OrgKeys;
use crate::{Result, Store, StoreError, now_ms};

/// Paging of lists: `limit` is clamped to 1..=100.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub offset: i64,
    pub limit: i64,
}

impl Page {
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

#[derive(Debug, Clone, Serialize)]
pub struct PersonSummary {
    pub id: PersonId,
    pub role: PersonRole,
    pub display_name: String,
    pub created_at_ms: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PersonPage {
    pub items: Vec<PersonSummary>,
    pub offset: i64,
    pub limit: i64,
    pub has_more: bool,
}

#[derive(Debug, Clone)]
pub struct Person {
    pub id: PersonId,
    pub org_id: OrgId,
    pub role: PersonRole,
    pub identity: PersonIdentity,
    pub created_by: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct OrgSummary {
    pub id: OrgId,
    pub name: String,
    pub kind: OrgKind,
}

#[derive(Debug, Clone, Serialize)]
pub struct UserSummary {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub disabled: bool,
    pub second_factor: bool,
}

/// A user to create (password already chosen by the admin or the operator).
#[derive(Clone)]
pub struct NewUser {
    pub email: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub password: String,
    pub locale: String,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

/// Filter for the audit view.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_user: Option<String>,
    pub target_id: Option<String>,
    pub action: Option<String>,
    pub before_seq: Option<i64>,
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

/// A `persons` row as stored (identity still sealed).
struct PersonRow {
    org_id: String,
    role: String,
    sealed: Vec<u8>,
    created_by: String,
    created_at: i64,
    updated_at: i64,
    version: i64,
}

/// Operations on behalf of one principal.
pub struct Access<'a> {
    pub(crate) store: &'a Store,
    pub(crate) principal: &'a Principal,
    pub(crate) client: Option<String>,
}

impl Store {
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

    // ----- persons -----

    pub async fn create_person(&self, person: ValidPerson) -> Result<PersonId> {
        let org = self.principal.org_id;
        self.authorize(Action::PersonCreate, org, None).await?;
        let id = PersonId::new();
        let keys = self.store.org_keys(org).await?;
        let json = zeroize::Zeroizing::new(
            serde_json::to_vec(&person.identity).map_err(|_| StoreError::Corrupt("identity"))?,
        );
        let sealed = keys.seal(&person_aad(org, id), &json)?;
        let now = now_ms();
        let db = self.store.db();
        let mut tx = db.begin_write().await?;
        sqlx::query(
            "INSERT INTO persons (id, org_id, role, sealed, created_by, created_at, updated_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 1)",
        )
        .bind(id.to_string())
        .bind(org.to_string())
        .bind(person.role.as_str())
        .bind(sealed)
        .bind(self.principal.user_id.to_string())
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        insert_tokens(&mut tx, org, id, &keys, &person.identity).await?;
        let ev = self.event(
            "person.create",
            Some(("person", id.to_string())),
            AuditOutcome::Success,
            String::new(),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(id)
    }

    /// Imports many persons at once (data migration, the demo, benchmarks): one transaction
    /// and one audit event (`person.import`, with the count) per chunk of 1,000.
    pub async fn import_persons(&self, persons: Vec<ValidPerson>) -> Result<Vec<PersonId>> {
        let org = self.principal.org_id;
        self.authorize(Action::PersonCreate, org, None).await?;
        let keys = self.store.org_keys(org).await?;
        let db = self.store.db();
        let mut ids = Vec::with_capacity(persons.len());
        for chunk in persons.chunks(1000) {
            let mut tx = db.begin_write().await?;
            let now = now_ms();
            for person in chunk {
                let id = PersonId::new();
                let json = zeroize::Zeroizing::new(
                    serde_json::to_vec(&person.identity)
                        .map_err(|_| StoreError::Corrupt("identity"))?,
                );
                let sealed = keys.seal(&person_aad(org, id), &json)?;
                sqlx::query(
                    "INSERT INTO persons (id, org_id, role, sealed, created_by, created_at, updated_at, version) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 1)",
                )
                .bind(id.to_string())
                .bind(org.to_string())
                .bind(person.role.as_str())
                .bind(sealed)
                .bind(self.principal.user_id.to_string())
                .bind(now)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                insert_tokens(&mut tx, org, id, &keys, &person.identity).await?;
                ids.push(id);
            }
            let ev = self.event(
                "person.import",
                None,
                AuditOutcome::Success,
                format!("count={}", chunk.len()),
            );
            self.store.commit_audited(tx, &[ev]).await?;
        }
        Ok(ids)
    }

    /// Loads and decrypts a person, without authorising or auditing (callers do both).
    async fn load_person(&self, id: PersonId) -> Result<Option<Person>> {
        let Some(row) = self.person_row(id).await? else {
            return Ok(None);
        };
        let org_id: OrgId = parse_id(&row.org_id)?;
        let keys = self.store.org_keys(org_id).await?;
        let identity = open_identity(&keys, org_id, id, &row.sealed)?;
        Ok(Some(Person {
            id,
            org_id,
            role: PersonRole::parse(&row.role).ok_or(StoreError::Corrupt("person role"))?,
            identity,
            created_by: row.created_by,
            created_at_ms: row.created_at,
            updated_at_ms: row.updated_at,
            version: row.version,
        }))
    }

    /// A person's stored row: on an SQLite file read on this thread, otherwise (or when
    /// SQLite is busy) through sqlx.
    async fn person_row(&self, id: PersonId) -> Result<Option<PersonRow>> {
        const SQL: &str = "SELECT org_id, role, sealed, created_by, created_at, updated_at, version \
                           FROM persons WHERE id = $1";
        let key = id.to_string();
        if let Some(lite) = self.store.db().lite() {
            let read = lite.read(|c| {
                use rusqlite::OptionalExtension;
                c.prepare_cached(SQL)?
                    .query_row([&key], |r| {
                        Ok(PersonRow {
                            org_id: r.get(0)?,
                            role: r.get(1)?,
                            sealed: r.get(2)?,
                            created_by: r.get(3)?,
                            created_at: r.get(4)?,
                            updated_at: r.get(5)?,
                            version: r.get(6)?,
                        })
                    })
                    .optional()
            })?;
            if let Some(row) = read {
                return Ok(row);
            }
        }
        let query = sqlx::query(SQL).bind(key);
        let mut conn = self.store.db().read_conn().await?;
        let row = query.fetch_optional(&mut *conn).await?;
        conn.done();
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(Some(PersonRow {
            org_id: row.try_get("org_id")?,
            role: row.try_get("role")?,
            sealed: row.try_get("sealed")?,
            created_by: row.try_get("created_by")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
            version: row.try_get("version")?,
        }))
    }

    pub async fn get_person(&self, id: PersonId) -> Result<Person> {
        let target = Some(("person", id.to_string()));
        // Existence in another organisation and non-existence give the same answer.
        let Some(person) = self.load_person(id).await? else {
            self.authorize(Action::PersonRead, self.principal.org_id, target.clone())
                .await?;
            return Err(StoreError::NotFound);
        };
        self.authorize(Action::PersonRead, person.org_id, target.clone())
            .await?;
        self.record(self.event("person.read", target, AuditOutcome::Success, String::new()))
            .await?;
        Ok(person)
    }

    pub async fn update_person(
        &self,
        id: PersonId,
        expected_version: i64,
        person: ValidPerson,
    ) -> Result<()> {
        let target = Some(("person", id.to_string()));
        let Some(existing) = self.load_person(id).await? else {
            self.authorize(Action::PersonUpdate, self.principal.org_id, target)
                .await?;
            return Err(StoreError::NotFound);
        };
        let org = existing.org_id;
        self.authorize(Action::PersonUpdate, org, target.clone())
            .await?;
        let keys = self.store.org_keys(org).await?;
        let json = zeroize::Zeroizing::new(
            serde_json::to_vec(&person.identity).map_err(|_| StoreError::Corrupt("identity"))?,
        );
        let sealed = keys.seal(&person_aad(org, id), &json)?;
        let db = self.store.db();
        let mut tx = db.begin_write().await?;
        let updated = sqlx::query(
            "UPDATE persons SET role = $1, sealed = $2, updated_at = $3, version = version + 1 \
             WHERE id = $4 AND version = $5",
        )
        .bind(person.role.as_str())
        .bind(sealed)
        .bind(now_ms())
        .bind(id.to_string())
        .bind(expected_version)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(StoreError::Conflict("changed_meanwhile"));
        }
        sqlx::query("DELETE FROM person_tokens WHERE person_id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        insert_tokens(&mut tx, org, id, &keys, &person.identity).await?;
        let ev = self.event(
            "person.update",
            target,
            AuditOutcome::Success,
            String::new(),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(())
    }

    pub async fn list_persons(&self, page: Page) -> Result<PersonPage> {
        let org = self.principal.org_id;
        self.authorize(Action::PersonList, org, None).await?;
        let rows = sqlx::query(
            "SELECT id, role, sealed, created_at FROM persons WHERE org_id = $1 \
             ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3",
        )
        .bind(org.to_string())
        .bind(page.limit + 1)
        .bind(page.offset);
        let mut conn = self.store.db().read_conn().await?;
        let rows = rows.fetch_all(&mut *conn).await?;
        conn.done();
        let result = self.summaries(org, rows, page).await?;
        let detail = format!("offset={} count={}", page.offset, result.items.len());
        self.record(self.event("person.list", None, AuditOutcome::Success, detail))
            .await?;
        Ok(result)
    }

    /// Exact-token search over names, phones and document numbers through the blind index.
    /// The query text is not audited (it may be a name); the number of tokens and hits is.
    pub async fn search_persons(&self, query: &str, page: Page) -> Result<PersonPage> {
        let org = self.principal.org_id;
        self.authorize(Action::PersonList, org, None).await?;
        let mut tokens = normalize::query_tokens(query);
        tokens.truncate(8);
        if tokens.is_empty() {
            return Ok(PersonPage {
                items: Vec::new(),
                offset: 0,
                limit: page.limit,
                has_more: false,
            });
        }
        let keys = self.store.org_keys(org).await?;
        let blinded: Vec<Vec<u8>> = tokens.iter().map(|(k, t)| keys.blind(*k, t)).collect();
        let placeholders: Vec<String> = (0..blinded.len()).map(|i| format!("${}", i + 2)).collect();
        let n = blinded.len();
        let sql = format!(
            "SELECT p.id, p.role, p.sealed, p.created_at FROM persons p WHERE p.org_id = $1 AND p.id IN (\
               SELECT person_id FROM person_tokens WHERE org_id = $1 AND token IN ({}) \
               GROUP BY person_id HAVING COUNT(DISTINCT token) = {n}) \
             ORDER BY p.created_at DESC, p.id DESC LIMIT ${} OFFSET ${}",
            placeholders.join(", "),
            n + 2,
            n + 3
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org.to_string());
        for b in blinded {
            q = q.bind(b);
        }
        let rows = q
            .bind(page.limit + 1)
            .bind(page.offset)
            .fetch_all(&self.store.db().pool)
            .await?;
        let result = self.summaries(org, rows, page).await?;
        let detail = format!("tokens={} count={}", n, result.items.len());
        self.record(self.event("person.search", None, AuditOutcome::Success, detail))
            .await?;
        Ok(result)
    }

    async fn summaries(
        &self,
        org: OrgId,
        rows: Vec<sqlx::any::AnyRow>,
        page: Page,
    ) -> Result<PersonPage> {
        let keys = self.store.org_keys(org).await?;
        let has_more = rows.len() as i64 > page.limit;
        let mut items = Vec::with_capacity(rows.len());
        for row in rows.iter().take(page.limit as usize) {
            let id: PersonId = parse_id(&row.try_get::<String, _>("id")?)?;
            let role: String = row.try_get("role")?;
            let sealed: Vec<u8> = row.try_get("sealed")?;
            let identity = open_identity(&keys, org, id, &sealed)?;
            items.push(PersonSummary {
                id,
                role: PersonRole::parse(&role).ok_or(StoreError::Corrupt("person role"))?,
                display_name: identity.display_name(),
                created_at_ms: row.try_get("created_at")?,
            });
        }
        Ok(PersonPage {
            items,
            offset: page.offset,
            limit: page.limit,
            has_more,
        })
    }

    // ----- organisations -----

    pub async fn organisation(&self) -> Result<Organisation> {
        let org = self.principal.org_id;
        self.authorize(Action::OrgRead, org, None).await?;
        crate::admin::load_organisation(self.store.db(), org).await
    }

    /// The directory: the principal's organisation and the members of its networks.
    pub async fn directory(&self) -> Result<Vec<OrgSummary>> {
        let org = self.principal.org_id;
        self.authorize(Action::OrgRead, org, None).await?;
        let rows = sqlx::query(
            "SELECT DISTINCT o.id, o.name, o.kind FROM organisations o WHERE o.id = $1 \
             OR o.id IN (SELECT m.member_id FROM network_members m WHERE m.network_id IN \
                 (SELECT network_id FROM network_members WHERE member_id = $1) OR m.network_id = $1) \
             OR o.id IN (SELECT network_id FROM network_members WHERE member_id = $1) \
             ORDER BY o.name",
        )
        .bind(org.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("kind")?;
                Ok(OrgSummary {
                    id: parse_id(&r.try_get::<String, _>("id")?)?,
                    name: r.try_get("name")?,
                    kind: OrgKind::parse(&kind).ok_or(StoreError::Corrupt("organisation kind"))?,
                })
            })
            .collect()
    }

    /// Turns the second-factor requirement on or off for the principal's organisation.
    pub async fn set_second_factor_required(&self, required: bool) -> Result<()> {
        let org = self.principal.org_id;
        self.authorize(
            Action::OrgManage,
            org,
            Some(("organisation", org.to_string())),
        )
        .await?;
        let db = self.store.db();
        let mut tx = db.begin_write().await?;
        sqlx::query("UPDATE organisations SET require_second_factor = $1 WHERE id = $2")
            .bind(i64::from(required))
            .bind(org.to_string())
            .execute(&mut *tx)
            .await?;
        let ev = self.event(
            "config.second_factor",
            Some(("organisation", org.to_string())),
            AuditOutcome::Success,
            format!("required={required}"),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(())
    }

    // ----- users -----

    pub async fn list_users(&self) -> Result<Vec<UserSummary>> {
        let org = self.principal.org_id;
        self.authorize(Action::UserList, org, None).await?;
        let rows = sqlx::query(
            "SELECT id, email, display_name, roles, disabled, totp_sealed FROM users WHERE org_id = $1 ORDER BY display_name",
        )
        .bind(org.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        rows.iter()
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
            .collect()
    }

    pub async fn create_user(&self, user: NewUser) -> Result<UserId> {
        let org = self.principal.org_id;
        self.authorize(Action::UserManage, org, None).await?;
        crate::admin::insert_user(
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
        crate::admin::set_disabled_in_tx(&mut tx, user, disabled).await?;
        let action = if disabled {
            "user.disable"
        } else {
            "user.enable"
        };
        let ev = self.event(action, target, AuditOutcome::Success, String::new());
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(())
    }

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

    // ----- audit -----

    pub async fn audit_events(&self, filter: AuditFilter, limit: i64) -> Result<Vec<ChainedEvent>> {
        let org = self.principal.org_id;
        self.authorize(Action::AuditRead, org, None).await?;
        let q = AuditQuery {
            org: org.to_string(),
            actor_user: filter.actor_user,
            target_id: filter.target_id,
            action: filter.action,
            before_seq: filter.before_seq,
            limit: limit.clamp(1, 200),
        };
        let events = audit::query(self.store.db(), &q).await?;
        let detail = format!("count={}", events.len());
        self.record(self.event("audit.read", None, AuditOutcome::Success, detail))
            .await?;
        Ok(events)
    }
}

impl Access<'_> {
    /// Audit events with the display names of the organisation's users (for the audit view:
    /// an auditor needs to know who acted, without the user-management permission).
    pub async fn audit_events_with_names(
        &self,
        filter: AuditFilter,
        limit: i64,
    ) -> Result<(Vec<ChainedEvent>, Vec<(String, String)>)> {
        let events = self.audit_events(filter, limit).await?;
        let rows = sqlx::query(
            "SELECT id, display_name FROM users WHERE org_id = $1 ORDER BY display_name",
        )
        .bind(self.principal.org_id.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let names = rows
            .iter()
            .map(|r| {
                Ok((
                    r.try_get::<String, _>("id")?,
                    r.try_get::<String, _>("display_name")?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((events, names))
    }
}

pub(crate) fn open_identity(
    keys: &OrgKeys,
    org: OrgId,
    id: PersonId,
    sealed: &[u8],
) -> Result<PersonIdentity> {
    let plain = zeroize::Zeroizing::new(keys.open(&person_aad(org, id), sealed)?);
    serde_json::from_slice(&plain).map_err(|_| StoreError::Corrupt("identity"))
}

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
