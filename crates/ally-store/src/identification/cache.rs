//! The per-process cache of each organisation's effective questionnaires and interview texts
//! (shipped data with the organisation's reviews and own questions applied), with its change
//! generation and its load counter for tests.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use ally_core::OrgId;
use ally_core::questionnaire::{InterviewTexts, Questionnaire};

/// How long this process may serve an organisation's questionnaire (reviewed translations and
/// own questions applied) or interview texts from memory before reading them again.
/// Reviews and own questions saved through this process apply at once (they bump the cache's
/// generation); one saved through *another* server process shows here within this time.
const ORG_TEXTS_TTL_MS: i64 = 1000;
/// Beyond this many entries a cache map is emptied (a bound on memory, not a tuning knob).
const ORG_TEXTS_MAX: usize = 10_000;

/// The organisations' effective questionnaires and interview texts, built from the shipped
/// data and the organisation's rows, held per process. Every interview page needs them, and
/// building one means two queries and copying every string in twelve languages.
/// It has its own change generation rather than the store's: the store's moves at every
/// answer saved, which would empty this cache at every step of every interview.
#[derive(Default)]
pub(crate) struct IdentificationCache {
    pub(super) questionnaires: CacheMap<(OrgId, String), Questionnaire>,
    pub(super) texts: CacheMap<OrgId, InterviewTexts>,
    /// Bumped after each committed review or own question of this process.
    generation: AtomicU64,
    /// Questionnaires and texts built from the database (cache misses), for tests.
    pub(super) loads: AtomicU64,
}

/// Entries with the time they were read and the cache generation they were read at.
type CacheMap<K, V> = Mutex<HashMap<K, (Arc<V>, i64, u64)>>;

pub(super) fn cache_get<K: std::hash::Hash + Eq, V>(
    map: &CacheMap<K, V>,
    key: &K,
    generation: u64,
    now: i64,
) -> Option<Arc<V>> {
    let entries = map.lock().unwrap_or_else(|e| e.into_inner());
    let (value, fetched_at, at_generation) = entries.get(key)?;
    // A clock that went back does not keep an entry young.
    (*at_generation == generation && (0..ORG_TEXTS_TTL_MS).contains(&(now - fetched_at)))
        .then(|| value.clone())
}

pub(super) fn cache_put<K: std::hash::Hash + Eq, V>(
    map: &CacheMap<K, V>,
    key: K,
    value: Arc<V>,
    fetched_at: i64,
    generation: u64,
) {
    let mut entries = map.lock().unwrap_or_else(|e| e.into_inner());
    if entries.len() >= ORG_TEXTS_MAX {
        entries.clear();
    }
    entries.insert(key, (value, fetched_at, generation));
}

impl IdentificationCache {
    pub(super) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub(super) fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}

impl crate::Store {
    /// How many times this process built an organisation's questionnaire or interview texts
    /// from the database (the rest were served from memory). For tests and measurements.
    pub fn identification_cache_loads(&self) -> u64 {
        self.identification_cache().loads.load(Ordering::Relaxed)
    }
}
