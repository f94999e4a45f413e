//! Forms about consent: recording a consent (or a legal basis) and withdrawing one.

use ally_core::protection::{ConsentPurpose, LegalBasis};
use ally_store::protection::{NewConsent, NewLegalBasis};
use axum::extract::Path;

use super::case_view::{begin, finish};
use super::common::{Bad, Body, Form, Refused};
use crate::ctx::{Posted, Viewer};
use crate::error::{Failure, PageError};
use crate::layout::{PageResult, see_other};

pub(crate) async fn consent_add(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Body,
) -> PageResult {
    let f = Form(data);
    let id = begin(&v, &id, &csrf)?;
    let a = v.access();
    let r: Result<(), Refused> = async {
        if f.get("kind") == "legal_basis" {
            a.consents()
                .record_legal_basis(
                    id,
                    NewLegalBasis {
                        basis: f.code("basis", LegalBasis::parse)?,
                        recipients: f.orgs("recipients")?,
                        scope: f.groups("scope")?,
                        reference: f.text("reference", 500)?,
                        valid_until: f.date("valid_until")?,
                    },
                )
                .await?;
            return Ok(());
        }
        let guardian_name = f.text("guardian_name", 200)?;
        let guardian = (!guardian_name.is_empty())
            .then(|| Ok::<_, Bad>((guardian_name, f.text("guardian_relationship", 100)?)))
            .transpose()?;
        a.consents()
            .record_consent(
                id,
                NewConsent {
                    purpose: f.code("purpose", ConsentPurpose::parse)?,
                    recipients: f.orgs("recipients")?,
                    scope: f.groups("scope")?,
                    language: f.text("language", 20)?,
                    given: match f.get("decision") {
                        "given" => true,
                        "refused" => false,
                        _ => return Err(("decision", "required").into()),
                    },
                    date: f.date("date")?,
                    valid_until: f.date("valid_until")?,
                    guardian,
                },
            )
            .await?;
        Ok(())
    }
    .await;
    finish(&v, id, r).await
}

pub(crate) async fn consent_withdraw(
    v: Viewer,
    Path(id): Path<String>,
    Posted { csrf, .. }: Posted<Vec<(String, String)>>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let id: ally_core::protection::ConsentId =
        id.parse().map_err(|_| PageError::new(Failure::NotFound))?;
    let access = v.access();
    let (case, _) = access.consents().withdraw_consent(id).await?;
    Ok(see_other(&format!("/cases/{case}")))
}
