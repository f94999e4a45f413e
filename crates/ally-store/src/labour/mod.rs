//! Storage of the labour module (issue 6): employers, workplaces and subcontracting chains,
//! joint inspections, document checks, labour-court cases.
//!
//! The operations are grouped in handles on the access layer, one per aggregate file
//! (`access.employers()`, `access.inspections()`, `access.document_checks()`,
//! `access.labour_cases()`); each is authorised by `ally_core::authz` (with grants for
//! the organisations taking part in an inspection), audited (ids and counts only), and sealed
//! with the owning organisation's key like person records. Each record is one sealed JSON
//! document bound to `labour_<kind>:<org>:<id>`; only ids, the owner, dates used for sorting,
//! a sector code and counts stay in clear.
//!
//! Partners of an inspection (the police, the labour inspectorate, the tax authority, another
//! union) get a grant of `inspection.read` through the partner rows: they see the plan, the
//! checklist, the documents, the findings and the follow-up actions assigned to them; they see
//! a worker's identity only when the worker consented to sharing it with partners ("worker N"
//! otherwise).
//!
//! Tables and seals: `labour_employers` and `labour_workplaces` ([`employers`]),
//! `labour_inspections`, `labour_inspection_partners` and `labour_photos` ([`inspections`]),
//! `labour_checks` ([`checks`]), `labour_cases` ([`court_cases`]). Actions: `employer.manage`
//! (employers, workplaces, chains), `inspection.manage` / `inspection.read`, `document.check`,
//! `labour_case.manage` / `labour_case.read`. Loaders read the clear columns (owner, status,
//! dates), authorise, and only then open the sealed document: a refused request never decrypts.
//!
//! The domain types, vocabularies and validators live in `ally_core::labour`.

mod checks;
mod common;
mod court_cases;
mod employers;
mod inspections;

pub use checks::DocumentChecks;
pub use court_cases::LabourCases;
pub use court_cases::today;
pub use employers::Employers;
pub use inspections::{Inspections, PhotoSummary};
