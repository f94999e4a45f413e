//! Consents (`prot_consents`; a guardian's name and relationship sealed as
//! `consent:{org}:{id}`) and legal bases for sharing without consent (`prot_legal_bases`; the
//! reference sealed as `legal_basis:{org}:{id}`). Withdrawing a consent revokes the referrals
//! it covered in the same transaction.

use ally_core::OrgId;
use ally_core::audit::AuditOutcome;
use ally_core::authz::Action;
use ally_core::protection::{
    CaseId, ConsentGiver, ConsentId, ConsentPurpose, ConsentRecord, ConsentStatus, LegalBasis,
    LegalBasisId, LegalBasisRecord, Referral, ReferralAction, act, withdraw,
};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::common::{
    aad, col_date, d2s, groups_from_text, groups_to_text, invalid, opt_date, orgs_from_text,
    orgs_to_text, today,
};
use super::model::*;
use crate::access::id_col;
use crate::{Access, Result, StoreError, now_ms};

crate::foundation::access::access_handle!(
    /// The consents of a case's victim and the legal bases for sharing without consent.
    Consents,
    consents
);

#[derive(Serialize, Deserialize)]
struct GuardianSealed {
    name: String,
    relationship: String,
}

impl Access<'_> {
    pub(crate) async fn consents_of(&self, case: CaseId, org: OrgId) -> Result<Vec<ConsentView>> {
        let rows = sqlx::query(
            "SELECT id, purpose, recipients, scope, language, status, consent_on, valid_until, \
             withdrawn_on, by_guardian, sealed, recorded_by FROM prot_consents WHERE case_id = $1 \
             ORDER BY created_at, id",
        )
        .bind(case.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let keys = self.store.org_keys(org).await?;
        let mut out = Vec::new();
        for r in rows {
            let id: String = r.try_get("id")?;
            let given_by = if r.try_get::<i64, _>("by_guardian")? != 0 {
                let sealed: Option<Vec<u8>> = r.try_get("sealed")?;
                let g: GuardianSealed = match sealed {
                    Some(s) => {
                        let plain =
                            zeroize::Zeroizing::new(keys.open(&aad("consent", org, &id), &s)?);
                        serde_json::from_slice(&plain)
                            .map_err(|_| StoreError::Corrupt("guardian"))?
                    }
                    None => return Err(StoreError::Corrupt("guardian")),
                };
                ConsentGiver::Guardian {
                    name: g.name,
                    relationship: g.relationship,
                }
            } else {
                ConsentGiver::Person
            };
            let recipients = orgs_from_text(&r.try_get::<String, _>("recipients")?);
            let mut recipient_names = Vec::new();
            for o in &recipients {
                recipient_names.push(self.org_name(&o.to_string()).await?.unwrap_or_default());
            }
            let recorded_by: String = r.try_get("recorded_by")?;
            let record = ConsentRecord {
                id: id.parse().map_err(|_| StoreError::Corrupt("consent id"))?,
                purpose: ConsentPurpose::parse(&r.try_get::<String, _>("purpose")?)
                    .ok_or(StoreError::Corrupt("purpose"))?,
                recipients,
                scope: groups_from_text(&r.try_get::<String, _>("scope")?),
                explained_in_language: r.try_get("language")?,
                status: ConsentStatus::from_parts(
                    &r.try_get::<String, _>("status")?,
                    opt_date(r.try_get("withdrawn_on")?)?,
                )
                .ok_or(StoreError::Corrupt("consent status"))?,
                date: col_date(&r.try_get::<String, _>("consent_on")?)?,
                valid_until: opt_date(r.try_get("valid_until")?)?,
                recorded_by: recorded_by
                    .parse()
                    .map_err(|_| StoreError::Corrupt("recorded by"))?,
                given_by,
            };
            out.push(ConsentView {
                record,
                recorded_by_name: self
                    .user_names(std::slice::from_ref(&recorded_by))
                    .await?
                    .pop()
                    .unwrap_or_default(),
                recipient_names,
            });
        }
        Ok(out)
    }

    pub(crate) async fn legal_bases_of(
        &self,
        case: CaseId,
        org: OrgId,
    ) -> Result<Vec<LegalBasisRecord>> {
        let rows = sqlx::query(
            "SELECT id, basis, recipients, scope, recorded_on, valid_until, sealed, recorded_by \
             FROM prot_legal_bases WHERE case_id = $1 ORDER BY created_at, id",
        )
        .bind(case.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let keys = self.store.org_keys(org).await?;
        rows.iter()
            .map(|r| {
                let id: String = r.try_get("id")?;
                let sealed: Vec<u8> = r.try_get("sealed")?;
                let reference =
                    String::from_utf8(keys.open(&aad("legal_basis", org, &id), &sealed)?)
                        .map_err(|_| StoreError::Corrupt("reference"))?;
                Ok(LegalBasisRecord {
                    id: id
                        .parse()
                        .map_err(|_| StoreError::Corrupt("legal basis id"))?,
                    basis: LegalBasis::parse(&r.try_get::<String, _>("basis")?)
                        .ok_or(StoreError::Corrupt("basis"))?,
                    recipients: orgs_from_text(&r.try_get::<String, _>("recipients")?),
                    scope: groups_from_text(&r.try_get::<String, _>("scope")?),
                    reference,
                    recorded_on: col_date(&r.try_get::<String, _>("recorded_on")?)?,
                    valid_until: opt_date(r.try_get("valid_until")?)?,
                    recorded_by: id_col(r, "recorded_by")?,
                })
            })
            .collect()
    }
}

impl Consents<'_> {
    /// Records a consent given or refused (for a child, by a guardian).
    pub async fn record_consent(&self, case: CaseId, c: NewConsent) -> Result<ConsentId> {
        let row = self.case_for(case, Action::ConsentRecord).await?;
        let org = row.org_id;
        for r in &c.recipients {
            if *r == org {
                return Err(invalid("recipients", "own_organisation"));
            }
            if self
                .org_name(&r.to_string())
                .await?
                .unwrap_or_default()
                .is_empty()
            {
                return Err(invalid("recipients", "not_found"));
            }
        }
        let id = ConsentId::new();
        let record = ConsentRecord {
            id,
            purpose: c.purpose,
            recipients: c.recipients.clone(),
            scope: c.scope.clone(),
            explained_in_language: c.language.trim().to_owned(),
            status: if c.given {
                ConsentStatus::Given
            } else {
                ConsentStatus::Refused
            },
            date: c.date.unwrap_or_else(today),
            valid_until: c.valid_until,
            recorded_by: self.principal.user_id,
            given_by: match &c.guardian {
                Some((name, rel)) => ConsentGiver::Guardian {
                    name: name.clone(),
                    relationship: rel.clone(),
                },
                None => ConsentGiver::Person,
            },
        };
        record.validate().map_err(|e| {
            let field = match e {
                ally_core::protection::ConsentError::LanguageRequired => "language",
                ally_core::protection::ConsentError::RecipientsRequired => "recipients",
                ally_core::protection::ConsentError::ScopeRequired => "scope",
                ally_core::protection::ConsentError::GuardianRequired => "guardian",
                _ => "date",
            };
            invalid(field, e.code())
        })?;
        if row.may_be_child && c.guardian.is_none() && c.given {
            return Err(invalid("guardian", "guardian_required"));
        }
        if record.date > today() {
            return Err(invalid("date", "in_future"));
        }
        let keys = self.store.org_keys(org).await?;
        let sealed = match &c.guardian {
            Some((name, relationship)) => {
                let json = zeroize::Zeroizing::new(
                    serde_json::to_vec(&GuardianSealed {
                        name: name.trim().to_owned(),
                        relationship: relationship.trim().to_owned(),
                    })
                    .map_err(|_| StoreError::Corrupt("guardian"))?,
                );
                Some(keys.seal(&aad("consent", org, &id.to_string()), &json)?)
            }
            None => None,
        };
        let db = self.store.db();
        let mut tx = db.begin_write().await?;
        sqlx::query(
            "INSERT INTO prot_consents (id, case_id, org_id, purpose, recipients, scope, language, status, \
             consent_on, valid_until, withdrawn_on, by_guardian, sealed, recorded_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, $11, $12, $13, $14)",
        )
        .bind(id.to_string())
        .bind(case.to_string())
        .bind(org.to_string())
        .bind(record.purpose.as_str())
        .bind(orgs_to_text(&record.recipients))
        .bind(groups_to_text(&record.scope))
        .bind(record.explained_in_language.clone())
        .bind(record.status.as_str())
        .bind(d2s(record.date))
        .bind(record.valid_until.map(d2s))
        .bind(i64::from(c.guardian.is_some()))
        .bind(sealed)
        .bind(self.principal.user_id.to_string())
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        let ev = self.event(
            "consent.record",
            Some(("case", case.to_string())),
            AuditOutcome::Success,
            format!(
                "consent={id} purpose={} status={} scope={}",
                record.purpose.as_str(),
                record.status.as_str(),
                groups_to_text(&record.scope).replace(',', "+")
            ),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(id)
    }

    /// Records a legal basis for sharing without consent (e.g. a child-protection duty).
    pub async fn record_legal_basis(&self, case: CaseId, b: NewLegalBasis) -> Result<LegalBasisId> {
        let row = self.case_for(case, Action::ConsentRecord).await?;
        let org = row.org_id;
        if b.reference.trim().is_empty() {
            return Err(invalid("reference", "required"));
        }
        if b.recipients.is_empty() {
            return Err(invalid("recipients", "recipients_required"));
        }
        if b.scope.is_empty() {
            return Err(invalid("scope", "scope_required"));
        }
        let id = LegalBasisId::new();
        let keys = self.store.org_keys(org).await?;
        let sealed = keys.seal(
            &aad("legal_basis", org, &id.to_string()),
            b.reference.trim().as_bytes(),
        )?;
        let db = self.store.db();
        let mut tx = db.begin_write().await?;
        sqlx::query(
            "INSERT INTO prot_legal_bases (id, case_id, org_id, basis, recipients, scope, recorded_on, \
             valid_until, sealed, recorded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(id.to_string())
        .bind(case.to_string())
        .bind(org.to_string())
        .bind(b.basis.as_str())
        .bind(orgs_to_text(&b.recipients))
        .bind(groups_to_text(&b.scope))
        .bind(d2s(today()))
        .bind(b.valid_until.map(d2s))
        .bind(sealed)
        .bind(self.principal.user_id.to_string())
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        let ev = self.event(
            "legal_basis.record",
            Some(("case", case.to_string())),
            AuditOutcome::Success,
            format!("basis={}", b.basis.as_str()),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(id)
    }

    /// Withdraws a given consent: effective at once; the referrals it covered are revoked in
    /// the same transaction (their recipients lose access).
    pub async fn withdraw_consent(&self, consent: ConsentId) -> Result<(CaseId, usize)> {
        let case_id: Option<String> =
            sqlx::query_scalar("SELECT case_id FROM prot_consents WHERE id = $1")
                .bind(consent.to_string())
                .fetch_optional(&self.store.db().pool)
                .await?;
        let case: CaseId = match case_id.and_then(|c| c.parse().ok()) {
            Some(c) => c,
            None => {
                self.authorize_granted(Action::ConsentRecord, self.principal.org_id, &[], None)
                    .await?;
                return Err(StoreError::NotFound);
            }
        };
        let row = self.case_for(case, Action::ConsentRecord).await?;
        let consents = self.consents_of(case, row.org_id).await?;
        let record = consents
            .iter()
            .find(|c| c.record.id == consent)
            .map(|c| c.record.clone())
            .ok_or(StoreError::NotFound)?;
        let referrals: Vec<Referral> = self
            .referrals_of(case)
            .await?
            .into_iter()
            .map(|r| r.referral)
            .collect();
        let w = withdraw(&record, today(), &[], &referrals)
            .map_err(|e| invalid("consent", e.code()))?;
        let db = self.store.db();
        let mut tx = db.begin_write().await?;
        sqlx::query(
            "UPDATE prot_consents SET status = 'withdrawn', withdrawn_on = $1 WHERE id = $2",
        )
        .bind(d2s(today()))
        .bind(consent.to_string())
        .execute(&mut *tx)
        .await?;
        let mut events = vec![self.event(
            "consent.withdraw",
            Some(("case", case.to_string())),
            AuditOutcome::Success,
            format!("consent={consent} revoked={}", w.revoke_referrals.len()),
        )];
        for rid in &w.revoke_referrals {
            if let Some(r) = referrals.iter().find(|r| r.id == *rid) {
                let next = act(
                    r,
                    r.from_org,
                    self.principal.user_id,
                    &ReferralAction::Revoke {
                        reason: "consent withdrawn".into(),
                    },
                    today(),
                )
                .map_err(|e| invalid("referral", e.code()))?;
                self.save_referral_status(&mut tx, &next, r.from_org)
                    .await?;
                events.push(self.event(
                    "referral.revoke",
                    Some(("referral", rid.to_string())),
                    AuditOutcome::Success,
                    format!("cause=consent_withdrawn to={}", r.to_org),
                ));
            }
        }
        self.store.commit_audited(tx, &events).await?;
        Ok((case, w.revoke_referrals.len()))
    }
}
