//! The `policybot-bench` binary: runs the suite and writes its figures into docs/benchmarks.md.
//! A full run measures each area in a process of its own (this binary again, with `--only`), so
//! that memory figures and allocator state belong to that area alone.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use clap::Parser;
use policybot_bench::load::{self, Sample};
use policybot_bench::machine::Machine;
use policybot_bench::report::{Section, show_duration};
use policybot_bench::{Area, Findings, Mode, report};
use tracing_subscriber::EnvFilter;

/// Runs policybot's benchmark suite: Q&A, dialogs, Telegram end to end, memory, and how they grow.
#[derive(Debug, Parser)]
struct Args {
    /// Tiny counts: every measurement runs, in seconds; prints the results and writes nothing.
    #[arg(long)]
    smoke: bool,
    /// Measure this area only and print it (only a run of every area writes the document).
    #[arg(long, value_enum)]
    only: Option<Area>,
    /// The document whose part between `<!-- suite:begin -->` and `<!-- suite:end -->` gets the figures.
    #[arg(long, value_name = "FILE", default_value_os_t = policybot_bench::in_repository("docs/benchmarks.md"))]
    out: PathBuf,
    /// Also write what was found as JSON to FILE (how a full run collects its areas).
    #[arg(long, value_name = "FILE")]
    results: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_env("RUST_LOG").unwrap_or_else(|_| EnvFilter::new("warn")))
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let mode = if args.smoke { Mode::Smoke } else { Mode::Full };
    let findings = match (args.only, mode) {
        (Some(area), _) => {
            eprintln!("measuring {}…", area.name());
            policybot_bench::run(area, mode).with_context(|| format!("measuring {}", area.name()))?
        }
        (None, Mode::Smoke) => policybot_bench::run_all(mode).context("the smoke run")?,
        (None, Mode::Full) => {
            ensure!(
                !cfg!(debug_assertions),
                "the figures come from a release build: cargo run --release -p policybot-bench"
            );
            measure_each_alone()?
        }
    };
    if let Some(path) = &args.results {
        let json = serde_json::to_string(&findings)?;
        std::fs::write(path, json).with_context(|| format!("writing {}", path.display()))?;
    }
    match (args.only, mode) {
        (None, Mode::Full) => {
            let markdown = findings.markdown(Some(&Machine::detect()));
            write_figures(&args.out, &markdown)?;
            println!("{markdown}\nThe figures are in {}.", args.out.display());
        }
        _ => println!("{}", findings.markdown(None)),
    }
    Ok(())
}

/// Other processes may use this share of the CPU while an area runs.
const QUIET: f64 = 0.05;
/// How long to wait for that before measuring anyway.
const PATIENCE: Duration = Duration::from_secs(600);

/// Runs every area in a child process of its own, each once the machine is quiet, and collects
/// what they found and how quiet the machine stayed.
fn measure_each_alone() -> anyhow::Result<Findings> {
    let exe = std::env::current_exe().context("locating this binary")?;
    let dir = tempfile::tempdir()?;
    let mut findings = Findings::default();
    let mut conditions = Section::new(
        "Run conditions",
        format!(
            "Each area ran in a process of its own, started once other processes used less than {:.0}% of the \
             CPU (or after {} minutes of waiting); the share they used while it ran is the CPU time of all \
             processes (/proc/stat) minus the area's own and its children's — the PostgreSQL server the dialog \
             area talks to counts as another process.",
            QUIET * 100.0,
            PATIENCE.as_secs() / 60
        ),
        &["area", "wall time", "CPU used by other processes"],
    );
    for area in Area::ALL {
        load::wait_for_quiet(QUIET, PATIENCE);
        let (sample, start) = (Sample::take(), Instant::now());
        let results = dir.path().join(format!("{}.json", area.name()));
        let status = Command::new(&exe)
            .args(["--only", area.name(), "--results"])
            .arg(&results)
            .status()
            .with_context(|| format!("starting {}", exe.display()))?;
        if !status.success() {
            bail!("measuring {} failed ({status})", area.name());
        }
        let others = sample.and_then(|sample| sample.others_since());
        let json = std::fs::read_to_string(&results).with_context(|| format!("reading {}", results.display()))?;
        findings.extend(serde_json::from_str(&json).with_context(|| format!("parsing {}", results.display()))?);
        let others = others.map_or("unknown".to_owned(), |share| format!("{:.0}%", share * 100.0));
        conditions.row([area.name().to_owned(), show_duration(start.elapsed()), others]);
    }
    findings.sections.push(conditions);
    Ok(findings)
}

/// Replaces the marked part of `path` with `markdown`.
fn write_figures(path: &Path, markdown: &str) -> anyhow::Result<()> {
    let document = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let spliced = report::splice(&document, markdown).with_context(|| path.display().to_string())?;
    std::fs::write(path, spliced).with_context(|| format!("writing {}", path.display()))
}
