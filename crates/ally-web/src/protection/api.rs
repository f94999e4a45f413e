//! The protection module's JSON API: cases, services, consents, referrals, proceedings. The
//! same access layer as the pages; errors are `{"code", "message", "fields"}`.

use std::collections::BTreeSet;

use ally_core::authz::Action;
use ally_core::protection::htcds::ReferralReason;
use ally_core::protection::{
    CaseId, CaseState, ConsentPurpose, FieldGroup, ProceedingsStage, ServiceKind, ServiceStatus,
    VictimRole,
};
use ally_store::Page;
use ally_store::protection::{
    CaseContent, NewCase, NewConsent, NewReferralForm, NewService, OpenedCase, ReferralView,
    ServiceChange, ServiceRecord, TaskChange, parse_date,
};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::ctx::ApiCaller;
use crate::error::{ApiError, Failure};
use crate::json::{ErrorBody, JsonBody};

type ApiResult<T> = Result<T, ApiError>;

fn bad(field: &'static str, code: &'static str) -> ApiError {
    let mut e = ApiError::new(Failure::BadRequest, format!("{field}: {code}"));
    e.fields = vec![ally_core::person::FieldError { field, code }];
    e
}

fn case_id(s: &str) -> ApiResult<CaseId> {
    s.parse().map_err(|_| {
        ApiError::new(
            Failure::NotFound,
            crate::error::default_message(Failure::NotFound),
        )
    })
}

fn date(s: &Option<String>, field: &'static str) -> ApiResult<Option<time::Date>> {
    match s.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => parse_date(v)
            .map(Some)
            .ok_or_else(|| bad(field, "invalid_date")),
    }
}

fn groups(v: &[String], field: &'static str) -> ApiResult<BTreeSet<FieldGroup>> {
    v.iter()
        .map(|g| FieldGroup::parse(g).ok_or_else(|| bad(field, "invalid")))
        .collect()
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    id: String,
}

#[derive(Deserialize, IntoParams)]
pub struct CaseListParams {
    /// identified, recovery_reflection, assistance, follow_up, closed
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    offset: Option<i64>,
    #[serde(default)]
    limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CaseSummaryDto {
    id: String,
    state: String,
    identified_on: String,
    reflection_end: Option<String>,
    proceedings_open: bool,
    reference: String,
}

/// The organisation's cases (newest change first).
#[utoipa::path(get, path = "/api/v1/cases", tag = "protection", params(CaseListParams), security(("bearer" = [])),
    responses((status = 200, body = [CaseSummaryDto]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn list_cases(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<CaseListParams>,
) -> ApiResult<Json<Vec<CaseSummaryDto>>> {
    let access = caller.access(&state.store);
    let st = match q.state.as_deref() {
        None | Some("") => None,
        Some(s) => Some(CaseState::parse(s).ok_or_else(|| bad("state", "invalid"))?),
    };
    let items = access
        .cases()
        .list_cases(st, Page::new(q.offset.unwrap_or(0), q.limit.unwrap_or(50)))
        .await?;
    Ok(Json(
        items
            .into_iter()
            .map(|c| CaseSummaryDto {
                id: c.id.to_string(),
                state: c.state,
                identified_on: c.identified_on,
                reflection_end: c.reflection_end,
                proceedings_open: c.proceedings_open,
                reference: c.reference,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct CaseInput {
    /// A pseudonym or reference the team uses.
    reference: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    person_id: Option<String>,
    #[serde(default)]
    interview_id: Option<String>,
    /// YYYY-MM-DD; today when absent.
    #[serde(default)]
    identified_on: Option<String>,
    #[serde(default)]
    may_be_child: bool,
}

/// Open a case for a presumed victim.
#[utoipa::path(post, path = "/api/v1/cases", tag = "protection", request_body = CaseInput, security(("bearer" = [])),
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn create_case(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(i): JsonBody<CaseInput>,
) -> ApiResult<Response> {
    let access = caller.access(&state.store);
    access.require(Action::CaseCreate).await?;
    let person_id = match i.person_id.as_deref() {
        None | Some("") => None,
        Some(p) => Some(p.parse().map_err(|_| bad("person_id", "invalid"))?),
    };
    let id = access
        .cases()
        .create_case(NewCase {
            person_id,
            interview_id: i.interview_id.filter(|s| !s.is_empty()),
            identified_on: date(&i.identified_on, "identified_on")?,
            may_be_child: i.may_be_child,
            content: CaseContent {
                reference: i.reference,
                summary: i.summary,
                ..Default::default()
            },
        })
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id: id.to_string() })).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct ReferralDto {
    id: String,
    case_id: String,
    from_org: String,
    to_org: String,
    from_name: String,
    to_name: String,
    status: String,
    fields: Vec<String>,
    reason: String,
    sent_on: String,
    accepted_on: Option<String>,
    /// The service request referred alone; absent for a referral of the whole case.
    service_id: Option<String>,
    service_kind: Option<String>,
}

fn referral_dto(r: &ReferralView) -> ReferralDto {
    let x = &r.referral;
    ReferralDto {
        id: x.id.to_string(),
        case_id: x.case.to_string(),
        from_org: x.from_org.to_string(),
        to_org: x.to_org.to_string(),
        from_name: r.from_name.clone(),
        to_name: r.to_name.clone(),
        status: x.status.as_str().to_owned(),
        fields: x
            .fields
            .groups()
            .iter()
            .map(|g| g.as_str().to_owned())
            .collect(),
        reason: x.reason.as_str().to_owned(),
        sent_on: x.sent_on.to_string(),
        accepted_on: x.accepted_on.map(|d| d.to_string()),
        service_id: x.subject.service().map(|s| s.to_string()),
        service_kind: r.service_kind.map(|k| k.as_str().to_owned()),
    }
}

#[derive(Serialize, ToSchema)]
pub struct CaseDto {
    id: String,
    /// `full` for the lead organisation, `shared` for a referral recipient.
    view: String,
    state: Option<String>,
    htcds_status: Option<String>,
    identified_on: Option<String>,
    reflection_end: Option<String>,
    /// Field group -> [[label key, value]]: for a recipient, exactly the shared groups.
    fields: serde_json::Value,
    referrals: Vec<ReferralDto>,
    /// For a recipient: the service requests referred to it, and whether it may update each
    /// (it accepted the referral: it is the provider). Empty for the lead.
    referred_services: Vec<ServiceDto>,
}

#[derive(Serialize, ToSchema)]
pub struct ServiceDto {
    id: String,
    kind: String,
    status: String,
    start_on: Option<String>,
    end_on: Option<String>,
    outcome: String,
    may_update: bool,
}

fn service_dto(s: &ServiceRecord, may_update: bool) -> ServiceDto {
    ServiceDto {
        id: s.id.clone(),
        kind: s.kind.as_str().to_owned(),
        status: s.status.as_str().to_owned(),
        start_on: s.start_on.map(|d| d.to_string()),
        end_on: s.end_on.map(|d| d.to_string()),
        outcome: s.outcome.clone(),
        may_update,
    }
}

/// Read a case: the full record for the lead organisation, the shared field groups for a
/// referral recipient (audited).
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "protection", params(("id" = String, Path, description = "case id")), security(("bearer" = [])),
    responses((status = 200, body = CaseDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_case(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<CaseDto>> {
    let id = case_id(&id)?;
    let access = caller.access(&state.store);
    Ok(Json(match access.cases().open_case(id).await? {
        OpenedCase::Full(v) => {
            let c = &v.content;
            CaseDto {
                id: id.to_string(),
                view: "full".into(),
                state: Some(v.lifecycle.state().as_str().into()),
                htcds_status: Some(v.lifecycle.htcds_status().as_str().into()),
                identified_on: Some(v.lifecycle.identified_on().to_string()),
                reflection_end: v.lifecycle.reflection().map(|r| r.last_day().to_string()),
                fields: serde_json::json!({
                    "reference": c.reference, "summary": c.summary, "contact": c.contact,
                    "exploitation": c.exploitation, "health": c.health, "needs": c.needs,
                    "immigration": c.immigration,
                    "safety_plan": {"risk": c.safety.risk, "threats": c.safety.threats,
                        "contacts_to_avoid": c.safety.contacts_to_avoid,
                        "safe_channel": c.safety.safe_channel, "code_word": c.safety.code_word},
                    "services": v.services.iter().map(|s| serde_json::json!({
                        "id": s.id, "kind": s.kind.as_str(), "status": s.status.as_str(),
                        "provider_org": s.provider_org.map(|o| o.to_string()),
                        "start_on": s.start_on.map(|d| d.to_string()), "end_on": s.end_on.map(|d| d.to_string()),
                        "outcome": s.outcome})).collect::<Vec<_>>(),
                    "consents": v.consents.iter().map(|c| serde_json::json!({
                        "id": c.record.id.to_string(), "purpose": c.record.purpose.as_str(),
                        "status": c.record.status.as_str(),
                        "scope": c.record.scope.iter().map(|g| g.as_str()).collect::<Vec<_>>(),
                        "recipients": c.record.recipients.iter().map(|o| o.to_string()).collect::<Vec<_>>(),
                        "language": c.record.explained_in_language, "date": c.record.date.to_string()})).collect::<Vec<_>>(),
                    "proceedings": v.proceedings.iter().map(|p| serde_json::json!({
                        "id": p.id, "stage": p.stage.as_str(), "victim_role": p.victim_role.as_str(),
                        "outcome": p.outcome.map(|o| o.as_str()), "opened_on": p.opened_on.to_string()})).collect::<Vec<_>>(),
                    "court_dates": v.court_dates.iter().map(|c| serde_json::json!({
                        "on": c.on.to_string(), "accompanied": c.accompanied})).collect::<Vec<_>>(),
                }),
                referrals: v.referrals.iter().map(referral_dto).collect(),
                referred_services: Vec::new(),
            }
        }
        OpenedCase::Shared(s) => CaseDto {
            id: id.to_string(),
            view: "shared".into(),
            state: None,
            htcds_status: None,
            identified_on: None,
            reflection_end: None,
            fields: serde_json::to_value(
                s.fields
                    .iter()
                    .map(|(g, v)| (g.as_str(), v.clone()))
                    .collect::<std::collections::BTreeMap<_, _>>(),
            )
            .unwrap_or_default(),
            referrals: s.referrals.iter().map(referral_dto).collect(),
            referred_services: s
                .services
                .iter()
                .map(|(svc, may)| service_dto(svc, *may))
                .collect(),
        },
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct ServiceInput {
    /// safe_accommodation, medical_care, psychological_support, legal_counselling,
    /// interpretation, child_education, material_assistance, work_and_training,
    /// return_reintegration
    kind: String,
    /// requested, in_progress, delivered, declined, cancelled
    status: String,
    #[serde(default)]
    provider_org: Option<String>,
    #[serde(default)]
    start_on: Option<String>,
    #[serde(default)]
    end_on: Option<String>,
    #[serde(default)]
    outcome: String,
}

/// Record a service (Warsaw Convention art. 12 catalogue).
#[utoipa::path(post, path = "/api/v1/cases/{id}/services", tag = "protection", params(("id" = String, Path, description = "case id")), request_body = ServiceInput, security(("bearer" = [])),
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn add_service(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(i): JsonBody<ServiceInput>,
) -> ApiResult<Response> {
    let id = case_id(&id)?;
    let access = caller.access(&state.store);
    let provider_org = match i.provider_org.as_deref() {
        None | Some("") => None,
        Some(p) => Some(p.parse().map_err(|_| bad("provider_org", "invalid"))?),
    };
    let sid = access
        .services()
        .add_service(
            id,
            NewService {
                kind: ServiceKind::parse(&i.kind).ok_or_else(|| bad("kind", "invalid"))?,
                provider_org,
                start_on: date(&i.start_on, "start_on")?,
                end_on: date(&i.end_on, "end_on")?,
                status: ServiceStatus::parse(&i.status).ok_or_else(|| bad("status", "invalid"))?,
                outcome: i.outcome,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id: sid })).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct ServiceUpdateInput {
    /// The new status (or the same): requested → in_progress → delivered; declined (from
    /// requested); cancelled (from requested or in_progress). Final states do not change.
    status: String,
    /// The date of that status (start for in_progress, end for the final ones); today when
    /// absent.
    #[serde(default)]
    on: Option<String>,
    /// A new outcome text; absent keeps the current one.
    #[serde(default)]
    outcome: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CaseRef {
    case_id: String,
}

fn not_found() -> ApiError {
    ApiError::new(
        Failure::NotFound,
        crate::error::default_message(Failure::NotFound),
    )
}

/// Update a service request (status with its date, outcome): the lead organisation, or the
/// provider that accepted the referral of exactly this service.
#[utoipa::path(post, path = "/api/v1/services/{id}", tag = "protection", params(("id" = String, Path, description = "service id")), request_body = ServiceUpdateInput, security(("bearer" = [])),
    responses((status = 200, body = CaseRef), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn update_service(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(i): JsonBody<ServiceUpdateInput>,
) -> ApiResult<Json<CaseRef>> {
    if id
        .parse::<ally_core::protection::ServiceRequestId>()
        .is_err()
    {
        return Err(not_found());
    }
    let change = ServiceChange {
        status: ServiceStatus::parse(&i.status).ok_or_else(|| bad("status", "invalid"))?,
        on: date(&i.on, "on")?,
        outcome: i.outcome,
    };
    if change
        .outcome
        .as_ref()
        .is_some_and(|o| o.chars().count() > 2000)
    {
        return Err(bad("outcome", "too_long"));
    }
    let access = caller.access(&state.store);
    let case = access.services().update_service(&id, change).await?;
    Ok(Json(CaseRef {
        case_id: case.to_string(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct TaskUpdateInput {
    /// Mark done (or not done again).
    #[serde(default)]
    done: Option<bool>,
    /// A user id of the lead organisation; "" for nobody; absent keeps the assignee.
    #[serde(default)]
    assignee: Option<String>,
    /// YYYY-MM-DD; "" for no due date; absent keeps it.
    #[serde(default)]
    due_on: Option<String>,
}

/// Update a task of the case plan: done, reassigned, due date changed.
#[utoipa::path(post, path = "/api/v1/tasks/{id}", tag = "protection", params(("id" = String, Path, description = "task id")), request_body = TaskUpdateInput, security(("bearer" = [])),
    responses((status = 200, body = CaseRef), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn update_task(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(i): JsonBody<TaskUpdateInput>,
) -> ApiResult<Json<CaseRef>> {
    if id.parse::<uuid::Uuid>().is_err() {
        return Err(not_found());
    }
    let change = TaskChange {
        done: i.done,
        assignee: match i.assignee.as_deref().map(str::trim) {
            None => None,
            Some("") => Some(None),
            Some(u) => Some(Some(u.parse().map_err(|_| bad("assignee", "invalid"))?)),
        },
        due_on: match i.due_on.as_deref().map(str::trim) {
            None => None,
            Some("") => Some(None),
            Some(d) => Some(Some(
                parse_date(d).ok_or_else(|| bad("due_on", "invalid_date"))?,
            )),
        },
    };
    let access = caller.access(&state.store);
    let case = access.services().update_task(&id, change).await?;
    Ok(Json(CaseRef {
        case_id: case.to_string(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct ConsentInput {
    /// services, referral, law_enforcement_sharing, statistics
    purpose: String,
    #[serde(default)]
    recipients: Vec<String>,
    scope: Vec<String>,
    /// Language tag in which consent was explained, e.g. "ro".
    language: String,
    /// true: given; false: refused.
    given: bool,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    valid_until: Option<String>,
    #[serde(default)]
    guardian_name: Option<String>,
    #[serde(default)]
    guardian_relationship: Option<String>,
}

/// Record an informed-consent decision.
#[utoipa::path(post, path = "/api/v1/cases/{id}/consents", tag = "protection", params(("id" = String, Path, description = "case id")), request_body = ConsentInput, security(("bearer" = [])),
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn add_consent(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(i): JsonBody<ConsentInput>,
) -> ApiResult<Response> {
    let id = case_id(&id)?;
    let access = caller.access(&state.store);
    let recipients = i
        .recipients
        .iter()
        .map(|o| o.parse().map_err(|_| bad("recipients", "invalid")))
        .collect::<ApiResult<_>>()?;
    let guardian = match (i.guardian_name, i.guardian_relationship) {
        (Some(n), r) if !n.trim().is_empty() => Some((n, r.unwrap_or_default())),
        _ => None,
    };
    let cid = access
        .consents()
        .record_consent(
            id,
            NewConsent {
                purpose: ConsentPurpose::parse(&i.purpose)
                    .ok_or_else(|| bad("purpose", "invalid"))?,
                recipients,
                scope: groups(&i.scope, "scope")?,
                language: i.language,
                given: i.given,
                date: date(&i.date, "date")?,
                valid_until: date(&i.valid_until, "valid_until")?,
                guardian,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            id: cid.to_string(),
        }),
    )
        .into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct ReferralInput {
    to_org: String,
    /// AdditionalServicesRequired, MigrationOrChangeOfLocation, Other
    reason: String,
    #[serde(default)]
    details: String,
    /// Field groups the recipient will see.
    fields: Vec<String>,
    /// Refer only this service request of the case (its id); absent: the whole case.
    #[serde(default)]
    service_id: Option<String>,
}

/// Refer the case to another organisation (refused without a consent or legal basis covering
/// the recipient and every selected field group).
#[utoipa::path(post, path = "/api/v1/cases/{id}/referrals", tag = "protection", params(("id" = String, Path, description = "case id")), request_body = ReferralInput, security(("bearer" = [])),
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn send_referral(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(i): JsonBody<ReferralInput>,
) -> ApiResult<Response> {
    let id = case_id(&id)?;
    let access = caller.access(&state.store);
    let rid = access
        .referrals()
        .send_referral(
            id,
            NewReferralForm {
                to_org: i.to_org.parse().map_err(|_| bad("to_org", "invalid"))?,
                service: i.service_id.filter(|s| !s.trim().is_empty()),
                reason: ReferralReason::parse(&i.reason).ok_or_else(|| bad("reason", "invalid"))?,
                details: i.details,
                fields: groups(&i.fields, "fields")?,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            id: rid.to_string(),
        }),
    )
        .into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct ProceedingsInput {
    /// complaint_filed or investigation
    stage: String,
    /// none, witness, civil_party, witness_and_civil_party
    victim_role: String,
    opened_on: String,
    #[serde(default)]
    notes: String,
}

/// Record proceedings concerning the victim.
#[utoipa::path(post, path = "/api/v1/cases/{id}/proceedings", tag = "protection", params(("id" = String, Path, description = "case id")), request_body = ProceedingsInput, security(("bearer" = [])),
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn add_proceedings(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(i): JsonBody<ProceedingsInput>,
) -> ApiResult<Response> {
    let id = case_id(&id)?;
    let access = caller.access(&state.store);
    let pid = access
        .judicial()
        .add_proceedings(
            id,
            ProceedingsStage::parse(&i.stage).ok_or_else(|| bad("stage", "invalid"))?,
            VictimRole::parse(&i.victim_role).ok_or_else(|| bad("victim_role", "invalid"))?,
            parse_date(&i.opened_on).ok_or_else(|| bad("opened_on", "invalid_date"))?,
            &i.notes,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id: pid })).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct ReferralLists {
    incoming: Vec<ReferralDto>,
    outgoing: Vec<ReferralDto>,
}

/// Referrals to and from the caller's organisation.
#[utoipa::path(get, path = "/api/v1/referrals", tag = "protection", security(("bearer" = [])),
    responses((status = 200, body = ReferralLists), (status = 403, body = ErrorBody)))]
pub(crate) async fn list_referrals(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<ReferralLists>> {
    let access = caller.access(&state.store);
    let (i, o) = access.referrals().list_referrals().await?;
    Ok(Json(ReferralLists {
        incoming: i.iter().map(referral_dto).collect(),
        outgoing: o.iter().map(referral_dto).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct ReferralActionInput {
    /// accept, decline (recipient; decline needs a reason), revoke (sender; needs a reason),
    /// complete
    action: String,
    #[serde(default)]
    reason: String,
}

/// Act on a referral as one of its parties.
#[utoipa::path(post, path = "/api/v1/referrals/{id}/actions", tag = "protection", params(("id" = String, Path, description = "referral id")), request_body = ReferralActionInput, security(("bearer" = [])),
    responses((status = 200, body = Created), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn referral_action(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(i): JsonBody<ReferralActionInput>,
) -> ApiResult<Json<Created>> {
    let id: ally_core::protection::ReferralId = id.parse().map_err(|_| {
        ApiError::new(
            Failure::NotFound,
            crate::error::default_message(Failure::NotFound),
        )
    })?;
    let action = match i.action.as_str() {
        "accept" => ally_core::protection::ReferralAction::Accept,
        "decline" => ally_core::protection::ReferralAction::Decline { reason: i.reason },
        "revoke" => ally_core::protection::ReferralAction::Revoke { reason: i.reason },
        "complete" => ally_core::protection::ReferralAction::Complete,
        _ => return Err(bad("action", "invalid")),
    };
    let access = caller.access(&state.store);
    let case = access.referrals().act_on_referral(id, action).await?;
    Ok(Json(Created {
        id: case.to_string(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct Withdrawn {
    case_id: String,
    /// Referrals revoked because they rested on this consent.
    referrals_revoked: usize,
}

/// Withdraw a given consent: effective at once; the referrals it covered are revoked.
#[utoipa::path(post, path = "/api/v1/consents/{id}/withdraw", tag = "protection", params(("id" = String, Path, description = "consent id")), security(("bearer" = [])),
    responses((status = 200, body = Withdrawn), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn withdraw_consent(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Withdrawn>> {
    let id: ally_core::protection::ConsentId = id.parse().map_err(|_| {
        ApiError::new(
            Failure::NotFound,
            crate::error::default_message(Failure::NotFound),
        )
    })?;
    let access = caller.access(&state.store);
    let (case, n) = access.consents().withdraw_consent(id).await?;
    Ok(Json(Withdrawn {
        case_id: case.to_string(),
        referrals_revoked: n,
    }))
}
