//! Organisations and their kinds.

use serde::{Deserialize, Serialize};

use crate::ids::OrgId;

/// What an organisation is. The kind decides nothing about permissions by itself (roles do);
/// it is used for the directory, for defaults and, in later modules, for who may take part in
/// which workflow (for example, joint inspections with a labour inspectorate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// A non-governmental organisation.
    Ngo,
    /// A shelter or other service provider.
    Shelter,
    /// A trade union.
    Union,
    /// A community or diaspora group.
    CommunityGroup,
    /// A law-enforcement liaison unit.
    LawEnforcementLiaison,
    /// A labour inspectorate (joint inspections).
    LabourInspectorate,
    /// A tax authority.
    TaxAuthority,
    /// A legal-aid provider or court liaison.
    LegalAid,
    /// A network or collective of organisations; other organisations are its members.
    Network,
}

impl OrgKind {
    /// Every kind, in declaration order.
    pub const ALL: [OrgKind; 9] = [
        OrgKind::Ngo,
        OrgKind::Shelter,
        OrgKind::Union,
        OrgKind::CommunityGroup,
        OrgKind::LawEnforcementLiaison,
        OrgKind::LabourInspectorate,
        OrgKind::TaxAuthority,
        OrgKind::LegalAid,
        OrgKind::Network,
    ];

    /// The stable code (`ngo`, `community_group`...), stored and used as message key.
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Ngo => "ngo",
            OrgKind::Shelter => "shelter",
            OrgKind::Union => "union",
            OrgKind::CommunityGroup => "community_group",
            OrgKind::LawEnforcementLiaison => "law_enforcement_liaison",
            OrgKind::LabourInspectorate => "labour_inspectorate",
            OrgKind::TaxAuthority => "tax_authority",
            OrgKind::LegalAid => "legal_aid",
            OrgKind::Network => "network",
        }
    }

    /// The kind of a code produced by [`Self::as_str`].
    pub fn parse(s: &str) -> Option<OrgKind> {
        OrgKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// An organisation as the rest of the system sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Organisation {
    /// The organisation's id: the tenancy key of every record it owns.
    pub id: OrgId,
    /// Display name, trimmed, at most 200 characters ([`validate_org_name`]).
    pub name: String,
    /// What the organisation is.
    pub kind: OrgKind,
    /// Whether members whose roles see victim identities (and admins) must use a second factor.
    /// On by default; only an instance operator can relax it (the demo does, visibly).
    pub require_second_factor: bool,
    /// Networks this organisation is a member of.
    pub networks: Vec<OrgId>,
}

/// Limits on an organisation's name, shared by the UI, API and CLI.
pub fn validate_org_name(name: &str) -> Result<String, &'static str> {
    let name = name.trim();
    if name.is_empty() {
        return Err("required");
    }
    if name.chars().count() > 200 {
        return Err("too_long");
    }
    if name.chars().any(char::is_control) {
        return Err("invalid_characters");
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for k in OrgKind::ALL {
            assert_eq!(OrgKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(OrgKind::parse("church"), None);
    }

    #[test]
    fn org_names_are_trimmed_and_bounded() {
        assert_eq!(
            validate_org_name("  La Strada "),
            Ok("La Strada".to_owned())
        );
        assert_eq!(validate_org_name("   "), Err("required"));
        assert_eq!(validate_org_name(&"x".repeat(201)), Err("too_long"));
        assert_eq!(validate_org_name("a\u{0}b"), Err("invalid_characters"));
    }
}
