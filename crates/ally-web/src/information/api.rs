//! The information module's JSON API (`/api/v1/reports`, `/api/v1/entities`): DTOs and handlers.

use ally_core::authz::Action;
use ally_core::information::{EntityInput, ReportInput};
use ally_core::person::FieldError;
use ally_store::{EntityView, ReportSummary, StoreError};
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::ctx::ApiCaller;
use crate::error::{ApiError, Failure};
use crate::json::{ErrorBody, JsonBody};

use crate::information::common::{ApiResult, SearchQuery, api_uuid, known_indicator};

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

pub(crate) fn invalid_api(errors: &[FieldError]) -> ApiError {
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
pub(crate) async fn api_reports(
    caller: ApiCaller,
    axum::extract::State(state): axum::extract::State<AppState>,
    Query(q): Query<SearchQuery>,
) -> ApiResult<Json<Vec<ReportSummaryDto>>> {
    let access = caller.access(&state.store);
    let query: String = q.q.trim().chars().take(200).collect();
    let list = if query.is_empty() {
        access.reports().list_reports().await?
    } else {
        access.report_search().search_reports(&query).await?
    };
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// Files a report; links are suggested for its entities.
#[utoipa::path(post, path = "/api/v1/reports", tag = "information", security(("bearer" = [])),
    request_body = ReportInputDto,
    responses((status = 201, body = FiledDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn api_file_report(
    caller: ApiCaller,
    axum::extract::State(state): axum::extract::State<AppState>,
    JsonBody(body): JsonBody<ReportInputDto>,
) -> ApiResult<Response> {
    let access = caller.access(&state.store);
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
    let id = match access.reports().file_report(valid).await {
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
pub(crate) async fn api_report(
    caller: ApiCaller,
    axum::extract::State(state): axum::extract::State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<ReportDto>> {
    let id = api_uuid(&id)?;
    let r = caller.access(&state.store).reports().get_report(id).await?;
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
pub(crate) async fn api_entity(
    caller: ApiCaller,
    axum::extract::State(state): axum::extract::State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<EntityPageDto>> {
    let id = api_uuid(&id)?;
    let page = caller
        .access(&state.store)
        .entities()
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
pub(crate) async fn api_attach(
    caller: ApiCaller,
    axum::extract::State(state): axum::extract::State<AppState>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let access = caller.access(&state.store);
    let Ok(id) = id.parse::<Uuid>() else {
        access.require(Action::ReportFile).await?;
        return Err(ApiError::new(Failure::NotFound, "no such record"));
    };
    let id = match access.attachments().add_report_attachment(id, &body).await {
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

pub(crate) fn suspect_dto(e: &ally_store::SuspectEntry) -> SuspectEntryDto {
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
pub(crate) async fn api_access_request(
    caller: ApiCaller,
    axum::extract::State(state): axum::extract::State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<SuspectExtractDto>> {
    let access = caller.access(&state.store);
    let Ok(id) = id.parse::<Uuid>() else {
        access.require(Action::SuspectRead).await?;
        return Err(ApiError::new(Failure::NotFound, "no such record"));
    };
    let x = match access.access_requests().suspect_access_extract(id).await {
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
pub(crate) async fn api_decide_link(
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
    caller
        .access(&state.store)
        .links()
        .decide_link(id, confirm)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
