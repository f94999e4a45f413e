//! Search of reports in every language over blinded tokens, limited to what the searcher may
//! read.

use std::collections::HashSet;

use ally_core::OrgId;
use ally_core::audit::AuditOutcome;
use ally_core::authz::Action;
use ally_core::information::ReportStatus;
use sqlx::Row;
use uuid::Uuid;

use super::{
    keys::{blind_search, query_tokens},
    rows::{ReportSummary, summary},
};
use crate::Result;
use crate::access::id_col;
crate::foundation::access::access_handle!(
    /// Search across the reports and entities the caller may read.
    Search,
    report_search
);

impl Search<'_> {
    /// Searches the reports the principal may read, in every language: the query's words are
    /// folded and transliterated like the indexed text, blinded with each visible organisation's
    /// key, and matched (all words) against the token table. Offenders' data is searched only
    /// with `SuspectRead`. The query is not audited (it may be a name); counts are.
    pub async fn search_reports(&self, query: &str) -> Result<Vec<ReportSummary>> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::ReportRead, org, &[], None)
            .await?;
        let mut tokens = query_tokens(query);
        tokens.truncate(8);
        if tokens.is_empty() {
            return Ok(Vec::new());
        }
        let domains: &[&str] = if self.principal.may(Action::SuspectRead) {
            &["text", "suspect"]
        } else {
            &["text"]
        };
        let mut orgs = vec![org];
        for p in self.network_peers(org).await? {
            if !orgs.contains(&p) {
                orgs.push(p);
            }
        }
        let shared = sqlx::query(
            "SELECT DISTINCT owner_org FROM info_shares WHERE record_kind = 'report' AND to_org = $1",
        )
        .bind(org.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        for r in &shared {
            let o: OrgId = id_col(r, "owner_org")?;
            if !orgs.contains(&o) {
                orgs.push(o);
            }
        }
        let mut out = Vec::new();
        let mut visible_entities: std::collections::HashMap<String, bool> =
            std::collections::HashMap::new();
        for o in orgs {
            let Ok(keys) = self.store.org_keys(o).await else {
                continue;
            };
            // Each query word must match in one of the domains.
            let mut ids: Option<HashSet<String>> = None;
            for t in &tokens {
                let blinded: Vec<Vec<u8>> =
                    domains.iter().map(|d| blind_search(&keys, d, t)).collect();
                let placeholders: Vec<String> =
                    (0..blinded.len()).map(|i| format!("${}", i + 2)).collect();
                let sql = format!(
                    "SELECT DISTINCT report_id FROM info_report_tokens WHERE org_id = $1 AND token IN ({})",
                    placeholders.join(", ")
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(o.to_string());
                for b in &blinded {
                    q = q.bind(b.clone());
                }
                let mut hits: HashSet<String> = q
                    .fetch_all(&self.store.db().pool)
                    .await?
                    .iter()
                    .map(|r| r.try_get::<String, _>("report_id"))
                    .collect::<std::result::Result<_, _>>()?;
                // Entity values count only where the searcher may read that entity (its own
                // level, and a possible victim's consent).
                let sql = format!(
                    "SELECT DISTINCT t.entity_id, re.report_id FROM info_entity_tokens t \
                     JOIN info_report_entities re ON re.entity_id = t.entity_id \
                     WHERE t.org_id = $1 AND t.token IN ({})",
                    placeholders.join(", ")
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(o.to_string());
                for b in blinded {
                    q = q.bind(b);
                }
                for r in q.fetch_all(&self.store.db().pool).await? {
                    let eid: String = r.try_get("entity_id")?;
                    let visible = match visible_entities.get(&eid) {
                        Some(v) => *v,
                        None => {
                            let v = o == org
                                || match eid.parse::<Uuid>().ok() {
                                    Some(u) => match self.load_entity(u).await? {
                                        Some(e) => self.may_read_entity(&e).await?,
                                        None => false,
                                    },
                                    None => false,
                                };
                            visible_entities.insert(eid.clone(), v);
                            v
                        }
                    };
                    if visible {
                        hits.insert(r.try_get("report_id")?);
                    }
                }
                ids = Some(match ids {
                    None => hits,
                    Some(prev) => prev.intersection(&hits).cloned().collect(),
                });
            }
            for id in ids.unwrap_or_default() {
                let Ok(uid) = id.parse::<Uuid>() else {
                    continue;
                };
                if let Some(rep) = self.load_report(uid).await?
                    && rep.status == ReportStatus::Accepted
                    && self.may_read_report(&rep).await?
                {
                    out.push(summary(&rep.open(self.store).await?));
                }
            }
        }
        out.sort_by_key(|r| std::cmp::Reverse(r.created_at_ms));
        let detail = format!("tokens={} count={}", tokens.len(), out.len());
        self.record(self.event("report.search", None, AuditOutcome::Success, detail))
            .await?;
        Ok(out)
    }
}
