//! Operation packages for a law-enforcement liaison: list, the export form, one package with
//! its manifest, and its downloads (JSON as stored, HTML rendered by [`package`](crate::information::package)).

use ally_core::OrgId;
use ally_core::authz::Action;
use ally_core::information::EntityRole;
use ally_core::person::FieldError;
use ally_store::{OperationRequest, StoreError};
use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::information::package::package_html;

use crate::ctx::{Posted, Viewer};
use crate::error::{Failure, PageError};
use crate::layout::{Layout, PageResult, fmt_ms, html, layout, see_other};

use crate::information::common::{
    EntityItem, download, entity_item, field_messages, label, parse_uuid,
};

#[derive(Template)]
#[template(path = "information_operations.html")]
pub(crate) struct OperationsPage {
    l: Layout,
    items: Vec<(Uuid, String, bool)>,
}

pub(crate) async fn operations(v: Viewer) -> PageResult {
    let p = v.session.principal();
    let list = v.access().operations().list_operations().await?;
    let tr = &v.ctx.tr;
    html(&OperationsPage {
        l: layout(&v.ctx, tr.t("info-operations-title"), "/reports"),
        items: list
            .into_iter()
            .map(|o| (o.id, fmt_ms(o.created_at_ms), o.org_id == p.org_id))
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "information_operation_form.html")]
pub(crate) struct OperationFormPage {
    l: Layout,
    liaisons: Vec<(OrgId, String)>,
    reports: Vec<(Uuid, String, bool)>,
    entities: Vec<(Uuid, EntityItem, bool)>,
    reason: String,
    errors: Vec<String>,
}

#[derive(Deserialize)]
pub(crate) struct NewOperationQuery {
    #[serde(default)]
    report: String,
}

pub(crate) async fn operation_form(
    v: &Viewer,
    selected_reports: &[Uuid],
    selected_entities: &[Uuid],
    reason: String,
    errors: Vec<String>,
) -> PageResult {
    let p = v.session.principal();
    let access = v.access();
    let liaisons = access.operations().police_liaisons().await?;
    let tr = &v.ctx.tr;
    let mut reports = Vec::new();
    let mut entities = Vec::new();
    for id in selected_reports {
        let r = access.reports().get_report(*id).await?;
        if r.org_id != p.org_id {
            return Err(PageError::new(Failure::NotFound));
        }
        reports.push((r.id, r.text.what.chars().take(90).collect(), true));
        for e in &r.entities {
            if !entities.iter().any(|(id, _, _)| *id == e.id) {
                entities.push((
                    e.id,
                    entity_item(tr, e),
                    selected_entities.contains(&e.id)
                        || (selected_entities.is_empty() && e.role != EntityRole::PossibleVictim),
                ));
            }
        }
    }
    html(&OperationFormPage {
        l: layout(&v.ctx, tr.t("info-operation-new"), "/reports"),
        liaisons,
        reports,
        entities,
        reason,
        errors,
    })
}

pub(crate) async fn operation_new(v: Viewer, Query(q): Query<NewOperationQuery>) -> PageResult {
    v.access().require(Action::OperationExport).await?;
    let selected: Vec<Uuid> = q.report.parse().ok().into_iter().collect();
    operation_form(&v, &selected, &[], String::new(), Vec::new()).await
}

pub(crate) async fn operation_create(
    v: Viewer,
    Posted { data, csrf }: Posted<Vec<(String, String)>>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let access = v.access();
    access.require(Action::OperationExport).await?;
    let bad = || PageError::new(Failure::BadRequest);
    let mut reports = Vec::new();
    let mut entities = Vec::new();
    let mut to = None;
    let mut reason = String::new();
    for (k, val) in &data {
        match k.as_str() {
            "report" => reports.push(val.parse::<Uuid>().map_err(|_| bad())?),
            "entity" => entities.push(val.parse::<Uuid>().map_err(|_| bad())?),
            "to_org" => to = Some(val.parse::<OrgId>().map_err(|_| bad())?),
            "reason" => reason = val.clone(),
            _ => {}
        }
    }
    let Some(to_org) = to else {
        let msgs = field_messages(
            &v.ctx.tr,
            &[FieldError {
                field: "to_org",
                code: "required",
            }],
        );
        return operation_form(&v, &reports, &entities, reason, msgs)
            .await
            .map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response());
    };
    let req = OperationRequest {
        to_org,
        reason: reason.clone(),
        reports: reports.clone(),
        entities: entities.clone(),
    };
    match access.operations().export_operation(req).await {
        Ok(id) => Ok(see_other(&format!("/operations/{id}"))),
        Err(StoreError::Invalid(errors)) => {
            let msgs = field_messages(&v.ctx.tr, &errors);
            operation_form(&v, &reports, &entities, reason, msgs)
                .await
                .map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "information_operation.html")]
pub(crate) struct OperationPage {
    l: Layout,
    id: Uuid,
    from: String,
    to: String,
    reason: String,
    created: String,
    reports: Vec<(String, String, String, String)>,
    entities: Vec<(String, String, String)>,
    timeline: Vec<(String, String)>,
    manifest: Vec<(String, String)>,
    verified: bool,
}

pub(crate) async fn operation_view(v: Viewer, Path(id): Path<String>) -> PageResult {
    let id = parse_uuid(&id)?;
    let pkg = v.access().operations().get_operation(id).await?;
    let doc: serde_json::Value =
        serde_json::from_str(&pkg.json).map_err(|_| PageError::new(Failure::Internal))?;
    let s = |v: &serde_json::Value| match v {
        serde_json::Value::String(x) => x.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    let tr = &v.ctx.tr;
    html(&OperationPage {
        l: layout(&v.ctx, tr.t("info-operation-title"), "/reports"),
        id,
        from: s(&doc["from"]["name"]),
        to: s(&doc["to"]["name"]),
        reason: s(&doc["reason"]),
        created: fmt_ms(pkg.created_at_ms),
        reports: doc["reports"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| {
                (
                    s(&r["observed_on"]),
                    s(&r["place"]),
                    label(tr, "expl", &s(&r["exploitation"])),
                    s(&r["what"]),
                )
            })
            .collect(),
        entities: doc["entities"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                (
                    label(tr, "kind", &s(&e["kind"])),
                    label(tr, "role", &s(&e["role"])),
                    s(&e["value"]),
                )
            })
            .collect(),
        timeline: doc["timeline"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| (s(&t["date"]), label(tr, "expl", &s(&t["event"]))))
            .collect(),
        manifest: pkg
            .manifest
            .iter()
            .map(|m| (m.file.clone(), m.sha256.clone()))
            .chain(std::iter::once((
                "package.html".to_owned(),
                // The HTML is rendered here from the package's document, deterministically:
                // its hash is the same at every download.
                hex::encode(Sha256::digest(package_html(&pkg.document).as_bytes())),
            )))
            .collect(),
        verified: pkg.verified,
    })
}

pub(crate) async fn operation_json(v: Viewer, Path(id): Path<String>) -> PageResult {
    let id = parse_uuid(&id)?;
    let pkg = v.access().operations().get_operation(id).await?;
    Ok(download(
        pkg.json,
        "application/json",
        &format!("operation-{id}.json"),
    ))
}

pub(crate) async fn operation_html(v: Viewer, Path(id): Path<String>) -> PageResult {
    let id = parse_uuid(&id)?;
    let pkg = v.access().operations().get_operation(id).await?;
    Ok(download(
        package_html(&pkg.document),
        "text/html; charset=utf-8",
        &format!("operation-{id}.html"),
    ))
}
