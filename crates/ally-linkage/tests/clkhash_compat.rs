//! Bit-compatibility with clkhash 0.18.3: the fixtures were produced by clkhash itself
//! (`bench/linkage/make_clkhash_fixture.py`); this test needs no Python.

use ally_linkage::data::read_table;
use ally_linkage::pprl::Clk;
use ally_linkage::pprl::encode::{Encoder, TokenCache};
use ally_linkage::pprl::schema::Schema;

const SECRET: &str = include_str!("fixtures/secret.txt");
const RECORDS: &str = include_str!("fixtures/records.csv");

fn check(schema_json: &str, expected_csv: &str) -> usize {
    let schema = match Schema::from_json(schema_json) {
        Ok(s) => s,
        Err(e) => panic!("schema: {e}"),
    };
    let enc = match Encoder::new(&schema, SECRET.trim_end_matches('\n').as_bytes()) {
        Ok(e) => e,
        Err(e) => panic!("encoder: {e}"),
    };
    let (header, rows) = match read_table(RECORDS.as_bytes(), "records.csv") {
        Ok(t) => t,
        Err(e) => panic!("{e}"),
    };
    let (_, expected) = match read_table(expected_csv.as_bytes(), "clks.csv") {
        Ok(t) => t,
        Err(e) => panic!("{e}"),
    };
    let mapping = match enc.column_mapping(&header) {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(rows.len(), expected.len());
    // one cache for the whole run, as `ally pprl encode` uses it; two passes, so that the
    // second one takes every token's indices from the cache
    let mut cache = TokenCache::default();
    for (pass, (row, exp)) in rows
        .iter()
        .zip(&expected)
        .chain(rows.iter().zip(&expected))
        .enumerate()
    {
        let values: Vec<&str> = mapping
            .iter()
            .map(|m| m.map(|c| row[c].as_str()).unwrap_or(""))
            .collect();
        let clk = match enc.encode(&values) {
            Ok(c) => c,
            Err(e) => panic!("record {}: {e}", row[0]),
        };
        match enc.encode_cached(&values, &mut cache) {
            Ok(c) => assert_eq!(c, clk, "record {} (cached, step {pass})", row[0]),
            Err(e) => panic!("record {}: {e}", row[0]),
        }
        assert_eq!(row[0], exp[0]);
        let want = match Clk::from_base64(&exp[1]) {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(clk.len_bits(), want.len_bits());
        if clk != want {
            let differing = (0..clk.len_bits())
                .filter(|&i| clk.get(i) != want.get(i))
                .count();
            panic!("record {}: {differing} bits differ from clkhash", row[0]);
        }
        assert_eq!(clk.to_base64(), exp[1]);
    }
    rows.len()
}

#[test]
fn blake_hash_schema_is_bit_identical_to_clkhash() {
    let n = check(
        include_str!("fixtures/blake.schema.json"),
        include_str!("fixtures/blake.clks.csv"),
    );
    assert_eq!(n, 10);
}

#[test]
fn double_hash_and_xor_folding_are_bit_identical_to_clkhash() {
    let n = check(
        include_str!("fixtures/double_xor.schema.json"),
        include_str!("fixtures/double_xor.clks.csv"),
    );
    assert_eq!(n, 10);
}

#[test]
fn a_different_secret_gives_different_encodings() {
    let schema = match Schema::from_json(include_str!("fixtures/blake.schema.json")) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    let values = ["r1", "michaela", "neumann", "19151111", "8", "2000", "f"];
    let a = Encoder::new(&schema, b"one").and_then(|e| e.encode(&values));
    let b = Encoder::new(&schema, b"two").and_then(|e| e.encode(&values));
    match (a, b) {
        (Ok(a), Ok(b)) => assert_ne!(a, b),
        _ => panic!("encoding failed"),
    }
}

#[test]
fn a_cache_used_with_another_encoder_does_not_leak_its_indices() {
    let schema = match Schema::from_json(include_str!("fixtures/blake.schema.json")) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    let values = ["r1", "michaela", "neumann", "19151111", "8", "2000", "f"];
    let (one, two) = match (Encoder::new(&schema, b"one"), Encoder::new(&schema, b"two")) {
        (Ok(a), Ok(b)) => (a, b),
        _ => panic!("encoders"),
    };
    let mut cache = TokenCache::default();
    let a = one.encode_cached(&values, &mut cache);
    let b = two.encode_cached(&values, &mut cache);
    match (a, b, one.encode(&values), two.encode(&values)) {
        (Ok(a), Ok(b), Ok(a2), Ok(b2)) => {
            assert_eq!(a, a2);
            assert_eq!(b, b2);
            assert_ne!(a, b);
        }
        _ => panic!("encoding failed"),
    }
}
