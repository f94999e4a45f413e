//! The case list, opening a case, its lifecycle transitions, caseworkers and linked persons,
//! and the edit page (content and safety plan).

use ally_core::authz::Action;
use ally_core::protection::{CaseAction, CaseActionKind, CaseState, ReflectionPolicy, RiskLevel};
use ally_store::Page;
use ally_store::protection::{CaseContent, NewCase, OpenedCase, SafetyPlan};
use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;

use super::case_view::{begin, finish};
use super::common::{
    Body, Form, Refused, ally_store_d2s, case_id, label, opts, refusal_message, today,
};
use crate::ctx::{Posted, Viewer};
use crate::error::{Failure, PageError};
use crate::layout::{Layout, PageResult, fmt_ms, html, layout, see_other};

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    state: String,
    #[serde(default)]
    offset: i64,
}

pub(crate) struct CaseItem {
    id: String,
    reference: String,
    state: String,
    identified: String,
    reflection_end: String,
    updated: String,
}

#[derive(Template)]
#[template(path = "protection_cases.html")]
struct CasesPage {
    l: Layout,
    items: Vec<CaseItem>,
    states: Vec<(String, String)>,
    state: String,
    may_create: bool,
    next: Option<String>,
    prev: Option<String>,
    retention: Vec<String>,
}

pub(crate) async fn cases(v: Viewer, Query(q): Query<ListQuery>) -> PageResult {
    let p = v.session.principal();
    let access = v.access();
    let state = CaseState::parse(&q.state);
    let page = Page::new(q.offset, 50);
    let items = access.cases().list_cases(state, page).await?;
    let retention = access
        .lifecycle()
        .retention_flags()
        .await?
        .into_iter()
        .map(|f| f.record_id)
        .collect();
    let tr = &v.ctx.tr;
    let full = items.len() as i64 == page.limit;
    let st = state.map(|s| s.as_str()).unwrap_or("");
    html(&CasesPage {
        l: layout(&v.ctx, tr.t("prot-cases-title"), "/cases"),
        items: items
            .into_iter()
            .map(|c| CaseItem {
                id: c.id.to_string(),
                reference: c.reference,
                state: label(tr, "prot-state", &c.state),
                identified: c.identified_on,
                reflection_end: c.reflection_end.unwrap_or_default(),
                updated: fmt_ms(c.updated_at_ms),
            })
            .collect(),
        states: opts(tr, "prot-state", CaseState::ALL, CaseState::as_str),
        state: st.to_owned(),
        may_create: p.may(Action::CaseCreate),
        next: full.then(|| format!("/cases?state={st}&offset={}", page.offset + page.limit)),
        prev: (page.offset > 0).then(|| {
            format!(
                "/cases?state={st}&offset={}",
                (page.offset - page.limit).max(0)
            )
        }),
        retention,
    })
}

#[derive(Deserialize, Default)]
pub(crate) struct NewQuery {
    #[serde(default)]
    interview: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    then: String,
}

#[derive(Template)]
#[template(path = "protection_case_new.html")]
struct NewCasePage {
    l: Layout,
    interview: String,
    person: String,
    then: String,
    reference: String,
    summary: String,
    identified_on: String,
    error: Option<String>,
}

pub(crate) async fn case_new(v: Viewer, Query(q): Query<NewQuery>) -> PageResult {
    v.access().require(Action::CaseCreate).await?;
    let tr = &v.ctx.tr;
    // Only well-formed ids are carried into the form.
    let keep = |s: &str| {
        s.parse::<uuid::Uuid>()
            .map(|u| u.to_string())
            .unwrap_or_default()
    };
    html(&NewCasePage {
        l: layout(&v.ctx, tr.t("prot-new-title"), "/cases"),
        interview: keep(&q.interview),
        person: keep(&q.person),
        then: if q.then == "refer" {
            "refer".into()
        } else {
            String::new()
        },
        reference: String::new(),
        summary: String::new(),
        identified_on: ally_store_d2s(today()),
        error: None,
    })
}

pub(crate) async fn case_create(
    v: Viewer,
    Posted { data, csrf }: Posted<Vec<(String, String)>>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let f = Form(data);
    let access = v.access();
    access.require(Action::CaseCreate).await?;
    let attempt = async {
        let person = match f.get("person").trim() {
            "" => None,
            s => Some(s.parse().map_err(|_| ("person", "invalid"))?),
        };
        let interview = match f.get("interview").trim() {
            "" => None,
            s => Some(
                s.parse::<uuid::Uuid>()
                    .map_err(|_| ("interview", "invalid"))?
                    .to_string(),
            ),
        };
        let new = NewCase {
            person_id: person,
            interview_id: interview,
            identified_on: f.date("identified_on")?,
            may_be_child: f.flag("may_be_child"),
            content: CaseContent {
                reference: f.text("reference", 200)?,
                summary: f.text("summary", 5000)?,
                ..Default::default()
            },
        };
        Ok::<_, Refused>(access.cases().create_case(new).await?)
    };
    match attempt.await {
        Ok(id) => {
            let p = v.session.principal();
            let interview = f.get("interview");
            Ok(see_other(&if !p.may(Action::CaseRead) {
                // Those who may open a case but not read cases (an interviewer) hand over:
                // back to the interview they came from, with a notice.
                match interview.parse::<uuid::Uuid>() {
                    Ok(i) => format!("/interviews/{i}/result?case=opened"),
                    Err(_) => "/dashboard".to_owned(),
                }
            } else if f.get("then") == "refer" && p.may(Action::ReferralManage) {
                format!("/cases/{id}/refer")
            } else {
                format!("/cases/{id}")
            }))
        }
        Err(Refused::Page(e)) => Err(e),
        Err(Refused::Field(b)) => {
            let tr = &v.ctx.tr;
            let page = NewCasePage {
                l: layout(&v.ctx, tr.t("prot-new-title"), "/cases"),
                interview: f.get("interview").chars().take(40).collect(),
                person: f.get("person").chars().take(40).collect(),
                then: if f.get("then") == "refer" {
                    "refer".into()
                } else {
                    String::new()
                },
                reference: f.get("reference").chars().take(200).collect(),
                summary: f.get("summary").chars().take(5000).collect(),
                identified_on: f.get("identified_on").chars().take(10).collect(),
                error: Some(refusal_message(tr, b)),
            };
            html(&page).map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
        }
    }
}

pub(crate) async fn case_transition(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Body,
) -> PageResult {
    let f = Form(data);
    let id = begin(&v, &id, &csrf)?;
    let a = v.access();
    let r: Result<(), Refused> = async {
        let kind = f.code("action", CaseActionKind::parse)?;
        let action = match kind {
            CaseActionKind::StartReflection => {
                let days: u16 = f
                    .get("days")
                    .trim()
                    .parse()
                    .map_err(|_| ("days", "invalid"))?;
                let country = f.text("country", 2)?.to_ascii_uppercase();
                CaseAction::StartReflection {
                    start: f.req_date("start")?,
                    policy: ReflectionPolicy::new(&country, days)
                        .map_err(|e| ("days", e.code()))?,
                }
            }
            CaseActionKind::ExtendReflection => CaseAction::ExtendReflection {
                days: f
                    .get("days")
                    .trim()
                    .parse()
                    .map_err(|_| ("days", "invalid"))?,
            },
            CaseActionKind::StartAssistance => CaseAction::StartAssistance,
            CaseActionKind::StartFollowUp => CaseAction::StartFollowUp,
            CaseActionKind::OpenProceedings => CaseAction::OpenProceedings,
            CaseActionKind::CloseProceedings => CaseAction::CloseProceedings,
            CaseActionKind::Close => CaseAction::Close {
                reason: f.text("reason", 2000)?,
                referred_out: f.flag("referred_out"),
            },
            CaseActionKind::Reopen => CaseAction::Reopen {
                reason: f.text("reason", 2000)?,
            },
        };
        a.cases().transition_case(id, action).await?;
        Ok(())
    }
    .await;
    finish(&v, id, r).await
}

pub(crate) async fn caseworker_add(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Body,
) -> PageResult {
    let f = Form(data);
    let id = begin(&v, &id, &csrf)?;
    let a = v.access();
    let r: Result<(), Refused> = async {
        let user = f.get("user").parse().map_err(|_| ("user", "required"))?;
        a.case_people().assign_caseworker(id, user).await?;
        Ok(())
    }
    .await;
    finish(&v, id, r).await
}

pub(crate) async fn person_link(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Body,
) -> PageResult {
    let f = Form(data);
    let id = begin(&v, &id, &csrf)?;
    let a = v.access();
    let r: Result<(), Refused> = async {
        let person = f
            .get("person")
            .trim()
            .parse()
            .map_err(|_| ("person", "invalid"))?;
        a.case_people()
            .link_person(id, person, f.get("role"))
            .await?;
        Ok(())
    }
    .await;
    finish(&v, id, r).await
}

#[derive(Template)]
#[template(path = "protection_case_edit.html")]
struct EditPage {
    l: Layout,
    id: String,
    version: i64,
    c: CaseContent,
    risks: Vec<(String, String)>,
    error: Option<String>,
}

pub(crate) async fn case_edit(v: Viewer, Path(id): Path<String>) -> PageResult {
    let id = case_id(&id)?;
    let access = v.access();
    access.require(Action::CaseUpdate).await?;
    let OpenedCase::Full(view) = access.cases().open_case(id).await? else {
        return Err(PageError::new(Failure::NotFound));
    };
    let tr = &v.ctx.tr;
    html(&EditPage {
        l: layout(&v.ctx, tr.t("prot-edit-title"), "/cases"),
        id: id.to_string(),
        version: view.version,
        c: view.content,
        risks: opts(tr, "prot-risk", RiskLevel::ALL, RiskLevel::as_str),
        error: None,
    })
}

pub(crate) async fn case_details(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Body,
) -> PageResult {
    let f = Form(data);
    let id = begin(&v, &id, &csrf)?;
    let a = v.access();
    let r: Result<(), Refused> = async {
        let c = CaseContent {
            reference: f.text("reference", 200)?,
            contact: f.text("contact", 2000)?,
            summary: f.text("summary", 5000)?,
            exploitation: f.text("exploitation", 5000)?,
            health: f.text("health", 5000)?,
            needs: f.text("needs", 5000)?,
            immigration: f.text("immigration", 5000)?,
            safety: SafetyPlan {
                risk: f.text("risk", 20)?,
                threats: f.text("threats", 4000)?,
                contacts_to_avoid: f.text("contacts_to_avoid", 2000)?,
                safe_channel: f.text("safe_channel", 1000)?,
                code_word: f.text("code_word", 200)?,
            },
            ..Default::default()
        };
        let version: i64 = f
            .get("version")
            .parse()
            .map_err(|_| ("version", "invalid"))?;
        a.cases().update_case_content(id, version, c).await?;
        Ok(())
    }
    .await;
    finish(&v, id, r).await
}
