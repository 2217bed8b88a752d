//! `orchestrator export SESSION --format csv|jsonl|mcap [--robots a,b] [-o FILE|DIR|-]`: a
//! session's records straight from the database file, opened read-only (a server writing it is
//! never held up: WAL readers do not block the writer). A progress bar on stderr when it is a
//! terminal; memory stays flat (records stream a page at a time).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::Context;
use fleet_protocol::RobotId;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::export::{ExportSummary, Format, export_to_path, export_to_writer};
use crate::store::{RecordQuery, SessionId, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Csv,
    Jsonl,
    Mcap,
}

impl From<ExportFormat> for Format {
    fn from(f: ExportFormat) -> Self {
        match f {
            ExportFormat::Csv => Format::Csv,
            ExportFormat::Jsonl => Format::Jsonl,
            ExportFormat::Mcap => Format::Mcap,
        }
    }
}

#[derive(Debug, Clone, clap::Args)]
pub struct ExportArgs {
    /// The session's id (`orchestrator sessions list`).
    pub session: i64,
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// Only these robots (comma-separated), plus the fleet-wide records.
    #[arg(long, value_delimiter = ',')]
    pub robots: Vec<String>,
    /// Output file, `-` for stdout, or for CSV a directory (one file per message family; a
    /// path ending in `/` is created). Default: `session-ID.FORMAT` here.
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    /// The database file (read only; a server may be writing it).
    #[arg(long, env = "ORCHESTRATOR_DB", default_value = "fleet.db")]
    pub db: PathBuf,
}

pub fn run(args: ExportArgs) -> anyhow::Result<()> {
    let robots = parse_robots(&args.robots)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime.block_on(export(args, robots))
}

/// Robot ids from the command line, refused with the bad one named.
pub fn parse_robots(raw: &[String]) -> anyhow::Result<Vec<RobotId>> {
    raw.iter()
        .filter(|r| !r.trim().is_empty())
        .map(|r| RobotId::parse(r.trim()).with_context(|| format!("bad robot id {r:?}")))
        .collect()
}

async fn export(args: ExportArgs, robots: Vec<RobotId>) -> anyhow::Result<()> {
    let store = Store::open_read_only(&args.db)
        .await
        .with_context(|| format!("opening {}", args.db.display()))?;
    let format = Format::from(args.format);
    let query = RecordQuery {
        robots,
        ..RecordQuery::session(SessionId(args.session))
    };
    let total = store.count_matching(&query).await?;
    let bar = progress_bar(total);
    let mut progress = |s: &ExportSummary| bar.set_position(s.records);
    let output = args
        .output
        .unwrap_or_else(|| PathBuf::from(format!("session-{}.{}", args.session, format.as_str())));
    let result = if output == Path::new("-") {
        let stdout = std::io::stdout();
        export_to_writer(&store, query, format, stdout, &mut progress).await
    } else {
        if format == Format::Csv && output.to_string_lossy().ends_with('/') {
            std::fs::create_dir_all(&output)
                .with_context(|| format!("creating {}", output.display()))?;
        }
        export_to_path(&store, query, format, &output, &mut progress).await
    };
    bar.finish_and_clear();
    store.close().await;
    let summary = result.with_context(|| format!("exporting session {}", args.session))?;
    if output != Path::new("-") {
        eprintln!(
            "session {}: {} records ({}) to {}{}",
            args.session,
            summary.records,
            families(&summary),
            output.display(),
            match summary.unreadable {
                0 => String::new(),
                n => format!("; {n} unreadable, exported raw and flagged"),
            }
        );
    }
    Ok(())
}

/// `1200 telemetry, 14 event, ...`.
fn families(summary: &ExportSummary) -> String {
    let parts: Vec<String> = summary
        .by_family
        .iter()
        .map(|(family, n)| format!("{n} {family}"))
        .collect();
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

/// A bar on stderr when it is a terminal, else one that draws nothing.
fn progress_bar(total: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} records ({per_sec}, {eta} left)")
    {
        bar.set_style(style);
    }
    bar
}
