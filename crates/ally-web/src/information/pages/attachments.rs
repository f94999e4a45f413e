//! Images attached to reports: upload from the report page and download.

use ally_store::StoreError;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

use crate::ctx::Viewer;
use crate::error::{Failure, PageError};
use crate::layout::{PageResult, see_other};

use crate::information::common::{field_messages, parse_uuid};
use crate::information::pages::reports::report_page;

pub(crate) async fn attachment_upload(
    v: Viewer,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> PageResult {
    let id = parse_uuid(&id)?;
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !ct.starts_with("multipart/form-data") {
        return Err(PageError::new(Failure::UnsupportedMediaType));
    }
    let fields = crate::multipart::fields(ct, &body).ok_or(PageError::new(Failure::BadRequest))?;
    let csrf = fields
        .iter()
        .find(|(n, _)| n == "csrf")
        .and_then(|(_, v)| String::from_utf8(v.clone()).ok())
        .unwrap_or_default();
    v.check_csrf(&csrf)?;
    let image = fields
        .into_iter()
        .find(|(n, _)| n == "image")
        .map(|(_, v)| v)
        .unwrap_or_default();
    let access = v.access();
    match access.attachments().add_report_attachment(id, &image).await {
        Ok(_) => Ok(see_other(&format!("/reports/{id}#attachments"))),
        Err(StoreError::Invalid(errors)) => {
            let msg = field_messages(&v.ctx.tr, &errors).join(" ");
            report_page(&v, id, Some(msg))
                .await
                .map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Downloads an attachment, authorised and audited as reading its report.
pub(crate) async fn attachment_download(v: Viewer, Path(id): Path<String>) -> PageResult {
    let id = parse_uuid(&id)?;
    let (ct, bytes) = v.access().attachments().get_report_attachment(id).await?;
    let ext = if ct == "image/png" { "png" } else { "jpg" };
    Ok((
        [
            (header::CONTENT_TYPE, ct),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"attachment-{id}.{ext}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
