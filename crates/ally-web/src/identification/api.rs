//! JSON API of the identification module: interviews (list, get, create, consent, answer,
//! finish), authenticated with bearer tokens and documented in OpenAPI.

use ally_core::PersonId;
use ally_core::questionnaire::answer;
use ally_core::questionnaire::{AnswerValue, next_question};
use ally_core::screening::Answer;
use ally_store::{InterviewId, InterviewRecord, NewInterview, Page};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::ctx::ApiCaller;
use crate::error::{ApiError, Failure};
use crate::json::{ErrorBody, JsonBody};

type ApiResult<T> = Result<T, ApiError>;

fn parse_id(s: &str) -> ApiResult<InterviewId> {
    s.parse()
        .map_err(|_| ApiError::new(Failure::NotFound, "no such interview"))
}

#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    #[serde(default)]
    offset: Option<i64>,
    /// 1 to 100, default 50.
    #[serde(default)]
    limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct OutcomeDto {
    /// Indicator set id (`adult_labour`, `child_labour`, `ilo11`...).
    set: String,
    /// presumed_victim, not_identified, undecided, indicators_only
    outcome: String,
}

#[derive(Serialize, ToSchema)]
pub struct InterviewSummaryDto {
    id: String,
    questionnaire: String,
    interviewer_id: String,
    person_id: Option<String>,
    interviewee_language: String,
    /// in_progress, finished, stopped
    state: String,
    answered: i64,
    outcomes: Vec<OutcomeDto>,
    created_at_ms: i64,
}

#[derive(Serialize, ToSchema)]
pub struct InterviewListDto {
    items: Vec<InterviewSummaryDto>,
    offset: i64,
    limit: i64,
    has_more: bool,
}

fn outcomes(o: &[(String, ally_core::screening::Outcome)]) -> Vec<OutcomeDto> {
    o.iter()
        .map(|(s, o)| OutcomeDto {
            set: s.clone(),
            outcome: o.as_str().to_owned(),
        })
        .collect()
}

/// The organisation's interviews, newest first.
#[utoipa::path(get, path = "/api/v1/interviews", tag = "interviews", params(ListParams), security(("bearer" = [])),
    responses((status = 200, body = InterviewListDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_interviews(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<ListParams>,
) -> ApiResult<Json<InterviewListDto>> {
    let access = caller.access(&state.store);
    let page = Page::new(q.offset.unwrap_or(0), q.limit.unwrap_or(50));
    let res = access.interviews().list_interviews(page).await?;
    Ok(Json(InterviewListDto {
        items: res
            .items
            .into_iter()
            .map(|i| InterviewSummaryDto {
                id: i.id.to_string(),
                questionnaire: i.questionnaire_id,
                interviewer_id: i.interviewer_id,
                person_id: i.person_id,
                interviewee_language: i.interviewee_lang,
                state: i.state.as_str().to_owned(),
                answered: i.answered,
                outcomes: outcomes(&i.outcomes),
                created_at_ms: i.created_at_ms,
            })
            .collect(),
        offset: res.offset,
        limit: res.limit,
        has_more: res.has_more,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInterviewInput {
    /// first_contact, adult_labour, adult_sexual, child
    questionnaire: String,
    /// One of en, fr, es, ar, ro, uk, ru, bg, vi, zh, ti, tl.
    interviewee_language: String,
    /// The interviewer's language (default en).
    #[serde(default)]
    interviewer_language: Option<String>,
    #[serde(default)]
    person_id: Option<String>,
    #[serde(default)]
    inspection_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedDto {
    id: String,
}

/// Starts an interview. Consent must be recorded (`POST .../consent`) before answers.
#[utoipa::path(post, path = "/api/v1/interviews", tag = "interviews", request_body = NewInterviewInput, security(("bearer" = [])),
    responses((status = 201, body = CreatedDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create_interview(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(input): JsonBody<NewInterviewInput>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let access = caller.access(&state.store);
    access
        .require(ally_core::authz::Action::InterviewConduct)
        .await?;
    let person_id = match input.person_id.as_deref() {
        None | Some("") => None,
        Some(s) => Some(
            s.parse::<PersonId>()
                .map_err(|_| ApiError::new(Failure::BadRequest, "person_id: not a valid id"))?,
        ),
    };
    let inspection_id = match input.inspection_id.as_deref() {
        None | Some("") => None,
        Some(s) => Some(
            s.parse::<uuid::Uuid>()
                .map_err(|_| ApiError::new(Failure::BadRequest, "inspection_id: not a valid id"))?,
        ),
    };
    let id = access
        .interviews()
        .start_interview(NewInterview {
            questionnaire_id: input.questionnaire,
            interviewer_lang: input.interviewer_language.unwrap_or_else(|| "en".into()),
            interviewee_lang: input.interviewee_language,
            person_id,
            inspection_id,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id: id.to_string() })))
}

#[derive(Serialize, ToSchema)]
pub struct AnswerDto {
    question: String,
    /// The choice name(s), text, number or date; `null` when declined.
    value: serde_json::Value,
    declined: bool,
}

#[derive(Serialize, ToSchema)]
pub struct InterviewDto {
    id: String,
    questionnaire: String,
    questionnaire_version: String,
    interviewer_id: String,
    person_id: Option<String>,
    inspection_id: Option<String>,
    interviewer_language: String,
    interviewee_language: String,
    state: String,
    consent_at_ms: Option<i64>,
    consent_sections: Vec<String>,
    answers: Vec<AnswerDto>,
    /// Recorded facts (e.g. act_of_trafficking_established): yes, no or unknown.
    facts: Vec<(String, String)>,
    /// The next question to ask (`null` when every relevant question is answered).
    next_question: Option<String>,
    outcomes: Vec<OutcomeDto>,
    created_at_ms: i64,
    ended_at_ms: Option<i64>,
}

fn dto(rec: &InterviewRecord, q: &ally_core::questionnaire::Questionnaire) -> InterviewDto {
    InterviewDto {
        id: rec.id.to_string(),
        questionnaire: rec.questionnaire_id.clone(),
        questionnaire_version: rec.questionnaire_version.clone(),
        interviewer_id: rec.interviewer_id.to_string(),
        person_id: rec.person_id.clone(),
        inspection_id: rec.inspection_id.clone(),
        interviewer_language: rec.interviewer_lang.clone(),
        interviewee_language: rec.interviewee_lang.clone(),
        state: rec.state.as_str().to_owned(),
        consent_at_ms: rec.consent_at_ms,
        consent_sections: rec.consent_sections.clone(),
        answers: rec
            .answers
            .iter()
            .map(|(k, v)| AnswerDto {
                question: k.clone(),
                value: match v {
                    AnswerValue::Choice(c) => serde_json::json!(c),
                    AnswerValue::Choices(cs) => serde_json::json!(cs),
                    AnswerValue::Text(t) | AnswerValue::Date(t) => serde_json::json!(t),
                    AnswerValue::Integer(n) => serde_json::json!(n),
                    AnswerValue::Declined => serde_json::Value::Null,
                },
                declined: *v == AnswerValue::Declined,
            })
            .collect(),
        facts: rec
            .facts
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().to_owned()))
            .collect(),
        next_question: if rec.state == answer::InterviewState::InProgress {
            next_question(q, &rec.answers).map(str::to_owned)
        } else {
            None
        },
        outcomes: outcomes(&rec.outcomes),
        created_at_ms: rec.created_at_ms,
        ended_at_ms: rec.ended_at_ms,
    }
}

/// One interview with its answers and outcome per set.
#[utoipa::path(get, path = "/api/v1/interviews/{id}", tag = "interviews", params(("id" = String, Path, description = "interview id")), security(("bearer" = [])),
    responses((status = 200, body = InterviewDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_interview(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<InterviewDto>> {
    let id = parse_id(&id)?;
    let (rec, q) = caller
        .access(&state.store)
        .interviews()
        .get_interview(id)
        .await?;
    Ok(Json(dto(&rec, &q)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    /// true: the person agreed after hearing the consent text; false: they did not (the
    /// interview stops).
    given: bool,
}

/// Records the person's consent (before the first answer).
#[utoipa::path(post, path = "/api/v1/interviews/{id}/consent", tag = "interviews", request_body = ConsentInput, params(("id" = String, Path, description = "interview id")), security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn consent(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<ConsentInput>,
) -> ApiResult<StatusCode> {
    let id = parse_id(&id)?;
    caller
        .access(&state.store)
        .interviews()
        .record_interview_consent(id, input.given)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    question: String,
    /// A choice name, a list of choice names (select_multiple), a text, a number or a date
    /// (`YYYY-MM-DD`). Leave out when `declined`.
    #[serde(default)]
    #[schema(value_type = Object)]
    value: Option<serde_json::Value>,
    /// The person preferred not to answer.
    #[serde(default)]
    declined: bool,
}

/// Answers (or corrects) one question; the question must be asked given the answers so far.
#[utoipa::path(post, path = "/api/v1/interviews/{id}/answers", tag = "interviews", request_body = AnswerInput, params(("id" = String, Path, description = "interview id")), security(("bearer" = [])),
    responses((status = 200, body = InterviewDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn answer(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<AnswerInput>,
) -> ApiResult<Json<InterviewDto>> {
    let id = parse_id(&id)?;
    let values: Vec<String> = match input.value {
        None | Some(serde_json::Value::Null) => Vec::new(),
        Some(serde_json::Value::String(s)) => vec![s],
        Some(serde_json::Value::Number(n)) => vec![n.to_string()],
        Some(serde_json::Value::Array(items)) => items
            .into_iter()
            .map(|v| match v {
                serde_json::Value::String(s) => Ok(s),
                _ => Err(ApiError::new(
                    Failure::BadRequest,
                    "value: a list must hold choice names",
                )),
            })
            .collect::<ApiResult<Vec<_>>>()?,
        Some(_) => {
            return Err(ApiError::new(
                Failure::BadRequest,
                "value: expected a string, a number or a list of strings",
            ));
        }
    };
    let access = caller.access(&state.store);
    access
        .interviews()
        .answer_interview(id, &input.question, &values, input.declined)
        .await?;
    let (rec, q) = access.interviews().interview_to_conduct(id).await?;
    Ok(Json(dto(&rec, &q)))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct FinishInput {
    /// Facts the rules need, e.g. `{"act_of_trafficking_established": "no"}` for the child
    /// questionnaire: yes, no or unknown (the default).
    #[serde(default)]
    facts: std::collections::BTreeMap<String, String>,
}

/// Finishes an interview whose questions are all answered; the outcome is computed.
#[utoipa::path(post, path = "/api/v1/interviews/{id}/finish", tag = "interviews", request_body = FinishInput, params(("id" = String, Path, description = "interview id")), security(("bearer" = [])),
    responses((status = 200, body = InterviewDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn finish(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<FinishInput>,
) -> ApiResult<Json<InterviewDto>> {
    let id = parse_id(&id)?;
    let facts = input
        .facts
        .into_iter()
        .map(|(k, v)| {
            Answer::parse(&v).map(|a| (k, a)).ok_or_else(|| {
                ApiError::new(Failure::BadRequest, "facts: values are yes, no or unknown")
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let access = caller.access(&state.store);
    access.interviews().finish_interview(id, &facts).await?;
    let (rec, q) = access.interviews().interview_to_conduct(id).await?;
    Ok(Json(dto(&rec, &q)))
}
