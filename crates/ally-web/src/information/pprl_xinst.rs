//! Matching with members that run their own Ally instance (issue 5, §3): the run's
//! participation kit, uploads of encodings made elsewhere, results as CSV, and the member
//! side (encoding the organisation's records with a kit). The store decides and audits; these
//! handlers parse and present.

use ally_core::authz::Action;
use ally_store::{MAX_PPRL_UPLOAD_BYTES, PprlKit, PprlUploadError, StoreError, pprl_clks_csv};
use askama::Template;
use axum::Json;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use super::common::{api_uuid, download, parse_uuid};
use super::pages::pprl::pprl_run_page;
use crate::AppState;
use crate::ctx::{ApiCaller, Viewer};
use crate::error::{ApiError, Failure, PageError};
use crate::i18n::Tr;
use crate::json::ErrorBody;
use crate::layout::{Layout, PageResult, html, layout, see_other};

/// Uploads carry the file and the form around it.
pub(super) const UPLOAD_BODY_LIMIT: usize = MAX_PPRL_UPLOAD_BYTES + 64 * 1024;
/// A kit is a small JSON document.
pub(super) const KIT_BODY_LIMIT: usize = 64 * 1024;

// ----- helpers -----

/// A text cell a spreadsheet must not read as a formula (CSV injection): prefixed with `'`.
fn not_formula(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// A member's matches as `record_id,other_member,contact,similarity` (Dice, 0 to 1).
fn results_to_csv(matches: &[ally_store::PprlMatch]) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["record_id", "other_member", "contact", "similarity"])?;
    for m in matches {
        w.write_record([
            m.record_ref.to_string().as_str(),
            &not_formula(&m.other_org_name),
            &not_formula(&m.other_org_contact),
            &format!("{:.3}", m.similarity as f64 / 1000.0),
        ])?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    // Every field went in as a `&str`.
    Ok(String::from_utf8(bytes).unwrap_or_default())
}

fn upload_message(tr: &Tr, line: usize, problem: ally_store::UploadProblem) -> String {
    let what = tr.t(&format!("info-pprl-upload-error-{}", problem.code()));
    if line == 0 {
        what
    } else {
        format!("{} {what}", tr.t1("info-pprl-upload-line", "line", line))
    }
}

fn kit_message(tr: &Tr, e: &StoreError) -> Option<String> {
    match e {
        StoreError::Invalid(f) => Some(
            f.iter()
                .map(|f| tr.t(&format!("info-pprl-kit-error-{}", f.code)))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        _ => None,
    }
}

fn multipart(
    headers: &axum::http::HeaderMap,
    body: &[u8],
) -> Result<Vec<(String, Vec<u8>)>, PageError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !ct.starts_with("multipart/form-data") {
        return Err(PageError::new(Failure::UnsupportedMediaType));
    }
    crate::multipart::fields(ct, body).ok_or(PageError::new(Failure::BadRequest))
}

fn field(fields: &[(String, Vec<u8>)], name: &str) -> Vec<u8> {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

fn csv_response(body: String, name: &str) -> Response {
    download(body, "text/csv; charset=utf-8", name)
}

// ----- the network's instance: kit, upload, results -----

/// The run's participation kit (holds the network's secret), as a file.
pub(super) async fn kit_download(
    v: Viewer,
    Path(id): Path<String>,
    crate::ctx::Posted { csrf, .. }: crate::ctx::Posted<Vec<(String, String)>>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let id = parse_uuid(&id)?;
    let kit = v.access().pprl_members().pprl_kit(id).await?;
    Ok(download(
        kit.to_json()?,
        "application/json",
        &format!("pprl-kit-{id}.json"),
    ))
}

/// Encodings made on a member's own instance replace the organisation's encodings of the run.
pub(super) async fn upload_form(
    v: Viewer,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> PageResult {
    let id = parse_uuid(&id)?;
    let fields = multipart(&headers, &body)?;
    let csrf = String::from_utf8(field(&fields, "csrf")).unwrap_or_default();
    v.check_csrf(&csrf)?;
    match v
        .access()
        .pprl_members()
        .pprl_upload(id, &field(&fields, "clks"))
        .await
    {
        Ok(_) => Ok(see_other(&format!("/pprl/{id}"))),
        Err(PprlUploadError::Invalid { line, problem }) => {
            let msg = upload_message(&v.ctx.tr, line, problem);
            pprl_run_page(&v, id, Some(msg))
                .await
                .map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
        }
        Err(PprlUploadError::Store(e)) => Err(e.into()),
    }
}

/// The organisation's matches as CSV, for a member that looks its records up on its own
/// instance.
pub(super) async fn results_csv(v: Viewer, Path(id): Path<String>) -> PageResult {
    let id = parse_uuid(&id)?;
    let (_, matches) = v.access().pprl().pprl_results(id).await?;
    let body = results_to_csv(&matches).map_err(|_| PageError::Fail(Failure::Internal))?;
    Ok(csv_response(body, &format!("pprl-results-{id}.csv")))
}

// ----- a member's own instance: encode with a kit -----

#[derive(Template)]
#[template(path = "information_pprl_contribute.html")]
struct ContributePage {
    l: Layout,
    error: Option<String>,
}

async fn contribute_render(v: &Viewer, error: Option<String>) -> PageResult {
    html(&ContributePage {
        l: layout(&v.ctx, v.ctx.tr.t("info-pprl-contribute-title"), "/reports"),
        error,
    })
}

pub(super) async fn contribute_page(v: Viewer) -> PageResult {
    v.access().require(Action::PprlRun).await?;
    contribute_render(&v, None).await
}

/// Encodes the organisation's person entities with an uploaded kit and returns the file to
/// send to the network (`record_id,clk`; no names).
pub(super) async fn contribute_form(
    v: Viewer,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> PageResult {
    let fields = multipart(&headers, &body)?;
    let csrf = String::from_utf8(field(&fields, "csrf")).unwrap_or_default();
    v.check_csrf(&csrf)?;
    let access = v.access();
    access.require(Action::PprlRun).await?;
    let kit = match PprlKit::from_json(&field(&fields, "kit")) {
        Ok(k) => k,
        Err(e) => {
            let msg = kit_message(&v.ctx.tr, &e).ok_or(PageError::from(e))?;
            return contribute_render(&v, Some(msg))
                .await
                .map(|r| (StatusCode::UNPROCESSABLE_ENTITY, r).into_response());
        }
    };
    let rows = access.pprl_members().pprl_contribute(&kit).await?;
    Ok(csv_response(
        pprl_clks_csv(&rows),
        &format!("pprl-clks-{}.csv", kit.run_id),
    ))
}

// ----- API -----

#[derive(Serialize, ToSchema)]
pub struct PprlUploadedDto {
    /// Encodings stored for the organisation in the run (its earlier ones are replaced).
    records: usize,
}

/// One of the organisation's records that another member's record matched.
#[derive(Serialize, ToSchema)]
pub struct PprlMatchDto {
    /// The organisation's own record id (an entity of this instance, or for uploaded
    /// encodings, of the member's own instance).
    record_id: String,
    /// Whether `record_id` is an entity of this instance.
    local: bool,
    other_member_id: String,
    other_member: String,
    /// The other member's contact in the organisation directory (may be empty).
    contact: String,
    /// Dice similarity in per mille.
    similarity: i64,
}

/// The run's participation kit for a member running its own instance: format, network, run,
/// the linkage schema and the network's secret (base64). It lets its holder test guessed names
/// against the network's encodings: give it only to participating members. Audited.
#[utoipa::path(post, path = "/api/v1/pprl/runs/{id}/kit", tag = "information", security(("bearer" = [])),
    params(("id" = String, Path, description = "Run id")),
    responses((status = 200, description = "The kit (JSON)", content_type = "application/json"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn api_kit(
    caller: ApiCaller,
    axum::extract::State(state): axum::extract::State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = api_uuid(&id)?;
    let kit = caller
        .access(&state.store)
        .pprl_members()
        .pprl_kit(id)
        .await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], kit.to_json()?).into_response())
}

/// Takes part in a run with encodings made on a member's own instance (`ally pprl contribute`):
/// the body is `record_id,clk` CSV (UUID ids, each once; base64 encodings of the run's length).
/// The whole file is checked first: any error is a 400 naming the line, and nothing is written.
/// Replaces the organisation's earlier encodings of the run. Audited with the count.
#[utoipa::path(post, path = "/api/v1/pprl/runs/{id}/clks", tag = "information", security(("bearer" = [])),
    params(("id" = String, Path, description = "Run id")),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = PprlUploadedDto), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub(super) async fn api_upload(
    caller: ApiCaller,
    axum::extract::State(state): axum::extract::State<AppState>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<PprlUploadedDto>, ApiError> {
    let id = api_uuid(&id)?;
    match caller
        .access(&state.store)
        .pprl_members()
        .pprl_upload(id, &body)
        .await
    {
        Ok(records) => Ok(Json(PprlUploadedDto { records })),
        Err(PprlUploadError::Invalid { line, problem }) => Err(ApiError::new(
            Failure::BadRequest,
            format!("line {line}: {}", problem.code()),
        )),
        Err(PprlUploadError::Store(e)) => Err(e.into()),
    }
}

/// The organisation's matches in a run: its own record ids and whom to contact; never the
/// other member's record. Audited.
#[utoipa::path(get, path = "/api/v1/pprl/runs/{id}/results", tag = "information", security(("bearer" = [])),
    params(("id" = String, Path, description = "Run id")),
    responses((status = 200, body = [PprlMatchDto]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn api_results(
    caller: ApiCaller,
    axum::extract::State(state): axum::extract::State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Vec<PprlMatchDto>>, ApiError> {
    let id = api_uuid(&id)?;
    let (_, matches) = caller.access(&state.store).pprl().pprl_results(id).await?;
    Ok(Json(
        matches
            .into_iter()
            .map(|m| PprlMatchDto {
                record_id: m.record_ref.to_string(),
                local: m.local,
                other_member_id: m.other_org.to_string(),
                other_member: m.other_org_name,
                contact: m.other_org_contact,
                similarity: m.similarity,
            })
            .collect(),
    ))
}

/// On a member's own instance: the organisation's person entities encoded with a run's kit
/// (the body), as `record_id,clk` CSV to upload to the network. No names leave; audited with
/// the count.
#[utoipa::path(post, path = "/api/v1/pprl/contribute", tag = "information", security(("bearer" = [])),
    request_body(content = String, content_type = "application/json", description = "The participation kit"),
    responses((status = 200, description = "record_id,clk", content_type = "text/csv"),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn api_contribute(
    caller: ApiCaller,
    axum::extract::State(state): axum::extract::State<AppState>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let access = caller.access(&state.store);
    access.require(Action::PprlRun).await?;
    let kit = PprlKit::from_json(&body)?;
    let rows = access.pprl_members().pprl_contribute(&kit).await?;
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
        pprl_clks_csv(&rows),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use uuid::Uuid;

    #[test]
    fn results_csv_is_quoted_and_never_formulas() {
        let m = |name: &str, contact: &str| ally_store::PprlMatch {
            record_ref: Uuid::now_v7(),
            other_org: ally_core::OrgId::new(),
            other_org_name: name.to_owned(),
            other_org_contact: contact.to_owned(),
            similarity: 912,
            local: false,
        };
        let rows = [
            m("Shelter A, \"north\"", "+40 21 555"),
            m("=HYPERLINK(\"x\")", "@me"),
        ];
        let text = results_to_csv(&rows).unwrap();
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let got: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
        assert_eq!(got.len(), 2);
        assert_eq!(&got[0][1], "Shelter A, \"north\"");
        assert_eq!(&got[0][2], "'+40 21 555");
        assert_eq!(&got[0][3], "0.912");
        assert_eq!(&got[1][1], "'=HYPERLINK(\"x\")");
        assert_eq!(&got[1][2], "'@me");
        assert_eq!(&got[1][0], rows[1].record_ref.to_string());
    }
}
