//! The user's own account: language, password, second factor status, and API tokens.

use ally_store::StoreError;
use askama::Template;
use axum::extract::Path;
use axum::http::header;
use axum::response::IntoResponse;
use serde::Deserialize;

use crate::ctx::{Posted, Viewer, lang_cookie};
use crate::error::{Failure, PageError};
use crate::foundation::forms::{Empty, LangForm, field_messages};
use crate::i18n::LOCALES;
use crate::layout::{Layout, PageResult, fmt_ms, html, layout, see_other};

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

pub(crate) async fn account(v: Viewer) -> PageResult {
    account_page(&v, None, None, None).await
}

pub(crate) async fn account_language(
    v: Viewer,
    Posted { data, csrf }: Posted<LangForm>,
) -> PageResult {
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
pub(crate) struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new_password: String,
}

pub(crate) async fn account_password(
    v: Viewer,
    Posted { data, csrf }: Posted<PasswordForm>,
) -> PageResult {
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
pub(crate) struct TokenForm {
    #[serde(default)]
    name: String,
}

pub(crate) async fn account_token_create(
    v: Viewer,
    Posted { data, csrf }: Posted<TokenForm>,
) -> PageResult {
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

pub(crate) async fn account_token_revoke(
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
