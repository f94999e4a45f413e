//! Privacy-preserving record linkage (PPRL) with Bloom-filter encodings (CLKs).
//!
//! * [`schema`]: reads clkhash linkage schemas (version 3).
//! * [`encode`]: encodes records into CLKs, bit-identical to clkhash for the supported schema
//!   features (n-gram/positional/exact tokens, bitsPerToken/bitsPerFeature, blakeHash and
//!   doubleHash, HKDF keys, missing values, XOR folding), plus Ally's optional hardening
//!   (`x-ally-hardening` in the schema: salting, XOR folding, balancing).
//! * [`dice`]: Sørensen–Dice similarity with a popcount kernel and candidate generation.
//! * [`solve`]: greedy one-to-one solving, as anonlink does for two parties.

pub mod dice;
pub mod encode;
pub mod schema;
pub mod solve;

use base64::Engine as _;

use crate::error::LinkageError;

/// A CLK: a Bloom filter, as bytes in clkhash's order (bit 0 = most significant bit of byte 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clk {
    bytes: Vec<u8>,
}

impl Clk {
    /// All-zero filter of `l` bits (`l` a multiple of 8).
    pub fn zeros(l: usize) -> Self {
        Clk {
            bytes: vec![0; l.div_ceil(8)],
        }
    }

    /// From raw bytes.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Clk { bytes }
    }

    /// Raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Length in bits.
    pub fn len_bits(&self) -> usize {
        self.bytes.len() * 8
    }

    /// Set bit `i` (clkhash/bitarray big-endian bit order).
    pub fn set(&mut self, i: usize) {
        if let Some(b) = self.bytes.get_mut(i / 8) {
            *b |= 0x80 >> (i % 8);
        }
    }

    /// Whether bit `i` is set.
    pub fn get(&self, i: usize) -> bool {
        self.bytes
            .get(i / 8)
            .is_some_and(|b| b & (0x80 >> (i % 8)) != 0)
    }

    /// Number of set bits.
    pub fn count_ones(&self) -> u32 {
        self.bytes.iter().map(|b| b.count_ones()).sum()
    }

    /// Standard base64 (as clkhash serialises).
    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(&self.bytes)
    }

    /// Parse standard base64.
    pub fn from_base64(s: &str) -> Result<Self, LinkageError> {
        base64::engine::general_purpose::STANDARD
            .decode(s.trim())
            .map(|bytes| Clk { bytes })
            .map_err(|e| LinkageError::Encoding {
                record: String::new(),
                message: e.to_string(),
            })
    }

    /// XOR-fold once: the first half XOR the second half.
    pub fn xor_fold(&self) -> Clk {
        let h = self.bytes.len() / 2;
        Clk {
            bytes: self.bytes[..h]
                .iter()
                .zip(&self.bytes[h..])
                .map(|(a, b)| a ^ b)
                .collect(),
        }
    }

    /// OR another filter of the same length into this one.
    pub fn or_assign(&mut self, other: &Clk) {
        for (a, b) in self.bytes.iter_mut().zip(&other.bytes) {
            *a |= b;
        }
    }
}
