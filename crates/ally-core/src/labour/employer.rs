//! Employers, workplaces and subcontracting chains as entered and as read: the input types the
//! forms and the API fill, and the opened records the store returns.

use serde::{Deserialize, Serialize};

/// An employer as entered.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct EmployerInput {
    /// The name in the company register; required, at most 300 characters.
    pub legal_name: String,
    /// The company-register number; may be empty, at most 100 characters.
    pub registration_number: String,
    /// A code of [`SECTORS`](super::SECTORS).
    pub sector: String,
    /// One address per item.
    pub addresses: Vec<String>,
}

/// An employer of the organisation, opened.
#[derive(Clone, Serialize)]
pub struct Employer {
    /// Record id (a UUID).
    pub id: String,
    /// The name in the company register.
    pub legal_name: String,
    /// The company-register number; empty when unknown.
    pub registration_number: String,
    /// A code of [`SECTORS`](super::SECTORS) (kept in clear, for listings).
    pub sector: String,
    /// One address per item (registered office, branches).
    pub addresses: Vec<String>,
    /// When the employer was recorded, in milliseconds since the Unix epoch.
    pub created_at_ms: i64,
}

/// A workplace (site) as entered, run by one of the organisation's employers.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct WorkplaceInput {
    /// The employer running the site (an id of the organisation's employers); it heads the
    /// subcontracting chain as principal until the chain is entered.
    pub employer_id: String,
    /// How the site is known (e.g. "Rue de la Gare building site"); required.
    pub name: String,
    /// Postal address or location description; may be empty.
    pub address: String,
}

/// One link of a subcontracting chain at a workplace.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct ChainLinkInput {
    /// The employer this link places (an id of the organisation's employers).
    pub employer_id: String,
    /// principal, contractor, subcontractor, temporary_work_agency
    pub role: String,
    /// The employer that contracted this one (empty for the principal).
    #[serde(default)]
    pub contracted_by: Option<String>,
    /// The collective agreement that applies to this employer's workers at the site.
    #[serde(default)]
    pub collective_agreement: String,
}

/// One link of a workplace's subcontracting chain, with the employers' names.
#[derive(Clone, Serialize)]
pub struct ChainLink {
    /// The employer at this position of the chain.
    pub employer_id: String,
    /// Its legal name.
    pub employer_name: String,
    /// Its position, a code of [`CHAIN_ROLES`](super::CHAIN_ROLES): principal, contractor,
    /// subcontractor or temporary_work_agency.
    pub role: String,
    /// The employer one level up that contracted it; `None` for the principal.
    pub contracted_by: Option<String>,
    /// The legal name of `contracted_by`.
    pub contracted_by_name: Option<String>,
    /// The collective agreement that applies to this employer's workers at the site; empty
    /// when not entered.
    pub collective_agreement: String,
}

/// A workplace with its subcontracting chain.
#[derive(Clone, Serialize)]
pub struct Workplace {
    /// Record id (a UUID).
    pub id: String,
    /// The employer running the site.
    pub employer_id: String,
    /// Its legal name.
    pub employer_name: String,
    /// How the site is known.
    pub name: String,
    /// Postal address or location description; may be empty.
    pub address: String,
    /// Every employer at the site with its position, in the order entered (the employer
    /// running the site first).
    pub chain: Vec<ChainLink>,
    /// Optimistic-concurrency counter: a change made against an older version is refused.
    pub version: i64,
}
