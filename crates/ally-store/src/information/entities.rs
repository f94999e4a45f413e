//! Entities: one entity with its reports and links, and the link from a possible victim's
//! entity to the protection case whose consent governs its sharing.

use ally_core::OrgId;
use ally_core::audit::AuditOutcome;
use ally_core::authz::Action;
use ally_core::information::EntityRole;
use ally_core::protection::CaseId;
use serde::Serialize;
use uuid::Uuid;

use super::{
    common::{grants_as, invalid},
    links::LinkView,
    rows::{EntityView, REPORT_COLS, ReportSummary, SealedEntity, sealed_report, summary},
};
use crate::access::Access;
use crate::{Result, StoreError, now_ms};

crate::foundation::access::access_handle!(
    /// The entities named in reports (persons, companies, phones, accounts, places...) and what the caller may see of them.
    Entities,
    entities
);

/// An entity with the reports it appears in and its links.
#[derive(Debug, Clone, Serialize)]
pub struct EntityPage {
    /// The entity itself (value withheld for an offender's role without `SuspectRead`).
    pub entity: EntityView,
    /// The reports the entity appears in that the reader may read.
    pub reports: Vec<ReportSummary>,
    /// Links with the entity on the other side (withheld values stay withheld).
    pub links: Vec<(LinkView, EntityView)>,
    /// For a possible victim: the protection case whose consent governs sharing (owner only).
    pub victim_case: Option<Uuid>,
    /// Organisations named on the entity itself (owner only; its reports' named ones also
    /// read it from `partners` on).
    pub shared_with: Vec<OrgId>,
}

impl Access<'_> {
    /// A possible victim's entity of the principal's own organisation, readable by it.
    pub(super) async fn victim_entity_for_link(&self, entity: Uuid) -> Result<SealedEntity> {
        let target = Some(("entity", entity.to_string()));
        let Some(e) = self.load_entity(entity).await? else {
            self.authorize_granted(Action::ReportRead, self.principal.org_id, &[], target)
                .await?;
            return Err(StoreError::NotFound);
        };
        self.authorize_granted(Action::ReportRead, e.org_id, &[], target)
            .await?;
        self.authorize_granted(Action::CaseRead, e.org_id, &[], None)
            .await?;
        if e.role != EntityRole::PossibleVictim {
            return Err(invalid("entity", "not_a_possible_victim"));
        }
        Ok(e)
    }
}

impl Entities<'_> {
    /// An entity, the reports it appears in (that the principal may read) and its links.
    /// Offenders' entities need `SuspectRead`.
    pub async fn get_entity(&self, id: Uuid) -> Result<EntityPage> {
        let target = Some(("entity", id.to_string()));
        let Some(e) = self.load_entity(id).await? else {
            self.authorize_granted(Action::ReportRead, self.principal.org_id, &[], target)
                .await?;
            return Err(StoreError::NotFound);
        };
        // The entity's own level decides (for a possible victim, with the victim's consent),
        // on its clear columns: nothing is opened before the reader is authorised.
        let grants = self.entity_grants(&e).await?;
        self.authorize_granted(Action::ReportRead, e.org_id, &grants, target.clone())
            .await?;
        if e.role.is_suspect() {
            self.authorize_granted(
                Action::SuspectRead,
                e.org_id,
                &grants_as(&grants, Action::SuspectRead),
                target.clone(),
            )
            .await?;
        }
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REPORT_COLS} FROM info_reports WHERE id IN \
               (SELECT report_id FROM info_report_entities WHERE entity_id = $1) ORDER BY created_at DESC"
        )))
        .bind(id.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let mut reports = Vec::new();
        for r in &rows {
            let rep = sealed_report(r)?;
            if self.may_read_report(&rep).await? {
                reports.push(summary(&rep.open(self.store).await?));
            }
        }
        let may_suspect = self.principal.may(Action::SuspectRead);
        let own = e.org_id == self.principal.org_id;
        let links = if own {
            self.links_of(id, may_suspect).await?
        } else {
            Vec::new()
        };
        let (victim_case, shared_with) = if own {
            (
                self.victim_case(&e).await?.map(|c| c.as_uuid()),
                self.shares("entity", id).await?,
            )
        } else {
            (None, Vec::new())
        };
        self.record(self.event("entity.read", target, AuditOutcome::Success, String::new()))
            .await?;
        let e = e.open(self.store).await?;
        Ok(EntityPage {
            entity: e.view(may_suspect),
            reports,
            links,
            victim_case,
            shared_with,
        })
    }

    /// Links a possible victim's entity to a protection case of the same organisation, whose
    /// consents and legal bases then decide whether the entity (and the reports naming it) may
    /// reach other organisations. Only someone allowed to read both may link.
    pub async fn link_victim_case(&self, entity: Uuid, case: CaseId) -> Result<()> {
        let e = self.victim_entity_for_link(entity).await?;
        let c = self.case_for(case, Action::CaseRead).await?;
        if c.org_id != e.org_id {
            return Err(StoreError::NotFound);
        }
        let mut tx = self.store.db().begin_write().await?;
        sqlx::query("DELETE FROM info_victim_cases WHERE entity_id = $1")
            .bind(entity.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO info_victim_cases (entity_id, org_id, case_id, linked_by, linked_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(entity.to_string())
        .bind(e.org_id.to_string())
        .bind(case.to_string())
        .bind(self.principal.user_id.to_string())
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        let ev = self.ok_event(
            "entity.victim_link",
            "entity",
            entity,
            format!("case={case}"),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(())
    }

    /// Removes the link to the protection case: other organisations lose access at once.
    pub async fn unlink_victim_case(&self, entity: Uuid) -> Result<()> {
        self.victim_entity_for_link(entity).await?;
        let mut tx = self.store.db().begin_write().await?;
        sqlx::query("DELETE FROM info_victim_cases WHERE entity_id = $1")
            .bind(entity.to_string())
            .execute(&mut *tx)
            .await?;
        let ev = self.ok_event("entity.victim_unlink", "entity", entity, String::new());
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(())
    }
}
