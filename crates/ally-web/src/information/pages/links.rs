//! Suggested and decided links between entities, as shown on report and entity pages, and the
//! analyst's decision on one.

use ally_store::{EntityView, LinkStatus};
use axum::extract::Path;
use serde::Deserialize;
use uuid::Uuid;

use crate::ctx::{Posted, Viewer};
use crate::error::{Failure, PageError};
use crate::i18n::Tr;
use crate::layout::{PageResult, see_other};

use crate::information::common::{EntityItem, entity_item, label, parse_uuid};

pub struct LinkItem {
    pub(crate) id: Uuid,
    pub(crate) this: EntityItem,
    pub(crate) other: EntityItem,
    pub(crate) status: String,
    pub(crate) pending: bool,
    pub(crate) method: String,
    pub(crate) score: String,
    pub(crate) contributions: Vec<(String, String)>,
}

pub(crate) fn link_items(
    tr: &Tr,
    links: Vec<(ally_store::LinkView, EntityView, EntityView)>,
) -> Vec<LinkItem> {
    links
        .into_iter()
        .map(|(l, this, other)| LinkItem {
            id: l.id,
            this: entity_item(tr, &this),
            other: entity_item(tr, &other),
            status: label(tr, "link", l.status.as_str()),
            pending: l.status == LinkStatus::Suggested,
            method: label(tr, "method", &l.method),
            score: format!("{:.1} %", l.score as f64 / 10.0),
            contributions: l
                .contributions
                .iter()
                .map(|(f, w)| (label(tr, "cmp", f), format!("{w:+.2}")))
                .collect(),
        })
        .collect()
}

#[derive(Deserialize)]
pub(crate) struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    back: String,
}

pub(crate) async fn link_decide(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Posted<DecisionForm>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let id = parse_uuid(&id)?;
    let confirm = match data.decision.as_str() {
        "confirm" => true,
        "reject" => false,
        _ => return Err(PageError::new(Failure::BadRequest)),
    };
    v.access().links().decide_link(id, confirm).await?;
    Ok(see_other(
        crate::ctx::local_path(&data.back).unwrap_or("/reports"),
    ))
}
