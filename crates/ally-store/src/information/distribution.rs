//! Distribution of reports and entities: changing a record's level and the organisations named
//! on it (lowering free, widening with `DistributionWiden`, a possible victim only with consent).

use ally_core::OrgId;
use ally_core::audit::AuditOutcome;
use ally_core::authz::Action;
use ally_core::information::{
    Distribution, DistributionRefused, EntityRole, check_distribution_change,
};
use ally_core::org::OrgKind;
use uuid::Uuid;

use super::common::{invalid, refused};
use crate::access::Access;
use crate::{Result, StoreError, now_ms};

crate::foundation::access::access_handle!(
    /// Distribution levels of reports and entities: who else may read them.
    DistributionLevels,
    distribution
);

impl Access<'_> {
    /// The level a distribution change starts from: naming an organisation the record is not
    /// yet shared with is a widening even at the same level, so it counts from `own`.
    pub(super) async fn widening_base(
        &self,
        kind: &str,
        id: Uuid,
        current: Distribution,
        partners: &[OrgId],
    ) -> Result<Distribution> {
        let shared_with = self.shares(kind, id).await?;
        Ok(if partners.iter().any(|p| !shared_with.contains(p)) {
            Distribution::Own
        } else {
            current
        })
    }

    /// Audits a refused distribution change of a report or entity and returns its error.
    pub(super) async fn refuse_distribution(
        &self,
        kind: &str,
        id: Uuid,
        refusal: DistributionRefused,
    ) -> Result<StoreError> {
        let why = match refusal {
            DistributionRefused::WidenNeedsCoordinator => "widen",
            DistributionRefused::VictimConsentRequired => "victim_consent",
        };
        self.record(self.event(
            &format!("{kind}.distribution"),
            Some((kind, id.to_string())),
            AuditOutcome::Denied,
            why.to_owned(),
        ))
        .await?;
        Ok(refused(refusal))
    }

    /// Replaces the organisations a report or entity is named for, in the caller's write.
    pub(super) async fn replace_shares(
        &self,
        tx: &mut crate::db::WriteTx,
        kind: &str,
        id: Uuid,
        owner: OrgId,
        partners: &[OrgId],
    ) -> Result<()> {
        sqlx::query("DELETE FROM info_shares WHERE record_kind = $1 AND record_id = $2")
            .bind(kind)
            .bind(id.to_string())
            .execute(&mut **tx)
            .await?;
        for p in partners {
            sqlx::query(
                "INSERT INTO info_shares (record_kind, record_id, owner_org, to_org, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(kind)
            .bind(id.to_string())
            .bind(owner.to_string())
            .bind(p.to_string())
            .bind(self.principal.user_id.to_string())
            .bind(now_ms())
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// Named organisations must exist; a law-enforcement liaison only at `law_enforcement`.
    pub(super) async fn check_partners(&self, to: Distribution, partners: &[OrgId]) -> Result<()> {
        if !partners.is_empty() && !to.reaches_named() {
            return Err(invalid("partners", "level_too_low"));
        }
        for p in partners {
            let kind = self
                .org_kind(*p)
                .await?
                .ok_or(invalid("partners", "unknown"))?;
            if kind == OrgKind::LawEnforcementLiaison && !to.reaches_law_enforcement() {
                return Err(invalid("partners", "law_enforcement_level_required"));
            }
        }
        Ok(())
    }
}

impl DistributionLevels<'_> {
    /// Changes the distribution of a report (and names the organisations it is shared with).
    /// Lowering is free for triagers; widening needs `DistributionWiden`; a report naming a
    /// possible victim is not widened beyond the own organisation without the victim's consent.
    pub async fn set_report_distribution(
        &self,
        id: Uuid,
        to: Distribution,
        partners: Vec<OrgId>,
    ) -> Result<()> {
        let target = Some(("report", id.to_string()));
        let Some(r) = self.load_report(id).await? else {
            self.authorize_granted(Action::ReportTriage, self.principal.org_id, &[], target)
                .await?;
            return Err(StoreError::NotFound);
        };
        self.authorize_granted(Action::ReportTriage, r.org_id, &[], target.clone())
            .await?;
        let may_widen = self.principal.may(Action::DistributionWiden);
        let effective_from = self
            .widening_base("report", id, r.distribution, &partners)
            .await?;
        if let Err(e) = check_distribution_change(effective_from, to, None, may_widen, false) {
            return Err(self.refuse_distribution("report", id, e).await?);
        }
        self.check_partners(to, &partners).await?;
        let entities = self.report_entities(id).await?;
        // Who the report will reach: widening a report that names a possible victim needs the
        // victim's consent (or a legal basis) covering each of them, whatever the level of the
        // victim's entity (the report's text may speak of the victim).
        let mut recipients = partners.clone();
        if to.reaches_network() {
            recipients.extend(self.network_peers(r.org_id).await?);
        }
        let widening = to.rank() > effective_from.rank();
        for e in entities
            .iter()
            .filter(|e| e.role == EntityRole::PossibleVictim)
        {
            let consent = !widening || self.victim_sharing(e, &recipients).await?.is_ok();
            if let Err(refusal) =
                check_distribution_change(effective_from, to, Some(e.role), may_widen, consent)
            {
                return Err(self.refuse_distribution("report", id, refusal).await?);
            }
        }
        let mut tx = self.store.db().begin_write().await?;
        sqlx::query("UPDATE info_reports SET distribution = $1, updated_at = $2 WHERE id = $3")
            .bind(to.as_str())
            .bind(now_ms())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        self.replace_shares(&mut tx, "report", id, r.org_id, &partners)
            .await?;
        // Entities follow the report down; up only those still at the report's level (the
        // default): an entity given its own, lower level keeps it.
        for e in &entities {
            let level = if to.rank() < e.distribution.rank()
                || (may_widen && e.distribution == r.distribution)
            {
                to
            } else {
                e.distribution
            };
            sqlx::query("UPDATE info_entities SET distribution = $1 WHERE id = $2")
                .bind(level.as_str())
                .bind(e.id.to_string())
                .execute(&mut *tx)
                .await?;
        }
        let ev = self.ok_event(
            "report.distribution",
            "report",
            id,
            format!(
                "from={} to={} partners={}",
                r.distribution.as_str(),
                to.as_str(),
                partners.len()
            ),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(())
    }

    /// Changes the distribution of one entity (default: its report's) and names organisations
    /// on it. The same rules as for reports: lowering is free for triagers, widening and naming
    /// a new organisation need `DistributionWiden`, and a possible victim's entity reaches
    /// another organisation only with the victim's consent covering it (checked again at every
    /// read, so that a withdrawal takes effect at once).
    pub async fn set_entity_distribution(
        &self,
        id: Uuid,
        to: Distribution,
        partners: Vec<OrgId>,
    ) -> Result<()> {
        let target = Some(("entity", id.to_string()));
        let Some(e) = self.load_entity(id).await? else {
            self.authorize_granted(Action::ReportTriage, self.principal.org_id, &[], target)
                .await?;
            return Err(StoreError::NotFound);
        };
        self.authorize_granted(Action::ReportTriage, e.org_id, &[], target.clone())
            .await?;
        let may_widen = self.principal.may(Action::DistributionWiden);
        let effective_from = self
            .widening_base("entity", id, e.distribution, &partners)
            .await?;
        self.check_partners(to, &partners).await?;
        let consent =
            if e.role == EntityRole::PossibleVictim && to.rank() > Distribution::Own.rank() {
                let mut recipients = partners.clone();
                recipients.extend(self.entity_recipients(&e, to).await?);
                self.victim_sharing(&e, &recipients).await?.is_ok()
            } else {
                true
            };
        if let Err(refusal) =
            check_distribution_change(effective_from, to, Some(e.role), may_widen, consent)
        {
            return Err(self.refuse_distribution("entity", id, refusal).await?);
        }
        let mut tx = self.store.db().begin_write().await?;
        sqlx::query("UPDATE info_entities SET distribution = $1 WHERE id = $2")
            .bind(to.as_str())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        self.replace_shares(&mut tx, "entity", id, e.org_id, &partners)
            .await?;
        let ev = self.ok_event(
            "entity.distribution",
            "entity",
            id,
            format!(
                "from={} to={} partners={}",
                e.distribution.as_str(),
                to.as_str(),
                partners.len()
            ),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(())
    }
}
