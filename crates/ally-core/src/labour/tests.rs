//! Worked examples, computed by hand in the comments, and property tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::json;
use time::macros::date;

use super::*;

fn fr() -> RuleSet {
    RuleSet::shipped("fr-construction-2025").unwrap()
}

fn be() -> RuleSet {
    RuleSet::shipped("be-construction-2025").unwrap()
}

/// A 35 h/week French contract with a written contract and no wage stated, plus the
/// given payslips and timesheets.
fn worker(payslips: serde_json::Value, timesheets: serde_json::Value) -> WorkerRecord {
    worker_with(json!({}), payslips, timesheets)
}

fn worker_with(
    contract_extra: serde_json::Value,
    payslips: serde_json::Value,
    timesheets: serde_json::Value,
) -> WorkerRecord {
    let mut contract = json!({
        "start_date": "2024-01-08",
        "weekly_hours": "35",
        "written_contract": true
    });
    for (k, v) in contract_extra.as_object().unwrap() {
        contract[k] = v.clone();
    }
    let doc = json!({"contract": contract, "payslips": payslips, "timesheets": timesheets});
    WorkerRecord::from_json(&doc.to_string()).unwrap()
}

fn slip(start: &str, end: &str, hours: &str, gross: &str) -> serde_json::Value {
    json!({
        "period_start": start, "period_end": end, "hours_paid": hours,
        "gross": gross, "net_paid": gross
    })
}

fn of_kind(r: &CheckReport, kind: FindingKind) -> Vec<&Finding> {
    r.findings.iter().filter(|f| f.kind == kind).collect()
}

// ---- rule sets ---------------------------------------------------------------------

#[test]
fn shipped_rule_sets_load_and_list() {
    let ids: Vec<&str> = RuleSet::shipped_ids().collect();
    assert_eq!(ids, ["fr-construction-2025", "be-construction-2025"]);
    let summaries = shipped_summaries().unwrap();
    assert_eq!(summaries.len(), 2);
    assert_eq!(summaries[0].country, "FR");
    assert_eq!(summaries[1].country, "BE");
    // Both files admit unverified figures; the count must be reported, not hidden.
    assert!(summaries.iter().all(|s| s.unverified_figures > 0));
    assert!(matches!(
        RuleSet::shipped("xx-nothing"),
        Err(RuleSetError::UnknownId(_))
    ));
}

#[test]
fn smic_by_date() {
    let r = fr();
    let at = |d| r.minimum_wage_on(d).map(|p| p.hourly);
    assert_eq!(at(date!(2023 - 12 - 31)), None);
    assert_eq!(at(date!(2024 - 01 - 01)), Some(dec!(11.65)));
    assert_eq!(at(date!(2024 - 10 - 31)), Some(dec!(11.65)));
    assert_eq!(at(date!(2024 - 11 - 01)), Some(dec!(11.88)));
    assert_eq!(at(date!(2025 - 12 - 31)), Some(dec!(11.88)));
    assert_eq!(at(date!(2026 - 01 - 01)), Some(dec!(12.02)));
}

#[test]
fn be_scale_by_date_and_end() {
    let r = be();
    assert_eq!(
        r.grade_rate_on("III", date!(2020 - 05 - 01))
            .map(|p| p.hourly),
        Some(dec!(15.422))
    );
    assert_eq!(
        r.grade_rate_on("III", date!(2025 - 05 - 01))
            .map(|p| p.hourly),
        Some(dec!(20.236))
    );
    // The 2025 scale ends on 2025-12-31: nothing is claimed for 2026.
    assert_eq!(r.minimum_wage_on(date!(2026 - 01 - 01)), None);
    assert_eq!(r.grade_rate_on("CE-IV", date!(2024 - 06 - 01)), None);
}

fn fr_text() -> &'static str {
    include_str!("../../../../data/labour/fr-construction-2025.toml")
}

#[test]
fn loader_rejects_missing_field() {
    let text = fr_text().replacen("hourly = \"11.65\"\n", "", 1);
    match RuleSet::from_toml(&text) {
        Err(RuleSetError::Parse(m)) => assert!(m.contains("hourly"), "{m}"),
        other => panic!("expected parse error, got {other:?}"),
    }
}

#[test]
fn loader_rejects_overlapping_periods() {
    // The second SMIC period now starts before the first one ends.
    let text = fr_text().replacen(
        "effective_from = \"2024-11-01\"",
        "effective_from = \"2024-10-01\"",
        1,
    );
    match RuleSet::from_toml(&text) {
        Err(RuleSetError::Invalid { entry, message }) => {
            assert_eq!(entry, "minimum_wage[1]");
            assert!(message.contains("overlaps"), "{message}");
        }
        other => panic!("expected overlap error, got {other:?}"),
    }
}

#[test]
fn loader_rejects_negative_amount() {
    let text = fr_text().replacen("hourly = \"12.02\"", "hourly = \"-12.02\"", 1);
    match RuleSet::from_toml(&text) {
        Err(RuleSetError::Invalid { entry, message }) => {
            assert_eq!(entry, "minimum_wage[2]");
            assert!(message.contains("hourly") && message.contains("negative"));
        }
        other => panic!("expected negative error, got {other:?}"),
    }
    let text = fr_text().replacen(
        "cap_percent_of_gross = \"10\"",
        "cap_percent_of_gross = \"-10\"",
        1,
    );
    match RuleSet::from_toml(&text) {
        Err(RuleSetError::Invalid { entry, .. }) => assert_eq!(entry, "deduction[3]"),
        other => panic!("expected negative error, got {other:?}"),
    }
}

#[test]
fn loader_rejects_bad_entries() {
    let text = fr_text().replacen("kind = \"fine\"", "kind = \"tips\"", 1);
    assert!(matches!(
        RuleSet::from_toml(&text),
        Err(RuleSetError::Invalid { entry, .. }) if entry == "deduction[1]"
    ));
    // An open band followed by another band.
    let text = fr_text().replacen("up_to_hours_over_threshold = \"8\"\n", "", 1);
    assert!(matches!(
        RuleSet::from_toml(&text),
        Err(RuleSetError::Invalid { entry, .. }) if entry == "overtime.band[0]"
    ));
    let text = fr_text().replacen(
        "effective_from = \"2024-01-01\"",
        "effective_from = \"2024-13-01\"",
        1,
    );
    assert!(matches!(
        RuleSet::from_toml(&text),
        Err(RuleSetError::Invalid { entry, message }) if entry == "minimum_wage[0]" && message.contains("effective_from")
    ));
    let text = fr_text().replacen("id = \"N2\"", "id = \"N1P1\"", 1);
    assert!(matches!(
        RuleSet::from_toml(&text),
        Err(RuleSetError::Invalid { entry, .. }) if entry == "wage_scale.grade[2]"
    ));
}

#[test]
fn every_unverified_figure_says_why() {
    for id in RuleSet::shipped_ids() {
        let r = RuleSet::shipped(id).unwrap();
        for s in r.sources() {
            assert!(!s.citation.trim().is_empty(), "{id}: empty citation");
            if !s.verified {
                assert!(
                    s.note.as_deref().is_some_and(|n| !n.trim().is_empty()),
                    "{id}: unverified source without a note: {}",
                    s.citation
                );
            }
        }
    }
}

#[test]
fn indicator_ids_are_ilo_11_ids() {
    // The ids of shared/data/indicators/ilo-forced-labour-11.toml, copied by hand.
    const ILO_11: [&str; 11] = [
        "ilo11.abuse_of_vulnerability",
        "ilo11.deception",
        "ilo11.restriction_of_movement",
        "ilo11.isolation",
        "ilo11.physical_and_sexual_violence",
        "ilo11.intimidation_and_threats",
        "ilo11.retention_of_identity_documents",
        "ilo11.withholding_of_wages",
        "ilo11.debt_bondage",
        "ilo11.abusive_working_and_living_conditions",
        "ilo11.excessive_overtime",
    ];
    for id in [
        indicators::ABUSE_OF_VULNERABILITY,
        indicators::DECEPTION,
        indicators::INTIMIDATION_AND_THREATS,
        indicators::RETENTION_OF_IDENTITY_DOCUMENTS,
        indicators::WITHHOLDING_OF_WAGES,
        indicators::DEBT_BONDAGE,
        indicators::ABUSIVE_WORKING_AND_LIVING_CONDITIONS,
        indicators::EXCESSIVE_OVERTIME,
    ] {
        assert!(ILO_11.contains(&id), "{id}");
    }
}

// ---- underpayment --------------------------------------------------------------------

#[test]
fn underpayment_against_smic_monthly() {
    // March 2025, 35 h/week: 151.67 h is 35 × 52 ÷ 12 = 151.666… h.
    // Due: 11.88 × 151.666… = 1801.80 EUR (the official monthly SMIC). Paid 1500.00.
    // Shortfall: 1801.80 − 1500.00 = 301.80 EUR.
    let w = worker(
        json!([slip("2025-03-01", "2025-03-31", "151.67", "1500.00")]),
        json!([]),
    );
    let r = check(&fr(), &w);
    let f = of_kind(&r, FindingKind::Underpayment);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].amount, dec!(301.80));
    assert_eq!(f[0].amount.to_string(), "301.80");
    assert_eq!(f[0].period, "2025-03-01/2025-03-31");
    assert_eq!(f[0].rule.id, "fr-construction-2025/minimum_wage@2024-11-01");
    assert!(f[0].rule.verified);
    assert_eq!(f[0].indicators, ["ilo11.withholding_of_wages"]);
    assert_eq!(
        f[0].arithmetic,
        "151.67 h (35 h/week × 52 ÷ 12) × 11.88 EUR/h (minimum wage) = 1801.80 EUR due; \
         1500.00 EUR paid (gross 1500.00 − overtime premium 0.00); shortfall 301.80 EUR"
    );
}

#[test]
fn paying_the_official_monthly_smic_is_not_a_shortfall() {
    let w = worker(
        json!([slip("2025-03-01", "2025-03-31", "151.67", "1801.80")]),
        json!([]),
    );
    assert!(of_kind(&check(&fr(), &w), FindingKind::Underpayment).is_empty());
    // One cent less is a shortfall of one cent.
    let w = worker(
        json!([slip("2025-03-01", "2025-03-31", "151.67", "1801.79")]),
        json!([]),
    );
    let r = check(&fr(), &w);
    assert_eq!(of_kind(&r, FindingKind::Underpayment)[0].amount, dec!(0.01));
}

#[test]
fn underpayment_hourly_hours() {
    // 100 h at 11.88 = 1188.00 due; 1000.00 paid; shortfall 188.00.
    let w = worker(
        json!([slip("2025-03-01", "2025-03-31", "100", "1000.00")]),
        json!([]),
    );
    let f = check(&fr(), &w);
    assert_eq!(
        of_kind(&f, FindingKind::Underpayment)[0].amount,
        dec!(188.00)
    );
}

#[test]
fn grade_rate_wins_over_smic() {
    // Grade N3P2: 1935 ÷ 151.67 = 12.7579 EUR/h (> SMIC 11.88).
    // 100 h × 12.7579 = 1275.79 due; 1200.00 paid; shortfall 75.79.
    let w = worker_with(
        json!({"grade": "N3P2"}),
        json!([slip("2025-03-01", "2025-03-31", "100", "1200.00")]),
        json!([]),
    );
    let r = check(&fr(), &w);
    let f = of_kind(&r, FindingKind::Underpayment);
    assert_eq!(f[0].amount, dec!(75.79));
    assert_eq!(
        f[0].rule.id,
        "fr-construction-2025/wage_scale/N3P2@2021-01-01"
    );
}

#[test]
fn contract_rate_wins_and_supports_deception() {
    // Contract 13.00 EUR/h > SMIC: 10 h × 13.00 = 130.00 due; 120.00 paid; shortfall 10.00.
    let w = worker_with(
        json!({"hourly_wage": "13.00"}),
        json!([slip("2025-03-01", "2025-03-31", "10", "120.00")]),
        json!([]),
    );
    let r = check(&fr(), &w);
    let f = of_kind(&r, FindingKind::Underpayment);
    assert_eq!(f[0].amount, dec!(10.00));
    assert_eq!(f[0].rule.id, "contract");
    assert_eq!(
        f[0].indicators,
        ["ilo11.withholding_of_wages", "ilo11.deception"]
    );
}

#[test]
fn monthly_contract_paid_in_full_is_not_short() {
    // 2000.00 EUR/month for 35 h: 2000 ÷ 151.666… = 13.1868 (truncated);
    // 13.1868 × 151.666… = 1999.9988 → 2000.00 due; 2000.00 paid: no finding.
    let w = worker_with(
        json!({"monthly_wage": "2000.00"}),
        json!([slip("2025-03-01", "2025-03-31", "151.67", "2000.00")]),
        json!([]),
    );
    assert!(of_kind(&check(&fr(), &w), FindingKind::Underpayment).is_empty());
    // Paid 1900.00: shortfall 100.00.
    let w = worker_with(
        json!({"monthly_wage": "2000.00"}),
        json!([slip("2025-03-01", "2025-03-31", "151.67", "1900.00")]),
        json!([]),
    );
    let r = check(&fr(), &w);
    assert_eq!(
        of_kind(&r, FindingKind::Underpayment)[0].amount,
        dec!(100.00)
    );
}

#[test]
fn overtime_premium_is_not_counted_as_base_pay() {
    // 100 h × 11.88 = 1188.00 base due. Gross 1200.00 includes a 50.00 premium, so base
    // paid is 1150.00: shortfall 38.00.
    let mut s = slip("2025-03-01", "2025-03-31", "100", "1200.00");
    s["overtime_premium_paid"] = json!("50.00");
    let w = worker(json!([s]), json!([]));
    let r = check(&fr(), &w);
    assert_eq!(
        of_kind(&r, FindingKind::Underpayment)[0].amount,
        dec!(38.00)
    );
}

#[test]
fn rate_of_period_start_is_used() {
    // 2024-10-15..2024-11-14 starts under the 11.65 SMIC: 100 h × 11.65 = 1165.00 due.
    let w = worker(
        json!([slip("2024-10-15", "2024-11-14", "100", "1165.00")]),
        json!([]),
    );
    assert!(of_kind(&check(&fr(), &w), FindingKind::Underpayment).is_empty());
}

#[test]
fn no_rate_is_a_note_not_a_finding() {
    // Belgium 2026: no figure in the rule set.
    let w = worker(
        json!([slip("2026-01-01", "2026-01-31", "100", "10.00")]),
        json!([]),
    );
    let r = check(&be(), &w);
    assert!(of_kind(&r, FindingKind::Underpayment).is_empty());
    assert!(r.notes.iter().any(|n| n.contains("no minimum wage figure")));
}

#[test]
fn be_underpayment_category_one() {
    // BE 2025, grade I: 17.849 EUR/h. 160 h × 17.849 = 2855.84 due; 2500.00 paid;
    // shortfall 355.84.
    let w = worker_with(
        json!({"grade": "I", "weekly_hours": "40"}),
        json!([slip("2025-02-01", "2025-02-28", "160", "2500.00")]),
        json!([]),
    );
    let r = check(&be(), &w);
    let f = of_kind(&r, FindingKind::Underpayment);
    assert_eq!(f[0].amount, dec!(355.84));
}

// ---- unpaid overtime -------------------------------------------------------------------

fn week_of_48h() -> serde_json::Value {
    // Monday 2025-03-03 to Saturday 2025-03-08: 5 × 9 h + 3 h = 48 h.
    json!([
        {"date": "2025-03-03", "hours": "9"},
        {"date": "2025-03-04", "hours": "9"},
        {"date": "2025-03-05", "hours": "9"},
        {"date": "2025-03-06", "hours": "9"},
        {"date": "2025-03-07", "hours": "9"},
        {"date": "2025-03-08", "hours": "3"}
    ])
}

#[test]
fn unpaid_hours_and_overtime_premium() {
    // Worked 48 h, paid 40 h at 11.88 (475.20, so no base shortfall).
    // Unpaid: 8 h × 11.88 = 95.04.
    // Overtime over 35 h: 13 h: 8 h × 11.88 × 25 % = 23.76; 5 h × 11.88 × 50 % = 29.70;
    // premium 53.46, none paid. Total 95.04 + 53.46 = 148.50 EUR.
    let w = worker(
        json!([slip("2025-03-01", "2025-03-31", "40", "475.20")]),
        week_of_48h(),
    );
    let r = check(&fr(), &w);
    assert!(of_kind(&r, FindingKind::Underpayment).is_empty());
    let f = of_kind(&r, FindingKind::UnpaidOvertime);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].amount, dec!(148.50));
    assert_eq!(f[0].rule.id, "fr-construction-2025/overtime@2016-08-10");
    assert_eq!(
        f[0].indicators,
        ["ilo11.withholding_of_wages", "ilo11.excessive_overtime"]
    );
    assert!(f[0].arithmetic.contains("8.00 h unpaid × 11.88 EUR/h"));
    assert!(
        f[0].arithmetic
            .contains("8.00 h × 11.88 EUR/h × 25% = 23.76 EUR")
    );
    assert!(
        f[0].arithmetic
            .contains("5.00 h × 11.88 EUR/h × 50% = 29.70 EUR")
    );
    // 48 h is the weekly maximum, not above it; 6 days are allowed.
    assert!(of_kind(&r, FindingKind::ExcessiveWeeklyHours).is_empty());
    assert!(of_kind(&r, FindingKind::TooManyWorkingDaysInWeek).is_empty());
}

#[test]
fn premium_paid_reduces_unpaid_overtime() {
    // Same week, all 48 h paid (48 × 11.88 = 570.24) plus 50.00 premium paid:
    // premium short = 53.46 − 50.00 = 3.46 EUR.
    let mut s = slip("2025-03-01", "2025-03-31", "48", "620.24");
    s["overtime_premium_paid"] = json!("50.00");
    let w = worker(json!([s]), week_of_48h());
    let r = check(&fr(), &w);
    assert!(of_kind(&r, FindingKind::Underpayment).is_empty());
    assert_eq!(
        of_kind(&r, FindingKind::UnpaidOvertime)[0].amount,
        dec!(3.46)
    );
    // Paying the full premium clears it.
    let mut s = slip("2025-03-01", "2025-03-31", "48", "623.70");
    s["overtime_premium_paid"] = json!("53.46");
    let w = worker(json!([s]), week_of_48h());
    assert!(of_kind(&check(&fr(), &w), FindingKind::UnpaidOvertime).is_empty());
}

#[test]
fn days_without_a_payslip_are_noted() {
    // March is covered; the two April days (8 + 6 = 14 h) are not.
    let w = worker(
        json!([slip("2025-03-01", "2025-03-31", "8", "95.04")]),
        json!([
            {"date": "2025-03-31", "hours": "8"},
            {"date": "2025-04-01", "hours": "8"},
            {"date": "2025-04-02", "hours": "6"}
        ]),
    );
    let r = check(&fr(), &w);
    assert!(
        r.notes
            .iter()
            .any(|n| n.starts_with("2025-04: 2 day(s), 14.00 h worked with no payslip")),
        "{:?}",
        r.notes
    );
    assert!(!r.notes.iter().any(|n| n.starts_with("2025-03:")));
}

#[test]
fn week_overtime_goes_to_the_period_holding_its_sunday() {
    // Week Mon 2025-03-31 .. Sun 2025-04-06: 38 h, 3 h of overtime. Sunday is in April,
    // so the premium (3 × 11.88 × 25 % = 8.91) is claimed on the April payslip only.
    let days = json!([
        {"date": "2025-03-31", "hours": "8"},
        {"date": "2025-04-01", "hours": "8"},
        {"date": "2025-04-02", "hours": "8"},
        {"date": "2025-04-03", "hours": "8"},
        {"date": "2025-04-04", "hours": "6"}
    ]);
    let w = worker(
        json!([
            slip("2025-03-01", "2025-03-31", "8", "95.04"),
            slip("2025-04-01", "2025-04-30", "30", "356.40")
        ]),
        days,
    );
    let r = check(&fr(), &w);
    let f = of_kind(&r, FindingKind::UnpaidOvertime);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].period, "2025-04-01/2025-04-30");
    assert_eq!(f[0].amount, dec!(8.91));
}

// ---- deductions and withheld wages -----------------------------------------------------

fn slip_with_deductions(deductions: serde_json::Value, net: &str) -> serde_json::Value {
    json!({
        "period_start": "2025-03-01", "period_end": "2025-03-31",
        "hours_paid": "151.67", "gross": "1801.80",
        "deductions": deductions, "net_paid": net
    })
}

#[test]
fn illegal_and_excessive_deductions() {
    // Recruitment fee 500.00: prohibited, all of it is owed.
    // Advance repayment 200.00: cap 10 % × 1801.80 = 180.18; excess 19.82.
    // Housing 300.00: allowed, no cap encoded: a note, no finding.
    let s = slip_with_deductions(
        json!([
            {"kind": "recruitment_fee", "amount": "500.00"},
            {"kind": "advance_repayment", "amount": "200.00"},
            {"kind": "housing", "amount": "300.00"},
            {"kind": "social_security_and_tax", "amount": "400.00"}
        ]),
        "401.80",
    );
    let r = check(&fr(), &worker(json!([s]), json!([])));
    let illegal = of_kind(&r, FindingKind::IllegalDeduction);
    assert_eq!(illegal.len(), 1);
    assert_eq!(illegal[0].amount, dec!(500.00));
    assert_eq!(
        illegal[0].rule.id,
        "fr-construction-2025/deduction/recruitment_fee"
    );
    assert!(illegal[0].rule.citation.contains("L5321-3"));
    assert_eq!(
        illegal[0].indicators,
        ["ilo11.debt_bondage", "ilo11.withholding_of_wages"]
    );
    let excessive = of_kind(&r, FindingKind::ExcessiveDeduction);
    assert_eq!(excessive.len(), 1);
    assert_eq!(excessive[0].amount, dec!(19.82));
    assert!(
        excessive[0]
            .arithmetic
            .contains("10% × 1801.80 EUR gross = 180.18 EUR")
    );
    assert!(r.notes.iter().any(|n| n.contains("`housing`")));
    // 1801.80 − 1400.00 = 401.80 net due = net paid: nothing withheld.
    assert!(of_kind(&r, FindingKind::WithheldWages).is_empty());
}

#[test]
fn be_fine_above_one_fifth() {
    // BE: fines capped at 20 % of gross (encoded): 20 % × 2500.00 = 500.00; a 600.00 fine
    // exceeds it by 100.00.
    let s = json!({
        "period_start": "2025-02-01", "period_end": "2025-02-28",
        "hours_paid": "140", "gross": "2500.00",
        "deductions": [{"kind": "fine", "amount": "600.00"}],
        "net_paid": "1900.00"
    });
    let r = check(&be(), &worker(json!([s]), json!([])));
    let f = of_kind(&r, FindingKind::ExcessiveDeduction);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].amount, dec!(100.00));
    assert_eq!(
        f[0].indicators,
        [
            "ilo11.withholding_of_wages",
            "ilo11.intimidation_and_threats"
        ]
    );
    assert!(!f[0].rule.verified);
    // 140 h × 17.849 = 2498.86 ≤ 2500.00: no underpayment.
    assert!(of_kind(&r, FindingKind::Underpayment).is_empty());
}

#[test]
fn withheld_wages_received_less() {
    // Gross 1801.80 − deductions (400.00 + 300.00) = 1101.80 net due; received 800.00;
    // withheld 301.80.
    let mut s = slip_with_deductions(
        json!([
            {"kind": "social_security_and_tax", "amount": "400.00"},
            {"kind": "housing", "amount": "300.00"}
        ]),
        "1101.80",
    );
    s["amount_received"] = json!("800.00");
    let r = check(&fr(), &worker(json!([s]), json!([])));
    let f = of_kind(&r, FindingKind::WithheldWages);
    assert_eq!(f[0].amount, dec!(301.80));
    assert_eq!(
        f[0].arithmetic,
        "gross 1801.80 − deductions 700.00 = 1101.80 EUR net due; payslip states 1101.80 EUR; \
         received 800.00 EUR; withheld 301.80 EUR"
    );
    assert_eq!(f[0].indicators, ["ilo11.withholding_of_wages"]);
}

#[test]
fn withheld_wages_unexplained_gap_on_payslip() {
    // Net due 1801.80 − 400.00 = 1401.80; payslip states 1300.00 and nothing else is
    // known about what was received: 101.80 withheld.
    let s = slip_with_deductions(
        json!([{"kind": "social_security_and_tax", "amount": "400.00"}]),
        "1300.00",
    );
    let r = check(&fr(), &worker(json!([s]), json!([])));
    assert_eq!(
        of_kind(&r, FindingKind::WithheldWages)[0].amount,
        dec!(101.80)
    );
}

// ---- debt -------------------------------------------------------------------------------

#[test]
fn debt_growth_across_payslips() {
    // 1000.00 → 1150.00 (+150.00) → 1100.00 (falls) → 1300.00 (+200.00).
    let mk = |s: &str, e: &str, debt: &str| {
        let mut p = slip(s, e, "151.67", "1801.80");
        p["debt_balance"] = json!(debt);
        p
    };
    // Given out of order on purpose: the check sorts by period.
    let w = worker(
        json!([
            mk("2025-03-01", "2025-03-31", "1100.00"),
            mk("2025-01-01", "2025-01-31", "1000.00"),
            mk("2025-02-01", "2025-02-28", "1150.00"),
            mk("2025-04-01", "2025-04-30", "1300.00")
        ]),
        json!([]),
    );
    let r = check(&fr(), &w);
    let f = of_kind(&r, FindingKind::DebtGrowth);
    assert_eq!(f.len(), 2);
    assert_eq!(
        (f[0].period.as_str(), f[0].amount),
        ("2025-02-01/2025-02-28", dec!(150.00))
    );
    assert_eq!(
        (f[1].period.as_str(), f[1].amount),
        ("2025-04-01/2025-04-30", dec!(200.00))
    );
    assert_eq!(f[0].indicators, ["ilo11.debt_bondage"]);
}

// ---- hours and rest --------------------------------------------------------------------

#[test]
fn daily_weekly_and_days_per_week() {
    // Week of 2025-03-03: Mon 12 h (2 h over 10), Tue–Sun 7 × … : 12 + 6 × 7 = 54 h,
    // 6 h over 48, and 7 working days (1 over 6).
    let days = json!([
        {"date": "2025-03-03", "hours": "12"},
        {"date": "2025-03-04", "hours": "7"},
        {"date": "2025-03-05", "hours": "7"},
        {"date": "2025-03-06", "hours": "7"},
        {"date": "2025-03-07", "hours": "7"},
        {"date": "2025-03-08", "hours": "7"},
        {"date": "2025-03-09", "hours": "7"}
    ]);
    let r = check(&fr(), &worker(json!([]), days));
    let d = of_kind(&r, FindingKind::ExcessiveDailyHours);
    assert_eq!(d.len(), 1);
    assert_eq!(
        (d[0].period.as_str(), d[0].amount),
        ("2025-03-03", dec!(2.00))
    );
    assert_eq!(d[0].unit.as_deref(), Some("h"));
    let wk = of_kind(&r, FindingKind::ExcessiveWeeklyHours);
    assert_eq!(wk.len(), 1);
    assert_eq!(wk[0].period, "2025-03-03/2025-03-09");
    assert_eq!(wk[0].amount, dec!(6.00));
    assert!(
        wk[0]
            .arithmetic
            .starts_with("12.00 + 7.00 + 7.00 + 7.00 + 7.00 + 7.00 + 7.00 = 54.00 h")
    );
    let n = of_kind(&r, FindingKind::TooManyWorkingDaysInWeek);
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].amount, dec!(7));
    assert_eq!(n[0].indicators, ["ilo11.excessive_overtime"]);
}

#[test]
fn be_limits_are_eleven_and_fifty() {
    // 11 h is allowed in Belgium; 11.5 h is 0.5 h over.
    let days = json!([
        {"date": "2025-03-03", "hours": "11"},
        {"date": "2025-03-04", "hours": "11.5"}
    ]);
    let r = check(&be(), &worker(json!([]), days));
    let d = of_kind(&r, FindingKind::ExcessiveDailyHours);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].amount, dec!(0.50));
}

#[test]
fn daily_rest_between_shifts() {
    // Shift ends 21:00 on 03-03, next starts 04:00 on 03-04: rest 7 h, 4 h short of 11.
    // Night shift 22:00–06:00 (03-05 → 03-06), next 14:00 on 03-06: rest 8 h, 3 h short.
    let days = json!([
        {"date": "2025-03-03", "hours": "10", "start": "07:00", "end": "21:00"},
        {"date": "2025-03-04", "hours": "8", "start": "04:00", "end": "12:00"},
        {"date": "2025-03-05", "hours": "8", "start": "22:00", "end": "06:00"},
        {"date": "2025-03-06", "hours": "8", "start": "14:00", "end": "22:00"}
    ]);
    let r = check(&fr(), &worker(json!([]), days));
    let f = of_kind(&r, FindingKind::InsufficientDailyRest);
    assert_eq!(f.len(), 2);
    assert_eq!(
        (f[0].period.as_str(), f[0].amount),
        ("2025-03-03/2025-03-04", dec!(4.00))
    );
    assert_eq!(
        (f[1].period.as_str(), f[1].amount),
        ("2025-03-05/2025-03-06", dec!(3.00))
    );
    // 03-04 12:00 → 03-05 22:00 is 34 h of rest: no finding for that pair.
}

// ---- documents ---------------------------------------------------------------------------

#[test]
fn missing_documents() {
    let w = worker_with(
        json!({
            "written_contract": false,
            "work_permit_required": true,
            "work_permit_present": false,
            "identity_documents_retained": true
        }),
        json!([]),
        json!([]),
    );
    let r = check(&fr(), &w);
    let kinds: Vec<FindingKind> = r.findings.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        [
            FindingKind::MissingWrittenContract,
            FindingKind::MissingWorkPermit,
            FindingKind::IdentityDocumentsRetained
        ]
    );
    assert_eq!(r.findings[0].period, "2024-01-08/..");
    assert_eq!(
        r.findings[2].indicators,
        ["ilo11.retention_of_identity_documents"]
    );
    // A permit that is not required is not missing.
    let w = worker_with(json!({"work_permit_present": false}), json!([]), json!([]));
    assert!(check(&fr(), &w).findings.is_empty());
}

#[test]
fn finding_serialises_amount_as_string() {
    let w = worker(
        json!([slip("2025-03-01", "2025-03-31", "100", "1000.00")]),
        json!([]),
    );
    let r = check(&fr(), &w);
    let v = serde_json::to_value(&r.findings[0]).unwrap();
    assert_eq!(v["amount"], json!("188.00"));
    assert_eq!(v["kind"], json!("underpayment"));
    assert_eq!(v["period"], json!("2025-03-01/2025-03-31"));
    assert_eq!(v["indicators"], json!(["ilo11.withholding_of_wages"]));
    assert_eq!(
        v["rule"]["id"],
        json!("fr-construction-2025/minimum_wage@2024-11-01")
    );
}

// ---- bad input ---------------------------------------------------------------------------

fn input_err(doc: serde_json::Value) -> InputError {
    WorkerRecord::from_json(&doc.to_string()).unwrap_err()
}

fn base_doc() -> serde_json::Value {
    json!({
        "contract": {"start_date": "2025-01-06", "weekly_hours": "35", "written_contract": true},
        "payslips": [slip("2025-03-01", "2025-03-31", "151.67", "1801.80")],
        "timesheets": [{"date": "2025-03-03", "hours": "7"}]
    })
}

fn field_of(e: &InputError) -> &str {
    match e {
        InputError::Field { field, .. } => field,
        other => panic!("expected a field error, got {other:?}"),
    }
}

#[test]
fn bad_input_names_the_field() {
    let mut d = base_doc();
    d["timesheets"][0]["hours"] = json!("-3");
    let e = input_err(d);
    assert_eq!(field_of(&e), "timesheets[0].hours");
    assert!(e.to_string().contains("negative"));

    let mut d = base_doc();
    d["timesheets"][0]["hours"] = json!("25");
    assert_eq!(field_of(&input_err(d)), "timesheets[0].hours");

    let mut d = base_doc();
    d["payslips"][0]["period_end"] = json!("2025-02-01");
    let e = input_err(d);
    assert_eq!(field_of(&e), "payslips[0].period_end");
    assert!(e.to_string().contains("before"));

    let mut d = base_doc();
    d["payslips"][0]["gross"] = json!("12,50");
    assert_eq!(field_of(&input_err(d)), "payslips[0].gross");

    let mut d = base_doc();
    d["payslips"][0]["gross"] = json!("1e3");
    assert_eq!(field_of(&input_err(d)), "payslips[0].gross");

    let mut d = base_doc();
    d["contract"].as_object_mut().unwrap().remove("start_date");
    let e = input_err(d);
    assert_eq!(field_of(&e), "contract.start_date");
    assert!(e.to_string().contains("missing"));

    let mut d = base_doc();
    d["payslips"][0]["grosss"] = json!("1");
    assert_eq!(field_of(&input_err(d)), "payslips[0].grosss");

    let mut d = base_doc();
    d["payslips"][0]["deductions"] = json!([{"kind": "bribe", "amount": "1"}]);
    assert_eq!(field_of(&input_err(d)), "payslips[0].deductions[0].kind");

    let mut d = base_doc();
    d["contract"]["written_contract"] = json!("yes");
    assert_eq!(field_of(&input_err(d)), "contract.written_contract");

    let mut d = base_doc();
    d["payslips"][0]["gross"] = json!("99999999999999999999");
    let e = input_err(d);
    assert_eq!(field_of(&e), "payslips[0].gross");
    assert!(e.to_string().contains("too large"));

    let mut d = base_doc();
    d["timesheets"][0]["date"] = json!("9999-12-31");
    assert_eq!(field_of(&input_err(d)), "timesheets[0].date");

    let mut d = base_doc();
    d["timesheets"][0]["start"] = json!("7am");
    assert_eq!(field_of(&input_err(d)), "timesheets[0].start");
}

#[test]
fn bad_input_across_records() {
    let mut d = base_doc();
    d["payslips"] = json!([
        slip("2025-03-01", "2025-03-31", "1", "1"),
        slip("2025-03-15", "2025-04-14", "1", "1")
    ]);
    assert_eq!(field_of(&input_err(d)), "payslips[1].period_start");

    let mut d = base_doc();
    d["timesheets"] = json!([
        {"date": "2025-03-03", "hours": "7"},
        {"date": "2025-03-03", "hours": "2"}
    ]);
    assert_eq!(field_of(&input_err(d)), "timesheets[1].date");

    let mut d = base_doc();
    d["timesheets"] =
        json!([{"date": "2025-03-03", "hours": "9", "start": "08:00", "end": "12:00"}]);
    assert_eq!(field_of(&input_err(d)), "timesheets[0].hours");

    // Night shift 22:00–06:00 overlaps a shift starting 05:00 the next day.
    let mut d = base_doc();
    d["timesheets"] = json!([
        {"date": "2025-03-04", "hours": "4", "start": "05:00", "end": "09:00"},
        {"date": "2025-03-03", "hours": "8", "start": "22:00", "end": "06:00"}
    ]);
    assert_eq!(field_of(&input_err(d)), "timesheets[0].start");
}

#[test]
fn malformed_json_gives_line_and_column() {
    match WorkerRecord::from_json("{\n  \"contract\": {,\n}") {
        Err(InputError::Json { line, .. }) => assert_eq!(line, 2),
        other => panic!("expected JSON error, got {other:?}"),
    }
}

#[test]
fn numbers_are_read_from_their_decimal_text() {
    let mut d = base_doc();
    d["payslips"][0]["gross"] = json!(1801.8);
    let w = WorkerRecord::from_json(&d.to_string()).unwrap();
    assert_eq!(w.payslips[0].gross, dec!(1801.80));
}

// ---- CSV ---------------------------------------------------------------------------------

#[test]
fn csv_payslips_and_timesheets() {
    let csv = "period_start,period_end,hours_paid,gross,net_paid,amount_received,debt_balance,deduction_housing,deduction_recruitment_fee\n\
               2025-03-01,2025-03-31,151.67,1500.00,1000.00,900.00,2000.00,300.00,200.00\n\
               2025-04-01,2025-04-30,151.67,1801.80,1501.80,,,300.00,\n";
    let slips = payslips_from_csv(csv).unwrap();
    assert_eq!(slips.len(), 2);
    assert_eq!(slips[0].deductions.len(), 2);
    assert_eq!(slips[0].amount_received, Some(dec!(900.00)));
    assert_eq!(slips[1].deductions.len(), 1);
    assert_eq!(slips[1].debt_balance, None);

    let ts = "date,hours,start,end\n2025-03-03,9,07:00,17:00\n2025-03-04,8,,\n";
    let days = timesheets_from_csv(ts).unwrap();
    assert_eq!(days.len(), 2);
    assert_eq!(days[1].start, None);

    let mut w = worker(json!([]), json!([]));
    w.add_payslips(slips).unwrap();
    w.add_timesheets(days).unwrap();
    let r = check(&fr(), &w);
    // March: 151.67 h (35 h/week) × 11.88 = 1801.80 due; 1500.00 paid → 301.80.
    assert_eq!(
        of_kind(&r, FindingKind::Underpayment)[0].amount,
        dec!(301.80)
    );
    // March: recruitment fee 200.00 illegal.
    assert_eq!(
        of_kind(&r, FindingKind::IllegalDeduction)[0].amount,
        dec!(200.00)
    );
    // March: 1500.00 − 500.00 = 1000.00 due, 900.00 received → 100.00 withheld.
    assert_eq!(
        of_kind(&r, FindingKind::WithheldWages)[0].amount,
        dec!(100.00)
    );
}

#[test]
fn csv_errors_name_line_and_column() {
    let bad_row = "date,hours\n2025-03-03,9\n2025-03-04,8,extra\n";
    match timesheets_from_csv(bad_row) {
        Err(InputError::Csv { line, message, .. }) => {
            assert_eq!(line, 3);
            assert!(message.contains("3 fields"), "{message}");
        }
        other => panic!("expected CSV error, got {other:?}"),
    }
    let negative = "date,hours\n2025-03-03,9\n2025-03-04,-8\n";
    assert_eq!(
        timesheets_from_csv(negative).unwrap_err(),
        InputError::Csv {
            line: 3,
            column: "hours".to_owned(),
            message: "-8 is negative".to_owned()
        }
    );
    let bad_date = "date,hours\n03/03/2025,9\n";
    match timesheets_from_csv(bad_date) {
        Err(InputError::Csv { line, column, .. }) => {
            assert_eq!((line, column.as_str()), (2, "date"))
        }
        other => panic!("expected CSV error, got {other:?}"),
    }
    let order = "period_start,period_end,hours_paid,gross,net_paid\n2025-03-31,2025-03-01,1,1,1\n";
    match payslips_from_csv(order) {
        Err(InputError::Csv { line, column, .. }) => {
            assert_eq!((line, column.as_str()), (2, "period_end"))
        }
        other => panic!("expected CSV error, got {other:?}"),
    }
    let missing_col = "period_start,period_end,hours_paid,gross\n";
    match payslips_from_csv(missing_col) {
        Err(InputError::Csv { column, .. }) => assert_eq!(column, "net_paid"),
        other => panic!("expected CSV error, got {other:?}"),
    }
    let bad_kind = "period_start,period_end,hours_paid,gross,net_paid,deduction_bribe\n2025-03-01,2025-03-31,1,1,1,5\n";
    match payslips_from_csv(bad_kind) {
        Err(InputError::Csv { column, .. }) => assert_eq!(column, "deduction_bribe"),
        other => panic!("expected CSV error, got {other:?}"),
    }
}

// ---- properties --------------------------------------------------------------------------

mod props {
    use super::*;
    use proptest::prelude::*;

    fn day_2024_2026() -> impl Strategy<Value = time::Date> {
        (0i64..(365 * 3)).prop_map(|n| date!(2024 - 01 - 01) + time::Duration::days(n))
    }

    fn money() -> impl Strategy<Value = Decimal> {
        (1i64..1_000_000).prop_map(|c| Decimal::new(c, 2))
    }

    fn payslip(day: time::Date, hours: Decimal, gross: Decimal) -> Payslip {
        Payslip {
            period_start: day,
            period_end: day,
            hours_paid: hours,
            gross,
            overtime_premium_paid: Decimal::ZERO,
            deductions: vec![],
            net_paid: gross,
            amount_received: None,
            debt_balance: None,
        }
    }

    fn record(payslips: Vec<Payslip>, timesheets: Vec<TimesheetEntry>) -> WorkerRecord {
        WorkerRecord {
            contract: Contract {
                start_date: date!(2024 - 01 - 01),
                hourly_wage: None,
                monthly_wage: None,
                weekly_hours: dec!(35),
                grade: None,
                written_contract: true,
                work_permit_required: false,
                work_permit_present: false,
                identity_documents_retained: false,
            },
            payslips,
            timesheets,
        }
    }

    proptest! {
        #[test]
        fn paying_exactly_the_minimum_never_flags_underpayment(
            day in day_2024_2026(),
            centi_hours in 0i64..30_000,
        ) {
            let rules = fr();
            let hours = Decimal::new(centi_hours, 2);
            let rate = rules.minimum_wage_on(day).unwrap().hourly;
            let gross = (hours * rate).round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
            let r = check(&rules, &record(vec![payslip(day, hours, gross)], vec![]));
            prop_assert!(of_kind(&r, FindingKind::Underpayment).is_empty());
            // And one cent less is always flagged when anything is due, except for the
            // monthly schedule 151.67 h, where the exact 151.666… h basis is used.
            if gross > Decimal::ZERO && centi_hours != 15_167 {
                let r = check(&rules, &record(vec![payslip(day, hours, gross - dec!(0.01))], vec![]));
                prop_assert_eq!(of_kind(&r, FindingKind::Underpayment).len(), 1);
            }
        }

        #[test]
        fn adding_an_illegal_deduction_always_flags_it(
            day in day_2024_2026(),
            gross in money(),
            fee in money(),
            kind in prop::sample::select(vec![DeductionKind::RecruitmentFee, DeductionKind::Fine, DeductionKind::Equipment]),
        ) {
            let mut p = payslip(day, Decimal::ZERO, gross);
            p.deductions.push(Deduction { kind, amount: fee });
            let r = check(&fr(), &record(vec![p], vec![]));
            let f = of_kind(&r, FindingKind::IllegalDeduction);
            prop_assert_eq!(f.len(), 1);
            prop_assert_eq!(f[0].amount, fee);
        }

        #[test]
        fn deductions_within_the_cap_are_never_flagged(gross in money(), permille in 0i64..=100) {
            // FR advance repayments: cap 10 % of gross. Any amount up to the cap passes;
            // one cent above it is flagged for exactly one cent.
            let cap = (gross * dec!(0.10)).round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
            let amount = (cap * Decimal::new(permille, 2)).round_dp_with_strategy(2, rust_decimal::RoundingStrategy::ToZero);
            let mut p = payslip(date!(2025 - 03 - 01), Decimal::ZERO, gross);
            p.deductions.push(Deduction { kind: DeductionKind::AdvanceRepayment, amount });
            let r = check(&fr(), &record(vec![p.clone()], vec![]));
            prop_assert!(of_kind(&r, FindingKind::ExcessiveDeduction).is_empty());
            p.deductions[0].amount = cap + dec!(0.01);
            let r = check(&fr(), &record(vec![p], vec![]));
            let f = of_kind(&r, FindingKind::ExcessiveDeduction);
            prop_assert_eq!(f.len(), 1);
            prop_assert_eq!(f[0].amount, dec!(0.01));
        }

        #[test]
        fn debt_growth_is_flagged_exactly_when_debt_rises(a in money(), b in money()) {
            let mut p1 = payslip(date!(2025 - 01 - 01), Decimal::ZERO, Decimal::ZERO);
            p1.debt_balance = Some(a);
            let mut p2 = payslip(date!(2025 - 02 - 01), Decimal::ZERO, Decimal::ZERO);
            p2.debt_balance = Some(b);
            let r = check(&fr(), &record(vec![p1, p2], vec![]));
            let f = of_kind(&r, FindingKind::DebtGrowth);
            if b > a {
                prop_assert_eq!(f.len(), 1);
                prop_assert_eq!(f[0].amount, b - a);
            } else {
                prop_assert!(f.is_empty());
            }
        }

        #[test]
        fn weekly_excess_is_the_sum_over_48(hours in prop::collection::vec(0i64..=1000, 7)) {
            // Seven days of one week, each 0..10.00 h (never over the daily maximum).
            let monday = date!(2025 - 03 - 03);
            let days: Vec<TimesheetEntry> = hours.iter().enumerate().map(|(i, h)| TimesheetEntry {
                date: monday + time::Duration::days(i as i64),
                hours: Decimal::new(*h, 2),
                start: None,
                end: None,
            }).collect();
            let total: Decimal = days.iter().map(|d| d.hours).sum();
            let r = check(&fr(), &record(vec![], days));
            let f = of_kind(&r, FindingKind::ExcessiveWeeklyHours);
            if total > dec!(48) {
                prop_assert_eq!(f.len(), 1);
                prop_assert_eq!(f[0].amount, total - dec!(48));
            } else {
                prop_assert!(f.is_empty());
            }
            prop_assert!(of_kind(&r, FindingKind::ExcessiveDailyHours).is_empty());
        }
    }
}
