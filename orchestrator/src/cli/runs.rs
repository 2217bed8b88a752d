//! `orchestrator runs start ROBOT [--label L]`, `runs end ROBOT`, `runs list [SESSION]`: the
//! runs a teacher marks by hand on a robot while a session records, graded by
//! `orchestrator grade` beside the missions' runs. A thin client of `/api/runs`.

use std::io::Write;

use clap::Subcommand;

use super::ApiClient;
use super::format::{duration, utc_time};
use crate::contract::{EndRun, MarkedRun, StartRun};

#[derive(Debug, Clone, Subcommand)]
pub enum RunsAction {
    /// Start a run on ROBOT now (teacher): it is graded from now until `runs end ROBOT`.
    Start {
        robot: String,
        /// What to call it on the leaderboard ("second try").
        #[arg(long)]
        label: Option<String>,
    },
    /// End ROBOT's open run now (teacher).
    End { robot: String },
    /// List the runs open now, or every marked run of SESSION.
    List { session: Option<i64> },
}

/// Runs `runs ...` against `client`, printing to `out`.
pub fn run(client: &ApiClient, action: RunsAction, out: &mut dyn Write) -> anyhow::Result<()> {
    match action {
        RunsAction::Start { robot, label } => {
            let run: MarkedRun = client.post("/api/runs", &StartRun { robot, label })?;
            writeln!(
                out,
                "run {} started on {} in session {} at {} UTC",
                run.id,
                run.robot,
                run.session,
                utc_time(run.started_at_ms)
            )?;
        }
        RunsAction::End { robot } => {
            let run: MarkedRun = client.post("/api/runs/end", &EndRun { robot })?;
            let length = run.ended_at_ms.map_or(0, |end| end - run.started_at_ms);
            writeln!(
                out,
                "run {} on {} ended after {}",
                run.id,
                run.robot,
                duration(length)
            )?;
        }
        RunsAction::List { session } => {
            let runs: Vec<MarkedRun> = match session {
                Some(id) => client.get(&format!("/api/sessions/{id}/runs"))?,
                None => client.get("/api/runs")?,
            };
            write!(out, "{}", table(&runs))?;
        }
    }
    Ok(())
}

fn table(runs: &[MarkedRun]) -> String {
    let mut out = format!(
        "{:>5}  {:>7}  {:<16}  {:<19}  {:<12}  LABEL\n",
        "RUN", "SESSION", "ROBOT", "STARTED (UTC)", "LENGTH"
    );
    for r in runs {
        let length = r
            .ended_at_ms
            .map_or_else(|| "open".to_owned(), |end| duration(end - r.started_at_ms));
        out.push_str(&format!(
            "{:>5}  {:>7}  {:<16}  {:<19}  {:<12}  {}\n",
            r.id,
            r.session.0,
            r.robot.as_str(),
            utc_time(r.started_at_ms),
            length,
            r.label.as_deref().unwrap_or("-")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use fleet_protocol::RobotId;

    use super::*;
    use crate::domain::SessionId;

    #[test]
    fn the_list_shows_each_run_open_or_with_its_length_and_label() {
        let run = |id, ended, label: Option<&str>| MarkedRun {
            id,
            session: SessionId(3),
            robot: RobotId::parse("tank-1").unwrap(),
            label: label.map(str::to_owned),
            started_at_ms: 1_796_113_789_000,
            ended_at_ms: ended,
        };
        let text = table(&[
            run(1, Some(1_796_113_789_000 + 65_000), Some("try 1")),
            run(2, None, None),
        ]);
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[1].contains("tank-1") && lines[1].contains("1 min 5 s"),
            "{text}"
        );
        assert!(lines[1].ends_with("try 1"), "{text}");
        assert!(
            lines[2].contains("open") && lines[2].ends_with('-'),
            "{text}"
        );
    }
}
