//! Joint inspections as planned, recorded and read: the plan and its partners, the entries
//! recorded during or after the visit, and the view one reader may see (the owner everything; a
//! partner the plan, checklist, documents, findings, its own actions and consented identities).

use serde::{Deserialize, Serialize};

use super::redact::redacted_debug;

/// A partner organisation taking part in an inspection, as entered.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct PartnerInput {
    /// The partner organisation (an organisation id of the instance, not the owner's own).
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
    /// The site inspected (a workplace of the organisation); its subcontracting chain gives
    /// the employers named in the inspection.
    pub workplace_id: String,
    /// `YYYY-MM-DD`
    pub date: String,
    /// The legal ground for entering the site and seeing documents (e.g. the union's right of
    /// access or the inspectorate's mandate); required free text.
    pub legal_basis: String,
    /// A checklist id of [`CHECKLISTS`](super::CHECKLISTS).
    pub checklist: String,
    /// Languages the workers are expected to speak.
    #[serde(default)]
    pub languages: Vec<String>,
    /// Interpreters must be brought for the workers' languages.
    #[serde(default)]
    pub interpreters_needed: bool,
    /// The partner organisations taking part (at most 20, each once); each may read the
    /// inspection.
    #[serde(default)]
    pub partners: Vec<PartnerInput>,
}

/// Something recorded during or after an inspection.
#[derive(Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum InspectionEntry {
    /// The answer to one checklist item; a later answer to the same item replaces it.
    Answer {
        /// An item id of the inspection's checklist ([`CHECKLISTS`](super::CHECKLISTS)).
        item: String,
        /// One of [`ANSWERS`](super::ANSWERS): yes, no, not_checked.
        answer: String,
        /// What was seen; may be empty.
        #[serde(default)]
        note: String,
    },
    /// A worker met on site. Workers are numbered from 1 in the order recorded.
    Worker {
        /// The worker's name; may be empty (a worker who gives none stays "worker N").
        #[serde(default)]
        name: String,
        /// The language the worker speaks, as free text.
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
        /// What the worker said or what was observed; shown to partners only with consent.
        #[serde(default)]
        note: String,
    },
    /// A document inspected on site.
    Document {
        /// One of [`DOCUMENT_KINDS`](super::DOCUMENT_KINDS).
        document_kind: String,
        /// What the document showed; may be empty.
        #[serde(default)]
        description: String,
    },
    /// A finding of the inspection, as free text (every partner sees it).
    Finding {
        /// The finding; required.
        text: String,
    },
    /// A follow-up action assigned to the owner or one partner organisation.
    Action {
        /// The partner organisation (or the owner) that must act.
        assigned_org: String,
        /// What must be done; required.
        text: String,
        /// Due date `YYYY-MM-DD`, if any.
        #[serde(default)]
        due: Option<String>,
    },
    /// The worker (numbered from 1) gives or withdraws consent to sharing their identity with
    /// the partner organisations.
    Consent {
        /// The worker's number within the inspection (1-based).
        worker: usize,
        /// `true` gives consent, `false` withdraws it.
        #[serde(default)]
        consent_share: bool,
    },
    /// Marks the inspection completed (status `completed`).
    Complete,
}

redacted_debug!(InspectionEntry);

/// A partner of an inspection as shown.
#[derive(Clone, Serialize)]
pub struct PartnerView {
    /// The partner organisation's id.
    pub org_id: String,
    /// Its name when it was added to the inspection.
    pub org_name: String,
    /// What it is in the inspection: one of [`PARTNER_KINDS`](super::PARTNER_KINDS).
    pub kind: String,
    /// Names of the members taking part.
    pub members: Vec<String>,
}

/// An answer to a checklist item.
#[derive(Clone, Serialize)]
pub struct AnswerView {
    /// An item id of the inspection's checklist.
    pub item: String,
    /// One of [`ANSWERS`](super::ANSWERS): yes, no, not_checked.
    pub answer: String,
    /// What was seen; may be empty.
    pub note: String,
}

/// A worker met during the inspection, as the reader may see them.
#[derive(Clone, Serialize)]
pub struct WorkerView {
    /// 1-based number within the inspection ("worker 3").
    pub n: usize,
    /// The name, when the reader is the owner or the worker consented to sharing it.
    pub name: Option<String>,
    /// The language the worker speaks; shown to partners too.
    pub language: String,
    /// The foundation person id, under the same condition as `name`.
    pub person_id: Option<String>,
    /// The worker agreed that partner organisations see who they are.
    pub consent_share: bool,
    /// The identification interview held with the worker, under the same condition as `name`.
    pub interview_id: Option<String>,
    /// The note on the worker, under the same condition as `name`.
    pub note: Option<String>,
}

/// A document inspected on site.
#[derive(Clone, Serialize)]
pub struct DocumentView {
    /// One of [`DOCUMENT_KINDS`](super::DOCUMENT_KINDS).
    pub kind: String,
    /// What the document showed; may be empty.
    pub description: String,
}

/// A follow-up action of an inspection.
#[derive(Clone, Serialize)]
pub struct ActionView {
    /// 1-based number of the action within the inspection (the same for every reader).
    pub n: usize,
    /// When the assigned organisation (or the owner) marked it done.
    pub done_at_ms: Option<i64>,
    /// The organisation that must act: the owner or a partner.
    pub assigned_org: String,
    /// Its name.
    pub assigned_org_name: String,
    /// What must be done.
    pub text: String,
    /// Due date `YYYY-MM-DD`, if any.
    pub due: Option<String>,
}

/// An inspection as one reader may see it: the owner sees everything; a partner sees the plan,
/// the checklist, documents, findings, its own follow-up actions and the identities of the
/// workers who consented to sharing them.
#[derive(Clone, Serialize)]
pub struct InspectionView {
    /// Record id (a UUID).
    pub id: String,
    /// The organisation that planned the inspection.
    pub owner_org: String,
    /// Its name.
    pub owner_org_name: String,
    /// The reader's organisation owns the inspection (and may record in it).
    pub is_owner: bool,
    /// The workplace record; empty for a partner, which cannot open the owner's workplaces.
    pub workplace_id: String,
    /// The site's name when the inspection was planned.
    pub workplace_name: String,
    /// The site's address when the inspection was planned.
    pub workplace_address: String,
    /// Legal names of the employers of the site's subcontracting chain when it was planned.
    pub employer_names: Vec<String>,
    /// Planned date, `YYYY-MM-DD`.
    pub date: String,
    /// `planned`, then `completed`.
    pub status: String,
    /// The legal ground for entering the site and seeing documents.
    pub legal_basis: String,
    /// The checklist id of [`CHECKLISTS`](super::CHECKLISTS) used.
    pub checklist: String,
    /// Languages the workers are expected to speak.
    pub languages: Vec<String>,
    /// Interpreters must be brought for the workers' languages.
    pub interpreters_needed: bool,
    /// The partner organisations taking part.
    pub partners: Vec<PartnerView>,
    /// Answers to the checklist items, one per item answered.
    pub answers: Vec<AnswerView>,
    /// Workers met, in the order recorded.
    pub workers: Vec<WorkerView>,
    /// Documents inspected on site.
    pub documents: Vec<DocumentView>,
    /// Findings as free text, in the order recorded.
    pub findings: Vec<String>,
    /// Follow-up actions: all of them for the owner, a partner's own for a partner.
    pub actions: Vec<ActionView>,
    /// Optimistic-concurrency counter: a change made against an older version is refused.
    pub version: i64,
}

redacted_debug!(InspectionView, WorkerView);

/// An inspection in a list.
#[derive(Clone, Debug, Serialize)]
pub struct InspectionSummary {
    /// Record id (a UUID).
    pub id: String,
    /// Planned date, `YYYY-MM-DD`.
    pub date: String,
    /// `planned` or `completed`.
    pub status: String,
    /// The site's name when the inspection was planned.
    pub workplace_name: String,
    /// The reader's organisation owns the inspection (otherwise it takes part as a partner).
    pub is_owner: bool,
    /// The name of the organisation that planned it.
    pub owner_org_name: String,
}
