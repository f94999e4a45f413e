//! Helpers shared by the protection module's aggregate files: dates as stored (ISO text),
//! the associated data of sealed values, the text forms of field-group and organisation sets,
//! validation errors, the names of users and the identities of persons a case shows.

use std::collections::BTreeSet;

use ally_core::person::{FieldError, PersonIdentity};
use ally_core::protection::FieldGroup;
use ally_core::{OrgId, PersonId};
use time::Date;

use crate::access::person_aad;
use crate::{Access, StoreError};

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

impl Access<'_> {
    /// The display names of users, in the order of `ids` (empty for an unknown user).
    pub(crate) async fn user_names(&self, ids: &[String]) -> crate::Result<Vec<String>> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let name: Option<String> =
                sqlx::query_scalar("SELECT display_name FROM users WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.store.db().pool)
                    .await?;
            out.push(name.unwrap_or_default());
        }
        Ok(out)
    }

    /// The identity of a person record of `org`, opened with its key (not authorised, not
    /// audited: callers do both).
    pub(crate) async fn person_identity(
        &self,
        org: OrgId,
        id: PersonId,
    ) -> crate::Result<Option<PersonIdentity>> {
        let sealed: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT sealed FROM persons WHERE id = $1 AND org_id = $2")
                .bind(id.to_string())
                .bind(org.to_string())
                .fetch_optional(&self.store.db().pool)
                .await?;
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        let keys = self.store.org_keys(org).await?;
        let plain = zeroize::Zeroizing::new(keys.open(&person_aad(org, id), &sealed)?);
        Ok(Some(
            serde_json::from_slice(&plain).map_err(|_| StoreError::Corrupt("identity"))?,
        ))
    }
}
