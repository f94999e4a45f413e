//! Demo data of the information module (issue 5). Every name and detail is invented.
//!
//! The demo NGO receives the public form's reports (`/report`, also `/report?to=ngo`); the
//! community group has its own intake address (`/report?to=circle`). The NGO holds earlier
//! reports whose recruiter's phone number ([`RECRUITER_PHONE`]) the browser test's anonymous
//! report mentions again, written another way.

use ally_core::authz::{Principal, Role};
use ally_core::information::{Distribution, EntityInput, ReportInput};
use ally_store::Store;

use crate::demo::DemoOrgs;

/// The recruiter's phone number in the NGO's earlier demo report.
pub const RECRUITER_PHONE: &str = "+40 744 210 387";

fn input(
    what: &str,
    observed_on: &str,
    place: &str,
    coords: Option<(&str, &str)>,
    exploitation: &str,
    indicators: &str,
    entities: &[(&str, &str, &str)],
) -> ReportInput {
    ReportInput {
        what: what.into(),
        observed_on: observed_on.into(),
        place: place.into(),
        latitude: coords.map(|c| c.0.into()).unwrap_or_default(),
        longitude: coords.map(|c| c.1.into()).unwrap_or_default(),
        exploitation: exploitation.into(),
        indicators: indicators.into(),
        distribution: String::new(),
        entities: entities
            .iter()
            .map(|(k, r, v)| EntityInput {
                kind: (*k).into(),
                role: (*r).into(),
                value: (*v).into(),
            })
            .collect(),
    }
}

/// Adds the module's demo records (called once, by `demo::seed`, after the persons).
pub async fn seed(store: &Store, orgs: &DemoOrgs) -> anyhow::Result<()> {
    store.set_report_intake(orgs.ngo, "ngo", true).await?;
    store
        .set_report_intake(orgs.community, "circle", false)
        .await?;
    let caseworker = Principal {
        user_id: ally_core::UserId::new(),
        org_id: orgs.ngo,
        roles: vec![Role::Caseworker],
    };
    let coordinator = Principal {
        user_id: ally_core::UserId::new(),
        org_id: orgs.ngo,
        roles: vec![Role::Coordinator],
    };
    let any = |_: &str| true;
    let reports = [
        (
            &caseworker,
            input(
                "A man offering well-paid farm work in Spain collects passports before the trip; three women from the same village left with him last month and have not called home since.",
                "2026-09-14",
                "Bus station, Strada Gării 12, Suceava",
                Some(("47.6635", "26.2732")),
                "labour",
                "",
                &[
                    ("phone", "recruiter", RECRUITER_PHONE),
                    ("person", "recruiter", "Dragan Popescu"),
                    ("company", "employer", "Agro Fields Iberia SL"),
                    ("vehicle", "driver", "SV-12-DRG"),
                ],
            ),
            Distribution::Own,
        ),
        (
            &caseworker,
            input(
                "Workers housed in a barn behind the packing station; the landlord keeps their wages for 'rent and transport'.",
                "2026-10-02",
                "Packing station, Lleida outskirts",
                None,
                "labour",
                "",
                &[
                    ("company", "employer", "Agro Fields Iberia S.L."),
                    ("person", "landlord", "Jordi Ferran Puig"),
                    ("website", "recruiter", "@agrofields.jobs"),
                ],
            ),
            Distribution::Own,
        ),
        (
            &coordinator,
            input(
                "Advertisement for 'hostess work abroad, travel paid' seen in several community chat groups; the number answers in Romanian and Bulgarian.",
                "2026-10-20",
                "Online",
                None,
                "sexual",
                "",
                &[("website", "recruiter", "t.me/hostess_abroad_jobs")],
            ),
            Distribution::Network,
        ),
    ];
    for (who, f, level) in reports {
        let mut valid = f
            .validate(any, false)
            .map_err(|e| anyhow::anyhow!("demo report invalid: {e:?}"))?;
        valid.distribution = level;
        store.access(who, None).file_report(valid).await?;
    }
    // The shelter holds a record of the same recruiter, spelt another way: a privacy-preserving
    // matching run of the network (coordinator, /pprl) finds it without any name crossing.
    let shelter = Principal {
        user_id: ally_core::UserId::new(),
        org_id: orgs.shelter,
        roles: vec![Role::Coordinator],
    };
    let valid = input(
        "A resident says the man who brought her here, 'Dragan Popesku', still calls her.",
        "2026-10-05",
        "",
        None,
        "sexual",
        "",
        &[("person", "recruiter", "Popesku Dragan")],
    )
    .validate(any, false)
    .map_err(|e| anyhow::anyhow!("demo report invalid: {e:?}"))?;
    store.access(&shelter, None).file_report(valid).await?;
    Ok(())
}
