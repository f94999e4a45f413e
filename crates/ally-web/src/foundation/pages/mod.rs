//! The foundation's pages, one file per area.

pub(crate) mod account;
pub(crate) mod audit;
pub(crate) mod dashboard;
pub(crate) mod organisation;
pub(crate) mod persons;
pub(crate) mod sign_in;
pub(crate) mod users;
