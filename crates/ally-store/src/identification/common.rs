//! Helpers shared by the identification store's files: the shipped catalogues, questionnaires
//! and interview texts, parsed once per process, and the field-error shorthand.

use std::sync::LazyLock;

use ally_core::person::FieldError;
use ally_core::questionnaire::{InterviewTexts, Questionnaire};
use ally_core::screening::Screening;

use crate::{Result, StoreError};

/// The shipped catalogues, questionnaires and interview texts, parsed once.
pub struct Builtin {
    pub screening: Screening,
    pub questionnaires: Vec<Questionnaire>,
    pub texts: InterviewTexts,
}

static BUILTIN: LazyLock<std::result::Result<Builtin, String>> = LazyLock::new(|| {
    let screening = Screening::builtin().map_err(|e| e.to_string())?;
    let questionnaires = Questionnaire::builtin_all(&screening).map_err(|e| e.to_string())?;
    let texts = InterviewTexts::builtin().map_err(|e| e.to_string())?;
    Ok(Builtin {
        screening,
        questionnaires,
        texts,
    })
});

/// The shipped identification data (an error only if the embedded files are broken, which
/// the core tests rule out).
pub fn builtin() -> Result<&'static Builtin> {
    BUILTIN
        .as_ref()
        .map_err(|_| StoreError::Corrupt("embedded questionnaires"))
}

pub(super) fn invalid(field: &'static str, code: &'static str) -> StoreError {
    StoreError::Invalid(vec![FieldError { field, code }])
}
