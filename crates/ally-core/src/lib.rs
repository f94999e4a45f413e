//! Ally's domain: the vocabulary (organisations, users, roles, persons, audit events) and the
//! rules that govern it (the permission table, validation, password policy, the audit chain).
//!
//! Architecture invariant: this crate does no I/O and no async. Everything here is a plain
//! function of its inputs, so most of the project's tests live here and run in milliseconds.

pub mod foundation;
pub mod identification;
pub mod information;
pub mod labour;
pub mod protection;

pub use foundation::{audit, authz, ids, normalize, org, password, person};
pub use identification::{questionnaire, screening};
pub use ids::{OrgId, PersonId, UserId};
