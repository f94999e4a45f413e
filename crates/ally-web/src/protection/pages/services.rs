//! Forms about services and the case plan: adding a service request or a task, changing
//! them (the lead, or the provider that accepted the referral of that service).

use ally_core::protection::{CaseId, ServiceKind, ServiceStatus};
use ally_store::protection::{NewService, ServiceChange, TaskChange};
use axum::extract::Path;

use super::case_view::{begin, finish, finish_record};
use super::common::{Body, Form, Refused};
use crate::ctx::{Posted, Viewer};
use crate::layout::PageResult;

pub(crate) async fn service_add(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Body,
) -> PageResult {
    let f = Form(data);
    let id = begin(&v, &id, &csrf)?;
    let a = v.access();
    let r: Result<(), Refused> = async {
        let provider = match f.get("provider_org") {
            "" => None,
            s => Some(s.parse().map_err(|_| ("provider_org", "invalid"))?),
        };
        a.services()
            .add_service(
                id,
                NewService {
                    kind: f.code("kind", ServiceKind::parse)?,
                    provider_org: provider,
                    start_on: f.date("start_on")?,
                    end_on: f.date("end_on")?,
                    status: f.code("status", ServiceStatus::parse)?,
                    outcome: f.text("outcome", 2000)?,
                },
            )
            .await?;
        Ok(())
    }
    .await;
    finish(&v, id, r).await
}

pub(crate) async fn task_add(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Body,
) -> PageResult {
    let f = Form(data);
    let id = begin(&v, &id, &csrf)?;
    let a = v.access();
    let r: Result<(), Refused> = async {
        let assignee = match f.get("assignee") {
            "" => None,
            s => Some(s.parse().map_err(|_| ("assignee", "invalid"))?),
        };
        a.services()
            .add_task(id, &f.text("task", 1000)?, assignee, f.date("due_on")?)
            .await?;
        Ok(())
    }
    .await;
    finish(&v, id, r).await
}

/// Changes a service request (status, its date, outcome): the lead, or the provider that
/// accepted the referral of this service.
pub(crate) async fn service_update(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Body,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let f = Form(data);
    let a = v.access();
    let r: Result<CaseId, Refused> = async {
        let outcome = f.text("outcome", 2000)?;
        let change = ServiceChange {
            status: f.code("status", ServiceStatus::parse)?,
            on: f.date("on")?,
            outcome: (!outcome.is_empty()).then_some(outcome),
        };
        Ok(a.services().update_service(&id, change).await?)
    }
    .await;
    finish_record(&v, f.get("case"), r).await
}

/// Changes a plan task: done, assignee, due date (fields left out stay as they are).
pub(crate) async fn task_update(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Body,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let f = Form(data);
    let a = v.access();
    let has = |k: &str| f.0.iter().any(|(n, _)| n == k);
    let r: Result<CaseId, Refused> = async {
        let change = TaskChange {
            done: if has("done") {
                Some(f.flag("done"))
            } else if has("edit") {
                // The edit form's unchecked box sends nothing: not done.
                Some(false)
            } else {
                None
            },
            assignee: if has("assignee") {
                Some(match f.get("assignee") {
                    "" => None,
                    s => Some(s.parse().map_err(|_| ("assignee", "invalid"))?),
                })
            } else {
                None
            },
            due_on: if has("due_on") {
                Some(f.date("due_on")?)
            } else {
                None
            },
        };
        Ok(a.services().update_task(&id, change).await?)
    }
    .await;
    finish_record(&v, f.get("case"), r).await
}
