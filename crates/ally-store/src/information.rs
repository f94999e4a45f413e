//! Storage of the information module (issue 5): reports, entities, links, operation packages,
//! the public report form's intake and rate limit.
//! Everything done for a principal is an `impl Access` block: authorised by `ally_core::authz`,
//! audited, and encrypted like the foundation's person records.
//!
//! * Reports and entities are sealed with the owning organisation's key (AAD
//!   `info-report:<org>:<id>`, `info-entity:<org>:<id>`). Kind, role, status, distribution and
//!   times stay in clear for lists.
//! * Matching keys of entities (E.164 phone, last nine digits, account, handle, plate, name keys)
//!   and search tokens of reports are stored only as keyed hashes (the organisation's blind-index
//!   key, with a domain prefix), so exact matching and search work without clear text on disk.
//! * Distribution: the owner always reads; other organisations read through grants computed from
//!   the record's level: named shares (`partners` and wider) and the members of the owner's
//!   networks (`network` and wider). A law-enforcement liaison organisation can be named only at
//!   the `law_enforcement` level. Operation packages are a separate, explicit disclosure.
//! * Entities in an offender's role (criminal-offence data) are shown only to principals holding
//!   `SuspectRead`, and are kept for a shorter default time; a suspect's access-request extract
//!   leaves out victims, witnesses, report text and reporters.
//! * Each entity has its own level (default: its report's), turned into grants the same way.
//!   A possible victim's entity, and a report naming one, reach another organisation only while
//!   the protection case linked to the entity holds a consent or legal basis covering that
//!   organisation (`ally_core::protection::sharing_permitted`, asked at every grant and read).
//! * Attachments (JPEG, PNG) are stripped of metadata by the labour module's filter and sealed
//!   (AAD `info-attachment:<org>:<id>`); they are read exactly as their report.

use std::collections::{BTreeMap, HashSet};

use ally_core::audit::{AuditEvent, AuditOutcome};
use ally_core::authz::{self, Action, Denied, Grant};
use ally_core::information::{
    Distribution, DistributionRefused, EntityKind, EntityRole, Exploitation, REPORT_RETENTION_MS,
    ReportStatus, ReportText, SUSPECT_RETENTION_MS, Source, ValidEntity, ValidReport,
    check_distribution_change,
};
use ally_core::normalize::{self, TokenKind};
use ally_core::org::OrgKind;
use ally_core::person::FieldError;
use ally_core::protection::{
    CaseId, ConsentRecord, FieldGroup, RecipientKind, SharingRequest, sharing_permitted,
};
use ally_core::{OrgId, UserId};
use ally_linkage::compare::jaro_winkler;
use ally_linkage::normalise as lnorm;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;
use uuid::Uuid;

use crate::access::{Access, id_col};
use crate::crypto::OrgKeys;
use crate::{Result, Store, StoreError, now_ms};

mod reindex;
mod shared;

pub use shared::{SharedEntity, SharedEntityPage};

/// Public submissions per client address (keyed hash) per hour.
pub const PUBLIC_PER_CLIENT_PER_HOUR: i64 = 5;
/// Public submissions per hour over the whole instance (also when no address is known).
pub const PUBLIC_GLOBAL_PER_HOUR: i64 = 300;
const HOUR_MS: i64 = 60 * 60 * 1000;
const DAY_MS: i64 = 24 * HOUR_MS;
/// A fuzzy name link is suggested from this match weight (log2 odds) on.
const FUZZY_THRESHOLD: f64 = 4.0;

// ----- views -----

#[derive(Debug, Clone, Serialize)]
pub struct ReportSummary {
    pub id: Uuid,
    pub org_id: OrgId,
    pub source: Source,
    pub status: ReportStatus,
    pub exploitation: Exploitation,
    pub distribution: Distribution,
    /// The first words of the observation (decrypted for the reader).
    pub excerpt: String,
    /// Where, for the map view (decrypted for the reader).
    pub place: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub created_at_ms: i64,
}

#[derive(Clone, Serialize)]
pub struct EntityView {
    pub id: Uuid,
    pub org_id: OrgId,
    pub kind: EntityKind,
    pub role: EntityRole,
    pub suspect: bool,
    pub distribution: Distribution,
    /// `None` when withheld (criminal-offence data and the reader lacks `SuspectRead`).
    pub value: Option<String>,
    pub created_at_ms: i64,
}

impl std::fmt::Debug for EntityView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EntityView")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Serialize)]
pub struct ReportView {
    pub id: Uuid,
    pub org_id: OrgId,
    pub source: Source,
    pub status: ReportStatus,
    pub exploitation: Exploitation,
    pub indicators: Vec<String>,
    pub distribution: Distribution,
    pub text: ReportText,
    pub entities: Vec<EntityView>,
    /// Named organisations the report is shared with (owner only; empty for others).
    pub shared_with: Vec<OrgId>,
    pub created_at_ms: i64,
    pub retain_until_ms: i64,
    /// Images attached to the report (metadata stripped), without their bytes.
    pub attachments: Vec<AttachmentSummary>,
}

/// An image attached to a report.
#[derive(Debug, Clone, Serialize)]
pub struct AttachmentSummary {
    pub id: Uuid,
    pub content_type: String,
    pub size: i64,
    pub created_at_ms: i64,
}

impl std::fmt::Debug for ReportView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReportView")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkStatus {
    Suggested,
    Confirmed,
    Rejected,
}

impl LinkStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkStatus::Suggested => "suggested",
            LinkStatus::Confirmed => "confirmed",
            LinkStatus::Rejected => "rejected",
        }
    }
    fn parse(s: &str) -> Option<LinkStatus> {
        [
            LinkStatus::Suggested,
            LinkStatus::Confirmed,
            LinkStatus::Rejected,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// A suggested or decided link between two entities, with each field's contribution.
#[derive(Debug, Clone, Serialize)]
pub struct LinkView {
    pub id: Uuid,
    pub entity_a: Uuid,
    pub entity_b: Uuid,
    pub status: LinkStatus,
    /// `exact` (same blind-index key) or `fuzzy` (name comparison).
    pub method: String,
    /// Match probability in per mille.
    pub score: i64,
    /// (field, weight in log2 odds): the explanation of the score.
    pub contributions: Vec<(String, f64)>,
}

/// An entity with the reports it appears in and its links.
#[derive(Debug, Clone, Serialize)]
pub struct EntityPage {
    pub entity: EntityView,
    pub reports: Vec<ReportSummary>,
    /// Links with the entity on the other side (withheld values stay withheld).
    pub links: Vec<(LinkView, EntityView)>,
    /// For a possible victim: the protection case whose consent governs sharing (owner only).
    pub victim_case: Option<Uuid>,
    /// Organisations named on the entity itself (owner only; its reports' named ones also
    /// read it from `partners` on).
    pub shared_with: Vec<OrgId>,
}

/// One file of an operation package and its SHA-256.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestEntry {
    pub file: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OperationSummary {
    pub id: Uuid,
    pub org_id: OrgId,
    pub to_org: OrgId,
    pub created_at_ms: i64,
}

/// An operation package: the JSON document, its printable HTML and the manifest of hashes.
#[derive(Clone, Serialize)]
pub struct OperationPackage {
    pub id: Uuid,
    pub org_id: OrgId,
    pub to_org: OrgId,
    pub created_at_ms: i64,
    pub json: String,
    pub html: String,
    pub manifest: Vec<ManifestEntry>,
    /// The hashes of the package as read equal the manifest recorded at export.
    pub verified: bool,
}

impl std::fmt::Debug for OperationPackage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperationPackage")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// What an operation package holds.
#[derive(Clone, Default)]
pub struct OperationRequest {
    pub to_org: OrgId,
    pub reason: String,
    pub reports: Vec<Uuid>,
    pub entities: Vec<Uuid>,
}

impl std::fmt::Debug for OperationRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperationRequest")
            .field("reports", &self.reports.len())
            .field("entities", &self.entities.len())
            .finish_non_exhaustive()
    }
}

/// Why a public report was not taken.
#[derive(Debug, thiserror::Error)]
pub enum PublicReportError {
    #[error("too many reports from here; try again later")]
    RateLimited,
    #[error("no organisation receives public reports at this address")]
    NoReceiver,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for PublicReportError {
    fn from(e: sqlx::Error) -> Self {
        PublicReportError::Store(e.into())
    }
}

// ----- helpers -----

fn report_aad(org: OrgId, id: Uuid) -> String {
    format!("info-report:{org}:{id}")
}
fn entity_aad(org: OrgId, id: Uuid) -> String {
    format!("info-entity:{org}:{id}")
}
fn operation_aad(org: OrgId, id: Uuid) -> String {
    format!("info-operation:{org}:{id}")
}

/// The field groups of the protection case's consent that sharing a possible victim's entity
/// discloses: who or how to reach them (identity for a person or company, contact otherwise),
/// and that they appear in a report of exploitation.
fn victim_fields(kind: EntityKind) -> std::collections::BTreeSet<FieldGroup> {
    let who = match kind {
        EntityKind::Person | EntityKind::Company => FieldGroup::Identity,
        EntityKind::Place
        | EntityKind::Phone
        | EntityKind::Vehicle
        | EntityKind::Website
        | EntityKind::Account => FieldGroup::Contact,
    };
    [who, FieldGroup::Exploitation].into_iter().collect()
}

fn invalid(field: &'static str, code: &'static str) -> StoreError {
    StoreError::Invalid(vec![FieldError { field, code }])
}

fn refused(r: DistributionRefused) -> StoreError {
    match r {
        DistributionRefused::WidenNeedsCoordinator => {
            StoreError::Denied(Denied::RoleLacksPermission(Action::DistributionWiden))
        }
        DistributionRefused::VictimConsentRequired => {
            invalid("distribution", "victim_consent_required")
        }
    }
}

fn uuid_col(row: &sqlx::any::AnyRow, c: &str) -> Result<Uuid> {
    row.try_get::<String, _>(c)?
        .parse()
        .map_err(|_| StoreError::Corrupt("malformed id in database"))
}

fn parse_code<T>(s: &str, f: impl Fn(&str) -> Option<T>) -> Result<T> {
    f(s).ok_or(StoreError::Corrupt("information code"))
}

/// Unicode decimal digits (Arabic-Indic, Devanagari...) to ASCII, so that a phone number typed
/// in another script meets its Latin-digit spelling.
fn ascii_digits(s: &str) -> String {
    s.chars()
        .map(|c| {
            let cp = c as u32;
            let zero = [0x660u32, 0x6F0, 0x966, 0x9E6, 0xFF10]
                .into_iter()
                .find(|z| (*z..*z + 10).contains(&cp));
            match zero.and_then(|z| char::from_digit(cp - z, 10)) {
                Some(d) => d,
                None => c,
            }
        })
        .collect()
}

const COMPANY_SUFFIXES: &[&str] = &[
    "ltd", "limited", "srl", "sa", "sas", "sarl", "gmbh", "ag", "llc", "inc", "bv", "nv", "spa",
    "sl", "ood", "eood", "co", "company", "plc",
];

/// The exact-match keys of an entity (before blinding).
pub fn entity_keys(kind: EntityKind, value: &str) -> Vec<String> {
    let mut out = Vec::new();
    match kind {
        EntityKind::Phone => {
            let v = ascii_digits(value);
            if let Some(e164) = lnorm::phone_key(&v, None).filter(|k| k.starts_with('+')) {
                out.push(format!("e164:{e164}"));
            }
            let digits: String = v.chars().filter(char::is_ascii_digit).collect();
            if digits.len() >= 9 {
                out.push(format!("last9:{}", &digits[digits.len() - 9..]));
            }
        }
        EntityKind::Account | EntityKind::Vehicle => {
            let k = lnorm::code_key(&ascii_digits(value)).to_uppercase();
            if k.len() >= 3 {
                out.push(format!("code:{k}"));
            }
        }
        EntityKind::Website => {
            let mut k = normalize::fold(value.trim());
            for p in ["https://", "http://", "www.", "@"] {
                if let Some(rest) = k.strip_prefix(p) {
                    k = rest.to_owned();
                }
            }
            let k = k.trim_end_matches('/').to_owned();
            if k.len() >= 2 {
                out.push(format!("handle:{k}"));
            }
        }
        EntityKind::Person => {
            let k = lnorm::sorted_name_key(value);
            if !k.is_empty() {
                out.push(format!("name:{k}"));
            }
        }
        EntityKind::Company => {
            let k = company_key(value);
            if !k.is_empty() {
                out.push(format!("company:{k}"));
            }
        }
        EntityKind::Place => {
            let k = lnorm::text_key(value);
            if !k.is_empty() {
                out.push(format!("place:{k}"));
            }
        }
    }
    out
}

fn company_key(value: &str) -> String {
    lnorm::name_key(value)
        .split(' ')
        .filter(|t| !t.is_empty() && !COMPANY_SUFFIXES.contains(t))
        .collect::<Vec<_>>()
        .join(" ")
}

fn blind_entity_key(keys: &OrgKeys, kind: EntityKind, key: &str) -> Vec<u8> {
    keys.blind(
        TokenKind::Document,
        &format!("info-entity\u{0}{}\u{0}{key}", kind.as_str()),
    )
}

/// Search tokens: folded, transliterated words, blinded per domain (`text` for report text and
/// ordinary entities, `suspect` for offenders' data, searched only with `SuspectRead`).
fn blind_search(keys: &OrgKeys, domain: &str, token: &str) -> Vec<u8> {
    keys.blind(
        TokenKind::Name,
        &format!("info-search\u{0}{domain}\u{0}{token}"),
    )
}

fn search_tokens(text: &str) -> Vec<String> {
    let t = ascii_digits(text);
    let mut out = normalize::name_tokens(&t);
    // Phone-like runs: also their last nine digits.
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    if digits.len() >= 9 {
        out.push(digits[digits.len() - 9..].to_owned());
    }
    out.sort();
    out.dedup();
    out
}

/// Tokens of a search query: a phone number is searched by its last nine digits only.
fn query_tokens(q: &str) -> Vec<String> {
    let t = ascii_digits(q);
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    if digits.len() >= 9
        && t.chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
    {
        return vec![digits[digits.len() - 9..].to_owned()];
    }
    search_tokens(q)
}

/// Fellegi-Sunter weights (log2 m/u) of a name comparison level, with prior m and u (the
/// platform compares few records at a time: too few for EM; the CLI estimates them).
fn level_weight(sim: f64) -> f64 {
    let (m, u): (f64, f64) = if sim >= 0.96 {
        (0.90, 0.01)
    } else if sim >= 0.80 {
        (0.07, 0.04)
    } else {
        (0.03, 0.95)
    };
    (m / u).log2()
}

/// Compares two names field by field; returns the contributions.
pub fn name_contributions(kind: EntityKind, a: &str, b: &str) -> Vec<(String, f64)> {
    let (ka, kb) = if kind == EntityKind::Company {
        (company_key(a), company_key(b))
    } else {
        (lnorm::sorted_name_key(a), lnorm::sorted_name_key(b))
    };
    let mut out = vec![("full_name".to_owned(), level_weight(jaro_winkler(&ka, &kb)))];
    if kind == EntityKind::Person {
        let na = lnorm::name_key(a);
        let nb = lnorm::name_key(b);
        let ta: Vec<&str> = na.split(' ').filter(|t| !t.is_empty()).collect();
        let tb: Vec<&str> = nb.split(' ').filter(|t| !t.is_empty()).collect();
        if ta.len() >= 2 && tb.len() >= 2 {
            // Best pairing of the outer tokens, so that swapped name order still agrees.
            let (a0, a1) = (ta[0], ta[ta.len() - 1]);
            let (b0, b1) = (tb[0], tb[tb.len() - 1]);
            let straight = jaro_winkler(a0, b0) + jaro_winkler(a1, b1);
            let swapped = jaro_winkler(a0, b1) + jaro_winkler(a1, b0);
            let (g, f) = if swapped > straight {
                (jaro_winkler(a0, b1), jaro_winkler(a1, b0))
            } else {
                (jaro_winkler(a0, b0), jaro_winkler(a1, b1))
            };
            out.push(("given_name".to_owned(), level_weight(g) / 2.0));
            out.push(("family_name".to_owned(), level_weight(f) / 2.0));
        }
    }
    out
}

fn encode_contributions(c: &[(String, f64)]) -> String {
    c.iter()
        .map(|(f, w)| format!("{f}={w:.2}"))
        .collect::<Vec<_>>()
        .join(";")
}

fn decode_contributions(s: &str) -> Vec<(String, f64)> {
    s.split(';')
        .filter_map(|p| {
            let (f, w) = p.split_once('=')?;
            Some((f.to_owned(), w.parse().ok()?))
        })
        .collect()
}

fn html_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

/// A suggested link: method, match weight, field contributions.
type Suggestion = (String, f64, Vec<(String, f64)>);

/// The sealed part of an entity.
#[derive(serde::Serialize, serde::Deserialize)]
struct EntitySecret {
    value: String,
}

struct EntityRow {
    id: Uuid,
    org_id: OrgId,
    kind: EntityKind,
    role: EntityRole,
    distribution: Distribution,
    value: String,
    created_at_ms: i64,
    retain_until_ms: i64,
}

impl EntityRow {
    fn view(&self, may_suspect: bool) -> EntityView {
        let suspect = self.role.is_suspect();
        EntityView {
            id: self.id,
            org_id: self.org_id,
            kind: self.kind,
            role: self.role,
            suspect,
            distribution: self.distribution,
            value: (!suspect || may_suspect).then(|| self.value.clone()),
            created_at_ms: self.created_at_ms,
        }
    }
}

struct ReportRow {
    id: Uuid,
    org_id: OrgId,
    source: Source,
    status: ReportStatus,
    exploitation: Exploitation,
    indicators: Vec<String>,
    distribution: Distribution,
    text: ReportText,
    created_at_ms: i64,
    retain_until_ms: i64,
}

const REPORT_COLS: &str = "id, org_id, source, status, exploitation, indicators, distribution, sealed, created_at, retain_until";
const ENTITY_COLS: &str = "id, org_id, kind, role, distribution, sealed, created_at, retain_until";

async fn report_from_row(store: &Store, row: &sqlx::any::AnyRow) -> Result<ReportRow> {
    let id = uuid_col(row, "id")?;
    let org_id: OrgId = id_col(row, "org_id")?;
    let keys = store.org_keys(org_id).await?;
    let sealed: Vec<u8> = row.try_get("sealed")?;
    let plain = zeroize::Zeroizing::new(keys.open(&report_aad(org_id, id), &sealed)?);
    let text: ReportText =
        serde_json::from_slice(&plain).map_err(|_| StoreError::Corrupt("report"))?;
    let indicators: String = row.try_get("indicators")?;
    Ok(ReportRow {
        id,
        org_id,
        source: parse_code(&row.try_get::<String, _>("source")?, Source::parse)?,
        status: parse_code(&row.try_get::<String, _>("status")?, ReportStatus::parse)?,
        exploitation: parse_code(
            &row.try_get::<String, _>("exploitation")?,
            Exploitation::parse,
        )?,
        indicators: indicators
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        distribution: parse_code(
            &row.try_get::<String, _>("distribution")?,
            Distribution::parse,
        )?,
        text,
        created_at_ms: row.try_get("created_at")?,
        retain_until_ms: row.try_get("retain_until")?,
    })
}

async fn entity_from_row(store: &Store, row: &sqlx::any::AnyRow) -> Result<EntityRow> {
    let id = uuid_col(row, "id")?;
    let org_id: OrgId = id_col(row, "org_id")?;
    let keys = store.org_keys(org_id).await?;
    let sealed: Vec<u8> = row.try_get("sealed")?;
    let plain = zeroize::Zeroizing::new(keys.open(&entity_aad(org_id, id), &sealed)?);
    let secret: EntitySecret =
        serde_json::from_slice(&plain).map_err(|_| StoreError::Corrupt("entity"))?;
    Ok(EntityRow {
        id,
        org_id,
        kind: parse_code(&row.try_get::<String, _>("kind")?, EntityKind::parse)?,
        role: parse_code(&row.try_get::<String, _>("role")?, EntityRole::parse)?,
        distribution: parse_code(
            &row.try_get::<String, _>("distribution")?,
            Distribution::parse,
        )?,
        value: secret.value,
        created_at_ms: row.try_get("created_at")?,
        retain_until_ms: row.try_get("retain_until")?,
    })
}

fn summary(r: &ReportRow) -> ReportSummary {
    let mut excerpt: String = r.text.what.chars().take(90).collect();
    if r.text.what.chars().count() > 90 {
        excerpt.push('…');
    }
    ReportSummary {
        id: r.id,
        org_id: r.org_id,
        source: r.source,
        status: r.status,
        exploitation: r.exploitation,
        distribution: r.distribution,
        excerpt,
        place: r.text.place.clone(),
        latitude: r.text.latitude,
        longitude: r.text.longitude,
        created_at_ms: r.created_at_ms,
    }
}

/// Inserts a report and its entities, keys and tokens in `tx`.
async fn insert_report(
    store: &Store,
    tx: &mut sqlx::AnyConnection,
    org: OrgId,
    report: &ValidReport,
    source: Source,
    status: ReportStatus,
    created_by: Option<UserId>,
) -> Result<(Uuid, Vec<Uuid>)> {
    let keys = store.org_keys(org).await?;
    let id = Uuid::now_v7();
    let now = now_ms();
    let json = zeroize::Zeroizing::new(
        serde_json::to_vec(&report.text).map_err(|_| StoreError::Corrupt("report"))?,
    );
    let sealed = keys.seal(&report_aad(org, id), &json)?;
    sqlx::query(
        "INSERT INTO info_reports (id, org_id, source, status, exploitation, indicators, distribution, sealed, created_by, created_at, updated_at, retain_until) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(id.to_string())
    .bind(org.to_string())
    .bind(source.as_str())
    .bind(status.as_str())
    .bind(report.exploitation.as_str())
    .bind(report.indicators.join(","))
    .bind(report.distribution.as_str())
    .bind(sealed)
    .bind(created_by.map(|u| u.to_string()))
    .bind(now)
    .bind(now)
    .bind(now + REPORT_RETENTION_MS)
    .execute(&mut *tx)
    .await?;
    let mut entity_ids = Vec::new();
    for e in &report.entities {
        let eid = insert_entity(&keys, tx, org, e, report.distribution, now).await?;
        sqlx::query(
            "INSERT INTO info_report_entities (report_id, entity_id, org_id) VALUES ($1, $2, $3)",
        )
        .bind(id.to_string())
        .bind(eid.to_string())
        .bind(org.to_string())
        .execute(&mut *tx)
        .await?;
        // Per entity, so that search respects each entity's own distribution level.
        insert_entity_tokens(tx, &keys, org, eid, e.role, &e.value).await?;
        entity_ids.push(eid);
    }
    insert_report_tokens(tx, &keys, org, id, &report.text).await?;
    Ok((id, entity_ids))
}

/// Indexes a report's own words (text and place; never its entities') in `info_report_tokens`.
async fn insert_report_tokens(
    tx: &mut sqlx::AnyConnection,
    keys: &OrgKeys,
    org: OrgId,
    report: Uuid,
    text: &ReportText,
) -> Result<()> {
    let tokens: HashSet<Vec<u8>> = search_tokens(&format!("{} {}", text.what, text.place))
        .iter()
        .map(|t| blind_search(keys, "text", t))
        .collect();
    for t in tokens {
        sqlx::query(
            "INSERT INTO info_report_tokens (org_id, token, report_id) VALUES ($1, $2, $3)",
        )
        .bind(org.to_string())
        .bind(t)
        .bind(report.to_string())
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// Indexes one entity's value in `info_entity_tokens` (the `suspect` domain for offenders').
async fn insert_entity_tokens(
    tx: &mut sqlx::AnyConnection,
    keys: &OrgKeys,
    org: OrgId,
    entity: Uuid,
    role: EntityRole,
    value: &str,
) -> Result<()> {
    let domain = if role.is_suspect() { "suspect" } else { "text" };
    let tokens: HashSet<Vec<u8>> = search_tokens(value)
        .iter()
        .map(|t| blind_search(keys, domain, t))
        .collect();
    for t in tokens {
        sqlx::query(
            "INSERT INTO info_entity_tokens (org_id, token, entity_id) VALUES ($1, $2, $3)",
        )
        .bind(org.to_string())
        .bind(t)
        .bind(entity.to_string())
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

async fn insert_entity(
    keys: &OrgKeys,
    tx: &mut sqlx::AnyConnection,
    org: OrgId,
    e: &ValidEntity,
    distribution: Distribution,
    now: i64,
) -> Result<Uuid> {
    let id = Uuid::now_v7();
    let json = zeroize::Zeroizing::new(
        serde_json::to_vec(&EntitySecret {
            value: e.value.clone(),
        })
        .map_err(|_| StoreError::Corrupt("entity"))?,
    );
    let sealed = keys.seal(&entity_aad(org, id), &json)?;
    let suspect = e.role.is_suspect();
    // A possible victim's data is never distributed beyond the owner at creation.
    let distribution = if e.role == EntityRole::PossibleVictim {
        Distribution::Own
    } else {
        distribution
    };
    sqlx::query(
        "INSERT INTO info_entities (id, org_id, kind, role, suspect, distribution, sealed, created_at, retain_until) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id.to_string())
    .bind(org.to_string())
    .bind(e.kind.as_str())
    .bind(e.role.as_str())
    .bind(i64::from(suspect))
    .bind(distribution.as_str())
    .bind(sealed)
    .bind(now)
    .bind(
        now + if suspect {
            SUSPECT_RETENTION_MS
        } else {
            REPORT_RETENTION_MS
        },
    )
    .execute(&mut *tx)
    .await?;
    let mut blinded: Vec<Vec<u8>> = entity_keys(e.kind, &e.value)
        .iter()
        .map(|k| blind_entity_key(keys, e.kind, k))
        .collect();
    blinded.sort();
    blinded.dedup();
    for b in blinded {
        sqlx::query("INSERT INTO info_entity_keys (org_id, key, entity_id) VALUES ($1, $2, $3)")
            .bind(org.to_string())
            .bind(b)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
    }
    Ok(id)
}

fn public_event(action: &str, org: OrgId, target: Option<String>, detail: String) -> AuditEvent {
    AuditEvent {
        at_ms: now_ms(),
        actor_user: None,
        org: Some(org.to_string()),
        action: action.to_owned(),
        target_kind: target.as_ref().map(|_| "report".to_owned()),
        target_id: target,
        outcome: AuditOutcome::Success,
        detail,
        // Never the client address: public reporters stay anonymous.
        client: None,
    }
}

// ----- the public form (no principal) -----

impl Store {
    /// Makes `org` receive public reports at `/report?to=<slug>`; `is_default`: also those sent
    /// without `to` (one default at a time). Operator and demo use.
    pub async fn set_report_intake(&self, org: OrgId, slug: &str, is_default: bool) -> Result<()> {
        let slug = valid_slug(slug)?;
        let mut tx = self.db().begin_write().await?;
        if is_default {
            sqlx::query("UPDATE info_intake SET is_default = 0")
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM info_intake WHERE org_id = $1 OR slug = $2")
            .bind(org.to_string())
            .bind(&slug)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO info_intake (org_id, slug, is_default) VALUES ($1, $2, $3)")
            .bind(org.to_string())
            .bind(&slug)
            .bind(i64::from(is_default))
            .execute(&mut *tx)
            .await?;
        let ev = public_event("report.intake", org, None, format!("default={is_default}"));
        self.commit_audited(tx, &[ev]).await?;
        Ok(())
    }

    /// The organisation receiving public reports sent to `to` (or without `to`: the default).
    pub async fn report_receiver(&self, to: Option<&str>) -> Result<Option<(OrgId, String)>> {
        let row = match to.map(str::trim).filter(|s| !s.is_empty()) {
            Some(slug) => {
                sqlx::query(
                    "SELECT i.org_id, o.name FROM info_intake i JOIN organisations o ON o.id = i.org_id WHERE i.slug = $1",
                )
                .bind(slug.to_ascii_lowercase())
                .fetch_optional(&self.db().pool)
                .await?
            }
            None => {
                sqlx::query(
                    "SELECT i.org_id, o.name FROM info_intake i JOIN organisations o ON o.id = i.org_id WHERE i.is_default = 1",
                )
                .fetch_optional(&self.db().pool)
                .await?
            }
        };
        match row {
            None => Ok(None),
            Some(r) => Ok(Some((id_col(&r, "org_id")?, r.try_get("name")?))),
        }
    }

    /// Today's key of the rate limit's keyed hashes: random, wrapped by the master key, deleted
    /// the next day, so that yesterday's hashes cannot be reversed by trying every address.
    async fn intake_day_key(
        &self,
        tx: &mut sqlx::AnyConnection,
        day: i64,
    ) -> Result<zeroize::Zeroizing<[u8; 32]>> {
        let purpose = format!("intake-day:{day}");
        sqlx::query("DELETE FROM info_intake_keys WHERE day < $1")
            .bind(day)
            .execute(&mut *tx)
            .await?;
        let row = sqlx::query("SELECT wrapped FROM info_intake_keys WHERE day = $1")
            .bind(day)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(r) = row {
            let wrapped: Vec<u8> = r.try_get("wrapped")?;
            return Ok(self.keys().master().unwrap_key(&purpose, &wrapped)?);
        }
        let key = zeroize::Zeroizing::new(crate::crypto::random_bytes::<32>()?);
        let wrapped = self.keys().master().wrap(&purpose, &key)?;
        sqlx::query("INSERT INTO info_intake_keys (day, wrapped) VALUES ($1, $2)")
            .bind(day)
            .bind(wrapped)
            .execute(&mut *tx)
            .await?;
        Ok(key)
    }

    async fn hit(tx: &mut sqlx::AnyConnection, bucket: &str, window: i64) -> Result<i64> {
        sqlx::query(
            "INSERT INTO info_intake_rate (bucket, window_start, hits) VALUES ($1, $2, 1) \
             ON CONFLICT (bucket) DO UPDATE SET \
               hits = CASE WHEN info_intake_rate.window_start = excluded.window_start THEN info_intake_rate.hits + 1 ELSE 1 END, \
               window_start = excluded.window_start",
        )
        .bind(bucket)
        .bind(window)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query("SELECT hits FROM info_intake_rate WHERE bucket = $1")
            .bind(bucket)
            .fetch_one(&mut *tx)
            .await?;
        Ok(row.try_get("hits")?)
    }

    /// Files an anonymous public report into the receiving organisation's triage queue.
    /// `client` is used only for the rate limit, as a keyed hash under today's key; it is
    /// neither stored nor audited nor logged. Over the limit, nothing is written.
    pub async fn file_public_report(
        &self,
        to: Option<&str>,
        report: ValidReport,
        client: Option<&str>,
    ) -> Result<Uuid, PublicReportError> {
        let (org, _) = self
            .report_receiver(to)
            .await?
            .ok_or(PublicReportError::NoReceiver)?;
        let now = now_ms();
        let window = now - now.rem_euclid(HOUR_MS);
        let mut tx = self.db().begin_write().await?;
        sqlx::query("DELETE FROM info_intake_rate WHERE window_start < $1")
            .bind(window - HOUR_MS)
            .execute(&mut *tx)
            .await?;
        if let Some(addr) = client {
            let day = now.div_euclid(DAY_MS);
            let key = self.intake_day_key(&mut tx, day).await?;
            let mut m = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(key.as_slice())
                .map_err(|_| StoreError::Corrupt("intake key"))?;
            m.update(addr.as_bytes());
            let bucket = format!("c:{}", hex::encode(&m.finalize().into_bytes()[..16]));
            if Self::hit(&mut tx, &bucket, window).await? > PUBLIC_PER_CLIENT_PER_HOUR {
                drop(tx);
                return Err(PublicReportError::RateLimited);
            }
        }
        if Self::hit(&mut tx, "global", window).await? > PUBLIC_GLOBAL_PER_HOUR {
            drop(tx);
            return Err(PublicReportError::RateLimited);
        }
        let mut report = report;
        report.distribution = Distribution::Own;
        let (id, _) = insert_report(
            self,
            &mut tx,
            org,
            &report,
            Source::Public,
            ReportStatus::Triage,
            None,
        )
        .await?;
        let ev = public_event(
            "report.public",
            org,
            Some(id.to_string()),
            format!("entities={}", report.entities.len()),
        );
        self.commit_audited(tx, &[ev]).await?;
        Ok(id)
    }
}

// ----- retention -----

impl Store {
    /// Erases information past its retention time (`retain_until` < `now`): offenders' entities
    /// after their shorter default time, reports and their other entities after theirs, with
    /// their keys, tokens, links and memberships. Returns (reports, entities) erased. Meant for
    /// a daily job; audited with counts only.
    pub async fn purge_expired_information(&self, now: i64) -> Result<(u64, u64)> {
        let mut tx = self.db().begin_write().await?;
        let mut reports = 0;
        let mut entities = 0;
        for q in [
            "DELETE FROM info_report_tokens WHERE report_id IN (SELECT id FROM info_reports WHERE retain_until < $1)",
            "DELETE FROM info_reindex WHERE report_id IN (SELECT id FROM info_reports WHERE retain_until < $1)",
            "DELETE FROM info_attachments WHERE report_id IN (SELECT id FROM info_reports WHERE retain_until < $1)",
            "DELETE FROM info_report_entities WHERE report_id IN (SELECT id FROM info_reports WHERE retain_until < $1)",
            "DELETE FROM info_shares WHERE record_kind = 'report' AND record_id IN (SELECT id FROM info_reports WHERE retain_until < $1)",
            "DELETE FROM info_reports WHERE retain_until < $1",
            "DELETE FROM info_entity_keys WHERE entity_id IN (SELECT id FROM info_entities WHERE retain_until < $1)",
            "DELETE FROM info_entity_tokens WHERE entity_id IN (SELECT id FROM info_entities WHERE retain_until < $1)",
            "DELETE FROM info_victim_cases WHERE entity_id IN (SELECT id FROM info_entities WHERE retain_until < $1)",
            "DELETE FROM info_shares WHERE record_kind = 'entity' AND record_id IN (SELECT id FROM info_entities WHERE retain_until < $1)",
            "DELETE FROM info_report_entities WHERE entity_id IN (SELECT id FROM info_entities WHERE retain_until < $1)",
            "DELETE FROM info_links WHERE entity_a IN (SELECT id FROM info_entities WHERE retain_until < $1) \
               OR entity_b IN (SELECT id FROM info_entities WHERE retain_until < $1)",
            "DELETE FROM info_pprl_clks WHERE record_ref IN (SELECT id FROM info_entities WHERE retain_until < $1)",
            "DELETE FROM info_pprl_matches WHERE record_ref IN (SELECT id FROM info_entities WHERE retain_until < $1)",
            "DELETE FROM info_entities WHERE retain_until < $1",
        ] {
            let n = sqlx::query(q)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if q.starts_with("DELETE FROM info_reports ") {
                reports = n;
            }
            if q.starts_with("DELETE FROM info_entities ") {
                entities = n;
            }
        }
        let ev = AuditEvent {
            at_ms: now_ms(),
            actor_user: None,
            org: None,
            action: "information.purge".to_owned(),
            target_kind: None,
            target_id: None,
            outcome: AuditOutcome::Success,
            detail: format!("reports={reports} entities={entities}"),
            client: None,
        };
        self.commit_audited(tx, &[ev]).await?;
        Ok((reports, entities))
    }
}

// ----- on behalf of a principal -----

impl Access<'_> {
    fn ok_event(&self, action: &str, kind: &str, id: impl ToString, detail: String) -> AuditEvent {
        self.event(
            action,
            Some((kind, id.to_string())),
            AuditOutcome::Success,
            detail,
        )
    }

    /// Organisations that share a network with `org` (and the networks themselves).
    async fn network_peers(&self, org: OrgId) -> Result<Vec<OrgId>> {
        let rows = sqlx::query(
            "SELECT DISTINCT m.member_id AS id FROM network_members m WHERE m.network_id IN \
               (SELECT network_id FROM network_members WHERE member_id = $1) \
             UNION SELECT network_id AS id FROM network_members WHERE member_id = $1",
        )
        .bind(org.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        rows.iter().map(|r| id_col(r, "id")).collect()
    }

    async fn shares(&self, kind: &str, id: Uuid) -> Result<Vec<OrgId>> {
        let rows = sqlx::query(
            "SELECT to_org FROM info_shares WHERE record_kind = $1 AND record_id = $2 ORDER BY to_org",
        )
        .bind(kind)
        .bind(id.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        rows.iter().map(|r| id_col(r, "to_org")).collect()
    }

    /// The read grants a record's distribution level gives to other organisations.
    async fn read_grants(
        &self,
        kind: &str,
        id: Uuid,
        owner: OrgId,
        level: Distribution,
    ) -> Result<Vec<Grant>> {
        let mut orgs = Vec::new();
        if level.reaches_named() {
            orgs.extend(self.shares(kind, id).await?);
        }
        if level.reaches_network() {
            orgs.extend(self.network_peers(owner).await?);
        }
        Ok(orgs
            .into_iter()
            .map(|o| Grant {
                to_org: o,
                action: Action::ReportRead,
            })
            .collect())
    }

    async fn load_report(&self, id: Uuid) -> Result<Option<ReportRow>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REPORT_COLS} FROM info_reports WHERE id = $1"
        )))
        .bind(id.to_string())
        .fetch_optional(&self.store.db().pool)
        .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some(report_from_row(self.store, &r).await?)),
        }
    }

    async fn load_entity(&self, id: Uuid) -> Result<Option<EntityRow>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ENTITY_COLS} FROM info_entities WHERE id = $1"
        )))
        .bind(id.to_string())
        .fetch_optional(&self.store.db().pool)
        .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some(entity_from_row(self.store, &r).await?)),
        }
    }

    async fn report_entities(&self, report: Uuid) -> Result<Vec<EntityRow>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ENTITY_COLS} FROM info_entities WHERE id IN \
               (SELECT entity_id FROM info_report_entities WHERE report_id = $1) ORDER BY created_at, id"
        )))
        .bind(report.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            out.push(entity_from_row(self.store, r).await?);
        }
        Ok(out)
    }

    /// Whether the principal may read this report (no audit): owner or a grant from its level.
    async fn may_read_report(&self, r: &ReportRow) -> Result<bool> {
        if r.status != ReportStatus::Accepted && r.org_id != self.principal.org_id {
            return Ok(false);
        }
        let grants = self.report_grants(r).await?;
        Ok(authz::authorize(self.principal, Action::ReportRead, r.org_id, &grants).is_ok())
    }

    /// The read grants of an accepted report, for this principal: those of its level, kept for
    /// another organisation only while the consent of every possible victim named in the report
    /// covers that organisation (checked now, so that a withdrawal takes effect at once).
    async fn report_grants(&self, r: &ReportRow) -> Result<Vec<Grant>> {
        let reader = self.principal.org_id;
        if r.org_id == reader || r.status != ReportStatus::Accepted {
            return Ok(Vec::new());
        }
        let mut grants = self
            .read_grants("report", r.id, r.org_id, r.distribution)
            .await?;
        grants.retain(|g| g.to_org == reader);
        if grants.is_empty() {
            return Ok(grants);
        }
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ENTITY_COLS} FROM info_entities WHERE role = 'possible_victim' AND id IN \
               (SELECT entity_id FROM info_report_entities WHERE report_id = $1)"
        )))
        .bind(r.id.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        for row in &rows {
            let victim = entity_from_row(self.store, row).await?;
            if self.victim_sharing(&victim, &[reader]).await?.is_err() {
                return Ok(Vec::new());
            }
        }
        Ok(grants)
    }

    /// The protection case a possible victim's entity is linked to (same organisation).
    async fn victim_case(&self, e: &EntityRow) -> Result<Option<CaseId>> {
        let row = sqlx::query(
            "SELECT case_id FROM info_victim_cases WHERE entity_id = $1 AND org_id = $2",
        )
        .bind(e.id.to_string())
        .bind(e.org_id.to_string())
        .fetch_optional(&self.store.db().pool)
        .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some(
                r.try_get::<String, _>("case_id")?
                    .parse()
                    .map_err(|_| StoreError::Corrupt("case id"))?,
            )),
        }
    }

    /// Whether the consent (or a recorded legal basis) of the protection case linked to this
    /// possible victim's entity covers sharing it with every organisation of `recipients`
    /// today, by the protection module's rule (`sharing_permitted`: law-enforcement bodies need
    /// the law-enforcement consent, others the referral consent, a child a guardian's).
    /// `Err(code)` says why not. Not linked, or the case is gone: refused.
    async fn victim_sharing(
        &self,
        e: &EntityRow,
        recipients: &[OrgId],
    ) -> Result<std::result::Result<(), &'static str>> {
        let recipients: Vec<OrgId> = recipients
            .iter()
            .copied()
            .filter(|o| *o != e.org_id)
            .collect();
        if recipients.is_empty() {
            return Ok(Ok(()));
        }
        let Some(case_id) = self.victim_case(e).await? else {
            return Ok(Err("victim_case_not_linked"));
        };
        let Some(case) = self.load_case(case_id).await? else {
            return Ok(Err("victim_case_not_linked"));
        };
        if case.org_id != e.org_id {
            return Ok(Err("victim_case_not_linked"));
        }
        let consents: Vec<ConsentRecord> = self
            .consents_of(case_id, case.org_id)
            .await?
            .into_iter()
            .map(|c| c.record)
            .collect();
        let bases = self.legal_bases_of(case_id, case.org_id).await?;
        let today = crate::protection::today();
        for recipient in recipients {
            let Some(kind) = self.org_kind(recipient).await? else {
                return Ok(Err("no_consent"));
            };
            let request = SharingRequest {
                recipient,
                recipient_kind: RecipientKind::of(kind),
                fields: victim_fields(e.kind),
                subject_may_be_child: case.may_be_child,
            };
            if let Err(refusal) = sharing_permitted(&consents, &bases, &request, today) {
                return Ok(Err(refusal.code()));
            }
        }
        Ok(Ok(()))
    }

    /// The organisations an entity's level reaches besides its owner: named shares (its own
    /// and those of its reports) from `partners` on, the owner's networks from `network` on.
    async fn entity_recipients(&self, e: &EntityRow, level: Distribution) -> Result<Vec<OrgId>> {
        let mut orgs = Vec::new();
        if level.reaches_named() {
            orgs.extend(self.shares("entity", e.id).await?);
            let rows = sqlx::query(
                "SELECT DISTINCT to_org FROM info_shares WHERE record_kind = 'report' AND record_id IN \
                   (SELECT report_id FROM info_report_entities WHERE entity_id = $1)",
            )
            .bind(e.id.to_string())
            .fetch_all(&self.store.db().pool)
            .await?;
            for r in &rows {
                orgs.push(id_col(r, "to_org")?);
            }
        }
        if level.reaches_network() {
            orgs.extend(self.network_peers(e.org_id).await?);
        }
        orgs.sort();
        orgs.dedup();
        orgs.retain(|o| *o != e.org_id);
        Ok(orgs)
    }

    /// The read grant an entity's own level gives this principal's organisation, if any; for a
    /// possible victim only while the victim's consent covers it (checked at every read); none
    /// once the entity's retention time is over (the daily purge may not have erased it yet).
    async fn entity_grants(&self, e: &EntityRow) -> Result<Vec<Grant>> {
        let reader = self.principal.org_id;
        if e.org_id == reader
            || e.retain_until_ms < now_ms()
            || !self
                .entity_recipients(e, e.distribution)
                .await?
                .contains(&reader)
        {
            return Ok(Vec::new());
        }
        if e.role == EntityRole::PossibleVictim && self.victim_sharing(e, &[reader]).await?.is_err()
        {
            return Ok(Vec::new());
        }
        Ok(vec![Grant {
            to_org: reader,
            action: Action::ReportRead,
        }])
    }

    /// Whether the principal may read this entity (no audit): the owner, or its level's grant.
    async fn may_read_entity(&self, e: &EntityRow) -> Result<bool> {
        let grants = self.entity_grants(e).await?;
        Ok(authz::authorize(self.principal, Action::ReportRead, e.org_id, &grants).is_ok())
    }

    /// Files a report from a member of the principal's organisation, then suggests links for
    /// its entities.
    pub async fn file_report(&self, report: ValidReport) -> Result<Uuid> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::ReportFile, org, &[], None)
            .await?;
        // Filing at a level wider than the own organisation is a widening.
        for e in &report.entities {
            check_distribution_change(
                Distribution::Own,
                report.distribution,
                Some(e.role),
                self.principal.may(Action::DistributionWiden),
                false,
            )
            .map_err(refused)?;
        }
        check_distribution_change(
            Distribution::Own,
            report.distribution,
            None,
            self.principal.may(Action::DistributionWiden),
            false,
        )
        .map_err(refused)?;
        let mut tx = self.store.db().begin_write().await?;
        let (id, entities) = insert_report(
            self.store,
            &mut tx,
            org,
            &report,
            Source::Member,
            ReportStatus::Accepted,
            Some(self.principal.user_id),
        )
        .await?;
        let ev = self.ok_event(
            "report.file",
            "report",
            id,
            format!("entities={}", entities.len()),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        self.suggest_links(org, &entities).await?;
        Ok(id)
    }

    /// The organisation's accepted reports and those other organisations distribute to it.
    pub async fn list_reports(&self) -> Result<Vec<ReportSummary>> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::ReportRead, org, &[], None)
            .await?;
        let mut peers: Vec<String> = self
            .network_peers(org)
            .await?
            .iter()
            .map(ToString::to_string)
            .collect();
        peers.retain(|p| *p != org.to_string());
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REPORT_COLS} FROM info_reports WHERE status = 'accepted' AND (org_id = $1 \
               OR id IN (SELECT record_id FROM info_shares WHERE record_kind = 'report' AND to_org = $1) \
               OR distribution IN ('network', 'law_enforcement')) \
             ORDER BY created_at DESC, id DESC LIMIT 500"
        )))
        .bind(org.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let owner: String = r.try_get("org_id")?;
            if owner != org.to_string() && !peers.contains(&owner) {
                // Network-wide reports of organisations outside our networks: only if named.
                let id = uuid_col(r, "id")?;
                if !self
                    .shares("report", id)
                    .await?
                    .contains(&self.principal.org_id)
                {
                    continue;
                }
            }
            let rep = report_from_row(self.store, r).await?;
            if self.may_read_report(&rep).await? {
                out.push(summary(&rep));
            }
        }
        let detail = format!("count={}", out.len());
        self.record(self.event("report.list", None, AuditOutcome::Success, detail))
            .await?;
        Ok(out)
    }

    /// Public reports waiting for triage in the principal's organisation.
    pub async fn triage_queue(&self) -> Result<Vec<ReportSummary>> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::ReportTriage, org, &[], None)
            .await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REPORT_COLS} FROM info_reports WHERE org_id = $1 AND status = 'triage' \
             ORDER BY created_at DESC, id DESC LIMIT 200"
        )))
        .bind(org.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            out.push(summary(&report_from_row(self.store, r).await?));
        }
        let detail = format!("count={}", out.len());
        self.record(self.event("report.triage_list", None, AuditOutcome::Success, detail))
            .await?;
        Ok(out)
    }

    /// One report with its entities (offenders' data withheld without `SuspectRead`). A report
    /// waiting for triage is read with `ReportTriage` in the receiving organisation only.
    pub async fn get_report(&self, id: Uuid) -> Result<ReportView> {
        let target = Some(("report", id.to_string()));
        let Some(r) = self.load_report(id).await? else {
            self.authorize_granted(Action::ReportRead, self.principal.org_id, &[], target)
                .await?;
            return Err(StoreError::NotFound);
        };
        if r.status == ReportStatus::Triage {
            self.authorize_granted(Action::ReportTriage, r.org_id, &[], target.clone())
                .await?;
        } else {
            let grants = self.report_grants(&r).await?;
            self.authorize_granted(Action::ReportRead, r.org_id, &grants, target.clone())
                .await?;
        }
        let may_suspect = self.principal.may(Action::SuspectRead);
        let own = r.org_id == self.principal.org_id;
        let mut entities = Vec::new();
        for e in self.report_entities(id).await? {
            // Another organisation sees an entity only if the entity's own level (and, for a
            // possible victim, the victim's consent) reaches it.
            if own || self.may_read_entity(&e).await? {
                entities.push(e.view(may_suspect));
            }
        }
        let attachments = self.attachments_of(id).await?;
        let withheld = entities.iter().filter(|e| e.value.is_none()).count();
        self.record(self.event(
            "report.read",
            target,
            AuditOutcome::Success,
            format!("withheld={withheld}"),
        ))
        .await?;
        Ok(ReportView {
            id,
            org_id: r.org_id,
            source: r.source,
            status: r.status,
            exploitation: r.exploitation,
            indicators: r.indicators,
            distribution: r.distribution,
            text: r.text,
            entities,
            shared_with: if own {
                self.shares("report", id).await?
            } else {
                Vec::new()
            },
            created_at_ms: r.created_at_ms,
            retain_until_ms: r.retain_until_ms,
            attachments,
        })
    }

    /// Triage of a public report: accept it into the organisation (links are suggested for its
    /// entities) or mark it as spam (its text and entities are erased at once).
    pub async fn triage_report(&self, id: Uuid, accept: bool) -> Result<()> {
        let target = Some(("report", id.to_string()));
        let Some(r) = self.load_report(id).await? else {
            self.authorize_granted(Action::ReportTriage, self.principal.org_id, &[], target)
                .await?;
            return Err(StoreError::NotFound);
        };
        self.authorize_granted(Action::ReportTriage, r.org_id, &[], target.clone())
            .await?;
        if r.status != ReportStatus::Triage {
            return Err(StoreError::Conflict("already_triaged"));
        }
        let entities = self.report_entities(id).await?;
        let mut tx = self.store.db().begin_write().await?;
        let now = now_ms();
        if accept {
            sqlx::query(
                "UPDATE info_reports SET status = 'accepted', updated_at = $1 WHERE id = $2 AND status = 'triage'",
            )
            .bind(now)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        } else {
            let keys = self.store.org_keys(r.org_id).await?;
            let empty = serde_json::to_vec(&ReportText::default())
                .map_err(|_| StoreError::Corrupt("report"))?;
            sqlx::query(
                "UPDATE info_reports SET status = 'spam', sealed = $1, indicators = '', updated_at = $2 WHERE id = $3",
            )
            .bind(keys.seal(&report_aad(r.org_id, id), &empty)?)
            .bind(now)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
            for q in [
                "DELETE FROM info_report_tokens WHERE report_id = $1",
                "DELETE FROM info_attachments WHERE report_id = $1",
                "DELETE FROM info_entity_tokens WHERE entity_id IN (SELECT entity_id FROM info_report_entities WHERE report_id = $1)",
                "DELETE FROM info_victim_cases WHERE entity_id IN (SELECT entity_id FROM info_report_entities WHERE report_id = $1)",
                "DELETE FROM info_entity_keys WHERE entity_id IN (SELECT entity_id FROM info_report_entities WHERE report_id = $1)",
                "DELETE FROM info_entities WHERE id IN (SELECT entity_id FROM info_report_entities WHERE report_id = $1)",
                "DELETE FROM info_report_entities WHERE report_id = $1",
            ] {
                sqlx::query(q)
                    .bind(id.to_string())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let ev = self.ok_event(
            if accept {
                "report.accept"
            } else {
                "report.spam"
            },
            "report",
            id,
            String::new(),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        if accept {
            let ids: Vec<Uuid> = entities.iter().map(|e| e.id).collect();
            self.suggest_links(r.org_id, &ids).await?;
        }
        Ok(())
    }

    /// Changes the distribution of a report (and names the organisations it is shared with).
    /// Lowering is free for triagers; widening needs `DistributionWiden`; a report naming a
    /// possible victim is not widened beyond the own organisation without the victim's consent.
    pub async fn set_report_distribution(
        &self,
        id: Uuid,
        to: Distribution,
        partners: Vec<OrgId>,
    ) -> Result<()> {
        let target = Some(("report", id.to_string()));
        let Some(r) = self.load_report(id).await? else {
            self.authorize_granted(Action::ReportTriage, self.principal.org_id, &[], target)
                .await?;
            return Err(StoreError::NotFound);
        };
        self.authorize_granted(Action::ReportTriage, r.org_id, &[], target.clone())
            .await?;
        let may_widen = self.principal.may(Action::DistributionWiden);
        let effective_from = self
            .widening_base("report", id, r.distribution, &partners)
            .await?;
        if let Err(e) = check_distribution_change(effective_from, to, None, may_widen, false) {
            return Err(self.refuse_distribution("report", id, e).await?);
        }
        self.check_partners(to, &partners).await?;
        let entities = self.report_entities(id).await?;
        // Who the report will reach: widening a report that names a possible victim needs the
        // victim's consent (or a legal basis) covering each of them, whatever the level of the
        // victim's entity (the report's text may speak of the victim).
        let mut recipients = partners.clone();
        if to.reaches_network() {
            recipients.extend(self.network_peers(r.org_id).await?);
        }
        let widening = to.rank() > effective_from.rank();
        for e in entities
            .iter()
            .filter(|e| e.role == EntityRole::PossibleVictim)
        {
            let consent = !widening || self.victim_sharing(e, &recipients).await?.is_ok();
            if let Err(refusal) =
                check_distribution_change(effective_from, to, Some(e.role), may_widen, consent)
            {
                return Err(self.refuse_distribution("report", id, refusal).await?);
            }
        }
        let mut tx = self.store.db().begin_write().await?;
        sqlx::query("UPDATE info_reports SET distribution = $1, updated_at = $2 WHERE id = $3")
            .bind(to.as_str())
            .bind(now_ms())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        self.replace_shares(&mut tx, "report", id, r.org_id, &partners)
            .await?;
        // Entities follow the report down; up only those still at the report's level (the
        // default): an entity given its own, lower level keeps it.
        for e in &entities {
            let level = if to.rank() < e.distribution.rank()
                || (may_widen && e.distribution == r.distribution)
            {
                to
            } else {
                e.distribution
            };
            sqlx::query("UPDATE info_entities SET distribution = $1 WHERE id = $2")
                .bind(level.as_str())
                .bind(e.id.to_string())
                .execute(&mut *tx)
                .await?;
        }
        let ev = self.ok_event(
            "report.distribution",
            "report",
            id,
            format!(
                "from={} to={} partners={}",
                r.distribution.as_str(),
                to.as_str(),
                partners.len()
            ),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(())
    }

    /// The level a distribution change starts from: naming an organisation the record is not
    /// yet shared with is a widening even at the same level, so it counts from `own`.
    async fn widening_base(
        &self,
        kind: &str,
        id: Uuid,
        current: Distribution,
        partners: &[OrgId],
    ) -> Result<Distribution> {
        let shared_with = self.shares(kind, id).await?;
        Ok(if partners.iter().any(|p| !shared_with.contains(p)) {
            Distribution::Own
        } else {
            current
        })
    }

    /// Audits a refused distribution change of a report or entity and returns its error.
    async fn refuse_distribution(
        &self,
        kind: &str,
        id: Uuid,
        refusal: DistributionRefused,
    ) -> Result<StoreError> {
        let why = match refusal {
            DistributionRefused::WidenNeedsCoordinator => "widen",
            DistributionRefused::VictimConsentRequired => "victim_consent",
        };
        self.record(self.event(
            &format!("{kind}.distribution"),
            Some((kind, id.to_string())),
            AuditOutcome::Denied,
            why.to_owned(),
        ))
        .await?;
        Ok(refused(refusal))
    }

    /// Replaces the organisations a report or entity is named for, in the caller's write.
    async fn replace_shares(
        &self,
        tx: &mut crate::db::WriteTx,
        kind: &str,
        id: Uuid,
        owner: OrgId,
        partners: &[OrgId],
    ) -> Result<()> {
        sqlx::query("DELETE FROM info_shares WHERE record_kind = $1 AND record_id = $2")
            .bind(kind)
            .bind(id.to_string())
            .execute(&mut **tx)
            .await?;
        for p in partners {
            sqlx::query(
                "INSERT INTO info_shares (record_kind, record_id, owner_org, to_org, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(kind)
            .bind(id.to_string())
            .bind(owner.to_string())
            .bind(p.to_string())
            .bind(self.principal.user_id.to_string())
            .bind(now_ms())
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// Named organisations must exist; a law-enforcement liaison only at `law_enforcement`.
    async fn check_partners(&self, to: Distribution, partners: &[OrgId]) -> Result<()> {
        if !partners.is_empty() && !to.reaches_named() {
            return Err(invalid("partners", "level_too_low"));
        }
        for p in partners {
            let kind = self
                .org_kind(*p)
                .await?
                .ok_or(invalid("partners", "unknown"))?;
            if kind == OrgKind::LawEnforcementLiaison && !to.reaches_law_enforcement() {
                return Err(invalid("partners", "law_enforcement_level_required"));
            }
        }
        Ok(())
    }

    /// Changes the distribution of one entity (default: its report's) and names organisations
    /// on it. The same rules as for reports: lowering is free for triagers, widening and naming
    /// a new organisation need `DistributionWiden`, and a possible victim's entity reaches
    /// another organisation only with the victim's consent covering it (checked again at every
    /// read, so that a withdrawal takes effect at once).
    pub async fn set_entity_distribution(
        &self,
        id: Uuid,
        to: Distribution,
        partners: Vec<OrgId>,
    ) -> Result<()> {
        let target = Some(("entity", id.to_string()));
        let Some(e) = self.load_entity(id).await? else {
            self.authorize_granted(Action::ReportTriage, self.principal.org_id, &[], target)
                .await?;
            return Err(StoreError::NotFound);
        };
        self.authorize_granted(Action::ReportTriage, e.org_id, &[], target.clone())
            .await?;
        let may_widen = self.principal.may(Action::DistributionWiden);
        let effective_from = self
            .widening_base("entity", id, e.distribution, &partners)
            .await?;
        self.check_partners(to, &partners).await?;
        let consent =
            if e.role == EntityRole::PossibleVictim && to.rank() > Distribution::Own.rank() {
                let mut recipients = partners.clone();
                recipients.extend(self.entity_recipients(&e, to).await?);
                self.victim_sharing(&e, &recipients).await?.is_ok()
            } else {
                true
            };
        if let Err(refusal) =
            check_distribution_change(effective_from, to, Some(e.role), may_widen, consent)
        {
            return Err(self.refuse_distribution("entity", id, refusal).await?);
        }
        let mut tx = self.store.db().begin_write().await?;
        sqlx::query("UPDATE info_entities SET distribution = $1 WHERE id = $2")
            .bind(to.as_str())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        self.replace_shares(&mut tx, "entity", id, e.org_id, &partners)
            .await?;
        let ev = self.ok_event(
            "entity.distribution",
            "entity",
            id,
            format!(
                "from={} to={} partners={}",
                e.distribution.as_str(),
                to.as_str(),
                partners.len()
            ),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(())
    }

    /// Links a possible victim's entity to a protection case of the same organisation, whose
    /// consents and legal bases then decide whether the entity (and the reports naming it) may
    /// reach other organisations. Only someone allowed to read both may link.
    pub async fn link_victim_case(&self, entity: Uuid, case: CaseId) -> Result<()> {
        let e = self.victim_entity_for_link(entity).await?;
        let c = self.case_for(case, Action::CaseRead).await?;
        if c.org_id != e.org_id {
            return Err(StoreError::NotFound);
        }
        let mut tx = self.store.db().begin_write().await?;
        sqlx::query("DELETE FROM info_victim_cases WHERE entity_id = $1")
            .bind(entity.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO info_victim_cases (entity_id, org_id, case_id, linked_by, linked_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(entity.to_string())
        .bind(e.org_id.to_string())
        .bind(case.to_string())
        .bind(self.principal.user_id.to_string())
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        let ev = self.ok_event(
            "entity.victim_link",
            "entity",
            entity,
            format!("case={case}"),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(())
    }

    /// Removes the link to the protection case: other organisations lose access at once.
    pub async fn unlink_victim_case(&self, entity: Uuid) -> Result<()> {
        self.victim_entity_for_link(entity).await?;
        let mut tx = self.store.db().begin_write().await?;
        sqlx::query("DELETE FROM info_victim_cases WHERE entity_id = $1")
            .bind(entity.to_string())
            .execute(&mut *tx)
            .await?;
        let ev = self.ok_event("entity.victim_unlink", "entity", entity, String::new());
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(())
    }

    /// A possible victim's entity of the principal's own organisation, readable by it.
    async fn victim_entity_for_link(&self, entity: Uuid) -> Result<EntityRow> {
        let target = Some(("entity", entity.to_string()));
        let Some(e) = self.load_entity(entity).await? else {
            self.authorize_granted(Action::ReportRead, self.principal.org_id, &[], target)
                .await?;
            return Err(StoreError::NotFound);
        };
        self.authorize_granted(Action::ReportRead, e.org_id, &[], target)
            .await?;
        self.authorize_granted(Action::CaseRead, e.org_id, &[], None)
            .await?;
        if e.role != EntityRole::PossibleVictim {
            return Err(invalid("entity", "not_a_possible_victim"));
        }
        Ok(e)
    }

    async fn org_kind(&self, org: OrgId) -> Result<Option<OrgKind>> {
        let row = sqlx::query("SELECT kind FROM organisations WHERE id = $1")
            .bind(org.to_string())
            .fetch_optional(&self.store.db().pool)
            .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(OrgKind::parse(&r.try_get::<String, _>("kind")?)),
        }
    }

    // ----- entity resolution -----

    /// Suggests links between `entities` and the organisation's other entities: exact matches
    /// of blind-index keys (phones, accounts, handles, plates, names), and fuzzy matches of
    /// person and company names scored field by field on the decrypted values in memory.
    /// Existing links (suggested, confirmed or rejected) are left as they are, so analysts'
    /// decisions hold across runs.
    async fn suggest_links(&self, org: OrgId, entities: &[Uuid]) -> Result<usize> {
        if entities.is_empty() {
            return Ok(0);
        }
        let pool = &self.store.db().pool;
        let mut found: BTreeMap<(Uuid, Uuid), Suggestion> = BTreeMap::new();
        let mut fuzzy_pool: Option<Vec<EntityRow>> = None;
        for &eid in entities {
            let Some(e) = self.load_entity(eid).await? else {
                continue;
            };
            let rows = sqlx::query(
                "SELECT DISTINCT k2.entity_id FROM info_entity_keys k1 JOIN info_entity_keys k2 \
                   ON k2.org_id = k1.org_id AND k2.key = k1.key \
                 WHERE k1.entity_id = $1 AND k1.org_id = $2 AND k2.entity_id <> $1",
            )
            .bind(eid.to_string())
            .bind(org.to_string())
            .fetch_all(pool)
            .await?;
            for r in &rows {
                let other = uuid_col(r, "entity_id")?;
                let pair = if eid < other {
                    (eid, other)
                } else {
                    (other, eid)
                };
                let w = (0.99f64 / 0.0001).log2();
                found.insert(
                    pair,
                    (
                        "exact".to_owned(),
                        w,
                        vec![(format!("{}_key", e.kind.as_str()), w)],
                    ),
                );
            }
            if matches!(e.kind, EntityKind::Person | EntityKind::Company) {
                if fuzzy_pool.is_none() {
                    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT {ENTITY_COLS} FROM info_entities WHERE org_id = $1 AND kind IN ('person', 'company')"
                    )))
                    .bind(org.to_string())
                    .fetch_all(pool)
                    .await?;
                    let mut v = Vec::new();
                    for r in &rows {
                        v.push(entity_from_row(self.store, r).await?);
                    }
                    fuzzy_pool = Some(v);
                }
                for o in fuzzy_pool.iter().flatten() {
                    if o.id == eid || o.kind != e.kind {
                        continue;
                    }
                    let pair = if eid < o.id { (eid, o.id) } else { (o.id, eid) };
                    if found.contains_key(&pair) {
                        continue;
                    }
                    let c = name_contributions(e.kind, &e.value, &o.value);
                    let w: f64 = c.iter().map(|(_, w)| w).sum();
                    if w >= FUZZY_THRESHOLD {
                        found.insert(pair, ("fuzzy".to_owned(), w, c));
                    }
                }
            }
        }
        if found.is_empty() {
            return Ok(0);
        }
        let mut tx = self.store.db().begin_write().await?;
        let mut n = 0;
        for ((a, b), (method, w, c)) in &found {
            let score = (ally_linkage::fellegi_sunter::probability(*w) * 1000.0).round() as i64;
            let done = sqlx::query(
                "INSERT INTO info_links (id, org_id, entity_a, entity_b, status, method, score, explanation, created_at) \
                 VALUES ($1, $2, $3, $4, 'suggested', $5, $6, $7, $8) ON CONFLICT (org_id, entity_a, entity_b) DO NOTHING",
            )
            .bind(Uuid::now_v7().to_string())
            .bind(org.to_string())
            .bind(a.to_string())
            .bind(b.to_string())
            .bind(method)
            .bind(score)
            .bind(encode_contributions(c))
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
            n += done.rows_affected() as usize;
        }
        let ev = self.event(
            "link.suggest",
            None,
            AuditOutcome::Success,
            format!("count={n}"),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(n)
    }

    /// Runs entity resolution again for every entity of a report (e.g. after new reports).
    pub async fn resolve_report(&self, id: Uuid) -> Result<usize> {
        let target = Some(("report", id.to_string()));
        let Some(r) = self.load_report(id).await? else {
            self.authorize_granted(Action::EntityLink, self.principal.org_id, &[], target)
                .await?;
            return Err(StoreError::NotFound);
        };
        self.authorize_granted(Action::EntityLink, r.org_id, &[], target)
            .await?;
        let ids: Vec<Uuid> = self
            .report_entities(id)
            .await?
            .iter()
            .map(|e| e.id)
            .collect();
        self.suggest_links(r.org_id, &ids).await
    }

    fn link_from_row(row: &sqlx::any::AnyRow) -> Result<LinkView> {
        Ok(LinkView {
            id: uuid_col(row, "id")?,
            entity_a: uuid_col(row, "entity_a")?,
            entity_b: uuid_col(row, "entity_b")?,
            status: parse_code(&row.try_get::<String, _>("status")?, LinkStatus::parse)?,
            method: row.try_get("method")?,
            score: row.try_get("score")?,
            contributions: decode_contributions(&row.try_get::<String, _>("explanation")?),
        })
    }

    /// Links touching the entities of a report (for the report page): (link, this side, other).
    pub async fn report_links(&self, id: Uuid) -> Result<Vec<(LinkView, EntityView, EntityView)>> {
        let view = self.get_report(id).await?;
        if view.org_id != self.principal.org_id {
            return Ok(Vec::new());
        }
        let may_suspect = self.principal.may(Action::SuspectRead);
        let mut out = Vec::new();
        for e in &view.entities {
            for (l, other) in self.links_of(e.id, may_suspect).await? {
                out.push((l, e.clone(), other));
            }
        }
        Ok(out)
    }

    async fn links_of(
        &self,
        entity: Uuid,
        may_suspect: bool,
    ) -> Result<Vec<(LinkView, EntityView)>> {
        let rows = sqlx::query(
            "SELECT id, entity_a, entity_b, status, method, score, explanation FROM info_links \
             WHERE org_id = $1 AND (entity_a = $2 OR entity_b = $2) ORDER BY score DESC, id",
        )
        .bind(self.principal.org_id.to_string())
        .bind(entity.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let l = Self::link_from_row(r)?;
            let other = if l.entity_a == entity {
                l.entity_b
            } else {
                l.entity_a
            };
            if let Some(o) = self.load_entity(other).await? {
                out.push((l, o.view(may_suspect)));
            }
        }
        Ok(out)
    }

    /// Confirms or rejects a suggested link; the decision is kept and later runs respect it.
    pub async fn decide_link(&self, id: Uuid, confirm: bool) -> Result<()> {
        let target = Some(("link", id.to_string()));
        let row = sqlx::query("SELECT org_id FROM info_links WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.store.db().pool)
            .await?;
        let Some(row) = row else {
            self.authorize_granted(Action::EntityLink, self.principal.org_id, &[], target)
                .await?;
            return Err(StoreError::NotFound);
        };
        let owner: OrgId = id_col(&row, "org_id")?;
        self.authorize_granted(Action::EntityLink, owner, &[], target)
            .await?;
        let status = if confirm {
            LinkStatus::Confirmed
        } else {
            LinkStatus::Rejected
        };
        let mut tx = self.store.db().begin_write().await?;
        sqlx::query(
            "UPDATE info_links SET status = $1, decided_by = $2, decided_at = $3 WHERE id = $4",
        )
        .bind(status.as_str())
        .bind(self.principal.user_id.to_string())
        .bind(now_ms())
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        let ev = self.ok_event("link.decide", "link", id, status.as_str().to_owned());
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(())
    }

    /// An entity, the reports it appears in (that the principal may read) and its links.
    /// Offenders' entities need `SuspectRead`.
    pub async fn get_entity(&self, id: Uuid) -> Result<EntityPage> {
        let target = Some(("entity", id.to_string()));
        let Some(e) = self.load_entity(id).await? else {
            self.authorize_granted(Action::ReportRead, self.principal.org_id, &[], target)
                .await?;
            return Err(StoreError::NotFound);
        };
        // The entity's own level decides (for a possible victim, with the victim's consent).
        let grants = self.entity_grants(&e).await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REPORT_COLS} FROM info_reports WHERE id IN \
               (SELECT report_id FROM info_report_entities WHERE entity_id = $1) ORDER BY created_at DESC"
        )))
        .bind(id.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let mut reports = Vec::new();
        for r in &rows {
            let rep = report_from_row(self.store, r).await?;
            if self.may_read_report(&rep).await? {
                reports.push(summary(&rep));
            }
        }
        self.authorize_granted(Action::ReportRead, e.org_id, &grants, target.clone())
            .await?;
        if e.role.is_suspect() {
            self.authorize_granted(
                Action::SuspectRead,
                e.org_id,
                &grants_as(&grants, Action::SuspectRead),
                target.clone(),
            )
            .await?;
        }
        let may_suspect = self.principal.may(Action::SuspectRead);
        let own = e.org_id == self.principal.org_id;
        let links = if own {
            self.links_of(id, may_suspect).await?
        } else {
            Vec::new()
        };
        let (victim_case, shared_with) = if own {
            (
                self.victim_case(&e).await?.map(|c| c.as_uuid()),
                self.shares("entity", id).await?,
            )
        } else {
            (None, Vec::new())
        };
        self.record(self.event("entity.read", target, AuditOutcome::Success, String::new()))
            .await?;
        Ok(EntityPage {
            entity: e.view(may_suspect),
            reports,
            links,
            victim_case,
            shared_with,
        })
    }

    // ----- aggregate statistics -----

    /// Counts of accepted reports by kind of exploitation: the organisation's own, and those of
    /// the other members of its networks whose distribution is `aggregate` or wider (counted,
    /// never read). Returns (kind, own count, network count).
    pub async fn report_statistics(&self) -> Result<Vec<(Exploitation, i64, i64)>> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::ReportRead, org, &[], None)
            .await?;
        let pool = &self.store.db().pool;
        let mut counts: BTreeMap<Exploitation, (i64, i64)> = BTreeMap::new();
        let own = sqlx::query(
            "SELECT exploitation, COUNT(*) AS n FROM info_reports WHERE org_id = $1 AND status = 'accepted' GROUP BY exploitation",
        )
        .bind(org.to_string())
        .fetch_all(pool)
        .await?;
        for r in &own {
            let k = parse_code(
                &r.try_get::<String, _>("exploitation")?,
                Exploitation::parse,
            )?;
            counts.entry(k).or_default().0 += r.try_get::<i64, _>("n")?;
        }
        for peer in self.network_peers(org).await? {
            if peer == org {
                continue;
            }
            let rows = sqlx::query(
                "SELECT exploitation, COUNT(*) AS n FROM info_reports WHERE org_id = $1 AND status = 'accepted' \
                 AND distribution <> 'own' GROUP BY exploitation",
            )
            .bind(peer.to_string())
            .fetch_all(pool)
            .await?;
            for r in &rows {
                let k = parse_code(
                    &r.try_get::<String, _>("exploitation")?,
                    Exploitation::parse,
                )?;
                counts.entry(k).or_default().1 += r.try_get::<i64, _>("n")?;
            }
        }
        self.record(self.event(
            "report.statistics",
            None,
            AuditOutcome::Success,
            String::new(),
        ))
        .await?;
        Ok(counts.into_iter().map(|(k, (a, b))| (k, a, b)).collect())
    }

    // ----- search -----

    /// Searches the reports the principal may read, in every language: the query's words are
    /// folded and transliterated like the indexed text, blinded with each visible organisation's
    /// key, and matched (all words) against the token table. Offenders' data is searched only
    /// with `SuspectRead`. The query is not audited (it may be a name); counts are.
    pub async fn search_reports(&self, query: &str) -> Result<Vec<ReportSummary>> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::ReportRead, org, &[], None)
            .await?;
        let mut tokens = query_tokens(query);
        tokens.truncate(8);
        if tokens.is_empty() {
            return Ok(Vec::new());
        }
        let domains: &[&str] = if self.principal.may(Action::SuspectRead) {
            &["text", "suspect"]
        } else {
            &["text"]
        };
        let mut orgs = vec![org];
        for p in self.network_peers(org).await? {
            if !orgs.contains(&p) {
                orgs.push(p);
            }
        }
        let shared = sqlx::query(
            "SELECT DISTINCT owner_org FROM info_shares WHERE record_kind = 'report' AND to_org = $1",
        )
        .bind(org.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        for r in &shared {
            let o: OrgId = id_col(r, "owner_org")?;
            if !orgs.contains(&o) {
                orgs.push(o);
            }
        }
        let mut out = Vec::new();
        let mut visible_entities: std::collections::HashMap<String, bool> =
            std::collections::HashMap::new();
        for o in orgs {
            let Ok(keys) = self.store.org_keys(o).await else {
                continue;
            };
            // Each query word must match in one of the domains.
            let mut ids: Option<HashSet<String>> = None;
            for t in &tokens {
                let blinded: Vec<Vec<u8>> =
                    domains.iter().map(|d| blind_search(&keys, d, t)).collect();
                let placeholders: Vec<String> =
                    (0..blinded.len()).map(|i| format!("${}", i + 2)).collect();
                let sql = format!(
                    "SELECT DISTINCT report_id FROM info_report_tokens WHERE org_id = $1 AND token IN ({})",
                    placeholders.join(", ")
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(o.to_string());
                for b in &blinded {
                    q = q.bind(b.clone());
                }
                let mut hits: HashSet<String> = q
                    .fetch_all(&self.store.db().pool)
                    .await?
                    .iter()
                    .map(|r| r.try_get::<String, _>("report_id"))
                    .collect::<std::result::Result<_, _>>()?;
                // Entity values count only where the searcher may read that entity (its own
                // level, and a possible victim's consent).
                let sql = format!(
                    "SELECT DISTINCT t.entity_id, re.report_id FROM info_entity_tokens t \
                     JOIN info_report_entities re ON re.entity_id = t.entity_id \
                     WHERE t.org_id = $1 AND t.token IN ({})",
                    placeholders.join(", ")
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(o.to_string());
                for b in blinded {
                    q = q.bind(b);
                }
                for r in q.fetch_all(&self.store.db().pool).await? {
                    let eid: String = r.try_get("entity_id")?;
                    let visible = match visible_entities.get(&eid) {
                        Some(v) => *v,
                        None => {
                            let v = o == org
                                || match eid.parse::<Uuid>().ok() {
                                    Some(u) => match self.load_entity(u).await? {
                                        Some(e) => self.may_read_entity(&e).await?,
                                        None => false,
                                    },
                                    None => false,
                                };
                            visible_entities.insert(eid.clone(), v);
                            v
                        }
                    };
                    if visible {
                        hits.insert(r.try_get("report_id")?);
                    }
                }
                ids = Some(match ids {
                    None => hits,
                    Some(prev) => prev.intersection(&hits).cloned().collect(),
                });
            }
            for id in ids.unwrap_or_default() {
                let Ok(uid) = id.parse::<Uuid>() else {
                    continue;
                };
                if let Some(rep) = self.load_report(uid).await?
                    && rep.status == ReportStatus::Accepted
                    && self.may_read_report(&rep).await?
                {
                    out.push(summary(&rep));
                }
            }
        }
        out.sort_by_key(|r| std::cmp::Reverse(r.created_at_ms));
        let detail = format!("tokens={} count={}", tokens.len(), out.len());
        self.record(self.event("report.search", None, AuditOutcome::Success, detail))
            .await?;
        Ok(out)
    }

    // ----- operation packages -----

    /// Law-enforcement liaison organisations an operation package can be addressed to.
    pub async fn police_liaisons(&self) -> Result<Vec<(OrgId, String)>> {
        self.authorize_granted(Action::OperationExport, self.principal.org_id, &[], None)
            .await?;
        let rows = sqlx::query(
            "SELECT id, name FROM organisations WHERE kind = 'law_enforcement_liaison' ORDER BY name",
        )
        .fetch_all(&self.store.db().pool)
        .await?;
        rows.iter()
            .map(|r| Ok((id_col(r, "id")?, r.try_get("name")?)))
            .collect()
    }

    /// Exports an operation package for a law-enforcement liaison organisation: the selected
    /// reports and entities of the own organisation, their places and a timeline, with the
    /// reason. Stored sealed; the liaison organisation reads exactly this package and nothing
    /// else. Possible victims' entities are refused until the victim's consent is recorded.
    pub async fn export_operation(&self, req: OperationRequest) -> Result<Uuid> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::OperationExport, org, &[], None)
            .await?;
        let reason = req.reason.trim();
        if reason.chars().count() < 3 || reason.chars().count() > 2000 {
            return Err(invalid("reason", "required"));
        }
        if req.reports.is_empty() && req.entities.is_empty() {
            return Err(invalid("reports", "required"));
        }
        if self.org_kind(req.to_org).await? != Some(OrgKind::LawEnforcementLiaison) {
            return Err(invalid("to_org", "not_law_enforcement"));
        }
        let may_suspect = self.principal.may(Action::SuspectRead);
        let mut reports = Vec::new();
        for id in &req.reports {
            match self.load_report(*id).await? {
                Some(r) if r.org_id == org && r.status == ReportStatus::Accepted => reports.push(r),
                _ => return Err(StoreError::NotFound),
            }
        }
        let mut entities = Vec::new();
        let mut victims = Vec::new();
        for id in &req.entities {
            match self.load_entity(*id).await? {
                Some(e) if e.org_id == org => {
                    if e.role == EntityRole::PossibleVictim {
                        // The victim's law-enforcement consent (or a legal basis) must name
                        // this liaison; checked again whenever the liaison reads the package.
                        if let Err(code) = self.victim_sharing(&e, &[req.to_org]).await? {
                            self.record(self.event(
                                "operation.export",
                                Some(("entity", e.id.to_string())),
                                AuditOutcome::Denied,
                                format!("refused={code}"),
                            ))
                            .await?;
                            return Err(invalid("entities", "victim_consent_required"));
                        }
                        victims.push(e.id.to_string());
                    }
                    if e.role.is_suspect() && !may_suspect {
                        return Err(StoreError::Denied(Denied::RoleLacksPermission(
                            Action::SuspectRead,
                        )));
                    }
                    entities.push(e);
                }
                _ => return Err(StoreError::NotFound),
            }
        }
        let id = Uuid::now_v7();
        let now = now_ms();
        let org_name = self
            .org_name(&org.to_string())
            .await?
            .ok_or(StoreError::NotFound)?;
        let to_name = self
            .org_name(&req.to_org.to_string())
            .await?
            .ok_or(StoreError::NotFound)?;
        let selected: HashSet<Uuid> = entities.iter().map(|e| e.id).collect();
        let mut timeline: Vec<serde_json::Value> = Vec::new();
        let mut places: Vec<serde_json::Value> = Vec::new();
        let mut rep_json = Vec::new();
        for r in &reports {
            // Only the selected entities of a report travel with it.
            let ents: Vec<String> = self
                .report_entities(r.id)
                .await?
                .iter()
                .filter(|e| selected.contains(&e.id))
                .map(|e| e.id.to_string())
                .collect();
            rep_json.push(serde_json::json!({
                "id": r.id, "observed_on": r.text.observed_on, "what": r.text.what,
                "place": r.text.place, "latitude": r.text.latitude, "longitude": r.text.longitude,
                "exploitation": r.exploitation.as_str(), "indicators": r.indicators, "entities": ents,
            }));
            if !r.text.place.is_empty() || r.text.latitude.is_some() {
                places.push(serde_json::json!({"report": r.id, "place": r.text.place,
                    "latitude": r.text.latitude, "longitude": r.text.longitude}));
            }
            timeline.push(serde_json::json!({
                "date": r.text.observed_on.clone().unwrap_or_else(|| crate_date(r.created_at_ms)),
                "report": r.id, "event": r.exploitation.as_str(),
            }));
        }
        timeline.sort_by(|a, b| a["date"].as_str().cmp(&b["date"].as_str()));
        for e in &entities {
            if e.kind == EntityKind::Place {
                places.push(serde_json::json!({"entity": e.id, "place": e.value}));
            }
        }
        let ent_json: Vec<serde_json::Value> = entities
            .iter()
            .map(|e| {
                serde_json::json!({"id": e.id, "kind": e.kind.as_str(), "role": e.role.as_str(),
                "criminal_offence_data": e.role.is_suspect(), "value": e.value})
            })
            .collect();
        let doc = serde_json::json!({
            "format": "ally-operation-package-v1",
            "id": id, "created_at_ms": now,
            "from": {"id": org, "name": org_name},
            "to": {"id": req.to_org, "name": to_name},
            "reason": reason,
            "reports": rep_json, "entities": ent_json, "places": places, "timeline": timeline,
        });
        let json =
            serde_json::to_string_pretty(&doc).map_err(|_| StoreError::Corrupt("package"))?;
        let html = package_html(&doc);
        let manifest = format!(
            "{}  package.json\n{}  package.html\n",
            sha256_hex(json.as_bytes()),
            sha256_hex(html.as_bytes())
        );
        let keys = self.store.org_keys(org).await?;
        let sealed = keys.seal(&operation_aad(org, id), json.as_bytes())?;
        let mut tx = self.store.db().begin_write().await?;
        sqlx::query(
            "INSERT INTO info_operations (id, org_id, to_org, sealed, manifest, created_by, created_at, victims) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id.to_string())
        .bind(org.to_string())
        .bind(req.to_org.to_string())
        .bind(sealed)
        .bind(&manifest)
        .bind(self.principal.user_id.to_string())
        .bind(now)
        .bind(victims.join(","))
        .execute(&mut *tx)
        .await?;
        let ev = self.ok_event(
            "operation.export",
            "operation",
            id,
            format!(
                "to={} reports={} entities={}",
                req.to_org,
                reports.len(),
                entities.len()
            ),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(id)
    }

    /// Operation packages exported by the organisation or addressed to it.
    pub async fn list_operations(&self) -> Result<Vec<OperationSummary>> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::ReportRead, org, &[], None)
            .await?;
        let rows = sqlx::query(
            "SELECT id, org_id, to_org, created_at FROM info_operations WHERE org_id = $1 OR to_org = $1 ORDER BY created_at DESC LIMIT 200",
        )
        .bind(org.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let out = rows
            .iter()
            .map(|r| {
                Ok(OperationSummary {
                    id: uuid_col(r, "id")?,
                    org_id: id_col(r, "org_id")?,
                    to_org: id_col(r, "to_org")?,
                    created_at_ms: r.try_get("created_at")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        self.record(self.event(
            "operation.list",
            None,
            AuditOutcome::Success,
            format!("count={}", out.len()),
        ))
        .await?;
        Ok(out)
    }

    /// One operation package, for its exporting organisation or the liaison it is addressed to.
    pub async fn get_operation(&self, id: Uuid) -> Result<OperationPackage> {
        let target = Some(("operation", id.to_string()));
        let row = sqlx::query(
            "SELECT org_id, to_org, sealed, manifest, created_at, victims FROM info_operations WHERE id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.store.db().pool)
        .await?;
        let Some(row) = row else {
            self.authorize_granted(Action::ReportRead, self.principal.org_id, &[], target)
                .await?;
            return Err(StoreError::NotFound);
        };
        let org: OrgId = id_col(&row, "org_id")?;
        let to_org: OrgId = id_col(&row, "to_org")?;
        // The liaison reads the package while every possible victim in it still consents to
        // this sharing (a withdrawal, an unlinked case or an erased victim ends it at once).
        let mut grants = vec![Grant {
            to_org,
            action: Action::ReportRead,
        }];
        if self.principal.org_id == to_org && to_org != org {
            let victims: String = row.try_get("victims")?;
            for v in victims.split(',').filter(|v| !v.is_empty()) {
                let covered = match v.parse::<Uuid>().ok() {
                    Some(vid) => match self.load_entity(vid).await? {
                        Some(e) => self.victim_sharing(&e, &[to_org]).await?.is_ok(),
                        None => false,
                    },
                    None => false,
                };
                if !covered {
                    grants.clear();
                }
            }
        }
        self.authorize_granted(Action::ReportRead, org, &grants, target.clone())
            .await?;
        let keys = self.store.org_keys(org).await?;
        let sealed: Vec<u8> = row.try_get("sealed")?;
        let json = String::from_utf8(keys.open(&operation_aad(org, id), &sealed)?)
            .map_err(|_| StoreError::Corrupt("package"))?;
        let doc: serde_json::Value =
            serde_json::from_str(&json).map_err(|_| StoreError::Corrupt("package"))?;
        let html = package_html(&doc);
        let manifest = vec![
            ManifestEntry {
                file: "package.json".into(),
                sha256: sha256_hex(json.as_bytes()),
            },
            ManifestEntry {
                file: "package.html".into(),
                sha256: sha256_hex(html.as_bytes()),
            },
        ];
        // The package as read now must hash to the manifest recorded at export.
        let recorded: String = row.try_get("manifest")?;
        let verified = manifest
            .iter()
            .all(|m| recorded.contains(&format!("{}  {}", m.sha256, m.file)));
        self.record(self.event(
            "operation.read",
            target,
            AuditOutcome::Success,
            format!("verified={verified}"),
        ))
        .await?;
        Ok(OperationPackage {
            id,
            org_id: org,
            to_org,
            created_at_ms: row.try_get("created_at")?,
            json,
            html,
            manifest,
            verified,
        })
    }

    /// The manifest recorded at export (to verify a package received earlier).
    pub async fn operation_manifest(&self, id: Uuid) -> Result<String> {
        let p = self.get_operation(id).await?;
        let row = sqlx::query("SELECT manifest FROM info_operations WHERE id = $1")
            .bind(p.id.to_string())
            .fetch_one(&self.store.db().pool)
            .await?;
        Ok(row.try_get("manifest")?)
    }
}

fn grants_as(grants: &[Grant], action: Action) -> Vec<Grant> {
    grants
        .iter()
        .map(|g| Grant {
            to_org: g.to_org,
            action,
        })
        .collect()
}

fn crate_date(ms: i64) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::OffsetDateTime::from_unix_timestamp(ms / 1000)
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_default()
}

/// The printable HTML of an operation package: deterministic (its hash is in the manifest),
/// self-contained, English labels.
pub fn package_html(doc: &serde_json::Value) -> String {
    let s = |v: &serde_json::Value| match v {
        serde_json::Value::String(x) => html_escape(x),
        serde_json::Value::Null => String::new(),
        other => html_escape(&other.to_string()),
    };
    let mut h = String::from(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Operation package</title></head><body>\n",
    );
    h.push_str(&format!(
        "<h1>Operation package {}</h1>\n<p>From: {} — To: {}</p>\n<p>Reason: {}</p>\n",
        s(&doc["id"]),
        s(&doc["from"]["name"]),
        s(&doc["to"]["name"]),
        s(&doc["reason"])
    ));
    h.push_str("<h2>Timeline</h2>\n<ol>\n");
    for t in doc["timeline"].as_array().into_iter().flatten() {
        h.push_str(&format!(
            "<li>{} — report {} ({})</li>\n",
            s(&t["date"]),
            s(&t["report"]),
            s(&t["event"])
        ));
    }
    h.push_str("</ol>\n<h2>Reports</h2>\n");
    for r in doc["reports"].as_array().into_iter().flatten() {
        h.push_str(&format!(
            "<section><h3>Report {}</h3><p>Observed: {} — Place: {}</p><p dir=\"auto\">{}</p></section>\n",
            s(&r["id"]),
            s(&r["observed_on"]),
            s(&r["place"]),
            s(&r["what"])
        ));
    }
    h.push_str("<h2>Entities</h2>\n<ul>\n");
    for e in doc["entities"].as_array().into_iter().flatten() {
        h.push_str(&format!(
            "<li>{} ({}, {}): <span dir=\"auto\">{}</span></li>\n",
            s(&e["id"]),
            s(&e["kind"]),
            s(&e["role"]),
            s(&e["value"])
        ));
    }
    h.push_str("</ul>\n<h2>Places</h2>\n<ul>\n");
    for p in doc["places"].as_array().into_iter().flatten() {
        h.push_str(&format!(
            "<li dir=\"auto\">{} {} {}</li>\n",
            s(&p["place"]),
            s(&p["latitude"]),
            s(&p["longitude"])
        ));
    }
    h.push_str("</ul>\n</body></html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_keys_meet_across_formats_and_scripts() {
        let a = entity_keys(EntityKind::Phone, "+40 721 000 111");
        let b = entity_keys(EntityKind::Phone, "0721-000-111");
        let c = entity_keys(EntityKind::Phone, "٠٧٢١٠٠٠١١١");
        assert!(a.contains(&"e164:+40721000111".to_owned()), "{a:?}");
        assert!(a.iter().any(|k| b.contains(k)));
        assert!(a.iter().any(|k| c.contains(k)));
    }

    #[test]
    fn handles_and_companies_normalise() {
        assert_eq!(
            entity_keys(EntityKind::Website, "https://www.Example.org/"),
            entity_keys(EntityKind::Website, "example.org")
        );
        assert_eq!(
            entity_keys(EntityKind::Company, "Agro Trans SRL"),
            entity_keys(EntityKind::Company, "AGRO-TRANS")
        );
    }

    #[test]
    fn fuzzy_names_explain_each_field() {
        let c = name_contributions(EntityKind::Person, "Vasile Popescu", "Popescu Vasyl");
        let total: f64 = c.iter().map(|(_, w)| w).sum();
        assert!(total >= FUZZY_THRESHOLD, "{c:?}");
        assert_eq!(c.len(), 3);
        let c = name_contributions(EntityKind::Person, "Vasile Popescu", "Maria Ionescu");
        let total: f64 = c.iter().map(|(_, w)| w).sum();
        assert!(total < FUZZY_THRESHOLD, "{c:?}");
        assert_eq!(decode_contributions(&encode_contributions(&c)).len(), 3);
    }

    #[test]
    fn package_html_escapes() {
        let doc =
            serde_json::json!({"id": "x", "reason": "<script>", "reports": [], "entities": []});
        assert!(package_html(&doc).contains("&lt;script&gt;"));
    }
}

// ----- privacy-preserving matching between the members of a network -----

pub mod pprl_xinst;

/// The linkage schema (clkhash v3) of the platform's runs: the person's name as a sorted,
/// transliterated key, bigrams, 1024 bits.
const PPRL_SCHEMA: &str = r#"{"version": 3,
 "clkConfig": {"l": 1024, "kdf": {"type": "HKDF", "hash": "SHA256", "salt": "YWxseS1wcHJsLXJ1bg==", "info": "Y2xr", "keySize": 64}},
 "features": [{"identifier": "name", "format": {"type": "string", "encoding": "utf-8"},
   "hashing": {"comparison": {"type": "ngram", "n": 2}, "strategy": {"bitsPerToken": 20}, "hash": {"type": "blakeHash"}, "missingValue": {"sentinel": ""}}}],
 "x-ally-hardening": {"balance": true, "xorFolds": 1}}"#;
/// Dice similarity from which two encodings are a match.
pub const PPRL_THRESHOLD: f64 = 0.8;

/// A pair found by the matcher: (organisation, its record, other organisation, its record, Dice).
type PprlPair = (OrgId, Uuid, OrgId, Uuid, f64);

/// A matching run as one member sees it.
#[derive(Debug, Clone, Serialize)]
pub struct PprlRunView {
    pub id: Uuid,
    pub network_id: OrgId,
    pub created_at_ms: i64,
    pub matched_at_ms: Option<i64>,
    /// Organisations that submitted encodings (names are the directory's).
    pub participants: Vec<(OrgId, String)>,
    pub joined: bool,
}

/// One of the member's own records that another member's record matched: the member learns its
/// own record reference, that another member holds a matching record, and whom to contact.
#[derive(Debug, Clone, Serialize)]
pub struct PprlMatch {
    pub record_ref: Uuid,
    pub other_org: OrgId,
    pub other_org_name: String,
    /// The other member's contact in the organisation directory (empty when it has none).
    pub other_org_contact: String,
    /// Dice similarity in per mille.
    pub similarity: i64,
    /// Whether the record is an entity of this instance (else the reference came with
    /// uploaded encodings and names a record on the member's own instance).
    pub local: bool,
}

/// The matcher: sees only encodings per organisation and returns, for each pair of
/// organisations, one-to-one pairs of record indices above the threshold (greedy, as anonlink).
fn pprl_match(sets: &[(OrgId, Vec<(Uuid, ally_linkage::pprl::Clk)>)]) -> Result<Vec<PprlPair>> {
    use ally_linkage::pprl::dice::{ClkSet, candidates};
    use ally_linkage::pprl::solve::greedy_solve;
    let corrupt = |_| StoreError::Corrupt("encodings");
    let mut out = Vec::new();
    for (i, (oa, a)) in sets.iter().enumerate() {
        for (ob, b) in sets.iter().skip(i + 1) {
            if a.is_empty() || b.is_empty() {
                continue;
            }
            let ca: Vec<_> = a.iter().map(|(_, c)| c.clone()).collect();
            let cb: Vec<_> = b.iter().map(|(_, c)| c.clone()).collect();
            let sa = ClkSet::new(&ca).map_err(corrupt)?;
            let sb = ClkSet::new(&cb).map_err(corrupt)?;
            for c in greedy_solve(&candidates(&sa, &sb, PPRL_THRESHOLD)) {
                out.push((
                    *oa,
                    a[c.left as usize].0,
                    *ob,
                    b[c.right as usize].0,
                    c.similarity,
                ));
            }
        }
    }
    Ok(out)
}

impl Access<'_> {
    /// The principal's network (the first one its organisation belongs to).
    async fn my_network(&self) -> Result<Option<OrgId>> {
        let row = sqlx::query(
            "SELECT network_id FROM network_members WHERE member_id = $1 ORDER BY network_id LIMIT 1",
        )
        .bind(self.principal.org_id.to_string())
        .fetch_optional(&self.store.db().pool)
        .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some(id_col(&r, "network_id")?)),
        }
    }

    async fn is_member(&self, network: OrgId) -> Result<bool> {
        Ok(sqlx::query(
            "SELECT 1 AS x FROM network_members WHERE network_id = $1 AND member_id = $2",
        )
        .bind(network.to_string())
        .bind(self.principal.org_id.to_string())
        .fetch_optional(&self.store.db().pool)
        .await?
        .is_some())
    }

    /// The run, if the principal's organisation is a member of its network (else not found).
    async fn pprl_run_network(&self, run: Uuid) -> Result<OrgId> {
        let target = Some(("pprl_run", run.to_string()));
        let row = sqlx::query("SELECT network_id FROM info_pprl_runs WHERE id = $1")
            .bind(run.to_string())
            .fetch_optional(&self.store.db().pool)
            .await?;
        let network = match row {
            Some(r) => id_col::<OrgId>(&r, "network_id")?,
            None => {
                self.authorize_granted(Action::PprlRun, self.principal.org_id, &[], target)
                    .await?;
                return Err(StoreError::NotFound);
            }
        };
        // Members of the network act on its runs (a grant from the network to each member).
        let grant = if self.is_member(network).await? {
            vec![Grant {
                to_org: self.principal.org_id,
                action: Action::PprlRun,
            }]
        } else {
            Vec::new()
        };
        self.authorize_granted(Action::PprlRun, network, &grant, target)
            .await?;
        Ok(network)
    }

    /// The network's shared secret (random, wrapped by the master key), created on first use.
    async fn network_secret(
        &self,
        tx: &mut sqlx::AnyConnection,
        network: OrgId,
    ) -> Result<zeroize::Zeroizing<[u8; 32]>> {
        let purpose = format!("pprl:{network}");
        let row = sqlx::query("SELECT wrapped FROM info_pprl_secrets WHERE network_id = $1")
            .bind(network.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(r) = row {
            let wrapped: Vec<u8> = r.try_get("wrapped")?;
            return Ok(self.store.keys().master().unwrap_key(&purpose, &wrapped)?);
        }
        let key = zeroize::Zeroizing::new(crate::crypto::random_bytes::<32>()?);
        sqlx::query("INSERT INTO info_pprl_secrets (network_id, wrapped) VALUES ($1, $2)")
            .bind(network.to_string())
            .bind(self.store.keys().master().wrap(&purpose, &key)?)
            .execute(&mut *tx)
            .await?;
        Ok(key)
    }

    /// Runs of the principal's networks.
    pub async fn pprl_runs(&self) -> Result<Vec<PprlRunView>> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::PprlRun, org, &[], None)
            .await?;
        let rows = sqlx::query(
            "SELECT id FROM info_pprl_runs WHERE network_id IN \
               (SELECT network_id FROM network_members WHERE member_id = $1) ORDER BY created_at DESC LIMIT 50",
        )
        .bind(org.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            out.push(self.pprl_view(uuid_col(r, "id")?).await?);
        }
        Ok(out)
    }

    async fn pprl_view(&self, run: Uuid) -> Result<PprlRunView> {
        let pool = &self.store.db().pool;
        let r = sqlx::query(
            "SELECT network_id, created_at, matched_at FROM info_pprl_runs WHERE id = $1",
        )
        .bind(run.to_string())
        .fetch_one(pool)
        .await?;
        let parts = sqlx::query(
            "SELECT DISTINCT c.org_id, o.name FROM info_pprl_clks c JOIN organisations o ON o.id = c.org_id \
             WHERE c.run_id = $1 ORDER BY o.name",
        )
        .bind(run.to_string())
        .fetch_all(pool)
        .await?;
        let participants = parts
            .iter()
            .map(|p| Ok((id_col(p, "org_id")?, p.try_get("name")?)))
            .collect::<Result<Vec<(OrgId, String)>>>()?;
        Ok(PprlRunView {
            id: run,
            network_id: id_col(&r, "network_id")?,
            created_at_ms: r.try_get("created_at")?,
            matched_at_ms: r.try_get("matched_at")?,
            joined: participants
                .iter()
                .any(|(o, _)| *o == self.principal.org_id),
            participants,
        })
    }

    /// Opens a matching run in the principal's network and takes part in it.
    pub async fn start_pprl_run(&self) -> Result<Uuid> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::PprlRun, org, &[], None)
            .await?;
        let network = self
            .my_network()
            .await?
            .ok_or(invalid("network", "not_a_member"))?;
        let id = Uuid::now_v7();
        let mut tx = self.store.db().begin_write().await?;
        sqlx::query(
            "INSERT INTO info_pprl_runs (id, network_id, created_by_org, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(id.to_string())
        .bind(network.to_string())
        .bind(org.to_string())
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        let ev = self.ok_event("pprl.start", "pprl_run", id, format!("network={network}"));
        self.store.commit_audited(tx, &[ev]).await?;
        self.join_pprl_run(id).await?;
        Ok(id)
    }

    /// Refuses to change a run that has been matched (in the caller's write transaction, which
    /// holds the run's row on PostgreSQL). A run is matched once: its encodings are deleted
    /// then, and matching again with new or changed encodings, the way a member could probe the
    /// matcher with crafted ones, needs a new run, which every member sees in its run list.
    pub(crate) async fn require_open_run(
        &self,
        tx: &mut sqlx::AnyConnection,
        run: Uuid,
    ) -> Result<()> {
        let sql = format!(
            "SELECT matched_at FROM info_pprl_runs WHERE id = $1{}",
            self.store.db().backend.for_update()
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(run.to_string())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        match row.try_get::<Option<i64>, _>("matched_at")? {
            None => Ok(()),
            Some(_) => Err(StoreError::Conflict("the run is matched and closed")),
        }
    }

    /// Opts in: encodes the organisation's person entities with the network's secret (here, in
    /// the organisation's own request: names never leave it, only the encodings are stored for
    /// the matcher). Joining again replaces the earlier encodings.
    pub async fn join_pprl_run(&self, run: Uuid) -> Result<usize> {
        let network = self.pprl_run_network(run).await?;
        let org = self.principal.org_id;
        // The secret (made on first use) in a short transaction of its own: encoding every
        // person entity takes a while and must not hold the write lock, which every other
        // write, and on SQLite every read's audit event, waits for.
        let secret = {
            let mut tx = self.store.db().begin_write().await?;
            self.require_open_run(&mut tx, run).await?;
            let secret = self.network_secret(&mut tx, network).await?;
            tx.commit().await?;
            secret
        };
        let encoder = pprl_xinst::platform_encoder(PPRL_SCHEMA, secret.as_slice())?;
        let clks = self.encode_person_entities(org, &encoder).await?;
        self.replace_pprl_clks(run, &clks, "pprl.join").await
    }

    /// Replaces the principal's organisation's encodings in a run that is still open (one
    /// transaction), audited as `action` with the count only. Opting in and uploads end here.
    pub(crate) async fn replace_pprl_clks(
        &self,
        run: Uuid,
        clks: &[(Uuid, ally_linkage::pprl::Clk)],
        action: &str,
    ) -> Result<usize> {
        let org = self.principal.org_id;
        let mut tx = self.store.db().begin_write().await?;
        // Matched meanwhile: refused like any late opt-in.
        self.require_open_run(&mut tx, run).await?;
        sqlx::query("DELETE FROM info_pprl_clks WHERE run_id = $1 AND org_id = $2")
            .bind(run.to_string())
            .bind(org.to_string())
            .execute(&mut *tx)
            .await?;
        for (id, clk) in clks {
            sqlx::query(
                "INSERT INTO info_pprl_clks (run_id, org_id, record_ref, clk) VALUES ($1, $2, $3, $4)",
            )
            .bind(run.to_string())
            .bind(org.to_string())
            .bind(id.to_string())
            .bind(clk.as_bytes().to_vec())
            .execute(&mut *tx)
            .await?;
        }
        let n = clks.len();
        let ev = self.ok_event(action, "pprl_run", run, format!("records={n}"));
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(n)
    }

    /// Runs the matcher on the encodings submitted so far. The matcher reads encodings and
    /// record references only; each member later sees only its own side of each pair.
    pub async fn match_pprl_run(&self, run: Uuid) -> Result<usize> {
        self.pprl_run_network(run).await?;
        let mut tx = self.store.db().begin_write().await?;
        self.require_open_run(&mut tx, run).await?;
        let rows = sqlx::query(
            "SELECT org_id, record_ref, clk FROM info_pprl_clks WHERE run_id = $1 ORDER BY org_id, record_ref",
        )
        .bind(run.to_string())
        .fetch_all(&mut *tx)
        .await?;
        let mut sets: Vec<(OrgId, Vec<(Uuid, ally_linkage::pprl::Clk)>)> = Vec::new();
        for r in &rows {
            let org: OrgId = id_col(r, "org_id")?;
            let rec = uuid_col(r, "record_ref")?;
            let clk = ally_linkage::pprl::Clk::from_bytes(r.try_get("clk")?);
            match sets.last_mut() {
                Some((o, v)) if *o == org => v.push((rec, clk)),
                _ => sets.push((org, vec![(rec, clk)])),
            }
        }
        let pairs = pprl_match(&sets)?;
        sqlx::query("DELETE FROM info_pprl_matches WHERE run_id = $1")
            .bind(run.to_string())
            .execute(&mut *tx)
            .await?;
        for (oa, ra, ob, rb, sim) in &pairs {
            let per_mille = (sim * 1000.0).round() as i64;
            for (org, rec, other) in [(oa, ra, ob), (ob, rb, oa)] {
                sqlx::query(
                    "INSERT INTO info_pprl_matches (run_id, org_id, record_ref, other_org, similarity) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(run.to_string())
                .bind(org.to_string())
                .bind(rec.to_string())
                .bind(other.to_string())
                .bind(per_mille)
                .execute(&mut *tx)
                .await?;
            }
        }
        // The encodings are deleted once matched (docs/pprl-threat-model.md, operational
        // rules); the record references stay, so the run still lists its participants.
        sqlx::query("UPDATE info_pprl_clks SET clk = $1 WHERE run_id = $2")
            .bind(Vec::<u8>::new())
            .bind(run.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE info_pprl_runs SET matched_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(run.to_string())
            .execute(&mut *tx)
            .await?;
        let ev = self.ok_event(
            "pprl.match",
            "pprl_run",
            run,
            format!("members={} pairs={}", sets.len(), pairs.len()),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(pairs.len())
    }

    /// The run and the principal's own matches: its record reference, and which member holds a
    /// matching record (never that member's reference or data).
    pub async fn pprl_results(&self, run: Uuid) -> Result<(PprlRunView, Vec<PprlMatch>)> {
        self.pprl_run_network(run).await?;
        let rows = sqlx::query(
            "SELECT m.record_ref, m.other_org, m.similarity, o.name, d.contact, e.id AS local_id \
             FROM info_pprl_matches m JOIN organisations o ON o.id = m.other_org \
             LEFT JOIN prot_directory d ON d.org_id = m.other_org \
             LEFT JOIN info_entities e ON e.id = m.record_ref AND e.org_id = m.org_id \
             WHERE m.run_id = $1 AND m.org_id = $2 ORDER BY m.similarity DESC, m.record_ref",
        )
        .bind(run.to_string())
        .bind(self.principal.org_id.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let matches = rows
            .iter()
            .map(|r| {
                Ok(PprlMatch {
                    record_ref: uuid_col(r, "record_ref")?,
                    other_org: id_col(r, "other_org")?,
                    other_org_name: r.try_get("name")?,
                    other_org_contact: r
                        .try_get::<Option<String>, _>("contact")?
                        .unwrap_or_default(),
                    similarity: r.try_get("similarity")?,
                    local: r.try_get::<Option<String>, _>("local_id")?.is_some(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        self.record(self.event(
            "pprl.read",
            Some(("pprl_run", run.to_string())),
            AuditOutcome::Success,
            format!("matches={}", matches.len()),
        ))
        .await?;
        Ok((self.pprl_view(run).await?, matches))
    }
}

// ----- attachments -----

/// Images a report may hold.
pub const MAX_ATTACHMENTS_PER_REPORT: i64 = 20;
/// The largest image attached through the public form (its body limit is the site's).
pub const MAX_PUBLIC_ATTACHMENT_BYTES: usize = 200 * 1024;

fn attachment_aad(org: OrgId, id: Uuid) -> String {
    format!("info-attachment:{org}:{id}")
}

/// Strips an image's metadata (the labour module's filter: EXIF with GPS, XMP, IPTC, comments,
/// PNG text chunks) or refuses the file with a clear code.
fn clean_image(bytes: &[u8]) -> Result<(&'static str, Vec<u8>)> {
    use crate::images::{PhotoError, strip_image_metadata};
    strip_image_metadata(bytes).map_err(|e| match e {
        PhotoError::NotAnImage => invalid("attachment", "not_an_image"),
        PhotoError::Malformed => invalid("attachment", "malformed"),
        PhotoError::TooLarge => invalid("attachment", "too_large"),
    })
}

async fn insert_attachment(
    store: &Store,
    tx: &mut sqlx::AnyConnection,
    org: OrgId,
    report: Uuid,
    content_type: &str,
    clean: &[u8],
    created_by: Option<UserId>,
) -> Result<Uuid> {
    let id = Uuid::now_v7();
    let keys = store.org_keys(org).await?;
    let sealed = keys.seal(&attachment_aad(org, id), clean)?;
    sqlx::query(
        "INSERT INTO info_attachments (id, org_id, report_id, content_type, size, sealed, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id.to_string())
    .bind(org.to_string())
    .bind(report.to_string())
    .bind(content_type)
    .bind(clean.len() as i64)
    .bind(sealed)
    .bind(created_by.map(|u| u.to_string()))
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    Ok(id)
}

impl Store {
    /// The public form with one small image: the image is checked and stripped first, so that a
    /// refused file writes nothing; then as [`Store::file_public_report`].
    pub async fn file_public_report_with_image(
        &self,
        to: Option<&str>,
        report: ValidReport,
        client: Option<&str>,
        image: &[u8],
    ) -> Result<Uuid, PublicReportError> {
        if image.len() > MAX_PUBLIC_ATTACHMENT_BYTES {
            return Err(invalid("attachment", "too_large").into());
        }
        let (content_type, clean) = clean_image(image)?;
        let id = self.file_public_report(to, report, client).await?;
        let row = sqlx::query("SELECT org_id FROM info_reports WHERE id = $1")
            .bind(id.to_string())
            .fetch_one(&self.db().pool)
            .await?;
        let org: OrgId = id_col(&row, "org_id")?;
        let mut tx = self.db().begin_write().await?;
        let aid = insert_attachment(self, &mut tx, org, id, content_type, &clean, None).await?;
        let ev = public_event(
            "report.public_attachment",
            org,
            Some(id.to_string()),
            format!("attachment={aid} bytes={}", clean.len()),
        );
        self.commit_audited(tx, &[ev]).await?;
        Ok(id)
    }
}

impl Access<'_> {
    async fn attachments_of(&self, report: Uuid) -> Result<Vec<AttachmentSummary>> {
        let rows = sqlx::query(
            "SELECT id, content_type, size, created_at FROM info_attachments WHERE report_id = $1 ORDER BY created_at, id",
        )
        .bind(report.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AttachmentSummary {
                    id: uuid_col(r, "id")?,
                    content_type: r.try_get("content_type")?,
                    size: r.try_get("size")?,
                    created_at_ms: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// Attaches an image to a report of the principal's organisation (a member filing reports):
    /// metadata stripped before anything is stored, then sealed with the owner's key.
    /// A file that is not a JPEG or PNG image is refused (`not_an_image`) and nothing written.
    pub async fn add_report_attachment(&self, report: Uuid, bytes: &[u8]) -> Result<Uuid> {
        let target = Some(("report", report.to_string()));
        let Some(r) = self.load_report(report).await? else {
            self.authorize_granted(Action::ReportFile, self.principal.org_id, &[], target)
                .await?;
            return Err(StoreError::NotFound);
        };
        self.authorize_granted(Action::ReportFile, r.org_id, &[], target)
            .await?;
        if r.status == ReportStatus::Spam {
            return Err(StoreError::Conflict("report_spam"));
        }
        let (content_type, clean) = clean_image(bytes)?;
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM info_attachments WHERE report_id = $1")
                .bind(report.to_string())
                .fetch_one(&self.store.db().pool)
                .await?;
        if count >= MAX_ATTACHMENTS_PER_REPORT {
            return Err(invalid("attachment", "too_many"));
        }
        let mut tx = self.store.db().begin_write().await?;
        let id = insert_attachment(
            self.store,
            &mut tx,
            r.org_id,
            report,
            content_type,
            &clean,
            Some(self.principal.user_id),
        )
        .await?;
        let ev = self.ok_event(
            "report.attach",
            "report",
            report,
            format!("attachment={id} bytes={}", clean.len()),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(id)
    }

    /// One attachment's content type and bytes, authorised exactly as reading its report
    /// (a report in triage: the receiving organisation's triagers). Audited.
    pub async fn get_report_attachment(&self, attachment: Uuid) -> Result<(String, Vec<u8>)> {
        let target = Some(("attachment", attachment.to_string()));
        let row = sqlx::query(
            "SELECT org_id, report_id, content_type, sealed FROM info_attachments WHERE id = $1",
        )
        .bind(attachment.to_string())
        .fetch_optional(&self.store.db().pool)
        .await?;
        let report = match &row {
            Some(r) => Some(uuid_col(r, "report_id")?),
            None => None,
        };
        let r = match report {
            Some(id) => self.load_report(id).await?,
            None => None,
        };
        let (Some(row), Some(r)) = (row, r) else {
            self.authorize_granted(Action::ReportRead, self.principal.org_id, &[], target)
                .await?;
            return Err(StoreError::NotFound);
        };
        if r.status == ReportStatus::Triage {
            self.authorize_granted(Action::ReportTriage, r.org_id, &[], target.clone())
                .await?;
        } else {
            let grants = self.report_grants(&r).await?;
            self.authorize_granted(Action::ReportRead, r.org_id, &grants, target.clone())
                .await?;
        }
        let org: OrgId = id_col(&row, "org_id")?;
        let keys = self.store.org_keys(org).await?;
        let sealed: Vec<u8> = row.try_get("sealed")?;
        let bytes = keys.open(&attachment_aad(org, attachment), &sealed)?;
        self.record(self.event(
            "report.attachment_read",
            target,
            AuditOutcome::Success,
            format!("report={}", r.id),
        ))
        .await?;
        Ok((row.try_get("content_type")?, bytes))
    }
}

// ----- a suspect's access request -----

/// One entity in a suspect's access-request extract: what is held, not who said it.
#[derive(Clone, Serialize)]
pub struct SuspectEntry {
    pub id: Uuid,
    pub kind: EntityKind,
    pub role: EntityRole,
    pub value: String,
    pub recorded_on: String,
}

impl std::fmt::Debug for SuspectEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SuspectEntry")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// A report the suspect appears in: only its date and the kind of exploitation suspected.
#[derive(Debug, Clone, Serialize)]
pub struct SuspectReportEntry {
    pub date: String,
    pub exploitation: Exploitation,
}

/// What the organisation holds about one suspect entity, for the person's access request
/// (GDPR art. 15): its value, the dates and kinds of the reports it appears in, and the
/// suspects' entities linked to it. Never victims' or witnesses' entities, report free text,
/// places, attachments, or who reported (art. 15(4): others' rights).
#[derive(Debug, Clone, Serialize)]
pub struct SuspectExtract {
    pub entity: SuspectEntry,
    pub reports: Vec<SuspectReportEntry>,
    /// Linked entities (suggested or confirmed, not rejected) in an offender's role.
    pub linked: Vec<SuspectEntry>,
    pub retain_until_ms: i64,
    pub created_at_ms: i64,
}

impl Access<'_> {
    /// Produces the access-request extract for one suspect entity of the principal's
    /// organisation (roles with `SuspectRead`). Audited with counts only.
    pub async fn suspect_access_extract(&self, id: Uuid) -> Result<SuspectExtract> {
        let target = Some(("entity", id.to_string()));
        let Some(e) = self.load_entity(id).await? else {
            self.authorize_granted(Action::SuspectRead, self.principal.org_id, &[], target)
                .await?;
            return Err(StoreError::NotFound);
        };
        self.authorize_granted(Action::SuspectRead, e.org_id, &[], target.clone())
            .await?;
        if !e.role.is_suspect() {
            return Err(invalid("entity", "not_a_suspect"));
        }
        let entry = |x: &EntityRow| SuspectEntry {
            id: x.id,
            kind: x.kind,
            role: x.role,
            value: x.value.clone(),
            recorded_on: crate_date(x.created_at_ms),
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REPORT_COLS} FROM info_reports WHERE status = 'accepted' AND id IN \
               (SELECT report_id FROM info_report_entities WHERE entity_id = $1) ORDER BY created_at"
        )))
        .bind(id.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let mut reports = Vec::new();
        for r in &rows {
            let rep = report_from_row(self.store, r).await?;
            reports.push(SuspectReportEntry {
                date: rep
                    .text
                    .observed_on
                    .clone()
                    .unwrap_or_else(|| crate_date(rep.created_at_ms)),
                exploitation: rep.exploitation,
            });
        }
        let links = sqlx::query(
            "SELECT entity_a, entity_b FROM info_links WHERE org_id = $1 AND status <> 'rejected' \
             AND (entity_a = $2 OR entity_b = $2) ORDER BY id",
        )
        .bind(e.org_id.to_string())
        .bind(id.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let mut linked = Vec::new();
        for l in &links {
            let (a, b) = (uuid_col(l, "entity_a")?, uuid_col(l, "entity_b")?);
            let other = if a == id { b } else { a };
            if let Some(o) = self.load_entity(other).await?
                && o.org_id == e.org_id
                && o.role.is_suspect()
            {
                linked.push(entry(&o));
            }
        }
        let retain: i64 =
            sqlx::query_scalar("SELECT retain_until FROM info_entities WHERE id = $1")
                .bind(id.to_string())
                .fetch_one(&self.store.db().pool)
                .await?;
        self.record(self.event(
            "suspect.access_request",
            target,
            AuditOutcome::Success,
            format!("reports={} linked={}", reports.len(), linked.len()),
        ))
        .await?;
        Ok(SuspectExtract {
            entity: entry(&e),
            reports,
            linked,
            retain_until_ms: retain,
            created_at_ms: e.created_at_ms,
        })
    }
}

// ----- intake addresses -----

/// A public intake slug: 3 to 40 of `a-z`, `0-9` and `-`, not starting or ending with `-`.
fn valid_slug(slug: &str) -> Result<String> {
    let slug = slug.trim().to_ascii_lowercase();
    if !(3..=40).contains(&slug.len())
        || !slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        || slug.starts_with('-')
        || slug.ends_with('-')
    {
        return Err(invalid("slug", "invalid"));
    }
    Ok(slug)
}

impl Store {
    /// Makes the organisation with this intake slug the instance's default receiver of public
    /// reports (`/report` without `to`), or, with `None`, leaves the instance without one.
    /// Operator only (`ally intake default`).
    pub async fn set_default_report_intake(&self, slug: Option<&str>) -> Result<()> {
        let mut tx = self.db().begin_write().await?;
        let org = match slug {
            Some(s) => {
                let s = valid_slug(s)?;
                let row = sqlx::query("SELECT org_id FROM info_intake WHERE slug = $1")
                    .bind(&s)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(invalid("slug", "unknown"))?;
                Some(id_col::<OrgId>(&row, "org_id")?)
            }
            None => None,
        };
        sqlx::query("UPDATE info_intake SET is_default = 0")
            .execute(&mut *tx)
            .await?;
        if let Some(o) = org {
            sqlx::query("UPDATE info_intake SET is_default = 1 WHERE org_id = $1")
                .bind(o.to_string())
                .execute(&mut *tx)
                .await?;
        }
        let ev = AuditEvent {
            at_ms: now_ms(),
            actor_user: None,
            org: org.map(|o| o.to_string()),
            action: "report.intake_default".to_owned(),
            target_kind: None,
            target_id: None,
            outcome: AuditOutcome::Success,
            detail: format!("set={}", org.is_some()),
            client: None,
        };
        self.commit_audited(tx, &[ev]).await?;
        Ok(())
    }
}

/// The organisation's public intake address.
#[derive(Debug, Clone, Serialize)]
pub struct IntakeView {
    pub slug: String,
    /// Also receives reports sent without `to` (set by the operator).
    pub is_default: bool,
}

impl Access<'_> {
    /// The principal's organisation's intake address (administrators).
    pub async fn report_intake(&self) -> Result<Option<IntakeView>> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::OrgManage, org, &[], None)
            .await?;
        let row = sqlx::query("SELECT slug, is_default FROM info_intake WHERE org_id = $1")
            .bind(org.to_string())
            .fetch_optional(&self.store.db().pool)
            .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some(IntakeView {
                slug: r.try_get("slug")?,
                is_default: r.try_get::<i64, _>("is_default")? != 0,
            })),
        }
    }

    /// Sets (or with `None` clears) the organisation's public intake address `/report?to=SLUG`.
    /// A slug held by another organisation is refused (`taken`); being the instance's default
    /// receiver stays the operator's decision (kept when the slug changes, lost when cleared).
    pub async fn set_report_intake(&self, slug: Option<&str>) -> Result<()> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::OrgManage, org, &[], None)
            .await?;
        let slug = slug
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(valid_slug)
            .transpose()?;
        let mut tx = self.store.db().begin_write().await?;
        match &slug {
            Some(s) => {
                let taken =
                    sqlx::query("SELECT org_id FROM info_intake WHERE slug = $1 AND org_id <> $2")
                        .bind(s)
                        .bind(org.to_string())
                        .fetch_optional(&mut *tx)
                        .await?;
                if taken.is_some() {
                    return Err(invalid("slug", "taken"));
                }
                let updated = sqlx::query("UPDATE info_intake SET slug = $1 WHERE org_id = $2")
                    .bind(s)
                    .bind(org.to_string())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if updated == 0 {
                    sqlx::query(
                        "INSERT INTO info_intake (org_id, slug, is_default) VALUES ($1, $2, 0)",
                    )
                    .bind(org.to_string())
                    .bind(s)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            None => {
                sqlx::query("DELETE FROM info_intake WHERE org_id = $1")
                    .bind(org.to_string())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let ev = self.event(
            "report.intake",
            None,
            AuditOutcome::Success,
            format!("set={}", slug.is_some()),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(())
    }
}
