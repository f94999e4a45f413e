//! "My deadlines": the dates of the cases the user works on, soonest first.

use askama::Template;

use super::common::label;
use super::rows::Row;
use crate::ctx::Viewer;
use crate::layout::{Layout, PageResult, html, layout};

#[derive(Template)]
#[template(path = "protection_deadlines.html")]
struct DeadlinesPage {
    l: Layout,
    rows: Vec<Row>,
}

pub(crate) async fn deadlines(v: Viewer) -> PageResult {
    let access = v.access();
    let items = access.deadlines().my_deadlines(200).await?;
    let tr = &v.ctx.tr;
    html(&DeadlinesPage {
        l: layout(&v.ctx, tr.t("prot-deadlines-title"), "/cases"),
        rows: items
            .into_iter()
            .map(|d| Row {
                cells: vec![
                    d.due_on.clone(),
                    label(tr, "prot-deadline", &d.kind),
                    if d.days_left < 0 {
                        tr.t1("prot-overdue", "days", -d.days_left)
                    } else {
                        tr.t1("prot-days-left", "days", d.days_left)
                    },
                ],
                id: d.case_id.to_string(),
                flag: d.expulsion_sensitive,
            })
            .collect(),
    })
}
