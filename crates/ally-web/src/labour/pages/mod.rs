//! The labour module's HTML pages, one file per area.

pub(crate) mod checks;
pub(crate) mod court_cases;
pub(crate) mod employers;
pub(crate) mod inspections;
