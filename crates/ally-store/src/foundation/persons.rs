//! Persons: the organisation's person records (victims, witnesses, suspects, contacts). The
//! identity is sealed under the organisation's key with the AAD `person:{org}:{id}`; names,
//! phones and document numbers are searchable through blind-index tokens (`person_tokens`).
//! Guarded by `PersonCreate`, `PersonRead`, `PersonUpdate` and `PersonList`.

use ally_core::audit::AuditOutcome;
use ally_core::authz::Action;
use ally_core::normalize;
use ally_core::person::{PersonIdentity, PersonRole, ValidPerson};
use ally_core::{OrgId, PersonId};
use serde::Serialize;
use sqlx::Row;

use super::access::{Access, Page, insert_tokens, open_identity, parse_id, person_aad};
use crate::{Result, StoreError, now_ms};

crate::foundation::access::access_handle!(
    /// The person records of the caller's organisation: create, import, read, update, list and search.
    Persons,
    persons
);

/// A person as listed: opened from the sealed identity, reduced to what a list shows.
#[derive(Debug, Clone, Serialize)]
pub struct PersonSummary {
    /// The person's id.
    pub id: PersonId,
    /// Victim, presumed victim, witness, suspect or contact.
    pub role: PersonRole,
    /// Given and family names, or the first alias (decrypted: personal data).
    pub display_name: String,
    /// When the record was created, ms since the epoch.
    pub created_at_ms: i64,
}

/// One page of person summaries, newest first.
#[derive(Debug, Clone, Serialize)]
pub struct PersonPage {
    /// The persons of this page.
    pub items: Vec<PersonSummary>,
    /// The page's offset, as requested (clamped).
    pub offset: i64,
    /// The page size used (1..=100).
    pub limit: i64,
    /// Whether a further page has at least one person.
    pub has_more: bool,
}

/// A person record with its identity opened (returned only after an authorised, audited
/// read). `Debug` redacts the identity.
#[derive(Debug, Clone)]
pub struct Person {
    /// The person's id.
    pub id: PersonId,
    /// The organisation that holds the record and whose key seals it.
    pub org_id: OrgId,
    /// Victim, presumed victim, witness, suspect or contact.
    pub role: PersonRole,
    /// Names, aliases, birth date, phones, documents, notes: stored sealed under the AAD
    /// `person:{org}:{id}`.
    pub identity: PersonIdentity,
    /// The id of the user who created the record (UUID text).
    pub created_by: String,
    /// Creation time, ms since the epoch.
    pub created_at_ms: i64,
    /// Time of the last update, ms since the epoch.
    pub updated_at_ms: i64,
    /// Optimistic-lock version, 1 on creation; pass it back to [`Persons::update_person`].
    pub version: i64,
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

impl Access<'_> {
    /// Opens a person's stored row. Callers authorise against the row's organisation first,
    /// so a refused request never decrypts the identity, and audit the read.
    async fn open_person(&self, id: PersonId, org_id: OrgId, row: PersonRow) -> Result<Person> {
        let keys = self.store.org_keys(org_id).await?;
        let identity = open_identity(&keys, org_id, id, &row.sealed)?;
        Ok(Person {
            id,
            org_id,
            role: PersonRole::parse(&row.role).ok_or(StoreError::Corrupt("person role"))?,
            identity,
            created_by: row.created_by,
            created_at_ms: row.created_at,
            updated_at_ms: row.updated_at,
            version: row.version,
        })
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
}

impl Persons<'_> {
    /// Creates a person in the caller's organisation: seals the identity, writes its
    /// blind-index tokens and audits `person.create`, in one transaction. Refuses with
    /// `Denied` without `PersonCreate`.
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

    /// Reads and opens one person. Authorises `PersonRead` against the row's organisation
    /// before anything is decrypted, so another organisation's person answers `Denied` (audited)
    /// and is never opened; an unknown id answers `NotFound`. A read is audited as
    /// `person.read`.
    pub async fn get_person(&self, id: PersonId) -> Result<Person> {
        let target = Some(("person", id.to_string()));
        // Existence in another organisation and non-existence give the same answer.
        let Some(row) = self.person_row(id).await? else {
            self.authorize(Action::PersonRead, self.principal.org_id, target.clone())
                .await?;
            return Err(StoreError::NotFound);
        };
        let org_id: OrgId = parse_id(&row.org_id)?;
        self.authorize(Action::PersonRead, org_id, target.clone())
            .await?;
        let person = self.open_person(id, org_id, row).await?;
        self.record(self.event("person.read", target, AuditOutcome::Success, String::new()))
            .await?;
        Ok(person)
    }

    /// Replaces a person's role and identity (re-sealed, tokens rewritten) and audits
    /// `person.update`. Refuses with `Denied` without `PersonUpdate` on the row's organisation,
    /// `NotFound` for an unknown id, and `Conflict("changed_meanwhile")` when the stored
    /// version is no longer `expected_version`.
    pub async fn update_person(
        &self,
        id: PersonId,
        expected_version: i64,
        person: ValidPerson,
    ) -> Result<()> {
        let target = Some(("person", id.to_string()));
        // The stored identity is replaced, not read: only the row's organisation is needed.
        let Some(existing) = self.person_row(id).await? else {
            self.authorize(Action::PersonUpdate, self.principal.org_id, target)
                .await?;
            return Err(StoreError::NotFound);
        };
        let org: OrgId = parse_id(&existing.org_id)?;
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

    /// The caller's organisation's persons, newest first; needs `PersonList`. Every listed
    /// identity is opened to show its name; the list is audited as `person.list` with the
    /// offset and count.
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
}
