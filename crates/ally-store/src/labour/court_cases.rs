//! Labour-court cases: rows in `labour_cases`, claimants, liable employers, claims, evidence,
//! hearings and outcome sealed together (AAD `labour_case:<org>:<id>`), the status in clear.
//! Guarded by `labour_case.read` and `labour_case.manage`.

use ally_core::OrgId;
use ally_core::authz::Action;
use ally_core::labour::validate::{amount, date, one_of, optional, required, uuid_text};
use ally_core::labour::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::common::{aad, invalid, open_doc, seal_doc};
use crate::access::id_col;
use crate::{Access, Result, StoreError, now_ms};

crate::foundation::access::access_handle!(
    /// Labour-court cases: claims, hearings, judgments.
    LabourCases,
    labour_cases
);

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

/// Today's date (UTC) as `YYYY-MM-DD`.
pub fn today() -> String {
    time::OffsetDateTime::now_utc().date().to_string()
}

impl Access<'_> {
    // ----- labour-court cases -----

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
        match self.document_checks().get_document_check(id).await {
            Ok(c) => Ok(c),
            Err(StoreError::Denied(_)) => Err(invalid("check_id", "unknown_record")),
            Err(e) => Err(e),
        }
    }

    /// Reads a case's row (no authorisation, no audit): the owner and the clear columns, the
    /// document still sealed. The caller authorises from the owner, then
    /// [`unseal_labour_case`](Self::unseal_labour_case)s it.
    async fn load_labour_case(&self, id: &str) -> Result<Option<(OrgId, AnyRow)>> {
        let row = sqlx::query(
            "SELECT org_id, status, sealed, version, created_at FROM labour_cases WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.store.db().pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let org: OrgId = id_col(&row, "org_id")?;
        Ok(Some((org, row)))
    }

    /// Opens a case's row read by [`load_labour_case`](Self::load_labour_case), once the caller
    /// may see it: status, document, version and creation time.
    async fn unseal_labour_case(
        &self,
        id: &str,
        org: OrgId,
        row: &AnyRow,
    ) -> Result<(String, CaseDoc, i64, i64)> {
        let keys = self.store.org_keys(org).await?;
        let sealed: Vec<u8> = row.try_get("sealed")?;
        let doc: CaseDoc = open_doc(&keys, &aad("case", org, id), &sealed)?;
        Ok((
            row.try_get("status")?,
            doc,
            row.try_get("version")?,
            row.try_get("created_at")?,
        ))
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
                Some((o, row)) => {
                    let e = self.unseal_employer(&l.employer_id, o, &row).await?;
                    (e.legal_name, e.registration_number)
                }
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

impl LabourCases<'_> {
    /// Opens a labour-court case (`labour_case.manage`): validated, sealed under `labour_case:<org>:<id>`, audited; returns its id.
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
                && let Some((o, irow)) = self.load_inspection(insp).await?
                && o == org
            {
                let workplace_id: String = irow.try_get("workplace_id")?;
                if let Some((wo, wrow)) = self.load_workplace(&workplace_id).await?
                    && wo == org
                {
                    let (_, wdoc, _) = self.unseal_workplace(&workplace_id, wo, &wrow).await?;
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

    /// Reads one labour-court case (`labour_case.read`), authorised on clear columns before it is unsealed; audited.
    pub async fn get_labour_case(&self, id: &str) -> Result<LabourCase> {
        let Some((org, row)) = self.load_labour_case(id).await? else {
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
        let (status, doc, version, created) = self.unseal_labour_case(id, org, &row).await?;
        self.read_event("labour_case.read", "labour_case", Some(id), String::new())
            .await?;
        self.case_view(id, status, doc, version, created).await
    }

    /// Lists the organisation's labour-court cases (`labour_case.read`); audited with a count.
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
            if let Some((o, row)) = self.load_labour_case(&id).await? {
                let (status, doc, _, created) = self.unseal_labour_case(&id, o, &row).await?;
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

    /// Adds an entry to a labour-court case (hearing, claim, judgment, closing; `labour_case.manage`); audited.
    pub async fn update_labour_case(&self, id: &str, entry: CaseEntry) -> Result<()> {
        let Some((org, row)) = self.load_labour_case(id).await? else {
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
        let (mut status, mut doc, version, _) = self.unseal_labour_case(id, org, &row).await?;
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
