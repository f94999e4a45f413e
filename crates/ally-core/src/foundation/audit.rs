//! The audit log's rules: what an event holds, how events are chained, and how a chain is
//! verified. The store appends and reads; this module decides what "intact" means.
//!
//! Each event's MAC is HMAC-SHA-256, under the instance audit key, of the previous event's MAC
//! and a canonical encoding of the event. The key is kept outside the database (wrapped by the
//! master key), so someone who can write to the database but does not hold the key cannot edit,
//! insert, delete or reorder events, nor rebuild the chain. The chain's head (last sequence
//! number and MAC) is stored with its own MAC, so cutting the tail is detected too; what this
//! cannot detect is the replay of an older head together with a truncation (that needs a copy
//! of the head kept elsewhere; see ARCHITECTURE.md).
//!
//! Invariant: an event carries ids and codes, never personal data.

use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Outcome of the action an event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditOutcome {
    /// The action was carried out.
    Success,
    /// The authorisation check refused the action (role or organisation).
    Denied,
    /// The action was allowed but failed (e.g. a wrong password or second-factor code).
    Failure,
}

impl AuditOutcome {
    /// The stored code: `success`, `denied` or `failure`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Success => "success",
            AuditOutcome::Denied => "denied",
            AuditOutcome::Failure => "failure",
        }
    }
    /// The outcome of a code produced by [`Self::as_str`].
    pub fn parse(s: &str) -> Option<AuditOutcome> {
        match s {
            "success" => Some(AuditOutcome::Success),
            "denied" => Some(AuditOutcome::Denied),
            "failure" => Some(AuditOutcome::Failure),
            _ => None,
        }
    }
}

/// An event before it is chained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    /// Milliseconds since the Unix epoch, UTC.
    pub at_ms: i64,
    /// The acting user, if any (none for anonymous sign-in failures and operator commands).
    pub actor_user: Option<String>,
    /// The organisation the event belongs to (the actor's, or the record owner's).
    pub org: Option<String>,
    /// A stable action code, e.g. `person.read`, `auth.sign_in`.
    pub action: String,
    /// Kind of the record acted on (`person`, `case`, `user`, `report`...), if any.
    pub target_kind: Option<String>,
    /// Id of the record acted on (a UUID as text), if any.
    pub target_id: Option<String>,
    /// Whether the action was done, refused or failed.
    pub outcome: AuditOutcome,
    /// Structured, non-personal detail (codes, counts, ids).
    pub detail: String,
    /// Where the request came from (client address), if known.
    pub client: Option<String>,
}

/// A stored, chained event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainedEvent {
    /// Position in the chain, from 1 without gaps.
    pub seq: i64,
    /// The event's fields (flattened into the same JSON object).
    #[serde(flatten)]
    pub event: AuditEvent,
    /// [`chain_mac`] of this event over the previous event's MAC (32 bytes; hex in JSON).
    #[serde(with = "hex_bytes")]
    pub mac: Vec<u8>,
}

mod hex_bytes {
    pub fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(v))
    }
}

fn put(buf: &mut Vec<u8>, field: Option<&str>) {
    // Length-prefixed, with a distinct marker for "absent", so no two events encode alike.
    match field {
        None => buf.push(0),
        Some(s) => {
            buf.push(1);
            buf.extend_from_slice(&(s.len() as u64).to_be_bytes());
            buf.extend_from_slice(s.as_bytes());
        }
    }
}

fn canonical(seq: i64, e: &AuditEvent) -> Vec<u8> {
    let mut b = Vec::with_capacity(128 + e.detail.len());
    b.extend_from_slice(b"ally-audit-v1");
    b.extend_from_slice(&seq.to_be_bytes());
    b.extend_from_slice(&e.at_ms.to_be_bytes());
    put(&mut b, e.actor_user.as_deref());
    put(&mut b, e.org.as_deref());
    put(&mut b, Some(&e.action));
    put(&mut b, e.target_kind.as_deref());
    put(&mut b, e.target_id.as_deref());
    put(&mut b, Some(e.outcome.as_str()));
    put(&mut b, Some(&e.detail));
    put(&mut b, e.client.as_deref());
    b
}

fn mac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut m = <HmacSha256 as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().to_vec()
}

/// The MAC of event `seq`, chained to the previous event's MAC (empty for the first event).
pub fn chain_mac(key: &[u8], prev_mac: &[u8], seq: i64, event: &AuditEvent) -> Vec<u8> {
    mac(key, &[b"event", prev_mac, &canonical(seq, event)])
}

/// The MAC that seals the head of the chain (its last sequence number and MAC).
pub fn head_mac(key: &[u8], seq: i64, last_mac: &[u8]) -> Vec<u8> {
    mac(key, &[b"head", &seq.to_be_bytes(), last_mac])
}

/// Constant-time comparison of two MACs.
pub fn macs_equal(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Why a chain failed verification: the log was edited, reordered, truncated or its head forged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBroken {
    /// An event is missing or out of order.
    #[error("audit event {seq} is missing or out of order (found {found})")]
    Gap {
        /// The sequence number expected next.
        seq: i64,
        /// The sequence number read instead.
        found: i64,
    },
    /// Event `seq`'s MAC does not match its content and predecessor.
    #[error("audit event {seq} was altered, inserted or moved (its MAC does not match)")]
    BadMac {
        /// The first event whose MAC fails.
        seq: i64,
    },
    /// The sealed head names `head_seq` but the log ends at `last_seq` (or with another MAC).
    #[error(
        "the audit head does not match the last event: the log was truncated or extended (head says {head_seq}, log ends at {last_seq})"
    )]
    HeadMismatch {
        /// The last sequence number the sealed head names.
        head_seq: i64,
        /// The last sequence number of the events read.
        last_seq: i64,
    },
    /// The head's own seal does not verify.
    #[error("the audit head's seal is invalid: it was forged or edited")]
    HeadForged,
}

/// Incremental verifier, so that millions of events can be streamed from the store.
pub struct ChainVerifier<'k> {
    key: &'k [u8],
    expected_seq: i64,
    prev_mac: Vec<u8>,
}

impl<'k> ChainVerifier<'k> {
    /// A verifier expecting event 1 first, under the instance audit key `key`.
    pub fn new(key: &'k [u8]) -> Self {
        ChainVerifier {
            key,
            expected_seq: 1,
            prev_mac: Vec::new(),
        }
    }

    /// Checks the next event, in sequence order: refuses a gap or a MAC that does not match.
    pub fn push(&mut self, e: &ChainedEvent) -> Result<(), ChainBroken> {
        if e.seq != self.expected_seq {
            return Err(ChainBroken::Gap {
                seq: self.expected_seq,
                found: e.seq,
            });
        }
        let want = chain_mac(self.key, &self.prev_mac, e.seq, &e.event);
        if !macs_equal(&want, &e.mac) {
            return Err(ChainBroken::BadMac { seq: e.seq });
        }
        self.prev_mac = e.mac.clone();
        self.expected_seq += 1;
        Ok(())
    }

    /// Checks the stored head against the events seen. Returns the number of events verified.
    pub fn finish(
        self,
        head_seq: i64,
        head_last_mac: &[u8],
        head_seal: &[u8],
    ) -> Result<i64, ChainBroken> {
        if !macs_equal(&head_mac(self.key, head_seq, head_last_mac), head_seal) {
            return Err(ChainBroken::HeadForged);
        }
        let last_seq = self.expected_seq - 1;
        if head_seq != last_seq || !macs_equal(head_last_mac, &self.prev_mac) {
            return Err(ChainBroken::HeadMismatch { head_seq, last_seq });
        }
        Ok(last_seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn event(i: i64) -> AuditEvent {
        AuditEvent {
            at_ms: 1_700_000_000_000 + i,
            actor_user: Some(format!("user-{}", i % 3)),
            org: Some("org-1".into()),
            action: "person.read".into(),
            target_kind: Some("person".into()),
            target_id: Some(format!("p-{i}")),
            outcome: AuditOutcome::Success,
            detail: String::new(),
            client: None,
        }
    }

    fn chain(n: i64) -> (Vec<ChainedEvent>, i64, Vec<u8>, Vec<u8>) {
        let mut prev = Vec::new();
        let mut out = Vec::new();
        for seq in 1..=n {
            let e = event(seq);
            let m = chain_mac(KEY, &prev, seq, &e);
            prev = m.clone();
            out.push(ChainedEvent {
                seq,
                event: e,
                mac: m,
            });
        }
        let seal = head_mac(KEY, n, &prev);
        (out, n, prev, seal)
    }

    fn verify(
        events: &[ChainedEvent],
        head: i64,
        last: &[u8],
        seal: &[u8],
    ) -> Result<i64, ChainBroken> {
        let mut v = ChainVerifier::new(KEY);
        for e in events {
            v.push(e)?;
        }
        v.finish(head, last, seal)
    }

    #[test]
    fn an_intact_chain_verifies() {
        let (ev, h, last, seal) = chain(50);
        assert_eq!(verify(&ev, h, &last, &seal), Ok(50));
        let (ev, h, last, seal) = chain(0);
        assert_eq!(verify(&ev, h, &last, &seal), Ok(0));
    }

    #[test]
    fn every_kind_of_tampering_is_detected() {
        let (ev, h, last, seal) = chain(20);
        // Edit a field.
        let mut edited = ev.clone();
        edited[7].event.target_id = Some("p-other".into());
        assert_eq!(
            verify(&edited, h, &last, &seal),
            Err(ChainBroken::BadMac { seq: 8 })
        );
        // Delete a row.
        let mut deleted = ev.clone();
        deleted.remove(4);
        assert_eq!(
            verify(&deleted, h, &last, &seal),
            Err(ChainBroken::Gap { seq: 5, found: 6 })
        );
        // Reorder two rows, renumbering them so that sequence numbers still look right.
        let mut reordered = ev.clone();
        reordered.swap(3, 4);
        reordered[3].seq = 4;
        reordered[4].seq = 5;
        assert!(matches!(
            verify(&reordered, h, &last, &seal),
            Err(ChainBroken::BadMac { .. })
        ));
        // Insert a forged row (with a MAC made under the wrong key) and renumber the rest.
        let mut inserted = ev.clone();
        let forged = ChainedEvent {
            seq: 3,
            event: event(99),
            mac: chain_mac(b"wrong", &ev[1].mac, 3, &event(99)),
        };
        inserted.insert(2, forged);
        for (i, e) in inserted.iter_mut().enumerate() {
            e.seq = i as i64 + 1;
        }
        assert!(matches!(
            verify(&inserted, h, &last, &seal),
            Err(ChainBroken::BadMac { seq: 3 })
        ));
        // Truncate the tail.
        assert_eq!(
            verify(&ev[..15], h, &last, &seal),
            Err(ChainBroken::HeadMismatch {
                head_seq: 20,
                last_seq: 15
            })
        );
        // Truncate and rewrite the head without the key.
        let fake_seal = head_mac(b"guess", 15, &ev[14].mac);
        assert_eq!(
            verify(&ev[..15], 15, &ev[14].mac, &fake_seal),
            Err(ChainBroken::HeadForged)
        );
    }

    #[test]
    fn rebuilding_the_chain_without_the_key_fails() {
        let (ev, ..) = chain(5);
        let mut prev = Vec::new();
        let mut rebuilt = Vec::new();
        for e in &ev {
            let m = chain_mac(b"attacker key", &prev, e.seq, &e.event);
            prev = m.clone();
            rebuilt.push(ChainedEvent {
                mac: m,
                ..e.clone()
            });
        }
        let seal = head_mac(b"attacker key", 5, &prev);
        // The very first event already fails: every MAC depends on the key.
        assert_eq!(
            verify(&rebuilt, 5, &prev, &seal),
            Err(ChainBroken::BadMac { seq: 1 })
        );
        // And a head sealed without the key is refused even over intact events.
        let (ev, _, last, _) = chain(5);
        assert_eq!(verify(&ev, 5, &last, &seal), Err(ChainBroken::HeadForged));
    }
}
