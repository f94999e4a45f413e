//! Storage of the identification module (issue 3): detection interviews and their answers,
//! and translators' reviews of the default questionnaires.
//! Everything here is an `impl Access` block: authorised by `ally_core::authz`, audited, and
//! encrypted like the foundation's person records.
//!
//! - An interview belongs to the organisation of the interviewer who started it. Its answers and
//!   recorded facts are one sealed value (organisation key, AAD `interview:<org>:<id>`); the
//!   clear columns hold ids, languages, state, times and the outcome codes per set.
//! - Conducting (start, consent, answer, finish, stop, and reading the interview to conduct it)
//!   is `InterviewConduct`; lists and records are `InterviewRead`. Every read and write appends
//!   an audit event (ids and codes only).
//! - Translation reviews are per organisation (`questionnaire_reviews`): a reviewer of one
//!   organisation corrects or confirms a machine translation for that organisation's interviews;
//!   the shipped files change only through the repository (see docs/questionnaires.md).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use ally_core::audit::AuditOutcome;
use ally_core::authz::Action;
use ally_core::person::FieldError;
use ally_core::questionnaire::answer::{
    self, InterviewState, Step, check_step, format_summary, parse_summary,
};
use ally_core::questionnaire::{
    Answers, BUILTIN_IDS, INTERVIEW_TEXTS_ID, IndicatorMapping, InterviewTexts, Item, Question,
    QuestionKind, Questionnaire, REQUIRED_LANGUAGES, Text, next_question,
};
use ally_core::screening::{Answer, Outcome, Screening};
use ally_core::{OrgId, PersonId, UserId};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use uuid::Uuid;

use crate::access::{Access, Page, id_col};
use crate::{Result, StoreError, now_ms};

/// An interview's id.
pub type InterviewId = Uuid;

/// The shipped catalogues, questionnaires and interview texts, parsed once.
pub struct Builtin {
    pub screening: Screening,
    pub questionnaires: Vec<Questionnaire>,
    pub texts: InterviewTexts,
}

static BUILTIN: LazyLock<std::result::Result<Builtin, String>> = LazyLock::new(|| {
    let screening = Screening::builtin().map_err(|e| e.to_string())?;
    let questionnaires = Questionnaire::builtin_all(&screening).map_err(|e| e.to_string())?;
    let texts = InterviewTexts::builtin().map_err(|e| e.to_string())?;
    Ok(Builtin {
        screening,
        questionnaires,
        texts,
    })
});

/// The shipped identification data (an error only if the embedded files are broken, which
/// the core tests rule out).
pub fn builtin() -> Result<&'static Builtin> {
    BUILTIN
        .as_ref()
        .map_err(|_| StoreError::Corrupt("embedded questionnaires"))
}

/// How long this process may serve an organisation's questionnaire (reviewed translations and
/// own questions applied) or interview texts from memory before reading them again.
/// Reviews and own questions saved through this process apply at once (they bump the cache's
/// generation); one saved through *another* server process shows here within this time.
const ORG_TEXTS_TTL_MS: i64 = 1000;
/// Beyond this many entries a cache map is emptied (a bound on memory, not a tuning knob).
const ORG_TEXTS_MAX: usize = 10_000;

/// The organisations' effective questionnaires and interview texts, built from the shipped
/// data and the organisation's rows, held per process. Every interview page needs them, and
/// building one means two queries and copying every string in twelve languages.
/// It has its own change generation rather than the store's: the store's moves at every
/// answer saved, which would empty this cache at every step of every interview.
#[derive(Default)]
pub(crate) struct IdentificationCache {
    questionnaires: CacheMap<(OrgId, String), Questionnaire>,
    texts: CacheMap<OrgId, InterviewTexts>,
    /// Bumped after each committed review or own question of this process.
    generation: AtomicU64,
    /// Questionnaires and texts built from the database (cache misses), for tests.
    loads: AtomicU64,
}

/// Entries with the time they were read and the cache generation they were read at.
type CacheMap<K, V> = Mutex<HashMap<K, (Arc<V>, i64, u64)>>;

fn cache_get<K: std::hash::Hash + Eq, V>(
    map: &CacheMap<K, V>,
    key: &K,
    generation: u64,
    now: i64,
) -> Option<Arc<V>> {
    let entries = map.lock().unwrap_or_else(|e| e.into_inner());
    let (value, fetched_at, at_generation) = entries.get(key)?;
    // A clock that went back does not keep an entry young.
    (*at_generation == generation && (0..ORG_TEXTS_TTL_MS).contains(&(now - fetched_at)))
        .then(|| value.clone())
}

fn cache_put<K: std::hash::Hash + Eq, V>(
    map: &CacheMap<K, V>,
    key: K,
    value: Arc<V>,
    fetched_at: i64,
    generation: u64,
) {
    let mut entries = map.lock().unwrap_or_else(|e| e.into_inner());
    if entries.len() >= ORG_TEXTS_MAX {
        entries.clear();
    }
    entries.insert(key, (value, fetched_at, generation));
}

impl IdentificationCache {
    fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}

impl crate::Store {
    /// How many times this process built an organisation's questionnaire or interview texts
    /// from the database (the rest were served from memory). For tests and measurements.
    pub fn identification_cache_loads(&self) -> u64 {
        self.identification_cache().loads.load(Ordering::Relaxed)
    }
}

/// The choice list of the organisations' own questions (every default questionnaire has it).
const ORG_QUESTION_LIST: &str = "yes_no";

fn invalid(field: &'static str, code: &'static str) -> StoreError {
    StoreError::Invalid(vec![FieldError { field, code }])
}

fn interview_aad(org: OrgId, id: InterviewId) -> String {
    format!("interview:{org}:{id}")
}

/// A new interview.
#[derive(Debug, Clone)]
pub struct NewInterview {
    pub questionnaire_id: String,
    /// The interviewer's interface language.
    pub interviewer_lang: String,
    /// The language the questions are put to the person in (one of the 12).
    pub interviewee_lang: String,
    pub person_id: Option<PersonId>,
    pub inspection_id: Option<Uuid>,
}

/// The sealed part of an interview.
#[derive(Default, Serialize, Deserialize)]
struct Sealed {
    answers: Answers,
    #[serde(default)]
    facts: Vec<(String, String)>,
}

/// One interview with its (opened) answers.
#[derive(Clone)]
pub struct InterviewRecord {
    pub id: InterviewId,
    pub org_id: OrgId,
    pub questionnaire_id: String,
    pub questionnaire_version: String,
    pub interviewer_id: UserId,
    pub interviewer_name: String,
    pub person_id: Option<String>,
    pub inspection_id: Option<String>,
    pub interviewer_lang: String,
    pub interviewee_lang: String,
    pub consent_at_ms: Option<i64>,
    pub consent_sections: Vec<String>,
    pub state: InterviewState,
    pub answers: Answers,
    /// Facts recorded by the interviewer (e.g. `act_of_trafficking_established`).
    pub facts: Vec<(String, Answer)>,
    pub outcomes: Vec<(String, Outcome)>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub ended_at_ms: Option<i64>,
    pub version: i64,
}

impl std::fmt::Debug for InterviewRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InterviewRecord")
            .field("id", &self.id)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

/// An interview in a list (no answers).
#[derive(Debug, Clone, Serialize)]
pub struct InterviewSummary {
    pub id: InterviewId,
    pub questionnaire_id: String,
    pub interviewer_id: String,
    pub interviewer_name: String,
    pub person_id: Option<String>,
    pub interviewee_lang: String,
    pub state: InterviewState,
    pub answered: i64,
    pub outcomes: Vec<(String, Outcome)>,
    pub created_at_ms: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct InterviewPage {
    pub items: Vec<InterviewSummary>,
    pub offset: i64,
    pub limit: i64,
    pub has_more: bool,
}

/// One reviewed string of a questionnaire in one language.
#[derive(Debug, Clone, Serialize)]
pub struct TranslationReview {
    pub key: String,
    pub text: String,
    pub reviewed_by: String,
    pub reviewed_at_ms: i64,
}

const COLUMNS: &str = "i.id, i.org_id, i.questionnaire_id, i.questionnaire_version, i.interviewer_id, \
     i.person_id, i.inspection_id, i.interviewer_lang, i.interviewee_lang, i.consent_at, \
     i.consent_sections, i.state, i.sealed, i.answered, i.outcomes, i.created_at, i.updated_at, \
     i.ended_at, i.version, COALESCE(u.display_name, '') AS interviewer_name";

fn answer_from_str(s: &str) -> Answer {
    Answer::parse(s).unwrap_or(Answer::Unknown)
}

impl Access<'_> {
    // ----- questionnaires -----

    /// A default questionnaire with the organisation's reviewed translations and own
    /// questions applied. Shipped data and translations, no personal data: not audited.
    pub async fn questionnaire(&self, id: &str) -> Result<Arc<Questionnaire>> {
        self.questionnaire_for(self.principal.org_id, id).await
    }

    /// The consent step and interviewer guidance with the organisation's reviewed
    /// translations applied (shipped texts, no personal data: not audited).
    pub async fn interview_texts(&self) -> Result<Arc<InterviewTexts>> {
        let org = self.principal.org_id;
        let cache = self.store.identification_cache();
        // Read the generation before the database: a review committed while we read makes
        // the entry stale at once.
        let generation = cache.generation();
        let now = now_ms();
        if let Some(t) = cache_get(&cache.texts, &org, generation, now) {
            return Ok(t);
        }
        let mut texts = builtin()?.texts.clone();
        let rows = sqlx::query(
            "SELECT lang, text_key, text FROM questionnaire_reviews \
             WHERE org_id = $1 AND questionnaire_id = $2",
        )
        .bind(org.to_string())
        .bind(INTERVIEW_TEXTS_ID)
        .fetch_all(&self.store.db().pool)
        .await?;
        for r in rows {
            let lang: String = r.try_get("lang")?;
            let key: String = r.try_get("text_key")?;
            let text: String = r.try_get("text")?;
            texts.review_translation(&key, &lang, Some(&text));
        }
        let texts = Arc::new(texts);
        cache.loads.fetch_add(1, Ordering::Relaxed);
        cache_put(&cache.texts, org, texts.clone(), now, generation);
        Ok(texts)
    }

    async fn questionnaire_for(&self, org: OrgId, id: &str) -> Result<Arc<Questionnaire>> {
        let cache = self.store.identification_cache();
        let generation = cache.generation();
        let now = now_ms();
        let key = (org, id.to_owned());
        if let Some(q) = cache_get(&cache.questionnaires, &key, generation, now) {
            return Ok(q);
        }
        let b = builtin()?;
        let mut q = b
            .questionnaires
            .iter()
            .find(|q| q.id == id)
            .cloned()
            .ok_or_else(|| invalid("questionnaire", "unknown"))?;
        // The own questions and the reviews in one round trip.
        let rows = sqlx::query(
            "SELECT 'question' AS kind, question_id AS a, label AS b, indicators AS c, \
             created_at AS at FROM questionnaire_questions \
             WHERE org_id = $1 AND questionnaire_id = $2 \
             UNION ALL \
             SELECT 'review' AS kind, lang AS a, text_key AS b, text AS c, reviewed_at AS at \
             FROM questionnaire_reviews WHERE org_id = $3 AND questionnaire_id = $4",
        )
        .bind(org.to_string())
        .bind(id)
        .bind(org.to_string())
        .bind(id)
        .fetch_all(&self.store.db().pool)
        .await?;
        let mut added = Vec::new();
        let mut reviews = Vec::new();
        for r in rows {
            let kind: String = r.try_get("kind")?;
            let row: (String, String, String, i64) = (
                r.try_get("a")?,
                r.try_get("b")?,
                r.try_get("c")?,
                r.try_get("at")?,
            );
            if kind == "question" {
                added.push(row);
            } else {
                reviews.push(row);
            }
        }
        // Asked in the order they were added.
        added.sort_by(|x, y| (x.3, &x.0).cmp(&(y.3, &y.0)));
        for (question_id, label, indicators, _) in added {
            q.items.push(Item::Question(Question {
                id: question_id,
                kind: QuestionKind::SelectOne(ORG_QUESTION_LIST.into()),
                label: Text::new("en", &label, true),
                hint: Text::default(),
                required: false,
                relevant: None,
                indicators: IndicatorMapping::parse_list(&indicators)
                    .map_err(|_| StoreError::Corrupt("questionnaire question mapping"))?,
            }));
        }
        for (lang, key, text, _) in reviews {
            q.review_translation(&key, &lang, Some(&text));
        }
        let q = Arc::new(q);
        cache.loads.fetch_add(1, Ordering::Relaxed);
        cache_put(&cache.questionnaires, key, q.clone(), now, generation);
        Ok(q)
    }

    /// The reviews of one questionnaire in one language (for the review page).
    pub async fn translation_reviews(
        &self,
        questionnaire: &str,
        lang: &str,
    ) -> Result<Vec<TranslationReview>> {
        let org = self.principal.org_id;
        self.authorize(Action::TranslationReview, org, None).await?;
        check_questionnaire_lang(questionnaire, lang)?;
        let rows = sqlx::query(
            "SELECT r.text_key, r.text, r.reviewed_at, COALESCE(u.display_name, '') AS name \
             FROM questionnaire_reviews r LEFT JOIN users u ON u.id = r.reviewed_by \
             WHERE r.org_id = $1 AND r.questionnaire_id = $2 AND r.lang = $3 ORDER BY r.text_key",
        )
        .bind(org.to_string())
        .bind(questionnaire)
        .bind(lang)
        .fetch_all(&self.store.db().pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TranslationReview {
                    key: r.try_get("text_key")?,
                    text: r.try_get("text")?,
                    reviewed_by: r.try_get("name")?,
                    reviewed_at_ms: r.try_get("reviewed_at")?,
                })
            })
            .collect()
    }

    /// A translator confirms (same text) or corrects one string of one language.
    pub async fn review_translation(
        &self,
        questionnaire: &str,
        lang: &str,
        key: &str,
        text: &str,
    ) -> Result<()> {
        let org = self.principal.org_id;
        self.authorize(Action::TranslationReview, org, None).await?;
        check_questionnaire_lang(questionnaire, lang)?;
        let known = if questionnaire == INTERVIEW_TEXTS_ID {
            builtin()?.texts.texts().iter().any(|(k, _)| k == key)
        } else {
            self.questionnaire_for(org, questionnaire)
                .await?
                .texts()
                .iter()
                .any(|(k, _)| k == key)
        };
        if !known {
            return Err(invalid("key", "unknown"));
        }
        let text = text.trim();
        if text.is_empty() {
            return Err(invalid("text", "required"));
        }
        if text.chars().count() > 2000 {
            return Err(invalid("text", "too_long"));
        }
        let db = self.store.db();
        let mut tx = db.begin_write().await?;
        sqlx::query(
            "DELETE FROM questionnaire_reviews WHERE org_id = $1 AND questionnaire_id = $2 \
             AND lang = $3 AND text_key = $4",
        )
        .bind(org.to_string())
        .bind(questionnaire)
        .bind(lang)
        .bind(key)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO questionnaire_reviews (org_id, questionnaire_id, lang, text_key, text, \
             reviewed_by, reviewed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(org.to_string())
        .bind(questionnaire)
        .bind(lang)
        .bind(key)
        .bind(text)
        .bind(self.principal.user_id.to_string())
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        let ev = self.event(
            "translation.review",
            Some(("questionnaire", questionnaire.to_string())),
            AuditOutcome::Success,
            format!("lang={lang} key={key}"),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        self.store.identification_cache().changed();
        Ok(())
    }

    /// Adds the organisation's own yes/no question to a default questionnaire, mapped to
    /// existing indicators (`yes_present`: whether "yes" means the indicator is present).
    /// The question is asked after the shipped ones; the indicator rule does not change.
    pub async fn add_questionnaire_question(
        &self,
        questionnaire: &str,
        label: &str,
        indicator: &str,
        yes_present: bool,
    ) -> Result<String> {
        let org = self.principal.org_id;
        self.authorize(
            Action::QuestionnaireManage,
            org,
            Some(("questionnaire", questionnaire.to_string())),
        )
        .await?;
        if !BUILTIN_IDS.contains(&questionnaire) {
            return Err(invalid("questionnaire", "unknown"));
        }
        let label = label.trim();
        if label.is_empty() {
            return Err(invalid("label", "required"));
        }
        if label.chars().count() > 500 {
            return Err(invalid("label", "too_long"));
        }
        let b = builtin()?;
        let q = self.questionnaire_for(org, questionnaire).await?;
        let covered = answer::covered_sets(&q, &b.screening);
        let known = b
            .screening
            .catalogue
            .indicator(indicator)
            .is_some_and(|i| covered.contains(&i.set))
            || (covered
                .iter()
                .any(|s| s == ally_core::screening::FORCED_LABOUR_SET_ID)
                && b.screening.forced_labour.position(indicator).is_some());
        if !known {
            return Err(invalid("indicator", "unknown"));
        }
        let mapping = if yes_present {
            format!("{indicator}=yes|no")
        } else {
            format!("{indicator}=no|yes")
        };
        let n = q
            .questions()
            .iter()
            .filter(|x| x.id.starts_with("org_"))
            .count();
        let qid = format!("org_{}", n + 1);
        let db = self.store.db();
        let mut tx = db.begin_write().await?;
        sqlx::query(
            "INSERT INTO questionnaire_questions (org_id, questionnaire_id, question_id, label, \
             indicators, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(org.to_string())
        .bind(questionnaire)
        .bind(&qid)
        .bind(label)
        .bind(&mapping)
        .bind(self.principal.user_id.to_string())
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        let ev = self.event(
            "questionnaire.add_question",
            Some(("questionnaire", questionnaire.to_string())),
            AuditOutcome::Success,
            format!("question={qid} indicator={indicator}"),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        self.store.identification_cache().changed();
        Ok(qid)
    }

    // ----- interviews -----

    /// Starts an interview in the principal's organisation; consent comes next.
    pub async fn start_interview(&self, new: NewInterview) -> Result<InterviewId> {
        let org = self.principal.org_id;
        self.authorize(Action::InterviewConduct, org, None).await?;
        let b = builtin()?;
        let Some(q) = b
            .questionnaires
            .iter()
            .find(|q| q.id == new.questionnaire_id)
        else {
            return Err(invalid("questionnaire", "unknown"));
        };
        if !REQUIRED_LANGUAGES.contains(&new.interviewee_lang.as_str()) {
            return Err(invalid("interviewee_lang", "unknown"));
        }
        if !REQUIRED_LANGUAGES.contains(&new.interviewer_lang.as_str()) {
            return Err(invalid("interviewer_lang", "unknown"));
        }
        if let Some(p) = new.person_id {
            // The person must be one of the organisation's records (checked on the clear
            // owner column; nothing is decrypted).
            let owner = sqlx::query("SELECT org_id FROM persons WHERE id = $1")
                .bind(p.to_string())
                .fetch_optional(&self.store.db().pool)
                .await?;
            let same = match owner {
                Some(r) => r.try_get::<String, _>("org_id")? == org.to_string(),
                None => false,
            };
            if !same {
                return Err(invalid("person", "unknown"));
            }
        }
        let id = Uuid::now_v7();
        let keys = self.store.org_keys(org).await?;
        let sealed = seal(&keys, org, id, &Sealed::default())?;
        let outcomes = format_summary(&answer::outcome_summary(
            q,
            &Answers::new(),
            &[],
            &b.screening,
        ));
        let now = now_ms();
        let db = self.store.db();
        let mut tx = db.begin_write().await?;
        sqlx::query(
            "INSERT INTO interviews (id, org_id, questionnaire_id, questionnaire_version, \
             interviewer_id, person_id, inspection_id, interviewer_lang, interviewee_lang, \
             consent_at, consent_sections, state, sealed, answered, outcomes, created_at, \
             updated_at, ended_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, NULL, $10, $11, 0, $12, $13, $14, NULL, 1)",
        )
        .bind(id.to_string())
        .bind(org.to_string())
        .bind(&q.id)
        .bind(&q.version)
        .bind(self.principal.user_id.to_string())
        .bind(new.person_id.map(|p| p.to_string()))
        .bind(new.inspection_id.map(|p| p.to_string()))
        .bind(&new.interviewer_lang)
        .bind(&new.interviewee_lang)
        .bind(InterviewState::InProgress.as_str())
        .bind(sealed)
        .bind(outcomes)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let ev = self.event(
            "interview.start",
            Some(("interview", id.to_string())),
            AuditOutcome::Success,
            format!("questionnaire={}", q.id),
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(id)
    }

    async fn load_interview(&self, id: InterviewId) -> Result<Option<InterviewRecord>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM interviews i LEFT JOIN users u ON u.id = i.interviewer_id \
             WHERE i.id = $1"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.to_string())
            .fetch_optional(&self.store.db().pool)
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let org: OrgId = id_col(&row, "org_id")?;
        let keys = self.store.org_keys(org).await?;
        let sealed: Vec<u8> = row.try_get("sealed")?;
        let plain = zeroize::Zeroizing::new(keys.open(&interview_aad(org, id), &sealed)?);
        let s: Sealed =
            serde_json::from_slice(&plain).map_err(|_| StoreError::Corrupt("interview answers"))?;
        let state: String = row.try_get("state")?;
        Ok(Some(InterviewRecord {
            id,
            org_id: org,
            questionnaire_id: row.try_get("questionnaire_id")?,
            questionnaire_version: row.try_get("questionnaire_version")?,
            interviewer_id: id_col(&row, "interviewer_id")?,
            interviewer_name: row.try_get("interviewer_name")?,
            person_id: row.try_get("person_id")?,
            inspection_id: row.try_get("inspection_id")?,
            interviewer_lang: row.try_get("interviewer_lang")?,
            interviewee_lang: row.try_get("interviewee_lang")?,
            consent_at_ms: row.try_get("consent_at")?,
            consent_sections: row
                .try_get::<Option<String>, _>("consent_sections")?
                .unwrap_or_default()
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            state: InterviewState::parse(&state).ok_or(StoreError::Corrupt("interview state"))?,
            answers: s.answers,
            facts: s
                .facts
                .iter()
                .map(|(k, v)| (k.clone(), answer_from_str(v)))
                .collect(),
            outcomes: parse_summary(&row.try_get::<String, _>("outcomes")?),
            created_at_ms: row.try_get("created_at")?,
            updated_at_ms: row.try_get("updated_at")?,
            ended_at_ms: row.try_get("ended_at")?,
            version: row.try_get("version")?,
        }))
    }

    /// Loads an interview and authorises `action` on it (a missing interview and another
    /// organisation's answer the same: not found).
    async fn authorized_interview(
        &self,
        id: InterviewId,
        action: Action,
    ) -> Result<InterviewRecord> {
        let target = Some(("interview", id.to_string()));
        let Some(rec) = self.load_interview(id).await? else {
            self.authorize(action, self.principal.org_id, target)
                .await?;
            return Err(StoreError::NotFound);
        };
        self.authorize(action, rec.org_id, target.clone()).await?;
        // Conducting is not reading: a principal without `InterviewRead` (a community focal
        // point) reaches only the interviews they hold themselves, not a colleague's answers.
        if rec.interviewer_id != self.principal.user_id
            && !self.principal.may(Action::InterviewRead)
        {
            self.record(self.event(
                action.as_str(),
                target,
                AuditOutcome::Denied,
                "not_own_interview".into(),
            ))
            .await?;
            return Err(StoreError::NotFound);
        }
        Ok(rec)
    }

    /// An interview and its questionnaire, to conduct it (consent, questions, result).
    pub async fn interview_to_conduct(
        &self,
        id: InterviewId,
    ) -> Result<(InterviewRecord, Arc<Questionnaire>)> {
        let rec = self
            .authorized_interview(id, Action::InterviewConduct)
            .await?;
        let q = self
            .questionnaire_for(rec.org_id, &rec.questionnaire_id)
            .await?;
        self.record(self.event(
            "interview.read",
            Some(("interview", id.to_string())),
            AuditOutcome::Success,
            "conduct".into(),
        ))
        .await?;
        Ok((rec, q))
    }

    /// An interview record (answers, outcome) and its questionnaire.
    pub async fn get_interview(
        &self,
        id: InterviewId,
    ) -> Result<(InterviewRecord, Arc<Questionnaire>)> {
        let rec = self.authorized_interview(id, Action::InterviewRead).await?;
        let q = self
            .questionnaire_for(rec.org_id, &rec.questionnaire_id)
            .await?;
        self.record(self.event(
            "interview.read",
            Some(("interview", id.to_string())),
            AuditOutcome::Success,
            String::new(),
        ))
        .await?;
        Ok((rec, q))
    }

    /// Writes the new sealed state of an interview if nobody changed it meanwhile.
    #[allow(clippy::too_many_arguments)]
    async fn save_interview(
        &self,
        rec: &InterviewRecord,
        q: &Questionnaire,
        answers: &Answers,
        facts: &[(String, Answer)],
        state: InterviewState,
        consent: Option<(i64, String)>,
        action: &str,
        detail: String,
    ) -> Result<()> {
        let b = builtin()?;
        let keys = self.store.org_keys(rec.org_id).await?;
        let s = Sealed {
            answers: answers.clone(),
            facts: facts
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().to_owned()))
                .collect(),
        };
        let sealed = seal(&keys, rec.org_id, rec.id, &s)?;
        let outcomes = format_summary(&answer::outcome_summary(q, answers, facts, &b.screening));
        let now = now_ms();
        let ended = (state != InterviewState::InProgress).then_some(now);
        let (consent_at, sections) = match consent {
            Some((at, s)) => (Some(at), Some(s)),
            None => (
                rec.consent_at_ms,
                (!rec.consent_sections.is_empty()).then(|| rec.consent_sections.join(",")),
            ),
        };
        let db = self.store.db();
        let mut tx = db.begin_write().await?;
        let updated = sqlx::query(
            "UPDATE interviews SET sealed = $1, answered = $2, outcomes = $3, state = $4, \
             consent_at = $5, consent_sections = $6, updated_at = $7, ended_at = $8, \
             version = version + 1 WHERE id = $9 AND version = $10",
        )
        .bind(sealed)
        .bind(i64::try_from(answers.len()).unwrap_or(i64::MAX))
        .bind(outcomes)
        .bind(state.as_str())
        .bind(consent_at)
        .bind(sections)
        .bind(now)
        .bind(ended)
        .bind(rec.id.to_string())
        .bind(rec.version)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(StoreError::Conflict("changed_meanwhile"));
        }
        let ev = self.event(
            action,
            Some(("interview", rec.id.to_string())),
            AuditOutcome::Success,
            detail,
        );
        self.store.commit_audited(tx, &[ev]).await?;
        Ok(())
    }

    /// Records the person's answer to the consent step: given (with the sections shown), or
    /// refused (the interview stops, nothing else is recorded).
    pub async fn record_interview_consent(&self, id: InterviewId, given: bool) -> Result<()> {
        let rec = self
            .authorized_interview(id, Action::InterviewConduct)
            .await?;
        check_step(rec.state, rec.consent_at_ms.is_some(), false, Step::Consent)
            .map_err(|e| StoreError::Conflict(e.code()))?;
        let q = self
            .questionnaire_for(rec.org_id, &rec.questionnaire_id)
            .await?;
        let b = builtin()?;
        if given {
            let sections: Vec<&str> = b.texts.consent.iter().map(|s| s.id.as_str()).collect();
            self.save_interview(
                &rec,
                &q,
                &rec.answers,
                &rec.facts,
                InterviewState::InProgress,
                Some((now_ms(), sections.join(","))),
                "interview.consent",
                "given".into(),
            )
            .await
        } else {
            self.save_interview(
                &rec,
                &q,
                &rec.answers,
                &rec.facts,
                InterviewState::Stopped,
                None,
                "interview.consent",
                "refused".into(),
            )
            .await
        }
    }

    /// Answers (or corrects the answer to) one question. Refused with a field error naming the
    /// question or value when the question is unknown, not asked given the answers so far, or
    /// the value does not fit; with a conflict when the interview is over or has no consent.
    pub async fn answer_interview(
        &self,
        id: InterviewId,
        question: &str,
        values: &[String],
        declined: bool,
    ) -> Result<()> {
        let rec = self
            .authorized_interview(id, Action::InterviewConduct)
            .await?;
        check_step(rec.state, rec.consent_at_ms.is_some(), false, Step::Answer)
            .map_err(|e| StoreError::Conflict(e.code()))?;
        let q = self
            .questionnaire_for(rec.org_id, &rec.questionnaire_id)
            .await?;
        let value = answer::parse_answer(&q, &rec.answers, question, values, declined)
            .map_err(|e| invalid(e.field(), e.code()))?;
        let mut answers = rec.answers.clone();
        answer::record_answer(&q, &mut answers, question, value);
        let detail = format!("answered={}", answers.len());
        self.save_interview(
            &rec,
            &q,
            &answers,
            &rec.facts,
            InterviewState::InProgress,
            None,
            "interview.answer",
            detail,
        )
        .await
    }

    /// Finishes an interview whose questions are all answered, with the facts the rules need
    /// (unknown when not given).
    pub async fn finish_interview(
        &self,
        id: InterviewId,
        facts: &[(String, Answer)],
    ) -> Result<()> {
        let rec = self
            .authorized_interview(id, Action::InterviewConduct)
            .await?;
        let q = self
            .questionnaire_for(rec.org_id, &rec.questionnaire_id)
            .await?;
        let done = next_question(&q, &rec.answers).is_none();
        check_step(rec.state, rec.consent_at_ms.is_some(), done, Step::Finish)
            .map_err(|e| StoreError::Conflict(e.code()))?;
        let b = builtin()?;
        let needed = answer::required_facts(&q, &b.screening);
        if facts.iter().any(|(n, _)| !needed.contains(n)) {
            return Err(invalid("fact", "unknown"));
        }
        let facts: Vec<(String, Answer)> = needed
            .iter()
            .map(|n| {
                let v = facts
                    .iter()
                    .find(|(k, _)| k == n)
                    .map_or(Answer::Unknown, |(_, v)| *v);
                (n.clone(), v)
            })
            .collect();
        self.save_interview(
            &rec,
            &q,
            &rec.answers,
            &facts,
            InterviewState::Finished,
            None,
            "interview.finish",
            String::new(),
        )
        .await
    }

    /// Stops an interview early (the person wants to stop, or it is not safe to go on). The
    /// answers given so far are kept and evaluated.
    pub async fn stop_interview(&self, id: InterviewId) -> Result<()> {
        let rec = self
            .authorized_interview(id, Action::InterviewConduct)
            .await?;
        check_step(rec.state, rec.consent_at_ms.is_some(), false, Step::Stop)
            .map_err(|e| StoreError::Conflict(e.code()))?;
        let q = self
            .questionnaire_for(rec.org_id, &rec.questionnaire_id)
            .await?;
        self.save_interview(
            &rec,
            &q,
            &rec.answers,
            &rec.facts,
            InterviewState::Stopped,
            None,
            "interview.stop",
            String::new(),
        )
        .await
    }

    /// The organisation's interviews, newest first.
    pub async fn list_interviews(&self, page: Page) -> Result<InterviewPage> {
        let org = self.principal.org_id;
        self.authorize(Action::InterviewRead, org, None).await?;
        let result = self.interview_rows(org, None, page).await?;
        let detail = format!("offset={} count={}", page.offset, result.items.len());
        self.record(self.event("interview.list", None, AuditOutcome::Success, detail))
            .await?;
        Ok(result)
    }

    /// The principal's own interviews (for those who conduct interviews without reading the
    /// organisation's, e.g. a community focal point resuming an interview).
    pub async fn list_my_interviews(&self, page: Page) -> Result<InterviewPage> {
        let org = self.principal.org_id;
        self.authorize(Action::InterviewConduct, org, None).await?;
        let result = self
            .interview_rows(org, Some(self.principal.user_id), page)
            .await?;
        let detail = format!("own=1 offset={} count={}", page.offset, result.items.len());
        self.record(self.event("interview.list", None, AuditOutcome::Success, detail))
            .await?;
        Ok(result)
    }

    async fn interview_rows(
        &self,
        org: OrgId,
        mine: Option<UserId>,
        page: Page,
    ) -> Result<InterviewPage> {
        let base = "SELECT i.id, i.questionnaire_id, i.interviewer_id, i.person_id, \
             i.interviewee_lang, i.state, i.answered, i.outcomes, i.created_at, \
             COALESCE(u.display_name, '') AS interviewer_name \
             FROM interviews i LEFT JOIN users u ON u.id = i.interviewer_id WHERE i.org_id = $1";
        let rows = match mine {
            None => {
                let sql =
                    format!("{base} ORDER BY i.created_at DESC, i.id DESC LIMIT $2 OFFSET $3");
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(org.to_string())
                    .bind(page.limit + 1)
                    .bind(page.offset)
                    .fetch_all(&self.store.db().pool)
                    .await?
            }
            Some(user) => {
                let sql = format!(
                    "{base} AND i.interviewer_id = $2 ORDER BY i.created_at DESC, i.id DESC \
                     LIMIT $3 OFFSET $4"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(org.to_string())
                    .bind(user.to_string())
                    .bind(page.limit + 1)
                    .bind(page.offset)
                    .fetch_all(&self.store.db().pool)
                    .await?
            }
        };
        let has_more = rows.len() as i64 > page.limit;
        let items = rows
            .iter()
            .take(page.limit as usize)
            .map(|r| {
                let state: String = r.try_get("state")?;
                Ok(InterviewSummary {
                    id: id_col(r, "id")?,
                    questionnaire_id: r.try_get("questionnaire_id")?,
                    interviewer_id: r.try_get("interviewer_id")?,
                    interviewer_name: r.try_get("interviewer_name")?,
                    person_id: r.try_get("person_id")?,
                    interviewee_lang: r.try_get("interviewee_lang")?,
                    state: InterviewState::parse(&state)
                        .ok_or(StoreError::Corrupt("interview state"))?,
                    answered: r.try_get("answered")?,
                    outcomes: parse_summary(&r.try_get::<String, _>("outcomes")?),
                    created_at_ms: r.try_get("created_at")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(InterviewPage {
            items,
            offset: page.offset,
            limit: page.limit,
            has_more,
        })
    }
}

fn check_questionnaire_lang(questionnaire: &str, lang: &str) -> Result<()> {
    if !BUILTIN_IDS.contains(&questionnaire) && questionnaire != INTERVIEW_TEXTS_ID {
        return Err(invalid("questionnaire", "unknown"));
    }
    if !REQUIRED_LANGUAGES.contains(&lang) || lang == "en" {
        return Err(invalid("lang", "unknown"));
    }
    Ok(())
}

fn seal(keys: &crate::crypto::OrgKeys, org: OrgId, id: InterviewId, s: &Sealed) -> Result<Vec<u8>> {
    let json = zeroize::Zeroizing::new(
        serde_json::to_vec(s).map_err(|_| StoreError::Corrupt("interview answers"))?,
    );
    Ok(keys.seal(&interview_aad(org, id), &json)?)
}

impl crate::Store {
    /// The id of a user by e-mail (operator use: the demo seeds interviews in a user's name).
    pub async fn user_id_by_email_operator(&self, email: &str) -> Result<Option<UserId>> {
        let row = sqlx::query("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_optional(&self.db().pool)
            .await?;
        row.map(|r| id_col(&r, "id")).transpose()
    }
}
