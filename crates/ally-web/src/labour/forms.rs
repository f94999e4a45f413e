//! What the labour pages share: field errors shown on a form (422), vocabulary labels and
//! options in the reader's language, and the small parsers of form values.

use ally_core::labour::InspectionEntry;
use ally_core::person::FieldError;
use ally_store::StoreError;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;

use crate::error::PageError;
use crate::i18n::Tr;
use crate::layout::PageResult;

pub(crate) fn field_messages(tr: &Tr, errors: &[FieldError]) -> Vec<String> {
    errors
        .iter()
        .map(|e| {
            format!(
                "{}: {}",
                tr.t(&format!("labour-field-{}", e.field.replace('_', "-"))),
                tr.t(&format!("labour-invalid-{}", e.code.replace('_', "-")))
            )
        })
        .collect()
}

/// A store error on a form: field errors are shown on the page (422); anything else is the
/// usual error page.
pub(crate) fn form_errors(tr: &Tr, e: StoreError) -> Result<Vec<String>, PageError> {
    match e {
        StoreError::Invalid(f) => Ok(field_messages(tr, &f)),
        other => Err(other.into()),
    }
}

pub(crate) fn unprocessable(r: PageResult) -> PageResult {
    r.map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
}

pub(crate) fn label(tr: &Tr, prefix: &str, v: &str) -> String {
    tr.t(&format!("labour-{prefix}-{}", v.replace('_', "-")))
}

pub(crate) fn options(tr: &Tr, prefix: &str, values: &[&str]) -> Vec<(String, String)> {
    values
        .iter()
        .map(|v| ((*v).to_owned(), label(tr, prefix, v)))
        .collect()
}

pub(crate) fn checked(v: &str) -> bool {
    matches!(v.trim(), "on" | "true" | "yes" | "1")
}

pub(crate) fn lines_of(s: &str) -> Vec<String> {
    s.lines().map(str::to_owned).collect()
}

pub(crate) fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// Any of the forms of the inspection page (`kind` says which).
#[derive(Deserialize, Default)]
pub(crate) struct EntryForm {
    #[serde(default)]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) item: String,
    #[serde(default)]
    pub(crate) answer: String,
    #[serde(default)]
    pub(crate) note: String,
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) language: String,
    #[serde(default)]
    pub(crate) person_id: String,
    #[serde(default)]
    pub(crate) consent_share: String,
    #[serde(default)]
    pub(crate) interview_id: String,
    #[serde(default)]
    pub(crate) document_kind: String,
    #[serde(default)]
    pub(crate) description: String,
    #[serde(default)]
    pub(crate) text: String,
    #[serde(default)]
    pub(crate) assigned_org: String,
    #[serde(default)]
    pub(crate) due: String,
    /// The worker's number, for a change of consent.
    #[serde(default)]
    pub(crate) worker: String,
}

impl EntryForm {
    pub(crate) fn entry(self) -> Option<InspectionEntry> {
        Some(match self.kind.as_str() {
            "answer" => InspectionEntry::Answer {
                item: self.item,
                answer: self.answer,
                note: self.note,
            },
            "worker" => InspectionEntry::Worker {
                name: self.name,
                language: self.language,
                person_id: opt(&self.person_id),
                consent_share: checked(&self.consent_share),
                interview_id: opt(&self.interview_id),
                note: self.note,
            },
            "document" => InspectionEntry::Document {
                document_kind: self.document_kind,
                description: self.description,
            },
            "finding" => InspectionEntry::Finding { text: self.text },
            "action" => InspectionEntry::Action {
                assigned_org: self.assigned_org,
                text: self.text,
                due: opt(&self.due),
            },
            "consent" => InspectionEntry::Consent {
                worker: self.worker.trim().parse().ok()?,
                consent_share: checked(&self.consent_share),
            },
            "complete" => InspectionEntry::Complete,
            _ => return None,
        })
    }
}
