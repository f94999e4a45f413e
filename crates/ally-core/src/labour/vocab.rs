//! Vocabularies of the labour module: employer sectors, positions in a subcontracting chain,
//! kinds of inspection partner, the sector checklists with their answers, and kinds of inspected
//! document. Labels are translated in the web layer; these are the stored codes.

/// Sectors an employer can be registered in.
pub const SECTORS: &[&str] = &[
    "construction",
    "agriculture",
    "hospitality",
    "cleaning",
    "manufacturing",
    "logistics",
    "care",
    "domestic_work",
    "other",
];

/// Positions in a subcontracting chain, from the top.
pub const CHAIN_ROLES: &[&str] = &[
    "principal",
    "contractor",
    "subcontractor",
    "temporary_work_agency",
];

/// What a partner organisation is in a joint inspection.
pub const PARTNER_KINDS: &[&str] = &["union", "police", "labour_inspectorate", "tax_authority"];

/// Sector checklists used during inspections: (checklist id, item ids). Item labels are
/// translated in the web layer (`labour-item-<id>`).
pub const CHECKLISTS: &[(&str, &[&str])] = &[
    (
        "construction",
        &[
            "site_register",
            "contracts_on_site",
            "payslips_available",
            "timesheets_available",
            "work_permits",
            "posting_declarations",
            "identity_documents_with_workers",
            "safety_equipment",
            "housing_conditions",
            "subcontractor_list",
        ],
    ),
    (
        "agriculture",
        &[
            "contracts_on_site",
            "payslips_available",
            "timesheets_available",
            "work_permits",
            "identity_documents_with_workers",
            "housing_conditions",
            "transport_deductions",
            "recruitment_fees",
        ],
    ),
];

/// Answers to a checklist item.
pub const ANSWERS: &[&str] = &["yes", "no", "not_checked"];

/// Kinds of documents inspected on site.
pub const DOCUMENT_KINDS: &[&str] = &[
    "contract",
    "payslip",
    "timesheet",
    "work_permit",
    "posting_declaration",
    "site_register",
    "other",
];
