//! Forms about the judicial and immigration records of a case: proceedings and their
//! stages, court dates, residence permits, compensation claims.

use ally_core::protection::{ProceedingsOutcome, ProceedingsStage, VictimRole};
use ally_store::protection::{CompensationRecord, PermitRecord};
use axum::extract::Path;

use super::case_view::{begin, finish};
use super::common::{Body, Form, Refused};
use crate::ctx::{Posted, Viewer};
use crate::layout::PageResult;

pub(crate) async fn proceedings_add(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Body,
) -> PageResult {
    let f = Form(data);
    let id = begin(&v, &id, &csrf)?;
    let a = v.access();
    let r: Result<(), Refused> = async {
        a.judicial()
            .add_proceedings(
                id,
                f.code("stage", ProceedingsStage::parse)?,
                f.code("victim_role", VictimRole::parse)?,
                f.req_date("opened_on")?,
                &f.text("notes", 4000)?,
            )
            .await?;
        Ok(())
    }
    .await;
    finish(&v, id, r).await
}

pub(crate) async fn proceedings_advance(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Body,
) -> PageResult {
    let f = Form(data);
    let id = begin(&v, &id, &csrf)?;
    let a = v.access();
    let r: Result<(), Refused> = async {
        let outcome = match f.get("outcome") {
            "" => None,
            o => Some(ProceedingsOutcome::parse(o).ok_or(("outcome", "invalid"))?),
        };
        a.judicial()
            .advance_proceedings(
                id,
                f.get("proceedings"),
                f.code("stage", ProceedingsStage::parse)?,
                outcome,
            )
            .await?;
        Ok(())
    }
    .await;
    finish(&v, id, r).await
}

pub(crate) async fn court_date_add(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Body,
) -> PageResult {
    let f = Form(data);
    let id = begin(&v, &id, &csrf)?;
    let a = v.access();
    let r: Result<(), Refused> = async {
        a.judicial()
            .add_court_date(
                id,
                f.req_date("on")?,
                f.flag("accompanied"),
                &f.text("note", 2000)?,
            )
            .await?;
        Ok(())
    }
    .await;
    finish(&v, id, r).await
}

pub(crate) async fn permit_add(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Body,
) -> PageResult {
    let f = Form(data);
    let id = begin(&v, &id, &csrf)?;
    let a = v.access();
    let r: Result<(), Refused> = async {
        a.judicial()
            .add_permit(
                id,
                PermitRecord {
                    id: String::new(),
                    applied_on: f.req_date("applied_on")?,
                    renewal: f.flag("renewal"),
                    decision: f.text("decision", 20)?,
                    decided_on: f.date("decided_on")?,
                    expires_on: f.date("expires_on")?,
                },
            )
            .await?;
        Ok(())
    }
    .await;
    finish(&v, id, r).await
}

pub(crate) async fn compensation_add(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Body,
) -> PageResult {
    let f = Form(data);
    let id = begin(&v, &id, &csrf)?;
    let a = v.access();
    let r: Result<(), Refused> = async {
        a.judicial()
            .add_compensation(
                id,
                CompensationRecord {
                    id: String::new(),
                    currency: f.text("currency", 3)?,
                    claimed: f.text("claimed", 20)?,
                    awarded: Some(f.text("awarded", 20)?),
                    received: f.text("received", 20)?,
                    filed_on: f.req_date("filed_on")?,
                },
            )
            .await?;
        Ok(())
    }
    .await;
    finish(&v, id, r).await
}
