//! Organisations: the principal's own organisation (its settings, such as the second-factor
//! requirement) and the directory of organisations it shares a network with. Nothing here is
//! sealed. Reads are guarded by `OrgRead` and audited (`org.read`, `org.directory`, ids and
//! counts only); the settings by `OrgManage` (`config.second_factor`).

use ally_core::OrgId;
use ally_core::audit::AuditOutcome;
use ally_core::authz::Action;
use ally_core::org::{OrgKind, Organisation};
use sqlx::Row;

use super::access::{OrgSummary, parse_id};
use crate::db::Db;
use crate::{Result, StoreError};

crate::foundation::access::access_handle!(
    /// The caller's organisation and the directory of organisations it can see.
    Organisations,
    organisations
);

/// An organisation with its settings and the networks it belongs to (no authorisation: callers
/// authorise, or are the operator).
pub(crate) async fn load_organisation(db: &Db, org: OrgId) -> Result<Organisation> {
    let r = sqlx::query(
        "SELECT id, name, kind, require_second_factor FROM organisations WHERE id = $1",
    )
    .bind(org.to_string())
    .fetch_optional(&db.pool)
    .await?
    .ok_or(StoreError::NotFound)?;
    let networks = sqlx::query("SELECT network_id FROM network_members WHERE member_id = $1")
        .bind(org.to_string())
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| {
            r.try_get::<String, _>("network_id")
                .map_err(StoreError::from)
                .and_then(|s| s.parse().map_err(|_| StoreError::Corrupt("org id")))
        })
        .collect::<Result<Vec<OrgId>>>()?;
    let kind: String = r.try_get("kind")?;
    Ok(Organisation {
        id: org,
        name: r.try_get("name")?,
        kind: OrgKind::parse(&kind).ok_or(StoreError::Corrupt("organisation kind"))?,
        require_second_factor: r.try_get::<i64, _>("require_second_factor")? != 0,
        networks,
    })
}

impl Organisations<'_> {
    /// The principal's own organisation: name, kind, second-factor requirement and the
    /// networks it belongs to. Needs `OrgRead`; audited as `org.read`.
    pub async fn organisation(&self) -> Result<Organisation> {
        let org = self.principal.org_id;
        self.authorize(Action::OrgRead, org, None).await?;
        let organisation = load_organisation(self.store.db(), org).await?;
        self.record(self.event(
            "org.read",
            Some(("organisation", org.to_string())),
            AuditOutcome::Success,
            String::new(),
        ))
        .await?;
        Ok(organisation)
    }

    /// The directory: the principal's organisation and the members of its networks.
    pub async fn directory(&self) -> Result<Vec<OrgSummary>> {
        let org = self.principal.org_id;
        self.authorize(Action::OrgRead, org, None).await?;
        let rows = sqlx::query(
            "SELECT DISTINCT o.id, o.name, o.kind FROM organisations o WHERE o.id = $1 \
             OR o.id IN (SELECT m.member_id FROM network_members m WHERE m.network_id IN \
                 (SELECT network_id FROM network_members WHERE member_id = $1) OR m.network_id = $1) \
             OR o.id IN (SELECT network_id FROM network_members WHERE member_id = $1) \
             ORDER BY o.name",
        )
        .bind(org.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let directory = rows
            .iter()
            .map(|r| {
                let kind: String = r.try_get("kind")?;
                Ok(OrgSummary {
                    id: parse_id(&r.try_get::<String, _>("id")?)?,
                    name: r.try_get("name")?,
                    kind: OrgKind::parse(&kind).ok_or(StoreError::Corrupt("organisation kind"))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let detail = format!("count={}", directory.len());
        self.record(self.event("org.directory", None, AuditOutcome::Success, detail))
            .await?;
        Ok(directory)
    }

    /// Turns the second-factor requirement on or off for the principal's organisation.
    pub async fn set_second_factor_required(&self, required: bool) -> Result<()> {
        let org = self.principal.org_id;
        self.authorize(
            Action::OrgManage,
            org,
            Some(("organisation", org.to_string())),
        )
        .await?;
        let db = self.store.db();
        let mut tx = db.begin_write().await?;
        sqlx::query("UPDATE organisations SET require_second_factor = $1 WHERE id = $2")
            .bind(i64::from(required))
            .bind(org.to_string())
            .execute(&mut *tx)
            .await?;
        let ev = self.event(
            "config.second_factor",
            Some(("organisation", org.to_string())),
            AuditOutcome::Success,
            format!("required={required}"),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(())
    }
}
