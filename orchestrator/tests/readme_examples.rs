//! The README's CLI examples, run as printed: every command of a block marked
//! `<!-- examples: run by orchestrator/tests/readme_examples.rs -->` runs through `sh` with the
//! built `orchestrator` first on the PATH, in the folder of a real `serve --sim 2` (free ports,
//! its `fleet.db` and teacher token file in a temporary folder), pointed at its port the way the
//! README says (`ORCHESTRATOR_API`); the teacher's token comes from the file, as for a teacher.
//! Commands whose comment says "runs until" (serve, remote) keep running by design and are
//! skipped by that rule.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_orchestrator");
/// What opens a block of runnable examples in the README.
const MARKER: &str = "<!-- examples: run by orchestrator/tests/readme_examples.rs -->";
/// In a command's comment: the command keeps running until the user stops it.
const KEEPS_RUNNING: &str = "runs until";
/// The subcommands that keep running; only these may carry [`KEEPS_RUNNING`].
const LONG_RUNNING: [&str; 2] = ["serve", "remote"];
/// Longer than any example needs on a loaded machine; a command still running then is a
/// long-running one that lacks its mark.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(20);
const SERVER_TIMEOUT: Duration = Duration::from_secs(30);

/// One command line of a marked block.
#[derive(Debug, PartialEq)]
struct Example {
    /// 1-based line in the README, for messages.
    line: usize,
    /// The line as printed, comment included (the shell drops it).
    text: String,
    keeps_running: bool,
}

/// The commands of every `sh` block that directly follows [`MARKER`]; blank lines and
/// comment-only lines are not commands.
fn examples(readme: &str) -> Vec<Example> {
    let mut found = Vec::new();
    let mut lines = readme.lines().enumerate();
    while let Some((_, line)) = lines.next() {
        if line.trim() != MARKER {
            continue;
        }
        match lines.next() {
            Some((_, fence)) if fence.trim() == "```sh" => {}
            other => panic!("{MARKER} must be followed by a ```sh block, found {other:?}"),
        }
        for (index, line) in lines.by_ref() {
            let text = line.trim();
            if text.starts_with("```") {
                break;
            }
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            let comment = text.split_once(" #").map(|(_, c)| c).unwrap_or("");
            found.push(Example {
                line: index + 1,
                text: text.to_owned(),
                keeps_running: comment.contains(KEEPS_RUNNING),
            });
        }
    }
    found
}

/// The subcommand of `orchestrator SUBCOMMAND ...`.
fn subcommand(text: &str) -> Option<&str> {
    let mut words = text.split_whitespace();
    if words.next() != Some("orchestrator") {
        return None;
    }
    words.next().filter(|w| !w.starts_with('-'))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// `orchestrator serve --sim 2` on free ports, run in `dir` (so its `fleet.db` and token file
/// are there); killed when dropped.
struct Server {
    child: Child,
    api: String,
    log: PathBuf,
}

impl Server {
    fn start(dir: &Path) -> Server {
        let log = dir.join("serve.log");
        let out = std::fs::File::create(&log).expect("server log file");
        let http_port = free_port();
        let child = Command::new(BIN)
            .args(["serve", "--sim", "2"])
            .arg("--http")
            .arg(format!("127.0.0.1:{http_port}"))
            .arg("--mqtt-listen")
            .arg(format!("127.0.0.1:{}", free_port()))
            .current_dir(dir)
            .env_remove("ORCHESTRATOR_DB")
            .env_remove("ORCHESTRATOR_TEACHER_TOKEN")
            .stdout(out.try_clone().expect("log file handle"))
            .stderr(out)
            .spawn()
            .expect("start orchestrator serve");
        let mut server = Server {
            child,
            api: format!("http://127.0.0.1:{http_port}"),
            log,
        };
        server.wait_for_sims_online();
        server
    }

    fn wait_for_sims_online(&mut self) {
        let http: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(5)))
            .build()
            .into();
        let deadline = Instant::now() + SERVER_TIMEOUT;
        loop {
            let robots: Option<Vec<Value>> = http
                .get(&format!("{}/api/robots", self.api))
                .call()
                .ok()
                .and_then(|mut r| r.body_mut().read_json().ok());
            let online = robots
                .iter()
                .flatten()
                .filter(|r| r["state"] == "online" && r["telemetry"].is_object())
                .count();
            if online == 2 {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("serve exited with {status}:\n{}", self.log_text());
            }
            assert!(
                Instant::now() < deadline,
                "sim-01 and sim-02 not online after {SERVER_TIMEOUT:?}:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where the examples run: a folder with `orchestrator` (the built binary) to put first on
/// the PATH, and the server's folder to run them in.
struct Shell {
    bin_dir: PathBuf,
    work_dir: PathBuf,
    /// Where each command's output goes (files, so a command that hangs cannot block a pipe).
    out_dir: PathBuf,
    api: String,
}

impl Shell {
    fn new(server_dir: &Path, api: &str) -> Shell {
        let bin_dir = server_dir.join("bin");
        let work_dir = server_dir.to_owned();
        let out_dir = server_dir.join("out");
        std::fs::create_dir_all(&bin_dir).expect("bin dir");
        std::fs::create_dir_all(&out_dir).expect("output dir");
        std::os::unix::fs::symlink(BIN, bin_dir.join("orchestrator")).expect("link the binary");
        Shell {
            bin_dir,
            work_dir,
            out_dir,
            api: api.to_owned(),
        }
    }

    /// Runs `text` through `sh` as a reader would type it, with the README's variables set;
    /// panics when it is still running after [`COMMAND_TIMEOUT`].
    fn run(&self, example: &Example) -> Output {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut dirs = vec![self.bin_dir.clone()];
        dirs.extend(std::env::split_paths(&path));
        let stdout = self.out_dir.join("stdout");
        let stderr = self.out_dir.join("stderr");
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(&example.text)
            .current_dir(&self.work_dir)
            .env("PATH", std::env::join_paths(dirs).expect("a valid PATH"))
            .env("ORCHESTRATOR_API", &self.api)
            .stdin(Stdio::null())
            // Its own process group, so a timeout ends the shell and what it started.
            .process_group(0)
            .stdout(std::fs::File::create(&stdout).expect("stdout file"))
            .stderr(std::fs::File::create(&stderr).expect("stderr file"));
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy().into_owned();
            if key.starts_with("ORCHESTRATOR_") && key != "ORCHESTRATOR_API" {
                command.env_remove(key);
            }
        }
        let mut child = command.spawn().expect("start sh");
        let deadline = Instant::now() + COMMAND_TIMEOUT;
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for sh") {
                break status;
            }
            if Instant::now() >= deadline {
                let group = format!("-{}", child.id());
                let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
                let _ = child.wait();
                panic!(
                    "README line {}: `{}` still running after {COMMAND_TIMEOUT:?}; a command \
                     that keeps running needs \"{KEEPS_RUNNING}\" in its comment",
                    example.line, example.text
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        Output {
            status,
            stdout: std::fs::read(&stdout).expect("read stdout"),
            stderr: std::fs::read(&stderr).expect("read stderr"),
        }
    }
}

fn readme() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

#[test]
fn the_readme_cli_examples_run_as_printed_against_a_server_with_simulated_robots() {
    let all = examples(&readme());
    for example in &all {
        let sub = subcommand(&example.text);
        assert!(
            sub.is_some(),
            "README line {}: `{}` is not an orchestrator command",
            example.line,
            example.text
        );
        let long_running = sub.is_some_and(|s| LONG_RUNNING.contains(&s));
        assert_eq!(
            example.keeps_running, long_running,
            "README line {}: `{}`: only and every {LONG_RUNNING:?} example says \"{KEEPS_RUNNING}\"",
            example.line, example.text
        );
    }
    let runnable: Vec<&Example> = all.iter().filter(|e| !e.keeps_running).collect();
    assert!(
        runnable.len() >= 10,
        "only {} runnable examples found after {MARKER}",
        runnable.len()
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path());
    let shell = Shell::new(dir.path(), &server.api);
    for example in runnable {
        let output = shell.run(example);
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let lower = stderr.to_lowercase();
        assert!(
            output.status.success() && !lower.contains("error") && !lower.contains("panicked"),
            "README line {}: `{}` exited with {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
            example.line,
            example.text,
            output.status
        );
        eprintln!("ok: {}\n{stdout}", example.text);
    }
}

#[test]
fn the_reader_takes_only_marked_sh_blocks_and_sees_which_commands_keep_running() {
    let readme = format!(
        "```sh\norchestrator not-marked\n```\n{MARKER}\n```sh\n# a comment line\n\
         orchestrator serve --sim 5        # API on :8080 (runs until Ctrl-C)\n\n\
         orchestrator robots --api http://h:1   # list the fleet\n```\ntext\n```sh\n\
         orchestrator after-the-block\n```\n"
    );
    assert_eq!(
        examples(&readme),
        vec![
            Example {
                line: 7,
                text: "orchestrator serve --sim 5        # API on :8080 (runs until Ctrl-C)"
                    .to_owned(),
                keeps_running: true,
            },
            Example {
                line: 9,
                text: "orchestrator robots --api http://h:1   # list the fleet".to_owned(),
                keeps_running: false,
            },
        ]
    );
    assert_eq!(
        subcommand("orchestrator robots --api http://h:1"),
        Some("robots")
    );
    assert_eq!(subcommand("orchestrator remote sim-01"), Some("remote"));
    assert_eq!(subcommand("orchestrator --help"), None);
    assert_eq!(subcommand("cargo run -p orchestrator"), None);
}
