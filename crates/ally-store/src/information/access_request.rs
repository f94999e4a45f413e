//! A suspect's access request (GDPR art. 15): the extract of what the organisation holds about
//! one suspect entity, without victims, witnesses, report text or reporters.

use ally_core::audit::AuditOutcome;
use ally_core::authz::Action;
use ally_core::information::{EntityKind, EntityRole, Exploitation};
use serde::Serialize;
use uuid::Uuid;

use super::{
    common::{crate_date, invalid, uuid_col},
    rows::{EntityRow, REPORT_COLS, report_from_row},
};
use crate::{Result, StoreError};

crate::foundation::access::access_handle!(
    /// Extracts for a data subject's access request, leaving out victims, witnesses and reporters.
    AccessRequests,
    access_requests
);

/// One entity in a suspect's access-request extract: what is held, not who said it.
#[derive(Clone, Serialize)]
pub struct SuspectEntry {
    /// The entity's id.
    pub id: Uuid,
    /// What the entity is (person, phone, vehicle...).
    pub kind: EntityKind,
    /// Its role in the reports (an offender's role here, or the entity asked about).
    pub role: EntityRole,
    /// The opened value (a name, a number, a plate...).
    pub value: String,
    /// Day it was recorded, ISO `YYYY-MM-DD` (UTC).
    pub recorded_on: String,
}

impl std::fmt::Debug for SuspectEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SuspectEntry")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// A report the suspect appears in: only its date and the kind of exploitation suspected.
#[derive(Debug, Clone, Serialize)]
pub struct SuspectReportEntry {
    /// Day of the report, ISO `YYYY-MM-DD` (UTC).
    pub date: String,
    /// The kind of exploitation suspected.
    pub exploitation: Exploitation,
}

/// What the organisation holds about one suspect entity, for the person's access request
/// (GDPR art. 15): its value, the dates and kinds of the reports it appears in, and the
/// suspects' entities linked to it. Never victims' or witnesses' entities, report free text,
/// places, attachments, or who reported (art. 15(4): others' rights).
#[derive(Debug, Clone, Serialize)]
pub struct SuspectExtract {
    /// The entity the request is about.
    pub entity: SuspectEntry,
    /// The accepted reports it appears in.
    pub reports: Vec<SuspectReportEntry>,
    /// Linked entities (suggested or confirmed, not rejected) in an offender's role.
    pub linked: Vec<SuspectEntry>,
    /// When the entity is due for deletion, ms since the epoch.
    pub retain_until_ms: i64,
    /// When it was recorded, ms since the epoch.
    pub created_at_ms: i64,
}

impl AccessRequests<'_> {
    /// Produces the access-request extract for one suspect entity of the principal's
    /// organisation (roles with `SuspectRead`). Audited with counts only.
    pub async fn suspect_access_extract(&self, id: Uuid) -> Result<SuspectExtract> {
        let target = Some(("entity", id.to_string()));
        let Some(e) = self.load_entity(id).await? else {
            self.authorize_granted(Action::SuspectRead, self.principal.org_id, &[], target)
                .await?;
            return Err(StoreError::NotFound);
        };
        self.authorize_granted(Action::SuspectRead, e.org_id, &[], target.clone())
            .await?;
        if !e.role.is_suspect() {
            return Err(invalid("entity", "not_a_suspect"));
        }
        let e = e.open(self.store).await?;
        let entry = |x: &EntityRow| SuspectEntry {
            id: x.id,
            kind: x.kind,
            role: x.role,
            value: x.value.clone(),
            recorded_on: crate_date(x.created_at_ms),
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REPORT_COLS} FROM info_reports WHERE status = 'accepted' AND id IN \
               (SELECT report_id FROM info_report_entities WHERE entity_id = $1) ORDER BY created_at"
        )))
        .bind(id.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let mut reports = Vec::new();
        for r in &rows {
            let rep = report_from_row(self.store, r).await?;
            reports.push(SuspectReportEntry {
                date: rep
                    .text
                    .observed_on
                    .clone()
                    .unwrap_or_else(|| crate_date(rep.created_at_ms)),
                exploitation: rep.exploitation,
            });
        }
        let links = sqlx::query(
            "SELECT entity_a, entity_b FROM info_links WHERE org_id = $1 AND status <> 'rejected' \
             AND (entity_a = $2 OR entity_b = $2) ORDER BY id",
        )
        .bind(e.org_id.to_string())
        .bind(id.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let mut linked = Vec::new();
        for l in &links {
            let (a, b) = (uuid_col(l, "entity_a")?, uuid_col(l, "entity_b")?);
            let other = if a == id { b } else { a };
            if let Some(o) = self.load_entity(other).await?
                && o.org_id == e.org_id
                && o.role.is_suspect()
            {
                linked.push(entry(&o.open(self.store).await?));
            }
        }
        let retain: i64 =
            sqlx::query_scalar("SELECT retain_until FROM info_entities WHERE id = $1")
                .bind(id.to_string())
                .fetch_one(&self.store.db().pool)
                .await?;
        self.record(self.event(
            "suspect.access_request",
            target,
            AuditOutcome::Success,
            format!("reports={} linked={}", reports.len(), linked.len()),
        ))
        .await?;
        Ok(SuspectExtract {
            entity: entry(&e),
            reports,
            linked,
            retain_until_ms: retain,
            created_at_ms: e.created_at_ms,
        })
    }
}
