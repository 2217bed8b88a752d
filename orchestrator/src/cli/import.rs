//! `orchestrator import FILE.mcap [--db fleet.db]`: an MCAP file this project exported becomes a
//! stopped session again (all or nothing), beside the recorded ones; a running server's session
//! is left alone.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

use anyhow::Context;

use crate::export::import_mcap;
use crate::store::Store;

#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    /// An MCAP file written by `orchestrator export --format mcap`.
    pub file: PathBuf,
    /// The database to add the session to (created if missing).
    #[arg(long, env = "ORCHESTRATOR_DB", default_value = "fleet.db")]
    pub db: PathBuf,
}

pub fn run(args: ImportArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime.block_on(async {
        let file =
            File::open(&args.file).with_context(|| format!("opening {}", args.file.display()))?;
        let store = Store::open(&args.db)
            .await
            .with_context(|| format!("opening {}", args.db.display()))?;
        let result = import_mcap(&store, BufReader::with_capacity(1 << 16, file)).await;
        store.close().await;
        let summary = result.with_context(|| format!("importing {}", args.file.display()))?;
        println!(
            "session {} {:?}: {} records imported from {}",
            summary.session.id,
            summary.session.name,
            summary.records,
            args.file.display()
        );
        Ok(())
    })
}
