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
    /// `RiskLevel` code (`unknown`, `low`, `medium`, `high`); see [`SafetyPlan::risk_level`].
    pub risk: String,
    /// Who or what threatens the person (exploiters, debts, threats to family).
    pub threats: String,
    /// People the person must not be put in contact with.
    pub contacts_to_avoid: String,
    /// How the team can reach the person safely.
    pub safe_channel: String,
    /// The word agreed with the person to signal danger or confirm identity.
    pub code_word: String,
}
redacted_debug!(SafetyPlan);

impl SafetyPlan {
    /// The assessed risk; `Unknown` when not assessed or not a known code.
    pub fn risk_level(&self) -> RiskLevel {
        RiskLevel::parse(&self.risk).unwrap_or(RiskLevel::Unknown)
    }
    /// Whether nothing beyond the risk level was written (no threats, contacts, channel, code word).
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
    /// Day the case was reopened, ISO `YYYY-MM-DD`.
    pub on: String,
    /// Why it was reopened.
    pub reason: String,
    /// Day of the closure it undid, ISO `YYYY-MM-DD`.
    pub closed_on: String,
    /// The reason given for that closure.
    pub closure_reason: String,
    /// Whether that closure was a referral out (another organisation led the case).
    pub referred_out: bool,
    /// `CaseState` code of the state the case was closed from.
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
    /// Physical and mental health (health group).
    pub health: String,
    /// Needs and services asked for (needs group).
    pub needs: String,
    /// Residence status and immigration situation (immigration group).
    pub immigration: String,
    /// Risk assessment and safety plan (sealed with the rest of the content).
    pub safety: SafetyPlan,
    /// The current closure's reason; empty while the case is open.
    #[serde(default)]
    pub closure_reason: String,
    /// Earlier closures undone by a reopening, oldest first.
    #[serde(default)]
    pub reopenings: Vec<StoredReopening>,
}
redacted_debug!(CaseContent);

/// A case to open.
#[derive(Clone, Default)]
pub struct NewCase {
    /// The person record of the presumed victim, linked with the role `victim`.
    pub person_id: Option<PersonId>,
    /// The detection interview the case comes from, if any.
    pub interview_id: Option<String>,
    /// Day of identification as a presumed victim; today when `None`, never in the future.
    pub identified_on: Option<Date>,
    /// Whether the person may be a child (stricter sharing rules; a guardian gives consent).
    pub may_be_child: bool,
    /// The sealed free text to store.
    pub content: CaseContent,
}
redacted_debug!(NewCase);

/// The case list's row (no sealed text).
#[derive(Debug, Clone)]
pub struct CaseSummary {
    /// The case's id.
    pub id: CaseId,
    /// `CaseState` code.
    pub state: String,
    /// Day of identification, ISO `YYYY-MM-DD`.
    pub identified_on: String,
    /// Last day of the recovery and reflection period, ISO `YYYY-MM-DD`, once recorded.
    pub reflection_end: Option<String>,
    /// Whether judicial proceedings are open.
    pub proceedings_open: bool,
    /// Last change of the case, ms since the epoch (the list's order).
    pub updated_at_ms: i64,
    /// The sealed reference, opened for the list (the organisation's own cases only).
    pub reference: String,
}

/// One state change of a case.
#[derive(Clone)]
pub struct CaseEvent {
    /// When, ms since the epoch.
    pub at_ms: i64,
    /// The acting user's display name.
    pub actor: String,
    /// `CaseActionKind` code, or `open` for the case's creation.
    pub action: String,
    /// `CaseState` code before the change.
    pub from_state: String,
    /// `CaseState` code after the change.
    pub to_state: String,
    /// The reason given (closing, reopening); sealed as `case_event`, empty if none.
    pub reason: String,
}
redacted_debug!(CaseEvent);

/// A service request of a case (shelter, legal aid, medical...), with its progress.
#[derive(Clone)]
pub struct ServiceRecord {
    /// The service request's id.
    pub id: String,
    /// What kind of service is asked for.
    pub kind: ServiceKind,
    /// The organisation that provides it, if recorded (it may update the request once it accepts a service referral).
    pub provider_org: Option<OrgId>,
    /// The provider's name; empty without a provider.
    pub provider_name: String,
    /// Day the service started.
    pub start_on: Option<Date>,
    /// Day the service ended.
    pub end_on: Option<Date>,
    /// Where the request stands.
    pub status: ServiceStatus,
    /// What came of it (sealed as `service`).
    pub outcome: String,
}
redacted_debug!(ServiceRecord);

/// A service request to add to a case.
#[derive(Clone)]
pub struct NewService {
    /// What kind of service is asked for.
    pub kind: ServiceKind,
    /// The providing organisation, if known; must exist.
    pub provider_org: Option<OrgId>,
    /// Day the service started.
    pub start_on: Option<Date>,
    /// Day the service ended; not before the start.
    pub end_on: Option<Date>,
    /// Where the request stands.
    pub status: ServiceStatus,
    /// What came of it, free text (sealed as `service`).
    pub outcome: String,
}
redacted_debug!(NewService);

/// A change of a service request: its new status (or the same), the date of that status
/// (today by default) and, when given, a new outcome text.
#[derive(Clone)]
pub struct ServiceChange {
    /// The new status; must be a transition `ServiceProgress::apply` allows.
    pub status: ServiceStatus,
    /// Day of that status; today when `None`.
    pub on: Option<Date>,
    /// A new outcome text; `None` keeps the current one.
    pub outcome: Option<String>,
}
redacted_debug!(ServiceChange);

/// A change of a plan task; `None` leaves a value as it is (`Some(None)` clears it).
#[derive(Debug, Clone, Default)]
pub struct TaskChange {
    /// Marks the task done or not done.
    pub done: Option<bool>,
    /// The user the task is assigned to (`Some(None)` unassigns it).
    pub assignee: Option<Option<UserId>>,
    /// The due day (`Some(None)` removes it).
    pub due_on: Option<Option<Date>>,
}

/// A goal or task of the case plan.
#[derive(Clone)]
pub struct PlanTask {
    /// The task's id.
    pub id: String,
    /// What is to be done (sealed as `task`).
    pub text: String,
    /// The user responsible; the task's due date shows in their deadlines.
    pub assignee: Option<UserId>,
    /// That user's display name; empty when unassigned.
    pub assignee_name: String,
    /// Day the task is due.
    pub due_on: Option<Date>,
    /// Whether the task is done (it then leaves the deadlines).
    pub done: bool,
}
redacted_debug!(PlanTask);

/// Criminal or other judicial proceedings concerning the victim, recorded on the case.
#[derive(Clone)]
pub struct ProceedingsRecord {
    /// The proceedings' id.
    pub id: String,
    /// How far the proceedings have come.
    pub stage: ProceedingsStage,
    /// The victim's part in them (witness, injured party...).
    pub victim_role: VictimRole,
    /// How they ended, once they have.
    pub outcome: Option<ProceedingsOutcome>,
    /// Day the proceedings were opened.
    pub opened_on: Date,
    /// Court, file reference, protection measures requested and granted (sealed).
    pub notes: String,
}
redacted_debug!(ProceedingsRecord);

/// A court hearing of the victim's proceedings (a deadline on the case).
#[derive(Clone)]
pub struct CourtDate {
    /// The court date's id.
    pub id: String,
    /// Day of the hearing.
    pub on: Date,
    /// Whether someone of the organisation accompanies the person.
    pub accompanied: bool,
    /// Free note (sealed as `court_date`).
    pub note: String,
}
redacted_debug!(CourtDate);

/// A residence permit application (art. 14) or renewal, and its decision (stored in clear).
#[derive(Debug, Clone)]
pub struct PermitRecord {
    /// The permit record's id.
    pub id: String,
    /// Day the application was made.
    pub applied_on: Date,
    /// Whether it is a renewal of an earlier permit.
    pub renewal: bool,
    /// `pending`, `granted` or `refused`.
    pub decision: String,
    /// Day of the decision, once decided.
    pub decided_on: Option<Date>,
    /// Last day of validity of a granted permit (required then; an expiry deadline on the case).
    pub expires_on: Option<Date>,
}

/// A compensation claim (art. 15): amounts as exact decimal text in the claim's currency.
#[derive(Debug, Clone)]
pub struct CompensationRecord {
    /// The claim's id.
    pub id: String,
    /// ISO 4217 currency code, upper case (`EUR`).
    pub currency: String,
    /// Amount claimed.
    pub claimed: String,
    /// Amount awarded, once decided.
    pub awarded: Option<String>,
    /// Amount received so far (`0` when none).
    pub received: String,
    /// Day the claim was filed.
    pub filed_on: Date,
}

/// A consent record as stored, with who recorded it.
#[derive(Debug, Clone)]
pub struct ConsentView {
    /// The consent itself (purpose, recipients, field groups, status, dates).
    pub record: ConsentRecord,
    /// Display name of the user who recorded it.
    pub recorded_by_name: String,
    /// Names of the recipient organisations, in the order of `record.recipients`.
    pub recipient_names: Vec<String>,
}

/// A referral with the names both sides see.
#[derive(Debug, Clone)]
pub struct ReferralView {
    /// The referral itself (subject, parties, field groups, basis, status, history).
    pub referral: Referral,
    /// For the referral of one service request: the kind of service.
    pub service_kind: Option<ServiceKind>,
    /// The latest lead transfer on it: `proposed`, `accepted` or `declined`.
    pub lead_transfer: Option<String>,
    /// The sender's organisation name.
    pub from_name: String,
    /// The recipient's organisation name.
    pub to_name: String,
}

/// Everything the lead organisation sees of a case.
#[derive(Clone)]
pub struct CaseView {
    /// The case's id.
    pub id: CaseId,
    /// The lead organisation, whose key seals the case.
    pub org_id: OrgId,
    /// The presumed victim's person record, if linked.
    pub person_id: Option<PersonId>,
    /// That person's display name (opened from the sealed identity).
    pub person_name: Option<String>,
    /// The detection interview the case comes from, if any.
    pub interview_id: Option<String>,
    /// State, dates, reflection period, proceedings and closures.
    pub lifecycle: CaseLifecycle,
    /// The lifecycle actions allowed now (the buttons the case page shows).
    pub allowed: Vec<CaseActionKind>,
    /// HTCDS victim context: trafficking status, exploitation types, methods of control.
    pub facts: CaseFacts,
    /// Whether the person may be a child.
    pub may_be_child: bool,
    /// The opened free text.
    pub content: CaseContent,
    /// The caseworkers: user id and display name.
    pub caseworkers: Vec<(UserId, String)>,
    /// Linked persons: id, role in the case, name.
    pub persons: Vec<(PersonId, String, String)>,
    /// State changes, oldest first.
    pub history: Vec<CaseEvent>,
    /// Service requests.
    pub services: Vec<ServiceRecord>,
    /// Tasks of the case plan, open first, by due date.
    pub tasks: Vec<PlanTask>,
    /// Consents recorded on the case.
    pub consents: Vec<ConsentView>,
    /// Legal bases recorded for sharing without consent.
    pub legal_bases: Vec<LegalBasisRecord>,
    /// Referrals of the case, sent and received.
    pub referrals: Vec<ReferralView>,
    /// Judicial proceedings.
    pub proceedings: Vec<ProceedingsRecord>,
    /// Court hearings.
    pub court_dates: Vec<CourtDate>,
    /// Residence permit applications.
    pub permits: Vec<PermitRecord>,
    /// Compensation claims.
    pub compensation: Vec<CompensationRecord>,
    /// Row version for optimistic concurrency: a change made from a stale view is refused.
    pub version: i64,
}
redacted_debug!(CaseView);

/// One labelled value of a shared view (label is a message key).
pub type SharedField = (&'static str, String);

/// What a recipient organisation sees of a case: exactly the field groups its referrals select.
#[derive(Clone)]
pub struct SharedCase {
    /// The case's id (the sender's).
    pub id: CaseId,
    /// The lead organisation's name.
    pub from_name: String,
    /// The referrals to this organisation that give it access.
    pub referrals: Vec<ReferralView>,
    /// The service requests referred to the organisation (by service referrals that still
    /// give access), and whether it may update each (it accepted: it is the provider).
    pub services: Vec<(ServiceRecord, bool)>,
    /// The opened fields the referrals select, by field group.
    pub fields: BTreeMap<FieldGroup, Vec<SharedField>>,
}
redacted_debug!(SharedCase);

/// The answer to opening a case: the full record (own organisation) or the shared fields
/// (an organisation holding a referral grant).
#[derive(Debug, Clone)]
pub enum OpenedCase {
    /// The lead organisation's full record.
    Full(Box<CaseView>),
    /// What a referral's recipient may see.
    Shared(SharedCase),
}

/// A consent to record.
#[derive(Clone)]
pub struct NewConsent {
    /// What the consent is for.
    pub purpose: ally_core::protection::ConsentPurpose,
    /// The organisations the consent covers (sharing purposes).
    pub recipients: BTreeSet<OrgId>,
    /// The field groups it covers.
    pub scope: BTreeSet<FieldGroup>,
    /// Language tag of the language the consent was explained in (e.g. `ro`, `ti`).
    pub language: String,
    /// `given` or `refused`.
    pub given: bool,
    /// Day the decision was taken; today when `None`.
    pub date: Option<Date>,
    /// Last day of validity, for a consent given for a limited time.
    pub valid_until: Option<Date>,
    /// For a child: the guardian's name and relationship.
    pub guardian: Option<(String, String)>,
}
redacted_debug!(NewConsent);

/// A legal basis to record (sharing without consent).
#[derive(Clone)]
pub struct NewLegalBasis {
    /// The law or order that permits the sharing.
    pub basis: ally_core::protection::LegalBasis,
    /// The organisations it permits sharing with.
    pub recipients: BTreeSet<OrgId>,
    /// The field groups it covers.
    pub scope: BTreeSet<FieldGroup>,
    /// Court order number, article of law... (sealed as `legal_basis`).
    pub reference: String,
    /// Last day of validity, if limited.
    pub valid_until: Option<Date>,
}
redacted_debug!(NewLegalBasis);

/// A referral to send.
#[derive(Clone)]
pub struct NewReferralForm {
    /// The recipient organisation.
    pub to_org: OrgId,
    /// One service request of the case (its id), or `None` for the whole case.
    pub service: Option<String>,
    /// Why the case is referred (HTCDS `cas_ReasonForOutgoingReferral`).
    pub reason: ally_core::protection::htcds::ReferralReason,
    /// Free text for the recipient (sealed as `referral` with the sender's key).
    pub details: String,
    /// The field groups the recipient will see; must be covered by consent or a legal basis.
    pub fields: BTreeSet<FieldGroup>,
}
redacted_debug!(NewReferralForm);

/// A row of "my deadlines".
#[derive(Debug, Clone)]
pub struct DeadlineRow {
    /// The case the deadline belongs to.
    pub case_id: CaseId,
    /// `reflection_end`, `court_date`, `residence_permit_expiry`, `follow_up`, `task`.
    pub kind: String,
    /// Due day, ISO `YYYY-MM-DD`.
    pub due_on: String,
    /// Days from today to the due day (0 on the day, negative once over).
    pub days_left: i64,
    /// Whether missing it may expose the person to expulsion (reflection end, permit expiry).
    pub expulsion_sensitive: bool,
}

/// An organisation's directory entry.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DirectoryEntry {
    /// The organisation's id.
    pub org_id: String,
    /// The organisation's name.
    pub name: String,
    /// `OrgKind` code of the organisation.
    pub kind: String,
    /// `ServiceKind` codes of the services it offers.
    pub services: Vec<String>,
    /// Regions it works in (free text).
    pub regions: String,
    /// Languages it works in (free text).
    pub languages: String,
    /// Opening hours (free text).
    pub opening_hours: String,
    /// Current capacity or availability (free text).
    pub capacity: String,
    /// How partners reach it (free text; public information about the organisation).
    pub contact: String,
}

/// A record past its retention period.
#[derive(Debug, Clone, Serialize)]
pub struct RetentionFlag {
    /// `RecordType` code (`case`, `consent`, `referral`...).
    pub record_type: String,
    /// The flagged record's id.
    pub record_id: String,
    /// When the retention job flagged it, ms since the epoch.
    pub flagged_at_ms: i64,
}

/// The content of a dossier: only the consented field groups.
#[derive(Clone)]
pub struct DossierData {
    /// The case's id.
    pub case_id: CaseId,
    /// The lead organisation's name.
    pub org_name: String,
    /// When the dossier was built, ms since the epoch.
    pub generated_at_ms: i64,
    /// The opened fields of the consented groups only.
    pub groups: BTreeMap<FieldGroup, Vec<SharedField>>,
    /// The audit excerpt: events about the case (ids and codes only).
    pub audit: Vec<serde_json::Value>,
}
redacted_debug!(DossierData);
