//! HTML pages of the protection module, one file per area; [`common`] holds what they share.

pub(crate) mod case_view;
pub(crate) mod cases;
pub(crate) mod common;
pub(crate) mod consents;
pub(crate) mod deadlines;
pub(crate) mod directory;
pub(crate) mod dossier;
pub(crate) mod judicial;
pub(crate) mod referrals;
pub(crate) mod rows;
pub(crate) mod services;
