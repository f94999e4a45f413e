//! Demo data of the information module (issue 5). Every name and detail is invented.
//!
//! The demo NGO receives the public form's reports (`/report`, also `/report?to=ngo`); the
//! community group has its own intake address (`/report?to=circle`). The NGO holds earlier
//! reports whose recruiter's phone number ([`RECRUITER_PHONE`]) the browser test's anonymous
//! report mentions again, written another way.
//!
//! The newer features, so that a tester sees them: the first report (own organisation only)
//! carries a photo ([`demo_png`], its position chunk stripped on the way in), and its
//! recruiter's phone has a level of its own, shared with the demo shelter by name; a report of
//! a domestic worker names her as a possible victim, linked to the protection case DEMO-02,
//! whose consent lets the shelter read her entity, which is shared with it alone. Sofia
//! Shelter (caseworker@shelter.demo) sees both under "Shared with us" (`/entities/shared`).

use ally_core::authz::{Principal, Role};
use ally_core::information::{Distribution, EntityInput, EntityKind, EntityRole, ReportInput};
use ally_core::protection::{ConsentPurpose, FieldGroup};
use ally_store::protection::NewConsent;
use ally_store::{Page, Store};
use anyhow::Context;

use crate::demo::DemoOrgs;

/// The recruiter's phone number in the NGO's earlier demo report.
pub const RECRUITER_PHONE: &str = "+40 744 210 387";
/// The possible victim of the NGO's domestic-work report (invented).
pub const VICTIM_NAME: &str = "Oksana Dembrova";

/// A small picture as a phone would send it: a PNG of 64 × 40 pixels (a blue sign on its post
/// against the sky, a road below) followed by a text chunk holding a GPS position, which the
/// store's metadata filter removes before the image is sealed.
pub fn demo_png() -> Vec<u8> {
    const W: u32 = 64;
    const H: u32 = 40;
    let mut raw = Vec::new();
    for y in 0..H {
        raw.push(0); // filter type: none
        for x in 0..W {
            let sky = u8::try_from(y).unwrap_or(0);
            let rgb = if y >= 30 {
                [96, 96, 104]
            } else if (20..44).contains(&x) && (8..20).contains(&y) {
                [20, 90, 170]
            } else if (30..34).contains(&x) && y >= 20 {
                [60, 60, 60]
            } else {
                [150 + 2 * sky, 190 + sky, 235]
            };
            raw.extend_from_slice(&rgb);
        }
    }
    // A zlib stream of stored (uncompressed) deflate blocks: nothing to compress with.
    let mut z = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(0xFFFF).collect();
    for (i, block) in blocks.iter().enumerate() {
        let len = u16::try_from(block.len()).unwrap_or(u16::MAX);
        z.push(u8::from(i + 1 == blocks.len()));
        z.extend_from_slice(&len.to_le_bytes());
        z.extend_from_slice(&(!len).to_le_bytes());
        z.extend_from_slice(block);
    }
    z.extend_from_slice(&adler32(&raw).to_be_bytes());
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&W.to_be_bytes());
    ihdr.extend_from_slice(&H.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8 bits, RGB, deflate, adaptive, no interlace
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png_chunk(&mut png, b"IHDR", &ihdr);
    png_chunk(&mut png, b"tEXt", b"Comment\0GPS 47.6635 N 26.2732 E");
    png_chunk(&mut png, b"IDAT", &z);
    png_chunk(&mut png, b"IEND", b"");
    png
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(0).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in bytes {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 == 1 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

fn adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in bytes {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

fn input(
    what: &str,
    observed_on: &str,
    place: &str,
    coords: Option<(&str, &str)>,
    exploitation: &str,
    indicators: &str,
    entities: &[(&str, &str, &str)],
) -> ReportInput {
    ReportInput {
        what: what.into(),
        observed_on: observed_on.into(),
        place: place.into(),
        latitude: coords.map(|c| c.0.into()).unwrap_or_default(),
        longitude: coords.map(|c| c.1.into()).unwrap_or_default(),
        exploitation: exploitation.into(),
        indicators: indicators.into(),
        distribution: String::new(),
        entities: entities
            .iter()
            .map(|(k, r, v)| EntityInput {
                kind: (*k).into(),
                role: (*r).into(),
                value: (*v).into(),
            })
            .collect(),
    }
}

/// Adds the module's demo records (called once, by `demo::seed`, after the persons).
pub async fn seed(store: &Store, orgs: &DemoOrgs) -> anyhow::Result<()> {
    store.set_report_intake(orgs.ngo, "ngo", true).await?;
    store
        .set_report_intake(orgs.community, "circle", false)
        .await?;
    let caseworker = Principal {
        user_id: store
            .user_id_operator("caseworker@ngo.demo")
            .await?
            .context("demo caseworker")?,
        org_id: orgs.ngo,
        roles: vec![Role::Caseworker],
    };
    let coordinator = Principal {
        user_id: store
            .user_id_operator("coordinator@ngo.demo")
            .await?
            .context("demo coordinator")?,
        org_id: orgs.ngo,
        roles: vec![Role::Coordinator],
    };
    let any = |_: &str| true;
    let reports = [
        (
            &caseworker,
            input(
                "A man offering well-paid farm work in Spain collects passports before the trip; three women from the same village left with him last month and have not called home since.",
                "2026-09-14",
                "Bus station, Strada Gării 12, Suceava",
                Some(("47.6635", "26.2732")),
                "labour",
                "",
                &[
                    ("phone", "recruiter", RECRUITER_PHONE),
                    ("person", "recruiter", "Dragan Popescu"),
                    ("company", "employer", "Agro Fields Iberia SL"),
                    ("vehicle", "driver", "SV-12-DRG"),
                ],
            ),
            Distribution::Own,
        ),
        (
            &caseworker,
            input(
                "Workers housed in a barn behind the packing station; the landlord keeps their wages for 'rent and transport'.",
                "2026-10-02",
                "Packing station, Lleida outskirts",
                None,
                "labour",
                "",
                &[
                    ("company", "employer", "Agro Fields Iberia S.L."),
                    ("person", "landlord", "Jordi Ferran Puig"),
                    ("website", "recruiter", "@agrofields.jobs"),
                ],
            ),
            Distribution::Own,
        ),
        (
            &coordinator,
            input(
                "Advertisement for 'hostess work abroad, travel paid' seen in several community chat groups; the number answers in Romanian and Bulgarian.",
                "2026-10-20",
                "Online",
                None,
                "sexual",
                "",
                &[("website", "recruiter", "t.me/hostess_abroad_jobs")],
            ),
            Distribution::Network,
        ),
    ];
    let mut filed = Vec::new();
    for (who, f, level) in reports {
        let mut valid = f
            .validate(any, false)
            .map_err(|e| anyhow::anyhow!("demo report invalid: {e:?}"))?;
        valid.distribution = level;
        filed.push(store.access(who, None).reports().file_report(valid).await?);
    }
    let cw = store.access(&caseworker, None);
    let co = store.access(&coordinator, None);
    // The first report: a photo, and its recruiter's phone shared with the shelter on its own
    // (the report stays with the NGO).
    let first = *filed.first().context("demo report")?;
    cw.attachments()
        .add_report_attachment(first, &demo_png())
        .await?;
    let phone = cw
        .reports()
        .get_report(first)
        .await?
        .entities
        .iter()
        .find(|e| e.kind == EntityKind::Phone)
        .map(|e| e.id)
        .context("demo phone entity")?;
    co.distribution()
        .set_entity_distribution(phone, Distribution::Partners, vec![orgs.shelter])
        .await?;
    // A possible victim, linked to the protection case DEMO-02 (led by the same caseworker),
    // whose consent names the shelter: her entity alone is shared with it.
    let valid = input(
        "A neighbour says a young domestic worker never leaves the house; the family holds her passport and she sleeps in the laundry room.",
        "2026-10-28",
        "Chemin des Acacias, Lyon",
        None,
        "domestic_servitude",
        "",
        &[
            ("person", "possible_victim", VICTIM_NAME),
            ("place", "unknown", "Villa Les Acacias"),
        ],
    )
    .validate(any, false)
    .map_err(|e| anyhow::anyhow!("demo report invalid: {e:?}"))?;
    let report = cw.reports().file_report(valid).await?;
    let victim = cw
        .reports()
        .get_report(report)
        .await?
        .entities
        .iter()
        .find(|e| e.role == EntityRole::PossibleVictim)
        .map(|e| e.id)
        .context("demo victim entity")?;
    let case = cw
        .cases()
        .list_cases(None, Page::new(0, 20))
        .await?
        .into_iter()
        .find(|c| c.reference.starts_with("DEMO-02"))
        .map(|c| c.id)
        .context("demo case DEMO-02")?;
    cw.entities().link_victim_case(victim, case).await?;
    cw.consents()
        .record_consent(
            case,
            NewConsent {
                purpose: ConsentPurpose::Referral,
                recipients: [orgs.shelter].into_iter().collect(),
                scope: [FieldGroup::Identity, FieldGroup::Exploitation]
                    .into_iter()
                    .collect(),
                language: "ro".into(),
                given: true,
                date: None,
                valid_until: None,
                guardian: None,
            },
        )
        .await?;
    co.distribution()
        .set_entity_distribution(victim, Distribution::Partners, vec![orgs.shelter])
        .await?;
    // The shelter holds a record of the same recruiter, spelt another way: a privacy-preserving
    // matching run of the network (coordinator, /pprl) finds it without any name crossing.
    let shelter = Principal {
        user_id: ally_core::UserId::new(),
        org_id: orgs.shelter,
        roles: vec![Role::Coordinator],
    };
    let valid = input(
        "A resident says the man who brought her here, 'Dragan Popesku', still calls her.",
        "2026-10-05",
        "",
        None,
        "sexual",
        "",
        &[("person", "recruiter", "Popesku Dragan")],
    )
    .validate(any, false)
    .map_err(|e| anyhow::anyhow!("demo report invalid: {e:?}"))?;
    store
        .access(&shelter, None)
        .reports()
        .file_report(valid)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_demo_photo_is_a_png_that_loses_its_position_chunk() {
        let png = super::demo_png();
        let has = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
        assert!(has(&png, b"GPS"));
        let Ok((content_type, clean)) = ally_store::images::strip_image_metadata(&png) else {
            panic!("the demo photo is refused by the metadata filter");
        };
        assert_eq!(content_type, "image/png");
        assert!(!has(&clean, b"GPS") && !has(&clean, b"tEXt"));
        assert!(has(&clean, b"IHDR") && has(&clean, b"IDAT"));
        assert!(clean.len() < 10 * 1024, "{} bytes", clean.len());
    }
}
