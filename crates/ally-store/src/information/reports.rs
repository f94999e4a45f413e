//! Reports: filing by members, the organisation's list, the triage queue of public reports,
//! one report with its entities, triage (accept or spam) and the aggregate statistics.

use std::collections::BTreeMap;

use ally_core::OrgId;
use ally_core::audit::AuditOutcome;
use ally_core::authz::Action;
use ally_core::information::{
    Distribution, Exploitation, ReportStatus, ReportText, Source, ValidReport,
    check_distribution_change,
};
use serde::Serialize;
use sqlx::Row;
use uuid::Uuid;

use super::{
    attachments::AttachmentSummary,
    common::{parse_code, refused, report_aad, uuid_col},
    rows::{
        EntityView, REPORT_COLS, ReportRow, ReportSummary, insert_report, report_from_row,
        sealed_report, summary,
    },
};
use crate::{Result, StoreError, now_ms};

crate::foundation::access::access_handle!(
    /// Reports on trafficking activities: file, read, list, triage, widen their distribution.
    Reports,
    reports
);

/// A report as its reader sees it: clear codes, the opened text, the entities the reader may see.
#[derive(Clone, Serialize)]
pub struct ReportView {
    /// The report's id.
    pub id: Uuid,
    /// The owning organisation, whose key seals the text (`info-report:<org>:<id>`).
    pub org_id: OrgId,
    /// A member's report or one from the public form.
    pub source: Source,
    /// In triage, accepted or spam.
    pub status: ReportStatus,
    /// The kind of exploitation suspected.
    pub exploitation: Exploitation,
    /// Ids of the screening catalogue's indicators observed, sorted.
    pub indicators: Vec<String>,
    /// Who beyond the owner may read it.
    pub distribution: Distribution,
    /// The opened text: what was observed, where, coordinates, the day observed.
    pub text: ReportText,
    /// Its entities; offenders' values withheld without `SuspectRead`.
    pub entities: Vec<EntityView>,
    /// Named organisations the report is shared with (owner only; empty for others).
    pub shared_with: Vec<OrgId>,
    /// When it was filed, ms since the epoch.
    pub created_at_ms: i64,
    /// When it is due for deletion, ms since the epoch.
    pub retain_until_ms: i64,
    /// Images attached to the report (metadata stripped), without their bytes.
    pub attachments: Vec<AttachmentSummary>,
}

impl std::fmt::Debug for ReportView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReportView")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl Reports<'_> {
    /// Files a report from a member of the principal's organisation, then suggests links for
    /// its entities.
    pub async fn file_report(&self, report: ValidReport) -> Result<Uuid> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::ReportFile, org, &[], None)
            .await?;
        // Filing at a level wider than the own organisation is a widening.
        for e in &report.entities {
            check_distribution_change(
                Distribution::Own,
                report.distribution,
                Some(e.role),
                self.principal.may(Action::DistributionWiden),
                false,
            )
            .map_err(refused)?;
        }
        check_distribution_change(
            Distribution::Own,
            report.distribution,
            None,
            self.principal.may(Action::DistributionWiden),
            false,
        )
        .map_err(refused)?;
        let mut tx = self.store.db().begin_write().await?;
        let (id, entities) = insert_report(
            self.store,
            &mut tx,
            org,
            &report,
            Source::Member,
            ReportStatus::Accepted,
            Some(self.principal.user_id),
        )
        .await?;
        let ev = self.ok_event(
            "report.file",
            "report",
            id,
            format!("entities={}", entities.len()),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        self.suggest_links(org, &entities).await?;
        Ok(id)
    }

    /// The organisation's accepted reports and those other organisations distribute to it.
    pub async fn list_reports(&self) -> Result<Vec<ReportSummary>> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::ReportRead, org, &[], None)
            .await?;
        let mut peers: Vec<String> = self
            .network_peers(org)
            .await?
            .iter()
            .map(ToString::to_string)
            .collect();
        peers.retain(|p| *p != org.to_string());
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REPORT_COLS} FROM info_reports WHERE status = 'accepted' AND (org_id = $1 \
               OR id IN (SELECT record_id FROM info_shares WHERE record_kind = 'report' AND to_org = $1) \
               OR distribution IN ('network', 'law_enforcement')) \
             ORDER BY created_at DESC, id DESC LIMIT 500"
        )))
        .bind(org.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let owner: String = r.try_get("org_id")?;
            if owner != org.to_string() && !peers.contains(&owner) {
                // Network-wide reports of organisations outside our networks: only if named.
                let id = uuid_col(r, "id")?;
                if !self
                    .shares("report", id)
                    .await?
                    .contains(&self.principal.org_id)
                {
                    continue;
                }
            }
            // Decided on the clear columns; only a readable report is opened.
            let rep = sealed_report(r)?;
            if self.may_read_report(&rep).await? {
                out.push(summary(&rep.open(self.store).await?));
            }
        }
        let detail = format!("count={}", out.len());
        self.record(self.event("report.list", None, AuditOutcome::Success, detail))
            .await?;
        Ok(out)
    }

    /// Public reports waiting for triage in the principal's organisation.
    pub async fn triage_queue(&self) -> Result<Vec<ReportSummary>> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::ReportTriage, org, &[], None)
            .await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REPORT_COLS} FROM info_reports WHERE org_id = $1 AND status = 'triage' \
             ORDER BY created_at DESC, id DESC LIMIT 200"
        )))
        .bind(org.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            out.push(summary(&report_from_row(self.store, r).await?));
        }
        let detail = format!("count={}", out.len());
        self.record(self.event("report.triage_list", None, AuditOutcome::Success, detail))
            .await?;
        Ok(out)
    }

    /// One report with its entities (offenders' data withheld without `SuspectRead`). A report
    /// waiting for triage is read with `ReportTriage` in the receiving organisation only.
    pub async fn get_report(&self, id: Uuid) -> Result<ReportView> {
        let target = Some(("report", id.to_string()));
        let Some(r) = self.load_report(id).await? else {
            self.authorize_granted(Action::ReportRead, self.principal.org_id, &[], target)
                .await?;
            return Err(StoreError::NotFound);
        };
        if r.status == ReportStatus::Triage {
            self.authorize_granted(Action::ReportTriage, r.org_id, &[], target.clone())
                .await?;
        } else {
            let grants = self.report_grants(&r).await?;
            self.authorize_granted(Action::ReportRead, r.org_id, &grants, target.clone())
                .await?;
        }
        let ReportRow { head: r, text } = r.open(self.store).await?;
        let may_suspect = self.principal.may(Action::SuspectRead);
        let own = r.org_id == self.principal.org_id;
        let mut entities = Vec::new();
        for e in self.report_entities(id).await? {
            // Another organisation sees an entity only if the entity's own level (and, for a
            // possible victim, the victim's consent) reaches it.
            if own || self.may_read_entity(&e).await? {
                entities.push(e.open(self.store).await?.view(may_suspect));
            }
        }
        let attachments = self.attachments_of(id).await?;
        let withheld = entities.iter().filter(|e| e.value.is_none()).count();
        self.record(self.event(
            "report.read",
            target,
            AuditOutcome::Success,
            format!("withheld={withheld}"),
        ))
        .await?;
        Ok(ReportView {
            id,
            org_id: r.org_id,
            source: r.source,
            status: r.status,
            exploitation: r.exploitation,
            indicators: r.indicators,
            distribution: r.distribution,
            text,
            entities,
            shared_with: if own {
                self.shares("report", id).await?
            } else {
                Vec::new()
            },
            created_at_ms: r.created_at_ms,
            retain_until_ms: r.retain_until_ms,
            attachments,
        })
    }

    /// Triage of a public report: accept it into the organisation (links are suggested for its
    /// entities) or mark it as spam (its text and entities are erased at once).
    pub async fn triage_report(&self, id: Uuid, accept: bool) -> Result<()> {
        let target = Some(("report", id.to_string()));
        let Some(r) = self.load_report(id).await? else {
            self.authorize_granted(Action::ReportTriage, self.principal.org_id, &[], target)
                .await?;
            return Err(StoreError::NotFound);
        };
        self.authorize_granted(Action::ReportTriage, r.org_id, &[], target.clone())
            .await?;
        if r.status != ReportStatus::Triage {
            return Err(StoreError::Conflict("already_triaged"));
        }
        let entities = self.report_entities(id).await?;
        let mut tx = self.store.db().begin_write().await?;
        let now = now_ms();
        if accept {
            sqlx::query(
                "UPDATE info_reports SET status = 'accepted', updated_at = $1 WHERE id = $2 AND status = 'triage'",
            )
            .bind(now)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        } else {
            let keys = self.store.org_keys(r.org_id).await?;
            let empty = serde_json::to_vec(&ReportText::default())
                .map_err(|_| StoreError::Corrupt("report"))?;
            sqlx::query(
                "UPDATE info_reports SET status = 'spam', sealed = $1, indicators = '', updated_at = $2 WHERE id = $3",
            )
            .bind(keys.seal(&report_aad(r.org_id, id), &empty)?)
            .bind(now)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
            for q in [
                "DELETE FROM info_report_tokens WHERE report_id = $1",
                "DELETE FROM info_attachments WHERE report_id = $1",
                "DELETE FROM info_entity_tokens WHERE entity_id IN (SELECT entity_id FROM info_report_entities WHERE report_id = $1)",
                "DELETE FROM info_victim_cases WHERE entity_id IN (SELECT entity_id FROM info_report_entities WHERE report_id = $1)",
                "DELETE FROM info_entity_keys WHERE entity_id IN (SELECT entity_id FROM info_report_entities WHERE report_id = $1)",
                "DELETE FROM info_entities WHERE id IN (SELECT entity_id FROM info_report_entities WHERE report_id = $1)",
                "DELETE FROM info_report_entities WHERE report_id = $1",
            ] {
                sqlx::query(q)
                    .bind(id.to_string())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let ev = self.ok_event(
            if accept {
                "report.accept"
            } else {
                "report.spam"
            },
            "report",
            id,
            String::new(),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        if accept {
            let ids: Vec<Uuid> = entities.iter().map(|e| e.id).collect();
            self.suggest_links(r.org_id, &ids).await?;
        }
        Ok(())
    }

    /// Counts of accepted reports by kind of exploitation: the organisation's own, and those of
    /// the other members of its networks whose distribution is `aggregate` or wider (counted,
    /// never read). Returns (kind, own count, network count).
    pub async fn report_statistics(&self) -> Result<Vec<(Exploitation, i64, i64)>> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::ReportRead, org, &[], None)
            .await?;
        let pool = &self.store.db().pool;
        let mut counts: BTreeMap<Exploitation, (i64, i64)> = BTreeMap::new();
        let own = sqlx::query(
            "SELECT exploitation, COUNT(*) AS n FROM info_reports WHERE org_id = $1 AND status = 'accepted' GROUP BY exploitation",
        )
        .bind(org.to_string())
        .fetch_all(pool)
        .await?;
        for r in &own {
            let k = parse_code(
                &r.try_get::<String, _>("exploitation")?,
                Exploitation::parse,
            )?;
            counts.entry(k).or_default().0 += r.try_get::<i64, _>("n")?;
        }
        for peer in self.network_peers(org).await? {
            if peer == org {
                continue;
            }
            let rows = sqlx::query(
                "SELECT exploitation, COUNT(*) AS n FROM info_reports WHERE org_id = $1 AND status = 'accepted' \
                 AND distribution <> 'own' GROUP BY exploitation",
            )
            .bind(peer.to_string())
            .fetch_all(pool)
            .await?;
            for r in &rows {
                let k = parse_code(
                    &r.try_get::<String, _>("exploitation")?,
                    Exploitation::parse,
                )?;
                counts.entry(k).or_default().1 += r.try_get::<i64, _>("n")?;
            }
        }
        self.record(self.event(
            "report.statistics",
            None,
            AuditOutcome::Success,
            String::new(),
        ))
        .await?;
        Ok(counts.into_iter().map(|(k, (a, b))| (k, a, b)).collect())
    }
}
