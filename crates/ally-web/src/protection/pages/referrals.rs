//! Referrals: the referral form of a case, the inbox and outbox, the parties' actions, and
//! the transfer of lead responsibility.

use ally_core::authz::Action;
use ally_core::protection::htcds::ReferralReason;
use ally_core::protection::{
    CaseId, ConsentPurpose, ConsentStatus, FieldGroup, ReferralAction, ReferralId,
};
use ally_store::protection::{NewReferralForm, OpenedCase};
use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use super::common::{Bad, Body, Form, Refused, case_id, label, opts, refusal_message};
use super::rows::{Row, referral_row};
use crate::ctx::{Posted, Viewer};
use crate::error::{Failure, PageError};
use crate::layout::{Layout, PageResult, html, layout, see_other};

#[derive(Template)]
#[template(path = "protection_refer.html")]
struct ReferPage {
    l: Layout,
    id: String,
    reference: String,
    orgs: Vec<(String, String)>,
    reasons: Vec<(String, String)>,
    groups: Vec<(String, String)>,
    consents: Vec<String>,
    /// The open service requests of the case that can be referred alone: (id, label).
    services: Vec<(String, String)>,
    error: Option<String>,
}

async fn refer_page(v: &Viewer, id: CaseId, error: Option<String>) -> PageResult {
    let p = v.session.principal();
    let access = v.access();
    access.require(Action::ReferralManage).await?;
    let OpenedCase::Full(view) = access.cases().open_case(id).await? else {
        return Err(PageError::new(Failure::NotFound));
    };
    let tr = &v.ctx.tr;
    let orgs = access
        .service_directory()
        .directory_entries("", None)
        .await?
        .into_iter()
        .filter(|e| e.org_id != p.org_id.to_string())
        .map(|e| (e.org_id, e.name))
        .collect();
    let consents = view
        .consents
        .iter()
        .filter(|c| {
            c.record.status == ConsentStatus::Given && c.record.purpose != ConsentPurpose::Services
        })
        .map(|c| {
            format!(
                "{}: {} — {}",
                label(tr, "prot-purpose", c.record.purpose.as_str()),
                c.recipient_names.join(", "),
                c.record
                    .scope
                    .iter()
                    .map(|g| label(tr, "prot-group", g.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let services = view
        .services
        .iter()
        .filter(|s| !s.status.is_final())
        .map(|s| {
            (
                s.id.clone(),
                format!(
                    "{} ({})",
                    label(tr, "prot-service", s.kind.as_str()),
                    label(tr, "prot-service-status", s.status.as_str())
                ),
            )
        })
        .collect();
    html(&ReferPage {
        l: layout(&v.ctx, tr.t("prot-refer-title"), "/cases"),
        id: id.to_string(),
        services,
        reference: view.content.reference,
        orgs,
        reasons: opts(
            tr,
            "prot-reason",
            ReferralReason::ALL,
            ReferralReason::as_str,
        ),
        groups: opts(tr, "prot-group", FieldGroup::ALL, FieldGroup::as_str),
        consents,
        error,
    })
    .map(|r| (status, r).into_response())
}

pub(crate) async fn refer_form(v: Viewer, Path(id): Path<String>) -> PageResult {
    let id = case_id(&id)?;
    refer_page(&v, id, None).await
}

pub(crate) async fn referral_send(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Body,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let id = case_id(&id)?;
    let f = Form(data);
    let access = v.access();
    let attempt = async {
        let to_org = f
            .get("to_org")
            .parse()
            .map_err(|_| ("to_org", "required"))?;
        access
            .referrals()
            .send_referral(
                id,
                NewReferralForm {
                    to_org,
                    service: Some(f.get("service").trim().to_owned()).filter(|s| !s.is_empty()),
                    reason: f.code("reason", ReferralReason::parse)?,
                    details: f.text("details", 2000)?,
                    fields: f.groups("fields")?,
                },
            )
            .await?;
        Ok::<(), Refused>(())
    };
    match attempt.await {
        Ok(()) => Ok(see_other(&format!("/cases/{id}"))),
        Err(Refused::Page(e)) => Err(e),
        Err(Refused::Field(b)) => {
            let msg = refusal_message(&v.ctx.tr, b);
            refer_page(&v, id, Some(msg)).await
        }
    }
}

#[derive(Template)]
#[template(path = "protection_referrals.html")]
struct ReferralsPage {
    l: Layout,
    incoming: Vec<Row>,
    outgoing: Vec<Row>,
    error: Option<String>,
}

pub(crate) async fn referrals(v: Viewer) -> PageResult {
    referrals_page(&v, None).await
}

/// The referrals page; with a refusal, its message and a 422 (nothing was written).
async fn referrals_page(v: &Viewer, refusal: Option<Bad>) -> PageResult {
    let org = v.principal().org_id;
    let (incoming, outgoing) = v.access().referrals().list_referrals().await?;
    let tr = &v.ctx.tr;
    let failed = refusal.is_some();
    let page = html(&ReferralsPage {
        l: layout(&v.ctx, tr.t("prot-referrals-title"), "/cases"),
        incoming: incoming.iter().map(|r| referral_row(tr, r, org)).collect(),
        outgoing: outgoing.iter().map(|r| referral_row(tr, r, org)).collect(),
        error: refusal.map(|b| refusal_message(tr, b)),
    })?;
    Ok(if failed {
        (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
    } else {
        page
    })
}

async fn on_referral(
    v: Viewer,
    id: &str,
    csrf: &str,
    action: Result<ReferralAction, Bad>,
) -> PageResult {
    v.check_csrf(csrf)?;
    let id: ReferralId = id.parse().map_err(|_| PageError::new(Failure::NotFound))?;
    let access = v.access();
    let result = match action {
        Ok(a) => access
            .referrals()
            .act_on_referral(id, a)
            .await
            .map_err(Refused::from),
        Err(b) => Err(Refused::Field(b)),
    };
    match result {
        Ok(case) => Ok(see_other(&format!("/cases/{case}"))),
        Err(Refused::Page(e)) => Err(e),
        Err(Refused::Field(b)) => referrals_page(&v, Some(b)).await,
    }
}

#[derive(Clone, Copy)]
enum LeadAct {
    Propose,
    Answer(bool),
}

async fn on_lead(v: Viewer, id: &str, csrf: &str, act: LeadAct) -> PageResult {
    v.check_csrf(csrf)?;
    let id: ReferralId = id.parse().map_err(|_| PageError::new(Failure::NotFound))?;
    let access = v.access();
    let result = match act {
        LeadAct::Propose => access.lead_transfers().propose_lead_transfer(id).await,
        LeadAct::Answer(accept) => {
            access
                .lead_transfers()
                .answer_lead_transfer(id, accept)
                .await
        }
    };
    match result.map_err(Refused::from) {
        Ok(()) => Ok(see_other("/referrals")),
        Err(Refused::Page(e)) => Err(e),
        Err(Refused::Field(b)) => referrals_page(&v, Some(b)).await,
    }
}

pub(crate) async fn lead_propose(
    v: Viewer,
    Path(id): Path<String>,
    Posted { csrf, .. }: Body,
) -> PageResult {
    on_lead(v, &id, &csrf, LeadAct::Propose).await
}

pub(crate) async fn lead_accept(
    v: Viewer,
    Path(id): Path<String>,
    Posted { csrf, .. }: Body,
) -> PageResult {
    on_lead(v, &id, &csrf, LeadAct::Answer(true)).await
}

pub(crate) async fn lead_decline(
    v: Viewer,
    Path(id): Path<String>,
    Posted { csrf, .. }: Body,
) -> PageResult {
    on_lead(v, &id, &csrf, LeadAct::Answer(false)).await
}

pub(crate) async fn referral_accept(
    v: Viewer,
    Path(id): Path<String>,
    Posted { csrf, .. }: Body,
) -> PageResult {
    on_referral(v, &id, &csrf, Ok(ReferralAction::Accept)).await
}

pub(crate) async fn referral_decline(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Body,
) -> PageResult {
    let f = Form(data);
    let reason = f
        .text("reason", 2000)
        .map(|reason| ReferralAction::Decline { reason });
    on_referral(v, &id, &csrf, reason).await
}

pub(crate) async fn referral_revoke(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Body,
) -> PageResult {
    let f = Form(data);
    let reason = f
        .text("reason", 2000)
        .map(|reason| ReferralAction::Revoke { reason });
    on_referral(v, &id, &csrf, reason).await
}
