//! Demo data of the identification module (issue 3). Every name and detail is invented.
//!
//! Interviews of the demo NGO, conducted by Ines Interviewer, one per outcome: a presumed
//! victim (adult labour), a child not identified (no act of trafficking established), an
//! undecided first-contact screening (every question declined), an adult sexual-exploitation
//! interview (indicators only: that set's data is not usable for a verdict), and one left in
//! progress to resume.

use ally_core::authz::{Principal, Role};
use ally_core::questionnaire::answer::{NOT_IDENTIFIED_CHILD, PRESUMED_VICTIM_ADULT_LABOUR};
use ally_core::questionnaire::next_question;
use ally_core::screening::Answer;
use ally_store::{Access, InterviewId, NewInterview, Store};
use anyhow::Context;

use crate::demo::DemoOrgs;

async fn start(a: &Access<'_>, questionnaire: &str, lang: &str) -> anyhow::Result<InterviewId> {
    let id = a
        .interviews()
        .start_interview(NewInterview {
            questionnaire_id: questionnaire.into(),
            interviewer_lang: "en".into(),
            interviewee_lang: lang.into(),
            person_id: None,
            inspection_id: None,
        })
        .await?;
    a.interviews().record_interview_consent(id, true).await?;
    Ok(id)
}

async fn answer_list(a: &Access<'_>, id: InterviewId, list: &[(&str, &str)]) -> anyhow::Result<()> {
    for (q, v) in list {
        a.interviews()
            .answer_interview(id, q, &[(*v).to_owned()], false)
            .await?;
    }
    Ok(())
}

/// Answers every remaining question with `value` (or declines when `value` is `None`).
async fn answer_all(a: &Access<'_>, id: InterviewId, value: Option<&str>) -> anyhow::Result<()> {
    loop {
        let (rec, q) = a.interviews().interview_to_conduct(id).await?;
        let Some(next) = next_question(&q, &rec.answers) else {
            return Ok(());
        };
        let values: Vec<String> = value.map(|v| vec![v.to_owned()]).unwrap_or_default();
        a.interviews()
            .answer_interview(id, next, &values, value.is_none())
            .await?;
    }
}

/// Adds the module's demo records (called once, by `demo::seed`, after the persons).
pub async fn seed(store: &Store, orgs: &DemoOrgs) -> anyhow::Result<()> {
    let user = store
        .user_id_by_email_operator("interviewer@ngo.demo")
        .await?
        .context("demo interviewer")?;
    let ines = Principal {
        user_id: user,
        org_id: orgs.ngo,
        roles: vec![Role::Interviewer],
    };
    let a = store.access(&ines, None);

    let id = start(&a, "adult_labour", "ro").await?;
    answer_list(&a, id, PRESUMED_VICTIM_ADULT_LABOUR).await?;
    a.interviews().finish_interview(id, &[]).await?;

    let id = start(&a, "child", "uk").await?;
    answer_list(&a, id, NOT_IDENTIFIED_CHILD).await?;
    a.interviews()
        .finish_interview(
            id,
            &[("act_of_trafficking_established".to_owned(), Answer::No)],
        )
        .await?;

    let id = start(&a, "first_contact", "vi").await?;
    answer_all(&a, id, None).await?;
    a.interviews().finish_interview(id, &[]).await?;

    let id = start(&a, "adult_sexual", "bg").await?;
    answer_all(&a, id, Some("yes")).await?;
    a.interviews().finish_interview(id, &[]).await?;

    let id = start(&a, "first_contact", "ar").await?;
    answer_list(
        &a,
        id,
        &[("fc_migrated", "yes"), ("fc_job_as_promised", "no")],
    )
    .await?;
    Ok(())
}
