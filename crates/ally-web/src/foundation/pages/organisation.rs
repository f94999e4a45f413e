//! The organisation page: its kind, its second-factor rule (and the switch for it) and the
//! directory of the organisations in its networks.

use ally_core::authz::Action;
use ally_core::org::OrgKind;
use askama::Template;
use serde::Deserialize;

use crate::ctx::{Posted, Viewer};
use crate::error::{Failure, PageError};
use crate::i18n::Tr;
use crate::layout::{Layout, PageResult, html, layout, see_other};

fn org_kind_label(tr: &Tr, k: OrgKind) -> String {
    tr.t(&format!("org-kind-{}", k.as_str()))
}

#[derive(Template)]
#[template(path = "organisation.html")]
struct OrganisationPage {
    l: Layout,
    org_name: String,
    org_kind: String,
    second_factor_required: bool,
    second_factor_status: String,
    may_manage: bool,
    directory: Vec<(String, String)>,
}

pub(crate) async fn organisation(v: Viewer) -> PageResult {
    let p = v.session.principal();
    let access = v.access();
    let org = access.organisations().organisation().await?;
    let directory = access.organisations().directory().await?;
    let tr = &v.ctx.tr;
    html(&OrganisationPage {
        l: layout(&v.ctx, org.name.clone(), "/organisation"),
        org_kind: org_kind_label(tr, org.kind),
        second_factor_status: tr.t(if org.require_second_factor {
            "org-second-factor-on"
        } else {
            "org-second-factor-off"
        }),
        second_factor_required: org.require_second_factor,
        may_manage: p.may(Action::OrgManage),
        directory: directory
            .into_iter()
            .map(|o| (o.name, org_kind_label(tr, o.kind)))
            .collect(),
        org_name: org.name,
    })
}

#[derive(Deserialize)]
pub(crate) struct RequiredForm {
    #[serde(default)]
    required: String,
}

pub(crate) async fn organisation_second_factor(
    v: Viewer,
    Posted { data, csrf }: Posted<RequiredForm>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let required = match data.required.as_str() {
        "true" => true,
        "false" => false,
        _ => return Err(PageError::new(Failure::BadRequest)),
    };
    v.access()
        .organisations()
        .set_second_factor_required(required)
        .await?;
    Ok(see_other("/organisation"))
}
