//! "Shared with us" (`/entities/shared`, `GET /api/v1/entities/shared`): the entities other
//! organisations let the viewer's organisation read, also those shared on their own without a
//! report. The store decides each one as it decides reading it alone; this module presents.

use ally_store::{Page, SharedEntityPage};
use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::api::EntityDto;
use super::common::{ApiResult, label};
use crate::AppState;
use crate::ctx::{ApiCaller, Viewer};
use crate::json::ErrorBody;
use crate::layout::{Layout, PageResult, fmt_ms, html, layout};

pub struct SharedItem {
    id: Uuid,
    kind: String,
    role: String,
    value: String,
    withheld: bool,
    suspect: bool,
    distribution: String,
    owner: String,
    created: String,
}

#[derive(Template)]
#[template(path = "information_shared.html")]
struct SharedPage {
    l: Layout,
    items: Vec<SharedItem>,
    next: Option<String>,
    prev: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct OffsetQuery {
    #[serde(default)]
    offset: i64,
}

/// Rows per page of the list.
const PAGE: i64 = 50;

pub(super) async fn shared_entities(v: Viewer, Query(q): Query<OffsetQuery>) -> PageResult {
    let page = Page::new(q.offset, PAGE);
    let res: SharedEntityPage = v.access().shared_with_us().shared_entities(page).await?;
    let tr = &v.ctx.tr;
    let items = res
        .items
        .iter()
        .map(|s| SharedItem {
            id: s.entity.id,
            kind: label(tr, "kind", s.entity.kind.as_str()),
            role: label(tr, "role", s.entity.role.as_str()),
            value: s.entity.value.clone().unwrap_or_default(),
            withheld: s.entity.value.is_none(),
            suspect: s.entity.suspect,
            distribution: label(tr, "dist", s.entity.distribution.as_str()),
            owner: s.owner_name.clone(),
            created: fmt_ms(s.entity.created_at_ms),
        })
        .collect();
    html(&SharedPage {
        l: layout(&v.ctx, tr.t("info-shared-title"), "/reports"),
        items,
        next: res
            .has_more
            .then(|| format!("/entities/shared?offset={}", res.offset + res.limit)),
        prev: (res.offset > 0).then(|| {
            format!(
                "/entities/shared?offset={}",
                (res.offset - res.limit).max(0)
            )
        }),
    })
}

#[derive(Deserialize, IntoParams)]
pub struct SharedParams {
    #[serde(default)]
    offset: Option<i64>,
    /// 1 to 100, default 50.
    #[serde(default)]
    limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct SharedEntityDto {
    entity: EntityDto,
    /// The organisation that holds the entity and shares it (whom to contact).
    organisation_id: String,
    organisation_name: String,
    created_at_ms: i64,
}

#[derive(Serialize, ToSchema)]
pub struct SharedEntityListDto {
    items: Vec<SharedEntityDto>,
    offset: i64,
    limit: i64,
    has_more: bool,
}

/// Entities other organisations share with the caller's organisation (on their own or with a
/// report), newest first; each decided as reading it alone (its own level, a possible victim's
/// consent, retention; offenders' data only with `suspect.read`).
#[utoipa::path(get, path = "/api/v1/entities/shared", tag = "information", params(SharedParams), security(("bearer" = [])),
    responses((status = 200, body = SharedEntityListDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn api_shared_entities(
    caller: ApiCaller,
    State(state): State<AppState>,
    Query(q): Query<SharedParams>,
) -> ApiResult<Json<SharedEntityListDto>> {
    let page = Page::new(q.offset.unwrap_or(0), q.limit.unwrap_or(PAGE));
    let res = caller
        .access(&state.store)
        .shared_with_us()
        .shared_entities(page)
        .await?;
    Ok(Json(SharedEntityListDto {
        items: res
            .items
            .iter()
            .map(|s| SharedEntityDto {
                entity: (&s.entity).into(),
                organisation_id: s.entity.org_id.to_string(),
                organisation_name: s.owner_name.clone(),
                created_at_ms: s.entity.created_at_ms,
            })
            .collect(),
        offset: res.offset,
        limit: res.limit,
        has_more: res.has_more,
    }))
}
