//! Labour-court case pages: the list, opening a case, the case page with its entries
//! (claimants, liable employers, claims, evidence, hearings, outcome) and its summary.

use ally_core::authz::Action;
use ally_core::labour::{CHAIN_ROLES, CaseEntry, LabourCase, NewLabourCase};
use ally_store::StoreError;
use ally_store::labour::today;
use askama::Template;
use axum::extract::{Path, Query};
use serde::Deserialize;
use sha2::Digest;

use crate::ctx::{Posted, Viewer};
use crate::error::{Failure, PageError};
use crate::labour::forms::{checked, form_errors, label, opt, options, unprocessable};
use crate::layout::{Layout, PageResult, fmt_ms, html, layout, see_other};

#[derive(Template)]
#[template(path = "labour_cases.html")]
pub(crate) struct CasesPage {
    l: Layout,
    items: Vec<(String, String, String, String, String)>,
    may_manage: bool,
}

pub(crate) async fn cases(v: Viewer) -> PageResult {
    let p = v.session.principal();
    let list = v.access().labour_cases().list_labour_cases().await?;
    let tr = &v.ctx.tr;
    html(&CasesPage {
        l: layout(&v.ctx, tr.t("labour-cases-title"), "/inspections"),
        items: list
            .into_iter()
            .map(|c| {
                (
                    c.id,
                    c.title,
                    label(tr, "status", &c.status),
                    c.claimed_total,
                    c.next_hearing.unwrap_or_default(),
                )
            })
            .collect(),
        may_manage: p.may(Action::LabourCaseManage),
    })
}

#[derive(Deserialize, Default)]
pub(crate) struct CaseForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    collective_agreement: String,
    #[serde(default)]
    claimant_name: String,
    #[serde(default)]
    claimant_consent: String,
    #[serde(default)]
    check_id: String,
    #[serde(default)]
    employer1: String,
    #[serde(default)]
    employer2: String,
    #[serde(default)]
    employer3: String,
}

#[derive(Template)]
#[template(path = "labour_case_new.html")]
pub(crate) struct CaseNewPage {
    l: Layout,
    f: CaseForm,
    employers: Vec<(String, String)>,
    check_summary: Vec<(String, String)>,
    errors: Vec<String>,
}

pub(crate) async fn case_new_page(v: &Viewer, f: CaseForm, errors: Vec<String>) -> PageResult {
    let p = v.session.principal();
    let access = v.access();
    access.require(Action::LabourCaseManage).await?;
    let employers = if p.may(Action::EmployerManage) {
        access.employers().list_employers().await?
    } else {
        Vec::new()
    };
    let tr = &v.ctx.tr;
    let check_summary = match opt(&f.check_id) {
        Some(c) if p.may(Action::DocumentCheck) => {
            match access.document_checks().get_document_check(&c).await {
                Ok(c) => c
                    .money_by_kind()
                    .into_iter()
                    .map(|(k, a)| (label(tr, "kind", &k), format!("{a} {}", c.currency)))
                    .collect(),
                Err(StoreError::NotFound | StoreError::Denied(_)) => Vec::new(),
                Err(e) => return Err(e.into()),
            }
        }
        _ => Vec::new(),
    };
    html(&CaseNewPage {
        l: layout(&v.ctx, tr.t("labour-case-new"), "/inspections"),
        f,
        employers: employers
            .into_iter()
            .map(|e| (e.id, e.legal_name))
            .collect(),
        check_summary,
        errors,
    })
}

#[derive(Deserialize)]
pub(crate) struct CaseNewQuery {
    #[serde(default)]
    check: String,
}

pub(crate) async fn case_new(v: Viewer, Query(q): Query<CaseNewQuery>) -> PageResult {
    let f = CaseForm {
        check_id: q.check,
        ..Default::default()
    };
    case_new_page(&v, f, Vec::new()).await
}

pub(crate) async fn case_create(v: Viewer, Posted { data, csrf }: Posted<CaseForm>) -> PageResult {
    v.check_csrf(&csrf)?;
    let access = v.access();
    let input = NewLabourCase {
        title: data.title.clone(),
        collective_agreement: data.collective_agreement.clone(),
        claimant_name: data.claimant_name.clone(),
        claimant_consent: checked(&data.claimant_consent),
        check_id: opt(&data.check_id),
        employer_ids: [&data.employer1, &data.employer2, &data.employer3]
            .into_iter()
            .filter_map(|e| opt(e))
            .collect(),
    };
    match access.labour_cases().open_labour_case(input).await {
        Ok(id) => Ok(see_other(&format!("/labour-cases/{id}"))),
        Err(e) => {
            let errors = form_errors(&v.ctx.tr, e)?;
            unprocessable(case_new_page(&v, data, errors).await)
        }
    }
}

#[derive(Template)]
#[template(path = "labour_case.html")]
pub(crate) struct CasePage {
    l: Layout,
    c: LabourCase,
    status: String,
    reminders: Vec<(String, String, i64)>,
    employers: Vec<(String, String)>,
    roles: Vec<(String, String)>,
    errors: Vec<String>,
    may_manage: bool,
    summary: bool,
    printed: String,
}

pub(crate) fn days_until(date: &str) -> i64 {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    match time::Date::parse(date, &fmt) {
        Ok(d) => (d - time::OffsetDateTime::now_utc().date()).whole_days(),
        Err(_) => 0,
    }
}

pub(crate) async fn case_page(
    v: &Viewer,
    id: &str,
    errors: Vec<String>,
    summary: bool,
) -> PageResult {
    let p = v.session.principal();
    let access = v.access();
    let c = access.labour_cases().get_labour_case(id).await?;
    let may_manage = p.may(Action::LabourCaseManage) && !summary;
    let employers = if may_manage && p.may(Action::EmployerManage) {
        access.employers().list_employers().await?
    } else {
        Vec::new()
    };
    let tr = &v.ctx.tr;
    let today = today();
    let reminders = c
        .upcoming_hearings(&today)
        .into_iter()
        .map(|h| (h.date.clone(), h.court.clone(), days_until(&h.date)))
        .collect();
    html(&CasePage {
        l: layout(
            &v.ctx,
            if summary {
                tr.t("labour-case-summary")
            } else {
                tr.t("labour-case-title")
            },
            "/inspections",
        ),
        status: label(tr, "status", &c.status),
        reminders,
        employers: employers
            .into_iter()
            .map(|e| (e.id, e.legal_name))
            .collect(),
        roles: options(tr, "role", CHAIN_ROLES),
        errors,
        may_manage,
        summary,
        printed: fmt_ms(ally_store::now_ms()),
        c,
    })
}

pub(crate) async fn case_view(v: Viewer, Path(id): Path<String>) -> PageResult {
    case_page(&v, &id, Vec::new(), false).await
}

pub(crate) async fn case_summary(v: Viewer, Path(id): Path<String>) -> PageResult {
    case_page(&v, &id, Vec::new(), true).await
}

#[derive(Deserialize, Default)]
pub(crate) struct CaseEntryForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    consent: String,
    #[serde(default)]
    employer_id: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    sha256: String,
    /// Text of the evidence, hashed here when no hash is given.
    #[serde(default)]
    content: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    court: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    recovered: String,
}

impl CaseEntryForm {
    fn entry(self) -> Option<CaseEntry> {
        Some(match self.kind.as_str() {
            "claimant" => CaseEntry::Claimant {
                name: self.name,
                consent: checked(&self.consent),
            },
            "employer" => CaseEntry::Employer {
                employer_id: self.employer_id,
                role: self.role,
            },
            "claim" => CaseEntry::Claim {
                description: self.description,
                amount: self.amount,
                check_id: None,
            },
            "evidence" => {
                let sha256 = if self.sha256.trim().is_empty() && !self.content.is_empty() {
                    hex::encode(sha2::Sha256::digest(self.content.as_bytes()))
                } else {
                    self.sha256
                };
                CaseEntry::Evidence {
                    description: self.description,
                    sha256,
                }
            }
            "hearing" => CaseEntry::Hearing {
                date: self.date,
                court: self.court,
                note: self.note,
            },
            "outcome" => CaseEntry::Outcome {
                text: self.text,
                recovered: self.recovered,
                date: self.date,
            },
            _ => return None,
        })
    }
}

pub(crate) async fn case_entry(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Posted<CaseEntryForm>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let access = v.access();
    let Some(entry) = data.entry() else {
        access.require(Action::LabourCaseManage).await?;
        return Err(PageError::new(Failure::BadRequest));
    };
    match access.labour_cases().update_labour_case(&id, entry).await {
        Ok(()) => Ok(see_other(&format!("/labour-cases/{id}"))),
        Err(e) => {
            let errors = form_errors(&v.ctx.tr, e)?;
            unprocessable(case_page(&v, &id, errors, false).await)
        }
    }
}
