//! Referrals (`prot_referrals`, `prot_referral_events`) and the grants they give other
//! organisations. Details and status reasons are sealed with the sender's key
//! (`referral:{org}:{id}`).
//!
//! A referral is the grant: while it is `sent` or `accepted`, and the consent it rests on is
//! still given, its recipient holds `case.read` and `referral.manage` on the case
//! ([`Access::case_grants`]), fed to `authorize` like every other decision. A revocation, a
//! decline, or a withdrawal of the consent ends it in the same transaction.

use ally_core::OrgId;
use ally_core::audit::AuditOutcome;
use ally_core::authz::{Action, Grant};
use ally_core::org::OrgKind;
use ally_core::protection::htcds::ReferralReason;
use ally_core::protection::{
    CaseId, ConsentId, ConsentRecord, Coverage, FieldSelection, LegalBasisId, NewReferral,
    RecipientKind, Referral, ReferralAction, ReferralEvent, ReferralId, ReferralStatus,
    ReferralSubject, ServiceKind, ServiceRequestId, ServiceStatus, act,
};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::common::{
    aad, col_date, d2s, groups_from_text, groups_to_text, invalid, opt_date, today,
};
use super::model::*;
use crate::access::id_col;
use crate::db::WriteTx;
use crate::{Access, Result, StoreError, now_ms};

crate::foundation::access::access_handle!(
    /// Referrals of cases and services to other organisations, and the answers to them.
    Referrals,
    referrals
);

#[derive(Serialize, Deserialize, Default)]
struct ReferralSealed {
    details: String,
    #[serde(default)]
    status_reason: Option<String>,
}

/// A referral's clear columns: enough to decide who may act on it, before its sealed details
/// are opened.
pub(crate) struct ReferralHead {
    pub case: CaseId,
    pub from_org: OrgId,
    pub to_org: OrgId,
    /// Whether its status (`sent`, `accepted`) still gives the recipient access.
    pub gives_access: bool,
}

impl Access<'_> {
    /// The grants other organisations hold on a case through its referrals.
    pub(crate) async fn case_grants(&self, case: CaseId, owner: OrgId) -> Result<Vec<Grant>> {
        let rows = sqlx::query(
            "SELECT r.to_org, r.basis_kind, r.basis_id FROM prot_referrals r \
             WHERE r.case_id = $1 AND r.from_org = $2 AND r.status IN ('sent', 'accepted')",
        )
        .bind(case.to_string())
        .bind(owner.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let mut grants = Vec::new();
        for r in rows {
            let to_org: OrgId = id_col(&r, "to_org")?;
            let kind: String = r.try_get("basis_kind")?;
            let basis_id: String = r.try_get("basis_id")?;
            if !self.basis_still_valid(&kind, basis_id).await? {
                continue;
            }
            grants.push(Grant {
                to_org,
                action: Action::CaseRead,
            });
            grants.push(Grant {
                to_org,
                action: Action::ReferralManage,
            });
        }
        Ok(grants)
    }

    /// Defence in depth: a withdrawn consent revokes its referrals in the same transaction; a
    /// grant never outlives the consent or legal basis it rests on, nor the date until which
    /// that basis is valid (ISO dates compare as text).
    pub(crate) async fn basis_still_valid(&self, kind: &str, basis_id: String) -> Result<bool> {
        let (status, valid_until): (Option<String>, Option<String>) = if kind == "consent" {
            sqlx::query_as("SELECT status, valid_until FROM prot_consents WHERE id = $1")
                .bind(basis_id)
                .fetch_optional(&self.store.db().pool)
                .await?
                .map_or((None, None), |(s, v): (String, Option<String>)| {
                    (Some(s), v)
                })
        } else {
            sqlx::query_as("SELECT valid_until FROM prot_legal_bases WHERE id = $1")
                .bind(basis_id)
                .fetch_optional(&self.store.db().pool)
                .await?
                .map_or((None, None), |(v,): (Option<String>,)| {
                    (Some("given".to_owned()), v)
                })
        };
        Ok(status.as_deref() == Some("given")
            && valid_until.is_none_or(|until| until >= d2s(today())))
    }

    /// The `case.update` grant of the provider of one service request: the recipient of an
    /// accepted referral of exactly that service, while the referral's basis holds. It is
    /// computed for `update_service` alone, so it opens nothing else of the case.
    pub(crate) async fn service_provider_grant(
        &self,
        case: CaseId,
        owner: OrgId,
        service: ServiceRequestId,
    ) -> Result<Vec<Grant>> {
        let me = self.principal.org_id;
        if me == owner {
            return Ok(Vec::new());
        }
        // `Referral::may_update_service` read from the clear columns (recipient, status,
        // service): deciding opens none of the case's referrals, sealed with the lead's key.
        let rows = sqlx::query(
            "SELECT basis_kind, basis_id FROM prot_referrals WHERE case_id = $1 AND from_org = $2 \
             AND to_org = $3 AND status = 'accepted' AND service_id = $4 ORDER BY created_at, id",
        )
        .bind(case.to_string())
        .bind(owner.to_string())
        .bind(me.to_string())
        .bind(service.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        for r in rows {
            let kind: String = r.try_get("basis_kind")?;
            let basis_id: String = r.try_get("basis_id")?;
            if self.basis_still_valid(&kind, basis_id).await? {
                return Ok(vec![Grant {
                    to_org: me,
                    action: Action::CaseUpdate,
                }]);
            }
        }
        Ok(Vec::new())
    }

    pub(crate) async fn referrals_of(&self, case: CaseId) -> Result<Vec<ReferralView>> {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM prot_referrals WHERE case_id = $1 ORDER BY created_at, id",
        )
        .bind(case.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let mut out = Vec::new();
        for id in ids {
            if let Some(r) = self.load_referral(&id).await? {
                out.push(r);
            }
        }
        Ok(out)
    }

    /// Loads a referral's clear columns, opening nothing (see [`ReferralHead`]).
    pub(crate) async fn referral_head(&self, id: &str) -> Result<Option<ReferralHead>> {
        let Some(r) = sqlx::query(
            "SELECT case_id, from_org, to_org, status FROM prot_referrals WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.store.db().pool)
        .await?
        else {
            return Ok(None);
        };
        let status: String = r.try_get("status")?;
        Ok(Some(ReferralHead {
            case: id_col(&r, "case_id")?,
            from_org: id_col(&r, "from_org")?,
            to_org: id_col(&r, "to_org")?,
            gives_access: matches!(status.as_str(), "sent" | "accepted"),
        }))
    }

    pub(crate) async fn load_referral(&self, id: &str) -> Result<Option<ReferralView>> {
        let Some(r) = sqlx::query(
            "SELECT id, case_id, from_org, to_org, recipient_kind, reason, fields, basis_kind, basis_id, \
             sent_on, accepted_on, status, sealed, service_id FROM prot_referrals WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.store.db().pool)
        .await?
        else {
            return Ok(None);
        };
        let from_org: OrgId = id_col(&r, "from_org")?;
        let to_org: OrgId = id_col(&r, "to_org")?;
        let keys = self.store.org_keys(from_org).await?;
        let sealed: Vec<u8> = r.try_get("sealed")?;
        let plain = zeroize::Zeroizing::new(keys.open(&aad("referral", from_org, id), &sealed)?);
        let s: ReferralSealed =
            serde_json::from_slice(&plain).map_err(|_| StoreError::Corrupt("referral"))?;
        let basis_id: String = r.try_get("basis_id")?;
        let basis = match r.try_get::<String, _>("basis_kind")?.as_str() {
            "consent" => Coverage::Consent(
                basis_id
                    .parse::<ConsentId>()
                    .map_err(|_| StoreError::Corrupt("basis"))?,
            ),
            _ => Coverage::LegalBasis(
                basis_id
                    .parse::<LegalBasisId>()
                    .map_err(|_| StoreError::Corrupt("basis"))?,
            ),
        };
        let mut history = Vec::new();
        for e in sqlx::query(
            "SELECT on_date, by_org, by_user, status FROM prot_referral_events WHERE referral_id = $1 \
             ORDER BY at, id",
        )
        .bind(id)
        .fetch_all(&self.store.db().pool)
        .await?
        {
            let status: String = e.try_get("status")?;
            let reason = matches!(status.as_str(), "declined" | "revoked")
                .then(|| s.status_reason.clone().unwrap_or_default());
            history.push(ReferralEvent {
                on: col_date(&e.try_get::<String, _>("on_date")?)?,
                by_org: id_col(&e, "by_org")?,
                by_user: id_col(&e, "by_user")?,
                status: ReferralStatus::from_parts(&status, reason)
                    .ok_or(StoreError::Corrupt("referral event"))?,
            });
        }
        let status: String = r.try_get("status")?;
        let reason = matches!(status.as_str(), "declined" | "revoked")
            .then(|| s.status_reason.clone().unwrap_or_default());
        let service_id: Option<String> = r.try_get("service_id")?;
        let (subject, service_kind) = match &service_id {
            None => (ReferralSubject::WholeCase, None),
            Some(sid) => {
                let kind: Option<String> =
                    sqlx::query_scalar("SELECT kind FROM prot_services WHERE id = $1")
                        .bind(sid)
                        .fetch_optional(&self.store.db().pool)
                        .await?;
                (
                    ReferralSubject::ServiceRequest(
                        sid.parse().map_err(|_| StoreError::Corrupt("service id"))?,
                    ),
                    kind.and_then(|k| ServiceKind::parse(&k)),
                )
            }
        };
        let referral = Referral {
            id: id.parse().map_err(|_| StoreError::Corrupt("referral id"))?,
            case: id_col(&r, "case_id")?,
            subject,
            from_org,
            to_org,
            recipient_kind: RecipientKind::parse(&r.try_get::<String, _>("recipient_kind")?)
                .ok_or(StoreError::Corrupt("recipient kind"))?,
            reason: ReferralReason::parse(&r.try_get::<String, _>("reason")?)
                .ok_or(StoreError::Corrupt("reason"))?,
            details: s.details,
            fields: FieldSelection::new(groups_from_text(&r.try_get::<String, _>("fields")?))
                .map_err(|_| StoreError::Corrupt("fields"))?,
            basis,
            sent_on: col_date(&r.try_get::<String, _>("sent_on")?)?,
            accepted_on: opt_date(r.try_get("accepted_on")?)?,
            status: ReferralStatus::from_parts(&status, reason)
                .ok_or(StoreError::Corrupt("referral status"))?,
            history,
        };
        Ok(Some(ReferralView {
            service_kind,
            lead_transfer: self.lead_transfer_status(id).await?,
            from_name: self
                .org_name(&from_org.to_string())
                .await?
                .unwrap_or_default(),
            to_name: self
                .org_name(&to_org.to_string())
                .await?
                .unwrap_or_default(),
            referral,
        }))
    }

    pub(super) async fn save_referral_status(
        &self,
        tx: &mut WriteTx,
        r: &Referral,
        sealing_org: OrgId,
    ) -> Result<()> {
        let keys = self.store.org_keys(sealing_org).await?;
        let id = r.id.to_string();
        let json = zeroize::Zeroizing::new(
            serde_json::to_vec(&ReferralSealed {
                details: r.details.clone(),
                status_reason: r.status.reason().map(str::to_owned),
            })
            .map_err(|_| StoreError::Corrupt("referral"))?,
        );
        let sealed = keys.seal(&aad("referral", sealing_org, &id), &json)?;
        sqlx::query(
            "UPDATE prot_referrals SET status = $1, accepted_on = $2, sealed = $3, updated_at = $4 WHERE id = $5",
        )
        .bind(r.status.as_str())
        .bind(r.accepted_on.map(d2s))
        .bind(sealed)
        .bind(now_ms())
        .bind(&id)
        .execute(&mut **tx)
        .await?;
        if let Some(e) = r.history.last() {
            sqlx::query(
                "INSERT INTO prot_referral_events (id, referral_id, at, on_date, by_org, by_user, status) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(&id)
            .bind(now_ms())
            .bind(d2s(e.on))
            .bind(e.by_org.to_string())
            .bind(e.by_user.to_string())
            .bind(e.status.as_str())
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }
}

impl Referrals<'_> {
    /// Sends a referral with the selected field groups, if a consent (or legal basis) covers
    /// the recipient and every selected group; otherwise nothing is written and the error
    /// names why (`no_consent`, `scope_exceeded`, `consent_withdrawn`...).
    pub async fn send_referral(&self, case: CaseId, f: NewReferralForm) -> Result<ReferralId> {
        let row = self.case_for(case, Action::ReferralManage).await?;
        let org = row.org_id;
        let kind: Option<String> =
            sqlx::query_scalar("SELECT kind FROM organisations WHERE id = $1")
                .bind(f.to_org.to_string())
                .fetch_optional(&self.store.db().pool)
                .await?;
        let kind = kind
            .and_then(|k| OrgKind::parse(&k))
            .ok_or_else(|| invalid("to_org", "not_found"))?;
        let fields = FieldSelection::new(f.fields.iter().copied())
            .map_err(|e| invalid("fields", e.code()))?;
        // One service request of this case, still open, or the whole case.
        let subject = match f
            .service
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => ReferralSubject::WholeCase,
            Some(sid) => {
                let service: ServiceRequestId =
                    sid.parse().map_err(|_| invalid("service", "not_found"))?;
                let status: Option<String> = sqlx::query_scalar(
                    "SELECT status FROM prot_services WHERE id = $1 AND case_id = $2",
                )
                .bind(service.to_string())
                .bind(case.to_string())
                .fetch_optional(&self.store.db().pool)
                .await?;
                let status = status
                    .and_then(|s| ServiceStatus::parse(&s))
                    .ok_or_else(|| invalid("service", "not_found"))?;
                if status.is_final() {
                    return Err(invalid("service", "service_closed"));
                }
                ReferralSubject::ServiceRequest(service)
            }
        };
        let consents: Vec<ConsentRecord> = self
            .consents_of(case, org)
            .await?
            .into_iter()
            .map(|c| c.record)
            .collect();
        let bases = self.legal_bases_of(case, org).await?;
        let new = NewReferral {
            case,
            subject,
            from_org: org,
            to_org: f.to_org,
            recipient_kind: RecipientKind::of(kind),
            reason: f.reason,
            details: f.details.clone(),
            fields,
            subject_may_be_child: row.may_be_child,
            sent_by: self.principal.user_id,
        };
        let referral = match Referral::send(new, &consents, &bases, today()) {
            Ok(r) => r,
            Err(e) => {
                self.record(self.event(
                    "referral.send",
                    Some(("case", case.to_string())),
                    AuditOutcome::Denied,
                    format!("refused={}", e.code()),
                ))
                .await?;
                let field = match e {
                    ally_core::protection::ReferralError::SelfReferral => "to_org",
                    ally_core::protection::ReferralError::NoFieldsSelected => "fields",
                    _ => "consent",
                };
                return Err(invalid(field, e.code()));
            }
        };
        let id = referral.id.to_string();
        let keys = self.store.org_keys(org).await?;
        let json = zeroize::Zeroizing::new(
            serde_json::to_vec(&ReferralSealed {
                details: referral.details.clone(),
                status_reason: None,
            })
            .map_err(|_| StoreError::Corrupt("referral"))?,
        );
        let sealed = keys.seal(&aad("referral", org, &id), &json)?;
        let (basis_kind, basis_id) = match referral.basis {
            Coverage::Consent(c) => ("consent", c.to_string()),
            Coverage::LegalBasis(b) => ("legal_basis", b.to_string()),
        };
        let db = self.store.db();
        let mut tx = db.begin_write().await?;
        let now = now_ms();
        sqlx::query(
            "INSERT INTO prot_referrals (id, case_id, from_org, to_org, recipient_kind, reason, fields, \
             basis_kind, basis_id, sent_on, accepted_on, status, sealed, created_at, updated_at, service_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, 'sent', $11, $12, $13, $14)",
        )
        .bind(&id)
        .bind(case.to_string())
        .bind(org.to_string())
        .bind(f.to_org.to_string())
        .bind(referral.recipient_kind.as_str())
        .bind(referral.reason.as_str())
        .bind(groups_to_text(referral.fields.groups()))
        .bind(basis_kind)
        .bind(basis_id)
        .bind(d2s(referral.sent_on))
        .bind(sealed)
        .bind(now)
        .bind(now)
        .bind(referral.subject.service().map(|s| s.to_string()))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO prot_referral_events (id, referral_id, at, on_date, by_org, by_user, status) \
             VALUES ($1, $2, $3, $4, $5, $6, 'sent')",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(&id)
        .bind(now)
        .bind(d2s(referral.sent_on))
        .bind(org.to_string())
        .bind(self.principal.user_id.to_string())
        .execute(&mut *tx)
        .await?;
        let ev = self.event(
            "referral.send",
            Some(("referral", id.clone())),
            AuditOutcome::Success,
            format!(
                "case={case} to={} fields={} basis={basis_kind}{}",
                f.to_org,
                groups_to_text(referral.fields.groups()).replace(',', "+"),
                referral
                    .subject
                    .service()
                    .map(|s| format!(" service={s}"))
                    .unwrap_or_default()
            ),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(referral.id)
    }

    /// Accept, decline (with a reason) or complete as the recipient; revoke (with a reason) as
    /// the sender. Only the parties may act: anyone else gets "not found".
    pub async fn act_on_referral(&self, id: ReferralId, action: ReferralAction) -> Result<CaseId> {
        let target = Some(("referral", id.to_string()));
        let Some(head) = self.referral_head(&id.to_string()).await? else {
            self.authorize_granted(Action::ReferralManage, self.principal.org_id, &[], target)
                .await?;
            return Err(StoreError::NotFound);
        };
        // The recipient acts through the grant its referral gives (only while it gives access).
        let grants: Vec<Grant> = if head.gives_access {
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
        // Authorised: only now are the sealed details opened.
        let Some(view) = self.load_referral(&id.to_string()).await? else {
            return Err(StoreError::NotFound);
        };
        let r = view.referral;
        let next = act(
            &r,
            self.principal.org_id,
            self.principal.user_id,
            &action,
            today(),
        )
        .map_err(|e| {
            let field = if matches!(e, ally_core::protection::ReferralError::ReasonRequired) {
                "reason"
            } else {
                "action"
            };
            invalid(field, e.code())
        })?;
        let db = self.store.db();
        let mut tx = db.begin_write().await?;
        self.save_referral_status(&mut tx, &next, r.from_org)
            .await?;
        // Accepting the referral of a service request makes the recipient its provider.
        if let (ReferralAction::Accept, Some(service)) = (&action, r.subject.service()) {
            sqlx::query(
                "UPDATE prot_services SET provider_org = $1 WHERE id = $2 AND case_id = $3",
            )
            .bind(r.to_org.to_string())
            .bind(service.to_string())
            .bind(r.case.to_string())
            .execute(&mut *tx)
            .await?;
        }
        let ev = self.event(
            &format!("referral.{}", action.kind().as_str()),
            target,
            AuditOutcome::Success,
            format!("case={} status={}", r.case, next.status.as_str()),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(r.case)
    }

    /// Referrals to and from the principal's organisation (the inbox and the outbox).
    pub async fn list_referrals(&self) -> Result<(Vec<ReferralView>, Vec<ReferralView>)> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::ReferralManage, org, &[], None)
            .await?;
        let ids = |sql: &'static str| {
            sqlx::query_scalar::<_, String>(sql)
                .bind(org.to_string())
                .fetch_all(&self.store.db().pool)
        };
        let incoming_ids = ids(
            "SELECT id FROM prot_referrals WHERE to_org = $1 ORDER BY updated_at DESC, id LIMIT 200",
        )
        .await?;
        let outgoing_ids = ids(
            "SELECT id FROM prot_referrals WHERE from_org = $1 ORDER BY updated_at DESC, id LIMIT 200",
        )
        .await?;
        let mut incoming = Vec::new();
        for id in incoming_ids {
            if let Some(mut r) = self.load_referral(&id).await? {
                // The recipient sees the sender's details only while the referral gives access.
                if !r.referral.status.gives_access() {
                    r.referral.details.clear();
                }
                incoming.push(r);
            }
        }
        let mut outgoing = Vec::new();
        for id in outgoing_ids {
            if let Some(r) = self.load_referral(&id).await? {
                outgoing.push(r);
            }
        }
        let detail = format!("in={} out={}", incoming.len(), outgoing.len());
        self.record(self.event("referral.list", None, AuditOutcome::Success, detail))
            .await?;
        Ok((incoming, outgoing))
    }
}
