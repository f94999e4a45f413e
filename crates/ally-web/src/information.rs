//! Pages and API of the information module (issue 5): reports, the public anonymous form and
//! triage, entities and links, search, operation packages for the police liaison.
//!
//! The module declares its own rows of the route table ([`ROUTES`]), its router and its part of
//! the OpenAPI document; `lib.rs`, `routes.rs` and `api.rs` only put them together.
//!
//! The public form `/report` receives reports for the organisation named by `?to=<slug>` (its
//! public intake slug, set by the operator) or, without `to`, for the instance's default
//! receiving organisation. It needs no account and no JavaScript; the client address is used
//! only by the store's rate limit (as a keyed hash under a daily key) and never stored or logged.
//! The form may carry one small image (multipart), whose metadata the store strips.
//! Administrators set their organisation's slug on `/settings/intake`; which organisation is the
//! instance's default stays the operator's decision (`ally intake default`).

use ally_core::OrgId;
use ally_core::authz::Action;
use ally_core::information::{
    Distribution, EntityInput, EntityKind, EntityRole, Exploitation, ReportInput,
};
use ally_core::person::FieldError;
use ally_core::screening::catalogue::Catalogue;
use ally_store::{
    EntityView, LinkStatus, OperationRequest, PublicReportError, ReportSummary, ReportView,
    StoreError,
};
use askama::Template;
use axum::extract::{DefaultBodyLimit, Path, Query};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::ctx::{ApiCaller, Ctx, Posted, Viewer};
use crate::error::{ApiError, Failure, PageError};
use crate::i18n::Tr;
use crate::json::{ErrorBody, JsonBody};
use crate::layout::{Layout, PageResult, fmt_ms, html, layout, see_other};
use crate::route::{Auth, Route};

use Action as A;
use Auth::{Public, Session, Token};

mod shared;

const fn r(method: &'static str, path: &'static str, auth: Auth, action: Option<Action>) -> Route {
    Route {
        method,
        path,
        auth,
        action,
    }
}

/// This module's rows of the route table.
pub const ROUTES: &[Route] = &[
    r("GET", "/report", Public, None),
    r("POST", "/report", Public, None),
    r("GET", "/reports", Session, Some(A::ReportFile)),
    r("GET", "/reports/new", Session, Some(A::ReportFile)),
    r("POST", "/reports", Session, Some(A::ReportFile)),
    r("GET", "/reports/triage", Session, Some(A::ReportTriage)),
    r("GET", "/reports/map", Session, Some(A::ReportRead)),
    r("GET", "/reports/{id}", Session, Some(A::ReportRead)),
    r(
        "POST",
        "/reports/{id}/triage",
        Session,
        Some(A::ReportTriage),
    ),
    r(
        "POST",
        "/reports/{id}/distribution",
        Session,
        Some(A::ReportTriage),
    ),
    r(
        "POST",
        "/reports/{id}/resolve",
        Session,
        Some(A::EntityLink),
    ),
    r(
        "POST",
        "/reports/{id}/attachments",
        Session,
        Some(A::ReportFile),
    ),
    r("GET", "/attachments/{id}", Session, Some(A::ReportRead)),
    r("GET", "/entities/shared", Session, Some(A::ReportRead)),
    r("GET", "/entities/{id}", Session, Some(A::ReportRead)),
    r(
        "POST",
        "/entities/{id}/distribution",
        Session,
        Some(A::ReportTriage),
    ),
    r(
        "POST",
        "/entities/{id}/victim-case",
        Session,
        Some(A::CaseRead),
    ),
    r(
        "GET",
        "/entities/{id}/access-request",
        Session,
        Some(A::SuspectRead),
    ),
    r("POST", "/entities/links/{id}", Session, Some(A::EntityLink)),
    r("GET", "/settings/intake", Session, Some(A::OrgManage)),
    r("POST", "/settings/intake", Session, Some(A::OrgManage)),
    r("GET", "/operations", Session, Some(A::ReportRead)),
    r("GET", "/operations/new", Session, Some(A::OperationExport)),
    r("POST", "/operations", Session, Some(A::OperationExport)),
    r("GET", "/operations/{id}", Session, Some(A::ReportRead)),
    r(
        "GET",
        "/operations/{id}/package.json",
        Session,
        Some(A::ReportRead),
    ),
    r(
        "GET",
        "/operations/{id}/package.html",
        Session,
        Some(A::ReportRead),
    ),
    r("GET", "/pprl", Session, Some(A::PprlRun)),
    r("POST", "/pprl", Session, Some(A::PprlRun)),
    r("GET", "/pprl/{id}", Session, Some(A::PprlRun)),
    r("POST", "/pprl/{id}/join", Session, Some(A::PprlRun)),
    r("POST", "/pprl/{id}/match", Session, Some(A::PprlRun)),
    r("POST", "/pprl/{id}/kit", Session, Some(A::PprlRun)),
    r("POST", "/pprl/{id}/upload", Session, Some(A::PprlRun)),
    r("GET", "/pprl/{id}/results.csv", Session, Some(A::PprlRun)),
    r("GET", "/pprl/contribute", Session, Some(A::PprlRun)),
    r("POST", "/pprl/contribute", Session, Some(A::PprlRun)),
    r(
        "POST",
        "/api/v1/pprl/runs/{id}/kit",
        Token,
        Some(A::PprlRun),
    ),
    r(
        "POST",
        "/api/v1/pprl/runs/{id}/clks",
        Token,
        Some(A::PprlRun),
    ),
    r(
        "GET",
        "/api/v1/pprl/runs/{id}/results",
        Token,
        Some(A::PprlRun),
    ),
    r("POST", "/api/v1/pprl/contribute", Token, Some(A::PprlRun)),
    r("GET", "/api/v1/reports", Token, Some(A::ReportRead)),
    r("POST", "/api/v1/reports", Token, Some(A::ReportFile)),
    r("GET", "/api/v1/reports/{id}", Token, Some(A::ReportRead)),
    r(
        "POST",
        "/api/v1/reports/{id}/attachments",
        Token,
        Some(A::ReportFile),
    ),
    r("GET", "/api/v1/entities/shared", Token, Some(A::ReportRead)),
    r("GET", "/api/v1/entities/{id}", Token, Some(A::ReportRead)),
    r(
        "GET",
        "/api/v1/entities/{id}/access-request",
        Token,
        Some(A::SuspectRead),
    ),
    r(
        "POST",
        "/api/v1/entities/links/{id}",
        Token,
        Some(A::EntityLink),
    ),
];

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/report", get(public_form).post(public_submit))
        .route("/reports", get(reports).post(report_create))
        .route("/reports/new", get(report_new))
        .route("/reports/triage", get(triage))
        .route("/reports/map", get(report_map))
        .route("/reports/{id}", get(report_view))
        .route("/reports/{id}/triage", post(report_triage))
        .route("/reports/{id}/distribution", post(report_distribution))
        .route("/reports/{id}/resolve", post(report_resolve))
        .route(
            "/reports/{id}/attachments",
            post(attachment_upload).layer(DefaultBodyLimit::max(ATTACHMENT_BODY_LIMIT)),
        )
        .route("/attachments/{id}", get(attachment_download))
        .route("/entities/shared", get(shared::shared_entities))
        .route("/entities/{id}", get(entity_view))
        .route("/entities/{id}/distribution", post(entity_distribution))
        .route("/entities/{id}/victim-case", post(entity_victim_case))
        .route("/entities/{id}/access-request", get(access_request))
        .route("/entities/links/{id}", post(link_decide))
        .route("/settings/intake", get(intake_page).post(intake_save))
        .route("/operations", get(operations).post(operation_create))
        .route("/operations/new", get(operation_new))
        .route("/operations/{id}", get(operation_view))
        .route("/operations/{id}/package.json", get(operation_json))
        .route("/operations/{id}/package.html", get(operation_html))
        .route("/pprl", get(pprl_runs).post(pprl_start))
        .route("/pprl/{id}", get(pprl_run))
        .route("/pprl/{id}/join", post(pprl_join))
        .route("/pprl/{id}/match", post(pprl_match_run))
        .merge(pprl_xinst::router())
        .route("/api/v1/reports", get(api_reports).post(api_file_report))
        .route("/api/v1/reports/{id}", get(api_report))
        .route(
            "/api/v1/reports/{id}/attachments",
            post(api_attach).layer(DefaultBodyLimit::max(ATTACHMENT_BODY_LIMIT)),
        )
        .route("/api/v1/entities/shared", get(shared::api_shared_entities))
        .route("/api/v1/entities/{id}", get(api_entity))
        .route(
            "/api/v1/entities/{id}/access-request",
            get(api_access_request),
        )
        .route("/api/v1/entities/links/{id}", post(api_decide_link))
}

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        api_reports,
        api_file_report,
        api_report,
        api_attach,
        api_entity,
        shared::api_shared_entities,
        api_access_request,
        api_decide_link
    ),
    components(schemas(
        SuspectExtractDto,
        SuspectEntryDto,
        SuspectReportDto,
        ReportSummaryDto,
        ReportDto,
        EntityDto,
        LinkDto,
        EntityPageDto,
        shared::SharedEntityDto,
        shared::SharedEntityListDto,
        ReportInputDto,
        EntityInputDto,
        LinkDecision,
        FiledDto
    ))
)]
pub(crate) struct ApiDoc;

// ----- helpers -----

/// Attachment uploads may be larger than other requests (the image plus the form around it).
const ATTACHMENT_BODY_LIMIT: usize = ally_store::images::MAX_PHOTO_BYTES + 64 * 1024;

fn parse_uuid(s: &str) -> Result<Uuid, PageError> {
    s.parse().map_err(|_| PageError::new(Failure::NotFound))
}

fn label(tr: &Tr, group: &str, code: &str) -> String {
    tr.t(&format!("info-{group}-{code}"))
}

fn field_messages(tr: &Tr, errors: &[FieldError]) -> Vec<String> {
    errors
        .iter()
        .map(|e| {
            format!(
                "{}: {}",
                tr.t(&format!("info-field-{}", e.field)),
                tr.t(&format!("info-invalid-{}", e.code))
            )
        })
        .collect()
}

fn known_indicator() -> impl Fn(&str) -> bool {
    let cat = Catalogue::builtin().ok();
    move |id: &str| {
        cat.as_ref()
            .is_some_and(|c| c.sets.iter().any(|s| s.indicator(id).is_some()))
    }
}

/// Choice lists for the forms: (code, label).
struct Choices {
    exploitation: Vec<(&'static str, String)>,
    kinds: Vec<(&'static str, String)>,
    roles: Vec<(&'static str, String)>,
    distributions: Vec<(&'static str, String)>,
}

fn choices(tr: &Tr) -> Choices {
    Choices {
        exploitation: Exploitation::ALL
            .iter()
            .map(|x| (x.as_str(), label(tr, "expl", x.as_str())))
            .collect(),
        kinds: EntityKind::ALL
            .iter()
            .map(|x| (x.as_str(), label(tr, "kind", x.as_str())))
            .collect(),
        roles: EntityRole::ALL
            .iter()
            .map(|x| (x.as_str(), label(tr, "role", x.as_str())))
            .collect(),
        distributions: Distribution::ALL
            .iter()
            .map(|x| (x.as_str(), label(tr, "dist", x.as_str())))
            .collect(),
    }
}

/// Entity rows offered by the forms.
const ENTITY_ROWS: usize = 4;

/// A report form as posted: flat pairs (`e0_kind`, `e0_role`, `e0_value`... for the entities).
fn report_input(pairs: &[(String, String)]) -> ReportInput {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut entities = Vec::new();
    for i in 0..ENTITY_ROWS {
        entities.push(EntityInput {
            kind: get(&format!("e{i}_kind")),
            role: get(&format!("e{i}_role")),
            value: get(&format!("e{i}_value")),
        });
    }
    ReportInput {
        what: get("what"),
        observed_on: get("observed_on"),
        place: get("place"),
        latitude: get("latitude"),
        longitude: get("longitude"),
        exploitation: get("exploitation"),
        indicators: get("indicators"),
        distribution: get("distribution"),
        entities,
    }
}

fn padded_entities(f: &ReportInput) -> Vec<EntityInput> {
    let mut v: Vec<EntityInput> = f.entities.iter().take(ENTITY_ROWS).cloned().collect();
    while v.len() < ENTITY_ROWS {
        v.push(EntityInput::default());
    }
    v
}

pub struct SummaryItem {
    id: Uuid,
    excerpt: String,
    exploitation: String,
    distribution: String,
    source: String,
    created: String,
}

fn items(tr: &Tr, list: Vec<ReportSummary>) -> Vec<SummaryItem> {
    list.into_iter()
        .map(|s| SummaryItem {
            id: s.id,
            excerpt: s.excerpt,
            exploitation: label(tr, "expl", s.exploitation.as_str()),
            distribution: label(tr, "dist", s.distribution.as_str()),
            source: label(tr, "source", s.source.as_str()),
            created: fmt_ms(s.created_at_ms),
        })
        .collect()
}

pub struct EntityItem {
    id: Uuid,
    kind: String,
    role: String,
    value: String,
    withheld: bool,
    suspect: bool,
    /// The entity's own distribution level (shown where it differs from its report's).
    distribution: String,
    dist_code: &'static str,
}

fn entity_item(tr: &Tr, e: &EntityView) -> EntityItem {
    EntityItem {
        id: e.id,
        kind: label(tr, "kind", e.kind.as_str()),
        role: label(tr, "role", e.role.as_str()),
        value: e.value.clone().unwrap_or_default(),
        withheld: e.value.is_none(),
        suspect: e.suspect,
        distribution: label(tr, "dist", e.distribution.as_str()),
        dist_code: e.distribution.as_str(),
    }
}

// ----- the public form -----

#[derive(Template)]
#[template(path = "information_public.html")]
struct PublicPage {
    l: Layout,
    to: String,
    receiver: String,
    f: ReportInput,
    rows: Vec<EntityInput>,
    c: Choices,
    errors: Vec<String>,
    sent: bool,
}

#[derive(Deserialize)]
struct ToQuery {
    #[serde(default)]
    to: String,
}

async fn public_page(
    ctx: &Ctx,
    to: &str,
    f: ReportInput,
    errors: Vec<String>,
    sent: bool,
) -> PageResult {
    let receiver = ctx
        .state
        .store
        .report_receiver(Some(to).filter(|s| !s.is_empty()))
        .await?
        .ok_or(PageError::new(Failure::NotFound))?;
    let tr = &ctx.tr;
    html(&PublicPage {
        l: layout(ctx, tr.t("info-public-title"), "/report"),
        to: to.chars().take(40).collect(),
        receiver: receiver.1,
        rows: padded_entities(&f),
        f,
        c: choices(tr),
        errors,
        sent,
    })
}

async fn public_form(ctx: Ctx, Query(q): Query<ToQuery>) -> PageResult {
    public_page(&ctx, &q.to, ReportInput::default(), Vec::new(), false).await
}

/// The public form's text fields and its optional image.
type PublicFields = (Vec<(String, String)>, Option<Vec<u8>>);

/// The public form's fields and its optional image: a plain form, or `multipart/form-data`
/// when the reporter attached a picture. Anything else is refused.
fn public_fields(headers: &axum::http::HeaderMap, body: &[u8]) -> Result<PublicFields, PageError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if ct.starts_with("multipart/form-data") {
        let mut data = Vec::new();
        let mut image = None;
        for (name, value) in
            crate::multipart::fields(ct, body).ok_or(PageError::new(Failure::BadRequest))?
        {
            if name == "image" {
                image = Some(value).filter(|v| !v.is_empty());
            } else {
                data.push((
                    name,
                    String::from_utf8(value).map_err(|_| PageError::new(Failure::BadRequest))?,
                ));
            }
        }
        Ok((data, image))
    } else if ct.starts_with("application/x-www-form-urlencoded") {
        if !crate::ctx::is_strict_utf8_form(body) {
            return Err(PageError::new(Failure::BadRequest));
        }
        let data =
            serde_urlencoded::from_bytes(body).map_err(|_| PageError::new(Failure::BadRequest))?;
        Ok((data, None))
    } else {
        Err(PageError::new(Failure::UnsupportedMediaType))
    }
}

async fn public_submit(
    ctx: Ctx,
    Query(q): Query<ToQuery>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> PageResult {
    let (data, image) = public_fields(&headers, &body)?;
    let mut f = report_input(&data);
    f.distribution.clear();
    f.indicators.clear();
    let to = if q.to.is_empty() {
        data.iter()
            .find(|(k, _)| k == "to")
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    } else {
        q.to.clone()
    };
    match f.validate(|_| false, true) {
        Err(errors) => {
            let msgs = field_messages(&ctx.tr, &errors);
            public_page(&ctx, &to, f, msgs, false)
                .await
                .map(|r| (StatusCode::BAD_REQUEST, r).into_response())
        }
        Ok(valid) => {
            let store = &ctx.state.store;
            let receiver = Some(to.as_str()).filter(|s| !s.is_empty());
            let filed = match &image {
                Some(img) => {
                    store
                        .file_public_report_with_image(receiver, valid, ctx.client.as_deref(), img)
                        .await
                }
                None => {
                    store
                        .file_public_report(receiver, valid, ctx.client.as_deref())
                        .await
                }
            };
            match filed {
                Ok(_) => public_page(&ctx, &to, ReportInput::default(), Vec::new(), true).await,
                Err(PublicReportError::RateLimited) => {
                    Err(PageError::new(Failure::TooManyAttempts(3600)))
                }
                Err(PublicReportError::NoReceiver) => Err(PageError::new(Failure::NotFound)),
                Err(PublicReportError::Store(StoreError::Invalid(errors))) => {
                    let msgs = field_messages(&ctx.tr, &errors);
                    public_page(&ctx, &to, f, msgs, false)
                        .await
                        .map(|r| (StatusCode::BAD_REQUEST, r).into_response())
                }
                Err(PublicReportError::Store(e)) => Err(e.into()),
            }
        }
    }
}

// ----- reports -----

#[derive(Template)]
#[template(path = "information_reports.html")]
struct ReportsPage {
    l: Layout,
    q: String,
    items: Vec<SummaryItem>,
    may_triage: bool,
    may_pprl: bool,
    stats: Vec<(String, i64, i64)>,
}

#[derive(Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

async fn reports(v: Viewer, Query(q): Query<SearchQuery>) -> PageResult {
    let p = v.session.principal();
    let access = v.access();
    access.require(Action::ReportFile).await?;
    if !p.may(Action::ReportRead) {
        // Those who file but do not read reports (interviewers, focal points) go to the form.
        return Ok(see_other("/reports/new"));
    }
    let query: String = q.q.trim().chars().take(200).collect();
    let list = if query.is_empty() {
        access.list_reports().await?
    } else {
        access.search_reports(&query).await?
    };
    let tr = &v.ctx.tr;
    html(&ReportsPage {
        l: layout(&v.ctx, tr.t("info-reports-title"), "/reports"),
        items: items(tr, list),
        q: query,
        may_triage: p.may(Action::ReportTriage),
        may_pprl: p.may(Action::PprlRun),
        stats: access
            .report_statistics()
            .await?
            .into_iter()
            .map(|(k, a, b)| (label(tr, "expl", k.as_str()), a, b))
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "information_report_form.html")]
struct ReportFormPage {
    l: Layout,
    f: ReportInput,
    rows: Vec<EntityInput>,
    c: Choices,
    errors: Vec<String>,
}

fn report_form_page(ctx: &Ctx, f: ReportInput, errors: Vec<String>) -> ReportFormPage {
    let tr = &ctx.tr;
    ReportFormPage {
        l: layout(ctx, tr.t("info-new-title"), "/reports"),
        rows: padded_entities(&f),
        f,
        c: choices(tr),
        errors,
    }
}

async fn report_new(v: Viewer) -> PageResult {
    v.access().require(Action::ReportFile).await?;
    let f = ReportInput {
        distribution: "own".into(),
        ..Default::default()
    };
    html(&report_form_page(&v.ctx, f, Vec::new()))
}

async fn report_create(
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
        Ok(valid) => match access.file_report(valid).await {
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
#[template(path = "information_triage.html")]
struct TriagePage {
    l: Layout,
    items: Vec<SummaryItem>,
}

async fn triage(v: Viewer) -> PageResult {
    let list = v.access().triage_queue().await?;
    let tr = &v.ctx.tr;
    html(&TriagePage {
        l: layout(&v.ctx, tr.t("info-triage-title"), "/reports"),
        items: items(tr, list),
    })
}

pub struct MapPoint {
    id: Uuid,
    x: i64,
    y: i64,
    label: String,
}

#[derive(Template)]
#[template(path = "information_map.html")]
struct MapPage {
    l: Layout,
    points: Vec<MapPoint>,
    without: usize,
}

/// A map without tiles: the reports' coordinates plotted in their bounding box (equirectangular),
/// each point a link to its report.
async fn report_map(v: Viewer) -> PageResult {
    let list = v.access().list_reports().await?;
    let located: Vec<(&ReportSummary, f64, f64)> = list
        .iter()
        .filter_map(|r| Some((r, r.latitude?, r.longitude?)))
        .collect();
    let (mut min_lat, mut max_lat, mut min_lon, mut max_lon) =
        (90.0f64, -90.0f64, 180.0f64, -180.0f64);
    for (_, la, lo) in &located {
        min_lat = min_lat.min(*la);
        max_lat = max_lat.max(*la);
        min_lon = min_lon.min(*lo);
        max_lon = max_lon.max(*lo);
    }
    let span_lat = (max_lat - min_lat).max(0.01);
    let span_lon = (max_lon - min_lon).max(0.01);
    let points = located
        .iter()
        .map(|(r, la, lo)| MapPoint {
            id: r.id,
            x: (20.0 + 280.0 * (lo - min_lon) / span_lon).round() as i64,
            y: (20.0 + 200.0 * (max_lat - la) / span_lat).round() as i64,
            label: if r.place.is_empty() {
                format!("{la:.3}, {lo:.3}")
            } else {
                r.place.chars().take(40).collect()
            },
        })
        .collect();
    html(&MapPage {
        l: layout(&v.ctx, v.ctx.tr.t("info-map-title"), "/reports"),
        without: list.len() - located.len(),
        points,
    })
}

pub struct LinkItem {
    id: Uuid,
    this: EntityItem,
    other: EntityItem,
    status: String,
    pending: bool,
    method: String,
    score: String,
    contributions: Vec<(String, String)>,
}

fn link_items(
    tr: &Tr,
    links: Vec<(ally_store::LinkView, EntityView, EntityView)>,
) -> Vec<LinkItem> {
    links
        .into_iter()
        .map(|(l, this, other)| LinkItem {
            id: l.id,
            this: entity_item(tr, &this),
            other: entity_item(tr, &other),
            status: label(tr, "link", l.status.as_str()),
            pending: l.status == LinkStatus::Suggested,
            method: label(tr, "method", &l.method),
            score: format!("{:.1} %", l.score as f64 / 10.0),
            contributions: l
                .contributions
                .iter()
                .map(|(f, w)| (label(tr, "cmp", f), format!("{w:+.2}")))
                .collect(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "information_report.html")]
struct ReportPage {
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

async fn report_page(v: &Viewer, id: Uuid, message: Option<String>) -> PageResult {
    let p = v.session.principal();
    let access = v.access();
    let r: ReportView = access.get_report(id).await?;
    let own = r.org_id == p.org_id;
    let links = if own && p.may(Action::EntityLink) {
        access.report_links(id).await?
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

fn in_spam(r: &ReportView) -> bool {
    r.status == ally_core::information::ReportStatus::Spam
}

async fn report_view(v: Viewer, Path(id): Path<String>) -> PageResult {
    let id = parse_uuid(&id)?;
    report_page(&v, id, None).await
}

#[derive(Deserialize)]
struct TriageForm {
    #[serde(default)]
    decision: String,
}

async fn report_triage(
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
    access.triage_report(id, accept).await?;
    Ok(see_other(&if accept {
        format!("/reports/{id}")
    } else {
        "/reports/triage".to_owned()
    }))
}

async fn report_distribution(
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
    match access.set_report_distribution(id, level, partners).await {
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

async fn report_resolve(
    v: Viewer,
    Path(id): Path<String>,
    Posted { csrf, .. }: Posted<Vec<(String, String)>>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let id = parse_uuid(&id)?;
    v.access().resolve_report(id).await?;
    Ok(see_other(&format!("/reports/{id}#links")))
}

#[derive(Deserialize)]
struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    back: String,
}

async fn link_decide(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Posted<DecisionForm>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let id = parse_uuid(&id)?;
    let confirm = match data.decision.as_str() {
        "confirm" => true,
        "reject" => false,
        _ => return Err(PageError::new(Failure::BadRequest)),
    };
    v.access().decide_link(id, confirm).await?;
    Ok(see_other(
        crate::ctx::local_path(&data.back).unwrap_or("/reports"),
    ))
}

// ----- entities -----

pub struct Node {
    x: i64,
    y: i64,
    label: String,
    href: String,
    class: &'static str,
}

#[derive(Template)]
#[template(path = "information_entity.html")]
struct EntityPageT {
    l: Layout,
    id: Uuid,
    e: EntityItem,
    distribution: String,
    dist_code: String,
    reports: Vec<SummaryItem>,
    links: Vec<LinkItem>,
    nodes: Vec<Node>,
    back: String,
    may_link: bool,
    may_triage: bool,
    c: Choices,
    /// Other organisations, and whether the entity names them.
    partners: Vec<(OrgId, String, bool)>,
    /// A possible victim's entity, shown to someone who may link it to a protection case.
    victim: bool,
    victim_case: String,
    may_access_request: bool,
    message: Option<String>,
}

async fn entity_view(v: Viewer, Path(id): Path<String>) -> PageResult {
    let id = parse_uuid(&id)?;
    entity_page(&v, id, None).await
}

async fn entity_page(v: &Viewer, id: Uuid, message: Option<String>) -> PageResult {
    let p = v.session.principal();
    let access = v.access();
    let page = access.get_entity(id).await?;
    let own = page.entity.org_id == p.org_id;
    let partners = if own && p.may(Action::ReportTriage) {
        access
            .organisations()
            .directory()
            .await?
            .into_iter()
            .filter(|o| o.id != p.org_id)
            .map(|o| (o.id, o.name, page.shared_with.contains(&o.id)))
            .collect()
    } else {
        Vec::new()
    };
    let tr = &v.ctx.tr;
    let e = entity_item(tr, &page.entity);
    // The network view: this entity in the centre, its reports and linked entities around it.
    let mut nodes = Vec::new();
    let around: Vec<(String, String, &'static str)> = page
        .reports
        .iter()
        .map(|r| {
            (
                format!("{} {}", tr.t("info-report-short"), fmt_ms(r.created_at_ms)),
                format!("/reports/{}", r.id),
                "report",
            )
        })
        .chain(
            page.links
                .iter()
                .filter(|(l, _)| l.status != LinkStatus::Rejected)
                .map(|(l, o)| {
                    (
                        o.value
                            .clone()
                            .unwrap_or_else(|| tr.t("info-withheld-short")),
                        format!("/entities/{}", o.id),
                        if l.status == LinkStatus::Confirmed {
                            "confirmed"
                        } else {
                            "suggested"
                        },
                    )
                }),
        )
        .take(16)
        .collect();
    let n = around.len().max(1) as f64;
    for (i, (label, href, class)) in around.into_iter().enumerate() {
        let a = std::f64::consts::TAU * i as f64 / n;
        nodes.push(Node {
            x: (160.0 + 120.0 * a.cos()).round() as i64,
            y: (140.0 + 100.0 * a.sin()).round() as i64,
            label: label.chars().take(24).collect(),
            href,
            class,
        });
    }
    let links = page
        .links
        .iter()
        .map(|(l, o)| (l.clone(), page.entity.clone(), o.clone()))
        .collect();
    let is_victim = page.entity.role == EntityRole::PossibleVictim;
    html(&EntityPageT {
        l: layout(&v.ctx, tr.t("info-entity-title"), "/reports"),
        id,
        distribution: label(tr, "dist", page.entity.distribution.as_str()),
        dist_code: page.entity.distribution.as_str().to_owned(),
        e,
        reports: items(tr, page.reports),
        links: link_items(tr, links),
        nodes,
        back: format!("/entities/{id}"),
        may_link: p.may(Action::EntityLink) && own,
        may_triage: own && p.may(Action::ReportTriage),
        c: choices(tr),
        partners,
        victim: own && is_victim && p.may(Action::CaseRead),
        victim_case: page.victim_case.map(|c| c.to_string()).unwrap_or_default(),
        may_access_request: own && page.entity.suspect && p.may(Action::SuspectRead),
        message,
    })
}

async fn entity_distribution(
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
    match access.set_entity_distribution(id, level, partners).await {
        Ok(()) => Ok(see_other(&format!("/entities/{id}"))),
        Err(StoreError::Invalid(errors)) => {
            let msg = field_messages(&v.ctx.tr, &errors).join(" ");
            entity_page(&v, id, Some(msg))
                .await
                .map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct VictimCaseForm {
    /// The protection case's id; empty to remove the link.
    #[serde(default)]
    case: String,
}

/// Links a possible victim's entity to the protection case holding the victim's consent (or
/// removes the link, which ends any sharing at once).
async fn entity_victim_case(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Posted<VictimCaseForm>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let id = parse_uuid(&id)?;
    let access = v.access();
    let case = data.case.trim();
    let done = if case.is_empty() {
        access.unlink_victim_case(id).await
    } else {
        match case.parse::<ally_core::protection::CaseId>() {
            Ok(c) => access.link_victim_case(id, c).await,
            Err(_) => Err(StoreError::Invalid(vec![FieldError {
                field: "case",
                code: "invalid",
            }])),
        }
    };
    match done {
        Ok(()) => Ok(see_other(&format!("/entities/{id}"))),
        Err(StoreError::Invalid(errors)) => {
            let msg = field_messages(&v.ctx.tr, &errors).join(" ");
            entity_page(&v, id, Some(msg))
                .await
                .map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ----- a suspect's access request -----

#[derive(Template)]
#[template(path = "information_access_request.html")]
struct AccessRequestPage {
    l: Layout,
    id: Uuid,
    entity: (String, String, String, String),
    reports: Vec<(String, String)>,
    linked: Vec<(String, String, String, String)>,
    retain: String,
}

fn suspect_entry(tr: &Tr, e: &ally_store::SuspectEntry) -> (String, String, String, String) {
    (
        label(tr, "kind", e.kind.as_str()),
        label(tr, "role", e.role.as_str()),
        e.value.clone(),
        e.recorded_on.clone(),
    )
}

/// What is held about one suspect, for the person's access request: no victims, witnesses,
/// report text or reporters (the store builds it that way).
async fn access_request(v: Viewer, Path(id): Path<String>) -> PageResult {
    let id = parse_uuid(&id)?;
    let x = v.access().suspect_access_extract(id).await?;
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

// ----- attachments -----

async fn attachment_upload(
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
    match access.add_report_attachment(id, &image).await {
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
async fn attachment_download(v: Viewer, Path(id): Path<String>) -> PageResult {
    let id = parse_uuid(&id)?;
    let (ct, bytes) = v.access().get_report_attachment(id).await?;
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

// ----- the organisation's intake address -----

#[derive(Template)]
#[template(path = "information_intake.html")]
struct IntakePage {
    l: Layout,
    slug: String,
    current: Option<String>,
    is_default: bool,
    errors: Vec<String>,
}

async fn intake_page_with(v: &Viewer, slug: Option<String>, errors: Vec<String>) -> PageResult {
    let current = v.access().report_intake().await?;
    let tr = &v.ctx.tr;
    html(&IntakePage {
        l: layout(&v.ctx, tr.t("info-intake-title"), "/organisation"),
        slug: slug
            .or_else(|| current.as_ref().map(|c| c.slug.clone()))
            .unwrap_or_default(),
        is_default: current.as_ref().is_some_and(|c| c.is_default),
        current: current.map(|c| c.slug),
        errors,
    })
}

async fn intake_page(v: Viewer) -> PageResult {
    intake_page_with(&v, None, Vec::new()).await
}

#[derive(Deserialize)]
struct IntakeForm {
    #[serde(default)]
    slug: String,
    /// `clear` removes the address.
    #[serde(default)]
    action: String,
}

async fn intake_save(v: Viewer, Posted { data, csrf }: Posted<IntakeForm>) -> PageResult {
    v.check_csrf(&csrf)?;
    let access = v.access();
    let slug = (data.action != "clear").then_some(data.slug.as_str());
    if slug.is_some_and(|s| s.trim().is_empty()) {
        access.require(Action::OrgManage).await?;
        let msg = field_messages(
            &v.ctx.tr,
            &[FieldError {
                field: "slug",
                code: "required",
            }],
        );
        return intake_page_with(&v, Some(String::new()), msg)
            .await
            .map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response());
    }
    match access.set_report_intake(slug).await {
        Ok(()) => Ok(see_other("/settings/intake")),
        Err(StoreError::Invalid(errors)) => {
            let msg = field_messages(&v.ctx.tr, &errors);
            intake_page_with(&v, Some(data.slug.chars().take(60).collect()), msg)
                .await
                .map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ----- operation packages -----

#[derive(Template)]
#[template(path = "information_operations.html")]
struct OperationsPage {
    l: Layout,
    items: Vec<(Uuid, String, bool)>,
}

async fn operations(v: Viewer) -> PageResult {
    let p = v.session.principal();
    let list = v.access().list_operations().await?;
    let tr = &v.ctx.tr;
    html(&OperationsPage {
        l: layout(&v.ctx, tr.t("info-operations-title"), "/reports"),
        items: list
            .into_iter()
            .map(|o| (o.id, fmt_ms(o.created_at_ms), o.org_id == p.org_id))
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "information_operation_form.html")]
struct OperationFormPage {
    l: Layout,
    liaisons: Vec<(OrgId, String)>,
    reports: Vec<(Uuid, String, bool)>,
    entities: Vec<(Uuid, EntityItem, bool)>,
    reason: String,
    errors: Vec<String>,
}

#[derive(Deserialize)]
struct NewOperationQuery {
    #[serde(default)]
    report: String,
}

async fn operation_form(
    v: &Viewer,
    selected_reports: &[Uuid],
    selected_entities: &[Uuid],
    reason: String,
    errors: Vec<String>,
) -> PageResult {
    let p = v.session.principal();
    let access = v.access();
    let liaisons = access.police_liaisons().await?;
    let tr = &v.ctx.tr;
    let mut reports = Vec::new();
    let mut entities = Vec::new();
    for id in selected_reports {
        let r = access.get_report(*id).await?;
        if r.org_id != p.org_id {
            return Err(PageError::new(Failure::NotFound));
        }
        reports.push((r.id, r.text.what.chars().take(90).collect(), true));
        for e in &r.entities {
            if !entities.iter().any(|(id, _, _)| *id == e.id) {
                entities.push((
                    e.id,
                    entity_item(tr, e),
                    selected_entities.contains(&e.id)
                        || (selected_entities.is_empty() && e.role != EntityRole::PossibleVictim),
                ));
            }
        }
    }
    html(&OperationFormPage {
        l: layout(&v.ctx, tr.t("info-operation-new"), "/reports"),
        liaisons,
        reports,
        entities,
        reason,
        errors,
    })
}

async fn operation_new(v: Viewer, Query(q): Query<NewOperationQuery>) -> PageResult {
    v.access().require(Action::OperationExport).await?;
    let selected: Vec<Uuid> = q.report.parse().ok().into_iter().collect();
    operation_form(&v, &selected, &[], String::new(), Vec::new()).await
}

async fn operation_create(
    v: Viewer,
    Posted { data, csrf }: Posted<Vec<(String, String)>>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let access = v.access();
    access.require(Action::OperationExport).await?;
    let bad = || PageError::new(Failure::BadRequest);
    let mut reports = Vec::new();
    let mut entities = Vec::new();
    let mut to = None;
    let mut reason = String::new();
    for (k, val) in &data {
        match k.as_str() {
            "report" => reports.push(val.parse::<Uuid>().map_err(|_| bad())?),
            "entity" => entities.push(val.parse::<Uuid>().map_err(|_| bad())?),
            "to_org" => to = Some(val.parse::<OrgId>().map_err(|_| bad())?),
            "reason" => reason = val.clone(),
            _ => {}
        }
    }
    let Some(to_org) = to else {
        let msgs = field_messages(
            &v.ctx.tr,
            &[FieldError {
                field: "to_org",
                code: "required",
            }],
        );
        return operation_form(&v, &reports, &entities, reason, msgs)
            .await
            .map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response());
    };
    let req = OperationRequest {
        to_org,
        reason: reason.clone(),
        reports: reports.clone(),
        entities: entities.clone(),
    };
    match access.export_operation(req).await {
        Ok(id) => Ok(see_other(&format!("/operations/{id}"))),
        Err(StoreError::Invalid(errors)) => {
            let msgs = field_messages(&v.ctx.tr, &errors);
            operation_form(&v, &reports, &entities, reason, msgs)
                .await
                .map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "information_operation.html")]
struct OperationPage {
    l: Layout,
    id: Uuid,
    from: String,
    to: String,
    reason: String,
    created: String,
    reports: Vec<(String, String, String, String)>,
    entities: Vec<(String, String, String)>,
    timeline: Vec<(String, String)>,
    manifest: Vec<(String, String)>,
    verified: bool,
}

async fn operation_view(v: Viewer, Path(id): Path<String>) -> PageResult {
    let id = parse_uuid(&id)?;
    let pkg = v.access().get_operation(id).await?;
    let doc: serde_json::Value =
        serde_json::from_str(&pkg.json).map_err(|_| PageError::new(Failure::Internal))?;
    let s = |v: &serde_json::Value| match v {
        serde_json::Value::String(x) => x.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    let tr = &v.ctx.tr;
    html(&OperationPage {
        l: layout(&v.ctx, tr.t("info-operation-title"), "/reports"),
        id,
        from: s(&doc["from"]["name"]),
        to: s(&doc["to"]["name"]),
        reason: s(&doc["reason"]),
        created: fmt_ms(pkg.created_at_ms),
        reports: doc["reports"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| {
                (
                    s(&r["observed_on"]),
                    s(&r["place"]),
                    label(tr, "expl", &s(&r["exploitation"])),
                    s(&r["what"]),
                )
            })
            .collect(),
        entities: doc["entities"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                (
                    label(tr, "kind", &s(&e["kind"])),
                    label(tr, "role", &s(&e["role"])),
                    s(&e["value"]),
                )
            })
            .collect(),
        timeline: doc["timeline"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| (s(&t["date"]), label(tr, "expl", &s(&t["event"]))))
            .collect(),
        manifest: pkg
            .manifest
            .iter()
            .map(|m| (m.file.clone(), m.sha256.clone()))
            .collect(),
        verified: pkg.verified,
    })
}

fn download(body: String, content_type: &'static str, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

async fn operation_json(v: Viewer, Path(id): Path<String>) -> PageResult {
    let id = parse_uuid(&id)?;
    let pkg = v.access().get_operation(id).await?;
    Ok(download(
        pkg.json,
        "application/json",
        &format!("operation-{id}.json"),
    ))
}

async fn operation_html(v: Viewer, Path(id): Path<String>) -> PageResult {
    let id = parse_uuid(&id)?;
    let pkg = v.access().get_operation(id).await?;
    Ok(download(
        pkg.html,
        "text/html; charset=utf-8",
        &format!("operation-{id}.html"),
    ))
}

// ----- privacy-preserving matching between network members -----

pub(crate) mod pprl_xinst;

#[derive(Template)]
#[template(path = "information_pprl.html")]
struct PprlPage {
    l: Layout,
    runs: Vec<(Uuid, String, usize, bool, bool)>,
    error: Option<String>,
}

async fn pprl_page(v: &Viewer, error: Option<String>) -> PageResult {
    let runs = v.access().pprl_runs().await?;
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

async fn pprl_runs(v: Viewer) -> PageResult {
    pprl_page(&v, None).await
}

async fn pprl_start(v: Viewer, Posted { csrf, .. }: Posted<Vec<(String, String)>>) -> PageResult {
    v.check_csrf(&csrf)?;
    match v.access().start_pprl_run().await {
        Ok(id) => Ok(see_other(&format!("/pprl/{id}"))),
        Err(StoreError::Invalid(_)) => pprl_page(&v, Some(v.ctx.tr.t("info-pprl-no-network")))
            .await
            .map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "information_pprl_run.html")]
struct PprlRunPage {
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

async fn pprl_run_page(v: &Viewer, id: Uuid, error: Option<String>) -> PageResult {
    let (run, matches) = v.access().pprl_results(id).await?;
    let tr = &v.ctx.tr;
    html(&PprlRunPage {
        l: layout(&v.ctx, tr.t("info-pprl-run"), "/reports"),
        id,
        created: fmt_ms(run.created_at_ms),
        matched: run.matched_at_ms.map(fmt_ms).unwrap_or_default(),
        participants: run.participants.into_iter().map(|(_, n)| n).collect(),
        joined: run.joined,
        matches: matches.into_iter().map(pprl_xinst::match_row).collect(),
        error,
    })
}

async fn pprl_run(v: Viewer, Path(id): Path<String>) -> PageResult {
    let id = parse_uuid(&id)?;
    pprl_run_page(&v, id, None).await
}

async fn pprl_join(
    v: Viewer,
    Path(id): Path<String>,
    Posted { csrf, .. }: Posted<Vec<(String, String)>>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let id = parse_uuid(&id)?;
    v.access().join_pprl_run(id).await?;
    Ok(see_other(&format!("/pprl/{id}")))
}

async fn pprl_match_run(
    v: Viewer,
    Path(id): Path<String>,
    Posted { csrf, .. }: Posted<Vec<(String, String)>>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let id = parse_uuid(&id)?;
    v.access().match_pprl_run(id).await?;
    Ok(see_other(&format!("/pprl/{id}")))
}

// ----- JSON API -----

type ApiResult<T> = Result<T, ApiError>;

fn api_uuid(s: &str) -> Result<Uuid, ApiError> {
    s.parse()
        .map_err(|_| ApiError::new(Failure::NotFound, "no such record"))
}

#[derive(Serialize, ToSchema)]
pub struct ReportSummaryDto {
    id: String,
    organisation_id: String,
    source: String,
    status: String,
    exploitation: String,
    distribution: String,
    excerpt: String,
    created_at_ms: i64,
}

impl From<ReportSummary> for ReportSummaryDto {
    fn from(s: ReportSummary) -> Self {
        ReportSummaryDto {
            id: s.id.to_string(),
            organisation_id: s.org_id.to_string(),
            source: s.source.as_str().into(),
            status: s.status.as_str().into(),
            exploitation: s.exploitation.as_str().into(),
            distribution: s.distribution.as_str().into(),
            excerpt: s.excerpt,
            created_at_ms: s.created_at_ms,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct EntityDto {
    id: String,
    kind: String,
    role: String,
    /// Criminal-offence data (an offender's role).
    suspect: bool,
    distribution: String,
    /// Absent when withheld (criminal-offence data, the caller lacks `suspect.read`).
    value: Option<String>,
}

impl From<&EntityView> for EntityDto {
    fn from(e: &EntityView) -> Self {
        EntityDto {
            id: e.id.to_string(),
            kind: e.kind.as_str().into(),
            role: e.role.as_str().into(),
            suspect: e.suspect,
            distribution: e.distribution.as_str().into(),
            value: e.value.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReportDto {
    id: String,
    organisation_id: String,
    source: String,
    status: String,
    exploitation: String,
    indicators: Vec<String>,
    distribution: String,
    what: String,
    place: String,
    latitude: Option<f64>,
    longitude: Option<f64>,
    observed_on: Option<String>,
    entities: Vec<EntityDto>,
    created_at_ms: i64,
}

#[derive(Serialize, ToSchema)]
pub struct LinkDto {
    id: String,
    other_entity: EntityDto,
    status: String,
    method: String,
    /// Match probability in per mille.
    score: i64,
    /// Each field's contribution to the match weight (log2 odds).
    contributions: Vec<(String, f64)>,
}

#[derive(Serialize, ToSchema)]
pub struct EntityPageDto {
    entity: EntityDto,
    reports: Vec<ReportSummaryDto>,
    links: Vec<LinkDto>,
}

#[derive(Deserialize, ToSchema)]
pub struct EntityInputDto {
    /// person, company, place, phone, vehicle, website, bank_account
    kind: String,
    /// possible_victim, witness, recruiter, exploiter, driver, landlord, employer, unknown
    #[serde(default)]
    role: String,
    value: String,
}

#[derive(Deserialize, ToSchema)]
pub struct ReportInputDto {
    what: String,
    #[serde(default)]
    observed_on: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    latitude: Option<f64>,
    #[serde(default)]
    longitude: Option<f64>,
    #[serde(default)]
    exploitation: String,
    /// Indicator ids of the identification catalogue.
    #[serde(default)]
    indicators: Vec<String>,
    /// own, aggregate, partners, network, law_enforcement (wider than own needs a coordinator).
    #[serde(default)]
    distribution: String,
    #[serde(default)]
    entities: Vec<EntityInputDto>,
}

#[derive(Serialize, ToSchema)]
pub struct FiledDto {
    id: String,
}

#[derive(Deserialize, ToSchema)]
pub struct LinkDecision {
    /// `confirm` or `reject`.
    decision: String,
}

fn invalid_api(errors: &[FieldError]) -> ApiError {
    ApiError::new(
        Failure::BadRequest,
        errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.code))
            .collect::<Vec<_>>()
            .join("; "),
    )
}

/// Reports the caller may read (own organisation and those distributed to it); `q` searches.
#[utoipa::path(get, path = "/api/v1/reports", tag = "information", security(("bearer" = [])),
    params(("q" = Option<String>, Query, description = "Words in any script, or a phone number")),
    responses((status = 200, body = [ReportSummaryDto]), (status = 403, body = ErrorBody)))]
async fn api_reports(
    caller: ApiCaller,
    axum::extract::State(state): axum::extract::State<AppState>,
    Query(q): Query<SearchQuery>,
) -> ApiResult<Json<Vec<ReportSummaryDto>>> {
    let access = state
        .store
        .access(&caller.principal, caller.client.as_deref());
    let query: String = q.q.trim().chars().take(200).collect();
    let list = if query.is_empty() {
        access.list_reports().await?
    } else {
        access.search_reports(&query).await?
    };
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// Files a report; links are suggested for its entities.
#[utoipa::path(post, path = "/api/v1/reports", tag = "information", security(("bearer" = [])),
    request_body = ReportInputDto,
    responses((status = 201, body = FiledDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn api_file_report(
    caller: ApiCaller,
    axum::extract::State(state): axum::extract::State<AppState>,
    JsonBody(body): JsonBody<ReportInputDto>,
) -> ApiResult<Response> {
    let access = state
        .store
        .access(&caller.principal, caller.client.as_deref());
    access.require(Action::ReportFile).await?;
    let input = ReportInput {
        what: body.what,
        observed_on: body.observed_on,
        place: body.place,
        latitude: body.latitude.map(|x| x.to_string()).unwrap_or_default(),
        longitude: body.longitude.map(|x| x.to_string()).unwrap_or_default(),
        exploitation: body.exploitation,
        indicators: body.indicators.join(","),
        distribution: body.distribution,
        entities: body
            .entities
            .into_iter()
            .map(|e| EntityInput {
                kind: e.kind,
                role: e.role,
                value: e.value,
            })
            .collect(),
    };
    let valid = input
        .validate(known_indicator(), false)
        .map_err(|e| invalid_api(&e))?;
    let id = match access.file_report(valid).await {
        Ok(id) => id,
        Err(StoreError::Invalid(e)) => return Err(invalid_api(&e)),
        Err(e) => return Err(e.into()),
    };
    Ok((StatusCode::CREATED, Json(FiledDto { id: id.to_string() })).into_response())
}

/// One report with its entities (offenders' data withheld without `suspect.read`).
#[utoipa::path(get, path = "/api/v1/reports/{id}", tag = "information", security(("bearer" = [])),
    params(("id" = String, Path, description = "Report id")),
    responses((status = 200, body = ReportDto), (status = 404, body = ErrorBody)))]
async fn api_report(
    caller: ApiCaller,
    axum::extract::State(state): axum::extract::State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<ReportDto>> {
    let id = api_uuid(&id)?;
    let r = state
        .store
        .access(&caller.principal, caller.client.as_deref())
        .get_report(id)
        .await?;
    Ok(Json(ReportDto {
        id: r.id.to_string(),
        organisation_id: r.org_id.to_string(),
        source: r.source.as_str().into(),
        status: r.status.as_str().into(),
        exploitation: r.exploitation.as_str().into(),
        indicators: r.indicators.clone(),
        distribution: r.distribution.as_str().into(),
        what: r.text.what.clone(),
        place: r.text.place.clone(),
        latitude: r.text.latitude,
        longitude: r.text.longitude,
        observed_on: r.text.observed_on.clone(),
        entities: r.entities.iter().map(Into::into).collect(),
        created_at_ms: r.created_at_ms,
    }))
}

/// An entity with its reports and links (each with its field contributions).
#[utoipa::path(get, path = "/api/v1/entities/{id}", tag = "information", security(("bearer" = [])),
    params(("id" = String, Path, description = "Entity id")),
    responses((status = 200, body = EntityPageDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn api_entity(
    caller: ApiCaller,
    axum::extract::State(state): axum::extract::State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<EntityPageDto>> {
    let id = api_uuid(&id)?;
    let page = state
        .store
        .access(&caller.principal, caller.client.as_deref())
        .get_entity(id)
        .await?;
    Ok(Json(EntityPageDto {
        entity: (&page.entity).into(),
        reports: page.reports.into_iter().map(Into::into).collect(),
        links: page
            .links
            .iter()
            .map(|(l, o)| LinkDto {
                id: l.id.to_string(),
                other_entity: o.into(),
                status: l.status.as_str().into(),
                method: l.method.clone(),
                score: l.score,
                contributions: l.contributions.clone(),
            })
            .collect(),
    }))
}

/// Attaches an image to a report of the caller's organisation: the body is the image
/// (`image/jpeg` or `image/png`); its metadata (EXIF with the GPS position, XMP, text chunks)
/// is removed before it is stored, sealed. Anything else is refused with 400.
#[utoipa::path(post, path = "/api/v1/reports/{id}/attachments", tag = "information", security(("bearer" = [])),
    params(("id" = String, Path, description = "Report id")),
    request_body(content = Vec<u8>, content_type = "image/jpeg"),
    responses((status = 201, body = FiledDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody)))]
async fn api_attach(
    caller: ApiCaller,
    axum::extract::State(state): axum::extract::State<AppState>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let access = state
        .store
        .access(&caller.principal, caller.client.as_deref());
    let Ok(id) = id.parse::<Uuid>() else {
        access.require(Action::ReportFile).await?;
        return Err(ApiError::new(Failure::NotFound, "no such record"));
    };
    let id = match access.add_report_attachment(id, &body).await {
        Ok(id) => id,
        Err(StoreError::Invalid(e)) => return Err(invalid_api(&e)),
        Err(e) => return Err(e.into()),
    };
    Ok((StatusCode::CREATED, Json(FiledDto { id: id.to_string() })).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct SuspectEntryDto {
    kind: String,
    role: String,
    value: String,
    recorded_on: String,
}

#[derive(Serialize, ToSchema)]
pub struct SuspectReportDto {
    date: String,
    exploitation: String,
}

/// What the organisation holds about one suspect, for the person's access request: the value,
/// the dates and kinds of reports it appears in, linked suspects' entities. Never victims,
/// witnesses, report text or who reported.
#[derive(Serialize, ToSchema)]
pub struct SuspectExtractDto {
    entity: SuspectEntryDto,
    reports: Vec<SuspectReportDto>,
    linked: Vec<SuspectEntryDto>,
    retain_until_ms: i64,
}

fn suspect_dto(e: &ally_store::SuspectEntry) -> SuspectEntryDto {
    SuspectEntryDto {
        kind: e.kind.as_str().into(),
        role: e.role.as_str().into(),
        value: e.value.clone(),
        recorded_on: e.recorded_on.clone(),
    }
}

/// A suspect's access-request extract (roles with `suspect.read`, own organisation; audited).
#[utoipa::path(get, path = "/api/v1/entities/{id}/access-request", tag = "information", security(("bearer" = [])),
    params(("id" = String, Path, description = "Entity id (an offender's role)")),
    responses((status = 200, body = SuspectExtractDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn api_access_request(
    caller: ApiCaller,
    axum::extract::State(state): axum::extract::State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<SuspectExtractDto>> {
    let access = state
        .store
        .access(&caller.principal, caller.client.as_deref());
    let Ok(id) = id.parse::<Uuid>() else {
        access.require(Action::SuspectRead).await?;
        return Err(ApiError::new(Failure::NotFound, "no such record"));
    };
    let x = match access.suspect_access_extract(id).await {
        Ok(x) => x,
        Err(StoreError::Invalid(e)) => return Err(invalid_api(&e)),
        Err(e) => return Err(e.into()),
    };
    Ok(Json(SuspectExtractDto {
        entity: suspect_dto(&x.entity),
        reports: x
            .reports
            .iter()
            .map(|r| SuspectReportDto {
                date: r.date.clone(),
                exploitation: r.exploitation.as_str().into(),
            })
            .collect(),
        linked: x.linked.iter().map(suspect_dto).collect(),
        retain_until_ms: x.retain_until_ms,
    }))
}

/// Confirms or rejects a suggested link; later runs respect the decision.
#[utoipa::path(post, path = "/api/v1/entities/links/{id}", tag = "information", security(("bearer" = [])),
    params(("id" = String, Path, description = "Link id")), request_body = LinkDecision,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn api_decide_link(
    caller: ApiCaller,
    axum::extract::State(state): axum::extract::State<AppState>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<LinkDecision>,
) -> ApiResult<StatusCode> {
    let id = api_uuid(&id)?;
    let confirm = match body.decision.as_str() {
        "confirm" => true,
        "reject" => false,
        _ => {
            return Err(ApiError::new(
                Failure::BadRequest,
                "decision: use confirm or reject",
            ));
        }
    };
    state
        .store
        .access(&caller.principal, caller.client.as_deref())
        .decide_link(id, confirm)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
