//! The sealed rows of reports and entities: how they are read (opened with the owner's key)
//! and written (with their blinded keys and tokens), and the two summary views every
//! aggregate of the module returns (`ReportSummary`, `EntityView`).

use std::collections::HashSet;

use ally_core::information::{
    Distribution, EntityKind, EntityRole, Exploitation, REPORT_RETENTION_MS, ReportStatus,
    ReportText, SUSPECT_RETENTION_MS, Source, ValidEntity, ValidReport,
};
use ally_core::{OrgId, UserId};
use serde::Serialize;
use sqlx::Row;
use uuid::Uuid;

use super::{
    common::{entity_aad, parse_code, report_aad, uuid_col},
    keys::{blind_entity_key, blind_search, entity_keys, search_tokens},
};
use crate::access::id_col;
use crate::crypto::OrgKeys;
use crate::{Result, Store, StoreError, now_ms};

/// A report in a list or search result: clear codes and a short opened excerpt.
#[derive(Debug, Clone, Serialize)]
pub struct ReportSummary {
    /// The report's id.
    pub id: Uuid,
    /// The owning organisation.
    pub org_id: OrgId,
    /// A member's report or one from the public form.
    pub source: Source,
    /// In triage, accepted or spam.
    pub status: ReportStatus,
    /// The kind of exploitation suspected.
    pub exploitation: Exploitation,
    /// Who beyond the owner may read it.
    pub distribution: Distribution,
    /// The first words of the observation (decrypted for the reader).
    pub excerpt: String,
    /// Where, for the map view (decrypted for the reader).
    pub place: String,
    /// Latitude in decimal degrees, if given (decrypted for the reader).
    pub latitude: Option<f64>,
    /// Longitude in decimal degrees, if given (decrypted for the reader).
    pub longitude: Option<f64>,
    /// When it was filed, ms since the epoch.
    pub created_at_ms: i64,
}

/// An entity (person, company, phone...) as its reader sees it; the value sealed with the owner's key (`info-entity:<org>:<id>`).
#[derive(Clone, Serialize)]
pub struct EntityView {
    /// The entity's id.
    pub id: Uuid,
    /// The owning organisation.
    pub org_id: OrgId,
    /// What the entity is.
    pub kind: EntityKind,
    /// Whose it is in the reported situation (possible victim, witness, offender roles...).
    pub role: EntityRole,
    /// Whether the role is an offender's (criminal-offence data, GDPR art. 10).
    pub suspect: bool,
    /// Who beyond the owner may read it (its own level; default its report's).
    pub distribution: Distribution,
    /// `None` when withheld (criminal-offence data and the reader lacks `SuspectRead`).
    pub value: Option<String>,
    /// When it was recorded, ms since the epoch.
    pub created_at_ms: i64,
}

impl std::fmt::Debug for EntityView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EntityView")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// The sealed part of an entity.
#[derive(serde::Serialize, serde::Deserialize)]
pub(super) struct EntitySecret {
    pub(super) value: String,
}

/// An entity as read from its row: the clear columns that decide who may read it, its value
/// still sealed. Opened (`open`) only once the reader has been authorised.
pub(super) struct SealedEntity {
    pub(super) id: Uuid,
    pub(super) org_id: OrgId,
    pub(super) kind: EntityKind,
    pub(super) role: EntityRole,
    pub(super) distribution: Distribution,
    pub(super) created_at_ms: i64,
    pub(super) retain_until_ms: i64,
    sealed: Vec<u8>,
}

/// An opened entity. It dereferences to its clear columns, so that the authorisation helpers,
/// which take only a `SealedEntity`, accept it too.
pub(super) struct EntityRow {
    pub(super) head: SealedEntity,
    pub(super) value: String,
}

impl std::ops::Deref for EntityRow {
    type Target = SealedEntity;
    fn deref(&self) -> &SealedEntity {
        &self.head
    }
}

impl EntityRow {
    pub(super) fn view(&self, may_suspect: bool) -> EntityView {
        let suspect = self.role.is_suspect();
        EntityView {
            id: self.id,
            org_id: self.org_id,
            kind: self.kind,
            role: self.role,
            suspect,
            distribution: self.distribution,
            value: (!suspect || may_suspect).then(|| self.value.clone()),
            created_at_ms: self.created_at_ms,
        }
    }
}

/// A report as read from its row: the clear columns that decide who may read it, its text
/// still sealed. Opened (`open`) only once the reader has been authorised.
pub(super) struct SealedReport {
    pub(super) id: Uuid,
    pub(super) org_id: OrgId,
    pub(super) source: Source,
    pub(super) status: ReportStatus,
    pub(super) exploitation: Exploitation,
    pub(super) indicators: Vec<String>,
    pub(super) distribution: Distribution,
    pub(super) created_at_ms: i64,
    pub(super) retain_until_ms: i64,
    sealed: Vec<u8>,
}

/// An opened report. It dereferences to its clear columns, so that the authorisation helpers,
/// which take only a `SealedReport`, accept it too.
pub(super) struct ReportRow {
    pub(super) head: SealedReport,
    pub(super) text: ReportText,
}

impl std::ops::Deref for ReportRow {
    type Target = SealedReport;
    fn deref(&self) -> &SealedReport {
        &self.head
    }
}

pub(super) const REPORT_COLS: &str = "id, org_id, source, status, exploitation, indicators, distribution, sealed, created_at, retain_until";
pub(super) const ENTITY_COLS: &str =
    "id, org_id, kind, role, distribution, sealed, created_at, retain_until";

/// Reads a report's clear columns; nothing is opened.
pub(super) fn sealed_report(row: &sqlx::any::AnyRow) -> Result<SealedReport> {
    let indicators: String = row.try_get("indicators")?;
    Ok(SealedReport {
        id: uuid_col(row, "id")?,
        org_id: id_col(row, "org_id")?,
        source: parse_code(&row.try_get::<String, _>("source")?, Source::parse)?,
        status: parse_code(&row.try_get::<String, _>("status")?, ReportStatus::parse)?,
        exploitation: parse_code(
            &row.try_get::<String, _>("exploitation")?,
            Exploitation::parse,
        )?,
        indicators: indicators
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        distribution: parse_code(
            &row.try_get::<String, _>("distribution")?,
            Distribution::parse,
        )?,
        created_at_ms: row.try_get("created_at")?,
        retain_until_ms: row.try_get("retain_until")?,
        sealed: row.try_get("sealed")?,
    })
}

impl SealedReport {
    /// Opens the report's text with its organisation's key.
    pub(super) async fn open(self, store: &Store) -> Result<ReportRow> {
        let keys = store.org_keys(self.org_id).await?;
        let plain =
            zeroize::Zeroizing::new(keys.open(&report_aad(self.org_id, self.id), &self.sealed)?);
        let text: ReportText =
            serde_json::from_slice(&plain).map_err(|_| StoreError::Corrupt("report"))?;
        Ok(ReportRow { head: self, text })
    }
}

/// Reads a report and opens it: for callers that have already authorised the reader (or act
/// for the system, as the reindexing does).
pub(super) async fn report_from_row(store: &Store, row: &sqlx::any::AnyRow) -> Result<ReportRow> {
    sealed_report(row)?.open(store).await
}

/// Reads an entity's clear columns; nothing is opened.
pub(super) fn sealed_entity(row: &sqlx::any::AnyRow) -> Result<SealedEntity> {
    Ok(SealedEntity {
        id: uuid_col(row, "id")?,
        org_id: id_col(row, "org_id")?,
        kind: parse_code(&row.try_get::<String, _>("kind")?, EntityKind::parse)?,
        role: parse_code(&row.try_get::<String, _>("role")?, EntityRole::parse)?,
        distribution: parse_code(
            &row.try_get::<String, _>("distribution")?,
            Distribution::parse,
        )?,
        created_at_ms: row.try_get("created_at")?,
        retain_until_ms: row.try_get("retain_until")?,
        sealed: row.try_get("sealed")?,
    })
}

impl SealedEntity {
    /// Opens the entity's value with its organisation's key.
    pub(super) async fn open(self, store: &Store) -> Result<EntityRow> {
        let keys = store.org_keys(self.org_id).await?;
        let plain =
            zeroize::Zeroizing::new(keys.open(&entity_aad(self.org_id, self.id), &self.sealed)?);
        let secret: EntitySecret =
            serde_json::from_slice(&plain).map_err(|_| StoreError::Corrupt("entity"))?;
        Ok(EntityRow {
            head: self,
            value: secret.value,
        })
    }
}

/// Reads an entity and opens it: for callers that have already authorised the reader (or act
/// for the system).
pub(super) async fn entity_from_row(store: &Store, row: &sqlx::any::AnyRow) -> Result<EntityRow> {
    sealed_entity(row)?.open(store).await
}

pub(super) fn summary(r: &ReportRow) -> ReportSummary {
    let mut excerpt: String = r.text.what.chars().take(90).collect();
    if r.text.what.chars().count() > 90 {
        excerpt.push('…');
    }
    ReportSummary {
        id: r.id,
        org_id: r.org_id,
        source: r.source,
        status: r.status,
        exploitation: r.exploitation,
        distribution: r.distribution,
        excerpt,
        place: r.text.place.clone(),
        latitude: r.text.latitude,
        longitude: r.text.longitude,
        created_at_ms: r.created_at_ms,
    }
}

/// Inserts a report and its entities, keys and tokens in `tx`.
pub(super) async fn insert_report(
    store: &Store,
    tx: &mut sqlx::AnyConnection,
    org: OrgId,
    report: &ValidReport,
    source: Source,
    status: ReportStatus,
    created_by: Option<UserId>,
) -> Result<(Uuid, Vec<Uuid>)> {
    let keys = store.org_keys(org).await?;
    let id = Uuid::now_v7();
    let now = now_ms();
    let json = zeroize::Zeroizing::new(
        serde_json::to_vec(&report.text).map_err(|_| StoreError::Corrupt("report"))?,
    );
    let sealed = keys.seal(&report_aad(org, id), &json)?;
    sqlx::query(
        "INSERT INTO info_reports (id, org_id, source, status, exploitation, indicators, distribution, sealed, created_by, created_at, updated_at, retain_until) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(id.to_string())
    .bind(org.to_string())
    .bind(source.as_str())
    .bind(status.as_str())
    .bind(report.exploitation.as_str())
    .bind(report.indicators.join(","))
    .bind(report.distribution.as_str())
    .bind(sealed)
    .bind(created_by.map(|u| u.to_string()))
    .bind(now)
    .bind(now)
    .bind(now + REPORT_RETENTION_MS)
    .execute(&mut *tx)
    .await?;
    let mut entity_ids = Vec::new();
    for e in &report.entities {
        let eid = insert_entity(&keys, tx, org, e, report.distribution, now).await?;
        sqlx::query(
            "INSERT INTO info_report_entities (report_id, entity_id, org_id) VALUES ($1, $2, $3)",
        )
        .bind(id.to_string())
        .bind(eid.to_string())
        .bind(org.to_string())
        .execute(&mut *tx)
        .await?;
        // Per entity, so that search respects each entity's own distribution level.
        insert_entity_tokens(tx, &keys, org, eid, e.role, &e.value).await?;
        entity_ids.push(eid);
    }
    insert_report_tokens(tx, &keys, org, id, &report.text).await?;
    Ok((id, entity_ids))
}

/// Indexes a report's own words (text and place; never its entities') in `info_report_tokens`.
pub(super) async fn insert_report_tokens(
    tx: &mut sqlx::AnyConnection,
    keys: &OrgKeys,
    org: OrgId,
    report: Uuid,
    text: &ReportText,
) -> Result<()> {
    let tokens: HashSet<Vec<u8>> = search_tokens(&format!("{} {}", text.what, text.place))
        .iter()
        .map(|t| blind_search(keys, "text", t))
        .collect();
    for t in tokens {
        sqlx::query(
            "INSERT INTO info_report_tokens (org_id, token, report_id) VALUES ($1, $2, $3)",
        )
        .bind(org.to_string())
        .bind(t)
        .bind(report.to_string())
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// Indexes one entity's value in `info_entity_tokens` (the `suspect` domain for offenders').
pub(super) async fn insert_entity_tokens(
    tx: &mut sqlx::AnyConnection,
    keys: &OrgKeys,
    org: OrgId,
    entity: Uuid,
    role: EntityRole,
    value: &str,
) -> Result<()> {
    let domain = if role.is_suspect() { "suspect" } else { "text" };
    let tokens: HashSet<Vec<u8>> = search_tokens(value)
        .iter()
        .map(|t| blind_search(keys, domain, t))
        .collect();
    for t in tokens {
        sqlx::query(
            "INSERT INTO info_entity_tokens (org_id, token, entity_id) VALUES ($1, $2, $3)",
        )
        .bind(org.to_string())
        .bind(t)
        .bind(entity.to_string())
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

pub(super) async fn insert_entity(
    keys: &OrgKeys,
    tx: &mut sqlx::AnyConnection,
    org: OrgId,
    e: &ValidEntity,
    distribution: Distribution,
    now: i64,
) -> Result<Uuid> {
    let id = Uuid::now_v7();
    let json = zeroize::Zeroizing::new(
        serde_json::to_vec(&EntitySecret {
            value: e.value.clone(),
        })
        .map_err(|_| StoreError::Corrupt("entity"))?,
    );
    let sealed = keys.seal(&entity_aad(org, id), &json)?;
    let suspect = e.role.is_suspect();
    // A possible victim's data is never distributed beyond the owner at creation.
    let distribution = if e.role == EntityRole::PossibleVictim {
        Distribution::Own
    } else {
        distribution
    };
    sqlx::query(
        "INSERT INTO info_entities (id, org_id, kind, role, suspect, distribution, sealed, created_at, retain_until) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id.to_string())
    .bind(org.to_string())
    .bind(e.kind.as_str())
    .bind(e.role.as_str())
    .bind(i64::from(suspect))
    .bind(distribution.as_str())
    .bind(sealed)
    .bind(now)
    .bind(
        now + if suspect {
            SUSPECT_RETENTION_MS
        } else {
            REPORT_RETENTION_MS
        },
    )
    .execute(&mut *tx)
    .await?;
    let mut blinded: Vec<Vec<u8>> = entity_keys(e.kind, &e.value)
        .iter()
        .map(|k| blind_entity_key(keys, e.kind, k))
        .collect();
    blinded.sort();
    blinded.dedup();
    for b in blinded {
        sqlx::query("INSERT INTO info_entity_keys (org_id, key, entity_id) VALUES ($1, $2, $3)")
            .bind(org.to_string())
            .bind(b)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
    }
    Ok(id)
}
