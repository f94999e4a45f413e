//! The organisation directory: searching it, and editing one's own entry.

use ally_core::authz::Action;
use ally_core::protection::ServiceKind;
use ally_store::protection::DirectoryEntry;
use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;

use super::common::{Body, Form, Refused, label, opts, refusal_message};
use crate::ctx::{Posted, Viewer};
use crate::layout::{Layout, PageResult, html, layout, see_other};

#[derive(Deserialize)]
pub(crate) struct DirQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    service: String,
}

#[derive(Template)]
#[template(path = "protection_directory.html")]
struct DirectoryPage {
    l: Layout,
    q: String,
    service: String,
    services: Vec<(String, String)>,
    entries: Vec<(DirectoryEntry, String)>,
    mine: Option<DirectoryEntry>,
    may_manage: bool,
    error: Option<String>,
}

async fn directory_page(v: &Viewer, q: DirQuery, error: Option<String>) -> PageResult {
    let p = v.session.principal();
    let access = v.access();
    let service = ServiceKind::parse(&q.service);
    let query: String = q.q.trim().chars().take(100).collect();
    let entries = access
        .service_directory()
        .directory_entries(&query, service)
        .await?;
    let mine = if p.may(Action::DirectoryManage) {
        access
            .service_directory()
            .directory_entries("", None)
            .await?
            .into_iter()
            .find(|e| e.org_id == p.org_id.to_string())
    } else {
        None
    };
    let tr = &v.ctx.tr;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    html(&DirectoryPage {
        l: layout(&v.ctx, tr.t("prot-directory-title"), "/cases"),
        q: query,
        service: service.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        services: opts(tr, "prot-service", ServiceKind::ALL, ServiceKind::as_str),
        entries: entries
            .into_iter()
            .map(|e| {
                let services = e
                    .services
                    .iter()
                    .map(|s| label(tr, "prot-service", s))
                    .collect::<Vec<_>>()
                    .join(", ");
                (e, services)
            })
            .collect(),
        mine,
        may_manage: p.may(Action::DirectoryManage),
        error,
    })
    .map(|r| (status, r).into_response())
}

pub(crate) async fn directory(v: Viewer, Query(q): Query<DirQuery>) -> PageResult {
    directory_page(&v, q, None).await
}

pub(crate) async fn directory_update(v: Viewer, Posted { data, csrf }: Body) -> PageResult {
    v.check_csrf(&csrf)?;
    let f = Form(data);
    let access = v.access();
    let attempt = async {
        let entry = DirectoryEntry {
            services: f.all("services").into_iter().map(str::to_owned).collect(),
            regions: f.text("regions", 500)?,
            languages: f.text("languages", 500)?,
            opening_hours: f.text("opening_hours", 500)?,
            capacity: f.text("capacity", 500)?,
            contact: f.text("contact", 500)?,
            ..Default::default()
        };
        access
            .service_directory()
            .update_directory_entry(entry)
            .await?;
        Ok::<(), Refused>(())
    };
    match attempt.await {
        Ok(()) => Ok(see_other("/directory")),
        Err(Refused::Page(e)) => Err(e),
        Err(Refused::Field(b)) => {
            let msg = refusal_message(&v.ctx.tr, b);
            directory_page(
                &v,
                DirQuery {
                    q: String::new(),
                    service: String::new(),
                },
                Some(msg),
            )
            .await
        }
    }
}
