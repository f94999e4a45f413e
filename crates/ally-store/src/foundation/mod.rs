//! The foundation module: accounts, organisations, persons and the audit log, and the access
//! layer's gate that every module's operations pass through.
//!
//! Tables: `organisations` (with each organisation's wrapped data key), `network_members`,
//! `users`, `sessions`, `api_tokens`, `persons` and `person_tokens` (blind-index tokens),
//! `signin_throttle`, `instance_keys`, `audit_log` and `audit_head`.
//!
//! Sealed: a person's identity (AAD `person:{org}:{id}`, `persons.rs`) and a user's
//! second-factor secret (AAD `totp:{user}`, `auth.rs`), each under the organisation's key.
//!
//! Guards: `PersonCreate`/`PersonRead`/`PersonUpdate`/`PersonList` (persons), `OrgRead` and
//! `OrgManage` (organisations), `UserList` and `UserManage` (users), `AuditRead` (audit log),
//! `OwnAccount` (a user's own sign-in settings). Operator commands (`admin.rs`) are not
//! authorised (whoever runs the command line holds the master key) but audited as `operator`.
//!
//! Files: `access.rs` (the [`Access`](access::Access) gate and helpers every module uses),
//! one file per aggregate (`persons.rs`, `organisations.rs`, `users.rs`, `audit_log.rs`),
//! `auth.rs` (sign-in, sessions, second factor, API tokens), `admin.rs` (first start and
//! operator commands), `audit.rs` (appending to and verifying the audit chain).

pub(crate) mod access;
pub(crate) mod admin;
pub(crate) mod audit;
pub(crate) mod audit_log;
pub(crate) mod auth;
pub(crate) mod organisations;
pub(crate) mod persons;
pub(crate) mod users;
