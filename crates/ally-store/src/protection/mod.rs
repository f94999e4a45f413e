//! Storage of the protection module (issue 4): protection cases, services, consent, referrals,
//! proceedings, deadlines, the organisation directory, erasure and retention.
//! Everything here is an `impl Access` block: authorised by `ally_core::authz` (with the grants
//! that referrals give, see [`Access::case_grants`]), audited, and encrypted like the
//! foundation's person records (free text sealed with the lead organisation's key, bound to the
//! record by its associated data).
//!
//! Submodules: [`model`] (the values), [`cases`] (cases, plan, services, proceedings),
//! [`sharing`] (consent, referrals, grants), [`directory`], [`lifecycle`] (erasure, retention,
//! dossier data).

mod bench;
mod cases;
mod directory;
mod lifecycle;
pub mod model;
mod sharing;
mod transfer;

use std::collections::BTreeSet;

use ally_core::OrgId;
use ally_core::person::FieldError;
use ally_core::protection::FieldGroup;
use time::Date;

use crate::StoreError;

pub use bench::BenchSeeded;
pub use cases::PERSON_ROLES;
pub use model::*;

pub(crate) fn today() -> Date {
    time::OffsetDateTime::now_utc().date()
}

/// ISO date text (sorts as text).
pub(crate) fn d2s(d: Date) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    d.format(&fmt).unwrap_or_default()
}

/// Parses an ISO date (`YYYY-MM-DD`).
pub fn parse_date(s: &str) -> Option<Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), &fmt).ok()
}

pub(crate) fn col_date(s: &str) -> Result<Date, StoreError> {
    parse_date(s).ok_or(StoreError::Corrupt("date"))
}

pub(crate) fn opt_date(s: Option<String>) -> Result<Option<Date>, StoreError> {
    s.map(|s| col_date(&s)).transpose()
}

pub(crate) fn invalid(field: &'static str, code: &'static str) -> StoreError {
    StoreError::Invalid(vec![FieldError { field, code }])
}

pub(crate) fn groups_to_text(g: &BTreeSet<FieldGroup>) -> String {
    g.iter().map(|g| g.as_str()).collect::<Vec<_>>().join(",")
}

pub(crate) fn groups_from_text(s: &str) -> BTreeSet<FieldGroup> {
    s.split(',').filter_map(FieldGroup::parse).collect()
}

pub(crate) fn orgs_to_text(o: &BTreeSet<OrgId>) -> String {
    o.iter()
        .map(|o| o.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

pub(crate) fn orgs_from_text(s: &str) -> BTreeSet<OrgId> {
    s.split(',').filter_map(|x| x.parse().ok()).collect()
}

/// The associated data binding a sealed value to its record.
pub(crate) fn aad(kind: &str, org: OrgId, id: &str) -> String {
    format!("{kind}:{org}:{id}")
}

/// The retention periods applied by the scheduled job (days after closure): cases ten years.
pub fn default_retention() -> ally_core::protection::RetentionPolicy {
    use ally_core::protection::{RecordType, RetentionPolicy};
    RetentionPolicy::new().with(RecordType::Case, 3650)
}

impl crate::Store {
    /// The id of the user with this e-mail (operator tooling and the demo).
    pub async fn user_id_operator(&self, email: &str) -> crate::Result<Option<ally_core::UserId>> {
        let id: Option<String> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(email.trim().to_lowercase())
            .fetch_optional(&self.db().pool)
            .await?;
        Ok(id.and_then(|s| s.parse().ok()))
    }
}
