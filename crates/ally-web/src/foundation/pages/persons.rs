//! Person records: the list and search, the view, and the forms to register and edit one.

use ally_core::PersonId;
use ally_core::authz::Action;
use ally_core::person::{FieldError, PersonForm, PersonRole, Sex};
use ally_store::Page;
use askama::Template;
use axum::extract::{Path, Query};
use axum::response::IntoResponse;
use serde::Deserialize;

use crate::ctx::{Ctx, Posted, Viewer};
use crate::error::{Failure, PageError};
use crate::i18n::Tr;
use crate::layout::{Layout, PageResult, fmt_ms, html, layout, see_other};

fn person_role_label(tr: &Tr, r: PersonRole) -> String {
    tr.t(&format!("person-role-{}", r.as_str()))
}

fn parse_person_id(s: &str) -> Result<PersonId, PageError> {
    s.parse().map_err(|_| PageError::new(Failure::NotFound))
}

pub struct PersonItem {
    id: PersonId,
    name: String,
    role: String,
    created: String,
}

#[derive(Template)]
#[template(path = "persons.html")]
struct PersonsPage {
    l: Layout,
    q: String,
    items: Vec<PersonItem>,
    may_create: bool,
    prev: Option<String>,
    next: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    offset: i64,
}

fn query_href(q: &str, offset: i64) -> String {
    let mut s = form_urlencoded_pair("offset", &offset.to_string());
    if !q.is_empty() {
        s = format!("{}&{s}", form_urlencoded_pair("q", q));
    }
    format!("/persons?{s}")
}

fn form_urlencoded_pair(k: &str, v: &str) -> String {
    serde_urlencoded::to_string([(k, v)]).unwrap_or_default()
}

pub(crate) async fn persons(v: Viewer, Query(q): Query<ListQuery>) -> PageResult {
    let p = v.session.principal();
    let access = v.access();
    let page = Page::new(q.offset, 50);
    let query: String = q.q.trim().chars().take(200).collect();
    let result = if query.is_empty() {
        access.persons().list_persons(page).await?
    } else {
        access.persons().search_persons(&query, page).await?
    };
    let tr = &v.ctx.tr;
    let items = result
        .items
        .into_iter()
        .map(|i| PersonItem {
            id: i.id,
            name: i.display_name,
            role: person_role_label(tr, i.role),
            created: fmt_ms(i.created_at_ms),
        })
        .collect();
    html(&PersonsPage {
        l: layout(&v.ctx, tr.t("persons-title"), "/persons"),
        may_create: p.may(Action::PersonCreate),
        prev: (result.offset > 0)
            .then(|| query_href(&query, (result.offset - result.limit).max(0))),
        next: result
            .has_more
            .then(|| query_href(&query, result.offset + result.limit)),
        q: query,
        items,
    })
}

#[derive(Template)]
#[template(path = "person_form.html")]
struct PersonFormPage {
    l: Layout,
    heading: String,
    action: String,
    version: i64,
    f: PersonForm,
    errors: Vec<(String, String)>,
    roles: Vec<(&'static str, String)>,
    sexes: Vec<(&'static str, String)>,
}

fn person_form_page(
    ctx: &Ctx,
    heading: String,
    action: String,
    version: i64,
    f: PersonForm,
    errors: &[FieldError],
) -> PersonFormPage {
    let tr = &ctx.tr;
    PersonFormPage {
        l: layout(ctx, heading.clone(), "/persons/new"),
        heading,
        action,
        version,
        f,
        errors: errors
            .iter()
            .map(|e| {
                (
                    e.field.to_owned(),
                    format!(
                        "{}: {}",
                        tr.t(&format!("field-{}", e.field.replace('_', "-"))),
                        tr.t(&format!("invalid-{}", e.code))
                    ),
                )
            })
            .collect(),
        roles: PersonRole::ALL
            .iter()
            .map(|r| (r.as_str(), person_role_label(tr, *r)))
            .collect(),
        sexes: [Sex::Female, Sex::Male, Sex::Other]
            .iter()
            .map(|s| (s.as_str(), tr.t(&format!("sex-{}", s.as_str()))))
            .collect(),
    }
}

fn this_year() -> i32 {
    time::OffsetDateTime::now_utc().year()
}

pub(crate) async fn person_new(v: Viewer) -> PageResult {
    v.access().require(Action::PersonCreate).await?;
    let f = PersonForm {
        role: PersonRole::PresumedVictim.as_str().to_owned(),
        ..Default::default()
    };
    html(&person_form_page(
        &v.ctx,
        v.ctx.tr.t("persons-new"),
        "/persons".into(),
        0,
        f,
        &[],
    ))
}

pub(crate) async fn person_create(
    v: Viewer,
    Posted { data, csrf }: Posted<PersonForm>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let p = v.session.principal();
    let access = v.access();
    access.require(Action::PersonCreate).await?;
    match data.validate(this_year()) {
        Ok(valid) => {
            let id = access.persons().create_person(valid).await?;
            // A focal point may register a person but not open records.
            Ok(see_other(&if p.may(Action::PersonRead) {
                format!("/persons/{id}")
            } else {
                "/dashboard?created=1".to_owned()
            }))
        }
        Err(errors) => html(&person_form_page(
            &v.ctx,
            v.ctx.tr.t("persons-new"),
            "/persons".into(),
            0,
            data,
            &errors,
        ))
        .map(|r| (axum::http::StatusCode::UNPROCESSABLE_ENTITY, r).into_response()),
    }
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    l: Layout,
    id: PersonId,
    name: String,
    role: String,
    rows: Vec<(String, Vec<String>)>,
    meta: String,
    may_edit: bool,
}

pub(crate) async fn person_view(v: Viewer, Path(id): Path<String>) -> PageResult {
    let id = parse_person_id(&id)?;
    let p = v.session.principal();
    let person = v.access().persons().get_person(id).await?;
    let tr = &v.ctx.tr;
    let i = &person.identity;
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    let mut row = |key: &str, vals: Vec<String>| {
        if !vals.is_empty() && vals.iter().any(|s| !s.is_empty()) {
            rows.push((tr.t(key), vals));
        }
    };
    row("field-given-names", vec![i.given_names.clone()]);
    row("field-family-names", vec![i.family_names.clone()]);
    row("field-aliases", i.aliases.clone());
    row(
        "field-birth",
        i.birth.iter().map(|b| b.to_input()).collect(),
    );
    row(
        "field-sex",
        i.sex
            .iter()
            .map(|s| tr.t(&format!("sex-{}", s.as_str())))
            .collect(),
    );
    row("field-gender", i.gender.iter().cloned().collect());
    row("field-nationalities", i.nationalities.clone());
    row("field-languages", i.languages.clone());
    row("field-phones", i.phones.clone());
    row("field-addresses", i.addresses.clone());
    row(
        "field-documents",
        i.documents
            .iter()
            .map(ally_core::person::format_document)
            .collect(),
    );
    row("field-notes", i.notes.lines().map(str::to_owned).collect());
    html(&PersonPage {
        l: layout(&v.ctx, tr.t("person-title"), "/persons"),
        id,
        name: i.display_name(),
        role: person_role_label(tr, person.role),
        rows,
        meta: tr.t1("person-meta", "created", fmt_ms(person.created_at_ms))
            + " · "
            + &tr.t1("person-updated", "updated", fmt_ms(person.updated_at_ms)),
        may_edit: p.may(Action::PersonUpdate),
    })
}

pub(crate) async fn person_edit(v: Viewer, Path(id): Path<String>) -> PageResult {
    let id = parse_person_id(&id)?;
    let access = v.access();
    access.require(Action::PersonUpdate).await?;
    let person = access.persons().get_person(id).await?;
    let f = PersonForm::from_record(person.role, &person.identity);
    html(&person_form_page(
        &v.ctx,
        v.ctx.tr.t("person-edit"),
        format!("/persons/{id}"),
        person.version,
        f,
        &[],
    ))
}

/// The edit form: the person fields plus the version the editor started from (strings only,
/// because urlencoded values inside a flattened struct are not typed).
#[derive(Deserialize)]
pub(crate) struct PersonEdit {
    #[serde(flatten)]
    form: PersonForm,
    #[serde(default)]
    version: String,
}

pub(crate) async fn person_update(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Posted<PersonEdit>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let id = parse_person_id(&id)?;
    let version: i64 = data
        .version
        .trim()
        .parse()
        .map_err(|_| PageError::new(Failure::BadRequest))?;
    let access = v.access();
    access.require(Action::PersonUpdate).await?;
    match data.form.validate(this_year()) {
        Ok(valid) => {
            access.persons().update_person(id, version, valid).await?;
            Ok(see_other(&format!("/persons/{id}")))
        }
        Err(errors) => html(&person_form_page(
            &v.ctx,
            v.ctx.tr.t("person-edit"),
            format!("/persons/{id}"),
            version,
            data.form,
            &errors,
        ))
        .map(|r| (axum::http::StatusCode::UNPROCESSABLE_ENTITY, r).into_response()),
    }
}
