//! The foundation's JSON API under `/api/v1` (the caller, persons, organisation, directory,
//! users, audit), authenticated with bearer tokens. It calls the same access layer as the pages;
//! its OpenAPI paths come from the `#[utoipa::path]` annotations below.

use ally_core::authz::Role;
use ally_core::person::{PersonForm, format_document};
use ally_core::{PersonId, UserId};
use ally_store::{AuditFilter, NewUser, Page, Person};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::ctx::ApiCaller;
use crate::error::{ApiError, Failure};
use crate::json::{ApiResult, ErrorBody, JsonBody};

#[derive(Serialize, ToSchema)]
pub struct Me {
    user_id: String,
    organisation_id: String,
    roles: Vec<String>,
}

/// The signed-in caller.
#[utoipa::path(get, path = "/api/v1/me", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub(crate) async fn me(caller: ApiCaller) -> Json<Me> {
    let p = caller.principal;
    Json(Me {
        user_id: p.user_id.to_string(),
        organisation_id: p.org_id.to_string(),
        roles: p.roles.iter().map(|r| r.as_str().to_owned()).collect(),
    })
}

#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// Search: names (any script), phone numbers or document numbers; exact words.
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    offset: Option<i64>,
    /// 1 to 100, default 50.
    #[serde(default)]
    limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct PersonSummaryDto {
    id: String,
    role: String,
    display_name: String,
    created_at_ms: i64,
}

#[derive(Serialize, ToSchema)]
pub struct PersonListDto {
    items: Vec<PersonSummaryDto>,
    offset: i64,
    limit: i64,
    has_more: bool,
}

/// List or search the organisation's persons.
#[utoipa::path(get, path = "/api/v1/persons", tag = "persons", params(ListParams), security(("bearer" = [])),
    responses((status = 200, body = PersonListDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn list_persons(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<ListParams>,
) -> ApiResult<Json<PersonListDto>> {
    let access = caller.access(&state.store);
    let page = Page::new(q.offset.unwrap_or(0), q.limit.unwrap_or(50));
    let query = q.q.unwrap_or_default();
    let res = if query.trim().is_empty() {
        access.persons().list_persons(page).await?
    } else {
        access.persons().search_persons(query.trim(), page).await?
    };
    Ok(Json(PersonListDto {
        items: res
            .items
            .into_iter()
            .map(|i| PersonSummaryDto {
                id: i.id.to_string(),
                role: i.role.as_str().to_owned(),
                display_name: i.display_name,
                created_at_ms: i.created_at_ms,
            })
            .collect(),
        offset: res.offset,
        limit: res.limit,
        has_more: res.has_more,
    }))
}

#[derive(Serialize, Deserialize, ToSchema, Default)]
pub struct DocumentDto {
    /// passport, national_id, residence_permit, work_permit...
    kind: String,
    number: String,
    /// ISO 3166-1 alpha-2 of the issuing country.
    #[serde(default)]
    country: Option<String>,
}

/// A person record as sent to create or update one.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonInput {
    /// presumed_victim, victim, witness, suspect, contact
    role: String,
    #[serde(default)]
    given_names: String,
    #[serde(default)]
    family_names: String,
    #[serde(default)]
    aliases: Vec<String>,
    /// `YYYY-MM-DD`, `YYYY-MM`, `YYYY`, or `~AGE` for an estimated age.
    #[serde(default)]
    birth: Option<String>,
    /// female, male, other
    #[serde(default)]
    sex: Option<String>,
    #[serde(default)]
    gender: Option<String>,
    #[serde(default)]
    nationalities: Vec<String>,
    #[serde(default)]
    languages: Vec<String>,
    #[serde(default)]
    phones: Vec<String>,
    #[serde(default)]
    addresses: Vec<String>,
    #[serde(default)]
    documents: Vec<DocumentDto>,
    #[serde(default)]
    notes: String,
    /// Required on update: the version the change is based on.
    #[serde(default)]
    version: Option<i64>,
}

impl PersonInput {
    fn into_form(self) -> Result<PersonForm, ApiError> {
        // List items are joined one per line for the shared validator, so none may contain one.
        let lists = [
            &self.aliases,
            &self.nationalities,
            &self.languages,
            &self.phones,
            &self.addresses,
        ];
        let docs_have_newlines = self
            .documents
            .iter()
            .any(|d| d.kind.contains(['\n', '\r', ':']) || d.number.contains(['\n', '\r', '(']));
        if lists
            .iter()
            .any(|l| l.iter().any(|v| v.contains(['\n', '\r'])))
            || docs_have_newlines
        {
            return Err(ApiError::new(
                Failure::BadRequest,
                "list values must not contain line breaks (and document kinds no ':')",
            ));
        }
        Ok(PersonForm {
            role: self.role,
            given_names: self.given_names,
            family_names: self.family_names,
            aliases: self.aliases.join("\n"),
            birth: self.birth.unwrap_or_default(),
            sex: self.sex.unwrap_or_default(),
            gender: self.gender.unwrap_or_default(),
            nationalities: self.nationalities.join("\n"),
            languages: self.languages.join("\n"),
            phones: self.phones.join("\n"),
            addresses: self.addresses.join("\n"),
            documents: self
                .documents
                .iter()
                .map(|d| {
                    format_document(&ally_core::person::IdentityDocument {
                        kind: d.kind.clone(),
                        number: d.number.clone(),
                        country: d.country.clone(),
                    })
                })
                .collect::<Vec<_>>()
                .join("\n"),
            notes: self.notes,
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct PersonDto {
    id: String,
    organisation_id: String,
    role: String,
    given_names: String,
    family_names: String,
    aliases: Vec<String>,
    birth: Option<String>,
    sex: Option<String>,
    gender: Option<String>,
    nationalities: Vec<String>,
    languages: Vec<String>,
    phones: Vec<String>,
    addresses: Vec<String>,
    documents: Vec<DocumentDto>,
    notes: String,
    version: i64,
    created_at_ms: i64,
    updated_at_ms: i64,
}

impl From<Person> for PersonDto {
    fn from(p: Person) -> Self {
        let i = p.identity;
        PersonDto {
            id: p.id.to_string(),
            organisation_id: p.org_id.to_string(),
            role: p.role.as_str().to_owned(),
            given_names: i.given_names,
            family_names: i.family_names,
            aliases: i.aliases,
            birth: i.birth.map(|b| b.to_input()),
            sex: i.sex.map(|s| s.as_str().to_owned()),
            gender: i.gender,
            nationalities: i.nationalities,
            languages: i.languages,
            phones: i.phones,
            addresses: i.addresses,
            documents: i
                .documents
                .into_iter()
                .map(|d| DocumentDto {
                    kind: d.kind,
                    number: d.number,
                    country: d.country,
                })
                .collect(),
            notes: i.notes,
            version: p.version,
            created_at_ms: p.created_at_ms,
            updated_at_ms: p.updated_at_ms,
        }
    }
}

fn this_year() -> i32 {
    time::OffsetDateTime::now_utc().year()
}

fn invalid(fields: Vec<ally_core::person::FieldError>) -> ApiError {
    ApiError {
        failure: Failure::BadRequest,
        message: "some fields are invalid".into(),
        fields,
    }
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    id: String,
}

/// Create a person record in the caller's organisation.
#[utoipa::path(post, path = "/api/v1/persons", tag = "persons", request_body = PersonInput, security(("bearer" = [])),
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)))]
pub(crate) async fn create_person(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(input): JsonBody<PersonInput>,
) -> ApiResult<Response> {
    let access = caller.access(&state.store);
    access
        .require(ally_core::authz::Action::PersonCreate)
        .await?;
    let valid = input.into_form()?.validate(this_year()).map_err(invalid)?;
    let id = access.persons().create_person(valid).await?;
    Ok((StatusCode::CREATED, Json(Created { id: id.to_string() })).into_response())
}

fn person_id(s: &str) -> Result<PersonId, ApiError> {
    s.parse().map_err(|_| {
        ApiError::new(
            Failure::NotFound,
            crate::error::default_message(Failure::NotFound),
        )
    })
}

/// Read one person record (audited).
#[utoipa::path(get, path = "/api/v1/persons/{id}", tag = "persons", params(("id" = String, Path, description = "person id")), security(("bearer" = [])),
    responses((status = 200, body = PersonDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_person(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<PersonDto>> {
    let id = person_id(&id)?;
    let p = caller.access(&state.store).persons().get_person(id).await?;
    Ok(Json(p.into()))
}

/// Replace a person record; `version` must be the version read (409 if it changed meanwhile).
#[utoipa::path(put, path = "/api/v1/persons/{id}", tag = "persons", params(("id" = String, Path, description = "person id")), request_body = PersonInput, security(("bearer" = [])),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn update_person(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<PersonInput>,
) -> ApiResult<StatusCode> {
    let id = person_id(&id)?;
    let access = caller.access(&state.store);
    access
        .require(ally_core::authz::Action::PersonUpdate)
        .await?;
    let version = input
        .version
        .ok_or_else(|| ApiError::new(Failure::BadRequest, "version is required"))?;
    let valid = input.into_form()?.validate(this_year()).map_err(invalid)?;
    access.persons().update_person(id, version, valid).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct OrganisationDto {
    id: String,
    name: String,
    kind: String,
    require_second_factor: bool,
    networks: Vec<String>,
}

/// The caller's organisation.
#[utoipa::path(get, path = "/api/v1/organisation", tag = "organisations", security(("bearer" = [])),
    responses((status = 200, body = OrganisationDto), (status = 401, body = ErrorBody)))]
pub(crate) async fn organisation(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<OrganisationDto>> {
    let o = caller
        .access(&state.store)
        .organisations()
        .organisation()
        .await?;
    Ok(Json(OrganisationDto {
        id: o.id.to_string(),
        name: o.name,
        kind: o.kind.as_str().to_owned(),
        require_second_factor: o.require_second_factor,
        networks: o.networks.iter().map(ToString::to_string).collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct DirectoryEntry {
    id: String,
    name: String,
    kind: String,
}

/// The caller's organisation and the members of its networks.
#[utoipa::path(get, path = "/api/v1/directory", tag = "organisations", security(("bearer" = [])),
    responses((status = 200, body = [DirectoryEntry]), (status = 401, body = ErrorBody)))]
pub(crate) async fn directory(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<Vec<DirectoryEntry>>> {
    let d = caller
        .access(&state.store)
        .organisations()
        .directory()
        .await?;
    Ok(Json(
        d.into_iter()
            .map(|o| DirectoryEntry {
                id: o.id.to_string(),
                name: o.name,
                kind: o.kind.as_str().to_owned(),
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct UserDto {
    id: String,
    email: String,
    display_name: String,
    roles: Vec<String>,
    disabled: bool,
    second_factor: bool,
}

/// Users of the caller's organisation.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = [UserDto]), (status = 403, body = ErrorBody)))]
pub(crate) async fn list_users(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<Vec<UserDto>>> {
    let users = caller.access(&state.store).users().list_users().await?;
    Ok(Json(
        users
            .into_iter()
            .map(|u| UserDto {
                id: u.id.to_string(),
                email: u.email,
                display_name: u.display_name,
                roles: u.roles.iter().map(|r| r.as_str().to_owned()).collect(),
                disabled: u.disabled,
                second_factor: u.second_factor,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserInput {
    email: String,
    display_name: String,
    /// Initial password (at least 12 characters, not a common password).
    password: String,
    roles: Vec<String>,
    #[serde(default)]
    locale: Option<String>,
}

/// Create a user in the caller's organisation.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUserInput, security(("bearer" = [])),
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn create_user(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(input): JsonBody<NewUserInput>,
) -> ApiResult<Response> {
    let mut roles = Vec::new();
    for r in &input.roles {
        roles
            .push(Role::parse(r).ok_or_else(|| {
                ApiError::new(Failure::BadRequest, format!("unknown role {r:?}"))
            })?);
    }
    let locale = input
        .locale
        .filter(|l| crate::i18n::LOCALES.iter().any(|(c, _, _)| c == l))
        .unwrap_or_else(|| "en".into());
    let user = NewUser {
        email: input.email,
        display_name: input.display_name,
        password: input.password,
        roles,
        locale,
    };
    let id: UserId = caller
        .access(&state.store)
        .users()
        .create_user(user)
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id: id.to_string() })).into_response())
}

#[derive(Deserialize, IntoParams)]
pub struct AuditParams {
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    record: Option<String>,
    #[serde(default)]
    action: Option<String>,
    /// Events with a sequence number below this one (paging backwards).
    #[serde(default)]
    before: Option<i64>,
    #[serde(default)]
    limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditEventDto {
    seq: i64,
    at_ms: i64,
    actor_user: Option<String>,
    action: String,
    target_kind: Option<String>,
    target_id: Option<String>,
    outcome: String,
    detail: String,
    client: Option<String>,
}

/// The audit log of the caller's organisation, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditParams), security(("bearer" = [])),
    responses((status = 200, body = [AuditEventDto]), (status = 403, body = ErrorBody)))]
pub(crate) async fn list_audit(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<AuditParams>,
) -> ApiResult<Json<Vec<AuditEventDto>>> {
    let filter = AuditFilter {
        actor_user: q.user,
        target_id: q.record,
        action: q.action,
        before_seq: q.before,
    };
    let events = caller
        .access(&state.store)
        .audit_log()
        .audit_events(filter, q.limit.unwrap_or(100))
        .await?;
    Ok(Json(
        events
            .into_iter()
            .map(|e| AuditEventDto {
                seq: e.seq,
                at_ms: e.event.at_ms,
                actor_user: e.event.actor_user,
                action: e.event.action,
                target_kind: e.event.target_kind,
                target_id: e.event.target_id,
                outcome: e.event.outcome.as_str().to_owned(),
                detail: e.event.detail,
                client: e.event.client,
            })
            .collect(),
    ))
}
