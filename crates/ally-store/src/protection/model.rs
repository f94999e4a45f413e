//! The values the protection store takes and returns. Types holding personal or sensitive text
//! implement `Debug` without it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use ally_core::protection::{
    CaseActionKind, CaseFacts, CaseId, CaseLifecycle, ConsentRecord, FieldGroup, LegalBasisRecord,
    ProceedingsOutcome, ProceedingsStage, Referral, RiskLevel, ServiceKind, ServiceStatus,
    VictimRole,
};
use ally_core::{OrgId, PersonId, UserId};
use serde::{Deserialize, Serialize};
use time::Date;

macro_rules! redacted_debug {
    ($t:ty) => {
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($t), "(<redacted>)"))
            }
        }
    };
}

/// Risk assessment and safety plan (sealed; shown prominently on the case).
#[derive(Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct SafetyPlan {
    pub risk: String,
    pub threats: String,
    pub contacts_to_avoid: String,
    pub safe_channel: String,
    pub code_word: String,
}
redacted_debug!(SafetyPlan);

impl SafetyPlan {
    pub fn risk_level(&self) -> RiskLevel {
        RiskLevel::parse(&self.risk).unwrap_or(RiskLevel::Unknown)
    }
    pub fn is_empty(&self) -> bool {
        self.threats.trim().is_empty()
            && self.contacts_to_avoid.trim().is_empty()
            && self.safe_channel.trim().is_empty()
            && self.code_word.trim().is_empty()
    }
}

/// A closure or reopening reason kept with the case (sealed).
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StoredReopening {
    pub on: String,
    pub reason: String,
    pub closed_on: String,
    pub closure_reason: String,
    pub referred_out: bool,
    pub from_state: String,
}

/// The sealed free text of a case, by field group.
#[derive(Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct CaseContent {
    /// A pseudonym or reference the team uses (identity group).
    pub reference: String,
    /// How to reach the person (contact group).
    pub contact: String,
    /// Case summary (case summary group).
    pub summary: String,
    /// Trafficking history (exploitation group).
    pub exploitation: String,
    pub health: String,
    pub needs: String,
    pub immigration: String,
    pub safety: SafetyPlan,
    #[serde(default)]
    pub closure_reason: String,
    #[serde(default)]
    pub reopenings: Vec<StoredReopening>,
}
redacted_debug!(CaseContent);

/// A case to open.
#[derive(Clone, Default)]
pub struct NewCase {
    pub person_id: Option<PersonId>,
    pub interview_id: Option<String>,
    pub identified_on: Option<Date>,
    pub may_be_child: bool,
    pub content: CaseContent,
}
redacted_debug!(NewCase);

/// The case list's row (no sealed text).
#[derive(Debug, Clone)]
pub struct CaseSummary {
    pub id: CaseId,
    pub state: String,
    pub identified_on: String,
    pub reflection_end: Option<String>,
    pub proceedings_open: bool,
    pub updated_at_ms: i64,
    /// The sealed reference, opened for the list (the organisation's own cases only).
    pub reference: String,
}

/// One state change of a case.
#[derive(Clone)]
pub struct CaseEvent {
    pub at_ms: i64,
    pub actor: String,
    pub action: String,
    pub from_state: String,
    pub to_state: String,
    pub reason: String,
}
redacted_debug!(CaseEvent);

#[derive(Clone)]
pub struct ServiceRecord {
    pub id: String,
    pub kind: ServiceKind,
    pub provider_org: Option<OrgId>,
    pub provider_name: String,
    pub start_on: Option<Date>,
    pub end_on: Option<Date>,
    pub status: ServiceStatus,
    pub outcome: String,
}
redacted_debug!(ServiceRecord);

#[derive(Clone)]
pub struct NewService {
    pub kind: ServiceKind,
    pub provider_org: Option<OrgId>,
    pub start_on: Option<Date>,
    pub end_on: Option<Date>,
    pub status: ServiceStatus,
    pub outcome: String,
}
redacted_debug!(NewService);

/// A change of a service request: its new status (or the same), the date of that status
/// (today by default) and, when given, a new outcome text.
#[derive(Clone)]
pub struct ServiceChange {
    pub status: ServiceStatus,
    pub on: Option<Date>,
    pub outcome: Option<String>,
}
redacted_debug!(ServiceChange);

/// A change of a plan task; `None` leaves a value as it is (`Some(None)` clears it).
#[derive(Debug, Clone, Default)]
pub struct TaskChange {
    pub done: Option<bool>,
    pub assignee: Option<Option<UserId>>,
    pub due_on: Option<Option<Date>>,
}

/// A goal or task of the case plan.
#[derive(Clone)]
pub struct PlanTask {
    pub id: String,
    pub text: String,
    pub assignee: Option<UserId>,
    pub assignee_name: String,
    pub due_on: Option<Date>,
    pub done: bool,
}
redacted_debug!(PlanTask);

#[derive(Clone)]
pub struct ProceedingsRecord {
    pub id: String,
    pub stage: ProceedingsStage,
    pub victim_role: VictimRole,
    pub outcome: Option<ProceedingsOutcome>,
    pub opened_on: Date,
    /// Court, file reference, protection measures requested and granted (sealed).
    pub notes: String,
}
redacted_debug!(ProceedingsRecord);

#[derive(Clone)]
pub struct CourtDate {
    pub id: String,
    pub on: Date,
    pub accompanied: bool,
    pub note: String,
}
redacted_debug!(CourtDate);

#[derive(Debug, Clone)]
pub struct PermitRecord {
    pub id: String,
    pub applied_on: Date,
    pub renewal: bool,
    /// `pending`, `granted` or `refused`.
    pub decision: String,
    pub decided_on: Option<Date>,
    pub expires_on: Option<Date>,
}

/// A compensation claim (art. 15): amounts as exact decimal text in the claim's currency.
#[derive(Debug, Clone)]
pub struct CompensationRecord {
    pub id: String,
    pub currency: String,
    pub claimed: String,
    pub awarded: Option<String>,
    pub received: String,
    pub filed_on: Date,
}

/// A consent record as stored, with who recorded it.
#[derive(Debug, Clone)]
pub struct ConsentView {
    pub record: ConsentRecord,
    pub recorded_by_name: String,
    pub recipient_names: Vec<String>,
}

/// A referral with the names both sides see.
#[derive(Debug, Clone)]
pub struct ReferralView {
    pub referral: Referral,
    /// For the referral of one service request: the kind of service.
    pub service_kind: Option<ServiceKind>,
    /// The latest lead transfer on it: `proposed`, `accepted` or `declined`.
    pub lead_transfer: Option<String>,
    pub from_name: String,
    pub to_name: String,
}

/// Everything the lead organisation sees of a case.
#[derive(Clone)]
pub struct CaseView {
    pub id: CaseId,
    pub org_id: OrgId,
    pub person_id: Option<PersonId>,
    pub person_name: Option<String>,
    pub interview_id: Option<String>,
    pub lifecycle: CaseLifecycle,
    pub allowed: Vec<CaseActionKind>,
    pub facts: CaseFacts,
    pub may_be_child: bool,
    pub content: CaseContent,
    pub caseworkers: Vec<(UserId, String)>,
    /// Linked persons: id, role in the case, name.
    pub persons: Vec<(PersonId, String, String)>,
    pub history: Vec<CaseEvent>,
    pub services: Vec<ServiceRecord>,
    pub tasks: Vec<PlanTask>,
    pub consents: Vec<ConsentView>,
    pub legal_bases: Vec<LegalBasisRecord>,
    pub referrals: Vec<ReferralView>,
    pub proceedings: Vec<ProceedingsRecord>,
    pub court_dates: Vec<CourtDate>,
    pub permits: Vec<PermitRecord>,
    pub compensation: Vec<CompensationRecord>,
    pub version: i64,
}
redacted_debug!(CaseView);

/// One labelled value of a shared view (label is a message key).
pub type SharedField = (&'static str, String);

/// What a recipient organisation sees of a case: exactly the field groups its referrals select.
#[derive(Clone)]
pub struct SharedCase {
    pub id: CaseId,
    pub from_name: String,
    pub referrals: Vec<ReferralView>,
    /// The service requests referred to the organisation (by service referrals that still
    /// give access), and whether it may update each (it accepted: it is the provider).
    pub services: Vec<(ServiceRecord, bool)>,
    pub fields: BTreeMap<FieldGroup, Vec<SharedField>>,
}
redacted_debug!(SharedCase);

/// The answer to opening a case: the full record (own organisation) or the shared fields
/// (an organisation holding a referral grant).
#[derive(Debug, Clone)]
pub enum OpenedCase {
    Full(Box<CaseView>),
    Shared(SharedCase),
}

/// A consent to record.
#[derive(Clone)]
pub struct NewConsent {
    pub purpose: ally_core::protection::ConsentPurpose,
    pub recipients: BTreeSet<OrgId>,
    pub scope: BTreeSet<FieldGroup>,
    pub language: String,
    /// `given` or `refused`.
    pub given: bool,
    pub date: Option<Date>,
    pub valid_until: Option<Date>,
    /// For a child: the guardian's name and relationship.
    pub guardian: Option<(String, String)>,
}
redacted_debug!(NewConsent);

/// A legal basis to record (sharing without consent).
#[derive(Clone)]
pub struct NewLegalBasis {
    pub basis: ally_core::protection::LegalBasis,
    pub recipients: BTreeSet<OrgId>,
    pub scope: BTreeSet<FieldGroup>,
    pub reference: String,
    pub valid_until: Option<Date>,
}
redacted_debug!(NewLegalBasis);

/// A referral to send.
#[derive(Clone)]
pub struct NewReferralForm {
    pub to_org: OrgId,
    /// One service request of the case (its id), or `None` for the whole case.
    pub service: Option<String>,
    pub reason: ally_core::protection::htcds::ReferralReason,
    pub details: String,
    pub fields: BTreeSet<FieldGroup>,
}
redacted_debug!(NewReferralForm);

/// A row of "my deadlines".
#[derive(Debug, Clone)]
pub struct DeadlineRow {
    pub case_id: CaseId,
    /// `reflection_end`, `court_date`, `residence_permit_expiry`, `follow_up`, `task`.
    pub kind: String,
    pub due_on: String,
    pub days_left: i64,
    pub expulsion_sensitive: bool,
}

/// An organisation's directory entry.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DirectoryEntry {
    pub org_id: String,
    pub name: String,
    pub kind: String,
    pub services: Vec<String>,
    pub regions: String,
    pub languages: String,
    pub opening_hours: String,
    pub capacity: String,
    pub contact: String,
}

/// A record past its retention period.
#[derive(Debug, Clone, Serialize)]
pub struct RetentionFlag {
    pub record_type: String,
    pub record_id: String,
    pub flagged_at_ms: i64,
}

/// The content of a dossier: only the consented field groups.
#[derive(Clone)]
pub struct DossierData {
    pub case_id: CaseId,
    pub org_name: String,
    pub generated_at_ms: i64,
    pub groups: BTreeMap<FieldGroup, Vec<SharedField>>,
    /// The audit excerpt: events about the case (ids and codes only).
    pub audit: Vec<serde_json::Value>,
}
redacted_debug!(DossierData);
