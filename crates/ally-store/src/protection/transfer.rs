//! Transfer of lead responsibility: a separate, explicit act on an accepted referral. The
//! current lead proposes; the recipient accepts or declines. On acceptance the case and every
//! record of it move to the new lead organisation in one transaction, re-sealed with its key
//! (the associated data names the organisation, so nothing sealed for the old lead is left).
//! The former lead keeps no access (its referral no longer gives any: the grants of a case come
//! from referrals its lead sent).
//!
//! The persons linked to the case (the victim, relatives...) go to the new lead in the same
//! transaction, re-sealed with its key and with their blind-index tokens recomputed under its
//! index key, so that it reads their names and finds them by search:
//! - a person record that nothing else of the former lead refers to (no other case, no
//!   interview) **moves**: the former lead keeps nothing of it;
//! - a person record the former lead still uses for its own records (the detection interview
//!   that opened the case, another case) is **copied**: the new lead gets its own record (a new
//!   id) and the case points to it; the former lead keeps its record for those own records,
//!   and no longer reaches the case through it.

use ally_core::audit::AuditOutcome;
use ally_core::authz::{Action, Grant};
use ally_core::protection::{LeadTransfer, LeadTransferStatus, ReferralId};
use sqlx::Row;

use ally_core::{OrgId, PersonId};

use super::common::{aad, col_date, d2s, invalid, today};
use super::deadlines::refresh_deadlines;
use crate::access::{id_col, insert_tokens, open_identity, person_aad};
use crate::crypto::OrgKeys;
use crate::db::WriteTx;
use crate::{Access, Result, StoreError, now_ms};

crate::foundation::access::access_handle!(
    /// Transfers of a case's lead responsibility to the organisation of an accepted referral.
    LeadTransfers,
    lead_transfers
);

/// Sealed columns of a case's records: (table, key column, AAD kind).
const SEALED: &[(&str, &str, &str)] = &[
    ("prot_case_events", "case_id", "case_event"),
    ("prot_services", "case_id", "service"),
    ("prot_tasks", "case_id", "task"),
    ("prot_consents", "case_id", "consent"),
    ("prot_legal_bases", "case_id", "legal_basis"),
    ("prot_proceedings", "case_id", "proceedings"),
    ("prot_court_dates", "case_id", "court_date"),
];

/// Tables whose rows carry the lead organisation in `org_id`.
const OWNED: &[&str] = &[
    "prot_services",
    "prot_tasks",
    "prot_consents",
    "prot_legal_bases",
    "prot_proceedings",
    "prot_court_dates",
    "prot_permits",
    "prot_compensation",
    "prot_deadlines",
];

impl Access<'_> {
    /// Moves or copies the persons linked to case `cid` from `old` to `new` (see the module
    /// documentation). Runs inside the transfer's transaction.
    async fn hand_over_persons(
        &self,
        tx: &mut WriteTx,
        cid: &str,
        old: OrgId,
        new: OrgId,
        old_keys: &OrgKeys,
        new_keys: &OrgKeys,
    ) -> Result<(usize, usize)> {
        let mut linked: Vec<String> = sqlx::query_scalar(
            "SELECT person_id FROM prot_cases WHERE id = $1 AND person_id IS NOT NULL \
             UNION SELECT person_id FROM prot_case_persons WHERE case_id = $1",
        )
        .bind(cid)
        .fetch_all(&mut **tx)
        .await?;
        linked.sort();
        linked.dedup();
        let (mut moved, mut copied) = (0, 0);
        for pid in linked {
            let Some(row) =
                sqlx::query("SELECT role, sealed FROM persons WHERE id = $1 AND org_id = $2")
                    .bind(&pid)
                    .bind(old.to_string())
                    .fetch_optional(&mut **tx)
                    .await?
            else {
                // Not the former lead's record (already moved, or erased): nothing to do.
                continue;
            };
            let person: PersonId = pid.parse().map_err(|_| StoreError::Corrupt("person id"))?;
            let sealed: Vec<u8> = row.try_get("sealed")?;
            let identity = open_identity(old_keys, old, person, &sealed)?;
            let plain = zeroize::Zeroizing::new(
                serde_json::to_vec(&identity).map_err(|_| StoreError::Corrupt("identity"))?,
            );
            let still_used: i64 = sqlx::query_scalar(
                "SELECT (SELECT COUNT(*) FROM prot_cases WHERE person_id = $1 AND id <> $2) \
                 + (SELECT COUNT(*) FROM prot_case_persons WHERE person_id = $1 AND case_id <> $2) \
                 + (SELECT COUNT(*) FROM interviews WHERE person_id = $1)",
            )
            .bind(&pid)
            .bind(cid)
            .fetch_one(&mut **tx)
            .await?;
            let now = now_ms();
            if still_used == 0 {
                let resealed = new_keys.seal(&person_aad(new, person), &plain)?;
                sqlx::query(
                    "UPDATE persons SET org_id = $1, sealed = $2, updated_at = $3, version = version + 1 \
                     WHERE id = $4",
                )
                .bind(new.to_string())
                .bind(resealed)
                .bind(now)
                .bind(&pid)
                .execute(&mut **tx)
                .await?;
                sqlx::query("DELETE FROM person_tokens WHERE person_id = $1")
                    .bind(&pid)
                    .execute(&mut **tx)
                    .await?;
                insert_tokens(tx, new, person, new_keys, &identity).await?;
                moved += 1;
            } else {
                let copy = PersonId::new();
                let resealed = new_keys.seal(&person_aad(new, copy), &plain)?;
                sqlx::query(
                    "INSERT INTO persons (id, org_id, role, sealed, created_by, created_at, updated_at, version) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 1)",
                )
                .bind(copy.to_string())
                .bind(new.to_string())
                .bind(row.try_get::<String, _>("role")?)
                .bind(resealed)
                .bind(self.principal.user_id.to_string())
                .bind(now)
                .bind(now)
                .execute(&mut **tx)
                .await?;
                insert_tokens(tx, new, copy, new_keys, &identity).await?;
                sqlx::query(
                    "UPDATE prot_cases SET person_id = $1 WHERE id = $2 AND person_id = $3",
                )
                .bind(copy.to_string())
                .bind(cid)
                .bind(&pid)
                .execute(&mut **tx)
                .await?;
                sqlx::query(
                    "UPDATE prot_case_persons SET person_id = $1 WHERE case_id = $2 AND person_id = $3",
                )
                .bind(copy.to_string())
                .bind(cid)
                .bind(&pid)
                .execute(&mut **tx)
                .await?;
                copied += 1;
            }
        }
        Ok((moved, copied))
    }

    /// The pending or last lead transfer of a referral, if any.
    pub(crate) async fn lead_transfer_status(&self, referral: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT status FROM prot_lead_transfers WHERE referral_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1",
        )
        .bind(referral)
        .fetch_optional(&self.store.db().pool)
        .await?)
    }
}

impl LeadTransfers<'_> {
    /// The lead proposes to hand the case over to the recipient of an accepted referral.
    pub async fn propose_lead_transfer(&self, id: ReferralId) -> Result<()> {
        let target = Some(("referral", id.to_string()));
        let Some(head) = self.referral_head(&id.to_string()).await? else {
            self.authorize_granted(Action::ReferralManage, self.principal.org_id, &[], target)
                .await?;
            return Err(StoreError::NotFound);
        };
        let case = self.case_for(head.case, Action::ReferralManage).await?;
        // Authorised: only now are the referral's sealed details opened.
        let Some(view) = self.load_referral(&id.to_string()).await? else {
            return Err(StoreError::NotFound);
        };
        let r = view.referral;
        let t = LeadTransfer::propose(
            &r,
            case.org_id,
            self.principal.org_id,
            self.principal.user_id,
            today(),
        )
        .map_err(|e| invalid("referral", e.code()))?;
        if self.lead_transfer_status(&id.to_string()).await?.as_deref() == Some("proposed") {
            return Err(invalid("referral", "lead_transfer_pending"));
        }
        let db = self.store.db();
        let mut tx = db.begin_write().await?;
        sqlx::query(
            "INSERT INTO prot_lead_transfers (id, case_id, referral_id, from_org, to_org, proposed_on, \
             proposed_by, status, decided_on, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'proposed', NULL, $8)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(t.case.to_string())
        .bind(id.to_string())
        .bind(t.from_org.to_string())
        .bind(t.to_org.to_string())
        .bind(d2s(t.proposed_on))
        .bind(t.proposed_by.to_string())
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        let ev = self.event(
            "lead_transfer.propose",
            target,
            AuditOutcome::Success,
            format!("case={} to={}", t.case, t.to_org),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(())
    }

    /// The recipient accepts (the case moves) or declines the lead.
    pub async fn answer_lead_transfer(&self, id: ReferralId, accept: bool) -> Result<()> {
        let target = Some(("referral", id.to_string()));
        let Some(head) = self.referral_head(&id.to_string()).await? else {
            self.authorize_granted(Action::ReferralManage, self.principal.org_id, &[], target)
                .await?;
            return Err(StoreError::NotFound);
        };
        let grants = if head.gives_access {
            vec![Grant {
                to_org: head.to_org,
                action: Action::ReferralManage,
            }]
        } else {
            Vec::new()
        };
        self.authorize_granted(
            Action::ReferralManage,
            head.from_org,
            &grants,
            target.clone(),
        )
        .await?;
        // Authorised: only now are the referral's sealed details opened.
        let Some(view) = self.load_referral(&id.to_string()).await? else {
            return Err(StoreError::NotFound);
        };
        let r = view.referral;
        let row = sqlx::query(
            "SELECT id, proposed_on, proposed_by FROM prot_lead_transfers WHERE referral_id = $1 \
             AND status = 'proposed' ORDER BY created_at DESC LIMIT 1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.store.db().pool)
        .await?
        .ok_or_else(|| invalid("referral", "lead_transfer_not_pending"))?;
        let tid: String = row.try_get("id")?;
        let pending = LeadTransfer {
            case: r.case,
            referral: r.id,
            from_org: r.from_org,
            to_org: r.to_org,
            proposed_on: col_date(&row.try_get::<String, _>("proposed_on")?)?,
            proposed_by: id_col(&row, "proposed_by")?,
            status: LeadTransferStatus::Proposed,
            decided_on: None,
        };
        let next = pending
            .answer(&r, self.principal.org_id, accept, today())
            .map_err(|e| invalid("referral", e.code()))?;
        let (old, new) = (r.from_org, r.to_org);
        let cid = r.case.to_string();
        let db = self.store.db();
        let mut tx = db.begin_write().await?;
        let mut persons = (0, 0);
        sqlx::query("UPDATE prot_lead_transfers SET status = $1, decided_on = $2 WHERE id = $3")
            .bind(next.status.as_str())
            .bind(next.decided_on.map(d2s))
            .bind(&tid)
            .execute(&mut *tx)
            .await?;
        if accept {
            let (ok, nk) = (
                self.store.org_keys(old).await?,
                self.store.org_keys(new).await?,
            );
            // The case itself.
            let sealed: Vec<u8> =
                sqlx::query_scalar("SELECT sealed FROM prot_cases WHERE id = $1 AND org_id = $2")
                    .bind(&cid)
                    .bind(old.to_string())
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(StoreError::Conflict("changed_meanwhile"))?;
            let plain = zeroize::Zeroizing::new(ok.open(&aad("case", old, &cid), &sealed)?);
            let resealed = nk.seal(&aad("case", new, &cid), &plain)?;
            sqlx::query("UPDATE prot_cases SET org_id = $1, sealed = $2, updated_at = $3, version = version + 1 WHERE id = $4")
                .bind(new.to_string())
                .bind(resealed)
                .bind(now_ms())
                .bind(&cid)
                .execute(&mut *tx)
                .await?;
            for (table, col, kind) in SEALED {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT id, sealed FROM {table} WHERE {col} = $1"
                )))
                .bind(&cid)
                .fetch_all(&mut *tx)
                .await?;
                for row in rows {
                    let rid: String = row.try_get("id")?;
                    let Some(s) = row.try_get::<Option<Vec<u8>>, _>("sealed")? else {
                        continue;
                    };
                    let plain = zeroize::Zeroizing::new(ok.open(&aad(kind, old, &rid), &s)?);
                    let re = nk.seal(&aad(kind, new, &rid), &plain)?;
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "UPDATE {table} SET sealed = $1 WHERE id = $2"
                    )))
                    .bind(re)
                    .bind(&rid)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            for table in OWNED {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE {table} SET org_id = $1 WHERE case_id = $2"
                )))
                .bind(new.to_string())
                .bind(&cid)
                .execute(&mut *tx)
                .await?;
            }
            persons = self
                .hand_over_persons(&mut tx, &cid, old, new, &ok, &nk)
                .await?;
            // The new lead's caseworker who accepted takes the case; the old team leaves it.
            sqlx::query("DELETE FROM prot_case_workers WHERE case_id = $1")
                .bind(&cid)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO prot_case_workers (case_id, user_id, org_id) VALUES ($1, $2, $3)",
            )
            .bind(&cid)
            .bind(self.principal.user_id.to_string())
            .bind(new.to_string())
            .execute(&mut *tx)
            .await?;
            // The deadlines follow the new team.
            refresh_deadlines(&mut tx, r.case).await?;
        }
        let ev = self.event(
            if accept {
                "lead_transfer.accept"
            } else {
                "lead_transfer.decline"
            },
            target,
            AuditOutcome::Success,
            format!(
                "case={cid} from={old} to={new} persons_moved={} persons_copied={}",
                persons.0, persons.1
            ),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(())
    }
}
