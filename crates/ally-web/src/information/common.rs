//! Helpers shared by the information module's pages and API: parsing ids, labels and field
//! messages, the report form's input and choices, list items, downloads.

use ally_core::information::{
    Distribution, EntityInput, EntityKind, EntityRole, Exploitation, ReportInput,
};
use ally_core::person::FieldError;
use ally_core::screening::catalogue::Catalogue;
use ally_store::{EntityView, ReportSummary};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use uuid::Uuid;

use crate::error::{ApiError, Failure, PageError};
use crate::i18n::Tr;
use crate::layout::fmt_ms;

pub(crate) fn parse_uuid(s: &str) -> Result<Uuid, PageError> {
    s.parse().map_err(|_| PageError::new(Failure::NotFound))
}

pub(crate) fn label(tr: &Tr, group: &str, code: &str) -> String {
    tr.t(&format!("info-{group}-{code}"))
}

pub(crate) fn field_messages(tr: &Tr, errors: &[FieldError]) -> Vec<String> {
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

pub(crate) fn known_indicator() -> impl Fn(&str) -> bool {
    let cat = Catalogue::builtin().ok();
    move |id: &str| {
        cat.as_ref()
            .is_some_and(|c| c.sets.iter().any(|s| s.indicator(id).is_some()))
    }
}

/// Choice lists for the forms: (code, label).
pub(crate) struct Choices {
    pub(crate) exploitation: Vec<(&'static str, String)>,
    pub(crate) kinds: Vec<(&'static str, String)>,
    pub(crate) roles: Vec<(&'static str, String)>,
    pub(crate) distributions: Vec<(&'static str, String)>,
}

pub(crate) fn choices(tr: &Tr) -> Choices {
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
pub(crate) const ENTITY_ROWS: usize = 4;

/// A report form as posted: flat pairs (`e0_kind`, `e0_role`, `e0_value`... for the entities).
pub(crate) fn report_input(pairs: &[(String, String)]) -> ReportInput {
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

pub(crate) fn padded_entities(f: &ReportInput) -> Vec<EntityInput> {
    let mut v: Vec<EntityInput> = f.entities.iter().take(ENTITY_ROWS).cloned().collect();
    while v.len() < ENTITY_ROWS {
        v.push(EntityInput::default());
    }
    v
}

pub struct SummaryItem {
    pub(crate) id: Uuid,
    pub(crate) excerpt: String,
    pub(crate) exploitation: String,
    pub(crate) distribution: String,
    pub(crate) source: String,
    pub(crate) created: String,
}

pub(crate) fn items(tr: &Tr, list: Vec<ReportSummary>) -> Vec<SummaryItem> {
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
    pub(crate) id: Uuid,
    pub(crate) kind: String,
    pub(crate) role: String,
    pub(crate) value: String,
    pub(crate) withheld: bool,
    pub(crate) suspect: bool,
    /// The entity's own distribution level (shown where it differs from its report's).
    pub(crate) distribution: String,
    pub(crate) dist_code: &'static str,
}

pub(crate) fn entity_item(tr: &Tr, e: &EntityView) -> EntityItem {
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

#[derive(Deserialize)]
pub(crate) struct SearchQuery {
    #[serde(default)]
    pub(crate) q: String,
}

pub(crate) fn download(body: String, content_type: &'static str, name: &str) -> Response {
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

pub(crate) type ApiResult<T> = Result<T, ApiError>;

pub(crate) fn api_uuid(s: &str) -> Result<Uuid, ApiError> {
    s.parse()
        .map_err(|_| ApiError::new(Failure::NotFound, "no such record"))
}
