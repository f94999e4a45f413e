//! The audit view: an organisation's audit events, filtered and paged, for its auditors.
//! Guarded by `AuditRead`; each listing is itself audited (`audit.read`, with the count).
//! Appending to the log and verifying its chain are `audit.rs`'s.

use ally_core::audit::{AuditOutcome, ChainedEvent};
use ally_core::authz::Action;
use sqlx::Row;

use super::audit::{self, AuditQuery};
use crate::Result;

crate::foundation::access::access_handle!(
    /// The caller's organisation's audit log.
    AuditLog,
    audit_log
);

/// Filter for the audit view: every field set must match exactly; `None` matches all.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only events by this user (user id, UUID text).
    pub actor_user: Option<String>,
    /// Only events on this target (the record's id as text).
    pub target_id: Option<String>,
    /// Only events of this action name (e.g. `person.read`).
    pub action: Option<String>,
    /// Only events older than this chain sequence number (to page back from the last event
    /// shown).
    pub before_seq: Option<i64>,
}

impl AuditLog<'_> {
    /// The caller's organisation's audit events matching `filter`, newest (highest sequence)
    /// first, at most `limit` (clamped to 1..=200). Needs `AuditRead`; the listing is itself
    /// audited as `audit.read` with the count.
    pub async fn audit_events(&self, filter: AuditFilter, limit: i64) -> Result<Vec<ChainedEvent>> {
        let org = self.principal.org_id;
        self.authorize(Action::AuditRead, org, None).await?;
        let q = AuditQuery {
            org: org.to_string(),
            actor_user: filter.actor_user,
            target_id: filter.target_id,
            action: filter.action,
            before_seq: filter.before_seq,
            limit: limit.clamp(1, 200),
        };
        let events = audit::query(self.store.db(), &q).await?;
        let detail = format!("count={}", events.len());
        self.record(self.event("audit.read", None, AuditOutcome::Success, detail))
            .await?;
        Ok(events)
    }

    /// Audit events with the display names of the organisation's users (for the audit view:
    /// an auditor needs to know who acted, without the user-management permission).
    pub async fn audit_events_with_names(
        &self,
        filter: AuditFilter,
        limit: i64,
    ) -> Result<(Vec<ChainedEvent>, Vec<(String, String)>)> {
        let events = self.audit_events(filter, limit).await?;
        let rows = sqlx::query(
            "SELECT id, display_name FROM users WHERE org_id = $1 ORDER BY display_name",
        )
        .bind(self.principal.org_id.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let names = rows
            .iter()
            .map(|r| {
                Ok((
                    r.try_get::<String, _>("id")?,
                    r.try_get::<String, _>("display_name")?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((events, names))
    }
}
