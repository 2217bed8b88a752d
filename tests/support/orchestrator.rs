//! The orchestrator for end-to-end tests, as zero2prod's `spawn_app`: the real
//! [`Application`] on a thread of its own (inside an actix System), on free loopback ports with
//! a temporary SQLite file, plus a small blocking HTTP client run off the test's runtime.

use std::path::PathBuf;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use std::sync::atomic::{AtomicU64, Ordering};

use fleet_protocol::{BrokerAddress, RobotId};
use orchestrator::broker::{BrokerAccess, Principal};
use orchestrator::configuration::Settings;
use orchestrator::contract::{ErrorBody, RobotView, Stats};
use orchestrator::recorder::{RecorderHandle, RecorderStats};
use orchestrator::sim::SimReadiness;
use orchestrator::startup::Application;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{init_tracing, wait_until};

/// How often [`TestApp::poll_get`] asks again.
const POLL_EVERY: Duration = Duration::from_millis(25);
/// A request that takes longer than this is a failure, even on a loaded 2-core machine.
const HTTP_TIMEOUT: Duration = Duration::from_secs(20);
/// How long `--sim` robots may take to be enabled after the app serves HTTP.
const SIM_READY: Duration = Duration::from_secs(10);

/// A running orchestrator. [`TestApp::stop`] shuts it down in order (flushing the recorder);
/// dropping it stops it too, without waiting for a clean flush.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub base_url: String,
    /// The broker robots and test clients connect to (the embedded one, or the external one),
    /// without credentials: [`TestApp::robot_broker`] and [`TestApp::client_broker`] add them.
    pub broker: BrokerAddress,
    /// The embedded broker's access control (open for an external broker or `--open`).
    pub access: BrokerAccess,
    /// The SQLite file the recording goes to.
    pub db_path: PathBuf,
    /// The teacher's token the app accepts (`Settings::for_test` sets `TEST_TEACHER_TOKEN`);
    /// `post`, `post_raw` and `delete` send it, `*_with_token` send another or none.
    pub teacher_token: Option<String>,
    recorder: RecorderHandle,
    http: ureq::Agent,
    server: ServerHandle,
    thread: Option<JoinHandle<Result<(), String>>>,
    /// Holds the database; handed to [`StoppedApp`] on a clean stop.
    dir: Option<tempfile::TempDir>,
}

/// What the app's thread hands back once the application is built.
struct Ready {
    http_port: u16,
    broker: BrokerAddress,
    access: BrokerAccess,
    recorder: RecorderHandle,
    server: ServerHandle,
    sims: SimReadiness,
}

/// What is left of a stopped app: the recorder's final counters and the recording file.
pub struct StoppedApp {
    pub stats: RecorderStats,
    pub db_path: PathBuf,
    _dir: Option<tempfile::TempDir>,
}

/// One HTTP answer: the status and the body, parsed as JSON when it is JSON.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    /// `Value::Null` when the body is not JSON (see `text`).
    pub body: Value,
    pub text: String,
    /// The message of an error answer (`contract::ErrorBody`), when the body is one.
    pub error: Option<String>,
}

impl Reply {
    /// The `error` message of a JSON error body; panics (with the reply) when there is none.
    pub fn error(&self) -> &str {
        self.error
            .as_deref()
            .unwrap_or_else(|| panic!("expected a JSON error body, got {self:?}"))
    }

    /// The body read as one of the API's answer types ([`orchestrator::contract`]); panics
    /// (with the reply) when it is not that type.
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_value(self.body.clone()).unwrap_or_else(|e| {
            panic!(
                "expected a {} answer ({e}), got {self:?}",
                std::any::type_name::<T>()
            )
        })
    }
}

impl TestApp {
    /// Starts the orchestrator with [`Settings::for_test`] (embedded broker, no simulated
    /// robots) changed by `tweak`, and returns once it serves HTTP.
    pub async fn spawn(tweak: impl FnOnce(&mut Settings)) -> TestApp {
        init_tracing();
        let dir = tempfile::tempdir().expect("temp dir");
        let db_path = dir.path().join("fleet.db");
        let mut settings = Settings::for_test(db_path.clone());
        tweak(&mut settings);
        let teacher_token = settings.teacher_token.clone();

        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel::<Result<Ready, String>>();
        let thread = std::thread::Builder::new()
            .name("orchestrator".into())
            .spawn(move || {
                actix_web::rt::System::new().block_on(async move {
                    let app = match Application::build(settings).await {
                        Ok(app) => app,
                        Err(e) => {
                            let _ = ready_tx.send(Err(format!("{e:#}")));
                            return Ok(());
                        }
                    };
                    let ready = Ready {
                        http_port: app.http_port(),
                        broker: app.broker_address().clone(),
                        access: app.broker_access().clone(),
                        recorder: app.recorder(),
                        server: app.stop_handle(),
                        sims: app.sim_readiness(),
                    };
                    let _ = ready_tx.send(Ok(ready));
                    app.run_until_stopped().await.map_err(|e| format!("{e:#}"))
                })
            })
            .expect("start the orchestrator thread");
        let ready = match ready_rx.await {
            Ok(Ok(ready)) => ready,
            Ok(Err(e)) => panic!("the orchestrator did not start: {e}"),
            Err(_) => panic!(
                "the orchestrator thread died while starting: {:?}",
                thread.join()
            ),
        };
        let http: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(HTTP_TIMEOUT))
            .build()
            .into();
        // Online is not yet enabled: an in-process robot refuses motion until it has heard the
        // heartbeat, so a test may drive as soon as this returns (as after `start_agent`).
        let sims = ready.sims.clone();
        wait_until(
            SIM_READY,
            "the simulated robots to connect, subscribe and hear the heartbeat",
            || sims.all_enabled(),
        )
        .await;
        TestApp {
            base_url: format!("http://127.0.0.1:{}", ready.http_port),
            broker: ready.broker,
            access: ready.access,
            db_path,
            teacher_token,
            recorder: ready.recorder,
            http,
            server: ready.server,
            thread: Some(thread),
            dir: Some(dir),
        }
    }

    /// Stops the HTTP server, then the rest in order (MQTT link, recorder flush, broker), and
    /// waits for the app's thread to end. The recording file outlives the app.
    pub async fn stop(mut self) -> StoppedApp {
        self.server.stop(true).await;
        let thread = self.thread.take().expect("the app is running");
        let outcome = tokio::task::spawn_blocking(move || thread.join())
            .await
            .expect("join task");
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(e)) => panic!("the orchestrator stopped with an error: {e}"),
            Err(_) => panic!("the orchestrator thread panicked"),
        }
        StoppedApp {
            stats: self.recorder.stats(),
            db_path: self.db_path.clone(),
            _dir: self.dir.take(),
        }
    }

    /// The broker address robot `id` connects with: its own credential when access control is
    /// on (as `robots enroll` would issue it), the plain address otherwise.
    pub fn robot_broker(&self, id: &str) -> BrokerAddress {
        let id = RobotId::parse(id).expect("valid robot id");
        self.access
            .robot_login(&self.broker, &id)
            .expect("issue a robot credential")
    }

    /// A broker address with a fresh credential of the orchestrator's rights, for a test's own
    /// clients (observers, raw publishers). Its username is unique: the client must use it as
    /// its client id (the support clients do).
    pub fn client_broker(&self, name: &str) -> BrokerAddress {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let username = format!("test-{name}-{n}");
        self.access
            .login(&self.broker, &username, Principal::Orchestrator)
            .expect("issue a test client credential")
    }

    /// The recorder's counters now.
    pub fn recorder_stats(&self) -> RecorderStats {
        self.recorder.stats()
    }

    /// Returns once every record accepted so far is committed to the file.
    pub async fn recorder_flush(&self) {
        self.recorder.flush().await.expect("the recorder flushes");
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.request("GET", path, None, None).await
    }

    /// `GET path` with `token` as the bearer token, or with none.
    pub async fn get_with_token(&self, path: &str, token: Option<&str>) -> Reply {
        self.request("GET", path, token, None).await
    }

    /// `DELETE path` with the teacher's token.
    pub async fn delete(&self, path: &str) -> Reply {
        self.request("DELETE", path, self.teacher_token.as_deref(), None)
            .await
    }

    /// POSTs `body` as it is (it may be broken JSON on purpose) with a JSON content type and
    /// the teacher's token.
    pub async fn post_raw(&self, path: &str, body: impl Into<String>) -> Reply {
        let token = self.teacher_token.as_deref();
        self.request("POST", path, token, Some(body.into())).await
    }

    /// POSTs `body` as JSON with `token` as the bearer token, or with none.
    pub async fn post_with_token(
        &self,
        path: &str,
        body: &impl Serialize,
        token: Option<&str>,
    ) -> Reply {
        let text = serde_json::to_string(body).expect("serializable body");
        self.request("POST", path, token, Some(text)).await
    }

    pub async fn post(&self, path: &str, body: &impl Serialize) -> Reply {
        self.post_with_token(path, body, self.teacher_token.as_deref())
            .await
    }

    /// PUTs `body` as JSON with the teacher's token.
    pub async fn put(&self, path: &str, body: &impl Serialize) -> Reply {
        let text = serde_json::to_string(body).expect("serializable body");
        let token = self.teacher_token.as_deref();
        self.request("PUT", path, token, Some(text)).await
    }

    /// Puts student `student` driving `robot` on the roster (as `roster import` would) and
    /// returns the student's token, issued once.
    pub async fn student_token(&self, student: &str, robot: &str) -> String {
        let csv = format!("{student},{student},,{robot}\n");
        let reply = self
            .post(
                "/api/roster/import",
                &orchestrator::contract::roster::RosterImport { csv },
            )
            .await;
        assert_eq!(reply.status, 200, "roster import: {reply:?}");
        let report: orchestrator::contract::roster::ImportReport = reply.json();
        report
            .added
            .into_iter()
            .find(|s| s.student.as_str() == student)
            .unwrap_or_else(|| panic!("{student} was already on the roster"))
            .token
    }

    /// Polls `GET path` until `done` holds for the answer; returns it, or the last answer once
    /// `timeout` has passed (for the caller's failure message).
    pub async fn poll_get(
        &self,
        path: &str,
        timeout: Duration,
        done: impl Fn(&Reply) -> bool,
    ) -> Result<Reply, Reply> {
        let deadline = Instant::now() + timeout;
        loop {
            let reply = self.get(path).await;
            if done(&reply) {
                return Ok(reply);
            }
            if Instant::now() >= deadline {
                return Err(reply);
            }
            tokio::time::sleep(POLL_EVERY).await;
        }
    }

    /// Polls `GET /api/robots/{id}` until the robot is in `state`; returns the robot.
    pub async fn wait_for_robot_state(
        &self,
        id: &str,
        state: &str,
        timeout: Duration,
    ) -> RobotView {
        let path = format!("/api/robots/{id}");
        self.poll_get(&path, timeout, |r| {
            r.status == 200 && r.json::<RobotView>().state.as_str() == state
        })
        .await
        .unwrap_or_else(|last| {
            panic!("robot {id} not {state} within {timeout:?}; last answer: {last:?}")
        })
        .json()
    }

    /// Polls `GET /api/robots` until `pred` holds for the list; returns the list.
    pub async fn wait_for_robots(
        &self,
        timeout: Duration,
        what: &str,
        pred: impl Fn(&[RobotView]) -> bool,
    ) -> Vec<RobotView> {
        let robots = |reply: &Reply| {
            assert_eq!(reply.status, 200, "GET /api/robots: {reply:?}");
            reply.json::<Vec<RobotView>>()
        };
        match self
            .poll_get("/api/robots", timeout, |r| pred(&robots(r)))
            .await
        {
            Ok(reply) => robots(&reply),
            Err(last) => panic!(
                "timed out after {timeout:?} waiting for {what}; {} robots listed",
                robots(&last).len()
            ),
        }
    }

    /// `GET /api/stats`.
    pub async fn stats(&self) -> Stats {
        let reply = self.get("/api/stats").await;
        assert_eq!(reply.status, 200, "GET /api/stats: {reply:?}");
        reply.json()
    }

    /// One request with `token` as the bearer token (or none) and `body` as JSON (or none),
    /// run on a blocking thread so the test's runtime keeps driving robots.
    async fn request(
        &self,
        method: &'static str,
        path: &str,
        token: Option<&str>,
        body: Option<String>,
    ) -> Reply {
        let mut request = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base_url));
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let agent = self.http.clone();
        tokio::task::spawn_blocking(move || {
            let sent = match body {
                Some(body) => request
                    .header("content-type", "application/json")
                    .body(body)
                    .map(|r| agent.run(r)),
                None => request.body(()).map(|r| agent.run(r)),
            };
            let mut response = sent
                .unwrap_or_else(|e| panic!("building {method} request: {e}"))
                .unwrap_or_else(|e| panic!("HTTP request failed: {e}"));
            let status = response.status().as_u16();
            let text = response
                .body_mut()
                .read_to_string()
                .unwrap_or_else(|e| panic!("reading an HTTP {status} body: {e}"));
            let body = serde_json::from_str(&text).unwrap_or(Value::Null);
            let error = serde_json::from_str::<ErrorBody>(&text)
                .ok()
                .map(|e| e.error);
            Reply {
                status,
                body,
                text,
                error,
            }
        })
        .await
        .expect("HTTP task")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(thread) = self.thread.take() {
            // The command is sent when `stop` is called; the future only waits for it.
            drop(self.server.stop(false));
            let _ = thread.join();
        }
    }
}

/// Every robot in `robots` whose `state` is `state`.
pub fn in_state<'a>(robots: &'a [RobotView], state: &str) -> Vec<&'a RobotView> {
    robots
        .iter()
        .filter(|r| r.state.as_str() == state)
        .collect()
}
