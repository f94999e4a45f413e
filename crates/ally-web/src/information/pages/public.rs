//! The public anonymous report form (`/report`) and the organisation's intake address
//! (`/settings/intake`).

use ally_core::authz::Action;
use ally_core::information::{EntityInput, ReportInput};
use ally_core::person::FieldError;
use ally_store::{PublicReportError, StoreError};
use askama::Template;
use axum::extract::Query;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;

use crate::ctx::{Ctx, Posted, Viewer};
use crate::error::{Failure, PageError};
use crate::layout::{Layout, PageResult, html, layout, see_other};

use crate::information::common::{Choices, choices, field_messages, padded_entities, report_input};

#[derive(Template)]
#[template(path = "information_public.html")]
pub(crate) struct PublicPage {
    l: Layout,
    to: String,
    receiver: String,
    f: ReportInput,
    rows: Vec<EntityInput>,
    c: Choices,
    errors: Vec<String>,
    sent: bool,
}

#[derive(Deserialize)]
pub(crate) struct ToQuery {
    #[serde(default)]
    to: String,
}

pub(crate) async fn public_page(
    ctx: &Ctx,
    to: &str,
    f: ReportInput,
    errors: Vec<String>,
    sent: bool,
) -> PageResult {
    let receiver = ctx
        .state
        .store
        .report_receiver(Some(to).filter(|s| !s.is_empty()))
        .await?
        .ok_or(PageError::new(Failure::NotFound))?;
    let tr = &ctx.tr;
    html(&PublicPage {
        l: layout(ctx, tr.t("info-public-title"), "/report"),
        to: to.chars().take(40).collect(),
        receiver: receiver.1,
        rows: padded_entities(&f),
        f,
        c: choices(tr),
        errors,
        sent,
    })
}

pub(crate) async fn public_form(ctx: Ctx, Query(q): Query<ToQuery>) -> PageResult {
    public_page(&ctx, &q.to, ReportInput::default(), Vec::new(), false).await
}

/// The public form's text fields and its optional image.
pub(crate) type PublicFields = (Vec<(String, String)>, Option<Vec<u8>>);

/// The public form's fields and its optional image: a plain form, or `multipart/form-data`
/// when the reporter attached a picture. Anything else is refused.
pub(crate) fn public_fields(
    headers: &axum::http::HeaderMap,
    body: &[u8],
) -> Result<PublicFields, PageError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if ct.starts_with("multipart/form-data") {
        let mut data = Vec::new();
        let mut image = None;
        for (name, value) in
            crate::multipart::fields(ct, body).ok_or(PageError::new(Failure::BadRequest))?
        {
            if name == "image" {
                image = Some(value).filter(|v| !v.is_empty());
            } else {
                data.push((
                    name,
                    String::from_utf8(value).map_err(|_| PageError::new(Failure::BadRequest))?,
                ));
            }
        }
        Ok((data, image))
    } else if ct.starts_with("application/x-www-form-urlencoded") {
        if !crate::ctx::is_strict_utf8_form(body) {
            return Err(PageError::new(Failure::BadRequest));
        }
        let data =
            serde_urlencoded::from_bytes(body).map_err(|_| PageError::new(Failure::BadRequest))?;
        Ok((data, None))
    } else {
        Err(PageError::new(Failure::UnsupportedMediaType))
    }
}

pub(crate) async fn public_submit(
    ctx: Ctx,
    Query(q): Query<ToQuery>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> PageResult {
    let (data, image) = public_fields(&headers, &body)?;
    let mut f = report_input(&data);
    f.distribution.clear();
    f.indicators.clear();
    let to = if q.to.is_empty() {
        data.iter()
            .find(|(k, _)| k == "to")
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    } else {
        q.to.clone()
    };
    match f.validate(|_| false, true) {
        Err(errors) => {
            let msgs = field_messages(&ctx.tr, &errors);
            public_page(&ctx, &to, f, msgs, false)
                .await
                .map(|r| (StatusCode::BAD_REQUEST, r).into_response())
        }
        Ok(valid) => {
            let store = &ctx.state.store;
            let receiver = Some(to.as_str()).filter(|s| !s.is_empty());
            let filed = match &image {
                Some(img) => {
                    store
                        .file_public_report_with_image(receiver, valid, ctx.client.as_deref(), img)
                        .await
                }
                None => {
                    store
                        .file_public_report(receiver, valid, ctx.client.as_deref())
                        .await
                }
            };
            match filed {
                Ok(_) => public_page(&ctx, &to, ReportInput::default(), Vec::new(), true).await,
                Err(PublicReportError::RateLimited) => {
                    Err(PageError::new(Failure::TooManyAttempts(3600)))
                }
                Err(PublicReportError::NoReceiver) => Err(PageError::new(Failure::NotFound)),
                Err(PublicReportError::Store(StoreError::Invalid(errors))) => {
                    let msgs = field_messages(&ctx.tr, &errors);
                    public_page(&ctx, &to, f, msgs, false)
                        .await
                        .map(|r| (StatusCode::BAD_REQUEST, r).into_response())
                }
                Err(PublicReportError::Store(e)) => Err(e.into()),
            }
        }
    }
}

#[derive(Template)]
#[template(path = "information_intake.html")]
pub(crate) struct IntakePage {
    l: Layout,
    slug: String,
    current: Option<String>,
    is_default: bool,
    errors: Vec<String>,
}

pub(crate) async fn intake_page_with(
    v: &Viewer,
    slug: Option<String>,
    errors: Vec<String>,
) -> PageResult {
    let current = v.access().intake().report_intake().await?;
    let tr = &v.ctx.tr;
    html(&IntakePage {
        l: layout(&v.ctx, tr.t("info-intake-title"), "/organisation"),
        slug: slug
            .or_else(|| current.as_ref().map(|c| c.slug.clone()))
            .unwrap_or_default(),
        is_default: current.as_ref().is_some_and(|c| c.is_default),
        current: current.map(|c| c.slug),
        errors,
    })
}

pub(crate) async fn intake_page(v: Viewer) -> PageResult {
    intake_page_with(&v, None, Vec::new()).await
}

#[derive(Deserialize)]
pub(crate) struct IntakeForm {
    #[serde(default)]
    slug: String,
    /// `clear` removes the address.
    #[serde(default)]
    action: String,
}

pub(crate) async fn intake_save(
    v: Viewer,
    Posted { data, csrf }: Posted<IntakeForm>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let access = v.access();
    let slug = (data.action != "clear").then_some(data.slug.as_str());
    if slug.is_some_and(|s| s.trim().is_empty()) {
        access.require(Action::OrgManage).await?;
        let msg = field_messages(
            &v.ctx.tr,
            &[FieldError {
                field: "slug",
                code: "required",
            }],
        );
        return intake_page_with(&v, Some(String::new()), msg)
            .await
            .map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response());
    }
    match access.intake().set_report_intake(slug).await {
        Ok(()) => Ok(see_other("/settings/intake")),
        Err(StoreError::Invalid(errors)) => {
            let msg = field_messages(&v.ctx.tr, &errors);
            intake_page_with(&v, Some(data.slug.chars().take(60).collect()), msg)
                .await
                .map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
