//! Input records: reading CSV files into normalised, column-major datasets.

use std::io::Read;

use crate::error::{LinkageError, Result};
use crate::normalise::{FieldKind, NormaliseOptions, key_for, key_for_with};

/// Which CSV column feeds which field kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSpec {
    /// Kind of the field.
    pub kind: FieldKind,
    /// CSV column name.
    pub column: String,
}

impl std::str::FromStr for FieldSpec {
    type Err = LinkageError;
    /// Parse `KIND=COLUMN`.
    fn from_str(s: &str) -> Result<Self> {
        let (k, c) = s
            .split_once('=')
            .ok_or_else(|| LinkageError::BadFieldSpec(s.to_string()))?;
        if c.trim().is_empty() {
            return Err(LinkageError::BadFieldSpec(s.to_string()));
        }
        Ok(FieldSpec {
            kind: k.parse()?,
            column: c.trim().to_string(),
        })
    }
}

/// One field of a dataset: the original values and the matching keys.
#[derive(Debug, Clone)]
pub struct Column {
    /// Kind of the field.
    pub kind: FieldKind,
    /// Original values (kept for display and explanation).
    pub raw: Vec<String>,
    /// Normalised matching keys; `None` = missing.
    pub keys: Vec<Option<Box<str>>>,
}

/// Records in column-major form.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Record ids, in input order.
    pub ids: Vec<String>,
    /// One column per field spec, in the order given.
    pub columns: Vec<Column>,
}

impl Dataset {
    /// Number of records.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the dataset is empty.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The field kinds, in column order.
    pub fn kinds(&self) -> Vec<FieldKind> {
        self.columns.iter().map(|c| c.kind).collect()
    }

    /// Build a dataset from in-memory rows (`ids[i]`, `values[i][field]`).
    pub fn from_rows(kinds: &[FieldKind], ids: Vec<String>, rows: &[Vec<String>]) -> Result<Self> {
        let mut columns: Vec<Column> = kinds
            .iter()
            .map(|&kind| Column {
                kind,
                raw: Vec::with_capacity(rows.len()),
                keys: Vec::with_capacity(rows.len()),
            })
            .collect();
        if ids.len() != rows.len() {
            return Err(LinkageError::Invalid(
                "ids and rows differ in length".into(),
            ));
        }
        for row in rows {
            if row.len() != kinds.len() {
                return Err(LinkageError::Invalid(
                    "row has the wrong number of values".into(),
                ));
            }
            for (col, v) in columns.iter_mut().zip(row) {
                col.keys
                    .push(key_for(col.kind, v).map(String::into_boxed_str));
                col.raw.push(v.clone());
            }
        }
        Ok(Dataset { ids, columns })
    }

    /// Read a CSV file with a header. `id_column` names the record id column; `fields` the
    /// columns to use. Errors name the line of a malformed row.
    pub fn read_csv<R: Read>(
        reader: R,
        source_name: &str,
        id_column: &str,
        fields: &[FieldSpec],
    ) -> Result<Self> {
        Self::read_csv_with(
            reader,
            source_name,
            id_column,
            fields,
            &NormaliseOptions::default(),
        )
    }

    /// [`Dataset::read_csv`] with normalisation options (e.g. the region of national phone
    /// numbers).
    pub fn read_csv_with<R: Read>(
        reader: R,
        source_name: &str,
        id_column: &str,
        fields: &[FieldSpec],
        opts: &NormaliseOptions,
    ) -> Result<Self> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(reader);
        let csv_err = |e: csv::Error| -> LinkageError {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            let message = match e.kind() {
                csv::ErrorKind::UnequalLengths {
                    expected_len, len, ..
                } => {
                    format!("expected {expected_len} fields, found {len}")
                }
                csv::ErrorKind::Utf8 { .. } => "invalid UTF-8".to_string(),
                _ => e.to_string(),
            };
            LinkageError::Csv {
                source_name: source_name.to_string(),
                line,
                message,
            }
        };
        let header = rdr.headers().map_err(csv_err)?.clone();
        let find = |name: &str| -> Result<usize> {
            header.iter().position(|h| h.trim() == name).ok_or_else(|| {
                LinkageError::MissingColumn {
                    source_name: source_name.to_string(),
                    column: name.to_string(),
                    header: header.iter().collect::<Vec<_>>().join(","),
                }
            })
        };
        let id_idx = find(id_column)?;
        let idx: Vec<usize> = fields
            .iter()
            .map(|f| find(&f.column))
            .collect::<Result<_>>()?;
        let mut ids = Vec::new();
        let mut columns: Vec<Column> = fields
            .iter()
            .map(|f| Column {
                kind: f.kind,
                raw: Vec::new(),
                keys: Vec::new(),
            })
            .collect();
        let mut rec = csv::StringRecord::new();
        loop {
            match rdr.read_record(&mut rec) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(csv_err(e)),
            }
            let line = rec.position().map(|p| p.line()).unwrap_or(0);
            let id = rec.get(id_idx).unwrap_or("").trim();
            if id.is_empty() {
                return Err(LinkageError::Csv {
                    source_name: source_name.to_string(),
                    line,
                    message: format!("empty record id in column {id_column:?}"),
                });
            }
            ids.push(id.to_string());
            for (col, &i) in columns.iter_mut().zip(&idx) {
                let v = rec.get(i).unwrap_or("");
                col.keys
                    .push(key_for_with(col.kind, v, opts).map(String::into_boxed_str));
                col.raw.push(v.to_string());
            }
        }
        Ok(Dataset { ids, columns })
    }
}

/// Read all rows of a CSV file as strings (header + records), with line-numbered errors.
pub fn read_table<R: Read>(
    reader: R,
    source_name: &str,
) -> Result<(Vec<String>, Vec<Vec<String>>)> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(reader);
    let csv_err = |e: csv::Error| -> LinkageError {
        let line = e.position().map(|p| p.line()).unwrap_or(0);
        let message = match e.kind() {
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => {
                format!("expected {expected_len} fields, found {len}")
            }
            _ => e.to_string(),
        };
        LinkageError::Csv {
            source_name: source_name.to_string(),
            line,
            message,
        }
    };
    let header: Vec<String> = rdr
        .headers()
        .map_err(csv_err)?
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut rows = Vec::new();
    for r in rdr.records() {
        let r = r.map_err(csv_err)?;
        rows.push(r.iter().map(|s| s.to_string()).collect());
    }
    Ok((header, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_csv_names_the_line() {
        let data = "id,name\n1,ann\n2,bob,extra\n";
        let fields = vec!["given_name=name".parse::<FieldSpec>().ok()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>();
        let err = Dataset::read_csv(data.as_bytes(), "x.csv", "id", &fields).err();
        let msg = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("line 3"), "{msg}");
    }

    #[test]
    fn missing_column_is_reported() {
        let data = "id,name\n1,ann\n";
        let fields = vec![FieldSpec {
            kind: FieldKind::City,
            column: "town".into(),
        }];
        let msg = Dataset::read_csv(data.as_bytes(), "x.csv", "id", &fields)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(msg.contains("town"), "{msg}");
    }

    #[test]
    fn reads_keys_and_raw() {
        let data = "id,name,dob\n1,  José ,1990-02-03\n2,,\n";
        let fields = vec![
            FieldSpec {
                kind: FieldKind::GivenName,
                column: "name".into(),
            },
            FieldSpec {
                kind: FieldKind::DateOfBirth,
                column: "dob".into(),
            },
        ];
        let d = Dataset::read_csv(data.as_bytes(), "x.csv", "id", &fields);
        let d = match d {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(d.len(), 2);
        assert_eq!(d.columns[0].keys[0].as_deref(), Some("jose"));
        assert_eq!(d.columns[0].raw[0], "  José ");
        assert_eq!(d.columns[1].keys[0].as_deref(), Some("19900203"));
        assert_eq!(d.columns[0].keys[1], None);
    }
}
