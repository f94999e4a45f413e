//! Storage of the information module (issue 5): reports, entities, links, matching runs, operation packages.
//! Everything here is an `impl Access` block: authorised by `ally_core::authz`, audited, and
//! encrypted like the foundation's person records.
