//! Joint-inspection pages: the list, planning one, the inspection page with its partners and
//! entries (answers, workers, documents, findings, follow-up actions), the report (HTML and
//! JSON), and the inspection's photos.

use ally_core::authz::Action;
use ally_core::labour::{
    ANSWERS, CHECKLISTS, DOCUMENT_KINDS, InspectionPlan, InspectionView, PARTNER_KINDS,
    PartnerInput,
};
use askama::Template;
use axum::extract::{Path, Query};
use axum::http::header;
use axum::response::IntoResponse;
use serde::Deserialize;

use crate::ctx::{Posted, Viewer};
use crate::error::{Failure, PageError};
use crate::labour::forms::{
    EntryForm, checked, form_errors, label, lines_of, options, unprocessable,
};
use crate::layout::{Layout, PageResult, fmt_ms, html, layout, see_other};

pub struct InspectionRow {
    id: String,
    date: String,
    status: String,
    workplace: String,
    owner: String,
}

#[derive(Template)]
#[template(path = "labour_inspections.html")]
pub(crate) struct InspectionsPage {
    l: Layout,
    items: Vec<InspectionRow>,
    may_manage: bool,
}

pub(crate) async fn inspections(v: Viewer) -> PageResult {
    let p = v.session.principal();
    let list = v.access().inspections().list_inspections().await?;
    let tr = &v.ctx.tr;
    html(&InspectionsPage {
        l: layout(&v.ctx, tr.t("labour-inspections-title"), "/inspections"),
        items: list
            .into_iter()
            .map(|i| InspectionRow {
                status: label(tr, "status", &i.status),
                owner: if i.is_owner {
                    String::new()
                } else {
                    i.owner_org_name
                },
                id: i.id,
                date: i.date,
                workplace: i.workplace_name,
            })
            .collect(),
        may_manage: p.may(Action::InspectionManage),
    })
}

#[derive(Deserialize, Default)]
pub(crate) struct InspectionForm {
    #[serde(default)]
    workplace_id: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    legal_basis: String,
    #[serde(default)]
    checklist: String,
    #[serde(default)]
    languages: String,
    #[serde(default)]
    interpreters_needed: String,
    #[serde(default)]
    partner1: String,
    #[serde(default)]
    partner1_kind: String,
    #[serde(default)]
    partner1_members: String,
    #[serde(default)]
    partner2: String,
    #[serde(default)]
    partner2_kind: String,
    #[serde(default)]
    partner2_members: String,
    #[serde(default)]
    partner3: String,
    #[serde(default)]
    partner3_kind: String,
    #[serde(default)]
    partner3_members: String,
}

#[derive(Template)]
#[template(path = "labour_inspection_new.html")]
pub(crate) struct InspectionNewPage {
    l: Layout,
    workplaces: Vec<(String, String)>,
    orgs: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    checklists: Vec<(String, String)>,
    errors: Vec<String>,
    f: InspectionForm,
}

#[derive(Deserialize)]
pub(crate) struct NewInspectionQuery {
    #[serde(default)]
    workplace: String,
}

pub(crate) async fn inspection_new_page(
    v: &Viewer,
    errors: Vec<String>,
    f: InspectionForm,
) -> PageResult {
    let p = v.session.principal();
    let access = v.access();
    let orgs = access.inspections().inspection_partner_candidates().await?;
    // Workplaces are listed to those who manage employers (all roles that plan inspections).
    let workplaces = if p.may(Action::EmployerManage) {
        access.employers().list_workplaces(None).await?
    } else {
        Vec::new()
    };
    let tr = &v.ctx.tr;
    html(&InspectionNewPage {
        l: layout(&v.ctx, tr.t("labour-inspection-new"), "/inspections"),
        workplaces: workplaces
            .into_iter()
            .map(|w| (w.id, format!("{} · {}", w.name, w.employer_name)))
            .collect(),
        orgs: orgs
            .into_iter()
            .map(|o| (o.id.to_string(), o.name))
            .collect(),
        kinds: options(tr, "partner", PARTNER_KINDS),
        checklists: CHECKLISTS
            .iter()
            .map(|(c, _)| ((*c).to_owned(), label(tr, "sector", c)))
            .collect(),
        errors,
        f,
    })
}

pub(crate) async fn inspection_new(v: Viewer, Query(q): Query<NewInspectionQuery>) -> PageResult {
    let f = InspectionForm {
        workplace_id: q.workplace,
        checklist: "construction".into(),
        partner1_kind: "police".into(),
        partner2_kind: "labour_inspectorate".into(),
        partner3_kind: "tax_authority".into(),
        ..Default::default()
    };
    inspection_new_page(&v, Vec::new(), f).await
}

pub(crate) async fn inspection_create(
    v: Viewer,
    Posted { data, csrf }: Posted<InspectionForm>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let access = v.access();
    let partners = [
        (&data.partner1, &data.partner1_kind, &data.partner1_members),
        (&data.partner2, &data.partner2_kind, &data.partner2_members),
        (&data.partner3, &data.partner3_kind, &data.partner3_members),
    ]
    .into_iter()
    .filter(|(o, _, _)| !o.trim().is_empty())
    .map(|(o, k, m)| PartnerInput {
        org_id: o.clone(),
        kind: k.clone(),
        members: lines_of(m),
    })
    .collect();
    let plan = InspectionPlan {
        workplace_id: data.workplace_id.clone(),
        date: data.date.clone(),
        legal_basis: data.legal_basis.clone(),
        checklist: data.checklist.clone(),
        languages: data
            .languages
            .split([',', '\n'])
            .map(|s| s.trim().to_owned())
            .collect(),
        interpreters_needed: checked(&data.interpreters_needed),
        partners,
    };
    match access.inspections().plan_inspection(plan).await {
        Ok(id) => Ok(see_other(&format!("/inspections/{id}"))),
        Err(e) => {
            let errors = form_errors(&v.ctx.tr, e)?;
            unprocessable(inspection_new_page(&v, errors, data).await)
        }
    }
}

pub struct WorkerRow {
    n: usize,
    name: String,
    language: String,
    consent: bool,
    person_id: Option<String>,
    note: String,
    interview_href: String,
    case_href: Option<String>,
}

pub struct ActionRow {
    n: usize,
    done: bool,
    /// The reader may mark it done (owner, or the partner it is assigned to).
    may_complete: bool,
    org: String,
    text: String,
    due: String,
}

#[derive(Template)]
#[template(path = "labour_inspection.html")]
pub(crate) struct InspectionPage {
    l: Layout,
    i: InspectionView,
    partners: Vec<(String, String, String)>,
    answers: Vec<(String, String, String)>,
    items: Vec<(String, String)>,
    answer_choices: Vec<(String, String)>,
    workers: Vec<WorkerRow>,
    documents: Vec<(String, String)>,
    document_kinds: Vec<(String, String)>,
    actions: Vec<ActionRow>,
    assignees: Vec<(String, String)>,
    orgs: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    checks: Vec<(String, String, i64)>,
    photos: Vec<String>,
    status: String,
    errors: Vec<String>,
    may_interview: bool,
    may_check: bool,
}

pub(crate) async fn inspection_page(v: &Viewer, id: &str, errors: Vec<String>) -> PageResult {
    let p = v.session.principal();
    let access = v.access();
    let i = access.inspections().get_inspection(id).await?;
    let tr = &v.ctx.tr;
    let orgs = if i.is_owner {
        access.inspections().inspection_partner_candidates().await?
    } else {
        Vec::new()
    };
    let checks = if i.is_owner && p.may(Action::DocumentCheck) {
        access
            .document_checks()
            .list_document_checks(Some(id))
            .await?
    } else {
        Vec::new()
    };
    let photos = if i.is_owner {
        access
            .inspections()
            .list_inspection_photos(id)
            .await?
            .into_iter()
            .map(|ph| ph.id)
            .collect()
    } else {
        Vec::new()
    };
    let items = CHECKLISTS
        .iter()
        .find(|(c, _)| *c == i.checklist)
        .map(|(_, items)| options(tr, "item", items))
        .unwrap_or_default();
    let mut assignees = vec![(i.owner_org.clone(), i.owner_org_name.clone())];
    assignees.extend(
        i.partners
            .iter()
            .map(|p| (p.org_id.clone(), p.org_name.clone())),
    );
    html(&InspectionPage {
        l: layout(&v.ctx, tr.t("labour-inspection-title"), "/inspections"),
        partners: i
            .partners
            .iter()
            .map(|p| {
                (
                    p.org_name.clone(),
                    label(tr, "partner", &p.kind),
                    p.members.join(", "),
                )
            })
            .collect(),
        answers: i
            .answers
            .iter()
            .map(|a| {
                (
                    label(tr, "item", &a.item),
                    label(tr, "answer", &a.answer),
                    a.note.clone(),
                )
            })
            .collect(),
        items,
        answer_choices: options(tr, "answer", ANSWERS),
        workers: i
            .workers
            .iter()
            .map(|w| {
                let person = w
                    .person_id
                    .as_ref()
                    .map(|p| format!("&person={p}"))
                    .unwrap_or_default();
                WorkerRow {
                    n: w.n,
                    name: w
                        .name
                        .clone()
                        .unwrap_or_else(|| tr.t1("labour-worker-n", "n", w.n)),
                    language: w.language.clone(),
                    consent: w.consent_share,
                    person_id: w.person_id.clone(),
                    note: w.note.clone().unwrap_or_default(),
                    interview_href: format!(
                        "/interviews/new?questionnaire=first_contact&inspection={}{person}",
                        i.id
                    ),
                    case_href: w
                        .interview_id
                        .as_ref()
                        .map(|iid| format!("/cases/new?interview={iid}{person}")),
                }
            })
            .collect(),
        documents: i
            .documents
            .iter()
            .map(|d| (label(tr, "doc", &d.kind), d.description.clone()))
            .collect(),
        document_kinds: options(tr, "doc", DOCUMENT_KINDS),
        actions: i
            .actions
            .iter()
            .map(|a| ActionRow {
                n: a.n,
                done: a.done_at_ms.is_some(),
                may_complete: p.may(Action::InspectionManage)
                    && (i.is_owner || a.assigned_org == p.org_id.to_string()),
                org: a.assigned_org_name.clone(),
                text: a.text.clone(),
                due: a.due.clone().unwrap_or_default(),
            })
            .collect(),
        assignees,
        orgs: orgs
            .into_iter()
            .filter(|o| !i.partners.iter().any(|p| p.org_id == o.id.to_string()))
            .map(|o| (o.id.to_string(), o.name))
            .collect(),
        kinds: options(tr, "partner", PARTNER_KINDS),
        checks: checks
            .into_iter()
            .map(|c| (c.id, c.worker_label, c.finding_count))
            .collect(),
        photos,
        status: label(tr, "status", &i.status),
        errors,
        may_interview: p.may(Action::InterviewConduct),
        may_check: p.may(Action::DocumentCheck),
        i,
    })
}

pub(crate) async fn inspection_view(v: Viewer, Path(id): Path<String>) -> PageResult {
    inspection_page(&v, &id, Vec::new()).await
}

#[derive(Deserialize)]
pub(crate) struct PartnerForm {
    #[serde(default)]
    org_id: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    members: String,
}

pub(crate) async fn inspection_partner(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Posted<PartnerForm>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let access = v.access();
    let input = PartnerInput {
        org_id: data.org_id,
        kind: data.kind,
        members: lines_of(&data.members),
    };
    match access
        .inspections()
        .add_inspection_partner(&id, input)
        .await
    {
        Ok(()) => Ok(see_other(&format!("/inspections/{id}"))),
        Err(e) => {
            let errors = form_errors(&v.ctx.tr, e)?;
            unprocessable(inspection_page(&v, &id, errors).await)
        }
    }
}

pub(crate) async fn inspection_entry(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Posted<EntryForm>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let access = v.access();
    let Some(entry) = data.entry() else {
        access.require(Action::InspectionManage).await?;
        return Err(PageError::new(Failure::BadRequest));
    };
    match access.inspections().record_inspection(&id, entry).await {
        Ok(()) => Ok(see_other(&format!("/inspections/{id}"))),
        Err(e) => {
            let errors = form_errors(&v.ctx.tr, e)?;
            unprocessable(inspection_page(&v, &id, errors).await)
        }
    }
}

#[derive(Template)]
#[template(path = "labour_inspection_report.html")]
pub(crate) struct InspectionReportPage {
    l: Layout,
    i: InspectionView,
    partners: Vec<(String, String, String)>,
    answers: Vec<(String, String, String)>,
    workers: Vec<(usize, String, String)>,
    documents: Vec<(String, String)>,
    actions: Vec<ActionRow>,
    status: String,
    printed: String,
}

pub(crate) async fn inspection_report(v: Viewer, Path(id): Path<String>) -> PageResult {
    let p = v.session.principal();
    let i = v.access().inspections().get_inspection(&id).await?;
    let tr = &v.ctx.tr;
    html(&InspectionReportPage {
        l: layout(&v.ctx, tr.t("labour-report-title"), "/inspections"),
        partners: i
            .partners
            .iter()
            .map(|p| {
                (
                    p.org_name.clone(),
                    label(tr, "partner", &p.kind),
                    p.members.join(", "),
                )
            })
            .collect(),
        answers: i
            .answers
            .iter()
            .map(|a| {
                (
                    label(tr, "item", &a.item),
                    label(tr, "answer", &a.answer),
                    a.note.clone(),
                )
            })
            .collect(),
        workers: i
            .workers
            .iter()
            .map(|w| {
                (
                    w.n,
                    w.name
                        .clone()
                        .unwrap_or_else(|| tr.t1("labour-worker-n", "n", w.n)),
                    w.language.clone(),
                )
            })
            .collect(),
        documents: i
            .documents
            .iter()
            .map(|d| (label(tr, "doc", &d.kind), d.description.clone()))
            .collect(),
        actions: i
            .actions
            .iter()
            .map(|a| ActionRow {
                n: a.n,
                done: a.done_at_ms.is_some(),
                may_complete: p.may(Action::InspectionManage)
                    && (i.is_owner || a.assigned_org == p.org_id.to_string()),
                org: a.assigned_org_name.clone(),
                text: a.text.clone(),
                due: a.due.clone().unwrap_or_default(),
            })
            .collect(),
        status: label(tr, "status", &i.status),
        printed: fmt_ms(ally_store::now_ms()),
        i,
    })
}

pub(crate) async fn inspection_report_json(v: Viewer, Path(id): Path<String>) -> PageResult {
    let i = v.access().inspections().get_inspection(&id).await?;
    let body = serde_json::to_vec_pretty(&i).map_err(|_| PageError::new(Failure::Internal))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"inspection-{id}.json\""),
            ),
        ],
        body,
    )
        .into_response())
}

pub(crate) async fn inspection_action_done(
    v: Viewer,
    Path((id, n)): Path<(String, String)>,
    Posted { csrf, .. }: Posted<PartnerFormEmpty>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let access = v.access();
    let n: usize = n.parse().map_err(|_| PageError::new(Failure::NotFound))?;
    access
        .inspections()
        .complete_inspection_action(&id, n)
        .await?;
    Ok(see_other(&format!("/inspections/{id}#actions")))
}

#[derive(Deserialize)]
pub(crate) struct PartnerFormEmpty {}

pub(crate) async fn inspection_photo_upload(
    v: Viewer,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> PageResult {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !ct.starts_with("multipart/form-data") {
        return Err(PageError::new(Failure::UnsupportedMediaType));
    }
    let fields = crate::multipart::fields(ct, &body).ok_or(PageError::new(Failure::BadRequest))?;
    let csrf = fields
        .iter()
        .find(|(n, _)| n == "csrf")
        .and_then(|(_, v)| String::from_utf8(v.clone()).ok())
        .unwrap_or_default();
    v.check_csrf(&csrf)?;
    let photo = fields
        .into_iter()
        .find(|(n, _)| n == "photo")
        .map(|(_, v)| v)
        .unwrap_or_default();
    let access = v.access();
    match access.inspections().add_inspection_photo(&id, &photo).await {
        Ok(_) => Ok(see_other(&format!("/inspections/{id}#photos"))),
        Err(e) => {
            let errors = form_errors(&v.ctx.tr, e)?;
            unprocessable(inspection_page(&v, &id, errors).await)
        }
    }
}

pub(crate) async fn inspection_photo(
    v: Viewer,
    Path((id, photo)): Path<(String, String)>,
) -> PageResult {
    let (ct, bytes) = v
        .access()
        .inspections()
        .get_inspection_photo(&id, &photo)
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, ct),
            (header::CONTENT_DISPOSITION, "inline".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
