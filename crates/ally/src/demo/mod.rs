//! The demo data set: fictitious organisations of every kind, a network, one user per role
//! with one documented password, and fictitious persons written in several scripts.
//!
//! Every name, phone number and address here is invented.

pub mod identification;
pub mod information;
mod labour;
pub mod protection;

use ally_core::OrgId;
use ally_core::authz::{Principal, Role};
use ally_core::org::OrgKind;
use ally_core::person::{PersonForm, ValidPerson};
use ally_store::{NewUser, Store};
use anyhow::Context;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "demo-password-2026";
/// The second-factor secret shared by the demo accounts (demo only: real accounts each enrol
/// their own). `ally demo-code` prints the current code.
pub const DEMO_TOTP_SECRET: &[u8; 20] = b"ally-demo-totp-2026!";

pub struct DemoUser {
    pub email: &'static str,
    pub name: &'static str,
    pub org: &'static str,
    pub roles: &'static [Role],
}

pub const ORGS: &[(&str, OrgKind)] = &[
    ("Ensemble Contre la Traite (demo NGO)", OrgKind::Ngo),
    ("Safe Harbour Shelter (demo)", OrgKind::Shelter),
    ("Builders' and Farmworkers' Union (demo)", OrgKind::Union),
    ("Diaspora Women's Circle (demo)", OrgKind::CommunityGroup),
    ("Police Liaison Unit (demo)", OrgKind::LawEnforcementLiaison),
    ("Labour Inspectorate (demo)", OrgKind::LabourInspectorate),
    (
        "Together Against Trafficking network (demo)",
        OrgKind::Network,
    ),
];

/// Which organisations the demo network groups.
const NETWORK_MEMBERS: &[usize] = &[0, 1, 2, 3];

pub const USERS: &[DemoUser] = &[
    DemoUser {
        email: "admin@ngo.demo",
        name: "Amélie Admin",
        org: ORGS[0].0,
        roles: &[Role::Admin],
    },
    DemoUser {
        email: "coordinator@ngo.demo",
        name: "Claire Coordinator",
        org: ORGS[0].0,
        roles: &[Role::Coordinator],
    },
    DemoUser {
        email: "caseworker@ngo.demo",
        name: "Karim Caseworker",
        org: ORGS[0].0,
        roles: &[Role::Caseworker],
    },
    DemoUser {
        email: "interviewer@ngo.demo",
        name: "Ines Interviewer",
        org: ORGS[0].0,
        roles: &[Role::Interviewer],
    },
    DemoUser {
        email: "auditor@ngo.demo",
        name: "Aurelio Auditor",
        org: ORGS[0].0,
        roles: &[Role::Auditor],
    },
    DemoUser {
        email: "caseworker@shelter.demo",
        name: "Sofia Shelter",
        org: ORGS[1].0,
        roles: &[Role::Caseworker],
    },
    DemoUser {
        email: "admin@shelter.demo",
        name: "Samuel Shelter-Admin",
        org: ORGS[1].0,
        roles: &[Role::Admin],
    },
    DemoUser {
        email: "rep@union.demo",
        name: "Radu Representative",
        org: ORGS[2].0,
        roles: &[Role::UnionRepresentative],
    },
    DemoUser {
        email: "focal@community.demo",
        name: "Feven Focal-Point",
        org: ORGS[3].0,
        roles: &[Role::CommunityFocalPoint],
    },
    DemoUser {
        email: "liaison@police.demo",
        name: "Luc Liaison",
        org: ORGS[4].0,
        roles: &[Role::LawEnforcementLiaison],
    },
    DemoUser {
        email: "inspector@labour.demo",
        name: "Ingrid Inspector",
        org: ORGS[5].0,
        roles: &[Role::Coordinator],
    },
    DemoUser {
        email: "coordinator@network.demo",
        name: "Nora Network",
        org: ORGS[6].0,
        roles: &[Role::Coordinator, Role::Admin],
    },
];

/// Fictitious persons: (role, given, family, aliases, birth, sex, nationality, languages, phone, address, document, notes).
type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

pub const PERSONS: &[Row] = &[
    (
        "presumed_victim",
        "Ioana",
        "Munteanu",
        "Ioanna",
        "1999-03",
        "female",
        "RO",
        "ro\nfr",
        "+40 721 555 101",
        "Foyer Saint-Paul, 12 rue des Lilas, Lyon",
        "passport: RX1122334 (RO)",
        "Recruited for agricultural work; passport kept by the employer.",
    ),
    (
        "presumed_victim",
        "Blessing",
        "Okafor",
        "Bless",
        "~24",
        "female",
        "NG",
        "en\nig",
        "+234 803 555 0102",
        "",
        "",
        "Referred by a community focal point after a church meeting.",
    ),
    (
        "victim",
        "Олена",
        "Коваленко",
        "Olena Kovalenko",
        "1994-11-02",
        "female",
        "UA",
        "uk\nru",
        "+380 44 555 0103",
        "Appartement 4, 3 impasse du Moulin, Lille",
        "national_id: UA5550103 (UA)",
        "Debt for travel and lodging grew every month.",
    ),
    (
        "presumed_victim",
        "Nguyễn Văn",
        "An",
        "Anh",
        "~17",
        "male",
        "VN",
        "vi",
        "+84 90 555 0104",
        "",
        "",
        "Minor; nail salon; child-protection procedure started.",
    ),
    (
        "witness",
        "Yonas",
        "Tesfay",
        "ዮናስ",
        "1990",
        "male",
        "ER",
        "ti\nar\nen",
        "+33 6 55 50 10 05",
        "",
        "",
        "Saw the recruiter at the bus station.",
    ),
    (
        "presumed_victim",
        "فاطمة",
        "الزهراء",
        "Fatima Zahra",
        "1998-07-19",
        "female",
        "MA",
        "ar\nfr",
        "+212 6 55 50 10 06",
        "",
        "passport: MA7788990 (MA)",
        "Domestic work; not allowed to leave the house.",
    ),
    (
        "contact",
        "Maria",
        "Popescu",
        "",
        "",
        "female",
        "RO",
        "ro",
        "+40 744 555 107",
        "",
        "",
        "Sister of a presumed victim; safe contact.",
    ),
    (
        "suspect",
        "Viktor",
        "Dragan",
        "V.D.",
        "~45",
        "male",
        "",
        "ro\nbg",
        "+359 88 555 0108",
        "",
        "",
        "Described as the driver who collects workers at 5 a.m.",
    ),
    (
        "presumed_victim",
        "Li",
        "Wei",
        "李伟",
        "1988",
        "male",
        "CN",
        "zh",
        "+86 139 5550 0109",
        "",
        "",
        "Construction site; wages withheld for three months.",
    ),
    (
        "presumed_victim",
        "Maricel",
        "Santos",
        "Celia",
        "1985-05-30",
        "female",
        "PH",
        "tl\nen",
        "+63 917 555 0110",
        "",
        "passport: P5550110A (PH)",
        "Au pair visa; working 14 hours a day.",
    ),
];

fn form(r: &Row) -> PersonForm {
    PersonForm {
        role: r.0.into(),
        given_names: r.1.into(),
        family_names: r.2.into(),
        aliases: r.3.into(),
        birth: r.4.into(),
        sex: r.5.into(),
        nationalities: r.6.into(),
        languages: r.7.into(),
        phones: r.8.into(),
        addresses: r.9.into(),
        documents: r.10.into(),
        notes: r.11.into(),
        gender: String::new(),
    }
}

/// Synthetic persons for load tests: names combined from lists, in several scripts.
pub fn synthetic_persons(n: usize) -> Vec<ValidPerson> {
    const GIVEN: &[&str] = &[
        "Ana",
        "Ioana",
        "Blessing",
        "Olena",
        "Maria",
        "Fatima",
        "Yonas",
        "Li",
        "Maricel",
        "Amina",
        "Олег",
        "Мария",
        "محمد",
        "ليلى",
        "Nguyễn",
        "Thu",
        "Selam",
        "Ruth",
        "Elena",
        "Grace",
    ];
    const FAMILY: &[&str] = &[
        "Popescu",
        "Munteanu",
        "Okafor",
        "Kovalenko",
        "Ionescu",
        "Haddad",
        "Tesfay",
        "Wang",
        "Santos",
        "Diallo",
        "Шевченко",
        "Петров",
        "العلي",
        "حسن",
        "Trần",
        "Lê",
        "Ghebre",
        "Mensah",
        "Dimitrova",
        "Adeyemi",
    ];
    let year = 2026;
    (0..n)
        .filter_map(|i| {
            let f = PersonForm {
                role: ["presumed_victim", "victim", "witness", "contact"][i % 4].into(),
                given_names: GIVEN[i % GIVEN.len()].into(),
                family_names: format!("{} {}", FAMILY[(i / GIVEN.len()) % FAMILY.len()], i),
                birth: format!("{}", 1960 + (i % 45)),
                phones: format!("+40 7{:08}", i),
                notes: "Synthetic record for load testing.".into(),
                ..Default::default()
            };
            f.validate(year).ok()
        })
        .collect()
}

/// The demo organisations, by what they are (the modules' demo data refers to them).
#[derive(Debug, Clone, Copy)]
pub struct DemoOrgs {
    pub ngo: OrgId,
    pub shelter: OrgId,
    pub union: OrgId,
    pub community: OrgId,
    pub police: OrgId,
    pub labour_inspectorate: OrgId,
    pub network: OrgId,
}

/// Creates the demo data set if the database has no organisation yet. Returns whether it did.
pub async fn seed(store: &Store, extra_persons: usize) -> anyhow::Result<bool> {
    if !store.list_organisations_operator().await?.is_empty() {
        return Ok(false);
    }
    let mut org_ids = Vec::new();
    for (name, kind) in ORGS {
        org_ids.push(store.create_organisation(name, *kind, true).await?);
    }
    let network = org_ids[6];
    for &m in NETWORK_MEMBERS {
        store.add_network_member(network, org_ids[m]).await?;
    }
    for u in USERS {
        let org = ORGS
            .iter()
            .position(|(n, _)| *n == u.org)
            .map(|i| org_ids[i])
            .context("demo org")?;
        store
            .add_user_operator(
                org,
                NewUser {
                    email: u.email.into(),
                    display_name: u.name.into(),
                    roles: u.roles.to_vec(),
                    password: DEMO_PASSWORD.into(),
                    locale: "en".into(),
                },
            )
            .await?;
        store
            .set_totp_secret_operator(u.email, DEMO_TOTP_SECRET)
            .await?;
    }
    // NGO persons are created by its caseworker; a few others belong to the shelter and union.
    let caseworker = |org| Principal {
        user_id: ally_core::UserId::new(),
        org_id: org,
        roles: vec![Role::Caseworker],
    };
    let year = 2026;
    let ngo = caseworker(org_ids[0]);
    for (i, row) in PERSONS.iter().enumerate() {
        let owner = match i % 5 {
            3 => caseworker(org_ids[1]),
            4 if i > 5 => caseworker(org_ids[2]),
            _ => ngo.clone(),
        };
        let valid = form(row)
            .validate(year)
            .map_err(|e| anyhow::anyhow!("demo person {i} invalid: {e:?}"))?;
        store
            .access(&owner, None)
            .persons()
            .create_person(valid)
            .await?;
    }
    if extra_persons > 0 {
        store
            .access(&ngo, None)
            .persons()
            .import_persons(synthetic_persons(extra_persons))
            .await?;
    }
    let orgs = DemoOrgs {
        ngo: org_ids[0],
        shelter: org_ids[1],
        union: org_ids[2],
        community: org_ids[3],
        police: org_ids[4],
        labour_inspectorate: org_ids[5],
        network: org_ids[6],
    };
    identification::seed(store, &orgs).await?;
    protection::seed(store, &orgs).await?;
    information::seed(store, &orgs).await?;
    labour::seed(store, &orgs).await?;
    Ok(true)
}

/// The current one-time code for the demo accounts.
pub fn current_code() -> anyhow::Result<String> {
    let totp = totp_rs::Builder::new()
        .with_secret(DEMO_TOTP_SECRET.to_vec())
        .build()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(totp.generate_current().to_string())
}

pub fn secret_base32() -> String {
    totp_rs::Secret::from(DEMO_TOTP_SECRET.to_vec()).to_base32()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_person_is_valid_and_synthetic_ones_too() {
        for (i, r) in PERSONS.iter().enumerate() {
            assert!(form(r).validate(2026).is_ok(), "demo person {i}");
        }
        assert_eq!(synthetic_persons(500).len(), 500);
        assert!(ally_core::password::check(DEMO_PASSWORD, "admin@ngo.demo").is_ok());
    }

    #[test]
    fn every_role_and_org_kind_is_in_the_demo() {
        for r in Role::ALL {
            assert!(USERS.iter().any(|u| u.roles.contains(&r)), "{r:?}");
        }
        for k in [
            OrgKind::Ngo,
            OrgKind::Shelter,
            OrgKind::Union,
            OrgKind::CommunityGroup,
            OrgKind::LawEnforcementLiaison,
            OrgKind::LabourInspectorate,
            OrgKind::Network,
        ] {
            assert!(ORGS.iter().any(|(_, o)| *o == k), "{k:?}");
        }
    }
}
