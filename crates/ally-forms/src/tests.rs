#![allow(clippy::unwrap_used)]

use super::*;
use ally_core::questionnaire::{BUILTIN_IDS, Item, QuestionKind};

fn screening() -> Screening {
    Screening::builtin().unwrap()
}

/// A workbook from sheets given as rows of cells (first row = header).
fn workbook(sheets: &[(&str, &[&[&str]])]) -> Vec<u8> {
    let mut wb = Workbook::new();
    for (name, rows) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    ws.write_string(r as u32, c as u16, *v).unwrap();
                }
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

const SETTINGS_OK: &[&[&str]] = &[
    &["form_title", "form_id", "version", "default_language"],
    &["Org questions", "org_form", "3", "English (en)"],
];
const CHOICES_OK: &[&[&str]] = &[
    &["list_name", "name", "label::English (en)"],
    &["yes_no", "yes", "Yes"],
    &["yes_no", "no", "No"],
    &["yes_no", "declined", "Prefer not to say"],
];

fn import_survey(survey: &[&[&str]]) -> Result<Questionnaire, ImportError> {
    import_xlsform(&workbook(&[
        ("survey", survey),
        ("choices", CHOICES_OK),
        ("settings", SETTINGS_OK),
    ]))
}

fn cell_error(e: ImportError) -> (String, u32, String, String) {
    match e {
        ImportError::Cell {
            sheet,
            row,
            column,
            message,
        } => (sheet, row, column, message),
        other => panic!("expected a cell error, got {other:?}"),
    }
}

#[test]
fn every_default_questionnaire_round_trips() {
    let s = screening();
    for id in BUILTIN_IDS {
        let q = Questionnaire::builtin(id, &s).unwrap();
        let bytes = export_xlsform(&q).unwrap();
        let back = import_xlsform_with(&bytes, &s).unwrap();
        assert_eq!(back, q, "{id}");
    }
}

#[test]
fn translations_and_reviewed_flags_round_trip() {
    let s = screening();
    let mut q = Questionnaire::builtin("first_contact", &s).unwrap();
    // A partial French translation: one string reviewed, one not, the rest missing.
    assert!(q.review_translation(
        "fc_can_leave.label",
        "fr",
        Some("Pouvez-vous partir quand vous voulez ?")
    ));
    q.title.set("fr", "Premier contact", false);
    q.choice_lists[0].choices[0].label.set("ar", "نعم", false);
    let bytes = export_xlsform(&q).unwrap();
    let back = import_xlsform_with(&bytes, &s).unwrap();
    assert_eq!(back, q);
    assert!(
        back.question("fc_can_leave")
            .unwrap()
            .label
            .is_reviewed("fr")
    );
    assert!(!back.title.is_reviewed("fr"));
    assert!(back.title.is_reviewed("en"));
    assert_eq!(back.languages.len(), 12);
    assert!(back.unreviewed("fr").len() + 1 == back.texts().len());
}

#[test]
fn a_form_made_elsewhere_imports_unreviewed_with_its_complete_languages() {
    let q = import_survey(&[
        &[
            "type",
            "name",
            "label",
            "label::French (fr)",
            "hint",
            "relevant",
            "ally_indicators",
        ],
        &[
            "select_one yes_no",
            "leave",
            "Can you leave?",
            "Pouvez-vous partir ?",
            "",
            "",
            "ilo11.restriction_of_movement=no|yes",
        ],
        &[
            "begin group",
            "more",
            "More",
            "Plus",
            "",
            "${leave} = 'no'",
            "",
        ],
        &["integer", "days", "How many days?", "", "Days.", "", ""],
        &["end group", "", "", "", "", "", ""],
    ])
    .unwrap();
    assert_eq!(q.id, "org_form");
    assert_eq!(q.version, "3");
    assert_eq!(q.languages, vec!["en"]);
    assert_eq!(q.items.len(), 2);
    let Item::Group(g) = &q.items[1] else {
        panic!()
    };
    let Item::Question(days) = &g.items[0] else {
        panic!()
    };
    assert_eq!(days.kind, QuestionKind::Integer);
    assert_eq!(days.hint.get("en"), Some("Days."));
    let leave = q.question("leave").unwrap();
    assert_eq!(leave.label.get("fr"), Some("Pouvez-vous partir ?"));
    assert!(!leave.label.is_reviewed("en"));
    assert_eq!(
        leave.indicators[0].indicator_id,
        "ilo11.restriction_of_movement"
    );
}

#[test]
fn unknown_type_names_sheet_row_and_column() {
    let e = import_survey(&[
        &["type", "name", "label::English (en)"],
        &["note", "n", "Hello"],
        &["geopoint", "where", "Where are you?"],
    ])
    .unwrap_err();
    let (sheet, row, column, message) = cell_error(e.clone());
    assert_eq!(
        (sheet.as_str(), row, column.as_str()),
        ("survey", 3, "A (type)")
    );
    assert!(message.contains("unknown type \"geopoint\""), "{message}");
    assert!(
        e.to_string()
            .starts_with("sheet survey, row 3, column A (type): ")
    );
    // Repeats are not supported either.
    let e = import_survey(&[
        &["type", "name", "label::English (en)"],
        &["begin_repeat", "r", "Repeat"],
    ])
    .unwrap_err();
    assert_eq!(cell_error(e).1, 2);
}

#[test]
fn bad_relevant_names_the_cell_and_the_expression() {
    let e = import_survey(&[
        &["type", "name", "label::English (en)", "relevant"],
        &["select_one yes_no", "a", "A?", ""],
        &["select_one yes_no", "b", "B?", "count-selected(${a}) > 0"],
    ])
    .unwrap_err();
    let (sheet, row, column, message) = cell_error(e);
    assert_eq!(
        (sheet.as_str(), row, column.as_str()),
        ("survey", 3, "D (relevant)")
    );
    assert!(message.contains("count-selected(${a}) > 0"), "{message}");
    // A reference to a later question.
    let e = import_survey(&[
        &["type", "name", "label::English (en)", "relevant"],
        &["select_one yes_no", "a", "A?", "${b} = 'yes'"],
        &["select_one yes_no", "b", "B?", ""],
    ])
    .unwrap_err();
    let (_, row, column, message) = cell_error(e);
    assert_eq!((row, column.as_str()), (2, "D (relevant)"));
    assert!(message.contains("not asked before"), "{message}");
}

#[test]
fn unknown_indicator_id_names_the_cell() {
    let e = import_survey(&[
        &["type", "name", "label::English (en)", "ally_indicators"],
        &["select_one yes_no", "a", "A?", "ilo11.isolation=no|yes"],
        &[
            "select_one yes_no",
            "b",
            "B?",
            "adult_labour.L_EXP_01=yes|no",
        ],
    ])
    .unwrap_err();
    let (sheet, row, column, message) = cell_error(e);
    assert_eq!(
        (sheet.as_str(), row, column.as_str()),
        ("survey", 3, "D (ally_indicators)")
    );
    assert!(
        message.contains("unknown indicator id \"adult_labour.L_EXP_01\""),
        "{message}"
    );
    // A choice the list does not have.
    let e = import_survey(&[
        &["type", "name", "label::English (en)", "ally_indicators"],
        &["select_one yes_no", "a", "A?", "ilo11.isolation=maybe"],
    ])
    .unwrap_err();
    assert!(cell_error(e).3.contains("unknown choice \"maybe\""));
}

#[test]
fn missing_sheet_or_column_and_unsupported_columns_are_errors() {
    let e = import_xlsform(&workbook(&[
        ("choices", CHOICES_OK),
        ("settings", SETTINGS_OK),
    ]))
    .unwrap_err();
    assert_eq!(
        e,
        ImportError::MissingSheet {
            sheet: "survey".into()
        }
    );
    let e = import_xlsform(&workbook(&[
        ("survey", &[&["type", "name"]]),
        ("choices", CHOICES_OK),
    ]))
    .unwrap_err();
    assert_eq!(
        e,
        ImportError::MissingSheet {
            sheet: "settings".into()
        }
    );
    let e = import_survey(&[&["type", "label::English (en)"], &["note", "Hi"]]).unwrap_err();
    assert_eq!(
        e,
        ImportError::MissingColumn {
            sheet: "survey".into(),
            column: "name".into()
        }
    );
    let e = import_survey(&[
        &["type", "name", "label::English (en)", "constraint"],
        &["integer", "n", "N?", ""],
        &["integer", "m", "M?", ". > 0"],
    ])
    .unwrap_err();
    let (_, row, column, message) = cell_error(e);
    assert_eq!((row, column.as_str()), (3, "D (constraint)"));
    assert!(message.contains("unsupported column \"constraint\""));
    // An empty unsupported column is harmless.
    import_survey(&[
        &["type", "name", "label::English (en)", "appearance"],
        &["integer", "n", "N?", ""],
    ])
    .unwrap();
    assert!(matches!(
        import_xlsform(b"not a spreadsheet"),
        Err(ImportError::NotXlsx(_))
    ));
}

#[test]
fn duplicate_names_and_missing_translations_name_the_cell() {
    let e = import_survey(&[
        &["type", "name", "label::English (en)"],
        &["text", "a", "A?"],
        &["text", "a", "Again?"],
    ])
    .unwrap_err();
    assert_eq!(cell_error(e).1, 3);
    // Declared complete in French, but one French label is missing.
    let settings: &[&[&str]] = &[
        &[
            "form_title",
            "form_id",
            "version",
            "default_language",
            "ally_languages",
            "ally_title::French (fr)",
        ],
        &["Org", "org_form", "1", "English (en)", "en fr", "Org"],
    ];
    let choices: &[&[&str]] = &[
        &[
            "list_name",
            "name",
            "label::English (en)",
            "label::French (fr)",
        ],
        &["yes_no", "yes", "Yes", "Oui"],
        &["yes_no", "no", "No", "Non"],
    ];
    let survey: &[&[&str]] = &[
        &["type", "name", "label::English (en)", "label::French (fr)"],
        &["text", "a", "A?", "A ?"],
        &["select_one yes_no", "b", "B?", ""],
    ];
    let e = import_xlsform(&workbook(&[
        ("survey", survey),
        ("choices", choices),
        ("settings", settings),
    ]))
    .unwrap_err();
    let (sheet, row, column, message) = cell_error(e);
    assert_eq!(
        (sheet.as_str(), row, column.as_str()),
        ("survey", 3, "D (label::French (fr))")
    );
    assert!(message.contains("missing translation"), "{message}");
}

#[test]
fn column_letters() {
    assert_eq!(column_letter(0), "A");
    assert_eq!(column_letter(25), "Z");
    assert_eq!(column_letter(26), "AA");
    assert_eq!(column_letter(27), "AB");
    assert_eq!(column_letter(701), "ZZ");
    assert_eq!(column_letter(702), "AAA");
}

#[test]
fn exported_sheets_use_xlsform_headers_and_cells() {
    let s = screening();
    let q = Questionnaire::builtin("first_contact", &s).unwrap();
    let bytes = export_xlsform(&q).unwrap();
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    assert_eq!(wb.sheet_names(), ["survey", "choices", "settings"]);
    let survey = Sheet::from_range("survey", &wb.worksheet_range("survey").unwrap());
    for h in [
        "type",
        "name",
        "label::English (en)",
        "label::Tigrinya (ti)",
        "hint::Arabic (ar)",
        "relevant",
        "required",
        "ally_indicators",
        "ally_reviewed::French (fr)",
    ] {
        assert!(survey.col(h).is_some(), "{h}");
    }
    let row = |name: &str| {
        survey
            .rows
            .iter()
            .find(|(_, cells)| get(cells, survey.col("name")) == name)
            .map(|(_, cells)| cells.clone())
            .unwrap()
    };
    let papers = row("fc_papers_truth");
    assert_eq!(get(&papers, survey.col("type")), "select_one yes_no");
    assert_eq!(
        get(&papers, survey.col("relevant")),
        "${fc_migrated} = 'yes'"
    );
    assert_eq!(
        get(&papers, survey.col("ally_indicators")),
        "adult_labour.deceptive_recruitment.deceived_about_legal_status=no|yes ilo11.deception=no|yes"
    );
    assert_eq!(
        get(&papers, survey.col("ally_reviewed::English (en)")),
        "label"
    );
    assert_eq!(get(&papers, survey.col("ally_reviewed::French (fr)")), "");
    let settings = Sheet::from_range("settings", &wb.worksheet_range("settings").unwrap());
    let cells = &settings.rows[0].1;
    assert_eq!(get(cells, settings.col("form_id")), "first_contact");
    assert_eq!(get(cells, settings.col("default_language")), "English (en)");
    let choices = Sheet::from_range("choices", &wb.worksheet_range("choices").unwrap());
    assert_eq!(choices.rows.len(), 4);
    assert_eq!(get(&choices.rows[3].1, choices.col("name")), "declined");
}
