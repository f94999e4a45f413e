//! A suspect's access request (GDPR art. 15): the printable extract.

use askama::Template;
use axum::extract::Path;
use uuid::Uuid;

use crate::ctx::Viewer;
use crate::i18n::Tr;
use crate::layout::{Layout, PageResult, fmt_ms, html, layout};

use crate::information::common::{label, parse_uuid};

#[derive(Template)]
#[template(path = "information_access_request.html")]
pub(crate) struct AccessRequestPage {
    l: Layout,
    id: Uuid,
    entity: (String, String, String, String),
    reports: Vec<(String, String)>,
    linked: Vec<(String, String, String, String)>,
    retain: String,
}

pub(crate) fn suspect_entry(
    tr: &Tr,
    e: &ally_store::SuspectEntry,
) -> (String, String, String, String) {
    (
        label(tr, "kind", e.kind.as_str()),
        label(tr, "role", e.role.as_str()),
        e.value.clone(),
        e.recorded_on.clone(),
    )
}

/// What is held about one suspect, for the person's access request: no victims, witnesses,
/// report text or reporters (the store builds it that way).
pub(crate) async fn access_request(v: Viewer, Path(id): Path<String>) -> PageResult {
    let id = parse_uuid(&id)?;
    let x = v
        .access()
        .access_requests()
        .suspect_access_extract(id)
        .await?;
    let tr = &v.ctx.tr;
    html(&AccessRequestPage {
        l: layout(&v.ctx, tr.t("info-access-request-title"), "/reports"),
        id,
        entity: suspect_entry(tr, &x.entity),
        reports: x
            .reports
            .iter()
            .map(|r| (r.date.clone(), label(tr, "expl", r.exploitation.as_str())))
            .collect(),
        linked: x.linked.iter().map(|e| suspect_entry(tr, e)).collect(),
        retain: fmt_ms(x.retain_until_ms),
    })
}
