//! Images attached to reports: stripped of metadata by the shared image filter
//! (`crate::images`), sealed, and read exactly as their report.

use ally_core::audit::AuditOutcome;
use ally_core::authz::Action;
use ally_core::information::{ReportStatus, ValidReport};
use ally_core::{OrgId, UserId};
use serde::Serialize;
use sqlx::Row;
use uuid::Uuid;

use super::{
    common::{invalid, public_event, uuid_col},
    intake::PublicReportError,
};
use crate::access::{Access, id_col};
use crate::{Result, Store, StoreError, now_ms};

crate::foundation::access::access_handle!(
    /// Photos attached to reports, stripped of metadata and sealed.
    Attachments,
    attachments
);

/// An image attached to a report.
#[derive(Debug, Clone, Serialize)]
pub struct AttachmentSummary {
    /// The attachment's id.
    pub id: Uuid,
    /// `image/jpeg` or `image/png`, after metadata stripping.
    pub content_type: String,
    /// Size of the stripped image, in bytes.
    pub size: i64,
    /// When it was attached, ms since the epoch.
    pub created_at_ms: i64,
}

/// Images a report may hold.
pub const MAX_ATTACHMENTS_PER_REPORT: i64 = 20;
/// The largest image attached through the public form (its body limit is the site's).
pub const MAX_PUBLIC_ATTACHMENT_BYTES: usize = 200 * 1024;

pub(super) fn attachment_aad(org: OrgId, id: Uuid) -> String {
    format!("info-attachment:{org}:{id}")
}

/// Strips an image's metadata (the labour module's filter: EXIF with GPS, XMP, IPTC, comments,
/// PNG text chunks) or refuses the file with a clear code.
pub(super) fn clean_image(bytes: &[u8]) -> Result<(&'static str, Vec<u8>)> {
    use crate::images::{PhotoError, strip_image_metadata};
    strip_image_metadata(bytes).map_err(|e| match e {
        PhotoError::NotAnImage => invalid("attachment", "not_an_image"),
        PhotoError::Malformed => invalid("attachment", "malformed"),
        PhotoError::TooLarge => invalid("attachment", "too_large"),
    })
}

pub(super) async fn insert_attachment(
    store: &Store,
    tx: &mut sqlx::AnyConnection,
    org: OrgId,
    report: Uuid,
    content_type: &str,
    clean: &[u8],
    created_by: Option<UserId>,
) -> Result<Uuid> {
    let id = Uuid::now_v7();
    let keys = store.org_keys(org).await?;
    let sealed = keys.seal(&attachment_aad(org, id), clean)?;
    sqlx::query(
        "INSERT INTO info_attachments (id, org_id, report_id, content_type, size, sealed, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id.to_string())
    .bind(org.to_string())
    .bind(report.to_string())
    .bind(content_type)
    .bind(clean.len() as i64)
    .bind(sealed)
    .bind(created_by.map(|u| u.to_string()))
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    Ok(id)
}

impl Store {
    /// The public form with one small image: the image is checked and stripped first, so that a
    /// refused file writes nothing; then as [`Store::file_public_report`].
    pub async fn file_public_report_with_image(
        &self,
        to: Option<&str>,
        report: ValidReport,
        client: Option<&str>,
        image: &[u8],
    ) -> Result<Uuid, PublicReportError> {
        if image.len() > MAX_PUBLIC_ATTACHMENT_BYTES {
            return Err(invalid("attachment", "too_large").into());
        }
        let (content_type, clean) = clean_image(image)?;
        let id = self.file_public_report(to, report, client).await?;
        let row = sqlx::query("SELECT org_id FROM info_reports WHERE id = $1")
            .bind(id.to_string())
            .fetch_one(&self.db().pool)
            .await?;
        let org: OrgId = id_col(&row, "org_id")?;
        let mut tx = self.db().begin_write().await?;
        let aid = insert_attachment(self, &mut tx, org, id, content_type, &clean, None).await?;
        let ev = public_event(
            "report.public_attachment",
            org,
            Some(id.to_string()),
            format!("attachment={aid} bytes={}", clean.len()),
        );
        self.commit_audited(tx, &[ev]).await?;
        Ok(id)
    }
}

impl Access<'_> {
    pub(super) async fn attachments_of(&self, report: Uuid) -> Result<Vec<AttachmentSummary>> {
        let rows = sqlx::query(
            "SELECT id, content_type, size, created_at FROM info_attachments WHERE report_id = $1 ORDER BY created_at, id",
        )
        .bind(report.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AttachmentSummary {
                    id: uuid_col(r, "id")?,
                    content_type: r.try_get("content_type")?,
                    size: r.try_get("size")?,
                    created_at_ms: r.try_get("created_at")?,
                })
            })
            .collect()
    }
}

impl Attachments<'_> {
    /// Attaches an image to a report of the principal's organisation (a member filing reports):
    /// metadata stripped before anything is stored, then sealed with the owner's key.
    /// A file that is not a JPEG or PNG image is refused (`not_an_image`) and nothing written.
    pub async fn add_report_attachment(&self, report: Uuid, bytes: &[u8]) -> Result<Uuid> {
        let target = Some(("report", report.to_string()));
        let Some(r) = self.load_report(report).await? else {
            self.authorize_granted(Action::ReportFile, self.principal.org_id, &[], target)
                .await?;
            return Err(StoreError::NotFound);
        };
        self.authorize_granted(Action::ReportFile, r.org_id, &[], target)
            .await?;
        if r.status == ReportStatus::Spam {
            return Err(StoreError::Conflict("report_spam"));
        }
        let (content_type, clean) = clean_image(bytes)?;
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM info_attachments WHERE report_id = $1")
                .bind(report.to_string())
                .fetch_one(&self.store.db().pool)
                .await?;
        if count >= MAX_ATTACHMENTS_PER_REPORT {
            return Err(invalid("attachment", "too_many"));
        }
        let mut tx = self.store.db().begin_write().await?;
        let id = insert_attachment(
            self.store,
            &mut tx,
            r.org_id,
            report,
            content_type,
            &clean,
            Some(self.principal.user_id),
        )
        .await?;
        let ev = self.ok_event(
            "report.attach",
            "report",
            report,
            format!("attachment={id} bytes={}", clean.len()),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(id)
    }

    /// One attachment's content type and bytes, authorised exactly as reading its report
    /// (a report in triage: the receiving organisation's triagers). Audited.
    pub async fn get_report_attachment(&self, attachment: Uuid) -> Result<(String, Vec<u8>)> {
        let target = Some(("attachment", attachment.to_string()));
        let row = sqlx::query(
            "SELECT org_id, report_id, content_type, sealed FROM info_attachments WHERE id = $1",
        )
        .bind(attachment.to_string())
        .fetch_optional(&self.store.db().pool)
        .await?;
        let report = match &row {
            Some(r) => Some(uuid_col(r, "report_id")?),
            None => None,
        };
        let r = match report {
            Some(id) => self.load_report(id).await?,
            None => None,
        };
        let (Some(row), Some(r)) = (row, r) else {
            self.authorize_granted(Action::ReportRead, self.principal.org_id, &[], target)
                .await?;
            return Err(StoreError::NotFound);
        };
        if r.status == ReportStatus::Triage {
            self.authorize_granted(Action::ReportTriage, r.org_id, &[], target.clone())
                .await?;
        } else {
            let grants = self.report_grants(&r).await?;
            self.authorize_granted(Action::ReportRead, r.org_id, &grants, target.clone())
                .await?;
        }
        let org: OrgId = id_col(&row, "org_id")?;
        let keys = self.store.org_keys(org).await?;
        let sealed: Vec<u8> = row.try_get("sealed")?;
        let bytes = keys.open(&attachment_aad(org, attachment), &sealed)?;
        self.record(self.event(
            "report.attachment_read",
            target,
            AuditOutcome::Success,
            format!("report={}", r.id),
        ))
        .await?;
        Ok((row.try_get("content_type")?, bytes))
    }
}
