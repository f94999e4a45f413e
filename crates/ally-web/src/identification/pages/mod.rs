//! HTML pages of the identification module, one file per area.

mod common;
mod explain;
pub(super) mod interview;
pub(super) mod questionnaires;
pub(super) mod record;
