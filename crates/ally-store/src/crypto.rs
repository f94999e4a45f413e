//! Encryption at rest and the key hierarchy.
//!
//! ```text
//! master key (32 bytes, in a key file outside the data directory; never in the database)
//!   ├── wraps each organisation's data key (random, 32 bytes; stored wrapped in `organisations`)
//!   │     ├── HKDF "ally-field-v1"  -> field encryption key (XChaCha20-Poly1305)
//!   │     └── HKDF "ally-index-v1"  -> blind-index key (HMAC-SHA-256)
//!   └── wraps the instance audit key (random, 32 bytes; stored wrapped in `instance_keys`)
//! ```
//!
//! Every ciphertext is bound to its place by associated data (organisation, table, row id), so
//! a sealed value copied into another row or organisation fails to open. Rotation of the master
//! key re-wraps the data keys; the data itself is untouched.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use ally_core::OrgId;
use ally_core::normalize::TokenKind;
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

const FORMAT_V1: u8 = 1;
const NONCE_LEN: usize = 24;

/// Errors of key handling and of sealing and opening values. Messages name files, never key
/// material or plaintext.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// The master key file could not be read.
    #[error("cannot read the master key file {path}: {source}")]
    KeyFileRead {
        /// The key file's path.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The master key file could not be written (on generation or rotation).
    #[error("cannot write the master key file {path}: {source}")]
    KeyFileWrite {
        /// The key file's path.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The key file does not hold exactly 64 hex characters (32 bytes).
    #[error("the master key file {0} is malformed (expected 64 hexadecimal characters)")]
    KeyFileMalformed(PathBuf),
    /// The master key fails to unwrap the keys stored in the database: the store refuses to
    /// start rather than write under a second key.
    #[error("the master key does not open this database's keys (wrong key file?)")]
    WrongMasterKey,
    /// A sealed value failed authentication: altered, truncated, copied to another row or
    /// organisation (its AAD differs), or sealed under another key.
    #[error("a sealed value failed to open: it was altered, moved, or sealed under another key")]
    Unseal,
    /// The operating system's random generator failed; nothing is sealed without a fresh nonce.
    #[error("the operating system's random generator failed")]
    Random,
}

/// Fills a buffer from the operating system's CSPRNG.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], CryptoError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|_| CryptoError::Random)?;
    Ok(b)
}

/// A random token for cookies and API tokens: 256 bits, URL-safe base64.
pub fn random_token() -> Result<String, CryptoError> {
    use base64::Engine;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<32>()?))
}

/// SHA-256, for storing session ids and API tokens: they are high-entropy, so a fast hash is
/// enough and a stolen database does not yield usable cookies.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn seal_with(key: &[u8; 32], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let cipher = XChaCha20Poly1305::new_from_slice(key).map_err(|_| CryptoError::Unseal)?;
    let nonce_bytes = random_bytes::<NONCE_LEN>()?;
    let nonce = XNonce::from(nonce_bytes);
    let ct = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| CryptoError::Unseal)?;
    let mut out = Vec::with_capacity(1 + NONCE_LEN + ct.len());
    out.push(FORMAT_V1);
    out.extend_from_slice(&nonce_bytes);
    out.extend_from_slice(&ct);
    Ok(out)
}

fn open_with(key: &[u8; 32], aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if sealed.len() < 1 + NONCE_LEN + 16 || sealed[0] != FORMAT_V1 {
        return Err(CryptoError::Unseal);
    }
    let cipher = XChaCha20Poly1305::new_from_slice(key).map_err(|_| CryptoError::Unseal)?;
    let nonce = XNonce::try_from(&sealed[1..1 + NONCE_LEN]).map_err(|_| CryptoError::Unseal)?;
    cipher
        .decrypt(
            &nonce,
            Payload {
                msg: &sealed[1 + NONCE_LEN..],
                aad,
            },
        )
        .map_err(|_| CryptoError::Unseal)
}

/// The instance master key. Lives only in memory and in its key file.
pub struct MasterKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(<secret>)")
    }
}

impl MasterKey {
    /// A new random master key (32 bytes from the OS generator); refuses with
    /// [`CryptoError::Random`] if the generator fails.
    pub fn generate() -> Result<Self, CryptoError> {
        Ok(MasterKey(Zeroizing::new(random_bytes::<32>()?)))
    }

    /// A master key from its 32 raw bytes (tests; operators use [`Self::load`]).
    pub fn from_bytes(b: [u8; 32]) -> Self {
        MasterKey(Zeroizing::new(b))
    }

    /// Reads a key file (64 hex characters, whitespace ignored).
    pub fn load(path: &Path) -> Result<Self, CryptoError> {
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|source| {
            CryptoError::KeyFileRead {
                path: path.to_owned(),
                source,
            }
        })?);
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text.trim(), &mut bytes)
            .map_err(|_| CryptoError::KeyFileMalformed(path.to_owned()))?;
        let key = MasterKey::from_bytes(bytes);
        bytes.zeroize();
        Ok(key)
    }

    /// Writes the key file atomically with owner-only permissions.
    pub fn save(&self, path: &Path) -> Result<(), CryptoError> {
        let err = |source| CryptoError::KeyFileWrite {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(err)?;
        }
        let tmp = path.with_extension("tmp");
        let text = Zeroizing::new(format!("{}\n", hex::encode(*self.0)));
        write_private(&tmp, text.as_bytes()).map_err(err)?;
        std::fs::rename(&tmp, path).map_err(err)?;
        Ok(())
    }

    pub(crate) fn wrap(&self, purpose: &str, key: &[u8; 32]) -> Result<Vec<u8>, CryptoError> {
        seal_with(&self.0, format!("ally-wrap:{purpose}").as_bytes(), key)
    }

    pub(crate) fn unwrap_key(
        &self,
        purpose: &str,
        wrapped: &[u8],
    ) -> Result<Zeroizing<[u8; 32]>, CryptoError> {
        let plain = Zeroizing::new(
            open_with(&self.0, format!("ally-wrap:{purpose}").as_bytes(), wrapped)
                .map_err(|_| CryptoError::WrongMasterKey)?,
        );
        let mut out = Zeroizing::new([0u8; 32]);
        if plain.len() != 32 {
            return Err(CryptoError::WrongMasterKey);
        }
        out.copy_from_slice(&plain);
        Ok(out)
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

/// The keys derived from one organisation's data key.
pub struct OrgKeys {
    field: Zeroizing<[u8; 32]>,
    index: Zeroizing<[u8; 32]>,
    /// How many values these keys have opened, shared with the key ring (so it survives the
    /// keys being reloaded): lets tests prove that a refused read opened nothing.
    opens: Arc<AtomicU64>,
}

impl OrgKeys {
    fn derive(data_key: &[u8; 32], opens: Arc<AtomicU64>) -> Self {
        let hk = hkdf::Hkdf::<Sha256>::new(None, data_key);
        let mut field = Zeroizing::new([0u8; 32]);
        let mut index = Zeroizing::new([0u8; 32]);
        // 32-byte outputs are far below HKDF-SHA-256's limit, so expand cannot fail.
        let _ = hk.expand(b"ally-field-v1", field.as_mut_slice());
        let _ = hk.expand(b"ally-index-v1", index.as_mut_slice());
        OrgKeys {
            field,
            index,
            opens,
        }
    }

    /// Encrypts `plaintext` with the organisation's field key (XChaCha20-Poly1305, random
    /// 24-byte nonce), bound to `aad` (e.g. `person:{org}:{id}`). The output is a format byte,
    /// the nonce, then ciphertext and tag; it opens only with the same key and AAD.
    pub fn seal(&self, aad: &str, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        seal_with(&self.field, aad.as_bytes(), plaintext)
    }

    /// Decrypts a value made by [`Self::seal`] with the same AAD; refuses with
    /// [`CryptoError::Unseal`] if it was altered, moved or sealed elsewhere. Every call, even a
    /// failed one, counts towards the organisation's open counter
    /// (`Store::sealed_values_opened`). Call only after the read was authorised.
    pub fn open(&self, aad: &str, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.opens.fetch_add(1, Ordering::Relaxed);
        open_with(&self.field, aad.as_bytes(), sealed)
    }

    /// Keyed hash of a normalised token: equal tokens give equal values within one organisation,
    /// and nothing can be learnt from it without the organisation's key.
    pub fn blind(&self, kind: TokenKind, token: &str) -> Vec<u8> {
        let mut m = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(self.index.as_slice())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        m.update(kind.as_str().as_bytes());
        m.update(&[0]);
        m.update(token.as_bytes());
        m.finalize().into_bytes().to_vec()
    }
}

/// Holds the master key and the unwrapped organisation keys in memory.
pub struct KeyRing {
    master: RwLock<Arc<MasterKey>>,
    orgs: RwLock<HashMap<OrgId, Arc<OrgKeys>>>,
    opens: RwLock<HashMap<OrgId, Arc<AtomicU64>>>,
    audit_key: RwLock<Option<Arc<Zeroizing<[u8; 32]>>>>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyRing(<secret>)")
    }
}

impl KeyRing {
    /// A ring holding only the master key; organisation keys and the audit key are unwrapped
    /// from the database on first use.
    pub fn new(master: MasterKey) -> Self {
        KeyRing {
            master: RwLock::new(Arc::new(master)),
            orgs: RwLock::new(HashMap::new()),
            opens: RwLock::new(HashMap::new()),
            audit_key: RwLock::new(None),
        }
    }

    pub(crate) fn master(&self) -> Arc<MasterKey> {
        match self.master.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    pub(crate) fn replace_master(&self, new: MasterKey) {
        match self.master.write() {
            Ok(mut g) => *g = Arc::new(new),
            Err(p) => *p.into_inner() = Arc::new(new),
        }
    }

    /// A new organisation data key, returned wrapped for storage.
    pub(crate) fn new_org_key(&self, org: OrgId) -> Result<Vec<u8>, CryptoError> {
        let dk = Zeroizing::new(random_bytes::<32>()?);
        let wrapped = self.master().wrap(&format!("org:{org}"), &dk)?;
        self.insert_org(org, &dk);
        Ok(wrapped)
    }

    fn insert_org(&self, org: OrgId, dk: &[u8; 32]) {
        let opens = match self.opens.write() {
            Ok(mut g) => g.entry(org).or_default().clone(),
            Err(p) => p.into_inner().entry(org).or_default().clone(),
        };
        let keys = Arc::new(OrgKeys::derive(dk, opens));
        match self.orgs.write() {
            Ok(mut g) => g.insert(org, keys),
            Err(p) => p.into_inner().insert(org, keys),
        };
    }

    pub(crate) fn cached_org(&self, org: OrgId) -> Option<Arc<OrgKeys>> {
        match self.orgs.read() {
            Ok(g) => g.get(&org).cloned(),
            Err(p) => p.into_inner().get(&org).cloned(),
        }
    }

    pub(crate) fn load_org(&self, org: OrgId, wrapped: &[u8]) -> Result<Arc<OrgKeys>, CryptoError> {
        let dk = self.master().unwrap_key(&format!("org:{org}"), wrapped)?;
        self.insert_org(org, &dk);
        self.cached_org(org).ok_or(CryptoError::WrongMasterKey)
    }

    /// How many values the organisation's keys have opened since this ring was made.
    pub(crate) fn opens(&self, org: OrgId) -> u64 {
        let count = |g: &HashMap<OrgId, Arc<AtomicU64>>| {
            g.get(&org).map_or(0, |c| c.load(Ordering::Relaxed))
        };
        match self.opens.read() {
            Ok(g) => count(&g),
            Err(p) => count(&p.into_inner()),
        }
    }

    pub(crate) fn set_audit_key(&self, key: Zeroizing<[u8; 32]>) {
        let k = Some(Arc::new(key));
        match self.audit_key.write() {
            Ok(mut g) => *g = k,
            Err(p) => *p.into_inner() = k,
        }
    }

    pub(crate) fn audit_key(&self) -> Option<Arc<Zeroizing<[u8; 32]>>> {
        match self.audit_key.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }
}

/// Argon2id with the OWASP-recommended minimum (19 MiB, 2 passes, 1 lane).
fn argon2() -> argon2::Argon2<'static> {
    let params = argon2::Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
}

/// Hashes a password to a PHC string. CPU-heavy: call from a blocking thread.
pub fn hash_password(password: &str) -> Result<String, CryptoError> {
    use argon2::password_hash::PasswordHasher;
    let salt = random_bytes::<16>()?;
    argon2()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| CryptoError::Random)
}

/// Verifies a password against a PHC string. CPU-heavy: call from a blocking thread.
pub fn verify_password(password: &str, phc: &str) -> bool {
    use argon2::password_hash::PasswordVerifier;
    argon2().verify_password(password.as_bytes(), phc).is_ok()
}

/// A PHC string for a random password: verifying against it costs the same as against a real
/// one, so a sign-in for an unknown e-mail takes as long as one for a known e-mail.
pub fn dummy_password_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let pw = random_token().unwrap_or_else(|_| "fallback-dummy-password".to_owned());
        hash_password(&pw).unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn sealed_values_open_only_in_their_place() {
        let ring = KeyRing::new(MasterKey::generate().unwrap());
        let org = OrgId::new();
        ring.new_org_key(org).unwrap();
        let k = ring.cached_org(org).unwrap();
        let sealed = k.seal("person:1", b"Amina").unwrap();
        assert_eq!(k.open("person:1", &sealed).unwrap(), b"Amina");
        assert!(k.open("person:2", &sealed).is_err(), "moved to another row");
        let mut flipped = sealed.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(k.open("person:1", &flipped).is_err(), "altered");
        assert!(!sealed.windows(5).any(|w| w == b"Amina"));
        // Another organisation's key does not open it.
        let other = OrgId::new();
        ring.new_org_key(other).unwrap();
        assert!(
            ring.cached_org(other)
                .unwrap()
                .open("person:1", &sealed)
                .is_err()
        );
    }

    #[test]
    fn wrapped_org_keys_need_the_right_master_key() {
        let ring = KeyRing::new(MasterKey::generate().unwrap());
        let org = OrgId::new();
        let wrapped = ring.new_org_key(org).unwrap();
        let before = ring
            .cached_org(org)
            .unwrap()
            .blind(TokenKind::Name, "amina");
        let fresh = KeyRing::new(MasterKey::from_bytes(*ring.master().0));
        let after = fresh
            .load_org(org, &wrapped)
            .unwrap()
            .blind(TokenKind::Name, "amina");
        assert_eq!(before, after);
        let wrong = KeyRing::new(MasterKey::generate().unwrap());
        assert!(matches!(
            wrong.load_org(org, &wrapped),
            Err(CryptoError::WrongMasterKey)
        ));
        // Wrapped for one organisation, it cannot be claimed by another.
        assert!(fresh.load_org(OrgId::new(), &wrapped).is_err());
    }

    #[test]
    fn blind_tokens_differ_by_kind_and_organisation() {
        let ring = KeyRing::new(MasterKey::generate().unwrap());
        let (a, b) = (OrgId::new(), OrgId::new());
        ring.new_org_key(a).unwrap();
        ring.new_org_key(b).unwrap();
        let ka = ring.cached_org(a).unwrap();
        let kb = ring.cached_org(b).unwrap();
        assert_ne!(
            ka.blind(TokenKind::Name, "12345"),
            ka.blind(TokenKind::Phone, "12345")
        );
        assert_ne!(
            ka.blind(TokenKind::Name, "amina"),
            kb.blind(TokenKind::Name, "amina")
        );
        assert_eq!(
            ka.blind(TokenKind::Name, "amina"),
            ka.blind(TokenKind::Name, "amina")
        );
    }

    #[test]
    fn key_files_round_trip_and_reject_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("master.key");
        let k = MasterKey::generate().unwrap();
        k.save(&p).unwrap();
        assert_eq!(*MasterKey::load(&p).unwrap().0, *k.0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        std::fs::write(&p, "not hex").unwrap();
        assert!(matches!(
            MasterKey::load(&p),
            Err(CryptoError::KeyFileMalformed(_))
        ));
    }

    #[test]
    fn passwords_hash_with_argon2id() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterx", &h));
        assert!(!verify_password("x", "not a phc string"));
    }
}
