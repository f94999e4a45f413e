//! Consistent online backups that work on both backends, and restore into an empty database.
//!
//! A backup is a JSON-lines file: a header, one line per row of every durable table (read in
//! one snapshot transaction while the server keeps running), and a trailer with the row count
//! and the SHA-256 of everything before it. Personal data is already sealed in the rows, so
//! the file holds no identity in clear; restoring it needs the same master key. The format is
//! backend-neutral: a SQLite backup restores into PostgreSQL and back.
//!
//! Sessions, throttling counters and job schedules are not backed up: a restore starts with
//! everyone signed out.

use std::io::{BufRead, BufWriter, Write};
use std::path::Path;

use base64::Engine;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::db::Db;
use crate::{Result, Store, StoreError, now_ms};

#[derive(Clone, Copy)]
enum Col {
    Text,
    Int,
    Blob,
}

use Col::{Blob as B, Int as I, Text as T};

/// Durable tables in foreign-key order, with their columns.
const TABLES: &[(&str, &[(&str, Col)])] = &[
    (
        "instance_keys",
        &[("purpose", T), ("wrapped", B), ("created_at", I)],
    ),
    (
        "organisations",
        &[
            ("id", T),
            ("name", T),
            ("kind", T),
            ("require_second_factor", I),
            ("wrapped_key", B),
            ("created_at", I),
        ],
    ),
    ("network_members", &[("network_id", T), ("member_id", T)]),
    (
        "users",
        &[
            ("id", T),
            ("org_id", T),
            ("email", T),
            ("display_name", T),
            ("password_hash", T),
            ("roles", T),
            ("locale", T),
            ("totp_sealed", B),
            ("totp_last_step", I),
            ("disabled", I),
            ("created_at", I),
        ],
    ),
    (
        "api_tokens",
        &[
            ("id", T),
            ("user_id", T),
            ("name", T),
            ("token_hash", B),
            ("created_at", I),
            ("revoked_at", I),
        ],
    ),
    (
        "persons",
        &[
            ("id", T),
            ("org_id", T),
            ("role", T),
            ("sealed", B),
            ("created_by", T),
            ("created_at", I),
            ("updated_at", I),
            ("version", I),
        ],
    ),
    (
        "person_tokens",
        &[("org_id", T), ("token", B), ("person_id", T)],
    ),
    (
        "audit_log",
        &[
            ("seq", I),
            ("at_ms", I),
            ("actor_user", T),
            ("org_id", T),
            ("action", T),
            ("target_kind", T),
            ("target_id", T),
            ("outcome", T),
            ("detail", T),
            ("client", T),
            ("mac", B),
        ],
    ),
    (
        "audit_head",
        &[("id", I), ("seq", I), ("last_mac", B), ("seal", B)],
    ),
    // Labour module (issue 6).
    (
        "labour_employers",
        &[
            ("id", T),
            ("org_id", T),
            ("sector", T),
            ("sealed", B),
            ("created_by", T),
            ("created_at", I),
            ("updated_at", I),
        ],
    ),
    (
        "labour_workplaces",
        &[
            ("id", T),
            ("org_id", T),
            ("employer_id", T),
            ("sealed", B),
            ("version", I),
            ("created_at", I),
            ("updated_at", I),
        ],
    ),
    (
        "labour_inspections",
        &[
            ("id", T),
            ("org_id", T),
            ("workplace_id", T),
            ("planned_date", T),
            ("status", T),
            ("sealed", B),
            ("version", I),
            ("created_by", T),
            ("created_at", I),
            ("updated_at", I),
        ],
    ),
    (
        "labour_inspection_partners",
        &[
            ("inspection_id", T),
            ("partner_org_id", T),
            ("owner_org_id", T),
        ],
    ),
    (
        "labour_photos",
        &[
            ("id", T),
            ("org_id", T),
            ("inspection_id", T),
            ("content_type", T),
            ("size", I),
            ("sealed", B),
            ("created_by", T),
            ("created_at", I),
        ],
    ),
    (
        "labour_checks",
        &[
            ("id", T),
            ("org_id", T),
            ("inspection_id", T),
            ("rule_set", T),
            ("finding_count", I),
            ("sealed", B),
            ("created_by", T),
            ("created_at", I),
        ],
    ),
    (
        "labour_cases",
        &[
            ("id", T),
            ("org_id", T),
            ("status", T),
            ("sealed", B),
            ("version", I),
            ("created_by", T),
            ("created_at", I),
            ("updated_at", I),
        ],
    ),
    // Information (issue 5).
    (
        "info_reports",
        &[
            ("id", T),
            ("org_id", T),
            ("source", T),
            ("status", T),
            ("exploitation", T),
            ("indicators", T),
            ("distribution", T),
            ("sealed", B),
            ("created_by", T),
            ("created_at", I),
            ("updated_at", I),
            ("retain_until", I),
        ],
    ),
    (
        "info_entities",
        &[
            ("id", T),
            ("org_id", T),
            ("kind", T),
            ("role", T),
            ("suspect", I),
            ("distribution", T),
            ("sealed", B),
            ("created_at", I),
            ("retain_until", I),
        ],
    ),
    (
        "info_report_entities",
        &[("report_id", T), ("entity_id", T), ("org_id", T)],
    ),
    (
        "info_entity_keys",
        &[("org_id", T), ("key", B), ("entity_id", T)],
    ),
    (
        "info_report_tokens",
        &[("org_id", T), ("token", B), ("report_id", T)],
    ),
    (
        "info_links",
        &[
            ("id", T),
            ("org_id", T),
            ("entity_a", T),
            ("entity_b", T),
            ("status", T),
            ("method", T),
            ("score", I),
            ("explanation", T),
            ("decided_by", T),
            ("decided_at", I),
            ("created_at", I),
        ],
    ),
    (
        "info_shares",
        &[
            ("record_kind", T),
            ("record_id", T),
            ("owner_org", T),
            ("to_org", T),
            ("created_by", T),
            ("created_at", I),
        ],
    ),
    (
        "info_operations",
        &[
            ("id", T),
            ("org_id", T),
            ("to_org", T),
            ("sealed", B),
            ("manifest", T),
            ("created_by", T),
            ("created_at", I),
            ("victims", T),
        ],
    ),
    (
        "info_victim_cases",
        &[
            ("entity_id", T),
            ("org_id", T),
            ("case_id", T),
            ("linked_by", T),
            ("linked_at", I),
        ],
    ),
    (
        "info_entity_tokens",
        &[("org_id", T), ("token", B), ("entity_id", T)],
    ),
    // Reports still waiting for the one-off re-index of migration 0012 (normally none).
    ("info_reindex", &[("report_id", T)]),
    (
        "info_attachments",
        &[
            ("id", T),
            ("org_id", T),
            ("report_id", T),
            ("content_type", T),
            ("size", I),
            ("sealed", B),
            ("created_by", T),
            ("created_at", I),
        ],
    ),
    (
        "info_intake",
        &[("org_id", T), ("slug", T), ("is_default", I)],
    ),
    ("info_pprl_secrets", &[("network_id", T), ("wrapped", B)]),
    (
        "info_pprl_runs",
        &[
            ("id", T),
            ("network_id", T),
            ("created_by_org", T),
            ("created_at", I),
            ("matched_at", I),
        ],
    ),
    (
        "info_pprl_clks",
        &[("run_id", T), ("org_id", T), ("record_ref", T), ("clk", B)],
    ),
    (
        "info_pprl_matches",
        &[
            ("run_id", T),
            ("org_id", T),
            ("record_ref", T),
            ("other_org", T),
            ("similarity", I),
        ],
    ),
    (
        "interviews",
        &[
            ("id", T),
            ("org_id", T),
            ("questionnaire_id", T),
            ("questionnaire_version", T),
            ("interviewer_id", T),
            ("person_id", T),
            ("inspection_id", T),
            ("interviewer_lang", T),
            ("interviewee_lang", T),
            ("consent_at", I),
            ("consent_sections", T),
            ("state", T),
            ("sealed", B),
            ("answered", I),
            ("outcomes", T),
            ("created_at", I),
            ("updated_at", I),
            ("ended_at", I),
            ("version", I),
        ],
    ),
    (
        "questionnaire_reviews",
        &[
            ("org_id", T),
            ("questionnaire_id", T),
            ("lang", T),
            ("text_key", T),
            ("text", T),
            ("reviewed_by", T),
            ("reviewed_at", I),
        ],
    ),
    (
        "questionnaire_questions",
        &[
            ("org_id", T),
            ("questionnaire_id", T),
            ("question_id", T),
            ("label", T),
            ("indicators", T),
            ("created_by", T),
            ("created_at", I),
        ],
    ),
    (
        "prot_cases",
        &[
            ("id", T),
            ("org_id", T),
            ("person_id", T),
            ("interview_id", T),
            ("state", T),
            ("identified_on", T),
            ("reflection_country", T),
            ("reflection_start", T),
            ("reflection_days", I),
            ("reflection_end", T),
            ("proceedings_open", I),
            ("closed_on", T),
            ("closed_from", T),
            ("closed_referred_out", I),
            ("trafficking_status", T),
            ("status_decided_by", T),
            ("exploitation", T),
            ("methods_of_control", T),
            ("may_be_child", I),
            ("sealed", B),
            ("created_by", T),
            ("created_at", I),
            ("updated_at", I),
            ("version", I),
        ],
    ),
    (
        "prot_case_workers",
        &[("case_id", T), ("user_id", T), ("org_id", T)],
    ),
    (
        "prot_case_persons",
        &[("case_id", T), ("person_id", T), ("role", T)],
    ),
    (
        "prot_case_events",
        &[
            ("id", T),
            ("case_id", T),
            ("at", I),
            ("actor", T),
            ("action", T),
            ("from_state", T),
            ("to_state", T),
            ("sealed", B),
        ],
    ),
    (
        "prot_services",
        &[
            ("id", T),
            ("case_id", T),
            ("org_id", T),
            ("kind", T),
            ("provider_org", T),
            ("start_on", T),
            ("end_on", T),
            ("status", T),
            ("sealed", B),
            ("created_at", I),
        ],
    ),
    (
        "prot_tasks",
        &[
            ("id", T),
            ("case_id", T),
            ("org_id", T),
            ("assignee", T),
            ("due_on", T),
            ("done", I),
            ("sealed", B),
            ("created_at", I),
        ],
    ),
    (
        "prot_consents",
        &[
            ("id", T),
            ("case_id", T),
            ("org_id", T),
            ("purpose", T),
            ("recipients", T),
            ("scope", T),
            ("language", T),
            ("status", T),
            ("consent_on", T),
            ("valid_until", T),
            ("withdrawn_on", T),
            ("by_guardian", I),
            ("sealed", B),
            ("recorded_by", T),
            ("created_at", I),
        ],
    ),
    (
        "prot_legal_bases",
        &[
            ("id", T),
            ("case_id", T),
            ("org_id", T),
            ("basis", T),
            ("recipients", T),
            ("scope", T),
            ("recorded_on", T),
            ("valid_until", T),
            ("sealed", B),
            ("recorded_by", T),
            ("created_at", I),
        ],
    ),
    (
        "prot_referrals",
        &[
            ("id", T),
            ("case_id", T),
            ("from_org", T),
            ("to_org", T),
            ("recipient_kind", T),
            ("reason", T),
            ("fields", T),
            ("basis_kind", T),
            ("basis_id", T),
            ("sent_on", T),
            ("accepted_on", T),
            ("status", T),
            ("sealed", B),
            ("created_at", I),
            ("updated_at", I),
            ("service_id", T),
        ],
    ),
    (
        "prot_referral_events",
        &[
            ("id", T),
            ("referral_id", T),
            ("at", I),
            ("on_date", T),
            ("by_org", T),
            ("by_user", T),
            ("status", T),
        ],
    ),
    (
        "prot_proceedings",
        &[
            ("id", T),
            ("case_id", T),
            ("org_id", T),
            ("stage", T),
            ("victim_role", T),
            ("outcome", T),
            ("opened_on", T),
            ("sealed", B),
            ("created_at", I),
        ],
    ),
    (
        "prot_court_dates",
        &[
            ("id", T),
            ("case_id", T),
            ("org_id", T),
            ("on_date", T),
            ("accompanied", I),
            ("sealed", B),
            ("created_at", I),
        ],
    ),
    (
        "prot_permits",
        &[
            ("id", T),
            ("case_id", T),
            ("org_id", T),
            ("applied_on", T),
            ("renewal", I),
            ("decision", T),
            ("decided_on", T),
            ("expires_on", T),
            ("created_at", I),
        ],
    ),
    (
        "prot_compensation",
        &[
            ("id", T),
            ("case_id", T),
            ("org_id", T),
            ("currency", T),
            ("claimed", T),
            ("awarded", T),
            ("received", T),
            ("filed_on", T),
            ("created_at", I),
        ],
    ),
    (
        "prot_deadlines",
        &[
            ("id", T),
            ("case_id", T),
            ("org_id", T),
            ("kind", T),
            ("due_on", T),
            ("assignee", T),
            ("source_id", T),
            ("done", I),
            ("watcher", T),
        ],
    ),
    (
        "prot_directory",
        &[
            ("org_id", T),
            ("services", T),
            ("regions", T),
            ("languages", T),
            ("opening_hours", T),
            ("capacity", T),
            ("contact", T),
            ("updated_at", I),
        ],
    ),
    (
        "prot_lead_transfers",
        &[
            ("id", T),
            ("case_id", T),
            ("referral_id", T),
            ("from_org", T),
            ("to_org", T),
            ("proposed_on", T),
            ("proposed_by", T),
            ("status", T),
            ("decided_on", T),
            ("created_at", I),
        ],
    ),
    (
        "prot_retention_flags",
        &[
            ("record_type", T),
            ("record_id", T),
            ("org_id", T),
            ("flagged_at", I),
        ],
    ),
];

/// Tables deliberately left out of backups (see the module documentation).
pub const NOT_BACKED_UP: &[&str] = &[
    "sessions",
    "signin_throttle",
    "jobs",
    "_sqlx_migrations",
    // The public report form's rate limit: short-lived keyed hashes and their daily key.
    "info_intake_keys",
    "info_intake_rate",
];

/// Every table a backup covers.
pub fn backed_up_tables() -> Vec<&'static str> {
    TABLES.iter().map(|(t, _)| *t).collect()
}

const CHUNK: i64 = 5000;

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

fn cell(row: &sqlx::any::AnyRow, name: &str, col: Col) -> Result<Value> {
    Ok(match col {
        Col::Text => row
            .try_get::<Option<String>, _>(name)?
            .map_or(Value::Null, Value::String),
        Col::Int => row
            .try_get::<Option<i64>, _>(name)?
            .map_or(Value::Null, |i| json!(i)),
        Col::Blob => row
            .try_get::<Option<Vec<u8>>, _>(name)?
            .map_or(Value::Null, |b| json!({ "b64": b64().encode(b) })),
    })
}

impl Store {
    /// Writes a consistent backup to `path` (atomically: a temporary file renamed at the end).
    /// Returns the number of rows written.
    pub async fn backup_to(&self, path: &Path) -> Result<u64> {
        let io =
            |e: std::io::Error| StoreError::Backup(format!("cannot write {}: {e}", path.display()));
        let tmp = path.with_extension("partial");
        let file = std::fs::File::create(&tmp).map_err(io)?;
        let mut out = BufWriter::new(file);
        let mut hasher = Sha256::new();
        let mut write_line = |out: &mut BufWriter<std::fs::File>, v: &Value| -> Result<()> {
            let mut line = serde_json::to_vec(v).map_err(|e| StoreError::Backup(e.to_string()))?;
            line.push(b'\n');
            hasher.update(&line);
            out.write_all(&line).map_err(io)
        };
        let header = json!({
            "format": "ally-backup", "version": 1, "backend": self.backend().name(), "created_at_ms": now_ms()
        });
        write_line(&mut out, &header)?;
        let mut tx = self.db().begin_snapshot().await?;
        let mut rows_written = 0u64;
        for (table, cols) in TABLES {
            let names: Vec<&str> = cols.iter().map(|(n, _)| *n).collect();
            let order = names[0];
            let order = if *table == "network_members" || *table == "person_tokens" {
                names.join(", ")
            } else {
                order.to_owned()
            };
            let mut offset = 0i64;
            loop {
                let sql = format!(
                    "SELECT {} FROM {table} ORDER BY {order} LIMIT {CHUNK} OFFSET {offset}",
                    names.join(", ")
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .fetch_all(&mut *tx)
                    .await?;
                for row in &rows {
                    let values = cols
                        .iter()
                        .map(|(n, c)| cell(row, n, *c))
                        .collect::<Result<Vec<Value>>>()?;
                    write_line(&mut out, &json!({ "t": table, "r": values }))?;
                    rows_written += 1;
                }
                if (rows.len() as i64) < CHUNK {
                    break;
                }
                offset += CHUNK;
            }
        }
        tx.commit().await?;
        let digest = hex::encode(hasher.finalize());
        let trailer = json!({ "end": true, "rows": rows_written, "sha256": digest });
        let mut line =
            serde_json::to_vec(&trailer).map_err(|e| StoreError::Backup(e.to_string()))?;
        line.push(b'\n');
        out.write_all(&line).map_err(io)?;
        let file = out.into_inner().map_err(|e| io(e.into_error()))?;
        file.sync_all().map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)?;
        Ok(rows_written)
    }
}

/// Restores a backup into the (migrated, empty) database at `url`. All or nothing: the file is
/// checked completely (trailer and hash) before anything is written, and rows are inserted in
/// one transaction.
pub async fn restore(url: &str, path: &Path) -> Result<u64> {
    let bad = |msg: String| StoreError::Backup(msg);
    let file = std::fs::File::open(path)
        .map_err(|e| bad(format!("cannot read {}: {e}", path.display())))?;
    let mut lines: Vec<String> = Vec::new();
    for l in std::io::BufReader::new(file).lines() {
        lines.push(l.map_err(|e| bad(format!("cannot read {}: {e}", path.display())))?);
    }
    let (trailer, body) = lines
        .split_last()
        .ok_or_else(|| bad("the backup file is empty".into()))?;
    let trailer: Value = serde_json::from_str(trailer)
        .map_err(|_| bad("the backup file is truncated (no trailer)".into()))?;
    let mut hasher = Sha256::new();
    for l in body {
        hasher.update(l.as_bytes());
        hasher.update(b"\n");
    }
    if trailer.get("end") != Some(&Value::Bool(true))
        || trailer.get("sha256").and_then(Value::as_str)
            != Some(hex::encode(hasher.finalize()).as_str())
    {
        return Err(bad(
            "the backup file is damaged or truncated (checksum mismatch)".into(),
        ));
    }
    let header: Value = body
        .first()
        .and_then(|l| serde_json::from_str(l).ok())
        .ok_or_else(|| bad("the backup file has no header".into()))?;
    if header.get("format").and_then(Value::as_str) != Some("ally-backup")
        || header.get("version") != Some(&json!(1))
    {
        return Err(bad("not an Ally backup of a supported version".into()));
    }
    let db = Db::connect(url).await?;
    db.migrate().await?;
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM instance_keys")
        .fetch_one(&db.pool)
        .await?;
    if existing != 0 {
        return Err(bad(
            "the target database is not empty; restore into a new data directory or database"
                .into(),
        ));
    }
    let mut tx = db.begin_write().await?;
    let mut n = 0u64;
    for (i, l) in body.iter().enumerate().skip(1) {
        let v: Value = serde_json::from_str(l)
            .map_err(|_| bad(format!("line {} is not valid JSON", i + 1)))?;
        let table = v
            .get("t")
            .and_then(Value::as_str)
            .ok_or_else(|| bad(format!("line {}: no table", i + 1)))?;
        let (_, cols) = TABLES
            .iter()
            .find(|(t, _)| *t == table)
            .ok_or_else(|| bad(format!("line {}: unknown table {table:?}", i + 1)))?;
        let values = v
            .get("r")
            .and_then(Value::as_array)
            .ok_or_else(|| bad(format!("line {}: no row", i + 1)))?;
        if values.len() != cols.len() {
            return Err(bad(format!(
                "line {}: expected {} values",
                i + 1,
                cols.len()
            )));
        }
        let names: Vec<&str> = cols.iter().map(|(c, _)| *c).collect();
        let ph: Vec<String> = (1..=cols.len()).map(|k| format!("${k}")).collect();
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES ({})",
            names.join(", "),
            ph.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for ((_, col), val) in cols.iter().zip(values) {
            let err = || bad(format!("line {}: a value does not match its column", i + 1));
            q = match (col, val) {
                (Col::Text, Value::Null) => q.bind(None::<String>),
                (Col::Int, Value::Null) => q.bind(None::<i64>),
                (Col::Blob, Value::Null) => q.bind(None::<Vec<u8>>),
                (Col::Text, Value::String(s)) => q.bind(s.clone()),
                (Col::Int, Value::Number(x)) => q.bind(x.as_i64().ok_or_else(err)?),
                (Col::Blob, Value::Object(o)) => {
                    let s = o.get("b64").and_then(Value::as_str).ok_or_else(err)?;
                    q.bind(b64().decode(s).map_err(|_| err())?)
                }
                _ => return Err(err()),
            };
        }
        q.execute(&mut *tx).await?;
        n += 1;
    }
    tx.commit().await?;
    db.close().await;
    Ok(n)
}
