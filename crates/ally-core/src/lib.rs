//! Ally's domain: the vocabulary (organisations, users, roles, persons, audit events) and the
//! rules that govern it (the permission table, validation, password policy, the audit chain).
//!
//! Architecture invariant: this crate does no I/O and no async. Everything here is a plain
//! function of its inputs, so most of the project's tests live here and run in milliseconds.

pub mod audit;
pub mod authz;
pub mod identification;
pub mod ids;
pub mod information;
pub mod labour;
pub mod normalize;
pub mod org;
pub mod password;
pub mod person;
pub mod protection;

pub use identification::{questionnaire, screening};
pub use ids::{OrgId, PersonId, UserId};
