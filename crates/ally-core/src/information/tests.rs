//! Unit tests of the information module's rules: validation and distribution changes.

#![allow(clippy::unwrap_used)]

use super::distribution::*;
use super::report::*;
use super::vocabulary::*;

fn input() -> ReportInput {
    ReportInput {
        what: "Workers locked in at night".into(),
        exploitation: "labour".into(),
        distribution: "partners".into(),
        entities: vec![
            EntityInput {
                kind: "phone".into(),
                role: "recruiter".into(),
                value: "+40 721 000 111".into(),
            },
            EntityInput {
                kind: "person".into(),
                role: "".into(),
                value: "".into(),
            },
        ],
        ..Default::default()
    }
}

#[test]
fn a_valid_report_keeps_filled_entities_only() {
    let r = input().validate(|_| true, false).unwrap();
    assert_eq!(r.entities.len(), 1);
    assert_eq!(r.distribution, Distribution::Partners);
    assert!(r.entities[0].role.is_suspect());
    // The public form cannot choose a distribution: always own organisation.
    assert_eq!(
        input().validate(|_| true, true).unwrap().distribution,
        Distribution::Own
    );
}

#[test]
fn bad_fields_are_named() {
    let mut i = input();
    i.what = " ".into();
    i.latitude = "91".into();
    i.observed_on = "2026-13-01".into();
    i.indicators = "nope".into();
    i.entities[0].kind = "spaceship".into();
    let e = i.validate(|id| id == "ok", false).unwrap_err();
    let fields: Vec<_> = e.iter().map(|e| e.field).collect();
    for f in ["what", "latitude", "observed_on", "indicators", "entities"] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    let mut i = input();
    i.entities[0].value = "call me".into();
    assert_eq!(
        i.validate(|_| true, false).unwrap_err()[0].code,
        "invalid_phone"
    );
    let mut i = input();
    i.latitude = "45.1".into();
    assert_eq!(
        i.validate(|_| true, false).unwrap_err()[0].code,
        "coordinates_pair"
    );
}

#[test]
fn lowering_is_free_widening_needs_a_coordinator_and_victims_need_consent() {
    use Distribution::*;
    for a in Distribution::ALL {
        for b in Distribution::ALL {
            let r = check_distribution_change(*a, *b, None, false, false);
            assert_eq!(r.is_ok(), b.rank() <= a.rank(), "{a:?}->{b:?}");
        }
    }
    assert_eq!(
        check_distribution_change(Own, Network, None, true, false),
        Ok(())
    );
    assert_eq!(
        check_distribution_change(Own, Partners, Some(EntityRole::PossibleVictim), true, false),
        Err(DistributionRefused::VictimConsentRequired)
    );
    assert_eq!(
        check_distribution_change(Own, Partners, Some(EntityRole::PossibleVictim), true, true),
        Ok(())
    );
    assert_eq!(
        check_distribution_change(Network, Own, Some(EntityRole::PossibleVictim), false, false),
        Ok(())
    );
}

#[test]
fn suspect_data_is_kept_shorter_than_reports() {
    const { assert!(SUSPECT_RETENTION_MS < REPORT_RETENTION_MS) };
    assert!(!EntityRole::PossibleVictim.is_suspect());
    assert!(!EntityRole::Witness.is_suspect());
    assert!(EntityRole::Driver.is_suspect());
}
