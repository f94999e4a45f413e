//! Joint inspections and their photos: rows in `labour_inspections` (sealed plan, checklist,
//! workers, documents, findings and actions; AAD `labour_inspection:<org>:<id>`),
//! `labour_inspection_partners` (the grants of `inspection.read` to partners) and
//! `labour_photos` (metadata-stripped images, AAD `labour_photo:<org>:<id>`). Guarded by
//! `inspection.manage` (the owner) and `inspection.read` (owner and partners; photos owner only).

use crate::images::{PhotoError, strip_image_metadata};
use ally_core::OrgId;
use ally_core::authz::{self, Action, Grant};
use ally_core::labour::validate::{date, lines, one_of, opt_uuid, optional, required, uuid_text};
use ally_core::labour::*;
use ally_core::org::OrgKind;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::common::{aad, invalid, open_doc, seal_doc};
use crate::access::{OrgSummary, id_col, parse_id};
use crate::{Access, Result, StoreError, now_ms};

crate::foundation::access::access_handle!(
    /// Joint inspections: plans, partners, entries, photos, follow-up actions.
    Inspections,
    inspections
);

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

impl Access<'_> {
    // ----- inspections -----

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

    /// Reads an inspection's row (no authorisation, no audit): the owner and the clear columns,
    /// the document still sealed. The caller authorises from the owner (and the partner grants),
    /// then [`unseal_inspection`](Self::unseal_inspection)s it.
    pub(super) async fn load_inspection(&self, id: &str) -> Result<Option<(OrgId, AnyRow)>> {
        let row = sqlx::query(
            "SELECT org_id, workplace_id, planned_date, status, sealed, version FROM labour_inspections WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.store.db().pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let org: OrgId = id_col(&row, "org_id")?;
        Ok(Some((org, row)))
    }

    /// Opens an inspection's row read by [`load_inspection`](Self::load_inspection), once the
    /// caller may see it: workplace id, planned date, status, document and version.
    async fn unseal_inspection(
        &self,
        id: &str,
        org: OrgId,
        row: &AnyRow,
    ) -> Result<(String, String, String, InspectionDoc, i64)> {
        let keys = self.store.org_keys(org).await?;
        let sealed: Vec<u8> = row.try_get("sealed")?;
        let doc: InspectionDoc = open_doc(&keys, &aad("inspection", org, id), &sealed)?;
        Ok((
            row.try_get("workplace_id")?,
            row.try_get("planned_date")?,
            row.try_get("status")?,
            doc,
            row.try_get("version")?,
        ))
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

    /// Loads an inspection to change it, authorising `inspection.manage` on its owner
    /// (partners read; they never write).
    async fn inspection_for_change(&self, id: &str) -> Result<(OrgId, String, InspectionDoc, i64)> {
        let Some((org, row)) = self.load_inspection(id).await? else {
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
        let (_, _, status, doc, version) = self.unseal_inspection(id, org, &row).await?;
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
}

// ----- inspection photos -----

/// A photo of a labour inspection, without its bytes (metadata stripped; sealed under
/// `labour_photo:<org>:<id>`).
#[derive(Clone, Debug, Serialize)]
pub struct PhotoSummary {
    /// The photo's id.
    pub id: String,
    /// `image/jpeg` or `image/png`, after metadata stripping.
    pub content_type: String,
    /// Size of the stripped image, in bytes.
    pub size: i64,
    /// When it was added, ms since the epoch.
    pub created_at_ms: i64,
}

impl Access<'_> {
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

impl Inspections<'_> {
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

    /// Plans a joint inspection (`inspection.manage`) with its partner organisations, whose rows become `inspection.read` grants; returns its id.
    pub async fn plan_inspection(&self, plan: InspectionPlan) -> Result<String> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::InspectionManage, org, &[], None)
            .await?;
        let wid = uuid_text("workplace_id", &plan.workplace_id)?;
        let workplace = match self.load_workplace(&wid).await? {
            Some((o, row)) if o == org => {
                let (employer_id, doc, version) = self.unseal_workplace(&wid, o, &row).await?;
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

    /// Reads an inspection (`inspection.read`): the owner sees everything, a partner what the partner view allows (workers' identities only with their consent, no photos); audited.
    pub async fn get_inspection(&self, id: &str) -> Result<InspectionView> {
        let Some((org, row)) = self.load_inspection(id).await? else {
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
        let (workplace_id, date, status, doc, version) =
            self.unseal_inspection(id, org, &row).await?;
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
            // Rows of inspections the organisation owns or takes part in: readable.
            if let Some((owner, row)) = self.load_inspection(&id).await? {
                let (_, date, status, doc, _) = self.unseal_inspection(&id, owner, &row).await?;
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
        let Some((org, row)) = self.load_inspection(id).await? else {
            return Err(self
                .labour_not_found(Action::InspectionManage, "inspection", id)
                .await);
        };
        let me = self.principal.org_id.to_string();
        let target = Some(("inspection", id.to_owned()));
        // Whom an action is assigned to is inside the sealed document. An action is assigned to
        // the owner or a partner, so a principal that `inspection.manage` granted to every
        // partner would still refuse is refused here, with the same audited denial, before
        // anything is opened.
        let widest: Vec<Grant> = self
            .inspection_grants(id)
            .await?
            .into_iter()
            .map(|g| Grant {
                to_org: g.to_org,
                action: Action::InspectionManage,
            })
            .collect();
        if authz::authorize(self.principal, Action::InspectionManage, org, &widest).is_err() {
            return self
                .authorize_granted(Action::InspectionManage, org, &[], target)
                .await;
        }
        let (_, _, status, mut doc, version) = self.unseal_inspection(id, org, &row).await?;
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
}
