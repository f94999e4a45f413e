//! The interviews aggregate (`interviews`): starting, consent, answering, finishing and
//! stopping an interview, reading one to conduct it or as a record, and the lists. Answers and
//! recorded facts are one sealed value per interview.

use std::sync::Arc;

use ally_core::audit::AuditOutcome;
use ally_core::authz::Action;
use ally_core::questionnaire::answer::{
    self, InterviewState, Step, check_step, format_summary, parse_summary,
};
use ally_core::questionnaire::{Answers, Questionnaire, REQUIRED_LANGUAGES, next_question};
use ally_core::screening::{Answer, Outcome};
use ally_core::{OrgId, PersonId, UserId};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use uuid::Uuid;

use super::common::{builtin, invalid};
use crate::access::{Access, Page, id_col};
use crate::{Result, StoreError, now_ms};

/// An interview's id.
pub type InterviewId = Uuid;

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

const COLUMNS: &str = "i.id, i.org_id, i.questionnaire_id, i.questionnaire_version, i.interviewer_id, \
     i.person_id, i.inspection_id, i.interviewer_lang, i.interviewee_lang, i.consent_at, \
     i.consent_sections, i.state, i.sealed, i.answered, i.outcomes, i.created_at, i.updated_at, \
     i.ended_at, i.version, COALESCE(u.display_name, '') AS interviewer_name";

fn answer_from_str(s: &str) -> Answer {
    Answer::parse(s).unwrap_or(Answer::Unknown)
}

impl Access<'_> {
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
