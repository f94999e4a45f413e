//! Identification of presumed victims (issue 3): the screening engine that evaluates an
//! interview against the ILO/EC indicator catalogues ([`screening`]), and the plain-language
//! questionnaires an interviewer asks, whose answers become indicator answers
//! ([`questionnaire`]). Pure rules over embedded data (`data/indicators/`,
//! `data/questionnaires/`), no I/O.
//!
//! Both submodules are re-exported at the crate root (`ally_core::screening`,
//! `ally_core::questionnaire`), the paths every other crate uses.

pub mod questionnaire;
pub mod screening;
