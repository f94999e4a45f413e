//! The translation reviews aggregate (`questionnaire_reviews`): a reviewer of one
//! organisation confirms or corrects a machine translation of a shipped questionnaire or of the
//! interview texts, for that organisation's interviews only.

use ally_core::audit::AuditOutcome;
use ally_core::authz::Action;
use ally_core::questionnaire::{BUILTIN_IDS, INTERVIEW_TEXTS_ID, REQUIRED_LANGUAGES};
use serde::Serialize;
use sqlx::Row;

use super::common::{builtin, invalid};
use crate::access::Access;
use crate::{Result, now_ms};

/// One reviewed string of a questionnaire in one language.
#[derive(Debug, Clone, Serialize)]
pub struct TranslationReview {
    pub key: String,
    pub text: String,
    pub reviewed_by: String,
    pub reviewed_at_ms: i64,
}

impl Access<'_> {
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
