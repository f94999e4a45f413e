//! Storage of the identification module (issue 3): detection interviews and their answers.
//! Everything here is an `impl Access` block: authorised by `ally_core::authz`, audited, and
//! encrypted like the foundation's person records.
