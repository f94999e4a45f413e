//! The public report form: which organisation receives public reports (intake slugs, the
//! instance's default), the rate limit under a daily key, and filing an anonymous report.

use ally_core::OrgId;
use ally_core::audit::{AuditEvent, AuditOutcome};
use ally_core::authz::Action;
use ally_core::information::{Distribution, ReportStatus, Source, ValidReport};
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;
use sqlx::Row;
use uuid::Uuid;

use super::{
    common::{invalid, public_event},
    rows::insert_report,
};
use crate::access::id_col;
use crate::{Result, Store, StoreError, now_ms};

crate::foundation::access::access_handle!(
    /// The public anonymous report form's settings and the intake it receives.
    Intake,
    intake
);

/// Public submissions per client address (keyed hash) per hour.
pub const PUBLIC_PER_CLIENT_PER_HOUR: i64 = 5;
/// Public submissions per hour over the whole instance (also when no address is known).
pub const PUBLIC_GLOBAL_PER_HOUR: i64 = 300;
pub(super) const HOUR_MS: i64 = 60 * 60 * 1000;
pub(super) const DAY_MS: i64 = 24 * HOUR_MS;

/// Why a public report was not taken.
#[derive(Debug, thiserror::Error)]
pub enum PublicReportError {
    /// Too many public reports from this address lately (the intake's rate limit).
    #[error("too many reports from here; try again later")]
    RateLimited,
    /// No organisation receives public reports at the address used (`to` unknown, or no default).
    #[error("no organisation receives public reports at this address")]
    NoReceiver,
    /// A failure of the store.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for PublicReportError {
    fn from(e: sqlx::Error) -> Self {
        PublicReportError::Store(e.into())
    }
}

// ----- the public form (no principal) -----

impl Store {
    /// Makes `org` receive public reports at `/report?to=<slug>`; `is_default`: also those sent
    /// without `to` (one default at a time). Operator and demo use.
    pub async fn set_report_intake(&self, org: OrgId, slug: &str, is_default: bool) -> Result<()> {
        let slug = valid_slug(slug)?;
        let mut tx = self.db().begin_write().await?;
        if is_default {
            sqlx::query("UPDATE info_intake SET is_default = 0")
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM info_intake WHERE org_id = $1 OR slug = $2")
            .bind(org.to_string())
            .bind(&slug)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO info_intake (org_id, slug, is_default) VALUES ($1, $2, $3)")
            .bind(org.to_string())
            .bind(&slug)
            .bind(i64::from(is_default))
            .execute(&mut *tx)
            .await?;
        let ev = public_event("report.intake", org, None, format!("default={is_default}"));
        self.commit_audited(tx, &[ev]).await?;
        Ok(())
    }

    /// The organisation receiving public reports sent to `to` (or without `to`: the default).
    pub async fn report_receiver(&self, to: Option<&str>) -> Result<Option<(OrgId, String)>> {
        let row = match to.map(str::trim).filter(|s| !s.is_empty()) {
            Some(slug) => {
                sqlx::query(
                    "SELECT i.org_id, o.name FROM info_intake i JOIN organisations o ON o.id = i.org_id WHERE i.slug = $1",
                )
                .bind(slug.to_ascii_lowercase())
                .fetch_optional(&self.db().pool)
                .await?
            }
            None => {
                sqlx::query(
                    "SELECT i.org_id, o.name FROM info_intake i JOIN organisations o ON o.id = i.org_id WHERE i.is_default = 1",
                )
                .fetch_optional(&self.db().pool)
                .await?
            }
        };
        match row {
            None => Ok(None),
            Some(r) => Ok(Some((id_col(&r, "org_id")?, r.try_get("name")?))),
        }
    }

    /// Today's key of the rate limit's keyed hashes: random, wrapped by the master key, deleted
    /// the next day, so that yesterday's hashes cannot be reversed by trying every address.
    async fn intake_day_key(
        &self,
        tx: &mut sqlx::AnyConnection,
        day: i64,
    ) -> Result<zeroize::Zeroizing<[u8; 32]>> {
        let purpose = format!("intake-day:{day}");
        sqlx::query("DELETE FROM info_intake_keys WHERE day < $1")
            .bind(day)
            .execute(&mut *tx)
            .await?;
        let row = sqlx::query("SELECT wrapped FROM info_intake_keys WHERE day = $1")
            .bind(day)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(r) = row {
            let wrapped: Vec<u8> = r.try_get("wrapped")?;
            return Ok(self.keys().master().unwrap_key(&purpose, &wrapped)?);
        }
        let key = zeroize::Zeroizing::new(crate::crypto::random_bytes::<32>()?);
        let wrapped = self.keys().master().wrap(&purpose, &key)?;
        sqlx::query("INSERT INTO info_intake_keys (day, wrapped) VALUES ($1, $2)")
            .bind(day)
            .bind(wrapped)
            .execute(&mut *tx)
            .await?;
        Ok(key)
    }

    async fn hit(tx: &mut sqlx::AnyConnection, bucket: &str, window: i64) -> Result<i64> {
        sqlx::query(
            "INSERT INTO info_intake_rate (bucket, window_start, hits) VALUES ($1, $2, 1) \
             ON CONFLICT (bucket) DO UPDATE SET \
               hits = CASE WHEN info_intake_rate.window_start = excluded.window_start THEN info_intake_rate.hits + 1 ELSE 1 END, \
               window_start = excluded.window_start",
        )
        .bind(bucket)
        .bind(window)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query("SELECT hits FROM info_intake_rate WHERE bucket = $1")
            .bind(bucket)
            .fetch_one(&mut *tx)
            .await?;
        Ok(row.try_get("hits")?)
    }

    /// Files an anonymous public report into the receiving organisation's triage queue.
    /// `client` is used only for the rate limit, as a keyed hash under today's key; it is
    /// neither stored nor audited nor logged. Over the limit, nothing is written.
    pub async fn file_public_report(
        &self,
        to: Option<&str>,
        report: ValidReport,
        client: Option<&str>,
    ) -> Result<Uuid, PublicReportError> {
        let (org, _) = self
            .report_receiver(to)
            .await?
            .ok_or(PublicReportError::NoReceiver)?;
        let now = now_ms();
        let window = now - now.rem_euclid(HOUR_MS);
        let mut tx = self.db().begin_write().await?;
        sqlx::query("DELETE FROM info_intake_rate WHERE window_start < $1")
            .bind(window - HOUR_MS)
            .execute(&mut *tx)
            .await?;
        if let Some(addr) = client {
            let day = now.div_euclid(DAY_MS);
            let key = self.intake_day_key(&mut tx, day).await?;
            let mut m = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(key.as_slice())
                .map_err(|_| StoreError::Corrupt("intake key"))?;
            m.update(addr.as_bytes());
            let bucket = format!("c:{}", hex::encode(&m.finalize().into_bytes()[..16]));
            if Self::hit(&mut tx, &bucket, window).await? > PUBLIC_PER_CLIENT_PER_HOUR {
                drop(tx);
                return Err(PublicReportError::RateLimited);
            }
        }
        if Self::hit(&mut tx, "global", window).await? > PUBLIC_GLOBAL_PER_HOUR {
            drop(tx);
            return Err(PublicReportError::RateLimited);
        }
        let mut report = report;
        report.distribution = Distribution::Own;
        let (id, _) = insert_report(
            self,
            &mut tx,
            org,
            &report,
            Source::Public,
            ReportStatus::Triage,
            None,
        )
        .await?;
        let ev = public_event(
            "report.public",
            org,
            Some(id.to_string()),
            format!("entities={}", report.entities.len()),
        );
        self.commit_audited(tx, &[ev]).await?;
        Ok(id)
    }
}

/// A public intake slug: 3 to 40 of `a-z`, `0-9` and `-`, not starting or ending with `-`.
pub(super) fn valid_slug(slug: &str) -> Result<String> {
    let slug = slug.trim().to_ascii_lowercase();
    if !(3..=40).contains(&slug.len())
        || !slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        || slug.starts_with('-')
        || slug.ends_with('-')
    {
        return Err(invalid("slug", "invalid"));
    }
    Ok(slug)
}

impl Store {
    /// Makes the organisation with this intake slug the instance's default receiver of public
    /// reports (`/report` without `to`), or, with `None`, leaves the instance without one.
    /// Operator only (`ally intake default`).
    pub async fn set_default_report_intake(&self, slug: Option<&str>) -> Result<()> {
        let mut tx = self.db().begin_write().await?;
        let org = match slug {
            Some(s) => {
                let s = valid_slug(s)?;
                let row = sqlx::query("SELECT org_id FROM info_intake WHERE slug = $1")
                    .bind(&s)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(invalid("slug", "unknown"))?;
                Some(id_col::<OrgId>(&row, "org_id")?)
            }
            None => None,
        };
        sqlx::query("UPDATE info_intake SET is_default = 0")
            .execute(&mut *tx)
            .await?;
        if let Some(o) = org {
            sqlx::query("UPDATE info_intake SET is_default = 1 WHERE org_id = $1")
                .bind(o.to_string())
                .execute(&mut *tx)
                .await?;
        }
        let ev = AuditEvent {
            at_ms: now_ms(),
            actor_user: None,
            org: org.map(|o| o.to_string()),
            action: "report.intake_default".to_owned(),
            target_kind: None,
            target_id: None,
            outcome: AuditOutcome::Success,
            detail: format!("set={}", org.is_some()),
            client: None,
        };
        self.commit_audited(tx, &[ev]).await?;
        Ok(())
    }
}

/// The organisation's public intake address.
#[derive(Debug, Clone, Serialize)]
pub struct IntakeView {
    /// The address's name: reports sent to `/report?to=<slug>` reach the organisation.
    pub slug: String,
    /// Also receives reports sent without `to` (set by the operator).
    pub is_default: bool,
}

impl Intake<'_> {
    /// The principal's organisation's intake address (administrators).
    pub async fn report_intake(&self) -> Result<Option<IntakeView>> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::OrgManage, org, &[], None)
            .await?;
        let row = sqlx::query("SELECT slug, is_default FROM info_intake WHERE org_id = $1")
            .bind(org.to_string())
            .fetch_optional(&self.store.db().pool)
            .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some(IntakeView {
                slug: r.try_get("slug")?,
                is_default: r.try_get::<i64, _>("is_default")? != 0,
            })),
        }
    }

    /// Sets (or with `None` clears) the organisation's public intake address `/report?to=SLUG`.
    /// A slug held by another organisation is refused (`taken`); being the instance's default
    /// receiver stays the operator's decision (kept when the slug changes, lost when cleared).
    pub async fn set_report_intake(&self, slug: Option<&str>) -> Result<()> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::OrgManage, org, &[], None)
            .await?;
        let slug = slug
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(valid_slug)
            .transpose()?;
        let mut tx = self.store.db().begin_write().await?;
        match &slug {
            Some(s) => {
                let taken =
                    sqlx::query("SELECT org_id FROM info_intake WHERE slug = $1 AND org_id <> $2")
                        .bind(s)
                        .bind(org.to_string())
                        .fetch_optional(&mut *tx)
                        .await?;
                if taken.is_some() {
                    return Err(invalid("slug", "taken"));
                }
                let updated = sqlx::query("UPDATE info_intake SET slug = $1 WHERE org_id = $2")
                    .bind(s)
                    .bind(org.to_string())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if updated == 0 {
                    sqlx::query(
                        "INSERT INTO info_intake (org_id, slug, is_default) VALUES ($1, $2, 0)",
                    )
                    .bind(org.to_string())
                    .bind(s)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            None => {
                sqlx::query("DELETE FROM info_intake WHERE org_id = $1")
                    .bind(org.to_string())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let ev = self.event(
            "report.intake",
            None,
            AuditOutcome::Success,
            format!("set={}", slug.is_some()),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(())
    }
}
