//! Privacy-preserving matching runs between network members: the list of runs, one run with
//! its matches, joining and matching.

use ally_store::StoreError;
use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use uuid::Uuid;

use crate::ctx::{Posted, Viewer};
use crate::layout::{Layout, PageResult, fmt_ms, html, layout, see_other};

use crate::information::common::parse_uuid;

#[derive(Template)]
#[template(path = "information_pprl.html")]
pub(crate) struct PprlPage {
    l: Layout,
    runs: Vec<(Uuid, String, usize, bool, bool)>,
    error: Option<String>,
}

pub(crate) async fn pprl_page(v: &Viewer, error: Option<String>) -> PageResult {
    let runs = v.access().pprl().pprl_runs().await?;
    let tr = &v.ctx.tr;
    html(&PprlPage {
        l: layout(&v.ctx, tr.t("info-pprl-title"), "/reports"),
        runs: runs
            .into_iter()
            .map(|r| {
                (
                    r.id,
                    fmt_ms(r.created_at_ms),
                    r.participants.len(),
                    r.joined,
                    r.matched_at_ms.is_some(),
                )
            })
            .collect(),
        error,
    })
}

pub(crate) async fn pprl_runs(v: Viewer) -> PageResult {
    pprl_page(&v, None).await
}

pub(crate) async fn pprl_start(
    v: Viewer,
    Posted { csrf, .. }: Posted<Vec<(String, String)>>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    match v.access().pprl().start_pprl_run().await {
        Ok(id) => Ok(see_other(&format!("/pprl/{id}"))),
        Err(StoreError::Invalid(_)) => pprl_page(&v, Some(v.ctx.tr.t("info-pprl-no-network")))
            .await
            .map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "information_pprl_run.html")]
pub(crate) struct PprlRunPage {
    l: Layout,
    id: Uuid,
    created: String,
    matched: String,
    participants: Vec<String>,
    joined: bool,
    /// (own record, other member, its contact, similarity, the record is an entity here)
    matches: Vec<(Uuid, String, String, String, bool)>,
    error: Option<String>,
}

pub(crate) async fn pprl_run_page(v: &Viewer, id: Uuid, error: Option<String>) -> PageResult {
    let (run, matches) = v.access().pprl().pprl_results(id).await?;
    let tr = &v.ctx.tr;
    html(&PprlRunPage {
        l: layout(&v.ctx, tr.t("info-pprl-run"), "/reports"),
        id,
        created: fmt_ms(run.created_at_ms),
        matched: run.matched_at_ms.map(fmt_ms).unwrap_or_default(),
        participants: run.participants.into_iter().map(|(_, n)| n).collect(),
        joined: run.joined,
        matches: matches.into_iter().map(match_row).collect(),
        error,
    })
}

pub(crate) async fn pprl_run(v: Viewer, Path(id): Path<String>) -> PageResult {
    let id = parse_uuid(&id)?;
    pprl_run_page(&v, id, None).await
}

pub(crate) async fn pprl_join(
    v: Viewer,
    Path(id): Path<String>,
    Posted { csrf, .. }: Posted<Vec<(String, String)>>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let id = parse_uuid(&id)?;
    v.access().pprl().join_pprl_run(id).await?;
    Ok(see_other(&format!("/pprl/{id}")))
}

pub(crate) async fn pprl_match_run(
    v: Viewer,
    Path(id): Path<String>,
    Posted { csrf, .. }: Posted<Vec<(String, String)>>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let id = parse_uuid(&id)?;
    v.access().pprl().match_pprl_run(id).await?;
    Ok(see_other(&format!("/pprl/{id}")))
}

/// Used by the run page: whether a match's record is an entity of this instance.
fn match_row(m: ally_store::PprlMatch) -> (Uuid, String, String, String, bool) {
    (
        m.record_ref,
        m.other_org_name,
        m.other_org_contact,
        format!("{:.1} %", m.similarity as f64 / 10.0),
        m.local,
    )
}
