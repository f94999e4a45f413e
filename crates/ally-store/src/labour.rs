//! Storage of the labour module (issue 6): employers, workplaces and subcontracting chains,
//! joint inspections, document checks, labour-court cases.
//!
//! Everything here is an `impl Access` block: authorised by `ally_core::authz` (with grants for
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

use crate::images::{PhotoError, strip_image_metadata};
use ally_core::OrgId;
use ally_core::audit::AuditOutcome;
use ally_core::authz::{Action, Grant};
use ally_core::labour::{RuleSet, WorkerRecord, check, payslips_from_csv, timesheets_from_csv};
use ally_core::org::OrgKind;
use ally_core::person::FieldError;
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::access::{OrgSummary, id_col, parse_id};
use crate::crypto::OrgKeys;
use crate::{Access, Result, StoreError, now_ms};

// ----- vocabularies -----

/// Sectors an employer can be registered in.
pub const SECTORS: &[&str] = &[
    "construction",
    "agriculture",
    "hospitality",
    "cleaning",
    "manufacturing",
    "logistics",
    "care",
    "domestic_work",
    "other",
];

/// Positions in a subcontracting chain, from the top.
pub const CHAIN_ROLES: &[&str] = &[
    "principal",
    "contractor",
    "subcontractor",
    "temporary_work_agency",
];

/// What a partner organisation is in a joint inspection.
pub const PARTNER_KINDS: &[&str] = &["union", "police", "labour_inspectorate", "tax_authority"];

/// Sector checklists used during inspections: (checklist id, item ids). Item labels are
/// translated in the web layer (`labour-item-<id>`).
pub const CHECKLISTS: &[(&str, &[&str])] = &[
    (
        "construction",
        &[
            "site_register",
            "contracts_on_site",
            "payslips_available",
            "timesheets_available",
            "work_permits",
            "posting_declarations",
            "identity_documents_with_workers",
            "safety_equipment",
            "housing_conditions",
            "subcontractor_list",
        ],
    ),
    (
        "agriculture",
        &[
            "contracts_on_site",
            "payslips_available",
            "timesheets_available",
            "work_permits",
            "identity_documents_with_workers",
            "housing_conditions",
            "transport_deductions",
            "recruitment_fees",
        ],
    ),
];

pub const ANSWERS: &[&str] = &["yes", "no", "not_checked"];

/// Kinds of documents inspected on site.
pub const DOCUMENT_KINDS: &[&str] = &[
    "contract",
    "payslip",
    "timesheet",
    "work_permit",
    "posting_declaration",
    "site_register",
    "other",
];

// ----- helpers -----

fn invalid(field: &'static str, code: &'static str) -> StoreError {
    StoreError::Invalid(vec![FieldError { field, code }])
}

/// Trimmed text, required and at most `max` characters.
fn required(field: &'static str, s: &str, max: usize) -> Result<String> {
    let t = s.trim();
    if t.is_empty() {
        return Err(invalid(field, "required"));
    }
    optional(field, t, max)
}

fn optional(field: &'static str, s: &str, max: usize) -> Result<String> {
    let t = s.trim();
    if t.chars().count() > max {
        return Err(invalid(field, "too_long"));
    }
    if t.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(invalid(field, "control_characters"));
    }
    Ok(t.to_owned())
}

fn one_of(field: &'static str, s: &str, allowed: &[&str]) -> Result<String> {
    let t = s.trim();
    if allowed.contains(&t) {
        Ok(t.to_owned())
    } else {
        Err(invalid(field, "unknown_value"))
    }
}

/// An ISO date `YYYY-MM-DD` (1900..=2200).
fn date(field: &'static str, s: &str) -> Result<String> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    match time::Date::parse(s.trim(), &fmt) {
        Ok(d) if (1900..=2200).contains(&d.year()) => Ok(d.to_string()),
        _ => Err(invalid(field, "date")),
    }
}

/// A non-negative amount of money, kept as a decimal string with two places.
fn amount(field: &'static str, s: &str) -> Result<String> {
    let t = s.trim();
    if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err(invalid(field, "amount"));
    }
    let d: Decimal = t.parse().map_err(|_| invalid(field, "amount"))?;
    if d > Decimal::from(1_000_000_000u64) {
        return Err(invalid(field, "amount"));
    }
    let mut r = d.round_dp(2);
    r.rescale(2);
    Ok(r.to_string())
}

fn uuid_text(field: &'static str, s: &str) -> Result<String> {
    uuid::Uuid::parse_str(s.trim())
        .map(|u| u.to_string())
        .map_err(|_| invalid(field, "unknown_record"))
}

fn opt_uuid(field: &'static str, v: Option<&str>) -> Result<Option<String>> {
    match v.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => uuid_text(field, s).map(Some),
    }
}

fn lines(
    field: &'static str,
    items: &[String],
    max_items: usize,
    max: usize,
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for i in items {
        let t = optional(field, i, max)?;
        if !t.is_empty() {
            out.push(t);
        }
    }
    if out.len() > max_items {
        return Err(invalid(field, "too_many"));
    }
    Ok(out)
}

fn seal_doc<T: Serialize>(keys: &OrgKeys, aad: &str, doc: &T) -> Result<Vec<u8>> {
    let json = zeroize::Zeroizing::new(
        serde_json::to_vec(doc).map_err(|_| StoreError::Corrupt("labour record"))?,
    );
    Ok(keys.seal(aad, &json)?)
}

fn open_doc<T: DeserializeOwned>(keys: &OrgKeys, aad: &str, sealed: &[u8]) -> Result<T> {
    let plain = zeroize::Zeroizing::new(keys.open(aad, sealed)?);
    serde_json::from_slice(&plain).map_err(|_| StoreError::Corrupt("labour record"))
}

fn aad(kind: &str, org: OrgId, id: &str) -> String {
    format!("labour_{kind}:{org}:{id}")
}

/// `Debug` that shows only the type's name: these types carry names of workers and claimants.
macro_rules! redacted_debug {
    ($($t:ty),*) => {$(
        impl std::fmt::Debug for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($t), " { .. }"))
            }
        }
    )*};
}

// ----- employers, workplaces, chains -----

/// An employer as entered.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct EmployerInput {
    pub legal_name: String,
    pub registration_number: String,
    pub sector: String,
    /// One address per item.
    pub addresses: Vec<String>,
}

#[derive(Clone, Serialize, Deserialize)]
struct EmployerDoc {
    legal_name: String,
    registration_number: String,
    addresses: Vec<String>,
}

#[derive(Clone, Serialize)]
pub struct Employer {
    pub id: String,
    pub legal_name: String,
    pub registration_number: String,
    pub sector: String,
    pub addresses: Vec<String>,
    pub created_at_ms: i64,
}

#[derive(Clone, Default, Serialize, Deserialize)]
pub struct WorkplaceInput {
    pub employer_id: String,
    pub name: String,
    pub address: String,
}

/// One link of a subcontracting chain at a workplace.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct ChainLinkInput {
    pub employer_id: String,
    /// principal, contractor, subcontractor, temporary_work_agency
    pub role: String,
    /// The employer that contracted this one (empty for the principal).
    #[serde(default)]
    pub contracted_by: Option<String>,
    /// The collective agreement that applies to this employer's workers at the site.
    #[serde(default)]
    pub collective_agreement: String,
}

#[derive(Clone, Serialize, Deserialize)]
struct WorkplaceDoc {
    name: String,
    address: String,
    chain: Vec<StoredLink>,
}

#[derive(Clone, Serialize, Deserialize)]
struct StoredLink {
    employer_id: String,
    role: String,
    contracted_by: Option<String>,
    collective_agreement: String,
}

#[derive(Clone, Serialize)]
pub struct ChainLink {
    pub employer_id: String,
    pub employer_name: String,
    pub role: String,
    pub contracted_by: Option<String>,
    pub contracted_by_name: Option<String>,
    pub collective_agreement: String,
}

#[derive(Clone, Serialize)]
pub struct Workplace {
    pub id: String,
    pub employer_id: String,
    pub employer_name: String,
    pub name: String,
    pub address: String,
    pub chain: Vec<ChainLink>,
    pub version: i64,
}

// ----- inspections -----

#[derive(Clone, Default, Serialize, Deserialize)]
pub struct PartnerInput {
    pub org_id: String,
    /// union, police, labour_inspectorate, tax_authority
    pub kind: String,
    /// Names of the members taking part.
    #[serde(default)]
    pub members: Vec<String>,
}

#[derive(Clone, Default, Serialize, Deserialize)]
pub struct InspectionPlan {
    pub workplace_id: String,
    /// `YYYY-MM-DD`
    pub date: String,
    pub legal_basis: String,
    /// A checklist id of [`CHECKLISTS`].
    pub checklist: String,
    /// Languages the workers are expected to speak.
    #[serde(default)]
    pub languages: Vec<String>,
    #[serde(default)]
    pub interpreters_needed: bool,
    #[serde(default)]
    pub partners: Vec<PartnerInput>,
}

/// Something recorded during or after an inspection.
#[derive(Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum InspectionEntry {
    Answer {
        item: String,
        answer: String,
        #[serde(default)]
        note: String,
    },
    Worker {
        #[serde(default)]
        name: String,
        #[serde(default)]
        language: String,
        /// A foundation person id, when the worker was registered as a person.
        #[serde(default)]
        person_id: Option<String>,
        /// The worker agreed that partner organisations see who they are.
        #[serde(default)]
        consent_share: bool,
        /// The identification interview held with the worker, if any.
        #[serde(default)]
        interview_id: Option<String>,
        #[serde(default)]
        note: String,
    },
    Document {
        document_kind: String,
        #[serde(default)]
        description: String,
    },
    Finding {
        text: String,
    },
    Action {
        /// The partner organisation (or the owner) that must act.
        assigned_org: String,
        text: String,
        #[serde(default)]
        due: Option<String>,
    },
    /// The worker (numbered from 1) gives or withdraws consent to sharing their identity with
    /// the partner organisations.
    Consent {
        worker: usize,
        #[serde(default)]
        consent_share: bool,
    },
    Complete,
}
redacted_debug!(InspectionEntry);

#[derive(Clone, Serialize, Deserialize)]
struct InspectionDoc {
    workplace_name: String,
    workplace_address: String,
    employer_names: Vec<String>,
    legal_basis: String,
    checklist: String,
    languages: Vec<String>,
    interpreters_needed: bool,
    partners: Vec<StoredPartner>,
    answers: Vec<StoredAnswer>,
    workers: Vec<StoredWorker>,
    documents: Vec<StoredDocument>,
    findings: Vec<String>,
    actions: Vec<StoredAction>,
}

#[derive(Clone, Serialize, Deserialize)]
struct StoredPartner {
    org_id: String,
    org_name: String,
    kind: String,
    members: Vec<String>,
}

#[derive(Clone, Serialize, Deserialize)]
struct StoredAnswer {
    item: String,
    answer: String,
    note: String,
}

#[derive(Clone, Serialize, Deserialize)]
struct StoredWorker {
    name: String,
    language: String,
    person_id: Option<String>,
    consent_share: bool,
    interview_id: Option<String>,
    note: String,
}

#[derive(Clone, Serialize, Deserialize)]
struct StoredDocument {
    kind: String,
    description: String,
}

#[derive(Clone, Serialize, Deserialize)]
struct StoredAction {
    assigned_org: String,
    assigned_org_name: String,
    text: String,
    due: Option<String>,
    #[serde(default)]
    done_at_ms: Option<i64>,
}

#[derive(Clone, Serialize)]
pub struct PartnerView {
    pub org_id: String,
    pub org_name: String,
    pub kind: String,
    pub members: Vec<String>,
}

#[derive(Clone, Serialize)]
pub struct AnswerView {
    pub item: String,
    pub answer: String,
    pub note: String,
}

/// A worker met during the inspection, as the reader may see them.
#[derive(Clone, Serialize)]
pub struct WorkerView {
    /// 1-based number within the inspection ("worker 3").
    pub n: usize,
    /// The name, when the reader is the owner or the worker consented to sharing it.
    pub name: Option<String>,
    pub language: String,
    pub person_id: Option<String>,
    pub consent_share: bool,
    pub interview_id: Option<String>,
    pub note: Option<String>,
}

#[derive(Clone, Serialize)]
pub struct DocumentView {
    pub kind: String,
    pub description: String,
}

#[derive(Clone, Serialize)]
pub struct ActionView {
    /// 1-based number of the action within the inspection (the same for every reader).
    pub n: usize,
    /// When the assigned organisation (or the owner) marked it done.
    pub done_at_ms: Option<i64>,
    pub assigned_org: String,
    pub assigned_org_name: String,
    pub text: String,
    pub due: Option<String>,
}

/// An inspection as one reader may see it: the owner sees everything; a partner sees the plan,
/// the checklist, documents, findings, its own follow-up actions and the identities of the
/// workers who consented to sharing them.
#[derive(Clone, Serialize)]
pub struct InspectionView {
    pub id: String,
    pub owner_org: String,
    pub owner_org_name: String,
    /// The reader's organisation owns the inspection (and may record in it).
    pub is_owner: bool,
    pub workplace_id: String,
    pub workplace_name: String,
    pub workplace_address: String,
    pub employer_names: Vec<String>,
    pub date: String,
    pub status: String,
    pub legal_basis: String,
    pub checklist: String,
    pub languages: Vec<String>,
    pub interpreters_needed: bool,
    pub partners: Vec<PartnerView>,
    pub answers: Vec<AnswerView>,
    pub workers: Vec<WorkerView>,
    pub documents: Vec<DocumentView>,
    pub findings: Vec<String>,
    pub actions: Vec<ActionView>,
    pub version: i64,
}
redacted_debug!(InspectionView, WorkerView);

#[derive(Clone, Debug, Serialize)]
pub struct InspectionSummary {
    pub id: String,
    pub date: String,
    pub status: String,
    pub workplace_name: String,
    pub is_owner: bool,
    pub owner_org_name: String,
}

// ----- document checks -----

/// One worker's documents to check: the record as JSON (format of `ally_core::labour`),
/// optionally with more payslips and timesheet days as CSV.
#[derive(Clone, Default, Deserialize)]
pub struct CheckInput {
    /// How the organisation refers to the worker (sealed).
    pub worker_label: String,
    pub rule_set: String,
    #[serde(default)]
    pub inspection_id: Option<String>,
    pub record_json: String,
    #[serde(default)]
    pub payslips_csv: String,
    #[serde(default)]
    pub timesheets_csv: String,
}
redacted_debug!(CheckInput);

#[derive(Clone, Serialize, Deserialize)]
struct CheckDoc {
    worker_label: String,
    record_json: String,
    payslips_csv: String,
    timesheets_csv: String,
    report: serde_json::Value,
}

/// A stored finding, as the check produced it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredFinding {
    pub kind: String,
    pub period: String,
    pub amount: String,
    pub unit: Option<String>,
    pub arithmetic: String,
    pub rule: StoredRule,
    pub indicators: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredRule {
    pub id: String,
    pub citation: String,
    pub url: Option<String>,
    pub verified: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct StoredReport {
    rule_set: String,
    findings: Vec<StoredFinding>,
    notes: Vec<String>,
}

#[derive(Clone, Serialize)]
pub struct DocumentCheck {
    pub id: String,
    pub worker_label: String,
    pub rule_set: String,
    pub currency: String,
    pub inspection_id: Option<String>,
    pub findings: Vec<StoredFinding>,
    pub notes: Vec<String>,
    pub record_json: String,
    pub payslips_csv: String,
    pub timesheets_csv: String,
    pub created_at_ms: i64,
}
redacted_debug!(DocumentCheck);

impl DocumentCheck {
    /// Money owed by kind of finding (findings in the rule set's currency), summed exactly.
    pub fn money_by_kind(&self) -> Vec<(String, Decimal)> {
        let mut out: Vec<(String, Decimal)> = Vec::new();
        for f in &self.findings {
            if f.unit.as_deref() != Some(self.currency.as_str()) {
                continue;
            }
            let Ok(a) = f.amount.parse::<Decimal>() else {
                continue;
            };
            match out.iter_mut().find(|(k, _)| *k == f.kind) {
                Some((_, sum)) => *sum += a,
                None => out.push((f.kind.clone(), a)),
            }
        }
        out
    }
}

#[derive(Clone, Serialize)]
pub struct CheckSummary {
    pub id: String,
    pub worker_label: String,
    pub rule_set: String,
    pub finding_count: i64,
    pub inspection_id: Option<String>,
    pub created_at_ms: i64,
}
redacted_debug!(CheckSummary);

// ----- labour-court cases -----

#[derive(Clone, Default, Deserialize)]
pub struct NewLabourCase {
    pub title: String,
    #[serde(default)]
    pub collective_agreement: String,
    pub claimant_name: String,
    /// The claimant consented to the case being brought and their data being kept for it.
    #[serde(default)]
    pub claimant_consent: bool,
    /// A document check whose money findings become the first claims.
    #[serde(default)]
    pub check_id: Option<String>,
    /// Employers jointly liable (ids of the organisation's employers).
    #[serde(default)]
    pub employer_ids: Vec<String>,
}
redacted_debug!(NewLabourCase);

#[derive(Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CaseEntry {
    Claimant {
        name: String,
        #[serde(default)]
        consent: bool,
    },
    Employer {
        employer_id: String,
        #[serde(default)]
        role: String,
    },
    Claim {
        description: String,
        amount: String,
        #[serde(default)]
        check_id: Option<String>,
    },
    Evidence {
        description: String,
        /// SHA-256 of the evidence file, 64 hexadecimal digits.
        sha256: String,
    },
    Hearing {
        date: String,
        #[serde(default)]
        court: String,
        #[serde(default)]
        note: String,
    },
    Outcome {
        text: String,
        recovered: String,
        #[serde(default)]
        date: String,
    },
}
redacted_debug!(CaseEntry);

#[derive(Clone, Serialize, Deserialize)]
struct CaseDoc {
    title: String,
    collective_agreement: String,
    claimants: Vec<StoredClaimant>,
    employers: Vec<StoredLiable>,
    claims: Vec<StoredClaim>,
    evidence: Vec<StoredEvidence>,
    hearings: Vec<StoredHearing>,
    outcome: Option<StoredOutcome>,
}

#[derive(Clone, Serialize, Deserialize)]
struct StoredClaimant {
    name: String,
    consent_at_ms: i64,
}

#[derive(Clone, Serialize, Deserialize)]
struct StoredLiable {
    employer_id: String,
    role: String,
}

#[derive(Clone, Serialize, Deserialize)]
struct StoredClaim {
    description: String,
    amount: String,
    check_id: Option<String>,
}

#[derive(Clone, Serialize, Deserialize)]
struct StoredEvidence {
    description: String,
    sha256: String,
}

#[derive(Clone, Serialize, Deserialize)]
struct StoredHearing {
    date: String,
    court: String,
    note: String,
}

#[derive(Clone, Serialize, Deserialize)]
struct StoredOutcome {
    text: String,
    recovered: String,
    date: String,
}

#[derive(Clone, Serialize)]
pub struct Claimant {
    pub name: String,
    pub consent_at_ms: i64,
}

#[derive(Clone, Serialize)]
pub struct LiableEmployer {
    pub employer_id: String,
    pub legal_name: String,
    pub registration_number: String,
    pub role: String,
}

#[derive(Clone, Serialize)]
pub struct Claim {
    pub description: String,
    pub amount: String,
    pub check_id: Option<String>,
}

#[derive(Clone, Serialize)]
pub struct Evidence {
    pub description: String,
    pub sha256: String,
}

#[derive(Clone, Serialize)]
pub struct Hearing {
    pub date: String,
    pub court: String,
    pub note: String,
}

#[derive(Clone, Serialize)]
pub struct Outcome {
    pub text: String,
    pub recovered: String,
    pub date: String,
}

#[derive(Clone, Serialize)]
pub struct LabourCase {
    pub id: String,
    pub title: String,
    pub collective_agreement: String,
    pub status: String,
    pub claimants: Vec<Claimant>,
    pub employers: Vec<LiableEmployer>,
    pub claims: Vec<Claim>,
    /// Sum of the claims, exact.
    pub claimed_total: String,
    pub evidence: Vec<Evidence>,
    /// Sorted by date.
    pub hearings: Vec<Hearing>,
    pub outcome: Option<Outcome>,
    pub created_at_ms: i64,
    pub version: i64,
}
redacted_debug!(LabourCase);

impl LabourCase {
    /// Hearings on or after `today` (`YYYY-MM-DD`), soonest first: the reminders.
    pub fn upcoming_hearings(&self, today: &str) -> Vec<&Hearing> {
        self.hearings
            .iter()
            .filter(|h| h.date.as_str() >= today)
            .collect()
    }
}

#[derive(Clone, Serialize)]
pub struct LabourCaseSummary {
    pub id: String,
    pub title: String,
    pub status: String,
    pub claimed_total: String,
    pub next_hearing: Option<String>,
    pub created_at_ms: i64,
}
redacted_debug!(LabourCaseSummary);

/// Today's date (UTC) as `YYYY-MM-DD`.
pub fn today() -> String {
    time::OffsetDateTime::now_utc().date().to_string()
}

// ----- the access methods -----

impl Access<'_> {
    /// Not found, answered after checking the role (so a role without the action gets 403
    /// whatever the id).
    async fn labour_not_found(&self, action: Action, kind: &str, id: &str) -> StoreError {
        match self
            .authorize_granted(
                action,
                self.principal.org_id,
                &[],
                Some((kind, id.to_owned())),
            )
            .await
        {
            Ok(()) => StoreError::NotFound,
            Err(e) => e,
        }
    }

    async fn write_event(
        &self,
        tx: crate::db::WriteTx,
        action: &str,
        kind: &str,
        id: &str,
        detail: String,
    ) -> Result<()> {
        let ev = self.event(
            action,
            Some((kind, id.to_owned())),
            AuditOutcome::Success,
            detail,
        );
        self.store.commit_audited(tx, &[ev]).await
    }

    async fn read_event(
        &self,
        action: &str,
        kind: &str,
        id: Option<&str>,
        detail: String,
    ) -> Result<()> {
        self.record(self.event(
            action,
            id.map(|i| (kind, i.to_owned())),
            AuditOutcome::Success,
            detail,
        ))
        .await
    }

    // ----- employers -----

    fn validate_employer(input: &EmployerInput) -> Result<(String, EmployerDoc)> {
        let legal_name = required("legal_name", &input.legal_name, 300)?;
        let registration_number = optional("registration_number", &input.registration_number, 100)?;
        let sector = one_of("sector", &input.sector, SECTORS)?;
        let addresses = lines("addresses", &input.addresses, 20, 500)?;
        Ok((
            sector,
            EmployerDoc {
                legal_name,
                registration_number,
                addresses,
            },
        ))
    }

    pub async fn create_employer(&self, input: EmployerInput) -> Result<String> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::EmployerManage, org, &[], None)
            .await?;
        let (sector, doc) = Self::validate_employer(&input)?;
        let id = uuid::Uuid::now_v7().to_string();
        let keys = self.store.org_keys(org).await?;
        let sealed = seal_doc(&keys, &aad("employer", org, &id), &doc)?;
        let now = now_ms();
        let mut tx = self.store.db().begin_write().await?;
        sqlx::query(
            "INSERT INTO labour_employers (id, org_id, sector, sealed, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(org.to_string())
        .bind(&sector)
        .bind(sealed)
        .bind(self.principal.user_id.to_string())
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        self.write_event(tx, "employer.create", "employer", &id, String::new())
            .await?;
        Ok(id)
    }

    /// Loads an employer of `org` (no authorisation, no audit).
    async fn load_employer(&self, id: &str) -> Result<Option<(OrgId, Employer)>> {
        let row = sqlx::query(
            "SELECT org_id, sector, sealed, created_at FROM labour_employers WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.store.db().pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let org: OrgId = id_col(&row, "org_id")?;
        let keys = self.store.org_keys(org).await?;
        let sealed: Vec<u8> = row.try_get("sealed")?;
        let doc: EmployerDoc = open_doc(&keys, &aad("employer", org, id), &sealed)?;
        Ok(Some((
            org,
            Employer {
                id: id.to_owned(),
                legal_name: doc.legal_name,
                registration_number: doc.registration_number,
                sector: row.try_get("sector")?,
                addresses: doc.addresses,
                created_at_ms: row.try_get("created_at")?,
            },
        )))
    }

    pub async fn get_employer(&self, id: &str) -> Result<Employer> {
        let Some((org, e)) = self.load_employer(id).await? else {
            return Err(self
                .labour_not_found(Action::EmployerManage, "employer", id)
                .await);
        };
        self.authorize_granted(
            Action::EmployerManage,
            org,
            &[],
            Some(("employer", id.to_owned())),
        )
        .await?;
        self.read_event("employer.read", "employer", Some(id), String::new())
            .await?;
        Ok(e)
    }

    pub async fn list_employers(&self) -> Result<Vec<Employer>> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::EmployerManage, org, &[], None)
            .await?;
        let rows = sqlx::query(
            "SELECT id, sector, sealed, created_at FROM labour_employers WHERE org_id = $1 \
             ORDER BY created_at, id",
        )
        .bind(org.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let keys = self.store.org_keys(org).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: String = row.try_get("id")?;
            let sealed: Vec<u8> = row.try_get("sealed")?;
            let doc: EmployerDoc = open_doc(&keys, &aad("employer", org, &id), &sealed)?;
            out.push(Employer {
                id,
                legal_name: doc.legal_name,
                registration_number: doc.registration_number,
                sector: row.try_get("sector")?,
                addresses: doc.addresses,
                created_at_ms: row.try_get("created_at")?,
            });
        }
        self.read_event(
            "employer.list",
            "employer",
            None,
            format!("count={}", out.len()),
        )
        .await?;
        Ok(out)
    }

    /// An employer of the principal's own organisation, or an invalid-field error.
    async fn own_employer(&self, field: &'static str, id: &str) -> Result<Employer> {
        let id = uuid_text(field, id)?;
        match self.load_employer(&id).await? {
            Some((org, e)) if org == self.principal.org_id => Ok(e),
            _ => Err(invalid(field, "unknown_record")),
        }
    }

    pub async fn create_workplace(&self, input: WorkplaceInput) -> Result<String> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::EmployerManage, org, &[], None)
            .await?;
        let employer = self.own_employer("employer_id", &input.employer_id).await?;
        let doc = WorkplaceDoc {
            name: required("name", &input.name, 300)?,
            address: optional("address", &input.address, 500)?,
            // The employer running the site heads the chain until the chain is entered.
            chain: vec![StoredLink {
                employer_id: employer.id.clone(),
                role: "principal".into(),
                contracted_by: None,
                collective_agreement: String::new(),
            }],
        };
        let id = uuid::Uuid::now_v7().to_string();
        let keys = self.store.org_keys(org).await?;
        let sealed = seal_doc(&keys, &aad("workplace", org, &id), &doc)?;
        let now = now_ms();
        let mut tx = self.store.db().begin_write().await?;
        sqlx::query(
            "INSERT INTO labour_workplaces (id, org_id, employer_id, sealed, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 1, $5, $6)",
        )
        .bind(&id)
        .bind(org.to_string())
        .bind(&employer.id)
        .bind(sealed)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        self.write_event(tx, "workplace.create", "workplace", &id, String::new())
            .await?;
        Ok(id)
    }

    async fn load_workplace(&self, id: &str) -> Result<Option<(OrgId, String, WorkplaceDoc, i64)>> {
        let row = sqlx::query(
            "SELECT org_id, employer_id, sealed, version FROM labour_workplaces WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.store.db().pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let org: OrgId = id_col(&row, "org_id")?;
        let keys = self.store.org_keys(org).await?;
        let sealed: Vec<u8> = row.try_get("sealed")?;
        let doc: WorkplaceDoc = open_doc(&keys, &aad("workplace", org, id), &sealed)?;
        Ok(Some((
            org,
            row.try_get("employer_id")?,
            doc,
            row.try_get("version")?,
        )))
    }

    async fn employer_name(&self, id: &str) -> Result<String> {
        Ok(self
            .load_employer(id)
            .await?
            .map(|(_, e)| e.legal_name)
            .unwrap_or_default())
    }

    async fn workplace_view(
        &self,
        id: &str,
        employer_id: String,
        doc: WorkplaceDoc,
        version: i64,
    ) -> Result<Workplace> {
        let mut chain = Vec::with_capacity(doc.chain.len());
        for l in doc.chain {
            let contracted_by_name = match &l.contracted_by {
                Some(c) => Some(self.employer_name(c).await?),
                None => None,
            };
            chain.push(ChainLink {
                employer_name: self.employer_name(&l.employer_id).await?,
                employer_id: l.employer_id,
                role: l.role,
                contracted_by: l.contracted_by,
                contracted_by_name,
                collective_agreement: l.collective_agreement,
            });
        }
        Ok(Workplace {
            id: id.to_owned(),
            employer_name: self.employer_name(&employer_id).await?,
            employer_id,
            name: doc.name,
            address: doc.address,
            chain,
            version,
        })
    }

    pub async fn get_workplace(&self, id: &str) -> Result<Workplace> {
        let Some((org, employer_id, doc, version)) = self.load_workplace(id).await? else {
            return Err(self
                .labour_not_found(Action::EmployerManage, "workplace", id)
                .await);
        };
        self.authorize_granted(
            Action::EmployerManage,
            org,
            &[],
            Some(("workplace", id.to_owned())),
        )
        .await?;
        self.read_event("workplace.read", "workplace", Some(id), String::new())
            .await?;
        self.workplace_view(id, employer_id, doc, version).await
    }

    /// The organisation's workplaces (optionally of one employer), with their chains.
    pub async fn list_workplaces(&self, employer: Option<&str>) -> Result<Vec<Workplace>> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::EmployerManage, org, &[], None)
            .await?;
        let rows = sqlx::query(
            "SELECT id FROM labour_workplaces WHERE org_id = $1 ORDER BY created_at, id",
        )
        .bind(org.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let mut out = Vec::new();
        for row in &rows {
            let id: String = row.try_get("id")?;
            if let Some((_, employer_id, doc, version)) = self.load_workplace(&id).await? {
                let in_chain = doc
                    .chain
                    .iter()
                    .any(|l| Some(l.employer_id.as_str()) == employer);
                if employer.is_none() || Some(employer_id.as_str()) == employer || in_chain {
                    out.push(self.workplace_view(&id, employer_id, doc, version).await?);
                }
            }
        }
        self.read_event(
            "workplace.list",
            "workplace",
            None,
            format!("count={}", out.len()),
        )
        .await?;
        Ok(out)
    }

    /// Adds (or replaces) an employer's link in the workplace's subcontracting chain.
    pub async fn set_chain_link(&self, workplace_id: &str, input: ChainLinkInput) -> Result<()> {
        let Some((org, _, mut doc, version)) = self.load_workplace(workplace_id).await? else {
            return Err(self
                .labour_not_found(Action::EmployerManage, "workplace", workplace_id)
                .await);
        };
        let target = Some(("workplace", workplace_id.to_owned()));
        self.authorize_granted(Action::EmployerManage, org, &[], target)
            .await?;
        let employer = self.own_employer("employer_id", &input.employer_id).await?;
        let role = one_of("role", &input.role, CHAIN_ROLES)?;
        let contracted_by = match input.contracted_by.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(c) => {
                let e = self.own_employer("contracted_by", c).await?;
                if e.id == employer.id {
                    return Err(invalid("contracted_by", "self_reference"));
                }
                if !doc.chain.iter().any(|l| l.employer_id == e.id) {
                    return Err(invalid("contracted_by", "not_in_chain"));
                }
                Some(e.id)
            }
        };
        if role != "principal" && contracted_by.is_none() {
            return Err(invalid("contracted_by", "required"));
        }
        let link = StoredLink {
            employer_id: employer.id.clone(),
            role,
            contracted_by,
            collective_agreement: optional(
                "collective_agreement",
                &input.collective_agreement,
                300,
            )?,
        };
        match doc.chain.iter_mut().find(|l| l.employer_id == employer.id) {
            Some(l) => *l = link,
            None => {
                if doc.chain.len() >= 50 {
                    return Err(invalid("employer_id", "too_many"));
                }
                doc.chain.push(link);
            }
        }
        let keys = self.store.org_keys(org).await?;
        let sealed = seal_doc(&keys, &aad("workplace", org, workplace_id), &doc)?;
        let mut tx = self.store.db().begin_write().await?;
        let n = sqlx::query(
            "UPDATE labour_workplaces SET sealed = $1, version = version + 1, updated_at = $2 \
             WHERE id = $3 AND version = $4",
        )
        .bind(sealed)
        .bind(now_ms())
        .bind(workplace_id)
        .bind(version)
        .execute(&mut *tx)
        .await?;
        if n.rows_affected() != 1 {
            return Err(StoreError::Conflict("changed_meanwhile"));
        }
        self.write_event(
            tx,
            "workplace.chain",
            "workplace",
            workplace_id,
            format!("links={}", doc.chain.len()),
        )
        .await
    }

    // ----- inspections -----

    /// Organisations that can take part in an inspection: every other organisation of the
    /// instance except networks (names and kinds only).
    pub async fn inspection_partner_candidates(&self) -> Result<Vec<OrgSummary>> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::InspectionManage, org, &[], None)
            .await?;
        let rows =
            sqlx::query("SELECT id, name, kind FROM organisations WHERE id <> $1 ORDER BY name")
                .bind(org.to_string())
                .fetch_all(&self.store.db().pool)
                .await?;
        let mut out = Vec::new();
        for r in &rows {
            let kind: String = r.try_get("kind")?;
            let kind = OrgKind::parse(&kind).ok_or(StoreError::Corrupt("organisation kind"))?;
            if kind == OrgKind::Network {
                continue;
            }
            out.push(OrgSummary {
                id: id_col(r, "id")?,
                name: r.try_get("name")?,
                kind,
            });
        }
        Ok(out)
    }

    async fn validate_partner(&self, p: &PartnerInput) -> Result<StoredPartner> {
        let org_id = uuid_text("partner_org", &p.org_id)?;
        if org_id == self.principal.org_id.to_string() {
            return Err(invalid("partner_org", "own_organisation"));
        }
        let Some(org_name) = self.org_name(&org_id).await? else {
            return Err(invalid("partner_org", "unknown_record"));
        };
        Ok(StoredPartner {
            org_id,
            org_name,
            kind: one_of("partner_kind", &p.kind, PARTNER_KINDS)?,
            members: lines("partner_members", &p.members, 30, 200)?,
        })
    }

    pub async fn plan_inspection(&self, plan: InspectionPlan) -> Result<String> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::InspectionManage, org, &[], None)
            .await?;
        let wid = uuid_text("workplace_id", &plan.workplace_id)?;
        let workplace = match self.load_workplace(&wid).await? {
            Some((o, employer_id, doc, version)) if o == org => {
                self.workplace_view(&wid, employer_id, doc, version).await?
            }
            _ => return Err(invalid("workplace_id", "unknown_record")),
        };
        let date = date("date", &plan.date)?;
        let legal_basis = required("legal_basis", &plan.legal_basis, 1000)?;
        let checklist = one_of(
            "checklist",
            &plan.checklist,
            &CHECKLISTS.iter().map(|(c, _)| *c).collect::<Vec<_>>(),
        )?;
        let languages = lines("languages", &plan.languages, 20, 100)?;
        if plan.partners.len() > 20 {
            return Err(invalid("partner_org", "too_many"));
        }
        let mut partners: Vec<StoredPartner> = Vec::new();
        for p in &plan.partners {
            let sp = self.validate_partner(p).await?;
            if partners.iter().any(|x| x.org_id == sp.org_id) {
                return Err(invalid("partner_org", "duplicate"));
            }
            partners.push(sp);
        }
        let mut employer_names: Vec<String> = Vec::new();
        for l in &workplace.chain {
            if !employer_names.contains(&l.employer_name) {
                employer_names.push(l.employer_name.clone());
            }
        }
        let doc = InspectionDoc {
            workplace_name: workplace.name,
            workplace_address: workplace.address,
            employer_names,
            legal_basis,
            checklist,
            languages,
            interpreters_needed: plan.interpreters_needed,
            partners,
            answers: Vec::new(),
            workers: Vec::new(),
            documents: Vec::new(),
            findings: Vec::new(),
            actions: Vec::new(),
        };
        let id = uuid::Uuid::now_v7().to_string();
        let keys = self.store.org_keys(org).await?;
        let sealed = seal_doc(&keys, &aad("inspection", org, &id), &doc)?;
        let now = now_ms();
        let mut tx = self.store.db().begin_write().await?;
        sqlx::query(
            "INSERT INTO labour_inspections (id, org_id, workplace_id, planned_date, status, sealed, version, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 'planned', $5, 1, $6, $7, $8)",
        )
        .bind(&id)
        .bind(org.to_string())
        .bind(&wid)
        .bind(&date)
        .bind(sealed)
        .bind(self.principal.user_id.to_string())
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        for p in &doc.partners {
            sqlx::query(
                "INSERT INTO labour_inspection_partners (inspection_id, partner_org_id, owner_org_id) VALUES ($1, $2, $3)",
            )
            .bind(&id)
            .bind(&p.org_id)
            .bind(org.to_string())
            .execute(&mut *tx)
            .await?;
        }
        self.write_event(
            tx,
            "inspection.plan",
            "inspection",
            &id,
            format!("partners={}", doc.partners.len()),
        )
        .await?;
        Ok(id)
    }

    #[allow(clippy::type_complexity)]
    async fn load_inspection(
        &self,
        id: &str,
    ) -> Result<Option<(OrgId, String, String, String, InspectionDoc, i64)>> {
        let row = sqlx::query(
            "SELECT org_id, workplace_id, planned_date, status, sealed, version FROM labour_inspections WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.store.db().pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let org: OrgId = id_col(&row, "org_id")?;
        let keys = self.store.org_keys(org).await?;
        let sealed: Vec<u8> = row.try_get("sealed")?;
        let doc: InspectionDoc = open_doc(&keys, &aad("inspection", org, id), &sealed)?;
        Ok(Some((
            org,
            row.try_get("workplace_id")?,
            row.try_get("planned_date")?,
            row.try_get("status")?,
            doc,
            row.try_get("version")?,
        )))
    }

    /// The grants that the partner rows of an inspection give: `inspection.read` to each
    /// organisation taking part.
    async fn inspection_grants(&self, id: &str) -> Result<Vec<Grant>> {
        let rows = sqlx::query(
            "SELECT partner_org_id FROM labour_inspection_partners WHERE inspection_id = $1",
        )
        .bind(id)
        .fetch_all(&self.store.db().pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Grant {
                    to_org: parse_id(&r.try_get::<String, _>("partner_org_id")?)?,
                    action: Action::InspectionRead,
                })
            })
            .collect()
    }

    pub async fn get_inspection(&self, id: &str) -> Result<InspectionView> {
        let Some((org, workplace_id, date, status, doc, version)) =
            self.load_inspection(id).await?
        else {
            return Err(self
                .labour_not_found(Action::InspectionRead, "inspection", id)
                .await);
        };
        let grants = self.inspection_grants(id).await?;
        self.authorize_granted(
            Action::InspectionRead,
            org,
            &grants,
            Some(("inspection", id.to_owned())),
        )
        .await?;
        let is_owner = org == self.principal.org_id;
        let me = self.principal.org_id.to_string();
        let workers: Vec<WorkerView> = doc
            .workers
            .into_iter()
            .enumerate()
            .map(|(i, w)| {
                let visible = is_owner || w.consent_share;
                WorkerView {
                    n: i + 1,
                    name: visible.then_some(w.name).filter(|n| !n.is_empty()),
                    language: w.language,
                    person_id: if visible { w.person_id } else { None },
                    consent_share: w.consent_share,
                    interview_id: if visible { w.interview_id } else { None },
                    note: visible.then_some(w.note),
                }
            })
            .collect();
        let shown_identities = workers.iter().filter(|w| w.name.is_some()).count();
        let view = InspectionView {
            id: id.to_owned(),
            owner_org: org.to_string(),
            owner_org_name: self.org_name(&org.to_string()).await?.unwrap_or_default(),
            is_owner,
            workplace_id: if is_owner {
                workplace_id
            } else {
                String::new()
            },
            workplace_name: doc.workplace_name,
            workplace_address: doc.workplace_address,
            employer_names: doc.employer_names,
            date,
            status,
            legal_basis: doc.legal_basis,
            checklist: doc.checklist,
            languages: doc.languages,
            interpreters_needed: doc.interpreters_needed,
            partners: doc
                .partners
                .into_iter()
                .map(|p| PartnerView {
                    org_id: p.org_id,
                    org_name: p.org_name,
                    kind: p.kind,
                    members: p.members,
                })
                .collect(),
            answers: doc
                .answers
                .into_iter()
                .map(|a| AnswerView {
                    item: a.item,
                    answer: a.answer,
                    note: a.note,
                })
                .collect(),
            workers,
            documents: doc
                .documents
                .into_iter()
                .map(|d| DocumentView {
                    kind: d.kind,
                    description: d.description,
                })
                .collect(),
            findings: doc.findings,
            actions: doc
                .actions
                .into_iter()
                .enumerate()
                .filter(|(_, a)| is_owner || a.assigned_org == me)
                .map(|(i, a)| ActionView {
                    n: i + 1,
                    done_at_ms: a.done_at_ms,
                    assigned_org: a.assigned_org,
                    assigned_org_name: a.assigned_org_name,
                    text: a.text,
                    due: a.due,
                })
                .collect(),
            version,
        };
        let detail = format!(
            "{} identities={shown_identities}",
            if is_owner { "owner" } else { "partner" }
        );
        self.read_event("inspection.read", "inspection", Some(id), detail)
            .await?;
        Ok(view)
    }

    /// Inspections of the organisation and those it takes part in, soonest date last.
    pub async fn list_inspections(&self) -> Result<Vec<InspectionSummary>> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::InspectionRead, org, &[], None)
            .await?;
        let rows = sqlx::query(
            "SELECT id FROM labour_inspections WHERE org_id = $1 OR id IN \
             (SELECT inspection_id FROM labour_inspection_partners WHERE partner_org_id = $1) \
             ORDER BY planned_date DESC, id DESC LIMIT 200",
        )
        .bind(org.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let mut out = Vec::new();
        for row in &rows {
            let id: String = row.try_get("id")?;
            if let Some((owner, _, date, status, doc, _)) = self.load_inspection(&id).await? {
                out.push(InspectionSummary {
                    id,
                    date,
                    status,
                    workplace_name: doc.workplace_name,
                    is_owner: owner == org,
                    owner_org_name: self.org_name(&owner.to_string()).await?.unwrap_or_default(),
                });
            }
        }
        self.read_event(
            "inspection.list",
            "inspection",
            None,
            format!("count={}", out.len()),
        )
        .await?;
        Ok(out)
    }

    /// Adds a partner organisation to a planned inspection (the owner only).
    pub async fn add_inspection_partner(&self, id: &str, partner: PartnerInput) -> Result<()> {
        let (org, status, mut doc, version) = self.inspection_for_change(id).await?;
        let sp = self.validate_partner(&partner).await?;
        if doc.partners.iter().any(|p| p.org_id == sp.org_id) {
            return Err(invalid("partner_org", "duplicate"));
        }
        if doc.partners.len() >= 20 {
            return Err(invalid("partner_org", "too_many"));
        }
        let added = sp.org_id.clone();
        doc.partners.push(sp);
        self.save_inspection(
            id,
            org,
            &status,
            &doc,
            version,
            Some(&added),
            "inspection.partner",
        )
        .await
    }

    /// Records an answer, a worker met, a document inspected, a finding or a follow-up action,
    /// or marks the inspection completed (the owner only).
    pub async fn record_inspection(&self, id: &str, entry: InspectionEntry) -> Result<()> {
        let (org, mut status, mut doc, version) = self.inspection_for_change(id).await?;
        const MAX_ITEMS: usize = 500;
        let action = match entry {
            InspectionEntry::Answer { item, answer, note } => {
                let items = CHECKLISTS
                    .iter()
                    .find(|(c, _)| *c == doc.checklist)
                    .map(|(_, i)| *i)
                    .unwrap_or(&[]);
                let item = one_of("item", &item, items)?;
                let answer = one_of("answer", &answer, ANSWERS)?;
                let note = optional("note", &note, 2000)?;
                doc.answers.retain(|a| a.item != item);
                doc.answers.push(StoredAnswer { item, answer, note });
                "inspection.answer"
            }
            InspectionEntry::Worker {
                name,
                language,
                person_id,
                consent_share,
                interview_id,
                note,
            } => {
                if doc.workers.len() >= MAX_ITEMS {
                    return Err(invalid("name", "too_many"));
                }
                doc.workers.push(StoredWorker {
                    name: optional("name", &name, 200)?,
                    language: optional("language", &language, 100)?,
                    person_id: opt_uuid("person_id", person_id.as_deref())?,
                    consent_share,
                    interview_id: opt_uuid("interview_id", interview_id.as_deref())?,
                    note: optional("note", &note, 2000)?,
                });
                "inspection.worker"
            }
            InspectionEntry::Document {
                document_kind,
                description,
            } => {
                if doc.documents.len() >= MAX_ITEMS {
                    return Err(invalid("document_kind", "too_many"));
                }
                doc.documents.push(StoredDocument {
                    kind: one_of("document_kind", &document_kind, DOCUMENT_KINDS)?,
                    description: optional("description", &description, 2000)?,
                });
                "inspection.document"
            }
            InspectionEntry::Finding { text } => {
                if doc.findings.len() >= MAX_ITEMS {
                    return Err(invalid("text", "too_many"));
                }
                doc.findings.push(required("text", &text, 4000)?);
                "inspection.finding"
            }
            InspectionEntry::Action {
                assigned_org,
                text,
                due,
            } => {
                if doc.actions.len() >= MAX_ITEMS {
                    return Err(invalid("text", "too_many"));
                }
                let assigned = uuid_text("assigned_org", &assigned_org)?;
                let owner = org.to_string();
                let name = if assigned == owner {
                    self.org_name(&owner).await?.unwrap_or_default()
                } else {
                    doc.partners
                        .iter()
                        .find(|p| p.org_id == assigned)
                        .map(|p| p.org_name.clone())
                        .ok_or_else(|| invalid("assigned_org", "not_a_partner"))?
                };
                let due = match due.as_deref().map(str::trim) {
                    None | Some("") => None,
                    Some(d) => Some(date("due", d)?),
                };
                doc.actions.push(StoredAction {
                    assigned_org: assigned,
                    assigned_org_name: name,
                    text: required("text", &text, 2000)?,
                    due,
                    done_at_ms: None,
                });
                "inspection.action"
            }
            InspectionEntry::Consent {
                worker,
                consent_share,
            } => {
                let w = worker
                    .checked_sub(1)
                    .and_then(|i| doc.workers.get_mut(i))
                    .ok_or_else(|| invalid("worker", "unknown_record"))?;
                w.consent_share = consent_share;
                if consent_share {
                    "inspection.consent_given"
                } else {
                    "inspection.consent_withdrawn"
                }
            }
            InspectionEntry::Complete => {
                status = "completed".to_owned();
                "inspection.complete"
            }
        };
        self.save_inspection(id, org, &status, &doc, version, None, action)
            .await
    }

    /// Marks a follow-up action done: by the owner, or by the partner organisation the action is
    /// assigned to (the one write a partner may make, through an `inspection.manage` grant
    /// limited to its own actions).
    pub async fn complete_inspection_action(&self, id: &str, n: usize) -> Result<()> {
        let Some((org, _, _, status, mut doc, version)) = self.load_inspection(id).await? else {
            return Err(self
                .labour_not_found(Action::InspectionManage, "inspection", id)
                .await);
        };
        let me = self.principal.org_id.to_string();
        let target = Some(("inspection", id.to_owned()));
        let own_action = n
            .checked_sub(1)
            .and_then(|i| doc.actions.get(i))
            .is_some_and(|a| a.assigned_org == me);
        let grants: Vec<Grant> = if own_action {
            self.inspection_grants(id)
                .await?
                .into_iter()
                .map(|g| Grant {
                    to_org: g.to_org,
                    action: Action::InspectionManage,
                })
                .collect()
        } else {
            Vec::new()
        };
        self.authorize_granted(Action::InspectionManage, org, &grants, target)
            .await?;
        let action = n
            .checked_sub(1)
            .and_then(|i| doc.actions.get_mut(i))
            .ok_or(StoreError::NotFound)?;
        if action.done_at_ms.is_none() {
            action.done_at_ms = Some(now_ms());
        }
        self.save_inspection(
            id,
            org,
            &status,
            &doc,
            version,
            None,
            "inspection.action_done",
        )
        .await
    }

    /// Loads an inspection to change it, authorising `inspection.manage` on its owner
    /// (partners read; they never write).
    async fn inspection_for_change(&self, id: &str) -> Result<(OrgId, String, InspectionDoc, i64)> {
        let Some((org, _, _, status, doc, version)) = self.load_inspection(id).await? else {
            return Err(self
                .labour_not_found(Action::InspectionManage, "inspection", id)
                .await);
        };
        self.authorize_granted(
            Action::InspectionManage,
            org,
            &[],
            Some(("inspection", id.to_owned())),
        )
        .await?;
        Ok((org, status, doc, version))
    }

    #[allow(clippy::too_many_arguments)]
    async fn save_inspection(
        &self,
        id: &str,
        org: OrgId,
        status: &str,
        doc: &InspectionDoc,
        version: i64,
        added_partner: Option<&str>,
        audit_action: &str,
    ) -> Result<()> {
        let keys = self.store.org_keys(org).await?;
        let sealed = seal_doc(&keys, &aad("inspection", org, id), doc)?;
        let mut tx = self.store.db().begin_write().await?;
        let n = sqlx::query(
            "UPDATE labour_inspections SET sealed = $1, status = $2, version = version + 1, updated_at = $3 \
             WHERE id = $4 AND version = $5",
        )
        .bind(sealed)
        .bind(status)
        .bind(now_ms())
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await?;
        if n.rows_affected() != 1 {
            return Err(StoreError::Conflict("changed_meanwhile"));
        }
        if let Some(p) = added_partner {
            sqlx::query(
                "INSERT INTO labour_inspection_partners (inspection_id, partner_org_id, owner_org_id) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(p)
            .bind(org.to_string())
            .execute(&mut *tx)
            .await?;
        }
        self.write_event(tx, audit_action, "inspection", id, String::new())
            .await
    }

    // ----- document checks -----

    /// Parses the worker's documents, runs the checks with the rule set and stores documents
    /// and findings. Invalid input writes nothing.
    pub async fn run_document_check(&self, input: CheckInput) -> Result<String> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::DocumentCheck, org, &[], None)
            .await?;
        let worker_label = required("worker_label", &input.worker_label, 200)?;
        let rules = RuleSet::shipped(input.rule_set.trim())
            .map_err(|_| invalid("rule_set", "unknown_value"))?;
        let report = check_documents(
            &rules,
            &input.record_json,
            &input.payslips_csv,
            &input.timesheets_csv,
        )
        .map_err(|_| invalid("documents", "invalid"))?;
        let inspection_id = match input.inspection_id.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(i) => {
                let i = uuid_text("inspection_id", i)?;
                match self.load_inspection(&i).await? {
                    Some((o, ..)) if o == org => Some(i),
                    _ => return Err(invalid("inspection_id", "unknown_record")),
                }
            }
        };
        let finding_count = i64::try_from(report.findings.len()).unwrap_or(i64::MAX);
        let doc = CheckDoc {
            worker_label,
            record_json: input.record_json,
            payslips_csv: input.payslips_csv,
            timesheets_csv: input.timesheets_csv,
            report: serde_json::to_value(&report).map_err(|_| StoreError::Corrupt("report"))?,
        };
        let id = uuid::Uuid::now_v7().to_string();
        let keys = self.store.org_keys(org).await?;
        let sealed = seal_doc(&keys, &aad("check", org, &id), &doc)?;
        let mut tx = self.store.db().begin_write().await?;
        sqlx::query(
            "INSERT INTO labour_checks (id, org_id, inspection_id, rule_set, finding_count, sealed, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(org.to_string())
        .bind(inspection_id)
        .bind(&rules.id)
        .bind(finding_count)
        .bind(sealed)
        .bind(self.principal.user_id.to_string())
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        self.write_event(
            tx,
            "document_check.run",
            "document_check",
            &id,
            format!("findings={finding_count}"),
        )
        .await?;
        Ok(id)
    }

    pub async fn get_document_check(&self, id: &str) -> Result<DocumentCheck> {
        let row = sqlx::query(
            "SELECT org_id, inspection_id, rule_set, sealed, created_at FROM labour_checks WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.store.db().pool)
        .await?;
        let Some(row) = row else {
            return Err(self
                .labour_not_found(Action::DocumentCheck, "document_check", id)
                .await);
        };
        let org: OrgId = id_col(&row, "org_id")?;
        self.authorize_granted(
            Action::DocumentCheck,
            org,
            &[],
            Some(("document_check", id.to_owned())),
        )
        .await?;
        let keys = self.store.org_keys(org).await?;
        let sealed: Vec<u8> = row.try_get("sealed")?;
        let doc: CheckDoc = open_doc(&keys, &aad("check", org, id), &sealed)?;
        let report: StoredReport =
            serde_json::from_value(doc.report).map_err(|_| StoreError::Corrupt("report"))?;
        let rule_set: String = row.try_get("rule_set")?;
        let currency = RuleSet::shipped(&rule_set)
            .map(|r| r.currency)
            .unwrap_or_else(|_| "EUR".to_owned());
        self.read_event(
            "document_check.read",
            "document_check",
            Some(id),
            String::new(),
        )
        .await?;
        Ok(DocumentCheck {
            id: id.to_owned(),
            worker_label: doc.worker_label,
            rule_set,
            currency,
            inspection_id: row.try_get("inspection_id")?,
            findings: report.findings,
            notes: report.notes,
            record_json: doc.record_json,
            payslips_csv: doc.payslips_csv,
            timesheets_csv: doc.timesheets_csv,
            created_at_ms: row.try_get("created_at")?,
        })
    }

    pub async fn list_document_checks(
        &self,
        inspection: Option<&str>,
    ) -> Result<Vec<CheckSummary>> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::DocumentCheck, org, &[], None)
            .await?;
        let rows = sqlx::query(
            "SELECT id, inspection_id, rule_set, finding_count, sealed, created_at FROM labour_checks \
             WHERE org_id = $1 ORDER BY created_at DESC, id DESC LIMIT 200",
        )
        .bind(org.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let keys = self.store.org_keys(org).await?;
        let mut out = Vec::new();
        for row in &rows {
            let insp: Option<String> = row.try_get("inspection_id")?;
            if inspection.is_some() && insp.as_deref() != inspection {
                continue;
            }
            let id: String = row.try_get("id")?;
            let sealed: Vec<u8> = row.try_get("sealed")?;
            let doc: CheckDoc = open_doc(&keys, &aad("check", org, &id), &sealed)?;
            out.push(CheckSummary {
                id,
                worker_label: doc.worker_label,
                rule_set: row.try_get("rule_set")?,
                finding_count: row.try_get("finding_count")?,
                inspection_id: insp,
                created_at_ms: row.try_get("created_at")?,
            });
        }
        self.read_event(
            "document_check.list",
            "document_check",
            None,
            format!("count={}", out.len()),
        )
        .await?;
        Ok(out)
    }

    // ----- labour-court cases -----

    pub async fn open_labour_case(&self, input: NewLabourCase) -> Result<String> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::LabourCaseManage, org, &[], None)
            .await?;
        let title = required("title", &input.title, 300)?;
        let name = required("claimant_name", &input.claimant_name, 200)?;
        if !input.claimant_consent {
            return Err(invalid("claimant_consent", "required"));
        }
        let mut employers = Vec::new();
        for e in &input.employer_ids {
            if e.trim().is_empty() {
                continue;
            }
            let emp = self.own_employer("employer_ids", e).await?;
            if !employers
                .iter()
                .any(|l: &StoredLiable| l.employer_id == emp.id)
            {
                employers.push(StoredLiable {
                    employer_id: emp.id,
                    role: String::new(),
                });
            }
        }
        let mut claims = Vec::new();
        if let Some(check_id) = input
            .check_id
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            let check_id = uuid_text("check_id", check_id)?;
            let check = self.own_check(&check_id).await?;
            // A check made during an inspection names the site: every employer of its
            // subcontracting chain is jointly liable, with its position in the chain.
            if let Some(insp) = &check.inspection_id
                && let Some((o, workplace_id, ..)) = self.load_inspection(insp).await?
                && o == org
                && let Some((wo, _, wdoc, _)) = self.load_workplace(&workplace_id).await?
                && wo == org
            {
                for l in wdoc.chain {
                    match employers
                        .iter_mut()
                        .find(|e: &&mut StoredLiable| e.employer_id == l.employer_id)
                    {
                        Some(e) => e.role = l.role,
                        None => employers.push(StoredLiable {
                            employer_id: l.employer_id,
                            role: l.role,
                        }),
                    }
                }
            }
            for (kind, sum) in check.money_by_kind() {
                claims.push(StoredClaim {
                    description: kind,
                    amount: amount("amount", &sum.to_string())?,
                    check_id: Some(check_id.clone()),
                });
            }
        }
        let doc = CaseDoc {
            title,
            collective_agreement: optional(
                "collective_agreement",
                &input.collective_agreement,
                300,
            )?,
            claimants: vec![StoredClaimant {
                name,
                consent_at_ms: now_ms(),
            }],
            employers,
            claims,
            evidence: Vec::new(),
            hearings: Vec::new(),
            outcome: None,
        };
        let id = uuid::Uuid::now_v7().to_string();
        let keys = self.store.org_keys(org).await?;
        let sealed = seal_doc(&keys, &aad("case", org, &id), &doc)?;
        let now = now_ms();
        let mut tx = self.store.db().begin_write().await?;
        sqlx::query(
            "INSERT INTO labour_cases (id, org_id, status, sealed, version, created_by, created_at, updated_at) \
             VALUES ($1, $2, 'open', $3, 1, $4, $5, $6)",
        )
        .bind(&id)
        .bind(org.to_string())
        .bind(sealed)
        .bind(self.principal.user_id.to_string())
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        self.write_event(
            tx,
            "labour_case.open",
            "labour_case",
            &id,
            format!("claims={}", doc.claims.len()),
        )
        .await?;
        Ok(id)
    }

    /// A document check of the principal's own organisation (for claims), without audit of a
    /// separate read: the case write is audited.
    async fn own_check(&self, id: &str) -> Result<DocumentCheck> {
        let row = sqlx::query("SELECT org_id FROM labour_checks WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.store.db().pool)
            .await?;
        match row {
            Some(r) if id_col::<OrgId>(&r, "org_id")? == self.principal.org_id => {}
            _ => return Err(invalid("check_id", "unknown_record")),
        }
        // Reading a check needs its own permission.
        match self.get_document_check(id).await {
            Ok(c) => Ok(c),
            Err(StoreError::Denied(_)) => Err(invalid("check_id", "unknown_record")),
            Err(e) => Err(e),
        }
    }

    async fn load_labour_case(
        &self,
        id: &str,
    ) -> Result<Option<(OrgId, String, CaseDoc, i64, i64)>> {
        let row = sqlx::query(
            "SELECT org_id, status, sealed, version, created_at FROM labour_cases WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.store.db().pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let org: OrgId = id_col(&row, "org_id")?;
        let keys = self.store.org_keys(org).await?;
        let sealed: Vec<u8> = row.try_get("sealed")?;
        let doc: CaseDoc = open_doc(&keys, &aad("case", org, id), &sealed)?;
        Ok(Some((
            org,
            row.try_get("status")?,
            doc,
            row.try_get("version")?,
            row.try_get("created_at")?,
        )))
    }

    async fn case_view(
        &self,
        id: &str,
        status: String,
        doc: CaseDoc,
        version: i64,
        created: i64,
    ) -> Result<LabourCase> {
        let mut employers = Vec::new();
        for l in &doc.employers {
            let (name, reg) = match self.load_employer(&l.employer_id).await? {
                Some((_, e)) => (e.legal_name, e.registration_number),
                None => (String::new(), String::new()),
            };
            employers.push(LiableEmployer {
                employer_id: l.employer_id.clone(),
                legal_name: name,
                registration_number: reg,
                role: l.role.clone(),
            });
        }
        let mut hearings: Vec<Hearing> = doc
            .hearings
            .into_iter()
            .map(|h| Hearing {
                date: h.date,
                court: h.court,
                note: h.note,
            })
            .collect();
        hearings.sort_by(|a, b| a.date.cmp(&b.date));
        Ok(LabourCase {
            id: id.to_owned(),
            title: doc.title,
            collective_agreement: doc.collective_agreement,
            status,
            claimants: doc
                .claimants
                .into_iter()
                .map(|c| Claimant {
                    name: c.name,
                    consent_at_ms: c.consent_at_ms,
                })
                .collect(),
            employers,
            claimed_total: claims_total(&doc.claims),
            claims: doc
                .claims
                .into_iter()
                .map(|c| Claim {
                    description: c.description,
                    amount: c.amount,
                    check_id: c.check_id,
                })
                .collect(),
            evidence: doc
                .evidence
                .into_iter()
                .map(|e| Evidence {
                    description: e.description,
                    sha256: e.sha256,
                })
                .collect(),
            hearings,
            outcome: doc.outcome.map(|o| Outcome {
                text: o.text,
                recovered: o.recovered,
                date: o.date,
            }),
            created_at_ms: created,
            version,
        })
    }

    pub async fn get_labour_case(&self, id: &str) -> Result<LabourCase> {
        let Some((org, status, doc, version, created)) = self.load_labour_case(id).await? else {
            return Err(self
                .labour_not_found(Action::LabourCaseRead, "labour_case", id)
                .await);
        };
        self.authorize_granted(
            Action::LabourCaseRead,
            org,
            &[],
            Some(("labour_case", id.to_owned())),
        )
        .await?;
        self.read_event("labour_case.read", "labour_case", Some(id), String::new())
            .await?;
        self.case_view(id, status, doc, version, created).await
    }

    pub async fn list_labour_cases(&self) -> Result<Vec<LabourCaseSummary>> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::LabourCaseRead, org, &[], None)
            .await?;
        let rows = sqlx::query(
            "SELECT id FROM labour_cases WHERE org_id = $1 ORDER BY created_at DESC, id DESC LIMIT 200",
        )
        .bind(org.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let today = today();
        let mut out = Vec::new();
        for row in &rows {
            let id: String = row.try_get("id")?;
            if let Some((_, status, doc, _, created)) = self.load_labour_case(&id).await? {
                let next_hearing = doc
                    .hearings
                    .iter()
                    .map(|h| h.date.clone())
                    .filter(|d| *d >= today)
                    .min();
                out.push(LabourCaseSummary {
                    id,
                    title: doc.title,
                    status,
                    claimed_total: claims_total(&doc.claims),
                    next_hearing,
                    created_at_ms: created,
                });
            }
        }
        self.read_event(
            "labour_case.list",
            "labour_case",
            None,
            format!("count={}", out.len()),
        )
        .await?;
        Ok(out)
    }

    pub async fn update_labour_case(&self, id: &str, entry: CaseEntry) -> Result<()> {
        let Some((org, mut status, mut doc, version, _)) = self.load_labour_case(id).await? else {
            return Err(self
                .labour_not_found(Action::LabourCaseManage, "labour_case", id)
                .await);
        };
        self.authorize_granted(
            Action::LabourCaseManage,
            org,
            &[],
            Some(("labour_case", id.to_owned())),
        )
        .await?;
        const MAX_ITEMS: usize = 200;
        let action = match entry {
            CaseEntry::Claimant { name, consent } => {
                if !consent {
                    return Err(invalid("consent", "required"));
                }
                if doc.claimants.len() >= MAX_ITEMS {
                    return Err(invalid("name", "too_many"));
                }
                doc.claimants.push(StoredClaimant {
                    name: required("name", &name, 200)?,
                    consent_at_ms: now_ms(),
                });
                "labour_case.claimant"
            }
            CaseEntry::Employer { employer_id, role } => {
                let e = self.own_employer("employer_id", &employer_id).await?;
                let role = if role.trim().is_empty() {
                    String::new()
                } else {
                    one_of("role", &role, CHAIN_ROLES)?
                };
                match doc.employers.iter_mut().find(|l| l.employer_id == e.id) {
                    Some(l) => l.role = role,
                    None => {
                        if doc.employers.len() >= MAX_ITEMS {
                            return Err(invalid("employer_id", "too_many"));
                        }
                        doc.employers.push(StoredLiable {
                            employer_id: e.id,
                            role,
                        });
                    }
                }
                "labour_case.employer"
            }
            CaseEntry::Claim {
                description,
                amount: a,
                check_id,
            } => {
                if doc.claims.len() >= MAX_ITEMS {
                    return Err(invalid("description", "too_many"));
                }
                let check_id = match check_id.as_deref().map(str::trim) {
                    None | Some("") => None,
                    Some(c) => {
                        let c = uuid_text("check_id", c)?;
                        self.own_check(&c).await?;
                        Some(c)
                    }
                };
                doc.claims.push(StoredClaim {
                    description: required("description", &description, 500)?,
                    amount: amount("amount", &a)?,
                    check_id,
                });
                "labour_case.claim"
            }
            CaseEntry::Evidence {
                description,
                sha256,
            } => {
                let h = sha256.trim().to_ascii_lowercase();
                if h.len() != 64 || !h.chars().all(|c| c.is_ascii_hexdigit()) {
                    return Err(invalid("sha256", "sha256"));
                }
                if doc.evidence.len() >= MAX_ITEMS {
                    return Err(invalid("description", "too_many"));
                }
                doc.evidence.push(StoredEvidence {
                    description: required("description", &description, 500)?,
                    sha256: h,
                });
                "labour_case.evidence"
            }
            CaseEntry::Hearing {
                date: d,
                court,
                note,
            } => {
                if doc.hearings.len() >= MAX_ITEMS {
                    return Err(invalid("date", "too_many"));
                }
                doc.hearings.push(StoredHearing {
                    date: date("date", &d)?,
                    court: optional("court", &court, 300)?,
                    note: optional("note", &note, 1000)?,
                });
                "labour_case.hearing"
            }
            CaseEntry::Outcome {
                text,
                recovered,
                date: d,
            } => {
                let d = if d.trim().is_empty() {
                    today()
                } else {
                    date("date", &d)?
                };
                doc.outcome = Some(StoredOutcome {
                    text: required("text", &text, 4000)?,
                    recovered: amount("recovered", &recovered)?,
                    date: d,
                });
                status = "closed".to_owned();
                "labour_case.outcome"
            }
        };
        let keys = self.store.org_keys(org).await?;
        let sealed = seal_doc(&keys, &aad("case", org, id), &doc)?;
        let mut tx = self.store.db().begin_write().await?;
        let n = sqlx::query(
            "UPDATE labour_cases SET sealed = $1, status = $2, version = version + 1, updated_at = $3 \
             WHERE id = $4 AND version = $5",
        )
        .bind(sealed)
        .bind(&status)
        .bind(now_ms())
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await?;
        if n.rows_affected() != 1 {
            return Err(StoreError::Conflict("changed_meanwhile"));
        }
        self.write_event(tx, action, "labour_case", id, String::new())
            .await
    }
}

fn claims_total(claims: &[StoredClaim]) -> String {
    let mut sum = Decimal::ZERO;
    for c in claims {
        if let Ok(a) = c.amount.parse::<Decimal>() {
            sum += a;
        }
    }
    sum.rescale(2);
    sum.to_string()
}

/// Parses one worker's documents (JSON record plus optional CSV payslips and timesheets) and
/// runs the checks. The error names the file part, row and field.
pub fn check_documents(
    rules: &RuleSet,
    record_json: &str,
    payslips_csv: &str,
    timesheets_csv: &str,
) -> std::result::Result<ally_core::labour::CheckReport, String> {
    let mut worker = WorkerRecord::from_json(record_json).map_err(|e| format!("record: {e}"))?;
    if !payslips_csv.trim().is_empty() {
        let slips = payslips_from_csv(payslips_csv).map_err(|e| format!("payslips CSV: {e}"))?;
        worker
            .add_payslips(slips)
            .map_err(|e| format!("payslips CSV: {e}"))?;
    }
    if !timesheets_csv.trim().is_empty() {
        let days =
            timesheets_from_csv(timesheets_csv).map_err(|e| format!("timesheets CSV: {e}"))?;
        worker
            .add_timesheets(days)
            .map_err(|e| format!("timesheets CSV: {e}"))?;
    }
    Ok(check(rules, &worker))
}

// ----- inspection photos -----

#[derive(Clone, Debug, Serialize)]
pub struct PhotoSummary {
    pub id: String,
    pub content_type: String,
    pub size: i64,
    pub created_at_ms: i64,
}

impl Access<'_> {
    /// Adds a photo to an inspection (the owner only): metadata stripped, then sealed.
    pub async fn add_inspection_photo(&self, inspection: &str, bytes: &[u8]) -> Result<String> {
        let (org, ..) = self.inspection_for_change(inspection).await?;
        let (content_type, clean) = strip_image_metadata(bytes).map_err(|e| match e {
            PhotoError::TooLarge => invalid("photo", "too_large"),
            PhotoError::NotAnImage => invalid("photo", "not_an_image"),
            PhotoError::Malformed => invalid("photo", "malformed_image"),
        })?;
        let id = uuid::Uuid::now_v7().to_string();
        let keys = self.store.org_keys(org).await?;
        let sealed = keys.seal(&aad("photo", org, &id), &clean)?;
        let mut tx = self.store.db().begin_write().await?;
        sqlx::query(
            "INSERT INTO labour_photos (id, org_id, inspection_id, content_type, size, sealed, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(org.to_string())
        .bind(inspection)
        .bind(content_type)
        .bind(i64::try_from(clean.len()).unwrap_or(i64::MAX))
        .bind(sealed)
        .bind(self.principal.user_id.to_string())
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        self.write_event(
            tx,
            "inspection.photo",
            "inspection",
            inspection,
            format!("photo={id}"),
        )
        .await?;
        Ok(id)
    }

    /// The photos of an inspection (the owner only: photos may show workers' faces, which
    /// partners see only with consent).
    pub async fn list_inspection_photos(&self, inspection: &str) -> Result<Vec<PhotoSummary>> {
        let (org, ..) = self
            .inspection_owned(inspection, Action::InspectionRead)
            .await?;
        let rows = sqlx::query(
            "SELECT id, content_type, size, created_at FROM labour_photos WHERE inspection_id = $1 AND org_id = $2 \
             ORDER BY created_at, id",
        )
        .bind(inspection)
        .bind(org.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PhotoSummary {
                    id: r.try_get("id")?,
                    content_type: r.try_get("content_type")?,
                    size: r.try_get("size")?,
                    created_at_ms: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// One photo's bytes and content type (the owner only), audited.
    pub async fn get_inspection_photo(
        &self,
        inspection: &str,
        photo: &str,
    ) -> Result<(String, Vec<u8>)> {
        let (org, ..) = self
            .inspection_owned(inspection, Action::InspectionRead)
            .await?;
        let row = sqlx::query(
            "SELECT content_type, sealed FROM labour_photos WHERE id = $1 AND inspection_id = $2 AND org_id = $3",
        )
        .bind(photo)
        .bind(inspection)
        .bind(org.to_string())
        .fetch_optional(&self.store.db().pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let keys = self.store.org_keys(org).await?;
        let sealed: Vec<u8> = row.try_get("sealed")?;
        let bytes = keys.open(&aad("photo", org, photo), &sealed)?;
        self.read_event(
            "inspection.photo_read",
            "inspection",
            Some(inspection),
            format!("photo={photo}"),
        )
        .await?;
        Ok((row.try_get("content_type")?, bytes))
    }

    /// Authorises `action` on an inspection without grants (owner-only parts).
    async fn inspection_owned(&self, id: &str, action: Action) -> Result<(OrgId,)> {
        let row = sqlx::query("SELECT org_id FROM labour_inspections WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.store.db().pool)
            .await?;
        let Some(row) = row else {
            return Err(self.labour_not_found(action, "inspection", id).await);
        };
        let org: OrgId = id_col(&row, "org_id")?;
        self.authorize_granted(action, org, &[], Some(("inspection", id.to_owned())))
            .await?;
        Ok((org,))
    }
}
