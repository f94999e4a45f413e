//! Matching between network members that run their own Ally instance (issue 5, §3).
//!
//! The network's instance keeps the runs, the matcher and the results; a member organisation
//! with its own instance takes part without its records ever reaching the network's instance:
//!
//! 1. a coordinator of the network exports a **participation kit** for a run
//!    ([`Access::pprl_kit`], audited `pprl.kit_export`): the platform's linkage schema and the
//!    network's secret, to be carried to the external member only;
//! 2. on the member's instance, [`Access::pprl_contribute`] encodes the organisation's person
//!    entities with the kit's schema and secret, through the one function the network's own
//!    opt-in uses ([`Access::encode_person_entities`]), and gives `record_id,clk` rows (the
//!    entity's opaque id and the base64 encoding; audited `pprl.contribute`, counts only);
//! 3. the organisation representing that member on the network's instance uploads the rows to
//!    the run ([`Access::pprl_upload`], audited `pprl.upload`): validated completely before
//!    anything is written, then replacing its earlier encodings in one transaction;
//! 4. the matcher treats uploaded and locally encoded rows alike; the representing organisation
//!    reads its matches (its member's own record ids, the other member's name and contact) and
//!    hands them to the member, who looks its own records up.

use base64::Engine as _;
use uuid::Uuid;

use ally_core::OrgId;
use ally_core::authz::Action;
use ally_linkage::pprl::Clk;
use ally_linkage::pprl::encode::Encoder;
use ally_linkage::pprl::schema::Schema;

use super::common::invalid;
use super::pprl_schema::{PPRL_SCHEMA, PPRL_THRESHOLD, platform_encoder};
use super::rows::{ENTITY_COLS, entity_from_row};
use crate::access::Access;
use crate::{Result, StoreError};
use ally_linkage::normalise as lnorm;

crate::foundation::access::access_handle!(
    /// PPRL for members that run their own instance: kits, uploads, results.
    PprlMembers,
    pprl_members
);

/// The `format` of a participation kit.
pub const PPRL_KIT_FORMAT: &str = "ally-pprl-kit";
/// The kit format's version.
pub const PPRL_KIT_VERSION: u64 = 1;
/// The header line of an encodings file.
pub const PPRL_CSV_HEADER: &str = "record_id,clk";
/// Rows an upload may hold.
pub const MAX_PPRL_UPLOAD_ROWS: usize = 20_000;
/// Bytes an upload may hold (a row of the platform's schema is about 210 bytes).
pub const MAX_PPRL_UPLOAD_BYTES: usize = 6 * 1024 * 1024;

/// What a member needs to encode its records for one run of a network: the linkage schema and
/// the network's secret. Whoever holds it can encode guessed names and test them against the
/// network's encodings, so it travels only to participating members. `Debug` never shows the
/// secret.
pub struct PprlKit {
    /// The network whose members take part.
    pub network_id: OrgId,
    /// The network's name.
    pub network_name: String,
    /// The matching run the kit is for.
    pub run_id: Uuid,
    /// The clkhash v3 schema (with Ally's hardening), as JSON text.
    pub schema: String,
    secret: zeroize::Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for PprlKit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PprlKit")
            .field("network_id", &self.network_id)
            .field("run_id", &self.run_id)
            .finish_non_exhaustive()
    }
}

fn kit_invalid(code: &'static str) -> StoreError {
    invalid("kit", code)
}

impl PprlKit {
    /// The kit as the JSON document handed to the member.
    pub fn to_json(&self) -> Result<String> {
        let schema: serde_json::Value =
            serde_json::from_str(&self.schema).map_err(|_| StoreError::Corrupt("pprl schema"))?;
        let secret = zeroize::Zeroizing::new(
            base64::engine::general_purpose::STANDARD.encode(self.secret.as_slice()),
        );
        let doc = serde_json::json!({
            "format": PPRL_KIT_FORMAT,
            "version": PPRL_KIT_VERSION,
            "warning": "This file holds the network's secret: give it only to the members taking part in this run, over a safe channel, and delete it after encoding.",
            "network_id": self.network_id.to_string(),
            "network_name": self.network_name,
            "run_id": self.run_id.to_string(),
            "threshold": PPRL_THRESHOLD,
            "schema": schema,
            "secret": secret.as_str(),
        });
        serde_json::to_string_pretty(&doc).map_err(|_| StoreError::Corrupt("pprl kit"))
    }

    /// Reads a kit; anything unexpected is refused (`kit`: `format`, `version`, `schema`,
    /// `secret`).
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        let v: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|_| kit_invalid("format"))?;
        if v.get("format").and_then(|f| f.as_str()) != Some(PPRL_KIT_FORMAT) {
            return Err(kit_invalid("format"));
        }
        if v.get("version").and_then(|f| f.as_u64()) != Some(PPRL_KIT_VERSION) {
            return Err(kit_invalid("version"));
        }
        let text = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or_default();
        let network_id: OrgId = text("network_id")
            .parse()
            .map_err(|_| kit_invalid("format"))?;
        let run_id: Uuid = text("run_id").parse().map_err(|_| kit_invalid("format"))?;
        let schema = v
            .get("schema")
            .filter(|s| s.is_object())
            .ok_or(kit_invalid("schema"))?
            .to_string();
        // The platform encodes one value per entity (its name key).
        match Schema::from_json(&schema) {
            Ok(s) if s.features.len() == 1 => {}
            _ => return Err(kit_invalid("schema")),
        }
        let secret = zeroize::Zeroizing::new(
            base64::engine::general_purpose::STANDARD
                .decode(text("secret"))
                .map_err(|_| kit_invalid("secret"))?,
        );
        if secret.len() < 16 {
            return Err(kit_invalid("secret"));
        }
        Ok(PprlKit {
            network_id,
            network_name: text("network_name").chars().take(200).collect(),
            run_id,
            schema,
            secret,
        })
    }

    fn encoder(&self) -> Result<Encoder> {
        platform_encoder(&self.schema, &self.secret)
    }
}

/// Encodings as the file a member uploads: `record_id,clk` (base64), one row per record.
pub fn pprl_clks_csv(rows: &[(Uuid, Clk)]) -> String {
    let mut out = String::with_capacity(40 + rows.len() * 220);
    out.push_str(PPRL_CSV_HEADER);
    out.push('\n');
    for (id, clk) in rows {
        out.push_str(&id.to_string());
        out.push(',');
        out.push_str(&clk.to_base64());
        out.push('\n');
    }
    out
}

/// Why an upload of encodings was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadProblem {
    /// More bytes than [`MAX_PPRL_UPLOAD_BYTES`].
    TooLarge,
    /// More rows than [`MAX_PPRL_UPLOAD_ROWS`].
    TooManyRows,
    /// Not UTF-8 text.
    NotText,
    /// No data rows.
    Empty,
    /// The first line is not `record_id,clk`.
    Header,
    /// A row without exactly two columns.
    Columns,
    /// A record id that is not a UUID.
    RecordId,
    /// A record id seen on an earlier line.
    Duplicate,
    /// An encoding that is not standard base64.
    Base64,
    /// An encoding of another length than the run's schema gives.
    Length,
    /// An encoding that the schema's balancing could not have produced (not exactly half of
    /// its bits set): not made with the kit.
    Weight,
}

impl UploadProblem {
    /// The code as shown to the uploader (`too_large`, `header`, `base64`...).
    pub fn code(self) -> &'static str {
        match self {
            UploadProblem::TooLarge => "too_large",
            UploadProblem::TooManyRows => "too_many_rows",
            UploadProblem::NotText => "not_text",
            UploadProblem::Empty => "empty",
            UploadProblem::Header => "header",
            UploadProblem::Columns => "columns",
            UploadProblem::RecordId => "record_id",
            UploadProblem::Duplicate => "duplicate",
            UploadProblem::Base64 => "base64",
            UploadProblem::Length => "length",
            UploadProblem::Weight => "weight",
        }
    }
}

/// A refused upload: the line (1 = the header; 0 when the whole file is refused) and why; or a
/// failure of the store (authorisation included).
#[derive(Debug, thiserror::Error)]
pub enum PprlUploadError {
    /// The file is refused at `line` because of `problem`.
    #[error("line {line}: {}", problem.code())]
    Invalid {
        /// The refused line: 1 is the header, 0 the whole file.
        line: usize,
        /// Why it is refused.
        problem: UploadProblem,
    },
    /// A failure of the store (authorisation included).
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for PprlUploadError {
    fn from(e: sqlx::Error) -> Self {
        PprlUploadError::Store(e.into())
    }
}

/// Parses and checks an encodings file completely: `record_id,clk` header, UUID ids, each once,
/// standard base64 of exactly `bits` bits, exactly half of them set when `balanced`.
pub fn parse_clk_upload(
    body: &[u8],
    bits: usize,
    balanced: bool,
) -> std::result::Result<Vec<(Uuid, Clk)>, (usize, UploadProblem)> {
    if body.len() > MAX_PPRL_UPLOAD_BYTES {
        return Err((0, UploadProblem::TooLarge));
    }
    let text = std::str::from_utf8(body).map_err(|_| (0, UploadProblem::NotText))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header_ok = reader
        .headers()
        .is_ok_and(|h| h.len() == 2 && h.get(0) == Some("record_id") && h.get(1) == Some("clk"));
    if !header_ok {
        return Err((1, UploadProblem::Header));
    }
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line() as usize;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let at = e.position().map_or(line, |p| p.line() as usize);
                return Err((at, UploadProblem::Columns));
            }
        }
        let n = record.position().map_or(line, |p| p.line() as usize);
        if out.len() == MAX_PPRL_UPLOAD_ROWS {
            return Err((n, UploadProblem::TooManyRows));
        }
        let (Some(id), Some(clk), 2) = (record.get(0), record.get(1), record.len()) else {
            return Err((n, UploadProblem::Columns));
        };
        let id: Uuid = id.parse().map_err(|_| (n, UploadProblem::RecordId))?;
        if !seen.insert(id) {
            return Err((n, UploadProblem::Duplicate));
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(clk)
            .map_err(|_| (n, UploadProblem::Base64))?;
        let clk = Clk::from_bytes(bytes);
        if clk.len_bits() != bits {
            return Err((n, UploadProblem::Length));
        }
        if balanced && clk.count_ones() as usize * 2 != bits {
            return Err((n, UploadProblem::Weight));
        }
        out.push((id, clk));
    }
    if out.is_empty() {
        return Err((2, UploadProblem::Empty));
    }
    Ok(out)
}

impl Access<'_> {
    /// Encodes the organisation's person entities (sorted, transliterated name key; names
    /// shorter than three characters are left out): the one function behind both a member's
    /// opt-in on the network's instance and a contribution from its own instance.
    pub(super) async fn encode_person_entities(
        &self,
        org: OrgId,
        encoder: &Encoder,
    ) -> Result<Vec<(Uuid, Clk)>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ENTITY_COLS} FROM info_entities WHERE org_id = $1 AND kind = 'person' ORDER BY id"
        )))
        .bind(org.to_string())
        .fetch_all(&self.store.db().pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let e = entity_from_row(self.store, r).await?;
            let key = zeroize::Zeroizing::new(lnorm::sorted_name_key(&e.value));
            if key.len() < 3 {
                continue;
            }
            let clk = encoder
                .encode(&[key.as_str()])
                .map_err(|_| StoreError::Corrupt("pprl encoding"))?;
            out.push((e.id, clk));
        }
        Ok(out)
    }
}

impl PprlMembers<'_> {
    /// The participation kit of a run (its network's schema and secret) for a member that runs
    /// its own instance. Members of the run's network with `pprl.run` export it; audited.
    pub async fn pprl_kit(&self, run: Uuid) -> Result<PprlKit> {
        let network = self.pprl_run_network(run).await?;
        let name: String = sqlx::query_scalar("SELECT name FROM organisations WHERE id = $1")
            .bind(network.to_string())
            .fetch_one(&self.store.db().pool)
            .await?;
        let mut tx = self.store.db().begin_write().await?;
        let secret = self.network_secret(&mut tx, network).await?;
        let ev = self.ok_event(
            "pprl.kit_export",
            "pprl_run",
            run,
            format!("network={network}"),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(PprlKit {
            network_id: network,
            network_name: name,
            run_id: run,
            schema: PPRL_SCHEMA.to_owned(),
            secret: zeroize::Zeroizing::new(secret.to_vec()),
        })
    }

    /// On a member's own instance: the organisation's person entities encoded with a kit, as
    /// `(entity id, encoding)`. Nothing is stored; audited with the count only.
    pub async fn pprl_contribute(&self, kit: &PprlKit) -> Result<Vec<(Uuid, Clk)>> {
        let org = self.principal.org_id;
        self.authorize_granted(Action::PprlRun, org, &[], None)
            .await?;
        let encoder = kit.encoder()?;
        let rows = self.encode_person_entities(org, &encoder).await?;
        self.record(self.ok_event(
            "pprl.contribute",
            "pprl_run",
            kit.run_id,
            format!("records={}", rows.len()),
        ))
        .await?;
        Ok(rows)
    }

    /// Takes part in a run with encodings made elsewhere (by a member's own instance, from the
    /// run's kit): the file is checked completely first, then replaces the organisation's
    /// earlier encodings of the run in one transaction. Returns the number of records.
    pub async fn pprl_upload(
        &self,
        run: Uuid,
        body: &[u8],
    ) -> std::result::Result<usize, PprlUploadError> {
        self.pprl_run_network(run).await?;
        let schema =
            Schema::from_json(PPRL_SCHEMA).map_err(|_| StoreError::Corrupt("pprl schema"))?;
        let balanced = schema.hardening.as_ref().is_some_and(|h| h.balance);
        let rows = parse_clk_upload(body, schema.output_bits(), balanced)
            .map_err(|(line, problem)| PprlUploadError::Invalid { line, problem })?;
        Ok(self.replace_pprl_clks(run, &rows, "pprl.upload").await?)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn row(id: &str, clk: &[u8]) -> String {
        format!(
            "{id},{}\n",
            base64::engine::general_purpose::STANDARD.encode(clk)
        )
    }

    #[test]
    fn uploads_are_checked_line_by_line() {
        let half = [0xF0u8; 4];
        let a = Uuid::now_v7().to_string();
        let b = Uuid::now_v7().to_string();
        let ok = format!("{PPRL_CSV_HEADER}\n{}{}", row(&a, &half), row(&b, &half));
        assert_eq!(parse_clk_upload(ok.as_bytes(), 32, true).unwrap().len(), 2);
        let crlf = ok.replace('\n', "\r\n") + "\r\n";
        assert_eq!(
            parse_clk_upload(crlf.as_bytes(), 32, true).unwrap().len(),
            2
        );
        let cases: Vec<(String, usize, UploadProblem)> = vec![
            ("id,clk\n".into(), 1, UploadProblem::Header),
            (format!("{PPRL_CSV_HEADER}\n"), 2, UploadProblem::Empty),
            (
                format!("{PPRL_CSV_HEADER}\n{}x", row(&a, &half)),
                3,
                UploadProblem::Columns,
            ),
            (
                format!("{PPRL_CSV_HEADER}\n{}", row("Vasile Popescu", &half)),
                2,
                UploadProblem::RecordId,
            ),
            (
                format!("{PPRL_CSV_HEADER}\n{}{}", row(&a, &half), row(&a, &half)),
                3,
                UploadProblem::Duplicate,
            ),
            (
                format!("{PPRL_CSV_HEADER}\n{a},***\n"),
                2,
                UploadProblem::Base64,
            ),
            (
                format!("{PPRL_CSV_HEADER}\n{}", row(&a, &[0xF0; 5])),
                2,
                UploadProblem::Length,
            ),
            (
                format!("{PPRL_CSV_HEADER}\n{}", row(&a, &[0xFF; 4])),
                2,
                UploadProblem::Weight,
            ),
            // A third column on the third line (quoting is understood: the comma inside
            // quotes does not count).
            (
                format!("{PPRL_CSV_HEADER}\n{}{b},\"a,b\",x\n", row(&a, &half)),
                3,
                UploadProblem::Columns,
            ),
        ];
        for (body, line, problem) in cases {
            assert_eq!(
                parse_clk_upload(body.as_bytes(), 32, true).unwrap_err(),
                (line, problem),
                "{body}"
            );
        }
        // Blank lines and quoted fields are read as CSV, not refused.
        let spaced = format!(
            "{PPRL_CSV_HEADER}\n{}\n\"{b}\",{}\n\n",
            row(&a, &half).trim_end(),
            row("x", &half).trim_end().trim_start_matches("x,")
        );
        assert_eq!(
            parse_clk_upload(spaced.as_bytes(), 32, true).unwrap().len(),
            2
        );
        // Unbalanced schemas accept any weight.
        let heavy = format!("{PPRL_CSV_HEADER}\n{}", row(&a, &[0xFF; 4]));
        assert!(parse_clk_upload(heavy.as_bytes(), 32, false).is_ok());
        assert_eq!(
            parse_clk_upload(&[0xFF, 0xFE], 32, true).unwrap_err(),
            (0, UploadProblem::NotText)
        );
        let big = vec![b'a'; MAX_PPRL_UPLOAD_BYTES + 1];
        assert_eq!(
            parse_clk_upload(&big, 32, true).unwrap_err(),
            (0, UploadProblem::TooLarge)
        );
        let mut many = format!("{PPRL_CSV_HEADER}\n");
        for _ in 0..=MAX_PPRL_UPLOAD_ROWS {
            many.push_str(&row(&Uuid::now_v7().to_string(), &half));
        }
        assert_eq!(
            parse_clk_upload(many.as_bytes(), 32, true).unwrap_err(),
            (MAX_PPRL_UPLOAD_ROWS + 2, UploadProblem::TooManyRows)
        );
    }

    #[test]
    fn kits_round_trip_and_hide_the_secret() {
        let kit = PprlKit {
            network_id: OrgId::new(),
            network_name: "Network".into(),
            run_id: Uuid::now_v7(),
            schema: PPRL_SCHEMA.to_owned(),
            secret: zeroize::Zeroizing::new(vec![7; 32]),
        };
        let json = kit.to_json().unwrap();
        let back = PprlKit::from_json(json.as_bytes()).unwrap();
        assert_eq!(back.run_id, kit.run_id);
        assert_eq!(back.network_id, kit.network_id);
        assert_eq!(back.secret.as_slice(), &[7; 32]);
        assert!(!format!("{back:?}").contains("BwcH"));
        let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
        v["secret"] = "c2hvcnQ=".into();
        let code = |v: &serde_json::Value| match PprlKit::from_json(v.to_string().as_bytes()) {
            Err(StoreError::Invalid(e)) => e[0].code,
            other => panic!("{other:?}"),
        };
        assert_eq!(code(&v), "secret");
        v["schema"] = serde_json::json!({"version": 2});
        assert_eq!(code(&v), "schema");
        v["version"] = 9.into();
        assert_eq!(code(&v), "version");
        v["format"] = "other".into();
        assert_eq!(code(&v), "format");
    }
}
