//! The foundation module: what every other module stands on. Identifiers, organisations and
//! their kinds, persons (the identity record and its validation), the permission table and the
//! one authorisation decision, the audit event and its chain, the password policy, and the
//! normalisation of identifiers for the blind index.
//!
//! Each file is re-exported at the crate root (`ally_core::authz`, `ally_core::person`, ...),
//! the paths the rest of the workspace uses.

pub mod audit;
pub mod authz;
pub mod ids;
pub mod normalize;
pub mod org;
pub mod password;
pub mod person;
