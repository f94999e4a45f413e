//! In-process encoding throughput, single thread, as `ally pprl encode` does it (CSV read,
//! encoding with one token cache, base64 and CSV write to memory); times only the encoding
//! loop, like the anchor's in-process clkhash timing, and the whole thing separately.
//!
//!     cargo run --release -p ally-linkage --example encode_throughput -- SCHEMA.json SECRET INPUT.csv [ID_COLUMN]

use ally_linkage::data::read_table;
use ally_linkage::pprl::encode::{Encoder, TokenCache};
use ally_linkage::pprl::schema::Schema;

fn fail(m: String) -> ! {
    eprintln!("{m}");
    std::process::exit(1);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        fail("usage: encode_throughput SCHEMA.json SECRET INPUT.csv [ID_COLUMN]".into());
    }
    let id_column = args.get(4).map(String::as_str).unwrap_or("rec_id");
    let whole = std::time::Instant::now();
    let schema = std::fs::read_to_string(&args[1])
        .map_err(|e| e.to_string())
        .and_then(|t| Schema::from_json(&t).map_err(|e| e.to_string()))
        .unwrap_or_else(|e| fail(e));
    let mut secret = std::fs::read(&args[2]).unwrap_or_else(|e| fail(e.to_string()));
    while secret.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        secret.pop();
    }
    let enc = Encoder::new(&schema, &secret).unwrap_or_else(|e| fail(e.to_string()));
    let file = std::fs::File::open(&args[3]).unwrap_or_else(|e| fail(e.to_string()));
    let (header, rows) =
        read_table(std::io::BufReader::new(file), &args[3]).unwrap_or_else(|e| fail(e.to_string()));
    let id = header
        .iter()
        .position(|h| h == id_column)
        .unwrap_or_else(|| fail(format!("no column {id_column}")));
    let mapping = enc
        .column_mapping(&header)
        .unwrap_or_else(|e| fail(e.to_string()));
    let start = std::time::Instant::now();
    let mut cache = TokenCache::default();
    let mut values: Vec<&str> = Vec::new();
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in &rows {
        values.clear();
        values.extend(
            mapping
                .iter()
                .map(|m| m.map(|c| row[c].as_str()).unwrap_or("")),
        );
        let clk = enc
            .encode_cached(&values, &mut cache)
            .unwrap_or_else(|e| fail(e.to_string()));
        w.write_record([row[id].as_str(), &clk.to_base64()])
            .unwrap_or_else(|e| fail(e.to_string()));
    }
    let bytes = w.into_inner().map(|v| v.len()).unwrap_or(0);
    let s = start.elapsed().as_secs_f64();
    let all = whole.elapsed().as_secs_f64();
    println!(
        "{{\"records\": {}, \"threads\": 1, \"encode_s\": {s:.4}, \"records_per_s\": {:.0}, \"with_csv_read_s\": {all:.4}, \"output_bytes\": {bytes}}}",
        rows.len(),
        rows.len() as f64 / s
    );
}
