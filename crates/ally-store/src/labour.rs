//! Storage of the labour module (issue 6): employers, workplaces, inspections, document checks, labour-court cases.
//! Everything here is an `impl Access` block: authorised by `ally_core::authz`, audited, and
//! encrypted like the foundation's person records.
