//! The labour module's JSON API: employers and workplaces with their chains, inspections
//! with entries and photos, document checks, labour-court cases; each handler with its OpenAPI
//! annotation.

use ally_core::authz::Action;
use ally_core::labour::RuleSet;
use ally_core::labour::{
    CaseEntry, ChainLinkInput, CheckInput, EmployerInput, InspectionPlan, InspectionView,
    LabourCase, NewLabourCase, PartnerInput, WorkplaceInput, check_documents,
};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::ctx::ApiCaller;
use crate::error::{ApiError, Failure};
use crate::json::{ErrorBody, JsonBody};
use crate::labour::forms::EntryForm;

pub(crate) type ApiResult<T> = Result<T, ApiError>;

#[derive(Serialize, ToSchema)]
pub struct CreatedDto {
    id: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmployerBody {
    legal_name: String,
    #[serde(default)]
    registration_number: String,
    /// construction, agriculture, hospitality, cleaning, manufacturing, logistics, care,
    /// domestic_work, other
    sector: String,
    #[serde(default)]
    addresses: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EmployerDto {
    id: String,
    legal_name: String,
    registration_number: String,
    sector: String,
    addresses: Vec<String>,
    created_at_ms: i64,
}

impl From<ally_core::labour::Employer> for EmployerDto {
    fn from(e: ally_core::labour::Employer) -> Self {
        EmployerDto {
            id: e.id,
            legal_name: e.legal_name,
            registration_number: e.registration_number,
            sector: e.sector,
            addresses: e.addresses,
            created_at_ms: e.created_at_ms,
        }
    }
}

/// The organisation's employers.
#[utoipa::path(get, path = "/api/v1/employers", tag = "labour", security(("bearer" = [])),
    responses((status = 200, body = [EmployerDto]), (status = 403, body = ErrorBody)))]
pub(crate) async fn api_employers(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<Vec<EmployerDto>>> {
    let list = caller
        .access(&state.store)
        .employers()
        .list_employers()
        .await?;
    Ok(Json(list.into_iter().map(EmployerDto::from).collect()))
}

/// Register an employer.
#[utoipa::path(post, path = "/api/v1/employers", tag = "labour", request_body = EmployerBody, security(("bearer" = [])),
    responses((status = 201, body = CreatedDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn api_employer_create(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(b): JsonBody<EmployerBody>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let id = caller
        .access(&state.store)
        .employers()
        .create_employer(EmployerInput {
            legal_name: b.legal_name,
            registration_number: b.registration_number,
            sector: b.sector,
            addresses: b.addresses,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

/// One employer.
#[utoipa::path(get, path = "/api/v1/employers/{id}", tag = "labour", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = EmployerDto), (status = 404, body = ErrorBody)))]
pub(crate) async fn api_employer(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<EmployerDto>> {
    let e = caller
        .access(&state.store)
        .employers()
        .get_employer(&id)
        .await?;
    Ok(Json(e.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkplaceBody {
    employer_id: String,
    name: String,
    #[serde(default)]
    address: String,
}

/// Register a workplace or site of an employer (the employer heads its chain).
#[utoipa::path(post, path = "/api/v1/workplaces", tag = "labour", request_body = WorkplaceBody, security(("bearer" = [])),
    responses((status = 201, body = CreatedDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn api_workplace_create(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(b): JsonBody<WorkplaceBody>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let id = caller
        .access(&state.store)
        .employers()
        .create_workplace(WorkplaceInput {
            employer_id: b.employer_id,
            name: b.name,
            address: b.address,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

#[derive(Serialize, ToSchema)]
pub struct ChainLinkDto {
    employer_id: String,
    employer_name: String,
    /// principal, contractor, subcontractor, temporary_work_agency
    role: String,
    contracted_by: Option<String>,
    collective_agreement: String,
}

#[derive(Serialize, ToSchema)]
pub struct WorkplaceDto {
    id: String,
    employer_id: String,
    name: String,
    address: String,
    chain: Vec<ChainLinkDto>,
}

/// A workplace with its subcontracting chain.
#[utoipa::path(get, path = "/api/v1/workplaces/{id}", tag = "labour", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = WorkplaceDto), (status = 404, body = ErrorBody)))]
pub(crate) async fn api_workplace(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<WorkplaceDto>> {
    let w = caller
        .access(&state.store)
        .employers()
        .get_workplace(&id)
        .await?;
    Ok(Json(WorkplaceDto {
        id: w.id,
        employer_id: w.employer_id,
        name: w.name,
        address: w.address,
        chain: w
            .chain
            .into_iter()
            .map(|c| ChainLinkDto {
                employer_id: c.employer_id,
                employer_name: c.employer_name,
                role: c.role,
                contracted_by: c.contracted_by,
                collective_agreement: c.collective_agreement,
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChainLinkBody {
    employer_id: String,
    role: String,
    #[serde(default)]
    contracted_by: Option<String>,
    #[serde(default)]
    collective_agreement: String,
}

/// Add or replace an employer's link in the workplace's subcontracting chain.
#[utoipa::path(post, path = "/api/v1/workplaces/{id}/chain", tag = "labour", params(("id" = String, Path)), request_body = ChainLinkBody, security(("bearer" = [])),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn api_workplace_chain(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<ChainLinkBody>,
) -> ApiResult<StatusCode> {
    caller
        .access(&state.store)
        .employers()
        .set_chain_link(
            &id,
            ChainLinkInput {
                employer_id: b.employer_id,
                role: b.role,
                contracted_by: b.contracted_by,
                collective_agreement: b.collective_agreement,
            },
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct InspectionSummaryDto {
    id: String,
    date: String,
    status: String,
    workplace_name: String,
    /// The caller's organisation owns it (otherwise it takes part as a partner).
    is_owner: bool,
}

/// Inspections of the organisation and those it takes part in.
#[utoipa::path(get, path = "/api/v1/inspections", tag = "labour", security(("bearer" = [])),
    responses((status = 200, body = [InspectionSummaryDto]), (status = 403, body = ErrorBody)))]
pub(crate) async fn api_inspections(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<Vec<InspectionSummaryDto>>> {
    let list = caller
        .access(&state.store)
        .inspections()
        .list_inspections()
        .await?;
    Ok(Json(
        list.into_iter()
            .map(|i| InspectionSummaryDto {
                id: i.id,
                date: i.date,
                status: i.status,
                workplace_name: i.workplace_name,
                is_owner: i.is_owner,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartnerBody {
    org_id: String,
    /// union, police, labour_inspectorate, tax_authority
    kind: String,
    #[serde(default)]
    members: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InspectionBody {
    workplace_id: String,
    /// `YYYY-MM-DD`
    date: String,
    legal_basis: String,
    /// construction, agriculture
    checklist: String,
    #[serde(default)]
    languages: Vec<String>,
    #[serde(default)]
    interpreters_needed: bool,
    #[serde(default)]
    partners: Vec<PartnerBody>,
}

/// Plan a joint inspection.
#[utoipa::path(post, path = "/api/v1/inspections", tag = "labour", request_body = InspectionBody, security(("bearer" = [])),
    responses((status = 201, body = CreatedDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn api_inspection_create(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(b): JsonBody<InspectionBody>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let id = caller
        .access(&state.store)
        .inspections()
        .plan_inspection(InspectionPlan {
            workplace_id: b.workplace_id,
            date: b.date,
            legal_basis: b.legal_basis,
            checklist: b.checklist,
            languages: b.languages,
            interpreters_needed: b.interpreters_needed,
            partners: b
                .partners
                .into_iter()
                .map(|p| PartnerInput {
                    org_id: p.org_id,
                    kind: p.kind,
                    members: p.members,
                })
                .collect(),
        })
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

/// The inspection report as the caller may see it (JSON export): a partner sees its own
/// follow-up actions and only the identities of workers who consented to sharing them.
#[utoipa::path(get, path = "/api/v1/inspections/{id}", tag = "labour", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, description = "The inspection report", content_type = "application/json"), (status = 404, body = ErrorBody)))]
pub(crate) async fn api_inspection(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<InspectionView>> {
    let i = caller
        .access(&state.store)
        .inspections()
        .get_inspection(&id)
        .await?;
    Ok(Json(i))
}

/// Something recorded in an inspection. `kind` is one of answer (item, answer, note), worker
/// (name, language, person_id, consent_share, interview_id, note), consent (worker,
/// consent_share: given or withdrawn), document (document_kind, description), finding (text),
/// action (assigned_org, text, due), complete.
#[derive(Deserialize, ToSchema)]
pub struct InspectionEntryBody {
    kind: String,
    #[serde(default)]
    item: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    person_id: Option<String>,
    #[serde(default)]
    consent_share: bool,
    #[serde(default)]
    interview_id: Option<String>,
    #[serde(default)]
    document_kind: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    assigned_org: String,
    #[serde(default)]
    due: Option<String>,
    /// The worker's number (from 1), for `consent`.
    #[serde(default)]
    worker: Option<usize>,
}

/// Record an answer, a worker met, a document inspected, a finding or a follow-up action.
#[utoipa::path(post, path = "/api/v1/inspections/{id}/entries", tag = "labour", params(("id" = String, Path)), request_body = InspectionEntryBody, security(("bearer" = [])),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn api_inspection_entry(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<InspectionEntryBody>,
) -> ApiResult<StatusCode> {
    let access = caller.access(&state.store);
    let form = EntryForm {
        kind: b.kind,
        item: b.item,
        answer: b.answer,
        note: b.note,
        name: b.name,
        language: b.language,
        person_id: b.person_id.unwrap_or_default(),
        consent_share: b.consent_share.to_string(),
        interview_id: b.interview_id.unwrap_or_default(),
        document_kind: b.document_kind,
        description: b.description,
        text: b.text,
        assigned_org: b.assigned_org,
        due: b.due.unwrap_or_default(),
        worker: b.worker.map(|n| n.to_string()).unwrap_or_default(),
    };
    let Some(entry) = form.entry() else {
        access.require(Action::InspectionManage).await?;
        return Err(ApiError::new(Failure::BadRequest, "kind: unknown value"));
    };
    access.inspections().record_inspection(&id, entry).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Add a photo to an inspection: the body is the image (`Content-Type: image/jpeg` or
/// `image/png`); its metadata (EXIF, GPS position, XMP, text) is removed before it is stored.
#[utoipa::path(post, path = "/api/v1/inspections/{id}/photos", tag = "labour", params(("id" = String, Path)),
    request_body(content = Vec<u8>, content_type = "image/jpeg"), security(("bearer" = [])),
    responses((status = 201, body = CreatedDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub(crate) async fn api_inspection_photo(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let id = caller
        .access(&state.store)
        .inspections()
        .add_inspection_photo(&id, &body)
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

/// One worker's documents: `record` in the format of `ally labour check --input`, with optional
/// CSV text for more payslips and timesheet days.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckBody {
    worker_label: String,
    /// A shipped rule set id, e.g. `fr-construction-2025`.
    rule_set: String,
    #[serde(default)]
    inspection_id: Option<String>,
    #[schema(value_type = Object)]
    record: serde_json::Value,
    #[serde(default)]
    payslips_csv: String,
    #[serde(default)]
    timesheets_csv: String,
}

#[derive(Serialize, ToSchema)]
pub struct CheckDto {
    id: String,
    worker_label: String,
    rule_set: String,
    inspection_id: Option<String>,
    /// Each with kind, period, amount (decimal string), unit, arithmetic, rule, indicators.
    #[schema(value_type = Vec<Object>)]
    findings: Vec<ally_core::labour::StoredFinding>,
    notes: Vec<String>,
    created_at_ms: i64,
}

/// Run the document checks for one worker and store the findings.
#[utoipa::path(post, path = "/api/v1/document-checks", tag = "labour", request_body = CheckBody, security(("bearer" = [])),
    responses((status = 201, body = CreatedDto), (status = 400, body = ErrorBody, description = "The message names the row and field"), (status = 403, body = ErrorBody)))]
pub(crate) async fn api_check_create(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(b): JsonBody<CheckBody>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let access = caller.access(&state.store);
    access.require(Action::DocumentCheck).await?;
    let record = b.record.to_string();
    if let Ok(rules) = RuleSet::shipped(b.rule_set.trim())
        && let Err(message) = check_documents(&rules, &record, &b.payslips_csv, &b.timesheets_csv)
    {
        return Err(ApiError::new(Failure::BadRequest, message));
    }
    let id = access
        .document_checks()
        .run_document_check(CheckInput {
            worker_label: b.worker_label,
            rule_set: b.rule_set,
            inspection_id: b.inspection_id,
            record_json: record,
            payslips_csv: b.payslips_csv,
            timesheets_csv: b.timesheets_csv,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

/// A stored document check with its findings.
#[utoipa::path(get, path = "/api/v1/document-checks/{id}", tag = "labour", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = CheckDto), (status = 404, body = ErrorBody)))]
pub(crate) async fn api_check(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<CheckDto>> {
    let c = caller
        .access(&state.store)
        .document_checks()
        .get_document_check(&id)
        .await?;
    Ok(Json(CheckDto {
        id: c.id,
        worker_label: c.worker_label,
        rule_set: c.rule_set,
        inspection_id: c.inspection_id,
        findings: c.findings,
        notes: c.notes,
        created_at_ms: c.created_at_ms,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct CaseSummaryDto {
    id: String,
    title: String,
    status: String,
    claimed_total: String,
    next_hearing: Option<String>,
}

/// The organisation's labour-court cases.
#[utoipa::path(get, path = "/api/v1/labour-cases", tag = "labour", security(("bearer" = [])),
    responses((status = 200, body = [CaseSummaryDto]), (status = 403, body = ErrorBody)))]
pub(crate) async fn api_cases(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<Vec<CaseSummaryDto>>> {
    let list = caller
        .access(&state.store)
        .labour_cases()
        .list_labour_cases()
        .await?;
    Ok(Json(
        list.into_iter()
            .map(|c| CaseSummaryDto {
                id: c.id,
                title: c.title,
                status: c.status,
                claimed_total: c.claimed_total,
                next_hearing: c.next_hearing,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseBody {
    title: String,
    #[serde(default)]
    collective_agreement: String,
    claimant_name: String,
    /// Must be true: a case is brought only with the claimant's consent.
    claimant_consent: bool,
    /// A document check whose money findings become the first claims.
    #[serde(default)]
    check_id: Option<String>,
    #[serde(default)]
    employer_ids: Vec<String>,
}

/// Open a labour-court case.
#[utoipa::path(post, path = "/api/v1/labour-cases", tag = "labour", request_body = CaseBody, security(("bearer" = [])),
    responses((status = 201, body = CreatedDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn api_case_create(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(b): JsonBody<CaseBody>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let id = caller
        .access(&state.store)
        .labour_cases()
        .open_labour_case(NewLabourCase {
            title: b.title,
            collective_agreement: b.collective_agreement,
            claimant_name: b.claimant_name,
            claimant_consent: b.claimant_consent,
            check_id: b.check_id,
            employer_ids: b.employer_ids,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

/// A labour-court case: claimants, liable employers, claims, evidence with hashes, hearings,
/// outcome.
#[utoipa::path(get, path = "/api/v1/labour-cases/{id}", tag = "labour", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, description = "The case", content_type = "application/json"), (status = 404, body = ErrorBody)))]
pub(crate) async fn api_case(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<LabourCase>> {
    let c = caller
        .access(&state.store)
        .labour_cases()
        .get_labour_case(&id)
        .await?;
    Ok(Json(c))
}

/// A change to a case. `kind` is one of claimant (name, consent), employer (employer_id,
/// role), claim (description, amount, check_id), evidence (description, sha256), hearing
/// (date, court, note), outcome (text, recovered, date).
#[derive(Deserialize, ToSchema)]
pub struct CaseEntryBody {
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    consent: bool,
    #[serde(default)]
    employer_id: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    check_id: Option<String>,
    #[serde(default)]
    sha256: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    court: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    recovered: String,
}

/// Add a claimant, a liable employer, a claim, evidence, a hearing, or record the outcome.
#[utoipa::path(post, path = "/api/v1/labour-cases/{id}/entries", tag = "labour", params(("id" = String, Path)), request_body = CaseEntryBody, security(("bearer" = [])),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn api_case_entry(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<CaseEntryBody>,
) -> ApiResult<StatusCode> {
    let access = caller.access(&state.store);
    let entry = match b.kind.as_str() {
        "claimant" => CaseEntry::Claimant {
            name: b.name,
            consent: b.consent,
        },
        "employer" => CaseEntry::Employer {
            employer_id: b.employer_id,
            role: b.role,
        },
        "claim" => CaseEntry::Claim {
            description: b.description,
            amount: b.amount,
            check_id: b.check_id,
        },
        "evidence" => CaseEntry::Evidence {
            description: b.description,
            sha256: b.sha256,
        },
        "hearing" => CaseEntry::Hearing {
            date: b.date,
            court: b.court,
            note: b.note,
        },
        "outcome" => CaseEntry::Outcome {
            text: b.text,
            recovered: b.recovered,
            date: b.date,
        },
        _ => {
            access.require(Action::LabourCaseManage).await?;
            return Err(ApiError::new(Failure::BadRequest, "kind: unknown value"));
        }
    };
    access.labour_cases().update_labour_case(&id, entry).await?;
    Ok(StatusCode::NO_CONTENT)
}
