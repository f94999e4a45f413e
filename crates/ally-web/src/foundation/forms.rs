//! Form bodies and messages shared by several of the foundation's pages.

use ally_core::person::FieldError;
use serde::Deserialize;

use crate::i18n::Tr;

/// A language choice, and the page to come back to.
#[derive(Deserialize)]
pub(crate) struct LangForm {
    pub(crate) lang: String,
    #[serde(default)]
    pub(crate) back: String,
}

/// A form that carries nothing but its CSRF token.
#[derive(Deserialize)]
pub(crate) struct Empty {}

pub(crate) fn field_messages(tr: &Tr, errors: &[FieldError]) -> Vec<String> {
    errors
        .iter()
        .map(|e| {
            format!(
                "{}: {}",
                tr.t(&format!("field-{}", e.field.replace('_', "-"))),
                tr.t(&format!("invalid-{}", e.code))
            )
        })
        .collect()
}
