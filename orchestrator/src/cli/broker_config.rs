//! `orchestrator broker-config --out DIR`: writes a Mosquitto password file and ACL file from
//! the database's enrolled robots and roster (see broker/mosquitto_config.rs for the rules) and
//! prints the lines to add to `mosquitto.conf`. It reads the database directly (`--db`), so it
//! works before the first `serve --broker ...` as well as beside a running server.
//!
//! The orchestrator gets user `orchestrator` with a password kept in `DIR/orchestrator.password`
//! (mode 0600), made on the first run and reused after, so regenerating the files (and a
//! SIGHUP to Mosquitto) never locks the running orchestrator out.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::broker::access::generate_password;
use crate::broker::mosquitto_config::{
    MosquittoUser, StudentAcl, acl_file, conf_lines, password_file,
};
use crate::broker::mosquitto_hash;
use crate::store::Store;

/// The orchestrator's Mosquitto username.
pub const ORCHESTRATOR_USER: &str = "orchestrator";
const PASSWORD_FILE: &str = "passwd";
const ACL_FILE: &str = "acl";
const ORCHESTRATOR_SECRET: &str = "orchestrator.password";

/// What was written.
#[derive(Debug, Clone)]
pub struct BrokerConfig {
    pub password_file: PathBuf,
    pub acl_file: PathBuf,
    /// The lines for `mosquitto.conf`.
    pub conf: String,
    /// The orchestrator's password (for `serve --broker mqtt://orchestrator:PASSWORD@...`).
    pub orchestrator_password: String,
    pub robots: usize,
    pub students: usize,
}

/// Writes the files for the database `db` into `out` (created if missing).
pub async fn write(db: &Path, out: &Path) -> anyhow::Result<BrokerConfig> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let out = out
        .canonicalize()
        .with_context(|| format!("resolving {}", out.display()))?;
    let orchestrator_password = orchestrator_secret(&out.join(ORCHESTRATOR_SECRET))?;
    let store = Store::open(db)
        .await
        .with_context(|| format!("opening the database {}", db.display()))?;
    let robots = store.list_robot_credentials().await?;
    let students = store.list_students().await?;
    store.close().await;

    let mut users = vec![MosquittoUser {
        username: ORCHESTRATOR_USER.to_owned(),
        hash: mosquitto_hash::hash(&orchestrator_password)?,
    }];
    users.extend(robots.iter().map(|r| MosquittoUser {
        username: r.robot.to_string(),
        hash: r.mosquitto_hash.clone(),
    }));
    // A student with no robot has nothing to publish or read: no login.
    let driving: Vec<_> = students.iter().filter(|s| s.robot.is_some()).collect();
    users.extend(driving.iter().map(|s| MosquittoUser {
        username: s.id.to_string(),
        hash: s.mosquitto_hash.clone(),
    }));
    let acls: Vec<StudentAcl> = driving
        .iter()
        .filter_map(|s| {
            s.robot.clone().map(|robot| StudentAcl {
                username: s.id.to_string(),
                robot,
            })
        })
        .collect();
    let password_path = out.join(PASSWORD_FILE);
    let acl_path = out.join(ACL_FILE);
    write_private(&password_path, &password_file(&users)?)?;
    // Every enrolled robot may play the game (a students' legacy robot is enrolled as one).
    let robot_ids: Vec<_> = robots.iter().map(|r| r.robot.clone()).collect();
    write_private(&acl_path, &acl_file(ORCHESTRATOR_USER, &robot_ids, &acls)?)?;
    Ok(BrokerConfig {
        conf: conf_lines(
            &password_path.display().to_string(),
            &acl_path.display().to_string(),
        ),
        password_file: password_path,
        acl_file: acl_path,
        orchestrator_password,
        robots: robots.len(),
        students: acls.len(),
    })
}

/// Prints what [`write`] did and what to do next.
pub fn report(config: &BrokerConfig, out: &Path) {
    println!(
        "wrote {} and {} ({} robots, {} students, user {ORCHESTRATOR_USER})",
        config.password_file.display(),
        config.acl_file.display(),
        config.robots,
        config.students
    );
    println!(
        "\nAdd to mosquitto.conf (then restart Mosquitto, or send it SIGHUP after a change):\n"
    );
    print!("{}", config.conf);
    println!(
        "\nRun the orchestrator against it with its password from {}:\n  orchestrator serve --broker \"mqtt://{ORCHESTRATOR_USER}:$(cat {})@HOST:1883\"",
        out.join(ORCHESTRATOR_SECRET).display(),
        out.join(ORCHESTRATOR_SECRET).display()
    );
}

/// The orchestrator's password from `path`, or a new one written there.
fn orchestrator_secret(path: &Path) -> anyhow::Result<String> {
    match std::fs::read_to_string(path) {
        Ok(text) if !text.trim().is_empty() => return Ok(text.trim().to_owned()),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    }
    let password = generate_password()?;
    write_private(path, &format!("{password}\n"))?;
    Ok(password)
}

/// Writes `text` to `path` readable by this user only (it holds hashes or a password).
fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}
