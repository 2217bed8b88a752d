//! `orchestrator`: parse the command line, set up logging, hand over to the library.

use anyhow::Context;
use clap::Parser;
use orchestrator::cli::{Cli, CliCommand, run_client};
use orchestrator::configuration::Settings;
use orchestrator::startup::Application;

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        CliCommand::Serve(args) => {
            orchestrator::telemetry::init("info");
            let settings = Settings::from_args(&args).context("reading the serve options")?;
            actix_web::rt::System::new().block_on(async move {
                Application::build(settings)
                    .await?
                    .run_until_stopped()
                    .await
            })
        }
        command => {
            orchestrator::telemetry::init("warn");
            run_client(&cli.api, cli.token, command)
        }
    }
}
