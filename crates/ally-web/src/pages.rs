//! HTML pages. Handlers read the request, call the store's access layer (which authorises and
//! audits), and render a template. They contain no permission logic of their own: what to show
//! (a button, a menu entry) follows `Principal::may`, and what to allow follows the store.

use ally_core::authz::{Action, Role};
use ally_core::org::OrgKind;
use ally_core::person::{FieldError, PersonForm, PersonRole, Sex};
use ally_core::{PersonId, UserId};
use ally_store::{AuditFilter, NewUser, Page, SessionStage, StoreError};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::AppState;
use crate::ctx::{Ctx, Posted, Viewer, clear_session_cookie, lang_cookie, session_cookie};
use crate::error::{Failure, PageError};
use crate::i18n::{LOCALES, Tr};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/healthz", get(crate::healthz))
        .route("/readyz", get(crate::readyz))
        .route("/language", post(set_public_language))
        .route("/sign-in", get(sign_in_page).post(sign_in))
        .route("/sign-in/code", get(code_page).post(code_submit))
        .route("/second-factor", get(enrol_page).post(enrol_submit))
        .route("/sign-out", post(sign_out))
        .route("/sign-out-everywhere", post(sign_out_everywhere))
        .route("/dashboard", get(dashboard))
        .route("/persons", get(persons).post(person_create))
        .route("/persons/new", get(person_new))
        .route("/persons/{id}", get(person_view).post(person_update))
        .route("/persons/{id}/edit", get(person_edit))
        .route("/organisation", get(organisation))
        .route(
            "/organisation/second-factor",
            post(organisation_second_factor),
        )
        .route("/users", get(users).post(user_create))
        .route("/users/{id}/disable", post(user_disable))
        .route("/users/{id}/enable", post(user_enable))
        .route("/users/{id}/roles", post(user_roles))
        .route("/audit", get(audit))
        .route("/account", get(account))
        .route("/account/language", post(account_language))
        .route("/account/password", post(account_password))
        .route("/account/tokens", post(account_token_create))
        .route("/account/tokens/{id}/revoke", post(account_token_revoke))
}

pub(crate) type PageResult = Result<Response, PageError>;

pub(crate) fn html<T: Template>(t: &T) -> PageResult {
    t.render().map(|s| Html(s).into_response()).map_err(|e| {
        tracing::error!(error = %e, "template");
        PageError::new(Failure::Internal)
    })
}

pub(crate) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// After a sign-in step: the (new) session cookie, and on to the next page.
fn signed_in(ctx: &Ctx, token: &str, to: &str) -> Response {
    let mut res = see_other(to);
    res.headers_mut()
        .append(header::SET_COOKIE, session_cookie(token, ctx.secure));
    res
}

pub struct NavItem {
    pub href: &'static str,
    pub label: String,
    pub current: bool,
}

/// What every page's frame needs.
pub struct Layout {
    pub tr: Tr,
    /// This page's path, for the language picker to come back to.
    pub back: String,
    pub lang: &'static str,
    pub dir: &'static str,
    pub title: String,
    pub csrf: String,
    pub signed_in: bool,
    pub user_name: String,
    pub org_name: String,
    pub nav: Vec<NavItem>,
    pub demo: bool,
    pub locales: Vec<(&'static str, &'static str, bool)>,
}

impl Layout {
    pub fn t(&self, key: &str) -> String {
        self.tr.t(key)
    }
}

pub(crate) fn layout(ctx: &Ctx, title: String, current: &str) -> Layout {
    let tr = ctx.tr.clone();
    let full = ctx
        .session
        .as_ref()
        .filter(|s| s.stage == SessionStage::Full);
    let mut nav = Vec::new();
    if let Some(s) = full {
        let p = s.principal();
        let mut add = |href: &'static str, key: &str, show: bool| {
            if show {
                nav.push(NavItem {
                    href,
                    label: tr.t(key),
                    current: href == current,
                });
            }
        };
        add("/dashboard", "nav-home", true);
        add("/persons", "nav-persons", p.may(Action::PersonList));
        add(
            "/persons/new",
            "nav-new-person",
            p.may(Action::PersonCreate) && !p.may(Action::PersonList),
        );
        add(
            "/interviews",
            "nav-interviews",
            p.may(Action::InterviewConduct),
        );
        add("/cases", "nav-cases", p.may(Action::CaseRead));
        add(
            "/reports",
            "nav-reports",
            p.may(Action::ReportRead) || p.may(Action::ReportFile),
        );
        add(
            "/inspections",
            "nav-inspections",
            p.may(Action::InspectionRead),
        );
        add("/organisation", "nav-organisation", p.may(Action::OrgRead));
        add("/users", "nav-users", p.may(Action::UserList));
        add("/audit", "nav-audit", p.may(Action::AuditRead));
        add("/account", "nav-account", true);
    }
    Layout {
        back: ctx.path.clone(),
        lang: tr.locale(),
        dir: tr.dir(),
        title,
        csrf: ctx
            .session
            .as_ref()
            .map(|s| s.csrf_token.clone())
            .unwrap_or_default(),
        signed_in: full.is_some(),
        user_name: full.map(|s| s.display_name.clone()).unwrap_or_default(),
        org_name: full.map(|s| s.org_name.clone()).unwrap_or_default(),
        nav,
        demo: ctx.state.config.demo,
        locales: LOCALES
            .iter()
            .map(|(c, n, _)| (*c, *n, *c == tr.locale()))
            .collect(),
        tr,
    }
}

pub(crate) fn fmt_ms(ms: i64) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    time::OffsetDateTime::from_unix_timestamp(ms / 1000)
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_default()
}

fn role_label(tr: &Tr, r: Role) -> String {
    tr.t(&format!("role-{}", r.as_str()))
}

fn person_role_label(tr: &Tr, r: PersonRole) -> String {
    tr.t(&format!("person-role-{}", r.as_str()))
}

fn org_kind_label(tr: &Tr, k: OrgKind) -> String {
    tr.t(&format!("org-kind-{}", k.as_str()))
}

fn parse_person_id(s: &str) -> Result<PersonId, PageError> {
    s.parse().map_err(|_| PageError::new(Failure::NotFound))
}

// ----- public pages and sign-in -----

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub lang: &'static str,
    pub dir: &'static str,
    pub title: String,
    pub message: String,
    pub back: String,
    pub home: String,
    pub quick_exit: String,
}

async fn home(ctx: Ctx) -> Response {
    match ctx.session {
        Some(s) if s.stage == SessionStage::Full => see_other("/dashboard"),
        _ => see_other("/sign-in"),
    }
}

#[derive(Deserialize)]
struct LangForm {
    lang: String,
    #[serde(default)]
    back: String,
}

async fn set_public_language(ctx: Ctx, Posted { data, .. }: Posted<LangForm>) -> PageResult {
    let code = LOCALES
        .iter()
        .find(|(c, _, _)| *c == data.lang)
        .map(|(c, _, _)| *c)
        .ok_or(PageError::new(Failure::BadRequest))?;
    let mut res = see_other(crate::ctx::local_path(&data.back).unwrap_or("/sign-in"));
    res.headers_mut()
        .append(header::SET_COOKIE, lang_cookie(code, ctx.secure));
    Ok(res)
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    l: Layout,
    error: Option<String>,
    email: String,
}

async fn sign_in_page(ctx: Ctx) -> PageResult {
    if ctx
        .session
        .as_ref()
        .is_some_and(|s| s.stage == SessionStage::Full)
    {
        return Ok(see_other("/dashboard"));
    }
    html(&SignInPage {
        l: layout(&ctx, ctx.tr.t("sign-in-title"), "/sign-in"),
        error: None,
        email: String::new(),
    })
}

#[derive(Deserialize)]
struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

async fn sign_in(ctx: Ctx, Posted { data, .. }: Posted<SignInForm>) -> PageResult {
    let store = &ctx.state.store;
    match store
        .sign_in(&data.email, &data.password, ctx.client.as_deref())
        .await
    {
        Ok(step) => {
            let to = match step.stage {
                SessionStage::Full => "/dashboard",
                SessionStage::SecondFactor => "/sign-in/code",
                SessionStage::Enrol => "/second-factor",
            };
            Ok(signed_in(&ctx, &step.token, to))
        }
        Err(ally_store::SignInError::Store(e)) => Err(e.into()),
        Err(e) => {
            let msg = match e {
                ally_store::SignInError::Throttled { retry_after_s } => {
                    ctx.tr
                        .t1("error-too_many_attempts", "seconds", retry_after_s)
                }
                _ => ctx.tr.t("sign-in-failed"),
            };
            let status = match e {
                ally_store::SignInError::Throttled { .. } => {
                    axum::http::StatusCode::TOO_MANY_REQUESTS
                }
                _ => axum::http::StatusCode::UNAUTHORIZED,
            };
            let page = SignInPage {
                l: layout(&ctx, ctx.tr.t("sign-in-title"), "/sign-in"),
                error: Some(msg),
                email: data.email.chars().take(254).collect(),
            };
            html(&page).map(|r| (status, r).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "code.html")]
struct CodePage {
    l: Layout,
    error: Option<String>,
}

fn session_at(
    ctx: &Ctx,
    stage: SessionStage,
) -> Result<(String, ally_store::SessionInfo), PageError> {
    match (&ctx.session, &ctx.token) {
        (Some(s), Some(t)) if s.stage == stage => Ok((t.clone(), s.clone())),
        _ => Err(PageError::Redirect("/sign-in".into())),
    }
}

async fn code_page(ctx: Ctx) -> PageResult {
    session_at(&ctx, SessionStage::SecondFactor)?;
    html(&CodePage {
        l: layout(&ctx, ctx.tr.t("code-title"), ""),
        error: None,
    })
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

fn csrf_ok(session: &ally_store::SessionInfo, submitted: &str) -> Result<(), PageError> {
    if ally_core::audit::macs_equal(submitted.as_bytes(), session.csrf_token.as_bytes()) {
        Ok(())
    } else {
        Err(PageError::new(Failure::CrossSite))
    }
}

async fn code_submit(ctx: Ctx, Posted { data, csrf }: Posted<CodeForm>) -> PageResult {
    let (token, session) = session_at(&ctx, SessionStage::SecondFactor)?;
    csrf_ok(&session, &csrf)?;
    match ctx
        .state
        .store
        .sign_in_code(&token, &data.code, ctx.client.as_deref())
        .await
    {
        Ok(new_token) => Ok(signed_in(&ctx, &new_token, "/dashboard")),
        Err(ally_store::SignInError::Store(e)) => Err(e.into()),
        Err(e) => {
            let msg = match e {
                ally_store::SignInError::Throttled { retry_after_s } => {
                    ctx.tr
                        .t1("error-too_many_attempts", "seconds", retry_after_s)
                }
                _ => ctx.tr.t("code-failed"),
            };
            html(&CodePage {
                l: layout(&ctx, ctx.tr.t("code-title"), ""),
                error: Some(msg),
            })
            .map(|r| (axum::http::StatusCode::UNAUTHORIZED, r).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "enrol.html")]
struct EnrolPage {
    l: Layout,
    error: Option<String>,
    qr_svg: String,
    secret: String,
}

fn qr_svg(data: &str) -> String {
    match qrcode::QrCode::new(data.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
        Err(_) => String::new(),
    }
}

/// Second-factor enrolment: during sign-in when the organisation requires it, or later from
/// the account page.
async fn enrol_page(ctx: Ctx) -> PageResult {
    let (token, session) = match (&ctx.session, &ctx.token) {
        (Some(s), Some(t)) if s.stage != SessionStage::SecondFactor => (t.clone(), s.clone()),
        _ => return Err(PageError::Redirect("/sign-in".into())),
    };
    let _ = session;
    let e = ctx.state.store.begin_totp_enrolment(&token).await?;
    html(&EnrolPage {
        l: layout(&ctx, ctx.tr.t("enrol-title"), ""),
        error: None,
        qr_svg: qr_svg(&e.otpauth_url),
        secret: e.secret_base32,
    })
}

async fn enrol_submit(ctx: Ctx, Posted { data, csrf }: Posted<CodeForm>) -> PageResult {
    let (token, session) = match (&ctx.session, &ctx.token) {
        (Some(s), Some(t)) if s.stage != SessionStage::SecondFactor => (t.clone(), s.clone()),
        _ => return Err(PageError::Redirect("/sign-in".into())),
    };
    csrf_ok(&session, &csrf)?;
    match ctx
        .state
        .store
        .confirm_totp_enrolment(&token, &data.code, ctx.client.as_deref())
        .await
    {
        Ok(new_token) => Ok(signed_in(&ctx, &new_token, "/dashboard")),
        Err(ally_store::SignInError::Store(e)) => Err(e.into()),
        Err(_) => {
            // Show a fresh secret: the failed one is discarded with the page.
            let e = ctx.state.store.begin_totp_enrolment(&token).await?;
            html(&EnrolPage {
                l: layout(&ctx, ctx.tr.t("enrol-title"), ""),
                error: Some(ctx.tr.t("code-failed")),
                qr_svg: qr_svg(&e.otpauth_url),
                secret: e.secret_base32,
            })
            .map(|r| (axum::http::StatusCode::UNAUTHORIZED, r).into_response())
        }
    }
}

#[derive(Deserialize)]
struct Empty {}

async fn sign_out(ctx: Ctx, Posted { csrf, .. }: Posted<Empty>) -> PageResult {
    if let (Some(s), Some(t)) = (&ctx.session, &ctx.token) {
        csrf_ok(s, &csrf)?;
        ctx.state.store.sign_out(t, ctx.client.as_deref()).await?;
    }
    let mut res = see_other("/sign-in");
    res.headers_mut()
        .append(header::SET_COOKIE, clear_session_cookie(ctx.secure));
    res.headers_mut().insert(
        "clear-site-data",
        axum::http::HeaderValue::from_static("\"cache\", \"storage\""),
    );
    Ok(res)
}

async fn sign_out_everywhere(v: Viewer, Posted { csrf, .. }: Posted<Empty>) -> PageResult {
    v.check_csrf(&csrf)?;
    v.ctx
        .state
        .store
        .sign_out_everywhere(&v.session, v.ctx.client.as_deref())
        .await?;
    let mut res = see_other("/sign-in");
    res.headers_mut()
        .append(header::SET_COOKIE, clear_session_cookie(v.ctx.secure));
    Ok(res)
}

// ----- dashboard -----

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

async fn dashboard(v: Viewer) -> PageResult {
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

// ----- persons -----

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
struct ListQuery {
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

async fn persons(v: Viewer, Query(q): Query<ListQuery>) -> PageResult {
    let p = v.session.principal();
    let access = v.access();
    let page = Page::new(q.offset, 50);
    let query: String = q.q.trim().chars().take(200).collect();
    let result = if query.is_empty() {
        access.list_persons(page).await?
    } else {
        access.search_persons(&query, page).await?
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

async fn person_new(v: Viewer) -> PageResult {
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

async fn person_create(v: Viewer, Posted { data, csrf }: Posted<PersonForm>) -> PageResult {
    v.check_csrf(&csrf)?;
    let p = v.session.principal();
    let access = v.access();
    access.require(Action::PersonCreate).await?;
    match data.validate(this_year()) {
        Ok(valid) => {
            let id = access.create_person(valid).await?;
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

async fn person_view(v: Viewer, Path(id): Path<String>) -> PageResult {
    let id = parse_person_id(&id)?;
    let p = v.session.principal();
    let person = v.access().get_person(id).await?;
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

async fn person_edit(v: Viewer, Path(id): Path<String>) -> PageResult {
    let id = parse_person_id(&id)?;
    let access = v.access();
    access.require(Action::PersonUpdate).await?;
    let person = access.get_person(id).await?;
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
struct PersonEdit {
    #[serde(flatten)]
    form: PersonForm,
    #[serde(default)]
    version: String,
}

async fn person_update(
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
            access.update_person(id, version, valid).await?;
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

// ----- organisation -----

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

async fn organisation(v: Viewer) -> PageResult {
    let p = v.session.principal();
    let access = v.access();
    let org = access.organisation().await?;
    let directory = access.directory().await?;
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
struct RequiredForm {
    #[serde(default)]
    required: String,
}

async fn organisation_second_factor(
    v: Viewer,
    Posted { data, csrf }: Posted<RequiredForm>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let required = match data.required.as_str() {
        "true" => true,
        "false" => false,
        _ => return Err(PageError::new(Failure::BadRequest)),
    };
    v.access().set_second_factor_required(required).await?;
    Ok(see_other("/organisation"))
}

// ----- users -----

pub struct UserRow {
    id: UserId,
    name: String,
    email: String,
    roles: String,
    status: String,
    disabled: bool,
    role_codes: Vec<&'static str>,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    l: Layout,
    users: Vec<UserRow>,
    may_manage: bool,
    roles: Vec<(&'static str, String)>,
    errors: Vec<String>,
    message: Option<String>,
}

async fn users_page(v: &Viewer, errors: Vec<String>, message: Option<String>) -> PageResult {
    let p = v.session.principal();
    let list = v.access().list_users().await?;
    let tr = &v.ctx.tr;
    let users = list
        .into_iter()
        .map(|u| UserRow {
            id: u.id,
            name: u.display_name,
            email: u.email,
            roles: u
                .roles
                .iter()
                .map(|r| role_label(tr, *r))
                .collect::<Vec<_>>()
                .join(", "),
            status: [
                tr.t(if u.disabled {
                    "users-disabled"
                } else {
                    "users-active"
                }),
                tr.t(if u.second_factor {
                    "users-2fa-on"
                } else {
                    "users-2fa-off"
                }),
            ]
            .join(" · "),
            disabled: u.disabled,
            role_codes: u.roles.iter().map(|r| r.as_str()).collect(),
        })
        .collect();
    html(&UsersPage {
        l: layout(&v.ctx, tr.t("users-title"), "/users"),
        users,
        may_manage: p.may(Action::UserManage),
        roles: Role::ALL
            .iter()
            .map(|r| (r.as_str(), role_label(tr, *r)))
            .collect(),
        errors,
        message,
    })
}

async fn users(v: Viewer) -> PageResult {
    users_page(&v, Vec::new(), None).await
}

fn field_messages(tr: &Tr, errors: &[FieldError]) -> Vec<String> {
    errors
        .iter()
        .map(|e| {
            format!(
                "{}: {}",
                tr.t(&format!("field-{}", e.field.replace('_', "-"))),
                tr.t(&format!("invalid-{}", e.code))
            )
        })
        .collect()
}

async fn user_create(
    v: Viewer,
    Posted { data, csrf }: Posted<Vec<(String, String)>>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let get = |k: &str| {
        data.iter()
            .find(|(n, _)| n == k)
            .map(|(_, val)| val.clone())
            .unwrap_or_default()
    };
    let roles: Vec<Role> = data
        .iter()
        .filter(|(n, _)| n == "role")
        .filter_map(|(_, r)| Role::parse(r))
        .collect();
    let new = NewUser {
        email: get("email"),
        display_name: get("display_name"),
        password: get("password"),
        roles,
        locale: v.ctx.tr.locale().to_owned(),
    };
    match v.access().create_user(new).await {
        Ok(_) => users_page(&v, Vec::new(), Some(v.ctx.tr.t("users-created"))).await,
        Err(StoreError::Invalid(errors)) => {
            let msgs = field_messages(&v.ctx.tr, &errors);
            users_page(&v, msgs, None)
                .await
                .map(|r| (axum::http::StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
        }
        Err(StoreError::Conflict(_)) => users_page(&v, vec![v.ctx.tr.t("users-email-taken")], None)
            .await
            .map(|r| (axum::http::StatusCode::CONFLICT, r).into_response()),
        Err(e) => Err(e.into()),
    }
}

fn parse_user_id(s: &str) -> Result<UserId, PageError> {
    s.parse().map_err(|_| PageError::new(Failure::NotFound))
}

async fn user_set_disabled(v: Viewer, id: String, csrf: String, disabled: bool) -> PageResult {
    v.check_csrf(&csrf)?;
    let id = parse_user_id(&id)?;
    let result = v.access().set_user_disabled(id, disabled).await;
    after_user_change(&v, result).await
}

async fn user_disable(
    v: Viewer,
    Path(id): Path<String>,
    Posted { csrf, .. }: Posted<Empty>,
) -> PageResult {
    user_set_disabled(v, id, csrf, true).await
}

async fn user_enable(
    v: Viewer,
    Path(id): Path<String>,
    Posted { csrf, .. }: Posted<Empty>,
) -> PageResult {
    user_set_disabled(v, id, csrf, false).await
}

async fn user_roles(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Posted<Vec<(String, String)>>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let id = parse_user_id(&id)?;
    let roles: Vec<Role> = data
        .iter()
        .filter(|(n, _)| n == "role")
        .filter_map(|(_, r)| Role::parse(r))
        .collect();
    let result = v.access().set_user_roles(id, roles).await;
    after_user_change(&v, result).await
}

/// Back to the users page, or the page again with the reasons a change was refused.
async fn after_user_change(v: &Viewer, result: Result<(), StoreError>) -> PageResult {
    match result {
        Ok(()) => Ok(see_other("/users")),
        Err(StoreError::Invalid(errors)) => {
            let msgs = field_messages(&v.ctx.tr, &errors);
            users_page(v, msgs, None)
                .await
                .map(|r| (axum::http::StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ----- audit -----

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
struct AuditQueryForm {
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

async fn audit(v: Viewer, Query(q): Query<AuditQueryForm>) -> PageResult {
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
    let (events, names) = access.audit_events_with_names(filter, 100).await?;
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

// ----- account -----

pub struct TokenRow {
    id: String,
    name: String,
    created: String,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    l: Layout,
    second_factor_status: String,
    tokens: Vec<TokenRow>,
    new_token: Option<String>,
    message: Option<String>,
    error: Option<String>,
}

async fn account_page(
    v: &Viewer,
    new_token: Option<String>,
    message: Option<String>,
    error: Option<String>,
) -> PageResult {
    let tokens = v.ctx.state.store.list_api_tokens(v.session.user_id).await?;
    let tr = &v.ctx.tr;
    html(&AccountPage {
        l: layout(&v.ctx, tr.t("account-title"), "/account"),
        second_factor_status: tr.t(if v.session.has_second_factor {
            "account-second-factor-on"
        } else {
            "account-second-factor-off"
        }),
        tokens: tokens
            .into_iter()
            .map(|t| TokenRow {
                id: t.id,
                name: t.name,
                created: fmt_ms(t.created_at_ms),
                revoked: t.revoked,
            })
            .collect(),
        new_token,
        message,
        error,
    })
}

async fn account(v: Viewer) -> PageResult {
    account_page(&v, None, None, None).await
}

async fn account_language(v: Viewer, Posted { data, csrf }: Posted<LangForm>) -> PageResult {
    v.check_csrf(&csrf)?;
    let code = LOCALES
        .iter()
        .find(|(c, _, _)| *c == data.lang)
        .map(|(c, _, _)| *c)
        .ok_or(PageError::new(Failure::BadRequest))?;
    v.ctx.state.store.set_locale(&v.session, code).await?;
    let mut res = see_other(crate::ctx::local_path(&data.back).unwrap_or("/account"));
    res.headers_mut()
        .append(header::SET_COOKIE, lang_cookie(code, v.ctx.secure));
    Ok(res)
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new_password: String,
}

async fn account_password(v: Viewer, Posted { data, csrf }: Posted<PasswordForm>) -> PageResult {
    v.check_csrf(&csrf)?;
    let store = &v.ctx.state.store;
    match store
        .change_password(
            &v.session,
            &v.token,
            &data.current,
            &data.new_password,
            v.ctx.client.as_deref(),
        )
        .await
    {
        Ok(()) => account_page(&v, None, Some(v.ctx.tr.t("account-password-changed")), None).await,
        Err(ally_store::SignInError::Store(StoreError::Invalid(errors))) => {
            let msg = field_messages(&v.ctx.tr, &errors).join("; ");
            account_page(&v, None, None, Some(msg))
                .await
                .map(|r| (axum::http::StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
        }
        Err(ally_store::SignInError::Store(e)) => Err(e.into()),
        Err(_) => account_page(&v, None, None, Some(v.ctx.tr.t("account-password-wrong")))
            .await
            .map(|r| (axum::http::StatusCode::UNAUTHORIZED, r).into_response()),
    }
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    name: String,
}

async fn account_token_create(v: Viewer, Posted { data, csrf }: Posted<TokenForm>) -> PageResult {
    v.check_csrf(&csrf)?;
    match v
        .ctx
        .state
        .store
        .create_api_token(v.session.user_id, &data.name, v.ctx.client.as_deref())
        .await
    {
        Ok(token) => account_page(&v, Some(token), None, None).await,
        Err(StoreError::Invalid(_)) => account_page(
            &v,
            None,
            None,
            Some(v.ctx.tr.t("account-token-name-invalid")),
        )
        .await
        .map(|r| (axum::http::StatusCode::UNPROCESSABLE_ENTITY, r).into_response()),
        Err(e) => Err(e.into()),
    }
}

async fn account_token_revoke(
    v: Viewer,
    Path(id): Path<String>,
    Posted { csrf, .. }: Posted<Empty>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    v.ctx
        .state
        .store
        .revoke_api_token(&v.session, &id, v.ctx.client.as_deref())
        .await?;
    Ok(see_other("/account"))
}
