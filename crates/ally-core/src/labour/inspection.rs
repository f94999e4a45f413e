//! Joint inspections as planned, recorded and read: the plan and its partners, the entries
//! recorded during or after the visit, and the view one reader may see (the owner everything; a
//! partner the plan, checklist, documents, findings, its own actions and consented identities).

use serde::{Deserialize, Serialize};

use super::redact::redacted_debug;

/// A partner organisation taking part in an inspection, as entered.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct PartnerInput {
    pub org_id: String,
    /// union, police, labour_inspectorate, tax_authority
    pub kind: String,
    /// Names of the members taking part.
    #[serde(default)]
    pub members: Vec<String>,
}

/// The plan of a joint inspection, as entered.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct InspectionPlan {
    pub workplace_id: String,
    /// `YYYY-MM-DD`
    pub date: String,
    pub legal_basis: String,
    /// A checklist id of [`CHECKLISTS`](super::CHECKLISTS).
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

/// A partner of an inspection as shown.
#[derive(Clone, Serialize)]
pub struct PartnerView {
    pub org_id: String,
    pub org_name: String,
    pub kind: String,
    pub members: Vec<String>,
}

/// An answer to a checklist item.
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

/// A document inspected on site.
#[derive(Clone, Serialize)]
pub struct DocumentView {
    pub kind: String,
    pub description: String,
}

/// A follow-up action of an inspection.
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

/// An inspection in a list.
#[derive(Clone, Debug, Serialize)]
pub struct InspectionSummary {
    pub id: String,
    pub date: String,
    pub status: String,
    pub workplace_name: String,
    pub is_owner: bool,
    pub owner_org_name: String,
}
