//! `orchestrator grade`: grades a recorded session's runs (its line-follow missions and the
//! runs the teacher marked) and prints a leaderboard with each robot's student and team, or
//! writes a gradebook CSV; `grade override` corrects a criterion or the total, with a reason.
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

use crate::contract::LeaderboardRow;
use crate::domain::now_ms;
use crate::gradebook::leaderboard;
use crate::grading::session::grade_session;
use crate::grading::{Course, Criterion, Rubric};
use crate::store::{GradeOverride, SessionId, Store};

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
    let rows = leaderboard(store, session, Some(&rubric.hash)).await?;
    writeln!(
        out,
        "session {} graded with rubric {} v{} ({} runs)",
        session.0,
        rubric.name,
        rubric.version,
        rows.len()
    )?;
    writeln!(
        out,
        "{:>4}  {:<16} {:<16} {:<12} {:<12} {:>14}  {:<4}  {:<10}  grade",
        "rank", "robot", "student", "team", "run", "total", "", ""
    )?;
    for row in &rows {
        let g = &row.grade;
        let total = row.effective_total;
        // A star marks a total that a teacher's override changed.
        let mark = if g.overrides.is_empty() { "" } else { "*" };
        writeln!(
            out,
            "{:>4}  {:<16} {:<16} {:<12} {:<12} {:>14}  {:<4}  {:<10}  {}",
            row.rank,
            g.robot.as_str(),
            row.student.as_deref().unwrap_or("-"),
            row.team.as_deref().unwrap_or("-"),
            row.run,
            format!("{total:.2}{mark} / {}", g.scale),
            if total >= rubric.pass { "pass" } else { "fail" },
            if g.unreliable { "unreliable" } else { "" },
            g.id
        )?;
    }
    if let Some(path) = &args.csv {
        let mut file = std::fs::File::create(path)
            .with_context(|| format!("creating the gradebook {}", path.display()))?;
        write_csv(&mut file, &rows)
            .with_context(|| format!("writing the gradebook {}", path.display()))?;
        writeln!(out, "gradebook written to {}", path.display())?;
    }
    Ok(())
}

/// The gradebook: one row per run, in leaderboard order; student and team empty when the
/// roster assigns nobody.
fn write_csv(out: &mut dyn Write, rows: &[LeaderboardRow]) -> std::io::Result<()> {
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
    for r in rows {
        let g = &r.grade;
        let mut row = vec![
            r.rank.to_string(),
            r.student.clone().unwrap_or_default(),
            r.team.clone().unwrap_or_default(),
            g.robot.as_str().to_owned(),
            r.run.clone(),
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
            format!("{}", r.effective_total),
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

    fn row(rank: usize, robot: &str, student: Option<&str>, team: Option<&str>) -> LeaderboardRow {
        let grade = crate::store::StoredGrade {
            id: rank as i64,
            session: SessionId(1),
            robot: fleet_protocol::RobotId::parse(robot).unwrap(),
            mission: None,
            from_ms: 0,
            to_ms: 1,
            rubric_name: "line-follow".into(),
            rubric_version: 1,
            rubric_hash: "h".into(),
            criteria: serde_json::json!([{ "criterion": "estops", "points": 2.0 }]),
            total: 12.0,
            scale: 20.0,
            passed: true,
            unreliable: false,
            gaps: serde_json::json!({}),
            graded_at_ms: 0,
            overrides: Vec::new(),
        };
        LeaderboardRow {
            rank,
            effective_total: grade.total,
            student: student.map(str::to_owned),
            team: team.map(str::to_owned),
            run: format!("run {rank}"),
            marked_run: None,
            grade,
        }
    }

    #[test]
    fn the_gradebook_names_the_student_and_team_or_leaves_them_empty() {
        let mut out = Vec::new();
        write_csv(
            &mut out,
            &[
                row(1, "r1", Some("Ada, L & Bo"), Some("red")),
                row(2, "r2", None, None),
            ],
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].starts_with("rank,student,team,robot,run,grade_id,"),
            "{text}"
        );
        assert!(
            lines[1].starts_with("1,\"Ada, L & Bo\",red,r1,run 1,1,"),
            "{text}"
        );
        assert!(lines[2].starts_with("2,,,r2,run 2,2,"), "{text}");
    }

    #[test]
    fn an_unknown_override_target_is_refused_with_the_known_names() {
        assert!(check_target("total").is_ok());
        assert!(check_target("best_lap").is_ok());
        let err = check_target("bestlap").expect_err("accepted").to_string();
        assert!(err.contains("best_lap") && err.contains("bestlap"), "{err}");
    }
}
