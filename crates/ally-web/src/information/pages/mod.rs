//! The information module's pages, one file per area.

pub(crate) mod access_requests;
pub(crate) mod attachments;
pub(crate) mod entities;
pub(crate) mod links;
pub(crate) mod map;
pub(crate) mod operations;
pub(crate) mod pprl;
pub(crate) mod public;
pub(crate) mod reports;
pub(crate) mod triage;
