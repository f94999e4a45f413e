//! Encoding records into CLKs (cryptographic long-term keys), compatible with clkhash.
//!
//! Per field, two keys are derived from the shared secret with HKDF (salt, info and key size
//! from the schema; 2 × key size bytes per feature, ignored features included, in feature
//! order). The field value is tokenised; each token sets k bits chosen by keyed BLAKE2b
//! (salt = the decimal block number, digest cut into 16-bit little-endian integers mod l) or
//! by double hashing (HMAC-SHA1 + i·HMAC-MD5 mod l). All fields are OR-ed into one filter,
//! which is then XOR-folded as often as the schema asks.
//!
//! Ally's hardening extension (`x-ally-hardening`, see [`super::schema::Hardening`]) then
//! salts tokens while hashing, XOR-folds the finished filter and balances it with a
//! permutation keyed by the shared secret. Without the extension nothing changes: plain
//! clkhash schemas give clkhash's encodings bit for bit.

use blake2::Blake2bMac512;
use hkdf::Hkdf;
use hmac::{Hmac, KeyInit, Mac};
use md5::Md5;
use sha1::Sha1;
use sha2::{Sha256, Sha512};

use super::Clk;
use super::schema::{Comparison, Feature, Format, HashKind, Schema};
use crate::error::LinkageError;

/// An encoder for one schema and secret.
#[derive(Clone)]
pub struct Encoder {
    schema: Schema,
    /// (key for blake / HMAC-SHA1, key for HMAC-MD5) per feature.
    keys: Vec<KeyPair>,
    /// The keyed HMAC-SHA1 and HMAC-MD5 states per feature (cloned for each token, so that
    /// the key is not re-processed), for double hashing.
    macs: Vec<(Hmac<Sha1>, Hmac<Md5>)>,
    hash_l: usize,
    /// The balancing permutation, when the schema asks for balancing.
    balancer: Option<Balancer>,
    /// Identifies this encoder (and its clones) to a [`TokenCache`], which holds values
    /// derived from its keys.
    id: u64,
}

static NEXT_ENCODER_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // never print the keys
        f.debug_struct("Encoder")
            .field("l", &self.schema.l)
            .field("features", &self.schema.features.len())
            .finish()
    }
}

/// The two derived keys of a feature.
type KeyPair = (Vec<u8>, Vec<u8>);

fn derive_keys(schema: &Schema, secret: &[u8]) -> Result<Vec<KeyPair>, LinkageError> {
    let n = schema.features.len();
    let ks = schema.kdf.key_size;
    let mut okm = vec![0u8; 2 * n * ks];
    let salt = schema.kdf.salt.as_deref();
    let info = schema.kdf.info.as_deref().unwrap_or(&[]);
    let ok = match schema.kdf.hash.as_str() {
        "SHA512" => Hkdf::<Sha512>::new(salt, secret)
            .expand(info, &mut okm)
            .is_ok(),
        _ => Hkdf::<Sha256>::new(salt, secret)
            .expand(info, &mut okm)
            .is_ok(),
    };
    if !ok {
        return Err(LinkageError::Schema(
            "HKDF cannot derive that many key bytes; use fewer features or a smaller keySize"
                .into(),
        ));
    }
    Ok((0..n)
        .map(|i| {
            (
                okm[2 * i * ks..(2 * i + 1) * ks].to_vec(),
                okm[(2 * i + 1) * ks..(2 * i + 2) * ks].to_vec(),
            )
        })
        .collect())
}

/// Tokens of a formatted value, appended to `out` as bytes; `ends` receives each token's end
/// offset in `out` (both are cleared first). The same tokens as [`tokenize`], without an
/// allocation per token.
pub fn tokenize_into(
    comparison: &Comparison,
    word: &str,
    chars: &mut Vec<char>,
    out: &mut Vec<u8>,
    ends: &mut Vec<usize>,
) {
    out.clear();
    ends.clear();
    if word.is_empty() {
        return;
    }
    match comparison {
        Comparison::Exact => {
            out.extend_from_slice(word.as_bytes());
            ends.push(out.len());
        }
        Comparison::Ngram { n, positional } => {
            let n = *n;
            let pad = n.saturating_sub(1);
            chars.clear();
            chars.extend(std::iter::repeat_n(' ', pad));
            chars.extend(word.chars());
            chars.extend(std::iter::repeat_n(' ', pad));
            if chars.len() < n {
                return;
            }
            let mut buf = [0u8; 4];
            for i in 0..=chars.len() - n {
                if *positional {
                    push_decimal(out, i + 1);
                    out.push(b' ');
                }
                for c in &chars[i..i + n] {
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                ends.push(out.len());
            }
        }
    }
}

fn push_decimal(out: &mut Vec<u8>, mut v: usize) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// Tokens of a formatted value.
pub fn tokenize(comparison: &Comparison, word: &str) -> Vec<String> {
    if word.is_empty() {
        return Vec::new();
    }
    match comparison {
        Comparison::Exact => vec![word.to_string()],
        Comparison::Ngram { n, positional } => {
            let n = *n;
            let pad = " ".repeat(n.saturating_sub(1));
            let chars: Vec<char> = format!("{pad}{word}{pad}").chars().collect();
            if chars.len() < n {
                return Vec::new();
            }
            (0..=chars.len() - n)
                .map(|i| {
                    let g: String = chars[i..i + n].iter().collect();
                    if *positional {
                        format!("{} {g}", i + 1)
                    } else {
                        g
                    }
                })
                .collect()
        }
    }
}

fn format_date(value: &str, fmt: &str) -> Option<String> {
    // minimal strptime: %Y (4 digits), %m and %d (1-2 digits), %% and literal characters
    let v: Vec<char> = value.chars().collect();
    let f: Vec<char> = fmt.chars().collect();
    let (mut i, mut j) = (0usize, 0usize);
    let (mut y, mut m, mut d) = (None, None, None);
    let digits = |i: &mut usize, max: usize| -> Option<u32> {
        let start = *i;
        while *i < v.len() && *i - start < max && v[*i].is_ascii_digit() {
            *i += 1;
        }
        if *i == start {
            None
        } else {
            v[start..*i].iter().collect::<String>().parse().ok()
        }
    };
    while j < f.len() {
        if f[j] == '%' && j + 1 < f.len() {
            match f[j + 1] {
                'Y' => y = Some(digits(&mut i, 4)?),
                'm' => m = Some(digits(&mut i, 2)?),
                'd' => d = Some(digits(&mut i, 2)?),
                '%' => {
                    if v.get(i) != Some(&'%') {
                        return None;
                    }
                    i += 1;
                }
                _ => return None,
            }
            j += 2;
        } else {
            if v.get(i) != Some(&f[j]) {
                return None;
            }
            i += 1;
            j += 1;
        }
    }
    if i != v.len() {
        return None;
    }
    let (y, m, d) = (y.unwrap_or(1900), m.unwrap_or(1), d.unwrap_or(1));
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let dim = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if d == 0 || d > dim {
        return None;
    }
    Some(format!("{y:04}{m:02}{d:02}"))
}

fn big_endian_mod(bytes: &[u8], l: usize) -> usize {
    bytes
        .iter()
        .fold(0u128, |r, &b| (r * 256 + b as u128) % l as u128) as usize
}

impl Encoder {
    /// Build an encoder: checks the schema and derives the per-field keys.
    pub fn new(schema: &Schema, secret: &[u8]) -> Result<Self, LinkageError> {
        let hash_l = schema
            .l
            .checked_mul(1usize << schema.xor_folds.min(16))
            .ok_or_else(|| LinkageError::Schema("l too large".into()))?;
        let uses_blake = schema
            .features
            .iter()
            .any(|f| matches!(f.hashing.as_ref().map(|h| h.hash), Some(HashKind::Blake)));
        if uses_blake && !hash_l.is_power_of_two() {
            return Err(LinkageError::Schema(
                "blakeHash needs l (times 2^xor_folds) to be a power of two".into(),
            ));
        }
        if uses_blake && hash_l > 65_536 {
            return Err(LinkageError::Schema(
                "blakeHash supports filters of at most 65536 bits".into(),
            ));
        }
        let keys = derive_keys(schema, secret)?;
        let balancer = match &schema.hardening {
            Some(h) if h.balance => Some(Balancer::from_secret(
                schema,
                secret,
                schema.l >> h.xor_folds,
            )?),
            _ => None,
        };
        let macs = keys
            .iter()
            .map(|(k1, k2)| {
                match (
                    <Hmac<Sha1> as KeyInit>::new_from_slice(k1),
                    <Hmac<Md5> as KeyInit>::new_from_slice(k2),
                ) {
                    (Ok(a), Ok(b)) => Ok((a, b)),
                    _ => Err(LinkageError::Schema("bad HMAC key".into())),
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Encoder {
            schema: schema.clone(),
            keys,
            macs,
            hash_l,
            balancer,
            id: NEXT_ENCODER_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        })
    }

    /// The schema.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// For each schema feature, the index of the CSV column with the same name (`None` for
    /// ignored features that are absent). A hashed feature missing from the header is an error.
    /// The feature that gives the salt (when salting) must be present too, even if ignored.
    pub fn column_mapping(&self, header: &[String]) -> Result<Vec<Option<usize>>, LinkageError> {
        let salt_feature = self
            .schema
            .hardening
            .as_ref()
            .and_then(|h| h.salt.as_ref())
            .map(|s| s.feature);
        self.schema
            .features
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let pos = header.iter().position(|h| h.trim() == f.identifier);
                if pos.is_none() && (f.hashing.is_some() || salt_feature == Some(i)) {
                    Err(LinkageError::MissingColumn {
                        source_name: "input".into(),
                        column: f.identifier.clone(),
                        header: header.join(","),
                    })
                } else {
                    Ok(pos)
                }
            })
            .collect()
    }

    fn formatted<'v>(
        feature: &'v Feature,
        value: &'v str,
    ) -> Result<std::borrow::Cow<'v, str>, LinkageError> {
        use std::borrow::Cow;
        let Some(h) = &feature.hashing else {
            return Ok(Cow::Borrowed(""));
        };
        if let Some((sentinel, replace)) = &h.missing
            && value == sentinel
        {
            return Ok(Cow::Borrowed(replace.as_str()));
        }
        let bad = |m: &str| LinkageError::Encoding {
            record: String::new(),
            message: format!("feature {}: {m} {value:?}", feature.identifier),
        };
        Ok(match &h.format {
            // ASCII text without capitals is already lower case: no copy
            Format::String { lower: true }
                if value.is_ascii() && !value.bytes().any(|b| b.is_ascii_uppercase()) =>
            {
                Cow::Borrowed(value)
            }
            Format::String { lower: true } => Cow::Owned(value.to_lowercase()),
            Format::String { lower: false } | Format::Enum => Cow::Borrowed(value),
            Format::Integer => Cow::Owned(
                value
                    .trim()
                    .parse::<i64>()
                    .map_err(|_| bad("not an integer:"))?
                    .to_string(),
            ),
            Format::Date { format } => Cow::Owned(
                format_date(value, format)
                    .ok_or_else(|| bad("not a date in the schema's format:"))?,
            ),
        })
    }

    /// Set the bits of the tokens in `scratch` (feature `f`) in `bf`.
    fn hash_tokens(
        &self,
        f: usize,
        h: &super::schema::FeatureHashing,
        bf: &mut Clk,
        cache: &mut TokenCache,
    ) -> Result<(), LinkageError> {
        let l = self.hash_l;
        let TokenCache {
            indices,
            states,
            tokens,
            ends,
            ..
        } = cache;
        let n = ends.len();
        let mut start = 0;
        for (i, &end) in ends.iter().enumerate() {
            let t = &tokens[start..end];
            start = end;
            let k = h.strategy.bits_for(i, n);
            match h.hash {
                HashKind::Blake => {
                    // l is a power of two (checked in new): mod l is a mask
                    let mask = l - 1;
                    blake_set(indices, states, f, &self.keys[f].0, t, k, bf, mask)?;
                }
                HashKind::Double {
                    prevent_singularity,
                } => {
                    let (sha1, md5) = &self.macs[f];
                    let hm_sha1 = |m: &[u8]| {
                        let mut mac = sha1.clone();
                        mac.update(m);
                        mac.finalize().into_bytes()
                    };
                    let hm_md5 = |m: &[u8]| {
                        let mut mac = md5.clone();
                        mac.update(m);
                        mac.finalize().into_bytes()
                    };
                    let h1 = big_endian_mod(&hm_sha1(t), l);
                    let mut h2 = big_endian_mod(&hm_md5(t), l);
                    if prevent_singularity {
                        let mut i: u32 = 0;
                        while h2 == 0 {
                            let mut m = t.to_vec();
                            let c = char::from_u32(i).unwrap_or('\u{fffd}');
                            let mut buf = [0u8; 4];
                            m.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                            h2 = big_endian_mod(&hm_md5(&m), l);
                            i += 1;
                        }
                    }
                    for i in 0..k {
                        bf.set((h1 + i * h2) % l);
                    }
                }
            }
        }
        Ok(())
    }

    /// Encode one record; `values[i]` is the value of schema feature `i` (ignored features'
    /// values are not used).
    pub fn encode(&self, values: &[&str]) -> Result<Clk, LinkageError> {
        self.encode_cached(values, &mut TokenCache::default())
    }

    /// Like [`Encoder::encode`], reusing the hash indices of tokens seen before (a cache per
    /// encoder run; it holds derived values, so treat it as secret).
    pub fn encode_cached(
        &self,
        values: &[&str],
        cache: &mut TokenCache,
    ) -> Result<Clk, LinkageError> {
        if values.len() != self.schema.features.len() {
            return Err(LinkageError::Invalid(format!(
                "record has {} values, the schema {} features",
                values.len(),
                self.schema.features.len()
            )));
        }
        if cache.encoder != self.id {
            // the cache holds values derived from another encoder's keys
            *cache = TokenCache {
                encoder: self.id,
                ..TokenCache::default()
            };
        }
        let hardening = self.schema.hardening.as_ref();
        let salt = match hardening.and_then(|h| h.salt.as_ref()) {
            Some(s) => Some((s, self.salt_value(s, values)?)),
            None => None,
        };
        let mut bf = Clk::zeros(self.hash_l);
        for (f, feature) in self.schema.features.iter().enumerate() {
            let Some(h) = &feature.hashing else { continue };
            let v = Self::formatted(feature, values[f])?;
            tokenize_into(
                &h.comparison,
                &v,
                &mut cache.chars,
                &mut cache.tokens,
                &mut cache.ends,
            );
            if cache.ends.is_empty() {
                continue;
            }
            if let Some((s, value)) = &salt
                && s.salted.binary_search(&f).is_ok()
            {
                salt_tokens(cache, value.as_bytes());
            }
            self.hash_tokens(f, h, &mut bf, cache)?;
        }
        for _ in 0..self.schema.xor_folds {
            bf = bf.xor_fold();
        }
        if let Some(h) = hardening {
            for _ in 0..h.xor_folds {
                bf = bf.xor_fold();
            }
        }
        if let Some(b) = &self.balancer {
            bf = b.apply(&bf);
        }
        Ok(bf)
    }

    /// The salt of a record: the chosen characters of the salt feature's formatted value (its
    /// trimmed raw value if that feature is ignored).
    fn salt_value(
        &self,
        salt: &super::schema::Salt,
        values: &[&str],
    ) -> Result<String, LinkageError> {
        let feature = &self.schema.features[salt.feature];
        let raw = values[salt.feature];
        let formatted = if feature.hashing.is_some() {
            Self::formatted(feature, raw)?
        } else {
            std::borrow::Cow::Borrowed(raw.trim())
        };
        let chars = formatted.chars().skip(salt.start);
        Ok(match salt.length {
            Some(n) => chars.take(n).collect(),
            None => chars.collect(),
        })
    }
}

/// Append the salt to every token in the cache's token buffer: token ‖ 0x1F ‖ salt ‖ the
/// salt's length (4 bytes), which reads back unambiguously from the end, so that distinct
/// (token, salt) pairs give distinct hash inputs.
fn salt_tokens(cache: &mut TokenCache, salt: &[u8]) {
    let TokenCache {
        tokens,
        ends,
        salted,
        ..
    } = cache;
    salted.clear();
    let mut start = 0;
    for end in ends.iter_mut() {
        salted.extend_from_slice(&tokens[start..*end]);
        salted.push(0x1f);
        salted.extend_from_slice(salt);
        salted.extend_from_slice(&(salt.len() as u32).to_le_bytes());
        start = *end;
        *end = salted.len();
    }
    std::mem::swap(tokens, salted);
}

/// Cache of BLAKE2b bit indices per (feature, token), and of the keyed BLAKE2b states per
/// (feature, block), so that each new token costs one compression per 32 indices; plus the
/// scratch buffers of tokenisation (no allocation per token). Tied to one encoder (another
/// encoder resets it).
#[derive(Default)]
pub struct TokenCache {
    encoder: u64,
    indices: Vec<IndexMap>,
    states: Vec<Vec<Blake2bMac512>>,
    chars: Vec<char>,
    tokens: Vec<u8>,
    ends: Vec<usize>,
    /// Scratch buffer for salted tokens.
    salted: Vec<u8>,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenCache { .. }")
    }
}

/// Entries kept per feature before the cache of that feature is emptied.
const MAX_CACHE_ENTRIES: usize = 1 << 16;

/// The keyed BLAKE2b state of feature `f` for digest block `block` (salt = the decimal
/// block number), made once.
fn blake_state<'s>(
    states: &'s mut Vec<Vec<Blake2bMac512>>,
    f: usize,
    key: &[u8],
    block: usize,
) -> Result<&'s Blake2bMac512, LinkageError> {
    if states.len() <= f {
        states.resize_with(f + 1, Vec::new);
    }
    while states[f].len() <= block {
        let salt = states[f].len().to_string();
        let mac = Blake2bMac512::new_with_salt_and_personal(Some(key), salt.as_bytes(), &[])
            .map_err(|_| LinkageError::Schema("BLAKE2b key must be 1..=64 bytes".into()))?;
        states[f].push(mac);
    }
    states[f]
        .get(block)
        .ok_or_else(|| LinkageError::Invalid("BLAKE2b state".into()))
}

/// Set the first `k` BLAKE2b indices (mod l, `mask` = l − 1) of `token` for feature `f` in
/// `bf`, computing and caching them (a multiple of 32) when not cached yet.
#[allow(clippy::too_many_arguments)]
fn blake_set(
    indices: &mut Vec<IndexMap>,
    states: &mut Vec<Vec<Blake2bMac512>>,
    f: usize,
    key: &[u8],
    token: &[u8],
    k: usize,
    bf: &mut Clk,
    mask: usize,
) -> Result<(), LinkageError> {
    if indices.len() <= f {
        indices.resize_with(f + 1, Default::default);
    }
    let map = &mut indices[f];
    let short = short_key(token);
    let cached = match short {
        Some(key) => map.short.get(&key),
        None => map.long.get(token),
    };
    if let Some(v) = cached
        && v.len() >= k
    {
        for &i in &v[..k] {
            bf.set(i as usize & mask);
        }
        return Ok(());
    }
    let mut v = Vec::with_capacity(k.div_ceil(32) * 32);
    let mut block = 0;
    while v.len() < k {
        let mut mac = blake_state(states, f, key, block)?.clone();
        blake2::digest::Update::update(&mut mac, token);
        let digest = mac.finalize().into_bytes();
        v.extend(
            digest
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]])),
        );
        block += 1;
    }
    for &i in &v[..k] {
        bf.set(i as usize & mask);
    }
    if map.short.len() + map.long.len() >= MAX_CACHE_ENTRIES {
        map.short.clear();
        map.long.clear();
    }
    match short {
        Some(key) => map.short.insert(key, v.into_boxed_slice()),
        None => map.long.insert(token.into(), v.into_boxed_slice()),
    };
    Ok(())
}

/// The cached BLAKE2b indices of one feature's tokens: tokens of at most 15 bytes (n-grams,
/// short values) under a packed integer key with a fast hash, longer ones under their bytes.
#[derive(Default)]
struct IndexMap {
    short: std::collections::HashMap<u128, Box<[u16]>, ShortKeyState>,
    long: std::collections::HashMap<Box<[u8]>, Box<[u16]>>,
}

/// A token of at most 15 bytes packed with its length (distinct tokens, distinct keys).
#[inline]
fn short_key(token: &[u8]) -> Option<u128> {
    if token.len() > 15 {
        return None;
    }
    let mut b = [0u8; 16];
    b[..token.len()].copy_from_slice(token);
    b[15] = token.len() as u8;
    Some(u128::from_le_bytes(b))
}

/// Hash state for packed short keys: a multiply-fold hash with a per-cache random seed
/// (from the standard library's random hasher keys), much cheaper than SipHash on 16 bytes.
#[derive(Clone)]
struct ShortKeyState(u64);

impl Default for ShortKeyState {
    fn default() -> Self {
        use std::hash::BuildHasher;
        ShortKeyState(std::collections::hash_map::RandomState::new().hash_one(0x5eed_u64))
    }
}

impl std::hash::BuildHasher for ShortKeyState {
    type Hasher = ShortKeyHasher;
    fn build_hasher(&self) -> ShortKeyHasher {
        ShortKeyHasher(self.0)
    }
}

struct ShortKeyHasher(u64);

impl ShortKeyHasher {
    #[inline]
    fn mix(&mut self, w: u64) {
        let m = ((self.0 ^ w) as u128).wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835);
        self.0 = (m as u64) ^ ((m >> 64) as u64);
    }
}

impl std::hash::Hasher for ShortKeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for c in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..c.len()].copy_from_slice(c);
            self.mix(u64::from_le_bytes(w));
        }
    }
    #[inline]
    fn write_u128(&mut self, v: u128) {
        self.mix(v as u64);
        self.mix((v >> 64) as u64);
    }
}

/// The keyed permutation of balancing (Ranbaduge & Schnell 2020): a filter of `n` bits is
/// extended with its complement to `2n` bits, which are then permuted, so that every output
/// has exactly `n` bits set and the position of a bit does not say whether it came from the
/// filter or from its complement. Not part of clkhash.
#[derive(Clone)]
pub struct Balancer {
    /// `source[p]` = the bit of filter ‖ complement that lands at output position `p`.
    source: Vec<u32>,
    /// The same per output position, ready for the byte loop: (input byte, bit mask within
    /// it, 1 if the complement's bit).
    gather: Vec<(u32, u8, u8)>,
}

impl std::fmt::Debug for Balancer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // the permutation is derived from the secret
        f.debug_struct("Balancer")
            .field("bits", &self.source.len())
            .finish()
    }
}

/// HKDF info of the balancing key: distinct from anything clkhash derives.
const BALANCE_INFO: &[u8] = b"ally-hardening/balance/v1";

impl Balancer {
    /// The permutation for `n`-bit filters keyed by `key` (Fisher–Yates driven by a keyed
    /// BLAKE2b stream, unbiased by rejection).
    pub fn new(key: &[u8], n: usize) -> Result<Self, LinkageError> {
        let total = 2 * n;
        if total > u32::MAX as usize {
            return Err(LinkageError::Schema("filter too long to balance".into()));
        }
        let mut source: Vec<u32> = (0..total as u32).collect();
        let mut stream: Vec<u8> = Vec::new();
        let mut pos = 0usize;
        let mut counter = 0u64;
        for i in (1..total).rev() {
            let bound = (i + 1) as u64;
            let zone = u64::MAX - u64::MAX % bound;
            let j = loop {
                if stream.len() - pos < 8 {
                    let mut mac = Blake2bMac512::new_with_salt_and_personal(
                        Some(key),
                        &counter.to_le_bytes(),
                        b"ally-balance",
                    )
                    .map_err(|_| {
                        LinkageError::Schema("balancing key must be 1..=64 bytes".into())
                    })?;
                    blake2::digest::Update::update(&mut mac, b"permutation");
                    stream.drain(..pos);
                    pos = 0;
                    stream.extend_from_slice(&mac.finalize().into_bytes());
                    counter += 1;
                }
                let mut w = [0u8; 8];
                w.copy_from_slice(&stream[pos..pos + 8]);
                pos += 8;
                let x = u64::from_le_bytes(w);
                if x < zone {
                    break (x % bound) as usize;
                }
            };
            source.swap(i, j);
        }
        let gather = source
            .iter()
            .map(|&s| {
                let (bit, flip) = if (s as usize) < n {
                    (s as usize, 0)
                } else {
                    (s as usize - n, 1)
                };
                ((bit / 8) as u32, 0x80u8 >> (bit % 8), flip)
            })
            .collect();
        Ok(Balancer { source, gather })
    }

    /// The permutation of a schema's encoder: keyed by HKDF-SHA256 of the shared secret (salt =
    /// the schema's KDF salt, info = `ally-hardening/balance/v1`), for `n`-bit filters.
    pub fn from_secret(schema: &Schema, secret: &[u8], n: usize) -> Result<Self, LinkageError> {
        let mut key = [0u8; 32];
        Hkdf::<Sha256>::new(schema.kdf.salt.as_deref(), secret)
            .expand(BALANCE_INFO, &mut key)
            .map_err(|_| LinkageError::Schema("cannot derive the balancing key".into()))?;
        Balancer::new(&key, n)
    }

    /// Length in bits of the filters this permutation balances.
    pub fn input_bits(&self) -> usize {
        self.source.len() / 2
    }

    /// The balanced filter (twice as long, exactly half its bits set). A filter of another
    /// length than the permutation's is an error of the caller; its missing bits count as 0.
    pub fn apply(&self, clk: &Clk) -> Clk {
        let input = clk.as_bytes();
        let out = self
            .gather
            .chunks(8)
            .map(|eight| {
                eight.iter().fold(0u8, |byte, &(i, mask, flip)| {
                    let set = input.get(i as usize).is_some_and(|b| b & mask != 0) as u8;
                    (byte << 1) | (set ^ flip)
                })
            })
            .collect();
        Clk::from_bytes(out)
    }
}

/// Hardening by balancing with a permutation keyed by `key` (see [`Balancer`]); encoders
/// built from a schema with `"balance": true` do this themselves.
pub fn balance(clk: &Clk, key: &[u8]) -> Result<Clk, LinkageError> {
    Ok(Balancer::new(key, clk.len_bits())?.apply(clk))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ngrams_like_clkhash() {
        let t = tokenize(
            &Comparison::Ngram {
                n: 2,
                positional: false,
            },
            "ab",
        );
        assert_eq!(t, vec![" a", "ab", "b "]);
        let t = tokenize(
            &Comparison::Ngram {
                n: 1,
                positional: true,
            },
            "19",
        );
        assert_eq!(t, vec!["1 1", "2 9"]);
        assert!(tokenize(&Comparison::Exact, "").is_empty());
        assert_eq!(
            tokenize(
                &Comparison::Ngram {
                    n: 2,
                    positional: false
                },
                "é"
            )
            .len(),
            2
        );
    }

    #[test]
    fn tokens_into_a_buffer_equal_the_token_strings() {
        let comparisons = [
            Comparison::Exact,
            Comparison::Ngram {
                n: 1,
                positional: true,
            },
            Comparison::Ngram {
                n: 2,
                positional: false,
            },
            Comparison::Ngram {
                n: 3,
                positional: true,
            },
            Comparison::Ngram {
                n: 0,
                positional: false,
            },
        ];
        let words = [
            "",
            "a",
            "ab",
            "michaela",
            "é",
            "Ωμέγα",
            "20010304",
            "ivan ivanov",
            "two words and more than fifteen bytes",
        ];
        let (mut chars, mut out, mut ends) = (Vec::new(), Vec::new(), Vec::new());
        for c in &comparisons {
            for w in words {
                tokenize_into(c, w, &mut chars, &mut out, &mut ends);
                let mut start = 0;
                let got: Vec<String> = ends
                    .iter()
                    .map(|&e| {
                        let t = String::from_utf8_lossy(&out[start..e]).into_owned();
                        start = e;
                        t
                    })
                    .collect();
                assert_eq!(got, tokenize(c, w), "{c:?} {w:?}");
            }
        }
    }

    #[test]
    fn short_keys_are_distinct_for_distinct_tokens() {
        let tokens: [&[u8]; 6] = [b"", b"a", b"a\0", b"ab", b"ab ", b"123456789012345"];
        let keys: Vec<_> = tokens.iter().map(|t| short_key(t)).collect();
        for i in 0..keys.len() {
            assert!(keys[i].is_some());
            for j in 0..i {
                assert_ne!(keys[i], keys[j]);
            }
        }
        assert_eq!(short_key(b"1234567890123456"), None);
    }

    #[test]
    fn dates_reformatted() {
        assert_eq!(
            format_date("03/02/1990", "%d/%m/%Y").as_deref(),
            Some("19900203")
        );
        assert_eq!(format_date("1990-02-30", "%Y-%m-%d"), None);
        assert_eq!(format_date("1990-02-03x", "%Y-%m-%d"), None);
    }

    proptest::proptest! {
        #[test]
        fn balanced_filters_have_half_their_bits_set_and_keep_the_hamming_distance(
            x in proptest::collection::vec(proptest::prelude::any::<u8>(), 1..40),
            flips in proptest::collection::vec(proptest::prelude::any::<u16>(), 0..8),
            key in proptest::collection::vec(proptest::prelude::any::<u8>(), 1..64),
        ) {
            let a = Clk::from_bytes(x.clone());
            let mut y = x.clone();
            for f in &flips {
                let i = *f as usize % (x.len() * 8);
                y[i / 8] ^= 0x80 >> (i % 8);
            }
            let b = Clk::from_bytes(y);
            let p = Balancer::new(&key, a.len_bits()).unwrap();
            let (ba, bb) = (p.apply(&a), p.apply(&b));
            proptest::prop_assert_eq!(ba.len_bits(), 2 * a.len_bits());
            proptest::prop_assert_eq!(ba.count_ones() as usize, a.len_bits());
            // the permutation preserves the distance, the complement doubles it
            let hamming = |u: &Clk, v: &Clk| (0..u.len_bits()).filter(|&i| u.get(i) != v.get(i)).count();
            proptest::prop_assert_eq!(hamming(&ba, &bb), 2 * hamming(&a, &b));
        }
    }

    #[test]
    fn balancing_gives_constant_weight() {
        let mut c = Clk::zeros(64);
        c.set(3);
        c.set(40);
        let b = balance(&c, b"k").unwrap();
        assert_eq!(b.len_bits(), 128);
        assert_eq!(b.count_ones(), 64);
        assert_eq!(b, balance(&c, b"k").unwrap());
        assert_ne!(b, balance(&c, b"other key").unwrap());
        // a permutation: every position of filter ‖ complement lands exactly once
        let p = Balancer::new(b"k", 64).unwrap();
        let mut seen = p.source.clone();
        seen.sort_unstable();
        assert_eq!(seen, (0..128).collect::<Vec<u32>>());
        // the filter's bits are found again at their permuted positions
        for (pos, &src) in p.source.iter().enumerate() {
            let src = src as usize;
            let want = if src < 64 {
                c.get(src)
            } else {
                !c.get(src - 64)
            };
            assert_eq!(b.get(pos), want);
        }
    }
}
