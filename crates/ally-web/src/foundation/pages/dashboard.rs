//! The dashboard: a greeting and a card for each area the signed-in user may open.

use ally_core::authz::Action;
use askama::Template;

use crate::ctx::Viewer;
use crate::layout::{Layout, PageResult, html, layout};

pub struct Card {
    href: &'static str,
    label: String,
    help: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    l: Layout,
    greeting: String,
    cards: Vec<Card>,
}

pub(crate) async fn dashboard(v: Viewer) -> PageResult {
    let p = v.session.principal();
    let tr = &v.ctx.tr;
    let mut cards = Vec::new();
    let mut add = |href, key: &str, show: bool| {
        if show {
            cards.push(Card {
                href,
                label: tr.t(key),
                help: tr.t(&format!("{key}-help")),
            });
        }
    };
    add("/persons", "card-persons", p.may(Action::PersonList));
    add(
        "/persons/new",
        "card-new-person",
        p.may(Action::PersonCreate),
    );
    add("/users", "card-users", p.may(Action::UserList));
    add("/audit", "card-audit", p.may(Action::AuditRead));
    add("/organisation", "card-organisation", p.may(Action::OrgRead));
    add("/account", "card-account", true);
    html(&DashboardPage {
        l: layout(&v.ctx, tr.t("dashboard-title"), "/dashboard"),
        greeting: tr.t1("dashboard-greeting", "name", &v.session.display_name),
        cards,
    })
}
