//! Triage of public reports: the queue and the accept-or-spam decision.

use askama::Template;
use axum::extract::Path;
use serde::Deserialize;

use crate::ctx::{Posted, Viewer};
use crate::error::{Failure, PageError};
use crate::layout::{Layout, PageResult, html, layout, see_other};

use crate::information::common::{SummaryItem, items, parse_uuid};

#[derive(Template)]
#[template(path = "information_triage.html")]
pub(crate) struct TriagePage {
    l: Layout,
    items: Vec<SummaryItem>,
}

pub(crate) async fn triage(v: Viewer) -> PageResult {
    let list = v.access().reports().triage_queue().await?;
    let tr = &v.ctx.tr;
    html(&TriagePage {
        l: layout(&v.ctx, tr.t("info-triage-title"), "/reports"),
        items: items(tr, list),
    })
}

#[derive(Deserialize)]
pub(crate) struct TriageForm {
    #[serde(default)]
    decision: String,
}

pub(crate) async fn report_triage(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Posted<TriageForm>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let id = parse_uuid(&id)?;
    let accept = match data.decision.as_str() {
        "accept" => true,
        "spam" => false,
        _ => return Err(PageError::new(Failure::BadRequest)),
    };
    let access = v.access();
    access.reports().triage_report(id, accept).await?;
    Ok(see_other(&if accept {
        format!("/reports/{id}")
    } else {
        "/reports/triage".to_owned()
    }))
}
