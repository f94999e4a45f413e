//! The printable HTML of an operation package, rendered from the structured package the store
//! returns (`OperationPackage::document`). Deterministic, so that its SHA-256 is the same at
//! every download and can be listed in the package's manifest.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_html_escapes() {
        let doc =
            serde_json::json!({"id": "x", "reason": "<script>", "reports": [], "entities": []});
        assert!(package_html(&doc).contains("&lt;script&gt;"));
    }
}
