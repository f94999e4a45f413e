//! Who reads a report or an entity: loading the sealed rows, the grants a record's distribution
//! level gives other organisations (named shares, network peers), and the possible victim's
//! consent asked at every grant and read. No audit here: the callers audit.

use ally_core::OrgId;
use ally_core::audit::{AuditEvent, AuditOutcome};
use ally_core::authz::{self, Action, Grant};
use ally_core::information::{Distribution, EntityKind, EntityRole, ReportStatus};
use ally_core::org::OrgKind;
use ally_core::protection::{
    CaseId, ConsentRecord, FieldGroup, RecipientKind, SharingRequest, sharing_permitted,
};
use sqlx::Row;
use uuid::Uuid;

use super::rows::{
    ENTITY_COLS, REPORT_COLS, SealedEntity, SealedReport, sealed_entity, sealed_report,
};
use crate::access::{Access, id_col};
use crate::{Result, StoreError, now_ms};

/// The field groups of the protection case's consent that sharing a possible victim's entity
/// discloses: who or how to reach them (identity for a person or company, contact otherwise),
/// and that they appear in a report of exploitation.
pub(super) fn victim_fields(kind: EntityKind) -> std::collections::BTreeSet<FieldGroup> {
    let who = match kind {
        EntityKind::Person | EntityKind::Company => FieldGroup::Identity,
        EntityKind::Place
        | EntityKind::Phone
        | EntityKind::Vehicle
        | EntityKind::Website
        | EntityKind::Account => FieldGroup::Contact,
    };
    [who, FieldGroup::Exploitation].into_iter().collect()
}

impl Access<'_> {
    pub(super) fn ok_event(
        &self,
        action: &str,
        kind: &str,
        id: impl ToString,
        detail: String,
    ) -> AuditEvent {
        self.event(
            action,
            Some((kind, id.to_string())),
            AuditOutcome::Success,
            detail,
        )
    }

    /// Organisations that share a network with `org` (and the networks themselves).
    pub(super) async fn network_peers(&self, org: OrgId) -> Result<Vec<OrgId>> {
        let rows = sqlx::query(
            "SELECT DISTINCT m.member_id AS id FROM network_members m WHERE m.network_id IN \
               (SELECT network_id FROM network_members WHERE member_id = $1) \
             UNION SELECT network_id AS id FROM network_members WHERE member_id = $1",
        )
        .bind(org.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        rows.iter().map(|r| id_col(r, "id")).collect()
    }

    pub(super) async fn shares(&self, kind: &str, id: Uuid) -> Result<Vec<OrgId>> {
        let rows = sqlx::query(
            "SELECT to_org FROM info_shares WHERE record_kind = $1 AND record_id = $2 ORDER BY to_org",
        )
        .bind(kind)
        .bind(id.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        rows.iter().map(|r| id_col(r, "to_org")).collect()
    }

    /// The read grants a record's distribution level gives to other organisations.
    pub(super) async fn read_grants(
        &self,
        kind: &str,
        id: Uuid,
        owner: OrgId,
        level: Distribution,
    ) -> Result<Vec<Grant>> {
        let mut orgs = Vec::new();
        if level.reaches_named() {
            orgs.extend(self.shares(kind, id).await?);
        }
        if level.reaches_network() {
            orgs.extend(self.network_peers(owner).await?);
        }
        Ok(orgs
            .into_iter()
            .map(|o| Grant {
                to_org: o,
                action: Action::ReportRead,
            })
            .collect())
    }

    /// A report's clear columns (nothing opened): authorise on these, then `open` it.
    pub(super) async fn load_report(&self, id: Uuid) -> Result<Option<SealedReport>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REPORT_COLS} FROM info_reports WHERE id = $1"
        )))
        .bind(id.to_string())
        .fetch_optional(&self.store.db().pool)
        .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some(sealed_report(&r)?)),
        }
    }

    /// An entity's clear columns (nothing opened): authorise on these, then `open` it.
    pub(super) async fn load_entity(&self, id: Uuid) -> Result<Option<SealedEntity>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ENTITY_COLS} FROM info_entities WHERE id = $1"
        )))
        .bind(id.to_string())
        .fetch_optional(&self.store.db().pool)
        .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some(sealed_entity(&r)?)),
        }
    }

    /// The entities of a report, unopened.
    pub(super) async fn report_entities(&self, report: Uuid) -> Result<Vec<SealedEntity>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ENTITY_COLS} FROM info_entities WHERE id IN \
               (SELECT entity_id FROM info_report_entities WHERE report_id = $1) ORDER BY created_at, id"
        )))
        .bind(report.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        rows.iter().map(sealed_entity).collect()
    }

    /// Whether the principal may read this report (no audit): owner or a grant from its level.
    pub(super) async fn may_read_report(&self, r: &SealedReport) -> Result<bool> {
        if r.status != ReportStatus::Accepted && r.org_id != self.principal.org_id {
            return Ok(false);
        }
        let grants = self.report_grants(r).await?;
        Ok(authz::authorize(self.principal, Action::ReportRead, r.org_id, &grants).is_ok())
    }

    /// The read grants of an accepted report, for this principal: those of its level, kept for
    /// another organisation only while the consent of every possible victim named in the report
    /// covers that organisation (checked now, so that a withdrawal takes effect at once).
    pub(super) async fn report_grants(&self, r: &SealedReport) -> Result<Vec<Grant>> {
        let reader = self.principal.org_id;
        if r.org_id == reader || r.status != ReportStatus::Accepted {
            return Ok(Vec::new());
        }
        let mut grants = self
            .read_grants("report", r.id, r.org_id, r.distribution)
            .await?;
        grants.retain(|g| g.to_org == reader);
        if grants.is_empty() {
            return Ok(grants);
        }
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ENTITY_COLS} FROM info_entities WHERE role = 'possible_victim' AND id IN \
               (SELECT entity_id FROM info_report_entities WHERE report_id = $1)"
        )))
        .bind(r.id.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        for row in &rows {
            let victim = sealed_entity(row)?;
            if self.victim_sharing(&victim, &[reader]).await?.is_err() {
                return Ok(Vec::new());
            }
        }
        Ok(grants)
    }

    /// The protection case a possible victim's entity is linked to (same organisation).
    pub(super) async fn victim_case(&self, e: &SealedEntity) -> Result<Option<CaseId>> {
        let row = sqlx::query(
            "SELECT case_id FROM info_victim_cases WHERE entity_id = $1 AND org_id = $2",
        )
        .bind(e.id.to_string())
        .bind(e.org_id.to_string())
        .fetch_optional(&self.store.db().pool)
        .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some(
                r.try_get::<String, _>("case_id")?
                    .parse()
                    .map_err(|_| StoreError::Corrupt("case id"))?,
            )),
        }
    }

    /// Whether the consent (or a recorded legal basis) of the protection case linked to this
    /// possible victim's entity covers sharing it with every organisation of `recipients`
    /// today, by the protection module's rule (`sharing_permitted`: law-enforcement bodies need
    /// the law-enforcement consent, others the referral consent, a child a guardian's).
    /// `Err(code)` says why not. Not linked, or the case is gone: refused.
    pub(super) async fn victim_sharing(
        &self,
        e: &SealedEntity,
        recipients: &[OrgId],
    ) -> Result<std::result::Result<(), &'static str>> {
        let recipients: Vec<OrgId> = recipients
            .iter()
            .copied()
            .filter(|o| *o != e.org_id)
            .collect();
        if recipients.is_empty() {
            return Ok(Ok(()));
        }
        let Some(case_id) = self.victim_case(e).await? else {
            return Ok(Err("victim_case_not_linked"));
        };
        let Some(case) = self.load_case(case_id).await? else {
            return Ok(Err("victim_case_not_linked"));
        };
        if case.org_id != e.org_id {
            return Ok(Err("victim_case_not_linked"));
        }
        let consents: Vec<ConsentRecord> = self
            .consents_of(case_id, case.org_id)
            .await?
            .into_iter()
            .map(|c| c.record)
            .collect();
        let bases = self.legal_bases_of(case_id, case.org_id).await?;
        let today = crate::protection::today();
        for recipient in recipients {
            let Some(kind) = self.org_kind(recipient).await? else {
                return Ok(Err("no_consent"));
            };
            let request = SharingRequest {
                recipient,
                recipient_kind: RecipientKind::of(kind),
                fields: victim_fields(e.kind),
                subject_may_be_child: case.may_be_child,
            };
            if let Err(refusal) = sharing_permitted(&consents, &bases, &request, today) {
                return Ok(Err(refusal.code()));
            }
        }
        Ok(Ok(()))
    }

    /// The organisations an entity's level reaches besides its owner: named shares (its own
    /// and those of its reports) from `partners` on, the owner's networks from `network` on.
    pub(super) async fn entity_recipients(
        &self,
        e: &SealedEntity,
        level: Distribution,
    ) -> Result<Vec<OrgId>> {
        let mut orgs = Vec::new();
        if level.reaches_named() {
            orgs.extend(self.shares("entity", e.id).await?);
            let rows = sqlx::query(
                "SELECT DISTINCT to_org FROM info_shares WHERE record_kind = 'report' AND record_id IN \
                   (SELECT report_id FROM info_report_entities WHERE entity_id = $1)",
            )
            .bind(e.id.to_string())
            .fetch_all(&self.store.db().pool)
            .await?;
            for r in &rows {
                orgs.push(id_col(r, "to_org")?);
            }
        }
        if level.reaches_network() {
            orgs.extend(self.network_peers(e.org_id).await?);
        }
        orgs.sort();
        orgs.dedup();
        orgs.retain(|o| *o != e.org_id);
        Ok(orgs)
    }

    /// The read grant an entity's own level gives this principal's organisation, if any; for a
    /// possible victim only while the victim's consent covers it (checked at every read); none
    /// once the entity's retention time is over (the daily purge may not have erased it yet).
    pub(super) async fn entity_grants(&self, e: &SealedEntity) -> Result<Vec<Grant>> {
        let reader = self.principal.org_id;
        if e.org_id == reader
            || e.retain_until_ms < now_ms()
            || !self
                .entity_recipients(e, e.distribution)
                .await?
                .contains(&reader)
        {
            return Ok(Vec::new());
        }
        if e.role == EntityRole::PossibleVictim && self.victim_sharing(e, &[reader]).await?.is_err()
        {
            return Ok(Vec::new());
        }
        Ok(vec![Grant {
            to_org: reader,
            action: Action::ReportRead,
        }])
    }

    /// Whether the principal may read this entity (no audit): the owner, or its level's grant.
    pub(super) async fn may_read_entity(&self, e: &SealedEntity) -> Result<bool> {
        let grants = self.entity_grants(e).await?;
        Ok(authz::authorize(self.principal, Action::ReportRead, e.org_id, &grants).is_ok())
    }

    pub(super) async fn org_kind(&self, org: OrgId) -> Result<Option<OrgKind>> {
        let row = sqlx::query("SELECT kind FROM organisations WHERE id = $1")
            .bind(org.to_string())
            .fetch_optional(&self.store.db().pool)
            .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(OrgKind::parse(&r.try_get::<String, _>("kind")?)),
        }
    }
}
