//! How a page is drawn: the frame every page shares ([`Layout`], with its navigation),
//! rendering a template into a response, redirects, dates, and the error page that every failed
//! request gets in the user's language ([`render_error_pages`]).

use ally_core::authz::Action;
use ally_store::SessionStage;
use askama::Template;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{ApiError, ApiRendered, Failure, PageError, default_message};
use crate::i18n::{LOCALES, Tr};

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

/// Turns every error response into a page in the user's language (or, under `/api/`, into a
/// JSON error), including errors raised by extractors and the router (413, 405, 404...).
pub async fn render_error_pages(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let locale = crate::ctx::locale_from_headers(req.headers());
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    if res.extensions().get::<ApiRendered>().is_some() {
        return res;
    }
    // A page that is itself the answer (a form shown again with its errors) stays as it is.
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if is_html && res.extensions().get::<Failure>().is_none() {
        return res;
    }
    let failure = res
        .extensions()
        .get::<Failure>()
        .copied()
        .unwrap_or_else(|| Failure::from_status(status));
    if is_api {
        return ApiError::new(failure, default_message(failure)).into_response();
    }
    let tr = state.i18n.tr(locale);
    let mut page = Html(error_page(&tr, failure)).into_response();
    *page.status_mut() = failure.status();
    if let Failure::TooManyAttempts(s) = failure
        && let Ok(v) = s.to_string().parse()
    {
        page.headers_mut().insert(header::RETRY_AFTER, v);
    }
    page
}

fn error_page(tr: &Tr, f: Failure) -> String {
    let message = match f {
        Failure::TooManyAttempts(s) => tr.t1("error-too_many_attempts", "seconds", s),
        other => tr.t(&format!("error-{}", other.code())),
    };
    let page = ErrorPage {
        lang: tr.locale(),
        dir: tr.dir(),
        title: tr.t("error-title"),
        message,
        back: tr.t("error-back"),
        home: tr.t("nav-home"),
        quick_exit: tr.t("quick-exit"),
    };
    page.render().unwrap_or_else(|_| "error".to_owned())
}
