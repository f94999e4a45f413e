//! Storage of the protection module (issue 4): protection cases, services, consent, referrals, proceedings.
//! Everything here is an `impl Access` block: authorised by `ally_core::authz`, audited, and
//! encrypted like the foundation's person records.
