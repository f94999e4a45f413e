//! Unit tests of the information module's matching keys and name comparison.

use ally_core::information::EntityKind;

use super::keys::{decode_contributions, encode_contributions, entity_keys, name_contributions};
use super::links::FUZZY_THRESHOLD;

#[test]
fn phone_keys_meet_across_formats_and_scripts() {
    let a = entity_keys(EntityKind::Phone, "+40 721 000 111");
    let b = entity_keys(EntityKind::Phone, "0721-000-111");
    let c = entity_keys(EntityKind::Phone, "٠٧٢١٠٠٠١١١");
    assert!(a.contains(&"e164:+40721000111".to_owned()), "{a:?}");
    assert!(a.iter().any(|k| b.contains(k)));
    assert!(a.iter().any(|k| c.contains(k)));
}

#[test]
fn handles_and_companies_normalise() {
    assert_eq!(
        entity_keys(EntityKind::Website, "https://www.Example.org/"),
        entity_keys(EntityKind::Website, "example.org")
    );
    assert_eq!(
        entity_keys(EntityKind::Company, "Agro Trans SRL"),
        entity_keys(EntityKind::Company, "AGRO-TRANS")
    );
}

#[test]
fn fuzzy_names_explain_each_field() {
    let c = name_contributions(EntityKind::Person, "Vasile Popescu", "Popescu Vasyl");
    let total: f64 = c.iter().map(|(_, w)| w).sum();
    assert!(total >= FUZZY_THRESHOLD, "{c:?}");
    assert_eq!(c.len(), 3);
    let c = name_contributions(EntityKind::Person, "Vasile Popescu", "Maria Ionescu");
    let total: f64 = c.iter().map(|(_, w)| w).sum();
    assert!(total < FUZZY_THRESHOLD, "{c:?}");
    assert_eq!(decode_contributions(&encode_contributions(&c)).len(), 3);
}
