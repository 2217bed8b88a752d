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
            orchestrator::logging::init("info");
            let settings = Settings::from_args(&args).context("reading the serve options")?;
            actix_web::rt::System::new().block_on(async move {
                let app = Application::build(settings).await?;
                println!("{}", app.summary());
                app.run_until_stopped().await
            })
        }
        command => {
            orchestrator::logging::init("warn");
            run_client(command)
        }
    }
}
