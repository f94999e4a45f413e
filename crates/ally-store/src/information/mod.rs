//! Storage of the information module (issue 5): reports, entities, links, operation packages,
//! the public report form's intake and rate limit.
//!
//! Tables: `info_reports`, `info_entities`, `info_report_entities`, `info_entity_keys`,
//! `info_report_tokens`, `info_entity_tokens`, `info_links`, `info_shares`, `info_victim_cases`,
//! `info_attachments`, `info_operations`, `info_intake` (with `info_intake_keys` and
//! `info_intake_rate`), `info_reindex` and the PPRL tables `info_pprl_*`.
//! Everything done for a principal goes through a handle on the access layer, one per aggregate
//! file (`access.reports()`, `.entities()`, `.links()`, `.distribution()`, `.report_search()`,
//! `.operations()`, `.attachments()`, `.access_requests()`, `.intake()`, `.pprl()`,
//! `.pprl_members()`, `.shared_with_us()`): authorised by `ally_core::authz`, audited, and
//! encrypted like the foundation's person records.
//!
//! * Reports and entities are sealed with the owning organisation's key (AAD
//!   `info-report:<org>:<id>`, `info-entity:<org>:<id>`). Kind, role, status, distribution and
//!   times stay in clear for lists.
//! * Matching keys of entities (E.164 phone, last nine digits, account, handle, plate, name keys)
//!   and search tokens of reports are stored only as keyed hashes (the organisation's blind-index
//!   key, with a domain prefix), so exact matching and search work without clear text on disk.
//! * Distribution: the owner always reads; other organisations read through grants computed from
//!   the record's level: named shares (`partners` and wider) and the members of the owner's
//!   networks (`network` and wider). A law-enforcement liaison organisation can be named only at
//!   the `law_enforcement` level. Operation packages are a separate, explicit disclosure.
//! * Entities in an offender's role (criminal-offence data) are shown only to principals holding
//!   `SuspectRead`, and are kept for a shorter default time; a suspect's access-request extract
//!   leaves out victims, witnesses, report text and reporters.
//! * Each entity has its own level (default: its report's), turned into grants the same way.
//!   A possible victim's entity, and a report naming one, reach another organisation only while
//!   the protection case linked to the entity holds a consent or legal basis covering that
//!   organisation (`ally_core::protection::sharing_permitted`, asked at every grant and read).
//! * Attachments (JPEG, PNG) are stripped of metadata by the shared image filter and sealed
//!   (AAD `info-attachment:<org>:<id>`); they are read exactly as their report.
//!
//! Which action guards what: `ReportFile` filing; `ReportRead` lists, reports, entities, search,
//! statistics and packages (through grants for other organisations); `ReportTriage` the triage
//! queue, triage and distribution changes (`DistributionWiden` to widen); `SuspectRead`
//! offenders' values and access-request extracts; `EntityLink` link decisions and resolution;
//! `OperationExport` operation packages; `OrgManage` the intake address.
//!
//! One file per aggregate: [`reports`], [`entities`], [`links`], [`distribution`], [`search`],
//! [`operations`], [`attachments`], [`access_request`], [`intake`], [`retention`], [`pprl`] (with
//! [`pprl_xinst`] across instances), [`shared`] and [`reindex`]; what several of them need is in
//! [`rows`] (sealed rows and summary views), [`grants`] (who reads what), [`keys`] (matching keys
//! and search tokens) and [`common`].

mod access_request;
mod attachments;
mod common;
mod distribution;
mod entities;
mod grants;
mod intake;
mod keys;
mod links;
mod operations;
mod pprl;
mod pprl_schema;
pub mod pprl_xinst;
mod reindex;
mod reports;
mod retention;
mod rows;
mod search;
mod shared;
#[cfg(test)]
mod tests;

pub use access_request::AccessRequests;
pub use access_request::{SuspectEntry, SuspectExtract, SuspectReportEntry};
pub use attachments::Attachments;
pub use attachments::{AttachmentSummary, MAX_ATTACHMENTS_PER_REPORT, MAX_PUBLIC_ATTACHMENT_BYTES};
pub use distribution::DistributionLevels;
pub use entities::Entities;
pub use entities::EntityPage;
pub use intake::Intake;
pub use intake::{IntakeView, PublicReportError};
pub use links::Links;
pub use links::{LinkStatus, LinkView};
pub use operations::Operations;
pub use operations::{ManifestEntry, OperationPackage, OperationRequest, OperationSummary};
pub use pprl::PprlMatch;
pub use pprl::PprlRuns;
pub use pprl_xinst::PprlMembers;
pub use reports::ReportView;
pub use reports::Reports;
pub use rows::{EntityView, ReportSummary};
pub use search::Search;
pub use shared::SharedEntities;
pub use shared::{SharedEntity, SharedEntityPage};
