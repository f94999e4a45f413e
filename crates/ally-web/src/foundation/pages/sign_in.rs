//! Public pages and the sign-in steps: the home redirect, the language picker, password
//! sign-in, the second-factor code, second-factor enrolment, and signing out (here or
//! everywhere).

use ally_store::SessionStage;
use askama::Template;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::ctx::{Ctx, Posted, Viewer, clear_session_cookie, lang_cookie, session_cookie};
use crate::error::{Failure, PageError};
use crate::foundation::forms::{Empty, LangForm};
use crate::i18n::LOCALES;
use crate::layout::{Layout, PageResult, html, layout, see_other};

/// After a sign-in step: the (new) session cookie, and on to the next page.
fn signed_in(ctx: &Ctx, token: &str, to: &str) -> Response {
    let mut res = see_other(to);
    res.headers_mut()
        .append(header::SET_COOKIE, session_cookie(token, ctx.secure));
    res
}

pub(crate) async fn home(ctx: Ctx) -> Response {
    match ctx.session {
        Some(s) if s.stage == SessionStage::Full => see_other("/dashboard"),
        _ => see_other("/sign-in"),
    }
}

pub(crate) async fn set_public_language(
    ctx: Ctx,
    Posted { data, .. }: Posted<LangForm>,
) -> PageResult {
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

pub(crate) async fn sign_in_page(ctx: Ctx) -> PageResult {
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
pub(crate) struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

pub(crate) async fn sign_in(ctx: Ctx, Posted { data, .. }: Posted<SignInForm>) -> PageResult {
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

pub(crate) async fn code_page(ctx: Ctx) -> PageResult {
    session_at(&ctx, SessionStage::SecondFactor)?;
    html(&CodePage {
        l: layout(&ctx, ctx.tr.t("code-title"), ""),
        error: None,
    })
}

#[derive(Deserialize)]
pub(crate) struct CodeForm {
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

pub(crate) async fn code_submit(ctx: Ctx, Posted { data, csrf }: Posted<CodeForm>) -> PageResult {
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
pub(crate) async fn enrol_page(ctx: Ctx) -> PageResult {
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

pub(crate) async fn enrol_submit(ctx: Ctx, Posted { data, csrf }: Posted<CodeForm>) -> PageResult {
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

pub(crate) async fn sign_out(ctx: Ctx, Posted { csrf, .. }: Posted<Empty>) -> PageResult {
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

pub(crate) async fn sign_out_everywhere(
    v: Viewer,
    Posted { csrf, .. }: Posted<Empty>,
) -> PageResult {
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
