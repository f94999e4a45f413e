//! Entity pages: one entity with its reports, links and graph, its distribution and the link
//! of a possible victim to a protection case.

use ally_core::OrgId;
use ally_core::authz::Action;
use ally_core::information::{Distribution, EntityRole};
use ally_core::person::FieldError;
use ally_store::{LinkStatus, StoreError};
use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use uuid::Uuid;

use crate::ctx::{Posted, Viewer};
use crate::error::{Failure, PageError};
use crate::layout::{Layout, PageResult, fmt_ms, html, layout, see_other};

use crate::information::common::{
    Choices, EntityItem, SummaryItem, choices, entity_item, field_messages, items, label,
    parse_uuid,
};
use crate::information::pages::links::{LinkItem, link_items};

pub struct Node {
    x: i64,
    y: i64,
    label: String,
    href: String,
    class: &'static str,
}

#[derive(Template)]
#[template(path = "information_entity.html")]
pub(crate) struct EntityPageT {
    l: Layout,
    id: Uuid,
    e: EntityItem,
    distribution: String,
    dist_code: String,
    reports: Vec<SummaryItem>,
    links: Vec<LinkItem>,
    nodes: Vec<Node>,
    back: String,
    may_link: bool,
    may_triage: bool,
    c: Choices,
    /// Other organisations, and whether the entity names them.
    partners: Vec<(OrgId, String, bool)>,
    /// A possible victim's entity, shown to someone who may link it to a protection case.
    victim: bool,
    victim_case: String,
    may_access_request: bool,
    message: Option<String>,
}

pub(crate) async fn entity_view(v: Viewer, Path(id): Path<String>) -> PageResult {
    let id = parse_uuid(&id)?;
    entity_page(&v, id, None).await
}

pub(crate) async fn entity_page(v: &Viewer, id: Uuid, message: Option<String>) -> PageResult {
    let p = v.session.principal();
    let access = v.access();
    let page = access.entities().get_entity(id).await?;
    let own = page.entity.org_id == p.org_id;
    let partners = if own && p.may(Action::ReportTriage) {
        access
            .organisations()
            .directory()
            .await?
            .into_iter()
            .filter(|o| o.id != p.org_id)
            .map(|o| (o.id, o.name, page.shared_with.contains(&o.id)))
            .collect()
    } else {
        Vec::new()
    };
    let tr = &v.ctx.tr;
    let e = entity_item(tr, &page.entity);
    // The network view: this entity in the centre, its reports and linked entities around it.
    let mut nodes = Vec::new();
    let around: Vec<(String, String, &'static str)> = page
        .reports
        .iter()
        .map(|r| {
            (
                format!("{} {}", tr.t("info-report-short"), fmt_ms(r.created_at_ms)),
                format!("/reports/{}", r.id),
                "report",
            )
        })
        .chain(
            page.links
                .iter()
                .filter(|(l, _)| l.status != LinkStatus::Rejected)
                .map(|(l, o)| {
                    (
                        o.value
                            .clone()
                            .unwrap_or_else(|| tr.t("info-withheld-short")),
                        format!("/entities/{}", o.id),
                        if l.status == LinkStatus::Confirmed {
                            "confirmed"
                        } else {
                            "suggested"
                        },
                    )
                }),
        )
        .take(16)
        .collect();
    let n = around.len().max(1) as f64;
    for (i, (label, href, class)) in around.into_iter().enumerate() {
        let a = std::f64::consts::TAU * i as f64 / n;
        nodes.push(Node {
            x: (160.0 + 120.0 * a.cos()).round() as i64,
            y: (140.0 + 100.0 * a.sin()).round() as i64,
            label: label.chars().take(24).collect(),
            href,
            class,
        });
    }
    let links = page
        .links
        .iter()
        .map(|(l, o)| (l.clone(), page.entity.clone(), o.clone()))
        .collect();
    let is_victim = page.entity.role == EntityRole::PossibleVictim;
    html(&EntityPageT {
        l: layout(&v.ctx, tr.t("info-entity-title"), "/reports"),
        id,
        distribution: label(tr, "dist", page.entity.distribution.as_str()),
        dist_code: page.entity.distribution.as_str().to_owned(),
        e,
        reports: items(tr, page.reports),
        links: link_items(tr, links),
        nodes,
        back: format!("/entities/{id}"),
        may_link: p.may(Action::EntityLink) && own,
        may_triage: own && p.may(Action::ReportTriage),
        c: choices(tr),
        partners,
        victim: own && is_victim && p.may(Action::CaseRead),
        victim_case: page.victim_case.map(|c| c.to_string()).unwrap_or_default(),
        may_access_request: own && page.entity.suspect && p.may(Action::SuspectRead),
        message,
    })
}

pub(crate) async fn entity_distribution(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Posted<Vec<(String, String)>>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let id = parse_uuid(&id)?;
    let level = data
        .iter()
        .find(|(k, _)| k == "distribution")
        .and_then(|(_, v)| Distribution::parse(v))
        .ok_or(PageError::new(Failure::BadRequest))?;
    let mut partners = Vec::new();
    for (k, val) in &data {
        if k == "partner" {
            partners.push(
                val.parse::<OrgId>()
                    .map_err(|_| PageError::new(Failure::BadRequest))?,
            );
        }
    }
    let access = v.access();
    match access
        .distribution()
        .set_entity_distribution(id, level, partners)
        .await
    {
        Ok(()) => Ok(see_other(&format!("/entities/{id}"))),
        Err(StoreError::Invalid(errors)) => {
            let msg = field_messages(&v.ctx.tr, &errors).join(" ");
            entity_page(&v, id, Some(msg))
                .await
                .map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub(crate) struct VictimCaseForm {
    /// The protection case's id; empty to remove the link.
    #[serde(default)]
    case: String,
}

/// Links a possible victim's entity to the protection case holding the victim's consent (or
/// removes the link, which ends any sharing at once).
pub(crate) async fn entity_victim_case(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Posted<VictimCaseForm>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let id = parse_uuid(&id)?;
    let access = v.access();
    let case = data.case.trim();
    let done = if case.is_empty() {
        access.entities().unlink_victim_case(id).await
    } else {
        match case.parse::<ally_core::protection::CaseId>() {
            Ok(c) => access.entities().link_victim_case(id, c).await,
            Err(_) => Err(StoreError::Invalid(vec![FieldError {
                field: "case",
                code: "invalid",
            }])),
        }
    };
    match done {
        Ok(()) => Ok(see_other(&format!("/entities/{id}"))),
        Err(StoreError::Invalid(errors)) => {
            let msg = field_messages(&v.ctx.tr, &errors).join(" ");
            entity_page(&v, id, Some(msg))
                .await
                .map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
