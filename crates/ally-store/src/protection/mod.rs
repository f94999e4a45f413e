//! Storage of the protection module (issue 4): protection cases, services, consent, referrals,
//! proceedings, deadlines, the organisation directory, erasure and retention.
//! Every operation goes through `Access`: authorised by `ally_core::authz` (with the grants
//! that referrals give, see [`Access::case_grants`]), audited, and encrypted like the
//! foundation's person records. The operations the module offers are listed per aggregate on
//! access handles (`access.cases()`, `.case_people()`, `.services()`, `.judicial()`,
//! `.deadlines()`, `.consents()`, `.referrals()`, `.lead_transfers()`,
//! `.service_directory()`, `.lifecycle()`), each declared in its aggregate's file; the
//! `pub(crate)` helpers they share stay on `Access`.
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
//! How it works (moved here from ARCHITECTURE.md, which keeps only the map):
//!
//! `ally-store::protection` keeps cases (`prot_*` tables, migration 0003): the lifecycle columns
//! that `ally_core::protection::apply` validates, HTCDS codes in clear, and every free text (case
//! reference, notes by field group, safety plan, service outcomes, tasks, proceedings notes,
//! guardian, referral details) sealed with the lead organisation's key under `<kind>:<org>:<id>`.
//! **A referral is the grant:** while it is `sent` or `accepted` and the consent it rests on is
//! still given, `Access::case_grants` gives its recipient `case.read` and `referral.manage` on
//! the case, passed to `authorize` like any grant; the recipient's view (`OpenedCase::Shared`)
//! holds exactly the field groups the sender selected. Revoking, declining, or withdrawing the
//! consent ends it in the same transaction. A referral's subject (`ReferralSubject`, in
//! `ally-core`) is the whole case or one service request (`prot_referrals.service_id`, migration
//! 0006): the recipient of a service referral also sees that request, becomes its provider when
//! it accepts, and may then update that service alone (status, dates, outcome): `update_service`
//! passes `authorize` a `case.update` grant computed for that one service
//! (`Referral::may_update_service`, and the referral's basis still valid), never given for
//! anything else; the lead never moves with a service referral. Services follow
//! `ServiceProgress::apply` (requested → in progress → delivered, or declined / cancelled, with
//! their dates); plan tasks are marked done, reassigned and rescheduled (`update_task`); both are
//! audited with codes only. "My deadlines" reads a denormalised `prot_deadlines` table with one
//! row per deadline and person who should see it (`watcher`: the assignee, else each caseworker
//! of the case), rebuilt by `refresh_deadlines` whenever a case's deadlines or its team change
//! (done tasks leave it; assignment and lead transfer rebuild it), and read as one index range
//! from the user in date order (`prot_deadlines_watcher`), never the whole organisation's nor
//! every case the user works on. **Lead transfer** re-seals the case and all its records under
//! the new lead's key in one transaction, and hands over the linked persons: a person record the
//! former lead uses for nothing else (no other case, no interview) moves to the new lead
//! (re-sealed under `person:<new org>:<id>`, blind-index tokens deleted and recomputed with the
//! new lead's index key), so the former lead keeps nothing of it; a record it still uses for its
//! own records (the detection interview that opened the case, another case) is copied instead:
//! the new lead gets its own record (new id, its key, its tokens), the case points to the copy,
//! and the former lead keeps its record for those records but reaches the case no more. Erasure
//! (`person.erase`) deletes the case, its records and referrals, and the linked person with its
//! tokens; the audit keeps a tombstone. The scheduled job `protection_retention` flags closed
//! cases (never with open proceedings), ended consents and finished referrals past the retention
//! period of their type: `[retention]` in `ally.toml` (`case = 3650`, `consent = ...`) or
//! `ALLY_RETENTION_<TYPE>_DAYS`, defaults ten years for cases and no period (kept until erased)
//! for the others; the binary passes the policy to `JobRunner::with_retention`. The benchmark
//! data set (`ally demo --bench-cases N --bench-audit-rows M`, hidden) is written by
//! `Store::seed_protection_bench` in large transactions, its audit rows through the ordinary
//! chain; `bench/protection/run.sh` measures. The dossier (HTML + JSON + audit excerpt + SHA-256
//! manifest, only consented groups) is built in `ally-web::protection::dossier` and checked by
//! `ally dossier verify`.
//!
//! Files: [`model`] (the values), [`common`] (shared helpers), one file per aggregate, each
//! with its handle: [`cases`] (`Cases`; with [`case_view`], the full read model), [`people`]
//! (`CasePeople`: caseworkers, linked persons), [`services`] (`Services`: services and plan
//! tasks, written through [`child_records`]), [`judicial`] (`Judicial`: proceedings, court
//! dates, permits, compensation), [`deadlines`] (`Deadlines`), [`consents`] (`Consents`; and
//! legal bases), [`referrals`] (`Referrals`; and their grants), [`disclosure`] (what a
//! recipient or a dossier may see), [`transfer`] (`LeadTransfers`), [`directory`]
//! (`ServiceDirectory`), [`lifecycle`] (`Lifecycle`: erasure, retention, dossier data, HTCDS
//! rows), [`bench`].

mod bench;
mod case_view;
pub(crate) mod cases;
mod child_records;
mod common;
pub(crate) mod consents;
pub(crate) mod deadlines;
pub(crate) mod directory;
mod disclosure;
pub(crate) mod judicial;
pub(crate) mod lifecycle;
pub mod model;
pub(crate) mod people;
pub(crate) mod referrals;
pub(crate) mod services;
pub(crate) mod transfer;

pub use bench::BenchSeeded;
pub use common::parse_date;
pub(crate) use common::today;
pub use lifecycle::default_retention;
pub use model::*;
pub use people::PERSON_ROLES;
