//! `orchestrator grade`: grades a recorded session's runs and prints a leaderboard, or writes
//! a gradebook CSV; `grade override` corrects a criterion or the total, with a reason.
//!
//! Unlike the other client commands this one opens the database file itself (`--db`), with or
//! without a server running on it: grading reads a whole session, which is the database's job,
//! not the API's. SQLite's WAL lets a reader and the server's writer work side by side, and
//! the few small writes (one row per run) wait for the server's write lock under the store's
//! busy timeout. A missing file is an error, never a new empty database.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};

use crate::domain::now_ms;
use crate::grading::session::{grade_session, ranked};
use crate::grading::{Course, Criterion, Rubric};
use crate::store::{GradeOverride, SessionId, Store, StoredGrade};

#[derive(Debug, Clone, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct GradeArgs {
    #[command(subcommand)]
    pub action: Option<GradeAction>,
    /// The session to grade (its id, as `sessions list` shows it).
    pub session: Option<i64>,
    /// Rubric file (default: the shipped line-follow rubric).
    #[arg(long)]
    pub rubric: Option<PathBuf>,
    /// Also write a gradebook CSV to this file.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// The map the server ran (`serve --sim-map`), for missions that name none (default: the
    /// shipped oval).
    #[arg(long)]
    pub map: Option<PathBuf>,
    /// The database file to grade from and store the grades in.
    #[arg(
        long,
        env = "ORCHESTRATOR_DB",
        default_value = "fleet.db",
        global = true
    )]
    pub db: PathBuf,
}

#[derive(Debug, Clone, Subcommand)]
pub enum GradeAction {
    /// Override one criterion's points, or the total, of a stored grade (ids in the
    /// leaderboard). The computed value is kept beside the override.
    Override {
        /// The grade's id.
        grade: i64,
        /// A criterion's name (`best_lap`, `estops`, ...) or `total`.
        #[arg(long)]
        target: String,
        /// The points that count instead of the computed ones.
        #[arg(long)]
        value: f64,
        /// Why (kept with the grade, printed in the gradebook).
        #[arg(long)]
        reason: String,
    },
}

/// Runs `grade`, printing to `out`.
pub fn run(args: GradeArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the CLI's runtime")?;
    runtime.block_on(run_async(args, out))
}

async fn run_async(args: GradeArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    if !args.db.exists() {
        bail!("no database file {}", args.db.display());
    }
    match args.action {
        Some(GradeAction::Override {
            grade,
            target,
            value,
            reason,
        }) => {
            check_target(&target)?;
            if reason.trim().is_empty() {
                bail!("an override needs a reason (--reason)");
            }
            let store = open(&args.db).await?;
            let over = GradeOverride {
                target,
                value,
                reason,
                at_ms: now_ms(),
            };
            let found = store.set_grade_override(grade, &over).await?;
            store.close().await;
            if !found {
                bail!("no grade {grade} in {}", args.db.display());
            }
            writeln!(out, "grade {grade}: {} overridden to {value}", over.target)?;
            Ok(())
        }
        None => {
            let Some(session) = args.session else {
                bail!("name the session to grade: orchestrator grade SESSION");
            };
            let rubric = match &args.rubric {
                Some(path) => Rubric::load(path)?,
                None => Rubric::line_follow(),
            };
            let store = open(&args.db).await?;
            let result = grade_and_print(&store, SessionId(session), &rubric, &args, out).await;
            store.close().await;
            result
        }
    }
}

fn check_target(target: &str) -> anyhow::Result<()> {
    if target == "total" || Criterion::ALL.iter().any(|c| c.name() == target) {
        return Ok(());
    }
    let names: Vec<_> = Criterion::ALL.iter().map(|c| c.name()).collect();
    bail!(
        "unknown override target {target:?}: one of total, {}",
        names.join(", ")
    )
}

async fn open(db: &Path) -> anyhow::Result<Store> {
    Store::open(db)
        .await
        .with_context(|| format!("opening {}", db.display()))
}

async fn grade_and_print(
    store: &Store,
    session: SessionId,
    rubric: &Rubric,
    args: &GradeArgs,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let course = match &args.map {
        Some(path) => Course::load(path)?,
        None => Course::oval(),
    };
    grade_session(store, session, &course, rubric, now_ms()).await?;
    let grades = ranked(store.session_grades(session, Some(&rubric.hash)).await?);
    let teams = store.robot_teams().await?;
    let team_of = |robot: &str| {
        teams
            .iter()
            .find(|(r, _)| r == robot)
            .map_or("", |(_, t)| t.as_str())
    };
    writeln!(
        out,
        "session {} graded with rubric {} v{} ({} runs)",
        session.0,
        rubric.name,
        rubric.version,
        grades.len()
    )?;
    writeln!(
        out,
        "{:>4}  {:<16} {:<16} {:<12} {:<12} {:>14}  {:<4}  {:<10}  grade",
        "rank", "robot", "student", "team", "run", "total", "", ""
    )?;
    for (i, g) in grades.iter().enumerate() {
        let total = g.effective_total();
        // A star marks a total that a teacher's override changed.
        let mark = if g.overrides.is_empty() { "" } else { "*" };
        writeln!(
            out,
            "{:>4}  {:<16} {:<16} {:<12} {:<12} {:>14}  {:<4}  {:<10}  {}",
            i + 1,
            g.robot.as_str(),
            "-",
            team_of(g.robot.as_str()),
            run_label(g),
            format!("{total:.2}{mark} / {}", g.scale),
            if total >= rubric.pass { "pass" } else { "fail" },
            if g.unreliable { "unreliable" } else { "" },
            g.id
        )?;
    }
    if let Some(path) = &args.csv {
        let mut file = std::fs::File::create(path)
            .with_context(|| format!("creating the gradebook {}", path.display()))?;
        write_csv(&mut file, &grades, |r| team_of(r).to_owned())
            .with_context(|| format!("writing the gradebook {}", path.display()))?;
        writeln!(out, "gradebook written to {}", path.display())?;
    }
    Ok(())
}

fn run_label(g: &StoredGrade) -> String {
    match g.mission {
        Some(m) => format!("mission {}", m.0),
        None => format!("{}-{}", g.from_ms, g.to_ms),
    }
}

/// The gradebook: one row per run, in leaderboard order.
fn write_csv(
    out: &mut dyn Write,
    grades: &[StoredGrade],
    team_of: impl Fn(&str) -> String,
) -> std::io::Result<()> {
    let mut header = vec!["rank", "student", "team", "robot", "run", "grade_id"];
    header.extend(Criterion::ALL.iter().map(|c| c.name()));
    header.extend([
        "total",
        "computed_total",
        "scale",
        "unreliable",
        "override",
        "override_reason",
        "rubric",
        "rubric_version",
    ]);
    writeln!(out, "{}", header.join(","))?;
    for (i, g) in grades.iter().enumerate() {
        let mut row = vec![
            (i + 1).to_string(),
            String::new(),
            team_of(g.robot.as_str()),
            g.robot.as_str().to_owned(),
            run_label(g),
            g.id.to_string(),
        ];
        row.extend(Criterion::ALL.iter().map(|c| {
            g.effective_points(c.name())
                .map(|p| format!("{p}"))
                .unwrap_or_default()
        }));
        let overrides: Vec<String> = g
            .overrides
            .iter()
            .map(|o| {
                let computed = if o.target == "total" {
                    Some(g.total)
                } else {
                    g.computed_points(&o.target)
                };
                let computed = computed.map_or("-".to_owned(), |c| format!("{c}"));
                format!("{}={} (computed {computed})", o.target, o.value)
            })
            .collect();
        let reasons: Vec<String> = g
            .overrides
            .iter()
            .map(|o| format!("{}: {}", o.target, o.reason))
            .collect();
        row.extend([
            format!("{}", g.effective_total()),
            format!("{}", g.total),
            format!("{}", g.scale),
            g.unreliable.to_string(),
            overrides.join("; "),
            reasons.join("; "),
            g.rubric_name.clone(),
            g.rubric_version.to_string(),
        ]);
        let row: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
        writeln!(out, "{}", row.join(","))?;
    }
    Ok(())
}

/// RFC 4180 quoting: a field with a comma, quote or line break is quoted, quotes doubled.
fn csv_field(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> GradeArgs {
        use clap::Parser;
        let argv = ["orchestrator", "grade"]
            .into_iter()
            .chain(args.iter().copied());
        match crate::cli::Cli::try_parse_from(argv).map(|c| c.command) {
            Ok(crate::cli::CliCommand::Grade(args)) => args,
            other => panic!("{args:?}: {other:?}"),
        }
    }

    #[test]
    fn grade_takes_a_session_or_the_override_subcommand() {
        let args = parse(&["3", "--csv", "out.csv", "--db", "x.db"]);
        assert_eq!(args.session, Some(3));
        assert!(args.action.is_none());
        assert_eq!(args.db, PathBuf::from("x.db"));
        let args = parse(&[
            "override", "5", "--target", "total", "--value", "18", "--reason", "r",
        ]);
        let args = match args.action {
            Some(GradeAction::Override { grade, .. }) => grade,
            None => panic!("no override parsed"),
        };
        assert_eq!(args, 5);
    }

    #[test]
    fn a_csv_field_with_a_comma_or_quote_is_quoted() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn an_unknown_override_target_is_refused_with_the_known_names() {
        assert!(check_target("total").is_ok());
        assert!(check_target("best_lap").is_ok());
        let err = check_target("bestlap").expect_err("accepted").to_string();
        assert!(err.contains("best_lap") && err.contains("bestlap"), "{err}");
    }
}
