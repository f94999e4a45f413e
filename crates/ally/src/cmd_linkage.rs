//! `ally link dedupe|match` and `ally pprl encode|match`: command-line front ends of the
//! `ally-linkage` engine.

use std::fs::File;
use std::io::{BufWriter, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};

use ally_linkage::blocking::BlockingRule;
use ally_linkage::fellegi_sunter::Comparer;
use ally_linkage::pprl;
use ally_linkage::{Dataset, FieldKind, FieldSpec, LinkOptions};

/// Record linkage and privacy-preserving record linkage commands.
#[derive(Debug, Subcommand)]
pub enum LinkageCommand {
    /// Entity resolution on plaintext records.
    #[command(subcommand)]
    Link(LinkCommand),
    /// Privacy-preserving record linkage with Bloom-filter encodings (CLKs).
    #[command(subcommand)]
    Pprl(PprlCommand),
}

/// `ally link ...`
#[derive(Debug, Subcommand)]
pub enum LinkCommand {
    /// Deduplicate one file: writes `record_id,cluster_id` for every input row.
    Dedupe(DedupeArgs),
    /// Link two files: writes `left_id,right_id,score` for the pairs judged the same.
    Match(MatchArgs),
}

/// Options shared by `link dedupe` and `link match`.
#[derive(Debug, Args)]
pub struct CommonLinkArgs {
    /// Column holding the record id.
    #[arg(long)]
    pub id_column: String,
    /// A field as KIND=COLUMN (repeatable). Kinds: given_name, family_name, full_name,
    /// date_of_birth, sex, nationality, phone, email, street, street_number, city, postcode,
    /// region, document_number.
    #[arg(long = "field", required = true)]
    pub fields: Vec<String>,
    /// Minimum match probability of a link.
    #[arg(long, default_value_t = 0.5)]
    pub threshold: f64,
    /// Blocking rule as KIND[+KIND...] or LEFT~RIGHT for a cross-field rule (repeatable);
    /// default: rules for the fields given.
    #[arg(long = "block")]
    pub blocks: Vec<String>,
    /// Skip blocks that would produce more candidate pairs than this.
    #[arg(long, default_value_t = 2_000_000)]
    pub max_block_pairs: u64,
    /// Worker threads for comparisons.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Region (ISO 3166 code, e.g. GB) of phone numbers written without a country code.
    #[arg(long)]
    pub phone_region: Option<String>,
    /// Household-aware scoring: address, postcode, city and phone agreement count once, and
    /// a link needs a similar given name, a close date of birth, or an equal document number
    /// or e-mail, so that relatives at one address are not merged.
    #[arg(long)]
    pub household_aware: bool,
    /// Also write every accepted pair with each field's comparison level and log2 Bayes
    /// factor to this CSV file.
    #[arg(long)]
    pub explain: Option<PathBuf>,
    /// Output file.
    #[arg(long)]
    pub output: PathBuf,
}

/// `ally link dedupe`
#[derive(Debug, Args)]
pub struct DedupeArgs {
    /// Input CSV file.
    #[arg(long)]
    pub input: PathBuf,
    /// Also write the accepted pairs (`left_id,right_id,score`) here.
    #[arg(long)]
    pub pairs_output: Option<PathBuf>,
    #[command(flatten)]
    pub common: CommonLinkArgs,
}

/// `ally link match`
#[derive(Debug, Args)]
pub struct MatchArgs {
    /// Left CSV file.
    #[arg(long)]
    pub left: PathBuf,
    /// Right CSV file.
    #[arg(long)]
    pub right: PathBuf,
    /// Keep only a greedy one-to-one assignment (each record linked at most once).
    #[arg(long)]
    pub one_to_one: bool,
    #[command(flatten)]
    pub common: CommonLinkArgs,
}

/// `ally pprl ...`
#[derive(Debug, Subcommand)]
pub enum PprlCommand {
    /// Encode records into CLKs: writes `record_id,clk` (base64).
    Encode(PprlEncodeArgs),
    /// Match two CLK files: writes `left_id,right_id,score` (Dice) after greedy 1:1 solving.
    Match(PprlMatchArgs),
}

/// `ally pprl encode`
#[derive(Debug, Args)]
pub struct PprlEncodeArgs {
    /// clkhash linkage schema (v3) JSON file, optionally with Ally's hardening extension
    /// (`"x-ally-hardening": {"balance": true, "xorFolds": 1, "salt": {...}}`, see
    /// docs/pprl-threat-model.md); both parties must use the same schema and secret.
    #[arg(long)]
    pub schema: PathBuf,
    /// File holding the shared secret (its bytes, a trailing newline is removed).
    #[arg(long)]
    pub secret_file: PathBuf,
    /// Input CSV; schema features are matched to columns by name.
    #[arg(long)]
    pub input: PathBuf,
    /// Column holding the record id.
    #[arg(long)]
    pub id_column: String,
    /// Output CSV.
    #[arg(long)]
    pub output: PathBuf,
}

/// `ally pprl match`
#[derive(Debug, Args)]
pub struct PprlMatchArgs {
    /// Left CLK file (`record_id,clk`).
    #[arg(long)]
    pub left: PathBuf,
    /// Right CLK file.
    #[arg(long)]
    pub right: PathBuf,
    /// Minimum Dice similarity.
    #[arg(long, default_value_t = 0.8)]
    pub threshold: f64,
    /// Worker threads for the comparisons.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Output CSV.
    #[arg(long)]
    pub output: PathBuf,
}

/// Run a linkage command.
pub fn run(cmd: LinkageCommand) -> Result<ExitCode> {
    match cmd {
        LinkageCommand::Link(LinkCommand::Dedupe(a)) => dedupe(a),
        LinkageCommand::Link(LinkCommand::Match(a)) => link_match(a),
        LinkageCommand::Pprl(PprlCommand::Encode(a)) => pprl_encode(a),
        LinkageCommand::Pprl(PprlCommand::Match(a)) => pprl_match(a),
    }
}

/// Progress shown on stderr while a step runs; hidden when stderr is not a terminal.
struct Progress(indicatif::ProgressBar);

impl Progress {
    fn new(steps: u64) -> Self {
        let pb = if std::io::stderr().is_terminal() {
            let pb = indicatif::ProgressBar::new(steps);
            pb.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            pb.enable_steady_tick(Duration::from_millis(120));
            pb
        } else {
            indicatif::ProgressBar::hidden()
        };
        Progress(pb)
    }
    fn step(&self, msg: &'static str) {
        self.0.set_message(msg);
        self.0.inc(1);
    }
    fn done(&self) {
        self.0.finish_and_clear();
    }
}

fn parse_fields(specs: &[String]) -> Result<Vec<FieldSpec>> {
    specs
        .iter()
        .map(|s| s.parse::<FieldSpec>().map_err(anyhow::Error::from))
        .collect()
}

fn parse_rules(blocks: &[String]) -> Result<Option<Vec<BlockingRule>>> {
    if blocks.is_empty() {
        return Ok(None);
    }
    let mut rules = Vec::new();
    let kinds = |t: &str| -> Result<Vec<FieldKind>> {
        t.split('+')
            .map(|k| k.parse::<FieldKind>().map_err(anyhow::Error::from))
            .collect()
    };
    for b in blocks {
        // KIND+KIND, or LEFT~RIGHT for cross-field rules (given_name+family_name~family_name+given_name)
        let rule = match b.split_once('~') {
            Some((l, r)) => BlockingRule {
                left: kinds(l)?,
                right: kinds(r)?,
            },
            None => BlockingRule::on(&kinds(b)?),
        };
        if rule.left.len() != rule.right.len() {
            bail!("blocking rule {b:?}: both sides need the same number of fields");
        }
        rules.push(rule);
    }
    Ok(Some(rules))
}

fn read_dataset(
    path: &Path,
    id_column: &str,
    fields: &[FieldSpec],
    phone_region: &Option<String>,
) -> Result<Dataset> {
    let f = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let opts = ally_linkage::normalise::NormaliseOptions {
        phone_region: phone_region.clone(),
    };
    Ok(Dataset::read_csv_with(
        std::io::BufReader::new(f),
        &path.display().to_string(),
        id_column,
        fields,
        &opts,
    )?)
}

fn create(path: &Path) -> Result<csv::Writer<BufWriter<File>>> {
    let f = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    Ok(csv::Writer::from_writer(BufWriter::new(f)))
}

fn options(c: &CommonLinkArgs) -> Result<LinkOptions> {
    if !(0.0..=1.0).contains(&c.threshold) {
        bail!("--threshold must be between 0 and 1");
    }
    Ok(LinkOptions {
        rules: parse_rules(&c.blocks)?,
        max_block_pairs: c.max_block_pairs,
        threshold: c.threshold,
        threads: c.threads.max(1),
        household_aware: c.household_aware,
        ..LinkOptions::default()
    })
}

fn write_explanations(
    path: &Path,
    a: &Dataset,
    b: &Dataset,
    out: &ally_linkage::LinkOutcome,
) -> Result<()> {
    let cmp = Comparer::new(a, b);
    let mut w = create(path)?;
    w.write_record([
        "left_id",
        "right_id",
        "field",
        "left_value",
        "right_value",
        "level",
        "log2_bayes_factor",
        "match_weight",
        "probability",
    ])?;
    for &(i, j, _) in &out.pairs {
        let e = out.model.explain(&cmp, i as usize, j as usize);
        w.write_record([
            a.ids[i as usize].as_str(),
            b.ids[j as usize].as_str(),
            "(prior)",
            "",
            "",
            "",
            &format!("{:.4}", e.prior_log2_odds),
            &format!("{:.4}", e.match_weight),
            &format!("{:.6}", e.probability),
        ])?;
        for f in &e.fields {
            w.write_record([
                a.ids[i as usize].as_str(),
                b.ids[j as usize].as_str(),
                f.kind.as_str(),
                &f.left,
                &f.right,
                f.label,
                &format!("{:.4}", f.log2_bayes_factor),
                &format!("{:.4}", e.match_weight),
                &format!("{:.6}", e.probability),
            ])?;
        }
    }
    w.flush()?;
    Ok(())
}

fn dedupe(a: DedupeArgs) -> Result<ExitCode> {
    let fields = parse_fields(&a.common.fields)?;
    let opts = options(&a.common)?;
    let p = Progress::new(3);
    p.step("reading and normalising");
    let t0 = std::time::Instant::now();
    let d = read_dataset(
        &a.input,
        &a.common.id_column,
        &fields,
        &a.common.phone_region,
    )?;
    let read_s = t0.elapsed().as_secs_f64();
    p.step("blocking, training and scoring");
    let out = ally_linkage::dedupe(&d, &opts)?;
    p.step("writing");
    let clusters = out
        .clusters
        .clone()
        .unwrap_or_else(|| (0..d.len() as u32).collect());
    let mut w = create(&a.common.output)?;
    w.write_record(["record_id", "cluster_id"])?;
    for (i, c) in clusters.iter().enumerate() {
        w.write_record([d.ids[i].as_str(), d.ids[*c as usize].as_str()])?;
    }
    w.flush()?;
    if let Some(pp) = &a.pairs_output {
        write_pairs(pp, &d, &d, &out.pairs)?;
    }
    if let Some(e) = &a.common.explain {
        write_explanations(e, &d, &d, &out)?;
    }
    p.done();
    report_timings(read_s, &out);
    eprintln!(
        "{} records, {} candidate pairs, {} links, {} clusters",
        d.len(),
        out.candidates,
        out.pairs.len(),
        {
            let mut c = clusters.clone();
            c.sort_unstable();
            c.dedup();
            c.len()
        }
    );
    Ok(ExitCode::SUCCESS)
}

fn report_timings(read_s: f64, out: &ally_linkage::LinkOutcome) {
    let steps: Vec<String> = std::iter::once(format!("reading {read_s:.3}"))
        .chain(out.timings.iter().map(|(n, s)| format!("{n} {s:.3}")))
        .collect();
    eprintln!("timings (s): {}", steps.join(", "));
}

fn write_pairs(path: &Path, a: &Dataset, b: &Dataset, pairs: &[(u32, u32, f64)]) -> Result<()> {
    let mut w = create(path)?;
    w.write_record(["left_id", "right_id", "score"])?;
    for &(i, j, s) in pairs {
        w.write_record([
            a.ids[i as usize].as_str(),
            b.ids[j as usize].as_str(),
            &format!("{s:.6}"),
        ])?;
    }
    w.flush()?;
    Ok(())
}

fn link_match(a: MatchArgs) -> Result<ExitCode> {
    let fields = parse_fields(&a.common.fields)?;
    let mut opts = options(&a.common)?;
    opts.one_to_one = a.one_to_one;
    let p = Progress::new(3);
    p.step("reading and normalising");
    let t0 = std::time::Instant::now();
    let left = read_dataset(
        &a.left,
        &a.common.id_column,
        &fields,
        &a.common.phone_region,
    )?;
    let right = read_dataset(
        &a.right,
        &a.common.id_column,
        &fields,
        &a.common.phone_region,
    )?;
    let read_s = t0.elapsed().as_secs_f64();
    p.step("blocking, training and scoring");
    let out = ally_linkage::link(&left, &right, &opts)?;
    p.step("writing");
    write_pairs(&a.common.output, &left, &right, &out.pairs)?;
    if let Some(e) = &a.common.explain {
        write_explanations(e, &left, &right, &out)?;
    }
    p.done();
    report_timings(read_s, &out);
    eprintln!(
        "{} x {} records, {} candidate pairs, {} links",
        left.len(),
        right.len(),
        out.candidates,
        out.pairs.len()
    );
    Ok(ExitCode::SUCCESS)
}

fn pprl_encode(a: PprlEncodeArgs) -> Result<ExitCode> {
    let schema_text = std::fs::read_to_string(&a.schema)
        .with_context(|| format!("cannot read {}", a.schema.display()))?;
    let schema = pprl::schema::Schema::from_json(&schema_text)?;
    let mut secret = std::fs::read(&a.secret_file)
        .with_context(|| format!("cannot read {}", a.secret_file.display()))?;
    while secret.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        secret.pop();
    }
    if secret.is_empty() {
        bail!("the secret file {} is empty", a.secret_file.display());
    }
    let encoder = pprl::encode::Encoder::new(&schema, &secret)?;
    let f = File::open(&a.input).with_context(|| format!("cannot open {}", a.input.display()))?;
    let (header, rows) =
        ally_linkage::data::read_table(std::io::BufReader::new(f), &a.input.display().to_string())?;
    let id_idx = header
        .iter()
        .position(|h| h.trim() == a.id_column)
        .with_context(|| {
            format!(
                "column {:?} not found in {}",
                a.id_column,
                a.input.display()
            )
        })?;
    let mapping = encoder.column_mapping(&header)?;
    let p = Progress::new(rows.len() as u64);
    let mut w = create(&a.output)?;
    w.write_record(["record_id", "clk"])?;
    let mut values: Vec<&str> = Vec::new();
    let mut cache = pprl::encode::TokenCache::default();
    for (n, row) in rows.iter().enumerate() {
        values.clear();
        values.extend(
            mapping
                .iter()
                .map(|m| m.map(|c| row[c].as_str()).unwrap_or("")),
        );
        let clk = encoder.encode_cached(&values, &mut cache)?;
        w.write_record([row[id_idx].as_str(), &clk.to_base64()])?;
        if n % 4096 == 0 {
            p.0.set_position(n as u64);
        }
    }
    w.flush()?;
    p.done();
    Ok(ExitCode::SUCCESS)
}

fn read_clks(path: &Path) -> Result<(Vec<String>, Vec<pprl::Clk>)> {
    let f = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let (header, rows) =
        ally_linkage::data::read_table(std::io::BufReader::new(f), &path.display().to_string())?;
    if header.len() < 2 {
        bail!("{}: expected columns record_id,clk", path.display());
    }
    let mut ids = Vec::with_capacity(rows.len());
    let mut clks = Vec::with_capacity(rows.len());
    for row in rows {
        clks.push(
            pprl::Clk::from_base64(&row[1])
                .map_err(|e| anyhow::anyhow!("{}: record {}: {e}", path.display(), row[0]))?,
        );
        ids.push(row[0].clone());
    }
    Ok((ids, clks))
}

fn pprl_match(a: PprlMatchArgs) -> Result<ExitCode> {
    if !(0.0..=1.0).contains(&a.threshold) {
        bail!("--threshold must be between 0 and 1");
    }
    let (lid, lc) = read_clks(&a.left)?;
    let (rid, rc) = read_clks(&a.right)?;
    let left = pprl::dice::ClkSet::new(&lc)?;
    let right = pprl::dice::ClkSet::new(&rc)?;
    if left.len_bits() != right.len_bits() && !lc.is_empty() && !rc.is_empty() {
        bail!("the two files hold CLKs of different lengths");
    }
    let (cands, _) = pprl::dice::candidates_threaded(&left, &right, a.threshold, a.threads);
    let links = pprl::solve::greedy_solve(&cands);
    let mut w = create(&a.output)?;
    w.write_record(["left_id", "right_id", "score"])?;
    for c in &links {
        w.write_record([
            lid[c.left as usize].as_str(),
            rid[c.right as usize].as_str(),
            &format!("{:.6}", c.similarity),
        ])?;
    }
    w.flush()?;
    eprintln!(
        "{} x {} CLKs, {} candidates, {} links",
        lid.len(),
        rid.len(),
        cands.len(),
        links.len()
    );
    Ok(ExitCode::SUCCESS)
}
