//! Storage of the protection module (issue 4): protection cases, services, consent, referrals,
//! proceedings, deadlines, the organisation directory, erasure and retention.
//! Everything here is an `impl Access` block: authorised by `ally_core::authz` (with the grants
//! that referrals give, see [`Access::case_grants`]), audited, and encrypted like the
//! foundation's person records.
//!
//! Tables: `prot_cases` and its records (`prot_case_events`, `prot_case_workers`,
//! `prot_case_persons`, `prot_services`, `prot_tasks`, `prot_proceedings`, `prot_court_dates`,
//! `prot_permits`, `prot_compensation`, `prot_consents`, `prot_legal_bases`), `prot_referrals`
//! with `prot_referral_events` and `prot_lead_transfers`, the derived `prot_deadlines`,
//! `prot_retention_flags` and `prot_directory`.
//!
//! Sealed: free text only, with the lead organisation's key, the associated data
//! `kind:{org}:{id}` binding each value to its record: `case` (the content and safety plan),
//! `case_event` (a transition's reason), `service` (outcome), `task`, `proceedings` (notes),
//! `court_date` (note), `consent` (a guardian's name), `legal_basis` (reference); `referral`
//! (details and status reason) with the sender's key. Codes, dates and ids stay clear, so that
//! every decision is taken from clear columns before anything sealed is opened
//! ([`cases::SealedCase`], [`referrals::ReferralHead`]). A lead transfer re-seals everything.
//!
//! Guards: `case.create` opens a case; `case.read` lists, opens (the lead organisation, or a
//! referral's recipient for the field groups it selects) and shows deadlines; `case.update`
//! changes a case, its services, plan, proceedings, permits and compensation (a service also
//! by its accepting provider); `consent.record` records and withdraws consents and legal
//! bases; `referral.manage` sends and answers referrals and lead transfers;
//! `dossier.export` the dossier and the HTCDS rows; `person.erase` erasure; `org.read` and
//! `directory.manage` the directory.
//!
//! Files: [`model`] (the values), [`common`] (shared helpers), one file per aggregate:
//! [`cases`] (with [`case_view`], the full read model), [`people`] (caseworkers, linked
//! persons), [`services`] (services and plan tasks, written through [`child_records`]),
//! [`judicial`] (proceedings, court dates, permits, compensation), [`deadlines`],
//! [`consents`] (and legal bases), [`referrals`] (and their grants), [`disclosure`] (what a
//! recipient or a dossier may see), [`transfer`] (lead transfers), [`directory`],
//! [`lifecycle`] (erasure, retention, dossier data, HTCDS rows), [`bench`].

mod bench;
mod case_view;
mod cases;
mod child_records;
mod common;
mod consents;
mod deadlines;
mod directory;
mod disclosure;
mod judicial;
mod lifecycle;
pub mod model;
mod people;
mod referrals;
mod services;
mod transfer;

pub use bench::BenchSeeded;
pub use common::parse_date;
pub(crate) use common::today;
pub use lifecycle::default_retention;
pub use model::*;
pub use people::PERSON_ROLES;
