//! Helpers shared by the labour aggregates: the invalid-field error, sealing and opening a
//! record's JSON document under its AAD, and the not-found, write-audit and read-audit steps
//! every labour operation ends with.

use ally_core::OrgId;
use ally_core::audit::AuditOutcome;
use ally_core::authz::Action;
use ally_core::person::FieldError;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::crypto::OrgKeys;
use crate::{Access, Result, StoreError};

/// The store's invalid-input error for one field.
pub(super) fn invalid(field: &'static str, code: &'static str) -> StoreError {
    StoreError::Invalid(vec![FieldError { field, code }])
}

pub(super) fn seal_doc<T: Serialize>(keys: &OrgKeys, aad: &str, doc: &T) -> Result<Vec<u8>> {
    let json = zeroize::Zeroizing::new(
        serde_json::to_vec(doc).map_err(|_| StoreError::Corrupt("labour record"))?,
    );
    Ok(keys.seal(aad, &json)?)
}

pub(super) fn open_doc<T: DeserializeOwned>(keys: &OrgKeys, aad: &str, sealed: &[u8]) -> Result<T> {
    let plain = zeroize::Zeroizing::new(keys.open(aad, sealed)?);
    serde_json::from_slice(&plain).map_err(|_| StoreError::Corrupt("labour record"))
}

pub(super) fn aad(kind: &str, org: OrgId, id: &str) -> String {
    format!("labour_{kind}:{org}:{id}")
}

impl Access<'_> {
    /// Not found, answered after checking the role (so a role without the action gets 403
    /// whatever the id).
    pub(super) async fn labour_not_found(
        &self,
        action: Action,
        kind: &str,
        id: &str,
    ) -> StoreError {
        match self
            .authorize_granted(
                action,
                self.principal.org_id,
                &[],
                Some((kind, id.to_owned())),
            )
            .await
        {
            Ok(()) => StoreError::NotFound,
            Err(e) => e,
        }
    }

    pub(super) async fn write_event(
        &self,
        tx: crate::db::WriteTx,
        action: &str,
        kind: &str,
        id: &str,
        detail: String,
    ) -> Result<()> {
        let ev = self.event(
            action,
            Some((kind, id.to_owned())),
            AuditOutcome::Success,
            detail,
        );
        self.store.commit_audited(tx, &[ev]).await
    }

    pub(super) async fn read_event(
        &self,
        action: &str,
        kind: &str,
        id: Option<&str>,
        detail: String,
    ) -> Result<()> {
        self.record(self.event(
            action,
            id.map(|i| (kind, i.to_owned())),
            AuditOutcome::Success,
            detail,
        ))
        .await
    }
}
