//! What of a case another organisation or a dossier may see: the case's values by field
//! group, the groups its consents cover, and the recipient's view of a referred case (exactly
//! the field groups its active referrals select).

use std::collections::{BTreeMap, BTreeSet};

use ally_core::protection::{ConsentPurpose, ConsentStatus, FieldGroup};

use super::common::{d2s, today};
use super::model::*;
use crate::{Access, Result};

impl Access<'_> {
    /// The recipient's view: exactly the field groups its active referrals select.
    pub(crate) async fn shared_view(&self, view: CaseView) -> Result<SharedCase> {
        let me = self.principal.org_id;
        let mine: Vec<ReferralView> = view
            .referrals
            .iter()
            .filter(|r| r.referral.to_org == me)
            .cloned()
            .collect();
        let mut fields = BTreeMap::new();
        let groups = case_groups(&view, self).await?;
        let mut services = Vec::new();
        for r in &mine {
            if let Some(v) = r.referral.recipient_view(me, groups.clone()) {
                fields.extend(v);
                if let Some(sid) = r.referral.subject.service()
                    && let Some(svc) = view.services.iter().find(|s| s.id == sid.to_string())
                {
                    services.push((svc.clone(), r.referral.may_update_service(me, sid)));
                }
            }
        }
        Ok(SharedCase {
            services,
            id: view.id,
            from_name: self
                .org_name(&view.org_id.to_string())
                .await?
                .unwrap_or_default(),
            referrals: mine,
            fields,
        })
    }
}

/// The case's values by field group (what a referral or a dossier can include).
pub(crate) async fn case_groups(
    v: &CaseView,
    access: &Access<'_>,
) -> Result<BTreeMap<FieldGroup, Vec<SharedField>>> {
    let mut m: BTreeMap<FieldGroup, Vec<SharedField>> = BTreeMap::new();
    let identity = match v.person_id {
        Some(p) => access.person_identity(v.org_id, p).await?,
        None => None,
    };
    let mut push = |g: FieldGroup, k: &'static str, val: String| {
        if !val.trim().is_empty() {
            m.entry(g).or_default().push((k, val));
        }
    };
    push(
        FieldGroup::Identity,
        "prot-field-reference",
        v.content.reference.clone(),
    );
    if let Some(i) = &identity {
        push(FieldGroup::Identity, "prot-field-person", i.display_name());
        push(
            FieldGroup::Identity,
            "prot-field-birth",
            i.birth
                .iter()
                .map(|b| b.to_input())
                .collect::<Vec<_>>()
                .join(", "),
        );
        push(
            FieldGroup::Identity,
            "prot-field-nationalities",
            i.nationalities.join(", "),
        );
        push(
            FieldGroup::Identity,
            "prot-field-languages",
            i.languages.join(", "),
        );
        push(
            FieldGroup::Contact,
            "prot-field-phones",
            i.phones.join(", "),
        );
        push(
            FieldGroup::Contact,
            "prot-field-addresses",
            i.addresses.join("; "),
        );
        push(
            FieldGroup::Documents,
            "prot-field-documents",
            i.documents
                .iter()
                .map(ally_core::person::format_document)
                .collect::<Vec<_>>()
                .join("; "),
        );
    }
    push(
        FieldGroup::Contact,
        "prot-field-contact",
        v.content.contact.clone(),
    );
    let s = &v.content.safety;
    push(FieldGroup::Contact, "prot-field-risk", s.risk.clone());
    push(FieldGroup::Contact, "prot-field-threats", s.threats.clone());
    push(
        FieldGroup::Contact,
        "prot-field-avoid",
        s.contacts_to_avoid.clone(),
    );
    push(
        FieldGroup::Contact,
        "prot-field-channel",
        s.safe_channel.clone(),
    );
    push(
        FieldGroup::Contact,
        "prot-field-code-word",
        s.code_word.clone(),
    );
    push(
        FieldGroup::CaseSummary,
        "prot-field-state",
        v.lifecycle.state().as_str().to_owned(),
    );
    push(
        FieldGroup::CaseSummary,
        "prot-field-identified",
        d2s(v.lifecycle.identified_on()),
    );
    if let Some(r) = v.lifecycle.reflection() {
        push(
            FieldGroup::CaseSummary,
            "prot-field-reflection-end",
            d2s(r.last_day()),
        );
    }
    push(
        FieldGroup::CaseSummary,
        "prot-field-summary",
        v.content.summary.clone(),
    );
    push(
        FieldGroup::Exploitation,
        "prot-field-exploitation-types",
        v.facts
            .exploitation
            .iter()
            .map(|e| e.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    );
    push(
        FieldGroup::Exploitation,
        "prot-field-exploitation",
        v.content.exploitation.clone(),
    );
    push(
        FieldGroup::Health,
        "prot-field-health",
        v.content.health.clone(),
    );
    push(
        FieldGroup::Needs,
        "prot-field-needs",
        v.content.needs.clone(),
    );
    for svc in &v.services {
        push(
            FieldGroup::Needs,
            "prot-field-service",
            format!("{} ({})", svc.kind.as_str(), svc.status.as_str()),
        );
    }
    for p in &v.proceedings {
        push(
            FieldGroup::Judicial,
            "prot-field-proceedings",
            format!(
                "{} / {} / {}",
                p.stage.as_str(),
                p.victim_role.as_str(),
                d2s(p.opened_on)
            ),
        );
    }
    for c in &v.court_dates {
        push(FieldGroup::Judicial, "prot-field-court-date", d2s(c.on));
    }
    push(
        FieldGroup::Immigration,
        "prot-field-immigration",
        v.content.immigration.clone(),
    );
    for p in &v.permits {
        push(
            FieldGroup::Immigration,
            "prot-field-permit",
            format!(
                "{} {}{}",
                d2s(p.applied_on),
                p.decision,
                p.expires_on
                    .map(|e| format!(" → {}", d2s(e)))
                    .unwrap_or_default()
            ),
        );
    }
    for c in &v.compensation {
        push(
            FieldGroup::Compensation,
            "prot-field-compensation",
            format!(
                "{} {} / {} / {}",
                c.currency,
                c.claimed,
                c.awarded.clone().unwrap_or_else(|| "-".into()),
                c.received
            ),
        );
    }
    Ok(m)
}

/// The field groups a case's consents cover for a purpose (the dossier includes only these).
pub(crate) fn consented_groups(v: &CaseView) -> BTreeSet<FieldGroup> {
    let today = today();
    v.consents
        .iter()
        .filter(|c| {
            c.record.status == ConsentStatus::Given
                && matches!(
                    c.record.purpose,
                    ConsentPurpose::Referral | ConsentPurpose::LawEnforcementSharing
                )
                && c.record.date <= today
                && c.record.valid_until.is_none_or(|u| today <= u)
        })
        .flat_map(|c| c.record.scope.iter().copied())
        .collect()
}
