//! "Shared with us": the entities other organisations let the principal's organisation read.
//!
//! An organisation may share one entity on its own (its own distribution level: named
//! partners, the network, a law-enforcement liaison) without its report; the recipient then has
//! no report to reach it from. This list shows every entity the reader's organisation may read
//! and does not own, decided exactly as reading one entity ([`Access::get_entity`]): the
//! entity's own level and named organisations, a possible victim's consent on the linked case
//! (asked again now), its retention time, and offenders' data only with `SuspectRead`.

use std::collections::HashMap;

use ally_core::OrgId;
use ally_core::audit::AuditOutcome;
use ally_core::authz::Action;
use serde::Serialize;

use super::rows::{ENTITY_COLS, EntityView, sealed_entity};
use crate::access::Page;
use crate::{Result, now_ms};

crate::foundation::access::access_handle!(
    /// What other organisations' distribution levels let the caller read.
    SharedEntities,
    shared_with_us
);

/// One entity another organisation shares with the reader's.
#[derive(Clone, Serialize)]
pub struct SharedEntity {
    /// The shared entity (offenders' values withheld without `SuspectRead`).
    pub entity: EntityView,
    /// The owning organisation's name (whom to contact).
    pub owner_name: String,
}

impl std::fmt::Debug for SharedEntity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedEntity")
            .field("entity", &self.entity)
            .finish_non_exhaustive()
    }
}

/// One page of the "shared with us" list, newest first.
#[derive(Debug, Clone, Serialize)]
pub struct SharedEntityPage {
    /// The entities on this page.
    pub items: Vec<SharedEntity>,
    /// Rows skipped before this page.
    pub offset: i64,
    /// The page's size.
    pub limit: i64,
    /// Whether more entities follow.
    pub has_more: bool,
}

/// Candidate rows read per query while filling a page.
const BATCH: i64 = 200;

impl SharedEntities<'_> {
    /// The entities other organisations share with the principal's organisation, newest
    /// first, one page at a time. Candidates come from the entity's level in SQL (named on the
    /// entity or on one of its reports from `partners` on, a fellow network member from
    /// `network` on); each is then decided by the same rule as reading it alone, so a lowered
    /// level, a withdrawn consent or an ended retention removes it at once. Audited with the
    /// page's offset and count.
    pub async fn shared_entities(&self, page: Page) -> Result<SharedEntityPage> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::ReportRead, org, &[], None)
            .await?;
        // Offenders' entities are read only with `SuspectRead` (as `get_entity` requires).
        let suspects = if self.principal.may(Action::SuspectRead) {
            ""
        } else {
            "AND suspect = 0"
        };
        let sql = format!(
            "SELECT {ENTITY_COLS} FROM info_entities WHERE org_id <> $1 AND retain_until >= $2 {suspects} \
               AND distribution IN ('partners', 'network', 'law_enforcement') AND ( \
                 id IN (SELECT record_id FROM info_shares WHERE record_kind = 'entity' AND to_org = $1) \
                 OR id IN (SELECT re.entity_id FROM info_report_entities re JOIN info_shares s \
                     ON s.record_kind = 'report' AND s.record_id = re.report_id WHERE s.to_org = $1) \
                 OR (distribution IN ('network', 'law_enforcement') AND ( \
                     org_id IN (SELECT m.member_id FROM network_members m WHERE m.network_id IN \
                         (SELECT network_id FROM network_members WHERE member_id = $1)) \
                     OR org_id IN (SELECT member_id FROM network_members WHERE network_id = $1)))) \
             ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4"
        );
        let now = now_ms();
        let mut items = Vec::new();
        let mut readable = 0i64;
        let mut has_more = false;
        let mut names: HashMap<OrgId, String> = HashMap::new();
        let mut scanned = 0i64;
        'scan: loop {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(org.to_string())
                .bind(now)
                .bind(BATCH)
                .bind(scanned)
                .fetch_all(&self.store.db().pool)
                .await?;
            for row in &rows {
                // Decided on the clear columns; only an entity of the page shown is opened.
                let e = sealed_entity(row)?;
                if !self.may_read_entity(&e).await? {
                    continue;
                }
                readable += 1;
                if readable <= page.offset {
                    continue;
                }
                if items.len() as i64 == page.limit {
                    has_more = true;
                    break 'scan;
                }
                let owner_name = match names.get(&e.org_id) {
                    Some(n) => n.clone(),
                    None => {
                        let n = self
                            .org_name(&e.org_id.to_string())
                            .await?
                            .unwrap_or_default();
                        names.insert(e.org_id, n.clone());
                        n
                    }
                };
                let e = e.open(self.store).await?;
                items.push(SharedEntity {
                    entity: e.view(self.principal.may(Action::SuspectRead)),
                    owner_name,
                });
            }
            if (rows.len() as i64) < BATCH {
                break;
            }
            scanned += BATCH;
        }
        let detail = format!("offset={} count={}", page.offset, items.len());
        self.record(self.event("entity.shared_list", None, AuditOutcome::Success, detail))
            .await?;
        Ok(SharedEntityPage {
            items,
            offset: page.offset,
            limit: page.limit,
            has_more,
        })
    }
}
