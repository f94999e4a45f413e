//! Synthetic person records for the scale benchmark, with a truth file.
//!
//!     cargo run --release -p ally-linkage --example synthetic_people -- N records.csv truth.csv [SEED]
//!
//! Households share a family name, an address and a landline; relatives differ in given name
//! and date of birth (hard negatives). Each person appears 1-4 times; copies vary: typos,
//! missing values, given/family names swapped, other date formats and day/month swaps,
//! upper case, phone formats, and names written in Cyrillic or Greek script (which the
//! matcher transliterates back, imperfectly). `truth.csv` lists every pair of records of the
//! same person (`rec_id_1,rec_id_2`).

use std::io::{BufWriter, Write};

use ally_linkage::fellegi_sunter::SplitMix64;

const SYL: [&str; 48] = [
    "ka", "ri", "to", "ma", "len", "sa", "mi", "na", "do", "ra", "vel", "an", "el", "is", "or",
    "bo", "lu", "ta", "ne", "ko", "ha", "li", "mar", "ste", "fan", "jo", "han", "ne", "se", "bas",
    "ti", "al", "ek", "san", "dra", "ni", "kol", "ai", "ol", "ga", "fa", "ti", "ma", "ya", "ze",
    "nab", "ri", "ul",
];
const CYR: [(&str, &str); 20] = [
    ("a", "а"),
    ("b", "б"),
    ("v", "в"),
    ("g", "г"),
    ("d", "д"),
    ("e", "е"),
    ("z", "з"),
    ("i", "и"),
    ("k", "к"),
    ("l", "л"),
    ("m", "м"),
    ("n", "н"),
    ("o", "о"),
    ("p", "п"),
    ("r", "р"),
    ("s", "с"),
    ("t", "т"),
    ("u", "у"),
    ("f", "ф"),
    ("h", "х"),
];
const GRK: [(&str, &str); 16] = [
    ("a", "α"),
    ("b", "β"),
    ("g", "γ"),
    ("d", "δ"),
    ("e", "ε"),
    ("z", "ζ"),
    ("i", "ι"),
    ("k", "κ"),
    ("l", "λ"),
    ("m", "μ"),
    ("n", "ν"),
    ("o", "ο"),
    ("p", "π"),
    ("r", "ρ"),
    ("s", "σ"),
    ("t", "τ"),
];
const STREETS: [&str; 12] = [
    "street", "road", "avenue", "lane", "close", "way", "ulica", "rua", "strasse", "crescent",
    "place", "drive",
];

fn word(r: &mut SplitMix64, min: usize, max: usize) -> String {
    let n = min + r.below(max - min + 1);
    (0..n).map(|_| SYL[r.below(SYL.len())]).collect()
}

fn script(s: &str, table: &[(&str, &str)]) -> String {
    s.chars()
        .map(|c| {
            let k = c.to_string();
            table
                .iter()
                .find(|(l, _)| *l == k)
                .map(|(_, v)| v.to_string())
                .unwrap_or(k)
        })
        .collect()
}

fn typo(r: &mut SplitMix64, s: &str) -> String {
    let mut c: Vec<char> = s.chars().collect();
    if c.len() < 3 {
        return s.to_string();
    }
    let i = 1 + r.below(c.len() - 2);
    match r.below(3) {
        0 => {
            c.remove(i);
        }
        1 => c.swap(i, i + 1),
        _ => c[i] = (b'a' + r.below(26) as u8) as char,
    }
    c.into_iter().collect()
}

struct Person {
    given: String,
    family: String,
    dob: (u32, u32, u32),
    city: String,
    postcode: String,
    street: String,
    phone: String,
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: synthetic_people N records.csv truth.csv [SEED]");
        std::process::exit(2);
    }
    let n: usize = args[1].parse().unwrap_or(1000);
    let seed: u64 = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(1);
    let mut r = SplitMix64::new(seed);
    let n_given = (n / 40).clamp(200, 20_000);
    let n_family = (n / 8).clamp(500, 150_000);
    let given: Vec<String> = (0..n_given).map(|_| word(&mut r, 2, 3)).collect();
    let family: Vec<String> = (0..n_family).map(|_| word(&mut r, 2, 4)).collect();
    let cities: Vec<String> = (0..(n / 2000).clamp(20, 800))
        .map(|_| word(&mut r, 2, 3))
        .collect();
    // Zipf-like name popularity: squares of uniforms favour small indices
    let pick = |r: &mut SplitMix64, len: usize| -> usize {
        let u = r.below(1 << 20) as f64 / (1 << 20) as f64;
        ((u * u) * len as f64) as usize % len
    };
    let mut out = BufWriter::new(std::fs::File::create(&args[2])?);
    let mut truth = BufWriter::new(std::fs::File::create(&args[3])?);
    writeln!(
        out,
        "id,given_name,family_name,date_of_birth,city,postcode,street,phone"
    )?;
    writeln!(truth, "rec_id_1,rec_id_2")?;
    let mut written = 0usize;
    let mut person_id = 0usize;
    while written < n {
        // a household of 1-4 people sharing family name, address and landline
        let fam = family[pick(&mut r, family.len())].clone();
        let city_i = r.below(cities.len());
        let city = cities[city_i].clone();
        let postcode = format!("{}", 10_000 + city_i * 100 + r.below(100));
        let street = format!(
            "{} {} {}",
            1 + r.below(200),
            word(&mut r, 2, 3),
            STREETS[r.below(STREETS.len())]
        );
        let phone = format!("0{}", 200_000_000 + r.below(700_000_000));
        let base_year = 1940 + r.below(60) as u32;
        let members = 1 + r.below(4);
        for _ in 0..members {
            if written >= n {
                break;
            }
            let p = Person {
                given: given[pick(&mut r, given.len())].clone(),
                family: fam.clone(),
                dob: (
                    base_year + r.below(30) as u32,
                    1 + r.below(12) as u32,
                    1 + r.below(28) as u32,
                ),
                city: city.clone(),
                postcode: postcode.clone(),
                street: street.clone(),
                phone: if r.below(2) == 0 {
                    phone.clone()
                } else {
                    format!("07{}", 100_000_000 + r.below(800_000_000))
                },
            };
            // 1-4 copies (about 1.7 on average)
            let copies = match r.below(10) {
                0..=4 => 1,
                5..=7 => 2,
                8 => 3,
                _ => 4,
            };
            let mut ids = Vec::new();
            for c in 0..copies {
                if written >= n {
                    break;
                }
                let id = format!("p{person_id}-{c}");
                let (mut g, mut f) = (p.given.clone(), p.family.clone());
                let (y, m, d) = p.dob;
                let mut dob = format!("{y}-{m:02}-{d:02}");
                let (mut cty, mut pc, mut st, mut ph) = (
                    p.city.clone(),
                    p.postcode.clone(),
                    p.street.clone(),
                    p.phone.clone(),
                );
                if c > 0 {
                    // 1-3 variations per copy
                    for _ in 0..1 + r.below(3) {
                        match r.below(12) {
                            0 => g = typo(&mut r, &g),
                            1 => f = typo(&mut r, &f),
                            2 => std::mem::swap(&mut g, &mut f),
                            3 => dob = format!("{d:02}/{m:02}/{y}"),
                            4 if d <= 12 => dob = format!("{y}-{d:02}-{m:02}"),
                            5 => dob.clear(),
                            6 => pc.clear(),
                            7 if ph.len() > 1 => ph = format!("+44 {}", ph.get(1..).unwrap_or("")),
                            8 => {
                                g = script(&g, &CYR);
                                f = script(&f, &CYR);
                            }
                            9 => {
                                g = script(&g, &GRK);
                                f = script(&f, &GRK);
                            }
                            10 => {
                                g = g.to_uppercase();
                                f = f.to_uppercase();
                                st = st.to_uppercase();
                            }
                            _ => {
                                cty = typo(&mut r, &cty);
                                ph.clear();
                            }
                        }
                    }
                }
                writeln!(out, "{id},{g},{f},{dob},{cty},{pc},{st},{ph}")?;
                ids.push(id);
                written += 1;
            }
            for a in 0..ids.len() {
                for b in a + 1..ids.len() {
                    let (x, y) = if ids[a] < ids[b] {
                        (&ids[a], &ids[b])
                    } else {
                        (&ids[b], &ids[a])
                    };
                    writeln!(truth, "{x},{y}")?;
                }
            }
            person_id += 1;
        }
    }
    out.flush()?;
    truth.flush()?;
    Ok(())
}
