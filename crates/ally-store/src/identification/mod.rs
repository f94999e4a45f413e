//! Storage of the identification module (issue 3): detection interviews and their answers,
//! translators' reviews of the default questionnaires, and organisations' own questions.
//! The operations are `impl Access` blocks: authorised by `ally_core::authz`, audited, and
//! encrypted like the foundation's person records.
//!
//! Tables: `interviews`, `questionnaire_reviews`, `questionnaire_questions`.
//!
//! - An interview belongs to the organisation of the interviewer who started it. Its answers and
//!   recorded facts are one sealed value (organisation key, AAD `interview:<org>:<id>`); the
//!   clear columns hold ids, languages, state, times and the outcome codes per set.
//! - Conducting (start, consent, answer, finish, stop, and reading the interview to conduct it)
//!   is `InterviewConduct`; lists and records are `InterviewRead`. Every read and write appends
//!   an audit event (ids and codes only).
//! - Translation reviews are per organisation (`questionnaire_reviews`, `TranslationReview`): a
//!   reviewer of one organisation corrects or confirms a machine translation for that
//!   organisation's interviews; the shipped files change only through the repository (see
//!   docs/questionnaires.md). Own questions (`questionnaire_questions`) are
//!   `QuestionnaireManage`. Nothing of these two tables is sealed (no personal data); reading an
//!   effective questionnaire is neither authorised nor audited for the same reason.
//!
//! Files: `interviews` (the interviews aggregate), `questionnaires` (effective
//! questionnaires and interview texts, own questions), `reviews` (translation reviews),
//! `cache` (the per-process cache of effective questionnaires), `common` (the shipped data
//! parsed once, shared helpers).

mod cache;
mod common;
mod interviews;
mod questionnaires;
mod reviews;

pub(crate) use cache::IdentificationCache;
pub use common::{Builtin, builtin};
pub use interviews::{InterviewId, InterviewPage, InterviewRecord, InterviewSummary, NewInterview};
pub use reviews::TranslationReview;
