//! Entity resolution: suggested links between entities (exact blind-index keys, fuzzy names),
//! the analysts' decisions on them, and the links shown on a report.

use std::collections::BTreeMap;

use ally_core::OrgId;
use ally_core::audit::AuditOutcome;
use ally_core::authz::Action;
use ally_core::information::EntityKind;
use serde::Serialize;
use sqlx::Row;
use uuid::Uuid;

use super::{
    common::{parse_code, uuid_col},
    keys::{decode_contributions, encode_contributions, name_contributions},
    rows::{ENTITY_COLS, EntityRow, EntityView, entity_from_row},
};
use crate::access::{Access, id_col};
use crate::{Result, StoreError, now_ms};

crate::foundation::access::access_handle!(
    /// Links between entities: suggested matches and the decisions on them.
    Links,
    links
);

/// A fuzzy name link is suggested from this match weight (log2 odds) on.
pub(super) const FUZZY_THRESHOLD: f64 = 4.0;

/// A suggested link: method, match weight, field contributions.
pub(super) type Suggestion = (String, f64, Vec<(String, f64)>);

/// Where a link between two entities stands: suggested by the matcher, or decided by a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkStatus {
    /// Proposed by the matcher (exact key or fuzzy name); awaits a decision.
    Suggested,
    /// Confirmed by a person holding `EntityLink`: the same real-world entity.
    Confirmed,
    /// Rejected by a person: not the same; kept so that it is not suggested again.
    Rejected,
}

impl LinkStatus {
    /// The code as stored: `suggested`, `confirmed` or `rejected`.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkStatus::Suggested => "suggested",
            LinkStatus::Confirmed => "confirmed",
            LinkStatus::Rejected => "rejected",
        }
    }
    fn parse(s: &str) -> Option<LinkStatus> {
        [
            LinkStatus::Suggested,
            LinkStatus::Confirmed,
            LinkStatus::Rejected,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// A suggested or decided link between two entities, with each field's contribution.
#[derive(Debug, Clone, Serialize)]
pub struct LinkView {
    /// The link's id.
    pub id: Uuid,
    /// One entity of the pair.
    pub entity_a: Uuid,
    /// The other entity of the pair.
    pub entity_b: Uuid,
    /// Where the link stands.
    pub status: LinkStatus,
    /// `exact` (same blind-index key) or `fuzzy` (name comparison).
    pub method: String,
    /// Match probability in per mille.
    pub score: i64,
    /// (field, weight in log2 odds): the explanation of the score.
    pub contributions: Vec<(String, f64)>,
}

impl Access<'_> {
    /// Suggests links between `entities` and the organisation's other entities: exact matches
    /// of blind-index keys (phones, accounts, handles, plates, names), and fuzzy matches of
    /// person and company names scored field by field on the decrypted values in memory.
    /// Existing links (suggested, confirmed or rejected) are left as they are, so analysts'
    /// decisions hold across runs.
    pub(super) async fn suggest_links(&self, org: OrgId, entities: &[Uuid]) -> Result<usize> {
        if entities.is_empty() {
            return Ok(0);
        }
        let pool = &self.store.db().pool;
        let mut found: BTreeMap<(Uuid, Uuid), Suggestion> = BTreeMap::new();
        let mut fuzzy_pool: Option<Vec<EntityRow>> = None;
        for &eid in entities {
            let Some(e) = self.load_entity(eid).await? else {
                continue;
            };
            let rows = sqlx::query(
                "SELECT DISTINCT k2.entity_id FROM info_entity_keys k1 JOIN info_entity_keys k2 \
                   ON k2.org_id = k1.org_id AND k2.key = k1.key \
                 WHERE k1.entity_id = $1 AND k1.org_id = $2 AND k2.entity_id <> $1",
            )
            .bind(eid.to_string())
            .bind(org.to_string())
            .fetch_all(pool)
            .await?;
            for r in &rows {
                let other = uuid_col(r, "entity_id")?;
                let pair = if eid < other {
                    (eid, other)
                } else {
                    (other, eid)
                };
                let w = (0.99f64 / 0.0001).log2();
                found.insert(
                    pair,
                    (
                        "exact".to_owned(),
                        w,
                        vec![(format!("{}_key", e.kind.as_str()), w)],
                    ),
                );
            }
            if matches!(e.kind, EntityKind::Person | EntityKind::Company) {
                // The organisation's own entities, compared by value: opened for the system's
                // resolution run, never for a reader.
                let e = e.open(self.store).await?;
                if fuzzy_pool.is_none() {
                    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT {ENTITY_COLS} FROM info_entities WHERE org_id = $1 AND kind IN ('person', 'company')"
                    )))
                    .bind(org.to_string())
                    .fetch_all(pool)
                    .await?;
                    let mut v = Vec::new();
                    for r in &rows {
                        v.push(entity_from_row(self.store, r).await?);
                    }
                    fuzzy_pool = Some(v);
                }
                for o in fuzzy_pool.iter().flatten() {
                    if o.id == eid || o.kind != e.kind {
                        continue;
                    }
                    let pair = if eid < o.id { (eid, o.id) } else { (o.id, eid) };
                    if found.contains_key(&pair) {
                        continue;
                    }
                    let c = name_contributions(e.kind, &e.value, &o.value);
                    let w: f64 = c.iter().map(|(_, w)| w).sum();
                    if w >= FUZZY_THRESHOLD {
                        found.insert(pair, ("fuzzy".to_owned(), w, c));
                    }
                }
            }
        }
        if found.is_empty() {
            return Ok(0);
        }
        let mut tx = self.store.db().begin_write().await?;
        let mut n = 0;
        for ((a, b), (method, w, c)) in &found {
            let score = (ally_linkage::fellegi_sunter::probability(*w) * 1000.0).round() as i64;
            let done = sqlx::query(
                "INSERT INTO info_links (id, org_id, entity_a, entity_b, status, method, score, explanation, created_at) \
                 VALUES ($1, $2, $3, $4, 'suggested', $5, $6, $7, $8) ON CONFLICT (org_id, entity_a, entity_b) DO NOTHING",
            )
            .bind(Uuid::now_v7().to_string())
            .bind(org.to_string())
            .bind(a.to_string())
            .bind(b.to_string())
            .bind(method)
            .bind(score)
            .bind(encode_contributions(c))
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
            n += done.rows_affected() as usize;
        }
        let ev = self.event(
            "link.suggest",
            None,
            AuditOutcome::Success,
            format!("count={n}"),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(n)
    }

    pub(super) fn link_from_row(row: &sqlx::any::AnyRow) -> Result<LinkView> {
        Ok(LinkView {
            id: uuid_col(row, "id")?,
            entity_a: uuid_col(row, "entity_a")?,
            entity_b: uuid_col(row, "entity_b")?,
            status: parse_code(&row.try_get::<String, _>("status")?, LinkStatus::parse)?,
            method: row.try_get("method")?,
            score: row.try_get("score")?,
            contributions: decode_contributions(&row.try_get::<String, _>("explanation")?),
        })
    }

    pub(super) async fn links_of(
        &self,
        entity: Uuid,
        may_suspect: bool,
    ) -> Result<Vec<(LinkView, EntityView)>> {
        let rows = sqlx::query(
            "SELECT id, entity_a, entity_b, status, method, score, explanation FROM info_links \
             WHERE org_id = $1 AND (entity_a = $2 OR entity_b = $2) ORDER BY score DESC, id",
        )
        .bind(self.principal.org_id.to_string())
        .bind(entity.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let l = Self::link_from_row(r)?;
            let other = if l.entity_a == entity {
                l.entity_b
            } else {
                l.entity_a
            };
            if let Some(o) = self.load_entity(other).await? {
                out.push((l, o.open(self.store).await?.view(may_suspect)));
            }
        }
        Ok(out)
    }
}

impl Links<'_> {
    /// Runs entity resolution again for every entity of a report (e.g. after new reports).
    pub async fn resolve_report(&self, id: Uuid) -> Result<usize> {
        let target = Some(("report", id.to_string()));
        let Some(r) = self.load_report(id).await? else {
            self.authorize_granted(Action::EntityLink, self.principal.org_id, &[], target)
                .await?;
            return Err(StoreError::NotFound);
        };
        self.authorize_granted(Action::EntityLink, r.org_id, &[], target)
            .await?;
        let ids: Vec<Uuid> = self
            .report_entities(id)
            .await?
            .iter()
            .map(|e| e.id)
            .collect();
        self.suggest_links(r.org_id, &ids).await
    }

    /// Links touching the entities of a report (for the report page): (link, this side, other).
    pub async fn report_links(&self, id: Uuid) -> Result<Vec<(LinkView, EntityView, EntityView)>> {
        let view = self.reports().get_report(id).await?;
        if view.org_id != self.principal.org_id {
            return Ok(Vec::new());
        }
        let may_suspect = self.principal.may(Action::SuspectRead);
        let mut out = Vec::new();
        for e in &view.entities {
            for (l, other) in self.links_of(e.id, may_suspect).await? {
                out.push((l, e.clone(), other));
            }
        }
        Ok(out)
    }

    /// Confirms or rejects a suggested link; the decision is kept and later runs respect it.
    pub async fn decide_link(&self, id: Uuid, confirm: bool) -> Result<()> {
        let target = Some(("link", id.to_string()));
        let row = sqlx::query("SELECT org_id FROM info_links WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.store.db().pool)
            .await?;
        let Some(row) = row else {
            self.authorize_granted(Action::EntityLink, self.principal.org_id, &[], target)
                .await?;
            return Err(StoreError::NotFound);
        };
        let owner: OrgId = id_col(&row, "org_id")?;
        self.authorize_granted(Action::EntityLink, owner, &[], target)
            .await?;
        let status = if confirm {
            LinkStatus::Confirmed
        } else {
            LinkStatus::Rejected
        };
        let mut tx = self.store.db().begin_write().await?;
        sqlx::query(
            "UPDATE info_links SET status = $1, decided_by = $2, decided_at = $3 WHERE id = $4",
        )
        .bind(status.as_str())
        .bind(self.principal.user_id.to_string())
        .bind(now_ms())
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        let ev = self.ok_event("link.decide", "link", id, status.as_str().to_owned());
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(())
    }
}
