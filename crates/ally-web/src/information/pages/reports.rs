//! Report pages: the list with search and statistics, the member's form, one report with its
//! entities and links, distribution and resolution.

use ally_core::OrgId;
use ally_core::authz::Action;
use ally_core::information::{Distribution, EntityInput, ReportInput};
use ally_core::person::FieldError;
use ally_store::{ReportView, StoreError};
use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use uuid::Uuid;

use crate::ctx::{Ctx, Posted, Viewer};
use crate::error::{Failure, PageError};
use crate::layout::{Layout, PageResult, fmt_ms, html, layout, see_other};

use crate::information::common::{
    Choices, EntityItem, SearchQuery, SummaryItem, choices, entity_item, field_messages, items,
    known_indicator, label, padded_entities, parse_uuid, report_input,
};
use crate::information::pages::links::{LinkItem, link_items};

#[derive(Template)]
#[template(path = "information_reports.html")]
pub(crate) struct ReportsPage {
    l: Layout,
    q: String,
    items: Vec<SummaryItem>,
    may_triage: bool,
    may_pprl: bool,
    stats: Vec<(String, i64, i64)>,
}

pub(crate) async fn reports(v: Viewer, Query(q): Query<SearchQuery>) -> PageResult {
    let p = v.session.principal();
    let access = v.access();
    access.require(Action::ReportFile).await?;
    if !p.may(Action::ReportRead) {
        // Those who file but do not read reports (interviewers, focal points) go to the form.
        return Ok(see_other("/reports/new"));
    }
    let query: String = q.q.trim().chars().take(200).collect();
    let list = if query.is_empty() {
        access.reports().list_reports().await?
    } else {
        access.report_search().search_reports(&query).await?
    };
    let tr = &v.ctx.tr;
    html(&ReportsPage {
        l: layout(&v.ctx, tr.t("info-reports-title"), "/reports"),
        items: items(tr, list),
        q: query,
        may_triage: p.may(Action::ReportTriage),
        may_pprl: p.may(Action::PprlRun),
        stats: access
            .reports()
            .report_statistics()
            .await?
            .into_iter()
            .map(|(k, a, b)| (label(tr, "expl", k.as_str()), a, b))
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "information_report_form.html")]
pub(crate) struct ReportFormPage {
    l: Layout,
    f: ReportInput,
    rows: Vec<EntityInput>,
    c: Choices,
    errors: Vec<String>,
}

pub(crate) fn report_form_page(ctx: &Ctx, f: ReportInput, errors: Vec<String>) -> ReportFormPage {
    let tr = &ctx.tr;
    ReportFormPage {
        l: layout(ctx, tr.t("info-new-title"), "/reports"),
        rows: padded_entities(&f),
        f,
        c: choices(tr),
        errors,
    }
}

pub(crate) async fn report_new(v: Viewer) -> PageResult {
    v.access().require(Action::ReportFile).await?;
    let f = ReportInput {
        distribution: "own".into(),
        ..Default::default()
    };
    html(&report_form_page(&v.ctx, f, Vec::new()))
}

pub(crate) async fn report_create(
    v: Viewer,
    Posted { data, csrf }: Posted<Vec<(String, String)>>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let p = v.session.principal();
    let access = v.access();
    access.require(Action::ReportFile).await?;
    let f = report_input(&data);
    let bad = |f: ReportInput, errors: &[FieldError]| {
        let msgs = field_messages(&v.ctx.tr, errors);
        html(&report_form_page(&v.ctx, f, msgs))
            .map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
    };
    match f.validate(known_indicator(), false) {
        Err(errors) => bad(f, &errors),
        Ok(valid) => match access.reports().file_report(valid).await {
            Ok(id) => Ok(see_other(&if p.may(Action::ReportRead) {
                format!("/reports/{id}")
            } else {
                "/dashboard?reported=1".to_owned()
            })),
            Err(StoreError::Invalid(errors)) => bad(f, &errors),
            Err(e) => Err(e.into()),
        },
    }
}

#[derive(Template)]
#[template(path = "information_report.html")]
pub(crate) struct ReportPage {
    l: Layout,
    id: Uuid,
    what: String,
    place: String,
    coords: String,
    observed: String,
    exploitation: String,
    indicators: Vec<String>,
    source: String,
    distribution: String,
    dist_code: String,
    in_triage: bool,
    own: bool,
    entities: Vec<EntityItem>,
    links: Vec<LinkItem>,
    c: Choices,
    partners: Vec<(OrgId, String, bool)>,
    may_triage: bool,
    may_link: bool,
    may_export: bool,
    may_attach: bool,
    /// (id, content type, size in KiB)
    attachments: Vec<(Uuid, String, String)>,
    created: String,
    retain: String,
    message: Option<String>,
    back: String,
}

pub(crate) async fn report_page(v: &Viewer, id: Uuid, message: Option<String>) -> PageResult {
    let p = v.session.principal();
    let access = v.access();
    let r: ReportView = access.reports().get_report(id).await?;
    let own = r.org_id == p.org_id;
    let links = if own && p.may(Action::EntityLink) {
        access.links().report_links(id).await?
    } else {
        Vec::new()
    };
    let tr = &v.ctx.tr;
    let partners = if own && p.may(Action::ReportTriage) {
        access
            .organisations()
            .directory()
            .await?
            .into_iter()
            .filter(|o| o.id != p.org_id)
            .map(|o| (o.id, o.name, r.shared_with.contains(&o.id)))
            .collect()
    } else {
        Vec::new()
    };
    html(&ReportPage {
        l: layout(&v.ctx, tr.t("info-report-title"), "/reports"),
        id,
        what: r.text.what.clone(),
        place: r.text.place.clone(),
        coords: match (r.text.latitude, r.text.longitude) {
            (Some(a), Some(b)) => format!("{a:.5}, {b:.5}"),
            _ => String::new(),
        },
        observed: r.text.observed_on.clone().unwrap_or_default(),
        exploitation: label(tr, "expl", r.exploitation.as_str()),
        indicators: r.indicators.clone(),
        source: label(tr, "source", r.source.as_str()),
        distribution: label(tr, "dist", r.distribution.as_str()),
        dist_code: r.distribution.as_str().to_owned(),
        in_triage: r.status == ally_core::information::ReportStatus::Triage,
        own,
        entities: r.entities.iter().map(|e| entity_item(tr, e)).collect(),
        links: link_items(tr, links),
        c: choices(tr),
        partners,
        may_triage: own && p.may(Action::ReportTriage),
        may_link: own && p.may(Action::EntityLink),
        may_export: own && p.may(Action::OperationExport),
        may_attach: own && p.may(Action::ReportFile) && !in_spam(&r),
        attachments: r
            .attachments
            .iter()
            .map(|a| {
                (
                    a.id,
                    a.content_type.clone(),
                    format!("{:.1}", a.size as f64 / 1024.0),
                )
            })
            .collect(),
        created: fmt_ms(r.created_at_ms),
        retain: fmt_ms(r.retain_until_ms),
        message,
        back: format!("/reports/{id}"),
    })
}

pub(crate) fn in_spam(r: &ReportView) -> bool {
    r.status == ally_core::information::ReportStatus::Spam
}

pub(crate) async fn report_view(v: Viewer, Path(id): Path<String>) -> PageResult {
    let id = parse_uuid(&id)?;
    report_page(&v, id, None).await
}

pub(crate) async fn report_distribution(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Posted<Vec<(String, String)>>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let id = parse_uuid(&id)?;
    let level = data
        .iter()
        .find(|(k, _)| k == "distribution")
        .and_then(|(_, v)| Distribution::parse(v))
        .ok_or(PageError::new(Failure::BadRequest))?;
    let mut partners = Vec::new();
    for (k, val) in &data {
        if k == "partner" {
            partners.push(
                val.parse::<OrgId>()
                    .map_err(|_| PageError::new(Failure::BadRequest))?,
            );
        }
    }
    let access = v.access();
    match access
        .distribution()
        .set_report_distribution(id, level, partners)
        .await
    {
        Ok(()) => Ok(see_other(&format!("/reports/{id}"))),
        Err(StoreError::Invalid(errors)) => {
            let msg = field_messages(&v.ctx.tr, &errors).join(" ");
            report_page(&v, id, Some(msg))
                .await
                .map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) async fn report_resolve(
    v: Viewer,
    Path(id): Path<String>,
    Posted { csrf, .. }: Posted<Vec<(String, String)>>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let id = parse_uuid(&id)?;
    v.access().links().resolve_report(id).await?;
    Ok(see_other(&format!("/reports/{id}#links")))
}
