//! Employers, workplaces and subcontracting chains as entered and as read: the input types the
//! forms and the API fill, and the opened records the store returns.

use serde::{Deserialize, Serialize};

/// An employer as entered.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct EmployerInput {
    pub legal_name: String,
    pub registration_number: String,
    pub sector: String,
    /// One address per item.
    pub addresses: Vec<String>,
}

/// An employer of the organisation, opened.
#[derive(Clone, Serialize)]
pub struct Employer {
    pub id: String,
    pub legal_name: String,
    pub registration_number: String,
    pub sector: String,
    pub addresses: Vec<String>,
    pub created_at_ms: i64,
}

/// A workplace (site) as entered, run by one of the organisation's employers.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct WorkplaceInput {
    pub employer_id: String,
    pub name: String,
    pub address: String,
}

/// One link of a subcontracting chain at a workplace.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct ChainLinkInput {
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
    pub employer_id: String,
    pub employer_name: String,
    pub role: String,
    pub contracted_by: Option<String>,
    pub contracted_by_name: Option<String>,
    pub collective_agreement: String,
}

/// A workplace with its subcontracting chain.
#[derive(Clone, Serialize)]
pub struct Workplace {
    pub id: String,
    pub employer_id: String,
    pub employer_name: String,
    pub name: String,
    pub address: String,
    pub chain: Vec<ChainLink>,
    pub version: i64,
}
