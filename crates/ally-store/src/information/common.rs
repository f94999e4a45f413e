//! Small helpers shared by the information module's aggregate files: associated data of
//! sealed records, error shapes, column parsing, the public form's audit event, dates.

use ally_core::OrgId;
use ally_core::audit::{AuditEvent, AuditOutcome};
use ally_core::authz::{Action, Denied, Grant};
use ally_core::information::DistributionRefused;
use ally_core::person::FieldError;
use sqlx::Row;
use uuid::Uuid;

use crate::{Result, StoreError, now_ms};

pub(super) fn report_aad(org: OrgId, id: Uuid) -> String {
    format!("info-report:{org}:{id}")
}
pub(super) fn entity_aad(org: OrgId, id: Uuid) -> String {
    format!("info-entity:{org}:{id}")
}
pub(super) fn operation_aad(org: OrgId, id: Uuid) -> String {
    format!("info-operation:{org}:{id}")
}

pub(super) fn invalid(field: &'static str, code: &'static str) -> StoreError {
    StoreError::Invalid(vec![FieldError { field, code }])
}

pub(super) fn refused(r: DistributionRefused) -> StoreError {
    match r {
        DistributionRefused::WidenNeedsCoordinator => {
            StoreError::Denied(Denied::RoleLacksPermission(Action::DistributionWiden))
        }
        DistributionRefused::VictimConsentRequired => {
            invalid("distribution", "victim_consent_required")
        }
    }
}

pub(super) fn uuid_col(row: &sqlx::any::AnyRow, c: &str) -> Result<Uuid> {
    row.try_get::<String, _>(c)?
        .parse()
        .map_err(|_| StoreError::Corrupt("malformed id in database"))
}

pub(super) fn parse_code<T>(s: &str, f: impl Fn(&str) -> Option<T>) -> Result<T> {
    f(s).ok_or(StoreError::Corrupt("information code"))
}

pub(super) fn public_event(
    action: &str,
    org: OrgId,
    target: Option<String>,
    detail: String,
) -> AuditEvent {
    AuditEvent {
        at_ms: now_ms(),
        actor_user: None,
        org: Some(org.to_string()),
        action: action.to_owned(),
        target_kind: target.as_ref().map(|_| "report".to_owned()),
        target_id: target,
        outcome: AuditOutcome::Success,
        detail,
        // Never the client address: public reporters stay anonymous.
        client: None,
    }
}

pub(super) fn grants_as(grants: &[Grant], action: Action) -> Vec<Grant> {
    grants
        .iter()
        .map(|g| Grant {
            to_org: g.to_org,
            action,
        })
        .collect()
}

pub(super) fn crate_date(ms: i64) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::OffsetDateTime::from_unix_timestamp(ms / 1000)
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_default()
}
