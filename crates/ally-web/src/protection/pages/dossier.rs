//! The dossier download (a zip built by [`crate::protection::dossier`]) and the erasure of
//! a case on the person's request.

use ally_core::authz::Action;
use axum::extract::Path;
use axum::http::header;
use axum::response::IntoResponse;

use super::case_view::{begin, finish};
use super::common::{Body, Form, Refused, case_id};
use crate::ctx::{Posted, Viewer};
use crate::error::{Failure, PageError};
use crate::layout::{PageResult, see_other};

pub(crate) async fn dossier_download(v: Viewer, Path(id): Path<String>) -> PageResult {
    let id = case_id(&id)?;
    let access = v.access();
    let data = access.lifecycle().dossier(id).await?;
    let zip = crate::protection::dossier::zip(&crate::protection::dossier::build(&data, &v.ctx.tr))
        .map_err(|e| {
            tracing::error!(error = %e, "dossier zip");
            PageError::new(Failure::Internal)
        })?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"dossier-{id}.zip\""),
            ),
        ],
        zip,
    )
        .into_response())
}

pub(crate) async fn case_erase(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Body,
) -> PageResult {
    let f = Form(data);
    let confirm = f.get("confirm") == "ERASE";
    let id = begin(&v, &id, &csrf)?;
    let a = v.access();
    let r: Result<(), Refused> = async {
        a.require(Action::PersonErase).await?;
        if !confirm {
            return Err(("confirm", "required").into());
        }
        a.lifecycle().erase_case(id).await?;
        Ok(())
    }
    .await;
    finish(&v, id, r).await.map(|r| {
        // After erasure the case no longer exists: go to the list.
        if r.status().is_redirection() {
            see_other("/cases")
        } else {
            r
        }
    })
}
