//! The orchestrator's command line run in this process, as a person types it: parsed by the
//! real `Cli` and run by the same function the binary calls, on a thread of its own (client
//! subcommands build their own runtime, which cannot nest inside the test's).

use clap::Parser;
use orchestrator::cli::{Cli, run_client};

/// Runs `orchestrator ARGS...` and returns its outcome (a parse error included).
pub async fn run_cli(args: &[&str]) -> anyhow::Result<()> {
    let argv: Vec<String> = std::iter::once("orchestrator")
        .chain(args.iter().copied())
        .map(str::to_owned)
        .collect();
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let outcome = Cli::try_parse_from(argv)
            .map_err(anyhow::Error::from)
            .and_then(|cli| run_client(cli.command));
        let _ = tx.send(outcome);
    });
    rx.await.expect("the CLI thread panicked")
}
