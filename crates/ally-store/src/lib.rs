//! Ally's storage layer: one [`Store`] over SQLite (embedded, the default) or PostgreSQL,
//! with encryption at rest, the tamper-evident audit log, and the access layer through which
//! every read and write of organisation data passes.
//!
//! API boundary: the web layer and the binary see [`Store`], [`Access`] (operations on behalf
//! of a signed-in principal, authorised by `ally_core::authz`), the sign-in and session
//! operations, and operator commands. Raw SQL and the database pool stay private to this crate,
//! so no caller can skip authorisation or audit.

#![warn(missing_docs)]

pub mod backup;
pub mod crypto;
mod db;
mod foundation;
mod identification;
pub mod images;
mod information;
mod jobs;
pub mod labour;
mod lite;
pub mod protection;
pub mod testing;

// The foundation's files keep their short paths (`crate::access::…`, `crate::audit::…`) for the
// other modules, which build on them.
pub(crate) use foundation::{access, admin, audit, auth};

use std::sync::Arc;

pub use access::{Access, OrgSummary, Page};
pub use admin::{OperatorOrg, pending_key_path as admin_pending_key_path};
pub use auth::{ApiTokenInfo, SessionInfo, SessionStage, SignInError, SignInStep, TotpEnrolment};
pub use crypto::{CryptoError, MasterKey};
pub use db::Backend;
pub use foundation::audit_log::{AuditFilter, AuditLog};
pub use foundation::organisations::Organisations;
pub use foundation::persons::{Person, PersonPage, PersonSummary, Persons};
pub use foundation::users::{NewUser, UserSummary, Users};
pub use identification::interviews::Interviews;
pub use identification::questionnaires::Questionnaires;
pub use identification::reviews::TranslationReviews;
pub use identification::{
    Builtin as IdentificationData, InterviewId, InterviewPage, InterviewRecord, InterviewSummary,
    NewInterview, TranslationReview, builtin as identification_data,
};
pub use information::PprlMatch;
pub use information::pprl_xinst::{
    MAX_PPRL_UPLOAD_BYTES, MAX_PPRL_UPLOAD_ROWS, PPRL_CSV_HEADER, PprlKit, PprlUploadError,
    UploadProblem, parse_clk_upload, pprl_clks_csv,
};
pub use information::{
    AccessRequests, Attachments, DistributionLevels, Entities, Intake, Links, Operations,
    PprlMembers, PprlRuns, Reports, Search, SharedEntities,
};
pub use information::{
    AttachmentSummary, EntityPage, EntityView, IntakeView, LinkStatus, LinkView,
    MAX_ATTACHMENTS_PER_REPORT, MAX_PUBLIC_ATTACHMENT_BYTES, ManifestEntry, OperationPackage,
    OperationRequest, OperationSummary, PublicReportError, ReportSummary, ReportView, SharedEntity,
    SharedEntityPage, SuspectEntry, SuspectExtract, SuspectReportEntry,
};
pub use jobs::JobRunner;
pub use protection::cases::Cases;
pub use protection::consents::Consents;
pub use protection::deadlines::Deadlines;
pub use protection::directory::ServiceDirectory;
pub use protection::judicial::Judicial;
pub use protection::lifecycle::Lifecycle;
pub use protection::people::CasePeople;
pub use protection::referrals::Referrals;
pub use protection::services::Services;
pub use protection::transfer::LeadTransfers;
pub use protection::{CaseContent, CaseView, NewCase, OpenedCase, SafetyPlan, SharedCase};

use ally_core::audit::ChainBroken;
use ally_core::authz::Denied;
use ally_core::person::FieldError;

/// Errors of the storage layer. Messages never contain personal data.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A query through sqlx (either backend) failed.
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    /// A query on SQLite's direct rusqlite path (`lite.rs`: point reads, the audit thread)
    /// failed.
    #[error("database error: {0}")]
    Lite(rusqlite::Error),
    /// Applying the embedded migrations failed (at `Store::open`).
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Key handling, sealing or opening failed (e.g. wrong master key, altered ciphertext).
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// No such record.
    #[error("not found")]
    NotFound,
    /// The authorisation gate refused (missing role, or another organisation's record); the
    /// denial is already audited.
    #[error("access denied: {0}")]
    Denied(#[from] Denied),
    /// Input failed validation; one error per field, with codes the web layer translates.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// The write collides with the stored state; the code says how (`changed_meanwhile` for a
    /// stale version, `email_taken`, `already_triaged`...). Never personal data.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// Verification found the audit chain broken (an event altered, removed or reordered).
    #[error("the audit log is broken: {0}")]
    AuditBroken(#[from] ChainBroken),
    /// The database URL is neither `sqlite://` nor `postgres://`/`postgresql://`.
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://...")]
    UnsupportedUrl(String),
    /// A backup could not be written, or a backup file is malformed, tampered with or does not
    /// fit this database; the message says which.
    #[error("{0}")]
    Backup(String),
    /// The audit writer task has stopped, so nothing more can be recorded; operations that must
    /// audit refuse rather than act unrecorded.
    #[error("the audit writer has stopped")]
    AuditWriterGone,
    /// A stored value does not decode (a malformed id, state name or sealed document); names
    /// what, never the value.
    #[error("stored data is corrupt: {0}")]
    Corrupt(&'static str),
}

/// Field errors of a validator in `ally_core` (e.g. `ally_core::labour::validate`) answer as
/// invalid input.
impl From<Vec<FieldError>> for StoreError {
    fn from(errors: Vec<FieldError>) -> Self {
        StoreError::Invalid(errors)
    }
}

/// The storage layer's result, [`StoreError`] by default.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Durations that govern sessions, sign-in throttling and how soon audit events reach the disk.
#[derive(Debug, Clone)]
pub struct Policy {
    /// A session unused for this long ends.
    pub session_idle_ms: i64,
    /// A session ends this long after sign-in, however active.
    pub session_absolute_ms: i64,
    /// Events that are not part of a data write (reads, sign-ins, denials) are committed before
    /// the request they record is answered, so they survive the server being killed; they reach
    /// the disk (survive a power cut) within this many milliseconds, with one sync for all the
    /// events of the window. Zero syncs each batch before answering.
    pub audit_sync_ms: u64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            session_idle_ms: 30 * 60 * 1000,
            session_absolute_ms: 10 * 60 * 60 * 1000,
            audit_sync_ms: 100,
        }
    }
}

/// The store: a database, the key ring, and the audit writer.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    db: db::Db,
    keys: crypto::KeyRing,
    audit: audit::AuditWriter,
    policy: Policy,
    sessions: auth::SessionCache,
    tokens: auth::TokenCache,
    identification: identification::IdentificationCache,
}

impl Store {
    /// Connects, applies pending migrations, checks the master key against the database (or
    /// sets the database up on first start), starts the audit writer and finishes any one-off
    /// re-index a migration asked for (`Store::reindex_legacy_reports`). Must run inside a
    /// Tokio runtime.
    pub async fn open(url: &str, master: MasterKey, policy: Policy) -> Result<Store> {
        let db = db::Db::connect(url).await?;
        db.migrate().await?;
        let keys = crypto::KeyRing::new(master);
        admin::bootstrap_keys(&db, &keys).await?;
        let audit = audit::AuditWriter::start(
            db.clone(),
            &keys,
            std::time::Duration::from_millis(policy.audit_sync_ms),
        )?;
        let store = Store {
            inner: Arc::new(Inner {
                db,
                keys,
                audit,
                policy,
                sessions: Default::default(),
                tokens: Default::default(),
                identification: Default::default(),
            }),
        };
        // Reports filed before migration 0007 get their entity words indexed per entity (a
        // single query when there are none left).
        store.reindex_legacy_reports().await?;
        Ok(store)
    }

    /// Which database this store runs on.
    pub fn backend(&self) -> Backend {
        self.inner.db.backend
    }

    /// Readiness: the database answers and every migration is applied.
    pub async fn ready(&self) -> Result<()> {
        self.inner.db.check_ready().await
    }

    pub(crate) fn db(&self) -> &db::Db {
        &self.inner.db
    }
    pub(crate) fn keys(&self) -> &crypto::KeyRing {
        &self.inner.keys
    }
    pub(crate) fn policy(&self) -> &Policy {
        &self.inner.policy
    }
    pub(crate) fn session_cache(&self) -> &auth::SessionCache {
        &self.inner.sessions
    }
    pub(crate) fn token_cache(&self) -> &auth::TokenCache {
        &self.inner.tokens
    }
    pub(crate) fn identification_cache(&self) -> &identification::IdentificationCache {
        &self.inner.identification
    }
    pub(crate) fn audit_writer(&self) -> &audit::AuditWriter {
        &self.inner.audit
    }

    /// Closes the pool (after the audit writer has committed what it was sent, and stopped).
    pub async fn close(&self) {
        self.inner.audit.close().await;
        self.inner.db.close().await;
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}
