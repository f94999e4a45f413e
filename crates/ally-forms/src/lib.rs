//! Questionnaire interop (issue 4): export and import questionnaires as XLSForm, the
//! spreadsheet format of ODK and KoboToolbox.
//!
//! Sheets and columns written and read:
//! - `survey`: `type`, `name`, `label::<Language> (<code>)`, `hint::<Language> (<code>)`,
//!   `relevant`, `required`, `ally_indicators` (space-separated
//!   `indicator_id=yes_choices|no_choices`), `ally_reviewed::<Language> (<code>)` (which of
//!   `label`, `hint` a human has reviewed in that language).
//! - `choices`: `list_name`, `name`, `label::...`, `ally_reviewed::...`.
//! - `settings`: `form_title` (default language), `form_id`, `version`,
//!   `default_language`, `ally_languages` (the languages the form is complete in),
//!   `ally_title::<Language> (<code>)` (title in other languages), `ally_reviewed::...`
//!   (`title` when reviewed).
//!
//! Supported types: `select_one L`, `select_multiple L`, `text`, `integer`, `date`, `note`,
//! `begin_group`/`end_group`; `relevant` in the subset of
//! `ally_core::questionnaire::Condition`. Anything else (another type, a non-empty
//! `constraint`, `calculation`, `choice_filter`, ... column) is refused with an error that
//! names the sheet, the row and the column. Import is a pure function: it returns a whole,
//! validated questionnaire or an error, never part of one. Without `ally_reviewed`
//! columns (a form made elsewhere) every string is imported as not reviewed.

use std::collections::{BTreeSet, HashMap};
use std::io::Cursor;

use ally_core::questionnaire::{
    Choice, ChoiceList, FlatField, FlatItem, Questionnaire, QuestionnaireError, REQUIRED_LANGUAGES,
    Text, items_from_flat, items_to_flat, language_name,
};
use ally_core::screening::Screening;
use calamine::{Data, Range, Reader, Xlsx, open_workbook_from_rs};
use rust_xlsxwriter::{Workbook, XlsxError};
use thiserror::Error;

pub const SURVEY: &str = "survey";
pub const CHOICES: &str = "choices";
pub const SETTINGS: &str = "settings";

/// Writing the workbook failed (should not happen for a valid questionnaire).
#[derive(Debug, Error)]
#[error("could not write the XLSForm workbook: {0}")]
pub struct ExportError(#[from] XlsxError);

/// Why a workbook could not be imported. Cell errors name the sheet, the row (1-based, as
/// a spreadsheet shows it) and the column (letter and header).
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum ImportError {
    #[error("not a readable .xlsx workbook: {0}")]
    NotXlsx(String),
    #[error("the workbook has no sheet \"{sheet}\"")]
    MissingSheet { sheet: String },
    #[error("sheet {sheet}: missing column \"{column}\"")]
    MissingColumn { sheet: String, column: String },
    #[error("sheet {sheet}, row {row}, column {column}: {message}")]
    Cell {
        sheet: String,
        row: u32,
        /// Letter and header, e.g. `F (relevant)`.
        column: String,
        message: String,
    },
    #[error("sheet {sheet}: {message}")]
    Sheet { sheet: String, message: String },
    #[error("the indicator catalogue could not be loaded: {0}")]
    Catalogue(String),
}

fn lang_header(prefix: &str, code: &str) -> String {
    format!("{prefix}::{} ({code})", language_name(code).unwrap_or(code))
}

/// Every language any string of the questionnaire has, the declared ones first.
fn all_languages(q: &Questionnaire) -> Vec<String> {
    let mut set: BTreeSet<String> = BTreeSet::new();
    for (_, t) in q.texts() {
        set.extend(t.0.keys().cloned());
    }
    let mut langs: Vec<String> = set.into_iter().collect();
    langs.sort_by_key(|l| {
        (
            REQUIRED_LANGUAGES
                .iter()
                .position(|r| r == l)
                .unwrap_or(usize::MAX),
            l.clone(),
        )
    });
    langs
}

fn reviewed_cell(fields: &[(&str, &Text)], lang: &str) -> String {
    fields
        .iter()
        .filter(|(_, t)| t.is_reviewed(lang))
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Write a questionnaire as an XLSForm workbook (.xlsx bytes).
pub fn export_xlsform(q: &Questionnaire) -> Result<Vec<u8>, ExportError> {
    let langs = all_languages(q);
    let mut wb = Workbook::new();

    // survey
    let mut header: Vec<String> = vec!["type".into(), "name".into()];
    header.extend(langs.iter().map(|l| lang_header("label", l)));
    header.extend(langs.iter().map(|l| lang_header("hint", l)));
    header.extend(["relevant", "required", "ally_indicators"].map(String::from));
    header.extend(langs.iter().map(|l| lang_header("ally_reviewed", l)));
    let ws = wb.add_worksheet();
    ws.set_name(SURVEY)?;
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, h)?;
    }
    for (r, row) in items_to_flat(&q.items).iter().enumerate() {
        let mut cells: Vec<String> = vec![row.kind.clone(), row.name.clone()];
        cells.extend(
            langs
                .iter()
                .map(|l| row.label.get(l).unwrap_or("").to_string()),
        );
        cells.extend(
            langs
                .iter()
                .map(|l| row.hint.get(l).unwrap_or("").to_string()),
        );
        cells.push(row.relevant.clone().unwrap_or_default());
        cells.push(if row.required {
            "yes".into()
        } else {
            String::new()
        });
        cells.push(row.indicators.clone().unwrap_or_default());
        cells.extend(
            langs
                .iter()
                .map(|l| reviewed_cell(&[("label", &row.label), ("hint", &row.hint)], l)),
        );
        for (c, v) in cells.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r as u32 + 1, c as u16, v)?;
            }
        }
    }

    // choices
    let mut header: Vec<String> = vec!["list_name".into(), "name".into()];
    header.extend(langs.iter().map(|l| lang_header("label", l)));
    header.extend(langs.iter().map(|l| lang_header("ally_reviewed", l)));
    let ws = wb.add_worksheet();
    ws.set_name(CHOICES)?;
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, h)?;
    }
    let mut r = 1u32;
    for list in &q.choice_lists {
        for choice in &list.choices {
            let mut cells: Vec<String> = vec![list.name.clone(), choice.name.clone()];
            cells.extend(
                langs
                    .iter()
                    .map(|l| choice.label.get(l).unwrap_or("").to_string()),
            );
            cells.extend(
                langs
                    .iter()
                    .map(|l| reviewed_cell(&[("label", &choice.label)], l)),
            );
            for (c, v) in cells.iter().enumerate() {
                if !v.is_empty() {
                    ws.write_string(r, c as u16, v)?;
                }
            }
            r += 1;
        }
    }

    // settings
    let others: Vec<&String> = langs.iter().filter(|l| **l != q.default_language).collect();
    let mut header: Vec<String> = [
        "form_title",
        "form_id",
        "version",
        "default_language",
        "ally_languages",
    ]
    .map(String::from)
    .to_vec();
    let mut cells: Vec<String> = vec![
        q.title.get(&q.default_language).unwrap_or("").to_string(),
        q.id.clone(),
        q.version.clone(),
        format!(
            "{} ({})",
            language_name(&q.default_language).unwrap_or(&q.default_language),
            q.default_language
        ),
        q.languages.join(" "),
    ];
    for l in &others {
        header.push(lang_header("ally_title", l));
        cells.push(q.title.get(l).unwrap_or("").to_string());
    }
    for l in &langs {
        header.push(lang_header("ally_reviewed", l));
        cells.push(reviewed_cell(&[("title", &q.title)], l));
    }
    let ws = wb.add_worksheet();
    ws.set_name(SETTINGS)?;
    for (c, (h, v)) in header.iter().zip(&cells).enumerate() {
        ws.write_string(0, c as u16, h)?;
        if !v.is_empty() {
            ws.write_string(1, c as u16, v)?;
        }
    }
    Ok(wb.save_to_buffer()?)
}

// ------------------------------------------------------------------------------ import

fn column_letter(mut index: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    s.reverse();
    String::from_utf8_lossy(&s).into_owned()
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Bool(b) => if *b { "true" } else { "false" }.to_string(),
        other => other.to_string(),
    }
}

/// One sheet as header + rows of strings, with positions for error messages.
struct Sheet {
    name: &'static str,
    header: Vec<String>,
    /// (spreadsheet row number, cells)
    rows: Vec<(u32, Vec<String>)>,
    first_col: usize,
}

impl Sheet {
    fn from_range(name: &'static str, range: &Range<Data>) -> Sheet {
        let (r0, c0) = range.start().unwrap_or((0, 0));
        let mut rows = range.rows().enumerate().map(|(i, cells)| {
            (
                r0 + i as u32 + 1,
                cells.iter().map(cell_text).collect::<Vec<_>>(),
            )
        });
        let header = rows
            .next()
            .map(|(_, h)| h.into_iter().map(|s| s.trim().to_string()).collect())
            .unwrap_or_default();
        let rows = rows
            .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()))
            .collect();
        Sheet {
            name,
            header,
            rows,
            first_col: c0 as usize,
        }
    }

    fn col(&self, header: &str) -> Option<usize> {
        self.header.iter().position(|h| h == header)
    }

    fn require(&self, header: &str) -> Result<usize, ImportError> {
        self.col(header).ok_or_else(|| ImportError::MissingColumn {
            sheet: self.name.to_string(),
            column: header.to_string(),
        })
    }

    fn column_name(&self, col: usize) -> String {
        format!(
            "{} ({})",
            column_letter(self.first_col + col),
            self.header.get(col).map(String::as_str).unwrap_or("")
        )
    }

    fn err(&self, row: u32, col: usize, message: impl Into<String>) -> ImportError {
        ImportError::Cell {
            sheet: self.name.to_string(),
            row,
            column: self.column_name(col),
            message: message.into(),
        }
    }

    /// Language columns `prefix::Name (code)` / `prefix::code`; a bare `prefix` is the default language.
    fn lang_columns(&self, prefix: &str, default_lang: &str) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        for (i, h) in self.header.iter().enumerate() {
            if h == prefix {
                out.push((i, default_lang.to_string()));
            } else if let Some(rest) = h.strip_prefix(prefix).and_then(|r| r.strip_prefix("::")) {
                out.push((i, language_code(rest)));
            }
        }
        out
    }
}

fn get(cells: &[String], col: Option<usize>) -> &str {
    col.and_then(|c| cells.get(c))
        .map(|s| s.trim())
        .unwrap_or("")
}

/// `French (fr)` -> `fr`; `fr` -> `fr`.
fn language_code(s: &str) -> String {
    let s = s.trim();
    match (s.rfind('('), s.ends_with(')')) {
        (Some(open), true) => s.get(open + 1..s.len() - 1).unwrap_or(s).trim().to_string(),
        _ => s.to_string(),
    }
}

const SURVEY_ALLOWED: &[&str] = &["type", "name", "relevant", "required", "ally_indicators"];
const SURVEY_LANG_PREFIXES: &[&str] = &["label", "hint", "ally_reviewed"];

fn is_lang_column(h: &str, prefixes: &[&str]) -> bool {
    prefixes
        .iter()
        .any(|p| h == *p || h.starts_with(&format!("{p}::")))
}

fn read_text(
    cells: &[String],
    cols: &[(usize, String)],
    reviewed: &HashMap<String, BTreeSet<String>>,
    field: &str,
) -> Text {
    let mut t = Text::default();
    for (c, lang) in cols {
        let v = get(cells, Some(*c));
        if !v.is_empty() {
            let r = reviewed.get(lang).is_some_and(|s| s.contains(field));
            t.set(lang, v, r);
        }
    }
    t
}

fn reviewed_map(cells: &[String], cols: &[(usize, String)]) -> HashMap<String, BTreeSet<String>> {
    cols.iter()
        .map(|(c, lang)| {
            (
                lang.clone(),
                get(cells, Some(*c))
                    .split_whitespace()
                    .map(str::to_string)
                    .collect(),
            )
        })
        .collect()
}

/// Import an XLSForm workbook, validated against the built-in indicator catalogues.
pub fn import_xlsform(bytes: &[u8]) -> Result<Questionnaire, ImportError> {
    let screening = Screening::builtin().map_err(|e| ImportError::Catalogue(e.to_string()))?;
    import_xlsform_with(bytes, &screening)
}

/// Import an XLSForm workbook, validated against the given catalogues.
pub fn import_xlsform_with(
    bytes: &[u8],
    screening: &Screening,
) -> Result<Questionnaire, ImportError> {
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e: calamine::XlsxError| ImportError::NotXlsx(e.to_string()))?;
    let names = wb.sheet_names();
    let mut load = |name: &'static str| -> Result<Sheet, ImportError> {
        if !names.iter().any(|n| n == name) {
            return Err(ImportError::MissingSheet {
                sheet: name.to_string(),
            });
        }
        let range = wb.worksheet_range(name).map_err(|e| ImportError::Sheet {
            sheet: name.to_string(),
            message: e.to_string(),
        })?;
        Ok(Sheet::from_range(name, &range))
    };
    let survey = load(SURVEY)?;
    let settings = load(SETTINGS)?;
    let choices = if names.iter().any(|n| n == CHOICES) {
        Some(load(CHOICES)?)
    } else {
        None
    };

    // settings
    let srow = settings.rows.first().ok_or_else(|| ImportError::Sheet {
        sheet: SETTINGS.into(),
        message: "no row under the header".into(),
    })?;
    let (srow_n, scells) = (srow.0, &srow.1);
    let id_col = settings.require("form_id")?;
    let id = get(scells, Some(id_col)).to_string();
    if !ally_core::questionnaire::is_valid_name(&id) {
        return Err(settings.err(srow_n, id_col, format!("{id:?} is not a valid form id")));
    }
    let version = get(scells, settings.col("version")).to_string();
    let default_language = match settings.col("default_language") {
        Some(c) if !get(scells, Some(c)).is_empty() => language_code(get(scells, Some(c))),
        _ => "en".to_string(),
    };
    let settings_reviewed = reviewed_map(
        scells,
        &settings.lang_columns("ally_reviewed", &default_language),
    );
    let mut title = Text::default();
    if let Some(c) = settings.col("form_title") {
        let v = get(scells, Some(c));
        if !v.is_empty() {
            let r = settings_reviewed
                .get(&default_language)
                .is_some_and(|s| s.contains("title"));
            title.set(&default_language, v, r);
        }
    }
    let title_cols: Vec<(usize, String)> = settings
        .header
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            h.strip_prefix("ally_title::")
                .map(|rest| (i, language_code(rest)))
        })
        .collect();
    for (c, lang) in &title_cols {
        let v = get(scells, Some(*c));
        if !v.is_empty() {
            let r = settings_reviewed
                .get(lang)
                .is_some_and(|s| s.contains("title"));
            title.set(lang, v, r);
        }
    }

    // choices
    let mut choice_lists: Vec<ChoiceList> = Vec::new();
    let mut choice_rows: HashMap<(String, String), u32> = HashMap::new();
    if let Some(ch) = &choices {
        let list_col = ch.require("list_name")?;
        let name_col = ch.require("name")?;
        let label_cols = ch.lang_columns("label", &default_language);
        let rev_cols = ch.lang_columns("ally_reviewed", &default_language);
        for (i, h) in ch.header.iter().enumerate() {
            if h != "list_name"
                && h != "name"
                && !is_lang_column(h, &["label", "ally_reviewed"])
                && let Some((row, _)) = ch
                    .rows
                    .iter()
                    .find(|(_, cells)| !get(cells, Some(i)).is_empty())
            {
                return Err(ch.err(*row, i, format!("unsupported column \"{h}\"")));
            }
        }
        for (row, cells) in &ch.rows {
            let list = get(cells, Some(list_col)).to_string();
            let name = get(cells, Some(name_col)).to_string();
            if !ally_core::questionnaire::is_valid_name(&list) {
                return Err(ch.err(*row, list_col, format!("{list:?} is not a valid list name")));
            }
            if !ally_core::questionnaire::is_valid_name(&name) {
                return Err(ch.err(
                    *row,
                    name_col,
                    format!("{name:?} is not a valid choice name"),
                ));
            }
            if choice_rows
                .insert((list.clone(), name.clone()), *row)
                .is_some()
            {
                return Err(ch.err(
                    *row,
                    name_col,
                    format!("choice \"{name}\" appears twice in list \"{list}\""),
                ));
            }
            let reviewed = reviewed_map(cells, &rev_cols);
            let choice = Choice {
                name,
                label: read_text(cells, &label_cols, &reviewed, "label"),
            };
            match choice_lists.iter_mut().find(|l| l.name == list) {
                Some(l) => l.choices.push(choice),
                None => choice_lists.push(ChoiceList {
                    name: list,
                    choices: vec![choice],
                }),
            }
        }
    }

    // survey
    let type_col = survey.require("type")?;
    let name_col = survey.require("name")?;
    let relevant_col = survey.col("relevant");
    let required_col = survey.col("required");
    let ind_col = survey.col("ally_indicators");
    let label_cols = survey.lang_columns("label", &default_language);
    let hint_cols = survey.lang_columns("hint", &default_language);
    let rev_cols = survey.lang_columns("ally_reviewed", &default_language);
    for (i, h) in survey.header.iter().enumerate() {
        if !SURVEY_ALLOWED.contains(&h.as_str())
            && !is_lang_column(h, SURVEY_LANG_PREFIXES)
            && let Some((row, _)) = survey
                .rows
                .iter()
                .find(|(_, cells)| !get(cells, Some(i)).is_empty())
        {
            return Err(survey.err(
                *row,
                i,
                format!("unsupported column \"{h}\" (supported: type, name, label, hint, relevant, required, ally_indicators)"),
            ));
        }
    }
    let mut flat = Vec::with_capacity(survey.rows.len());
    let mut item_rows: HashMap<String, u32> = HashMap::new();
    for (row, cells) in &survey.rows {
        // XLSForm also spells the group markers with a space.
        let kind = match get(cells, Some(type_col))
            .split_whitespace()
            .collect::<Vec<_>>()[..]
        {
            ["begin", "group"] => "begin_group".to_string(),
            ["end", "group"] => "end_group".to_string(),
            _ => get(cells, Some(type_col)).to_string(),
        };
        let name = get(cells, Some(name_col)).to_string();
        if kind.is_empty() {
            return Err(survey.err(*row, type_col, "empty type"));
        }
        if kind != "end_group" {
            if item_rows.contains_key(&name) {
                return Err(survey.err(*row, name_col, format!("name \"{name}\" is used twice")));
            }
            item_rows.insert(name.clone(), *row);
        }
        let required = match get(cells, required_col).to_ascii_lowercase().as_str() {
            "" | "no" | "false" | "false()" => false,
            "yes" | "true" | "true()" => true,
            other => {
                return Err(survey.err(
                    *row,
                    required_col.unwrap_or(0),
                    format!("required must be yes or no, not \"{other}\""),
                ));
            }
        };
        let reviewed = reviewed_map(cells, &rev_cols);
        let relevant = get(cells, relevant_col);
        let indicators = get(cells, ind_col);
        flat.push(FlatItem {
            kind,
            name,
            label: read_text(cells, &label_cols, &reviewed, "label"),
            hint: read_text(cells, &hint_cols, &reviewed, "hint"),
            relevant: (!relevant.is_empty()).then(|| relevant.to_string()),
            required,
            indicators: (!indicators.is_empty()).then(|| indicators.to_string()),
        });
    }
    let rows: Vec<u32> = survey.rows.iter().map(|(r, _)| *r).collect();
    let items = items_from_flat(flat).map_err(|e| {
        let row = rows.get(e.index).copied().unwrap_or(1);
        let col = match e.field {
            FlatField::Type => Some(type_col),
            FlatField::Name => Some(name_col),
            FlatField::Relevant => relevant_col,
            FlatField::Required => required_col,
            FlatField::Indicators => ind_col,
            FlatField::Label => label_cols.first().map(|(c, _)| *c),
        };
        survey.err(row, col.unwrap_or(type_col), e.error.to_string())
    })?;

    // Languages: as declared, or every language the form is complete in.
    let declared = settings
        .col("ally_languages")
        .map(|c| get(scells, Some(c)))
        .filter(|s| !s.is_empty());
    let mut q = Questionnaire {
        id,
        version,
        title,
        default_language: default_language.clone(),
        languages: Vec::new(),
        items,
        choice_lists,
    };
    q.languages = match declared {
        Some(s) => s.split_whitespace().map(str::to_string).collect(),
        None => all_languages(&q)
            .into_iter()
            .filter(|l| {
                q.texts()
                    .iter()
                    .all(|(_, t)| t.get(l).is_some_and(|s| !s.trim().is_empty()))
            })
            .collect(),
    };
    if !q.languages.contains(&default_language) {
        return Err(ImportError::Cell {
            sheet: SETTINGS.into(),
            row: srow_n,
            column: settings.column_name(settings.col("default_language").unwrap_or(id_col)),
            message: format!(
                "the form is not complete in its default language \"{default_language}\""
            ),
        });
    }

    q.validate(screening).map_err(|e| {
        locate(
            &e,
            &survey,
            &settings,
            srow_n,
            choices.as_ref(),
            &item_rows,
            &choice_rows,
            &q,
        )
    })?;
    Ok(q)
}

/// Name the cell a whole-questionnaire validation error is about.
#[allow(clippy::too_many_arguments)]
fn locate(
    e: &QuestionnaireError,
    survey: &Sheet,
    settings: &Sheet,
    settings_row: u32,
    choices: Option<&Sheet>,
    item_rows: &HashMap<String, u32>,
    choice_rows: &HashMap<(String, String), u32>,
    q: &Questionnaire,
) -> ImportError {
    let message = e.to_string();
    let in_survey = |item: &str, col: Option<usize>| match item_rows.get(item) {
        Some(row) => survey.err(
            *row,
            col.or(survey.col("type")).unwrap_or(0),
            message.clone(),
        ),
        None => ImportError::Sheet {
            sheet: SURVEY.into(),
            message: message.clone(),
        },
    };
    let lang_col = |sheet: &Sheet, prefix: &str, lang: &str| {
        sheet
            .lang_columns(prefix, &q.default_language)
            .into_iter()
            .find(|(_, l)| l == lang)
            .map(|(c, _)| c)
    };
    match e {
        QuestionnaireError::UnknownIndicator { question, .. }
        | QuestionnaireError::UnknownChoice { question, .. }
        | QuestionnaireError::BadMapping { question, .. } => {
            in_survey(question, survey.col("ally_indicators"))
        }
        QuestionnaireError::RelevantUnknownQuestion { item, .. }
        | QuestionnaireError::RelevantLaterQuestion { item, .. }
        | QuestionnaireError::Condition { item, .. } => in_survey(item, survey.col("relevant")),
        QuestionnaireError::UnknownChoiceList { question, .. } => {
            in_survey(question, survey.col("type"))
        }
        QuestionnaireError::DuplicateId(item) => in_survey(item, survey.col("name")),
        QuestionnaireError::MissingTranslation { key, lang } => {
            if key == "title" {
                let col = if *lang == q.default_language {
                    settings.col("form_title")
                } else {
                    settings.header.iter().position(|h| {
                        h.starts_with("ally_title::")
                            && language_code(&h["ally_title::".len()..]) == *lang
                    })
                };
                return match col {
                    Some(c) => settings.err(settings_row, c, message),
                    None => ImportError::Sheet {
                        sheet: SETTINGS.into(),
                        message,
                    },
                };
            }
            if let Some(rest) = key.strip_prefix("choices.")
                && let Some((list, choice)) = rest.split_once('.')
                && let Some(ch) = choices
            {
                return match (
                    choice_rows.get(&(list.to_string(), choice.to_string())),
                    lang_col(ch, "label", lang),
                ) {
                    (Some(row), Some(c)) => ch.err(*row, c, message),
                    (Some(row), None) => ch.err(*row, 0, message),
                    _ => ImportError::Sheet {
                        sheet: CHOICES.into(),
                        message,
                    },
                };
            }
            let (item, field) = key.rsplit_once('.').unwrap_or((key.as_str(), "label"));
            in_survey(item, lang_col(survey, field, lang))
        }
        _ => ImportError::Sheet {
            sheet: SURVEY.into(),
            message,
        },
    }
}

#[cfg(test)]
mod tests;
