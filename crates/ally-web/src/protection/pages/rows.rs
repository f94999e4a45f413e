//! The table rows shared by the case page and the referrals page: a service request, a
//! referral (with the actions its parties may take).

use ally_core::OrgId;
use ally_store::protection::{ReferralView, ServiceRecord};

use super::common::{ally_store_d2s, d, label};
use crate::i18n::Tr;

pub(crate) struct Row {
    pub(super) cells: Vec<String>,
    pub(super) id: String,
    pub(super) flag: bool,
}

/// A service request's row: kind, provider, start, end, status label, outcome, status code;
/// `flag` while its status can still change.
pub(super) fn service_row(tr: &Tr, s: &ServiceRecord) -> Row {
    Row {
        cells: vec![
            label(tr, "prot-service", s.kind.as_str()),
            s.provider_name.clone(),
            d(s.start_on),
            d(s.end_on),
            label(tr, "prot-service-status", s.status.as_str()),
            s.outcome.clone(),
            s.status.as_str().to_owned(),
        ],
        id: s.id.clone(),
        flag: !s.status.is_final(),
    }
}

pub(super) fn referral_row(tr: &Tr, r: &ReferralView, me: OrgId) -> Row {
    let x = &r.referral;
    let history = x
        .history
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                ally_store_d2s(e.on),
                label(tr, "prot-referral-status", e.status.as_str())
            )
        })
        .collect::<Vec<_>>()
        .join(" · ");
    Row {
        cells: vec![
            r.from_name.clone(),
            r.to_name.clone(),
            label(tr, "prot-referral-status", x.status.as_str()),
            x.fields
                .groups()
                .iter()
                .map(|g| label(tr, "prot-group", g.as_str()))
                .collect::<Vec<_>>()
                .join(", "),
            label(tr, "prot-reason", x.reason.as_str()),
            x.details.clone(),
            x.status.reason().unwrap_or("").to_owned(),
            history,
            x.case.to_string(),
            if me == x.from_org {
                "sender"
            } else {
                "recipient"
            }
            .to_owned(),
            r.lead_transfer.clone().unwrap_or_default(),
            x.status.as_str().to_owned(),
            match r.service_kind {
                Some(k) => format!(
                    "{}: {}",
                    tr.t("prot-subject-service"),
                    label(tr, "prot-service", k.as_str())
                ),
                None => tr.t("prot-subject-case"),
            },
            if x.subject.service().is_some() {
                "service"
            } else {
                "case"
            }
            .to_owned(),
        ],
        id: x.id.to_string(),
        // Which buttons: the sender may revoke; the recipient may accept or decline.
        flag: if me == x.from_org {
            x.allows(
                ally_core::protection::Party::Sender,
                ally_core::protection::ReferralActionKind::Revoke,
            )
        } else {
            x.allows(
                ally_core::protection::Party::Recipient,
                ally_core::protection::ReferralActionKind::Accept,
            )
        },
    }
}
