//! The verifiable case dossier: a printable HTML document (print CSS, no external resources),
//! the same content as JSON with a SHA-256 hash per item, the audit excerpt, and a manifest of
//! the SHA-256 hash of every file. [`verify`] checks a received dossier (used by
//! `ally dossier verify DIR`).

use std::collections::BTreeMap;
use std::io::Write;

use ally_store::protection::DossierData;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::i18n::Tr;

pub const MANIFEST: &str = "manifest.json";
pub const FORMAT: &str = "ally-dossier-v1";

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The dossier's files (name, bytes), the manifest last.
pub fn build(d: &DossierData, tr: &Tr) -> Vec<(String, Vec<u8>)> {
    let mut items = Vec::new();
    for (g, vals) in &d.groups {
        for (k, v) in vals {
            items.push(json!({
                "group": g.as_str(),
                "field": k,
                "label": tr.t(k),
                "value": v,
                "sha256": sha256_hex(v.as_bytes()),
            }));
        }
    }
    let doc = json!({
        "format": FORMAT,
        "case_id": d.case_id.to_string(),
        "organisation": d.org_name,
        "generated_at_ms": d.generated_at_ms,
        "groups": d.groups.keys().map(|g| g.as_str()).collect::<Vec<_>>(),
        "items": items,
    });
    let json_bytes = serde_json::to_vec_pretty(&doc).unwrap_or_default();
    let audit_bytes = serde_json::to_vec_pretty(&d.audit).unwrap_or_default();
    let mut html = String::new();
    html.push_str("<!doctype html><html><head><meta charset=\"utf-8\"><title>");
    html.push_str(&esc(&tr.t("prot-dossier-title")));
    html.push_str("</title><style>body{font:11pt/1.4 serif;margin:2cm;color:#000}h1{font-size:16pt}h2{font-size:13pt;border-bottom:1px solid #000;margin-top:1.2em}dt{font-weight:bold}dd{margin:0 0 .4em 0}.hash{font:8pt monospace;color:#444;word-break:break-all}@media print{a{color:#000}h2{break-after:avoid}}</style></head><body>");
    html.push_str(&format!(
        "<h1>{}</h1><p>{} · {} · {}</p>",
        esc(&tr.t("prot-dossier-title")),
        esc(&d.org_name),
        esc(&d.case_id.to_string()),
        esc(&crate::layout::fmt_ms(d.generated_at_ms))
    ));
    html.push_str(&format!(
        "<p>{}</p>",
        esc(&tr.t("prot-dossier-consented-only"))
    ));
    for (g, vals) in &d.groups {
        html.push_str(&format!(
            "<h2>{}</h2><dl>",
            esc(&tr.t(&format!("prot-group-{}", g.as_str())))
        ));
        for (k, v) in vals {
            html.push_str(&format!(
                "<dt>{}</dt><dd>{}<div class=\"hash\">SHA-256 {}</div></dd>",
                esc(&tr.t(k)),
                esc(v),
                sha256_hex(v.as_bytes())
            ));
        }
        html.push_str("</dl>");
    }
    html.push_str(&format!(
        "<h2>{}</h2><p>{}</p></body></html>",
        esc(&tr.t("prot-dossier-audit")),
        d.audit.len()
    ));
    let files = vec![
        ("dossier.json".to_owned(), json_bytes),
        ("dossier.html".to_owned(), html.into_bytes()),
        ("audit.json".to_owned(), audit_bytes),
    ];
    let manifest = json!({
        "format": FORMAT,
        "case_id": d.case_id.to_string(),
        "files": files.iter().map(|(n, b)| json!({"name": n, "sha256": sha256_hex(b), "bytes": b.len()})).collect::<Vec<_>>(),
    });
    let mut out = files;
    out.push((
        MANIFEST.to_owned(),
        serde_json::to_vec_pretty(&manifest).unwrap_or_default(),
    ));
    out
}

/// The files as one zip archive (stored, not compressed).
pub fn zip(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, zip::result::ZipError> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in files {
        w.start_file(name.as_str(), opts)?;
        w.write_all(bytes)?;
    }
    Ok(w.finish()?.into_inner())
}

/// Checks a received dossier: the manifest's format, every listed file present with its
/// hash, no file that the manifest does not list, and every item's hash in `dossier.json`.
/// Returns the number of items checked, or the first mismatch, in words.
pub fn verify(files: &BTreeMap<String, Vec<u8>>) -> Result<usize, String> {
    let manifest = files
        .get(MANIFEST)
        .ok_or_else(|| format!("{MANIFEST} is missing"))?;
    let m: Value = serde_json::from_slice(manifest)
        .map_err(|e| format!("{MANIFEST} is not valid JSON: {e}"))?;
    if m["format"] != FORMAT {
        return Err(format!("{MANIFEST}: unknown format (expected {FORMAT})"));
    }
    let listed = m["files"]
        .as_array()
        .ok_or_else(|| format!("{MANIFEST}: no file list"))?;
    let mut names = Vec::new();
    for f in listed {
        let name = f["name"]
            .as_str()
            .ok_or_else(|| format!("{MANIFEST}: a file has no name"))?;
        let want = f["sha256"].as_str().unwrap_or("");
        let bytes = files
            .get(name)
            .ok_or_else(|| format!("{name} is listed in the manifest but missing"))?;
        let got = sha256_hex(bytes);
        if got != want {
            return Err(format!(
                "{name} does not match the manifest (SHA-256 {got}, manifest says {want})"
            ));
        }
        names.push(name.to_owned());
    }
    for name in files.keys() {
        if name != MANIFEST && !names.contains(name) {
            return Err(format!("{name} is not listed in the manifest"));
        }
    }
    let doc_bytes = files.get("dossier.json").ok_or("dossier.json is missing")?;
    let doc: Value = serde_json::from_slice(doc_bytes).map_err(|e| format!("dossier.json: {e}"))?;
    if doc["case_id"] != m["case_id"] {
        return Err("dossier.json is for another case than the manifest".into());
    }
    let items = doc["items"].as_array().ok_or("dossier.json: no items")?;
    for (i, it) in items.iter().enumerate() {
        let v = it["value"].as_str().unwrap_or("");
        if sha256_hex(v.as_bytes()) != it["sha256"].as_str().unwrap_or("") {
            return Err(format!(
                "dossier.json item {} ({}) does not match its hash",
                i + 1,
                it["field"].as_str().unwrap_or("?")
            ));
        }
    }
    Ok(items.len())
}
