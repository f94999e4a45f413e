//! The audit log page: the organisation's events, newest first, filtered by user, record and
//! action, a hundred at a time.

use ally_store::AuditFilter;
use askama::Template;
use axum::extract::Query;
use serde::Deserialize;

use crate::ctx::Viewer;
use crate::layout::{Layout, PageResult, fmt_ms, html, layout};

pub struct AuditRow {
    seq: i64,
    when: String,
    actor: String,
    action: String,
    target: String,
    outcome: String,
    client: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    l: Layout,
    users: Vec<(String, String, bool)>,
    record: String,
    action: String,
    actions: Vec<&'static str>,
    events: Vec<AuditRow>,
    older: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct AuditQueryForm {
    #[serde(default)]
    user: String,
    #[serde(default)]
    record: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    before: Option<i64>,
}

const AUDIT_ACTIONS: &[&str] = &[
    "auth.sign_in",
    "auth.second_factor",
    "auth.second_factor_enrol",
    "auth.sign_out",
    "auth.sign_out_everywhere",
    "auth.password_change",
    "person.create",
    "person.read",
    "person.update",
    "person.list",
    "person.search",
    "user.create",
    "user.disable",
    "user.enable",
    "user.roles",
    "token.create",
    "token.revoke",
    "config.second_factor",
    "audit.read",
];

pub(crate) async fn audit(v: Viewer, Query(q): Query<AuditQueryForm>) -> PageResult {
    let access = v.access();
    let clean = |s: &str| -> Option<String> {
        let s: String = s.trim().chars().take(64).collect();
        (!s.is_empty()).then_some(s)
    };
    let filter = AuditFilter {
        actor_user: clean(&q.user),
        target_id: clean(&q.record),
        action: clean(&q.action),
        before_seq: q.before,
    };
    let (events, names) = access
        .audit_log()
        .audit_events_with_names(filter, 100)
        .await?;
    let name_of = |id: &Option<String>| -> String {
        match id {
            None => v.ctx.tr.t("audit-operator"),
            Some(id) => names
                .iter()
                .find(|(i, _)| i == id)
                .map_or_else(|| id.chars().take(8).collect(), |(_, n)| n.clone()),
        }
    };
    let older = events.last().filter(|_| events.len() == 100).map(|e| {
        let mut pairs = vec![("before", e.seq.to_string())];
        for (k, val) in [
            ("user", &q.user),
            ("record", &q.record),
            ("action", &q.action),
        ] {
            if !val.is_empty() {
                pairs.push((k, val.clone()));
            }
        }
        format!(
            "/audit?{}",
            serde_urlencoded::to_string(pairs).unwrap_or_default()
        )
    });
    let rows = events
        .iter()
        .map(|e| AuditRow {
            seq: e.seq,
            when: fmt_ms(e.event.at_ms),
            actor: name_of(&e.event.actor_user),
            action: e.event.action.clone(),
            target: match (&e.event.target_kind, &e.event.target_id) {
                (Some(k), Some(id)) => format!("{k} {id}"),
                _ => String::new(),
            },
            outcome: v
                .ctx
                .tr
                .t(&format!("audit-outcome-{}", e.event.outcome.as_str())),
            client: e.event.client.clone().unwrap_or_default(),
        })
        .collect();
    html(&AuditPage {
        l: layout(&v.ctx, v.ctx.tr.t("audit-title"), "/audit"),
        users: names
            .iter()
            .map(|(id, n)| (id.clone(), n.clone(), *id == q.user))
            .collect(),
        record: q.record.chars().take(64).collect(),
        action: q.action.chars().take(64).collect(),
        actions: AUDIT_ACTIONS.to_vec(),
        events: rows,
        older,
    })
}
