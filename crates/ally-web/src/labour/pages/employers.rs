//! Employer pages: the organisation's employers, one employer with its workplaces, and a
//! workplace with its subcontracting chain.

use ally_core::authz::Action;
use ally_core::labour::{CHAIN_ROLES, ChainLinkInput, EmployerInput, SECTORS, WorkplaceInput};
use askama::Template;
use axum::extract::Path;
use serde::Deserialize;

use crate::ctx::{Posted, Viewer};
use crate::labour::forms::{form_errors, label, lines_of, opt, options, unprocessable};
use crate::layout::{Layout, PageResult, html, layout, see_other};

#[derive(Deserialize, Default)]
pub(crate) struct EmployerForm {
    #[serde(default)]
    legal_name: String,
    #[serde(default)]
    registration_number: String,
    #[serde(default)]
    sector: String,
    #[serde(default)]
    addresses: String,
}

pub struct EmployerRow {
    id: String,
    name: String,
    registration: String,
    sector: String,
}

#[derive(Template)]
#[template(path = "labour_employers.html")]
pub(crate) struct EmployersPage {
    l: Layout,
    items: Vec<EmployerRow>,
    sectors: Vec<(String, String)>,
    errors: Vec<String>,
    f_name: String,
    f_registration: String,
    f_sector: String,
    f_addresses: String,
}

pub(crate) async fn employers_page(v: &Viewer, errors: Vec<String>, f: EmployerForm) -> PageResult {
    let list = v.access().employers().list_employers().await?;
    let tr = &v.ctx.tr;
    html(&EmployersPage {
        l: layout(&v.ctx, tr.t("labour-employers-title"), "/inspections"),
        items: list
            .into_iter()
            .map(|e| EmployerRow {
                sector: label(tr, "sector", &e.sector),
                id: e.id,
                name: e.legal_name,
                registration: e.registration_number,
            })
            .collect(),
        sectors: options(tr, "sector", SECTORS),
        errors,
        f_name: f.legal_name,
        f_registration: f.registration_number,
        f_sector: f.sector,
        f_addresses: f.addresses,
    })
}

pub(crate) async fn employers(v: Viewer) -> PageResult {
    employers_page(&v, Vec::new(), EmployerForm::default()).await
}

pub(crate) async fn employer_create(
    v: Viewer,
    Posted { data, csrf }: Posted<EmployerForm>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let access = v.access();
    let input = EmployerInput {
        legal_name: data.legal_name.clone(),
        registration_number: data.registration_number.clone(),
        sector: data.sector.clone(),
        addresses: lines_of(&data.addresses),
    };
    match access.employers().create_employer(input).await {
        Ok(id) => Ok(see_other(&format!("/employers/{id}"))),
        Err(e) => {
            let errors = form_errors(&v.ctx.tr, e)?;
            unprocessable(employers_page(&v, errors, data).await)
        }
    }
}

pub struct WorkplaceRow {
    id: String,
    name: String,
    address: String,
    chain: Vec<String>,
}

#[derive(Template)]
#[template(path = "labour_employer.html")]
pub(crate) struct EmployerPage {
    l: Layout,
    id: String,
    name: String,
    registration: String,
    sector: String,
    addresses: Vec<String>,
    workplaces: Vec<WorkplaceRow>,
    errors: Vec<String>,
}

pub(crate) async fn employer_page(v: &Viewer, id: &str, errors: Vec<String>) -> PageResult {
    let access = v.access();
    let e = access.employers().get_employer(id).await?;
    let wps = access.employers().list_workplaces(Some(id)).await?;
    let tr = &v.ctx.tr;
    html(&EmployerPage {
        l: layout(&v.ctx, e.legal_name.clone(), "/inspections"),
        id: e.id,
        name: e.legal_name,
        registration: e.registration_number,
        sector: label(tr, "sector", &e.sector),
        addresses: e.addresses,
        workplaces: wps
            .into_iter()
            .map(|w| WorkplaceRow {
                chain: w
                    .chain
                    .iter()
                    .map(|c| format!("{} ({})", c.employer_name, label(tr, "role", &c.role)))
                    .collect(),
                id: w.id,
                name: w.name,
                address: w.address,
            })
            .collect(),
        errors,
    })
}

pub(crate) async fn employer_view(v: Viewer, Path(id): Path<String>) -> PageResult {
    employer_page(&v, &id, Vec::new()).await
}

#[derive(Deserialize)]
pub(crate) struct WorkplaceForm {
    #[serde(default)]
    employer_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    address: String,
}

pub(crate) async fn workplace_create(
    v: Viewer,
    Posted { data, csrf }: Posted<WorkplaceForm>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let access = v.access();
    let employer = data.employer_id.clone();
    match access
        .employers()
        .create_workplace(WorkplaceInput {
            employer_id: data.employer_id,
            name: data.name,
            address: data.address,
        })
        .await
    {
        Ok(id) => Ok(see_other(&format!("/workplaces/{id}"))),
        Err(e) => {
            let errors = form_errors(&v.ctx.tr, e)?;
            unprocessable(employer_page(&v, &employer, errors).await)
        }
    }
}

pub struct LinkRow {
    employer_id: String,
    name: String,
    role: String,
    contracted_by: String,
    agreement: String,
}

#[derive(Template)]
#[template(path = "labour_workplace.html")]
pub(crate) struct WorkplacePage {
    l: Layout,
    id: String,
    name: String,
    address: String,
    employer_id: String,
    employer_name: String,
    chain: Vec<LinkRow>,
    employers: Vec<(String, String)>,
    roles: Vec<(String, String)>,
    errors: Vec<String>,
    may_inspect: bool,
}

pub(crate) async fn workplace_page(v: &Viewer, id: &str, errors: Vec<String>) -> PageResult {
    let p = v.session.principal();
    let access = v.access();
    let w = access.employers().get_workplace(id).await?;
    let employers = access.employers().list_employers().await?;
    let tr = &v.ctx.tr;
    html(&WorkplacePage {
        l: layout(&v.ctx, w.name.clone(), "/inspections"),
        id: w.id,
        name: w.name,
        address: w.address,
        employer_id: w.employer_id,
        employer_name: w.employer_name,
        chain: w
            .chain
            .into_iter()
            .map(|c| LinkRow {
                employer_id: c.employer_id,
                name: c.employer_name,
                role: label(tr, "role", &c.role),
                contracted_by: c.contracted_by_name.unwrap_or_default(),
                agreement: c.collective_agreement,
            })
            .collect(),
        employers: employers
            .into_iter()
            .map(|e| (e.id, e.legal_name))
            .collect(),
        roles: options(tr, "role", CHAIN_ROLES),
        errors,
        may_inspect: p.may(Action::InspectionManage),
    })
}

pub(crate) async fn workplace_view(v: Viewer, Path(id): Path<String>) -> PageResult {
    workplace_page(&v, &id, Vec::new()).await
}

#[derive(Deserialize)]
pub(crate) struct ChainForm {
    #[serde(default)]
    employer_id: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    contracted_by: String,
    #[serde(default)]
    collective_agreement: String,
}

impl ChainForm {
    fn input(self) -> ChainLinkInput {
        ChainLinkInput {
            employer_id: self.employer_id,
            role: self.role,
            contracted_by: opt(&self.contracted_by),
            collective_agreement: self.collective_agreement,
        }
    }
}

pub(crate) async fn workplace_chain(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Posted<ChainForm>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let access = v.access();
    match access.employers().set_chain_link(&id, data.input()).await {
        Ok(()) => Ok(see_other(&format!("/workplaces/{id}"))),
        Err(e) => {
            let errors = form_errors(&v.ctx.tr, e)?;
            unprocessable(workplace_page(&v, &id, errors).await)
        }
    }
}
