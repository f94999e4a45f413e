//! What the protection pages share: the submitted form and its field errors, the refusal
//! shown again on the page (422), labels and option lists from the locale, dates as text.

use std::collections::BTreeSet;

use ally_core::OrgId;
use ally_core::protection::{CaseId, FieldGroup};
use ally_store::StoreError;
use ally_store::protection::parse_date;
use time::Date;

use crate::ctx::Posted;
use crate::error::{Failure, PageError};
use crate::i18n::Tr;

/// A submitted form as its pairs (checkbox groups repeat a name).
pub(crate) struct Form(pub Vec<(String, String)>);

/// A field at fault and why (a message key suffix).
pub(crate) type Bad = (&'static str, &'static str);

impl Form {
    pub fn get(&self, k: &str) -> &str {
        self.0
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
    pub fn all(&self, k: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .collect()
    }
    pub fn flag(&self, k: &str) -> bool {
        matches!(self.get(k), "on" | "true" | "1" | "yes")
    }
    pub fn text(&self, k: &'static str, max: usize) -> Result<String, Bad> {
        let v = self.get(k).trim();
        if v.chars().count() > max {
            return Err((k, "too_long"));
        }
        Ok(v.to_owned())
    }
    pub fn date(&self, k: &'static str) -> Result<Option<Date>, Bad> {
        let v = self.get(k).trim();
        if v.is_empty() {
            return Ok(None);
        }
        parse_date(v).map(Some).ok_or((k, "invalid_date"))
    }
    pub fn req_date(&self, k: &'static str) -> Result<Date, Bad> {
        self.date(k)?.ok_or((k, "required"))
    }
    pub fn code<T>(&self, k: &'static str, parse: fn(&str) -> Option<T>) -> Result<T, Bad> {
        parse(self.get(k)).ok_or((k, "invalid"))
    }
    pub fn groups(&self, k: &'static str) -> Result<BTreeSet<FieldGroup>, Bad> {
        self.all(k)
            .into_iter()
            .map(|g| FieldGroup::parse(g).ok_or((k, "invalid")))
            .collect()
    }
    pub fn orgs(&self, k: &'static str) -> Result<BTreeSet<OrgId>, Bad> {
        self.all(k)
            .into_iter()
            .map(|o| o.parse().map_err(|_| (k, "invalid")))
            .collect()
    }
}

/// Why a form was not accepted: a message for the user (the page is shown again, 422).
pub(crate) enum Refused {
    Field(Bad),
    Page(PageError),
}

impl From<Bad> for Refused {
    fn from(b: Bad) -> Self {
        Refused::Field(b)
    }
}

impl From<StoreError> for Refused {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(f) if !f.is_empty() => Refused::Field((f[0].field, f[0].code)),
            other => Refused::Page(other.into()),
        }
    }
}

impl From<PageError> for Refused {
    fn from(e: PageError) -> Self {
        Refused::Page(e)
    }
}

/// "Field: what is wrong", translated.
pub(crate) fn refusal_message(tr: &Tr, (field, code): Bad) -> String {
    let label_key = format!("prot-label-{field}");
    let label = tr.t(&label_key);
    let label = if label == label_key {
        field.to_owned()
    } else {
        label
    };
    let key = format!("prot-error-{code}");
    let msg = tr.t(&key);
    let msg = if msg == key {
        tr.t("prot-error-invalid")
    } else {
        msg
    };
    format!("{label}: {msg}")
}

pub(super) fn case_id(s: &str) -> Result<CaseId, PageError> {
    s.parse().map_err(|_| PageError::new(Failure::NotFound))
}

pub(super) fn label(tr: &Tr, prefix: &str, code: &str) -> String {
    tr.t(&format!("{prefix}-{code}"))
}

pub(super) fn opts<T: Copy>(
    tr: &Tr,
    prefix: &str,
    all: &[T],
    code: fn(T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter()
        .map(|x| (code(*x).to_owned(), label(tr, prefix, code(*x))))
        .collect()
}

pub(super) fn d(x: Option<Date>) -> String {
    x.map(ally_store_d2s).unwrap_or_default()
}

pub(super) fn ally_store_d2s(x: Date) -> String {
    format!("{:04}-{:02}-{:02}", x.year(), u8::from(x.month()), x.day())
}

pub(super) fn today() -> Date {
    time::OffsetDateTime::now_utc().date()
}

pub(super) type Body = Posted<Vec<(String, String)>>;
