//! clkhash linkage schema, version 3 (the subset that this crate encodes bit-identically).

use serde_json::Value;

use crate::error::LinkageError;

/// How a field's value is split into tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Comparison {
    /// n-grams (padded with n−1 spaces at both ends when n > 1), optionally positional.
    Ngram {
        /// n.
        n: usize,
        /// Prefix each n-gram with its 1-based position.
        positional: bool,
    },
    /// The whole value as one token.
    Exact,
}

/// How many bits each token sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// k bits per token.
    BitsPerToken(usize),
    /// A fixed total per field, spread over its tokens (first tokens get the remainder).
    BitsPerFeature(usize),
}

impl Strategy {
    /// k for token `i` of `n` (the entry `i` of [`Strategy::bits_per_token`], without
    /// allocating).
    pub fn bits_for(self, i: usize, n: usize) -> usize {
        match self {
            Strategy::BitsPerToken(k) => k,
            Strategy::BitsPerFeature(total) => {
                if n == 0 {
                    return 0;
                }
                let (k, r) = (total / n, total % n);
                if i < r { k + 1 } else { k }
            }
        }
    }

    /// k for each of `n` tokens.
    pub fn bits_per_token(self, n: usize) -> Vec<usize> {
        match self {
            Strategy::BitsPerToken(k) => vec![k; n],
            Strategy::BitsPerFeature(total) => {
                if n == 0 {
                    return Vec::new();
                }
                let (k, r) = (total / n, total % n);
                (0..n).map(|i| if i < r { k + 1 } else { k }).collect()
            }
        }
    }
}

/// Hash construction of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashKind {
    /// Keyed BLAKE2b, 16-bit slices of the digest (clkhash default).
    Blake,
    /// Schnell's double hashing with HMAC-SHA1 and HMAC-MD5.
    Double {
        /// Re-hash when the MD5 index is 0 mod l.
        prevent_singularity: bool,
    },
}

/// Value format of a field (how clkhash normalises it before tokenising).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    /// Text, hashed as given (lower-cased when the schema says `case: lower`).
    String {
        /// Lower-case the value first.
        lower: bool,
    },
    /// Integer, re-printed without sign padding or white space.
    Integer,
    /// Date parsed with a strptime-style format (`%Y`, `%m`, `%d` and literals), hashed as
    /// `YYYYMMDD`.
    Date {
        /// The strptime format.
        format: String,
    },
    /// Enumerated text (hashed as given).
    Enum,
}

/// One hashed feature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureHashing {
    /// Value format.
    pub format: Format,
    /// Tokenisation.
    pub comparison: Comparison,
    /// Bits per token.
    pub strategy: Strategy,
    /// Hash construction.
    pub hash: HashKind,
    /// Missing-value sentinel and replacement.
    pub missing: Option<(String, String)>,
}

/// One feature (column) of the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feature {
    /// Column name.
    pub identifier: String,
    /// `None` if the feature is ignored.
    pub hashing: Option<FeatureHashing>,
}

/// Key derivation parameters (HKDF).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kdf {
    /// `SHA256` or `SHA512`.
    pub hash: String,
    /// HKDF salt (decoded).
    pub salt: Option<Vec<u8>>,
    /// HKDF info (decoded).
    pub info: Option<Vec<u8>>,
    /// Bytes per derived key.
    pub key_size: usize,
}

/// The top-level schema key of Ally's hardening extension. clkhash's v3 JSON schema allows
/// extra top-level keys, so a schema with this key still validates as a clkhash schema; clkhash
/// would encode it without the hardening, hence all parties must encode with Ally.
pub const HARDENING_KEY: &str = "x-ally-hardening";

/// Salting: the tokens of some features are hashed together with a part of another feature's
/// value (e.g. the year of birth), so that the same q-gram sets different bits in records with
/// different salts (Niedermeyer et al. 2014, Ranbaduge & Schnell 2020).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Salt {
    /// Index (in `Schema::features`) of the feature whose value gives the salt.
    pub feature: usize,
    /// First character of the salt in that feature's formatted value (0-based).
    pub start: usize,
    /// Number of characters (`None`: to the end).
    pub length: Option<usize>,
    /// Indices of the features whose tokens are salted.
    pub salted: Vec<usize>,
}

/// Ally's hardening options against frequency and pattern-mining attacks
/// (`"x-ally-hardening"` in the schema JSON; not part of clkhash). Applied in this order:
/// salting (while hashing), XOR folding, balancing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Hardening {
    /// Salting of tokens with a part of another field.
    pub salt: Option<Salt>,
    /// XOR folds after encoding (each halves the length), in addition to clkhash's
    /// `xor_folds` (which are counted in `l`).
    pub xor_folds: u32,
    /// Append the complement and permute with a permutation keyed by the shared secret, so that
    /// every encoding has exactly half its bits set (doubles the length).
    pub balance: bool,
}

/// A linkage schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schema {
    /// Filter length in bits (after clkhash's folding, before Ally's hardening).
    pub l: usize,
    /// Number of XOR folds.
    pub xor_folds: u32,
    /// Key derivation.
    pub kdf: Kdf,
    /// Features, in column order.
    pub features: Vec<Feature>,
    /// Ally's hardening extension; `None` for plain clkhash schemas.
    pub hardening: Option<Hardening>,
}

fn err(msg: impl Into<String>) -> LinkageError {
    LinkageError::Schema(msg.into())
}

fn b64(v: Option<&Value>, what: &str) -> Result<Option<Vec<u8>>, LinkageError> {
    use base64::Engine as _;
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => base64::engine::general_purpose::STANDARD
            .decode(s)
            .map(Some)
            .map_err(|e| err(format!("{what} is not base64: {e}"))),
        Some(_) => Err(err(format!("{what} must be a base64 string"))),
    }
}

fn uint(v: Option<&Value>, what: &str) -> Result<usize, LinkageError> {
    v.and_then(Value::as_u64)
        .map(|x| x as usize)
        .ok_or_else(|| err(format!("{what} must be a non-negative integer")))
}

impl Schema {
    /// Parse a schema from JSON text. Only version 3 is accepted.
    pub fn from_json(text: &str) -> Result<Self, LinkageError> {
        let v: Value = serde_json::from_str(text).map_err(|e| err(format!("invalid JSON: {e}")))?;
        if v.get("version").and_then(Value::as_u64) != Some(3) {
            return Err(err("only linkage schema version 3 is supported"));
        }
        let cfg = v.get("clkConfig").ok_or_else(|| err("missing clkConfig"))?;
        let l = uint(cfg.get("l"), "clkConfig.l")?;
        // clkhash 0.18 reads `xor_folds` (the published v3 JSON schema spells it `xorFolds`,
        // which clkhash ignores); refuse the ambiguous spelling rather than differ silently
        if cfg.get("xorFolds").and_then(Value::as_u64).unwrap_or(0) != 0 {
            return Err(err(
                "clkConfig.xorFolds is ignored by clkhash; write xor_folds to fold",
            ));
        }
        let xor_folds = cfg.get("xor_folds").and_then(Value::as_u64).unwrap_or(0) as u32;
        if l == 0 || !l.is_multiple_of(8) || l > 1 << 20 {
            return Err(err(
                "clkConfig.l must be a positive multiple of 8, at most 2^20",
            ));
        }
        if xor_folds > 8 {
            return Err(err("too many xor_folds"));
        }
        let kdf = cfg.get("kdf").ok_or_else(|| err("missing clkConfig.kdf"))?;
        if kdf.get("type").and_then(Value::as_str) != Some("HKDF") {
            return Err(err("only the HKDF key derivation is supported"));
        }
        let hash = kdf
            .get("hash")
            .and_then(Value::as_str)
            .unwrap_or("SHA256")
            .to_string();
        if hash != "SHA256" && hash != "SHA512" {
            return Err(err(format!("unsupported KDF hash {hash}")));
        }
        let kdf = Kdf {
            hash,
            salt: b64(kdf.get("salt"), "kdf.salt")?,
            info: b64(kdf.get("info"), "kdf.info")?,
            key_size: kdf.get("keySize").and_then(Value::as_u64).unwrap_or(64) as usize,
        };
        if kdf.key_size == 0 || kdf.key_size > 128 {
            return Err(err("kdf.keySize must be between 1 and 128"));
        }
        let feats = v
            .get("features")
            .and_then(Value::as_array)
            .ok_or_else(|| err("missing features"))?;
        let features = feats
            .iter()
            .map(parse_feature)
            .collect::<Result<Vec<_>, _>>()?;
        // a misspelt extension key must not silently drop the hardening
        if let Some(obj) = v.as_object()
            && let Some(k) = obj
                .keys()
                .find(|k| k.starts_with("x-ally") && k.as_str() != HARDENING_KEY)
        {
            return Err(err(format!(
                "unknown Ally extension {k:?} (the hardening key is {HARDENING_KEY:?})"
            )));
        }
        let hardening = match v.get(HARDENING_KEY) {
            None | Some(Value::Null) => None,
            Some(h) => Some(parse_hardening(h, l, &features)?),
        };
        Ok(Schema {
            l,
            xor_folds,
            kdf,
            features,
            hardening,
        })
    }

    /// Length in bits of the encodings this schema produces (after hardening).
    pub fn output_bits(&self) -> usize {
        match &self.hardening {
            None => self.l,
            Some(h) => {
                let folded = self.l >> h.xor_folds;
                if h.balance { 2 * folded } else { folded }
            }
        }
    }
}

fn parse_hardening(h: &Value, l: usize, features: &[Feature]) -> Result<Hardening, LinkageError> {
    let ctx = |m: &str| err(format!("{HARDENING_KEY}: {m}"));
    let obj = h.as_object().ok_or_else(|| ctx("must be an object"))?;
    if let Some(k) = obj
        .keys()
        .find(|k| !matches!(k.as_str(), "xorFolds" | "balance" | "salt"))
    {
        return Err(ctx(&format!(
            "unknown option {k:?} (known: xorFolds, balance, salt)"
        )));
    }
    let xor_folds = match obj.get("xorFolds") {
        None => 0,
        Some(x) => {
            x.as_u64()
                .filter(|&f| f <= 8)
                .ok_or_else(|| ctx("xorFolds must be an integer from 0 to 8"))? as u32
        }
    };
    // each fold halves whole bytes, and at least one byte must remain
    if !l.is_multiple_of(8usize << xor_folds) {
        return Err(ctx(&format!(
            "l = {l} cannot be folded {xor_folds} times into whole bytes"
        )));
    }
    let balance = match obj.get("balance") {
        None => false,
        Some(b) => b
            .as_bool()
            .ok_or_else(|| ctx("balance must be true or false"))?,
    };
    let salt = match obj.get("salt") {
        None | Some(Value::Null) => None,
        Some(s) => Some(parse_salt(s, features)?),
    };
    Ok(Hardening {
        salt,
        xor_folds,
        balance,
    })
}

fn parse_salt(s: &Value, features: &[Feature]) -> Result<Salt, LinkageError> {
    let ctx = |m: &str| err(format!("{HARDENING_KEY}.salt: {m}"));
    let obj = s.as_object().ok_or_else(|| ctx("must be an object"))?;
    if let Some(k) = obj
        .keys()
        .find(|k| !matches!(k.as_str(), "identifier" | "start" | "length" | "features"))
    {
        return Err(ctx(&format!(
            "unknown option {k:?} (known: identifier, start, length, features)"
        )));
    }
    let position = |name: &str| features.iter().position(|f| f.identifier == name);
    let identifier = obj
        .get("identifier")
        .and_then(Value::as_str)
        .ok_or_else(|| ctx("identifier (the feature that gives the salt) is required"))?;
    let feature = position(identifier)
        .ok_or_else(|| ctx(&format!("no feature {identifier:?} in the schema")))?;
    let start = match obj.get("start") {
        None => 0,
        Some(x) => uint(Some(x), "salt.start")?,
    };
    let length = match obj.get("length") {
        None | Some(Value::Null) => None,
        Some(x) => Some(uint(Some(x), "salt.length")?).filter(|&n| n > 0),
    };
    if obj.get("length").is_some_and(|x| !x.is_null()) && length.is_none() {
        return Err(ctx("length must be at least 1"));
    }
    let salted = match obj.get("features") {
        // by default every hashed feature but the salt's own
        None => features
            .iter()
            .enumerate()
            .filter(|(i, f)| *i != feature && f.hashing.is_some())
            .map(|(i, _)| i)
            .collect(),
        Some(list) => {
            let list = list
                .as_array()
                .ok_or_else(|| ctx("features must be a list of feature identifiers"))?;
            let mut out = Vec::with_capacity(list.len());
            for x in list {
                let name = x
                    .as_str()
                    .ok_or_else(|| ctx("features must be a list of feature identifiers"))?;
                let i = position(name)
                    .filter(|&i| features[i].hashing.is_some())
                    .ok_or_else(|| ctx(&format!("{name:?} is not a hashed feature")))?;
                if !out.contains(&i) {
                    out.push(i);
                }
            }
            out.sort_unstable();
            out
        }
    };
    if salted.is_empty() {
        return Err(ctx("no feature to salt"));
    }
    Ok(Salt {
        feature,
        start,
        length,
        salted,
    })
}

fn parse_feature(f: &Value) -> Result<Feature, LinkageError> {
    let identifier = f
        .get("identifier")
        .and_then(Value::as_str)
        .ok_or_else(|| err("feature without identifier"))?
        .to_string();
    if f.get("ignored").and_then(Value::as_bool).unwrap_or(false) {
        return Ok(Feature {
            identifier,
            hashing: None,
        });
    }
    let ctx = |m: &str| err(format!("feature {identifier}: {m}"));
    let fmt = f.get("format").ok_or_else(|| ctx("missing format"))?;
    let format = match fmt.get("type").and_then(Value::as_str) {
        Some("string") => Format::String {
            lower: fmt.get("case").and_then(Value::as_str) == Some("lower"),
        },
        Some("integer") => Format::Integer,
        Some("enum") => Format::Enum,
        Some("date") => Format::Date {
            format: fmt
                .get("format")
                .and_then(Value::as_str)
                .ok_or_else(|| ctx("date without format"))?
                .to_string(),
        },
        other => return Err(ctx(&format!("unsupported format type {other:?}"))),
    };
    let h = f.get("hashing").ok_or_else(|| ctx("missing hashing"))?;
    let c = h
        .get("comparison")
        .ok_or_else(|| ctx("missing comparison"))?;
    let comparison = match c.get("type").and_then(Value::as_str) {
        Some("ngram") => {
            let n = uint(c.get("n"), "comparison.n")?;
            if n == 0 {
                return Err(ctx("n-gram size must be at least 1"));
            }
            Comparison::Ngram {
                n,
                positional: c
                    .get("positional")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            }
        }
        Some("exact") => Comparison::Exact,
        other => {
            return Err(ctx(&format!(
                "unsupported comparison {other:?} (supported: ngram, exact)"
            )));
        }
    };
    let s = h.get("strategy").ok_or_else(|| ctx("missing strategy"))?;
    const MAX_BITS: usize = 100_000;
    let strategy = if let Some(k) = s.get("bitsPerToken") {
        Strategy::BitsPerToken(uint(Some(k), "bitsPerToken")?)
    } else if let Some(k) = s.get("bitsPerFeature") {
        Strategy::BitsPerFeature(uint(Some(k), "bitsPerFeature")?)
    } else {
        return Err(ctx("unknown strategy"));
    };
    if matches!(strategy, Strategy::BitsPerToken(k) | Strategy::BitsPerFeature(k) if k > MAX_BITS) {
        return Err(ctx("bits per token/feature must be at most 100000"));
    }
    let hv = h.get("hash");
    let hash = match hv.and_then(|x| x.get("type")).and_then(Value::as_str) {
        None | Some("blakeHash") => HashKind::Blake,
        Some("doubleHash") => HashKind::Double {
            prevent_singularity: hv
                .and_then(|x| x.get("prevent_singularity"))
                .and_then(Value::as_bool)
                .unwrap_or(false),
        },
        Some(other) => return Err(ctx(&format!("unsupported hash {other}"))),
    };
    let missing = match h.get("missingValue") {
        Some(m) => {
            let sentinel = m
                .get("sentinel")
                .and_then(Value::as_str)
                .ok_or_else(|| ctx("missingValue without sentinel"))?;
            let replace = m
                .get("replaceWith")
                .and_then(Value::as_str)
                .unwrap_or(sentinel);
            Some((sentinel.to_string(), replace.to_string()))
        }
        None => None,
    };
    Ok(Feature {
        identifier,
        hashing: Some(FeatureHashing {
            format,
            comparison,
            strategy,
            hash,
            missing,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_per_feature_spreads_the_remainder_first() {
        assert_eq!(
            Strategy::BitsPerFeature(10).bits_per_token(3),
            vec![4, 3, 3]
        );
        assert_eq!(Strategy::BitsPerToken(5).bits_per_token(2), vec![5, 5]);
        assert!(Strategy::BitsPerFeature(10).bits_per_token(0).is_empty());
        for (s, n) in [
            (Strategy::BitsPerFeature(10), 3),
            (Strategy::BitsPerFeature(180), 7),
            (Strategy::BitsPerToken(5), 4),
        ] {
            let all = s.bits_per_token(n);
            assert_eq!((0..n).map(|i| s.bits_for(i, n)).collect::<Vec<_>>(), all);
        }
    }

    #[test]
    fn rejects_other_versions_and_unknown_comparisons() {
        assert!(Schema::from_json(r#"{"version":2}"#).is_err());
        let s = r#"{"version":3,"clkConfig":{"l":1024,"kdf":{"type":"HKDF"}},
            "features":[{"identifier":"x","format":{"type":"string"},
            "hashing":{"comparison":{"type":"numeric"},"strategy":{"bitsPerToken":5}}}]}"#;
        let e = Schema::from_json(s)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("numeric"), "{e}");
    }
}
