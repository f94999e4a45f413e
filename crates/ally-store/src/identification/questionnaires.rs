//! The questionnaires aggregate: an organisation's effective questionnaires and interview
//! texts (shipped data, reviewed translations and own questions applied, served through the
//! cache) and the organisation's own questions (`questionnaire_questions`).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use ally_core::OrgId;
use ally_core::audit::AuditOutcome;
use ally_core::authz::Action;
use ally_core::questionnaire::answer;
use ally_core::questionnaire::{
    BUILTIN_IDS, INTERVIEW_TEXTS_ID, IndicatorMapping, InterviewTexts, Item, Question,
    QuestionKind, Questionnaire, Text,
};
use sqlx::Row;

use super::cache::{cache_get, cache_put};
use super::common::{builtin, invalid};
use crate::access::Access;
use crate::{Result, StoreError, now_ms};

/// The choice list of the organisations' own questions (every default questionnaire has it).
const ORG_QUESTION_LIST: &str = "yes_no";

impl Access<'_> {
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

    pub(super) async fn questionnaire_for(
        &self,
        org: OrgId,
        id: &str,
    ) -> Result<Arc<Questionnaire>> {
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
}
