//! The platform's linkage schema for privacy-preserving matching and the encoder built from
//! it with a network's secret, shared by runs on this instance (`pprl`) and across instances
//! (`pprl_xinst`).

use ally_linkage::pprl::encode::Encoder;
use ally_linkage::pprl::schema::Schema;

use crate::{Result, StoreError};

/// The linkage schema (clkhash v3) of the platform's runs: the person's name as a sorted,
/// transliterated key, bigrams, 1024 bits.
pub(super) const PPRL_SCHEMA: &str = r#"{"version": 3,
 "clkConfig": {"l": 1024, "kdf": {"type": "HKDF", "hash": "SHA256", "salt": "YWxseS1wcHJsLXJ1bg==", "info": "Y2xr", "keySize": 64}},
 "features": [{"identifier": "name", "format": {"type": "string", "encoding": "utf-8"},
   "hashing": {"comparison": {"type": "ngram", "n": 2}, "strategy": {"bitsPerToken": 20}, "hash": {"type": "blakeHash"}, "missingValue": {"sentinel": ""}}}],
 "x-ally-hardening": {"balance": true, "xorFolds": 1}}"#;
/// Dice similarity from which two encodings are a match.
pub const PPRL_THRESHOLD: f64 = 0.8;

/// The encoder of a run: its schema and the network's secret.
pub(super) fn platform_encoder(schema: &str, secret: &[u8]) -> Result<Encoder> {
    let schema = Schema::from_json(schema).map_err(|_| StoreError::Corrupt("pprl schema"))?;
    Encoder::new(&schema, secret).map_err(|_| StoreError::Corrupt("pprl schema"))
}
