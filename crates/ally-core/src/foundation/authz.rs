//! The permission model: which role may do what, and the one decision function that every read
//! and write in the system passes through (called by `ally_store::access`, never re-typed in
//! handlers).
//!
//! Two questions are asked, in this order:
//! 1. Does one of the principal's roles allow the action? (the permission table below)
//! 2. Is the record in the principal's own organisation, or does an explicit grant to the
//!    principal's organisation cover it? (tenancy)
//!
//! A failure of (2) is reported as [`Denied::OtherOrganisation`] so that the web layer can answer
//! "not found" and not reveal that another organisation holds such a record.

use serde::{Deserialize, Serialize};

use crate::ids::{OrgId, UserId};

/// A role a user holds inside their organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the organisation's accounts, settings and directory entry; does not read victims'
    /// records.
    Admin,
    /// Leads the organisation's casework: every action on persons, interviews, cases, reports and
    /// labour records, but not accounts or the audit log.
    Coordinator,
    /// Works the cases: persons, interviews, cases, consents, referrals, reports.
    Caseworker,
    /// Holds detection interviews and registers persons; opens a case but does not browse cases.
    Interviewer,
    /// A trade-union representative: workers' cases, employers, inspections and labour-court cases.
    UnionRepresentative,
    /// A community focal point or volunteer: registers a contact, holds an interview, files a
    /// report; cannot browse the organisation's persons.
    CommunityFocalPoint,
    /// A law-enforcement liaison: reads cases, reports and suspect data and takes part in joint
    /// inspections; records no consent and sends no referral.
    LawEnforcementLiaison,
    /// Reads the audit log and nothing else.
    Auditor,
}

impl Role {
    /// Every role, in the order of the permission table's columns.
    pub const ALL: [Role; 8] = [
        Role::Admin,
        Role::Coordinator,
        Role::Caseworker,
        Role::Interviewer,
        Role::UnionRepresentative,
        Role::CommunityFocalPoint,
        Role::LawEnforcementLiaison,
        Role::Auditor,
    ];

    /// The stable code (`admin`, `union_representative`...), stored and used as message key.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Coordinator => "coordinator",
            Role::Caseworker => "caseworker",
            Role::Interviewer => "interviewer",
            Role::UnionRepresentative => "union_representative",
            Role::CommunityFocalPoint => "community_focal_point",
            Role::LawEnforcementLiaison => "law_enforcement_liaison",
            Role::Auditor => "auditor",
        }
    }

    /// The role of a code produced by [`Self::as_str`].
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Roles that can read identifying data of persons must use a second factor.
    pub fn sees_identities(self) -> bool {
        role_allows(self, Action::PersonRead)
    }
}

/// Everything a principal can ask to do. Each variant is one row of the permission table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// List and search the person records of the organisation (shows names).
    PersonList,
    /// Open one person record with its identity fields.
    PersonRead,
    /// Register a new person record.
    PersonCreate,
    /// Change a person record's identity and contact fields.
    PersonUpdate,
    /// See the organisation, its members' names and the network directory.
    OrgRead,
    /// Change the organisation's settings.
    OrgManage,
    /// List the organisation's user accounts with their roles and status.
    UserList,
    /// Create users, change roles, disable accounts, reset passwords and second factors.
    UserManage,
    /// Read the audit log of the organisation.
    AuditRead,
    /// Manage one's own account: password, second factor, language, API tokens, sessions.
    OwnAccount,
    /// Hold a detection interview: start, answer, correct, finish, see its result.
    InterviewConduct,
    /// List and read the organisation's detection interviews and their answers.
    InterviewRead,
    /// Add the organisation's own questions; import and export XLSForm questionnaires.
    QuestionnaireManage,
    /// Review and correct questionnaire translations.
    TranslationReview,
    /// List and open protection cases (with services, consents, referrals, proceedings).
    CaseRead,
    /// Open a protection case.
    CaseCreate,
    /// Change a case: state, services, safety plan, case plan, proceedings.
    CaseUpdate,
    /// Record, refuse or withdraw a consent.
    ConsentRecord,
    /// Send, accept, decline and revoke referrals and lead transfers.
    ReferralManage,
    /// Export a verifiable case dossier or the HTCDS file.
    DossierExport,
    /// Erase a person's data on request (leaves a tombstone in the audit).
    PersonErase,
    /// Edit the organisation's entry in the services directory.
    DirectoryManage,
    /// Read reports and entities within their distribution level.
    ReportRead,
    /// File a report on trafficking activities.
    ReportFile,
    /// Triage reports (including public anonymous ones).
    ReportTriage,
    /// Confirm or reject suggested links between entities.
    EntityLink,
    /// See data on suspected offenders (criminal-offence data, GDPR art. 10).
    SuspectRead,
    /// Widen the distribution level of a report or entity.
    DistributionWiden,
    /// Take part in privacy-preserving matching runs of the network.
    PprlRun,
    /// Export an operation package for a rescue or arrest operation.
    OperationExport,
    /// Register and edit employers, workplaces and subcontracting chains.
    EmployerManage,
    /// Read joint inspections the organisation takes part in.
    InspectionRead,
    /// Plan joint inspections and record their findings.
    InspectionManage,
    /// Enter contracts, payslips and timesheets and run the labour checks.
    DocumentCheck,
    /// Read labour-court cases.
    LabourCaseRead,
    /// Open and update labour-court cases.
    LabourCaseManage,
}

impl Action {
    /// Every action, in the order of the permission table's rows.
    pub const ALL: [Action; 36] = [
        Action::PersonList,
        Action::PersonRead,
        Action::PersonCreate,
        Action::PersonUpdate,
        Action::OrgRead,
        Action::OrgManage,
        Action::UserList,
        Action::UserManage,
        Action::AuditRead,
        Action::OwnAccount,
        Action::InterviewConduct,
        Action::InterviewRead,
        Action::QuestionnaireManage,
        Action::TranslationReview,
        Action::CaseRead,
        Action::CaseCreate,
        Action::CaseUpdate,
        Action::ConsentRecord,
        Action::ReferralManage,
        Action::DossierExport,
        Action::PersonErase,
        Action::DirectoryManage,
        Action::ReportRead,
        Action::ReportFile,
        Action::ReportTriage,
        Action::EntityLink,
        Action::SuspectRead,
        Action::DistributionWiden,
        Action::PprlRun,
        Action::OperationExport,
        Action::EmployerManage,
        Action::InspectionRead,
        Action::InspectionManage,
        Action::DocumentCheck,
        Action::LabourCaseRead,
        Action::LabourCaseManage,
    ];

    /// The stable code (`person.read`, `case.update`...), used in audit events and route tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::PersonList => "person.list",
            Action::PersonRead => "person.read",
            Action::PersonCreate => "person.create",
            Action::PersonUpdate => "person.update",
            Action::OrgRead => "org.read",
            Action::OrgManage => "org.manage",
            Action::UserList => "user.list",
            Action::UserManage => "user.manage",
            Action::AuditRead => "audit.read",
            Action::OwnAccount => "own.account",
            Action::InterviewConduct => "interview.conduct",
            Action::InterviewRead => "interview.read",
            Action::QuestionnaireManage => "questionnaire.manage",
            Action::TranslationReview => "translation.review",
            Action::CaseRead => "case.read",
            Action::CaseCreate => "case.create",
            Action::CaseUpdate => "case.update",
            Action::ConsentRecord => "consent.record",
            Action::ReferralManage => "referral.manage",
            Action::DossierExport => "dossier.export",
            Action::PersonErase => "person.erase",
            Action::DirectoryManage => "directory.manage",
            Action::ReportRead => "report.read",
            Action::ReportFile => "report.file",
            Action::ReportTriage => "report.triage",
            Action::EntityLink => "entity.link",
            Action::SuspectRead => "suspect.read",
            Action::DistributionWiden => "distribution.widen",
            Action::PprlRun => "pprl.run",
            Action::OperationExport => "operation.export",
            Action::EmployerManage => "employer.manage",
            Action::InspectionRead => "inspection.read",
            Action::InspectionManage => "inspection.manage",
            Action::DocumentCheck => "document.check",
            Action::LabourCaseRead => "labour_case.read",
            Action::LabourCaseManage => "labour_case.manage",
        }
    }
}

use Action as A;
use Role as R;

/// The permission table. Least privilege: an admin runs the organisation's accounts but does not
/// read victims' records; an auditor reads the audit log and nothing else; a community focal
/// point may register a contact but cannot browse the organisation's persons.
pub const PERMISSIONS: &[(Role, &[Action])] = &[
    (
        R::Admin,
        &[
            A::OrgRead,
            A::OrgManage,
            A::UserList,
            A::UserManage,
            A::AuditRead,
            A::OwnAccount,
            A::DirectoryManage,
        ],
    ),
    (
        R::Coordinator,
        &[
            A::PersonList,
            A::PersonRead,
            A::PersonCreate,
            A::PersonUpdate,
            A::OrgRead,
            A::UserList,
            A::OwnAccount,
            A::InterviewConduct,
            A::InterviewRead,
            A::QuestionnaireManage,
            A::TranslationReview,
            A::CaseRead,
            A::CaseCreate,
            A::CaseUpdate,
            A::ConsentRecord,
            A::ReferralManage,
            A::DossierExport,
            A::PersonErase,
            A::DirectoryManage,
            A::ReportRead,
            A::ReportFile,
            A::ReportTriage,
            A::EntityLink,
            A::SuspectRead,
            A::DistributionWiden,
            A::PprlRun,
            A::OperationExport,
            A::EmployerManage,
            A::InspectionRead,
            A::InspectionManage,
            A::DocumentCheck,
            A::LabourCaseRead,
            A::LabourCaseManage,
        ],
    ),
    (
        R::Caseworker,
        &[
            A::PersonList,
            A::PersonRead,
            A::PersonCreate,
            A::PersonUpdate,
            A::OrgRead,
            A::OwnAccount,
            A::InterviewConduct,
            A::InterviewRead,
            A::CaseRead,
            A::CaseCreate,
            A::CaseUpdate,
            A::ConsentRecord,
            A::ReferralManage,
            A::DossierExport,
            A::ReportRead,
            A::ReportFile,
            A::ReportTriage,
            A::EntityLink,
            A::SuspectRead,
            A::OperationExport,
        ],
    ),
    (
        R::Interviewer,
        &[
            A::PersonList,
            A::PersonRead,
            A::PersonCreate,
            A::OrgRead,
            A::OwnAccount,
            A::InterviewConduct,
            A::InterviewRead,
            A::TranslationReview,
            A::CaseCreate,
            A::ReportFile,
        ],
    ),
    (
        R::UnionRepresentative,
        &[
            A::PersonList,
            A::PersonRead,
            A::PersonCreate,
            A::OrgRead,
            A::OwnAccount,
            A::InterviewConduct,
            A::InterviewRead,
            A::CaseRead,
            A::CaseCreate,
            A::CaseUpdate,
            A::ConsentRecord,
            A::ReferralManage,
            A::ReportRead,
            A::ReportFile,
            A::EmployerManage,
            A::InspectionRead,
            A::InspectionManage,
            A::DocumentCheck,
            A::LabourCaseRead,
            A::LabourCaseManage,
        ],
    ),
    (
        R::CommunityFocalPoint,
        &[
            A::PersonCreate,
            A::OrgRead,
            A::OwnAccount,
            A::InterviewConduct,
            A::TranslationReview,
            A::ReportFile,
        ],
    ),
    (
        R::LawEnforcementLiaison,
        &[
            A::PersonList,
            A::PersonRead,
            A::PersonCreate,
            A::PersonUpdate,
            A::OrgRead,
            A::OwnAccount,
            A::InterviewConduct,
            A::InterviewRead,
            A::CaseRead,
            A::ReportRead,
            A::ReportFile,
            A::SuspectRead,
            A::EmployerManage,
            A::InspectionRead,
            A::InspectionManage,
            A::DocumentCheck,
            A::LabourCaseRead,
        ],
    ),
    (R::Auditor, &[A::AuditRead, A::OrgRead, A::OwnAccount]),
];

/// Whether `role` alone allows `action` (row lookup in [`PERMISSIONS`]).
pub fn role_allows(role: Role, action: Action) -> bool {
    PERMISSIONS
        .iter()
        .any(|(r, actions)| *r == role && actions.contains(&action))
}

/// Who is asking: an authenticated user, acting within their organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The signed-in user.
    pub user_id: UserId,
    /// The user's organisation: the tenancy the principal acts in.
    pub org_id: OrgId,
    /// The user's roles; an action is allowed if any of them allows it.
    pub roles: Vec<Role>,
}

impl Principal {
    /// Whether one of the principal's roles allows `action` (question 1 only, no tenancy).
    pub fn may(&self, action: Action) -> bool {
        self.roles.iter().any(|r| role_allows(*r, action))
    }
}

/// An explicit permission for another organisation to act on a record (created later by
/// referrals and shared reports). The record's owner stays the owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The organisation granted access.
    pub to_org: OrgId,
    /// The one action it may do on the record.
    pub action: Action,
}

/// Why [`authorize`] refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// None of the principal's roles allows the action (the web layer answers "forbidden").
    #[error("your role does not allow {0:?}")]
    RoleLacksPermission(Action),
    /// The record is another organisation's and no grant covers it (answered as "not found").
    #[error("the record belongs to another organisation")]
    OtherOrganisation,
}

/// The decision. `owner` is the organisation that owns the record acted on (for actions on the
/// principal's own account or organisation, pass the principal's organisation).
pub fn authorize(
    principal: &Principal,
    action: Action,
    owner: OrgId,
    grants: &[Grant],
) -> Result<(), Denied> {
    if !principal.may(action) {
        return Err(Denied::RoleLacksPermission(action));
    }
    if owner == principal.org_id {
        return Ok(());
    }
    if grants
        .iter()
        .any(|g| g.to_org == principal.org_id && g.action == action)
    {
        return Ok(());
    }
    Err(Denied::OtherOrganisation)
}

/// The permission table as Markdown, so that ARCHITECTURE.md can be checked against the code.
pub fn permission_table_markdown() -> String {
    let mut out = String::from("| action |");
    for r in Role::ALL {
        out.push(' ');
        out.push_str(r.as_str());
        out.push_str(" |");
    }
    out.push_str("\n|---|");
    for _ in Role::ALL {
        out.push_str("---|");
    }
    for a in Action::ALL {
        out.push_str("\n| ");
        out.push_str(a.as_str());
        out.push_str(" |");
        for r in Role::ALL {
            out.push_str(if role_allows(r, a) { " yes |" } else { " no |" });
        }
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(roles: &[Role]) -> Principal {
        Principal {
            user_id: UserId::new(),
            org_id: OrgId::new(),
            roles: roles.to_vec(),
        }
    }

    #[test]
    fn every_role_has_exactly_one_row_and_every_action_is_held_by_someone() {
        for r in Role::ALL {
            assert_eq!(
                PERMISSIONS.iter().filter(|(x, _)| *x == r).count(),
                1,
                "{r:?}"
            );
        }
        for a in Action::ALL {
            assert!(
                Role::ALL.iter().any(|r| role_allows(*r, a)),
                "{a:?} unreachable"
            );
        }
    }

    #[test]
    fn least_privilege_rules_hold() {
        assert!(!role_allows(Role::Admin, Action::PersonRead));
        assert!(!role_allows(Role::Auditor, Action::PersonList));
        assert!(!role_allows(Role::CommunityFocalPoint, Action::PersonList));
        assert!(role_allows(Role::CommunityFocalPoint, Action::PersonCreate));
        assert!(!role_allows(Role::Caseworker, Action::UserManage));
        assert!(role_allows(Role::Auditor, Action::AuditRead));
        for r in Role::ALL {
            assert!(role_allows(r, Action::OwnAccount));
        }
    }

    #[test]
    fn own_organisation_is_allowed_other_is_denied_unless_granted() {
        let p = principal(&[Role::Caseworker]);
        assert_eq!(authorize(&p, Action::PersonRead, p.org_id, &[]), Ok(()));
        let other = OrgId::new();
        assert_eq!(
            authorize(&p, Action::PersonRead, other, &[]),
            Err(Denied::OtherOrganisation)
        );
        let grant = Grant {
            to_org: p.org_id,
            action: Action::PersonRead,
        };
        assert_eq!(
            authorize(&p, Action::PersonRead, other, std::slice::from_ref(&grant)),
            Ok(())
        );
        // A grant for reading does not allow writing.
        assert_eq!(
            authorize(&p, Action::PersonUpdate, other, &[grant]),
            Err(Denied::OtherOrganisation)
        );
        // A grant to a third organisation does not help.
        let stray = Grant {
            to_org: OrgId::new(),
            action: Action::PersonRead,
        };
        assert_eq!(
            authorize(&p, Action::PersonRead, other, &[stray]),
            Err(Denied::OtherOrganisation)
        );
    }

    #[test]
    fn role_check_comes_before_tenancy_and_grants_do_not_widen_roles() {
        let p = principal(&[Role::Auditor]);
        let grant = Grant {
            to_org: p.org_id,
            action: Action::PersonRead,
        };
        assert_eq!(
            authorize(&p, Action::PersonRead, OrgId::new(), &[grant]),
            Err(Denied::RoleLacksPermission(Action::PersonRead))
        );
    }

    #[test]
    fn roles_combine() {
        let p = principal(&[Role::Auditor, Role::Interviewer]);
        assert!(p.may(Action::AuditRead));
        assert!(p.may(Action::PersonCreate));
        assert!(!p.may(Action::PersonUpdate));
    }

    #[test]
    fn architecture_doc_carries_the_current_permission_table() {
        let doc = include_str!("../../../../ARCHITECTURE.md");
        assert!(
            doc.contains(&permission_table_markdown()),
            "ARCHITECTURE.md is out of date; paste:\n{}",
            permission_table_markdown()
        );
    }
}
