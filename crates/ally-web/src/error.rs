//! Errors as the user sees them: an HTML page in their language for pages, a JSON document
//! with a stable `code` and a `message` for the API. Internal details are logged (without
//! personal data) and never shown.

use ally_store::{SignInError, StoreError};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::AppState;
use crate::i18n::Tr;

/// What went wrong, in terms the user can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    BadRequest,
    Unauthorized,
    Forbidden,
    /// A form from another site, or with a missing or stale CSRF token.
    CrossSite,
    NotFound,
    Conflict,
    TooLarge,
    UnsupportedMediaType,
    MethodNotAllowed,
    TooManyAttempts(i64),
    Unavailable,
    Internal,
}

impl Failure {
    pub fn status(self) -> StatusCode {
        match self {
            Failure::BadRequest => StatusCode::BAD_REQUEST,
            Failure::Unauthorized => StatusCode::UNAUTHORIZED,
            Failure::Forbidden | Failure::CrossSite => StatusCode::FORBIDDEN,
            Failure::NotFound => StatusCode::NOT_FOUND,
            Failure::Conflict => StatusCode::CONFLICT,
            Failure::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Failure::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Failure::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Failure::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
            Failure::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Failure::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Stable machine-readable code (API) and translation key suffix (pages).
    pub fn code(self) -> &'static str {
        match self {
            Failure::BadRequest => "bad_request",
            Failure::Unauthorized => "unauthorized",
            Failure::Forbidden => "forbidden",
            Failure::CrossSite => "csrf",
            Failure::NotFound => "not_found",
            Failure::Conflict => "conflict",
            Failure::TooLarge => "too_large",
            Failure::UnsupportedMediaType => "unsupported_media_type",
            Failure::MethodNotAllowed => "method_not_allowed",
            Failure::TooManyAttempts(_) => "too_many_attempts",
            Failure::Unavailable => "unavailable",
            Failure::Internal => "internal",
        }
    }

    pub fn from_status(s: StatusCode) -> Failure {
        match s.as_u16() {
            401 => Failure::Unauthorized,
            403 => Failure::Forbidden,
            404 => Failure::NotFound,
            405 => Failure::MethodNotAllowed,
            409 => Failure::Conflict,
            413 => Failure::TooLarge,
            415 => Failure::UnsupportedMediaType,
            429 => Failure::TooManyAttempts(60),
            503 => Failure::Unavailable,
            500..=599 => Failure::Internal,
            _ => Failure::BadRequest,
        }
    }
}

impl From<&StoreError> for Failure {
    fn from(e: &StoreError) -> Failure {
        match e {
            StoreError::NotFound => Failure::NotFound,
            StoreError::Denied(ally_core::authz::Denied::OtherOrganisation) => Failure::NotFound,
            StoreError::Denied(ally_core::authz::Denied::RoleLacksPermission(_)) => {
                Failure::Forbidden
            }
            StoreError::Invalid(_) => Failure::BadRequest,
            StoreError::Conflict(_) => Failure::Conflict,
            other => {
                tracing::error!(error = %other, "internal error");
                Failure::Internal
            }
        }
    }
}

/// An error from a page handler. Rendered into a page by [`render_error_pages`], which knows
/// the request's language.
#[derive(Debug)]
pub enum PageError {
    Fail(Failure),
    /// Not an error for the user: go there (e.g. to sign in).
    Redirect(String),
}

impl PageError {
    pub fn new(f: Failure) -> PageError {
        PageError::Fail(f)
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        PageError::Fail(Failure::from(&e))
    }
}

impl From<SignInError> for PageError {
    fn from(e: SignInError) -> Self {
        match e {
            SignInError::Invalid => PageError::Fail(Failure::Unauthorized),
            SignInError::Throttled { retry_after_s } => {
                PageError::Fail(Failure::TooManyAttempts(retry_after_s))
            }
            SignInError::Store(s) => s.into(),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Redirect(to) => Redirect::to(&to).into_response(),
            PageError::Fail(f) => {
                let mut res = (f.status(), f.code()).into_response();
                res.extensions_mut().insert(f);
                res
            }
        }
    }
}

/// An error from the JSON API.
#[derive(Debug)]
pub struct ApiError {
    pub failure: Failure,
    pub message: String,
    /// Field errors for invalid input.
    pub fields: Vec<ally_core::person::FieldError>,
}

impl ApiError {
    pub fn new(failure: Failure, message: impl Into<String>) -> ApiError {
        ApiError {
            failure,
            message: message.into(),
            fields: Vec::new(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let failure = Failure::from(&e);
        let fields = match e {
            StoreError::Invalid(f) => f,
            _ => Vec::new(),
        };
        ApiError {
            failure,
            message: default_message(failure).to_owned(),
            fields,
        }
    }
}

pub fn default_message(f: Failure) -> &'static str {
    match f {
        Failure::BadRequest => "the request is malformed or invalid",
        Failure::Unauthorized => "a valid API token is required (Authorization: Bearer ...)",
        Failure::Forbidden => "your role does not allow this",
        Failure::CrossSite => "the request came from another site or carried a stale form token",
        Failure::NotFound => "no such resource",
        Failure::Conflict => "the resource was changed meanwhile or already exists",
        Failure::TooLarge => "the request body is too large",
        Failure::UnsupportedMediaType => "send JSON with Content-Type: application/json",
        Failure::MethodNotAllowed => "this method is not allowed here",
        Failure::TooManyAttempts(_) => "too many attempts; wait and try again",
        Failure::Unavailable => "the service is not ready",
        Failure::Internal => "an internal error occurred; it has been logged",
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = serde_json::json!({ "code": self.failure.code(), "message": self.message });
        if !self.fields.is_empty() {
            body["fields"] = serde_json::to_value(&self.fields).unwrap_or_default();
        }
        let mut res = (self.failure.status(), axum::Json(body)).into_response();
        res.extensions_mut().insert(ApiRendered);
        res
    }
}

/// Marks a response as already rendered as a JSON error.
#[derive(Clone, Copy)]
struct ApiRendered;

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
    use askama::Template;
    let message = match f {
        Failure::TooManyAttempts(s) => tr.t1("error-too_many_attempts", "seconds", s),
        other => tr.t(&format!("error-{}", other.code())),
    };
    let page = crate::pages::ErrorPage {
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
