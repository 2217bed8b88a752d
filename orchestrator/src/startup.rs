//! Building and running the orchestrator, zero2prod style: [`Application::build`] binds every
//! port (0 allowed), opens the database and starts the actors; [`Application::run_until_stopped`]
//! serves until Ctrl-C / SIGTERM (or [`Application::stop_handle`]) and then shuts down in order:
//! simulated robots, MQTT link, recorder (flushing what it holds), broker.

use std::sync::Arc;
use std::time::Duration;

use actix::{Actor, Addr};
use actix_web::dev::{Server, ServerHandle};
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use fleet_course::Course;
use fleet_protocol::BrokerAddress;
use tracing::{info, warn};

use crate::actors::mission::MissionControl;
use crate::actors::{FleetActor, FleetWiring, ListRobots, RobotView};
use crate::api::{self, Access, AppState, CourseMap};
use crate::broker::{BrokerEndpoint, EmbeddedBroker};
use crate::configuration::Settings;
use crate::mqtt::MqttLink;
use crate::recorder::{Recorder, RecorderConfig, RecorderHandle, now_ms};
use crate::sim::SimFleet;
use crate::store::{RobotStateSaver, Store};

/// How long startup waits for the MQTT link to subscribe before serving anyway, so that robot
/// messages published right after startup are not missed when the broker is up.
const LINK_READY_TIMEOUT: Duration = Duration::from_secs(5);

pub struct Application {
    http_port: u16,
    access: Arc<Access>,
    server: Server,
    broker_address: BrokerAddress,
    parts: Parts,
}

/// What must be stopped, in order, after the HTTP server.
struct Parts {
    sims: Option<SimFleet>,
    link: MqttLink,
    fleet: Addr<FleetActor>,
    recorder: RecorderHandle,
    store: Store,
    broker: Option<EmbeddedBroker>,
}

impl Application {
    /// Must run inside an actix System (`#[actix_web::main]`, `#[actix::test]`).
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        // Settings that can fail are read before anything starts.
        let map = match &settings.sim_map {
            Some(path) => Course::load(path)?,
            None => Course::oval(),
        };
        let access = Arc::new(match &settings.teacher_token {
            Some(token) => Access::new(token.clone()),
            None => Access::new(Access::generate_token().context("generating a teacher token")?),
        });

        let store = Store::open(&settings.db)
            .await
            .with_context(|| format!("opening the database {}", settings.db.display()))?;
        let interrupted = store.fail_interrupted_missions(now_ms()).await?;
        if interrupted > 0 {
            warn!(
                interrupted,
                "failed the missions a previous run left unfinished"
            );
        }
        // The recorder closes a session a crash left running, then opens the startup session
        // itself (and a fresh one after each stop), so every record belongs to a session.
        let recorder_config = RecorderConfig {
            idle_session_name: settings.session.clone(),
            ..RecorderConfig::default()
        };
        let recorder = Recorder::spawn(store.clone(), recorder_config)
            .await
            .context("starting the recorder")?;

        let (broker, broker_address) = match &settings.broker {
            BrokerEndpoint::Embedded { bind } => {
                let broker =
                    EmbeddedBroker::start(*bind).context("starting the embedded broker")?;
                let address = broker.address();
                info!(url = %broker.url(), "embedded MQTT broker listening");
                (Some(broker), address)
            }
            BrokerEndpoint::External(address) => {
                info!(url = %address.url(), "using an external MQTT broker");
                (None, address.clone())
            }
        };

        let known: Vec<RobotView> = store
            .list_robots()
            .await?
            .iter()
            .map(RobotView::from)
            .collect();
        let mut link = MqttLink::start(&broker_address, Arc::new(recorder.clone()));
        let wiring = FleetWiring::new(
            Arc::new(link.publisher()),
            Arc::new(recorder.clone()),
            Arc::new(RobotStateSaver::spawn(store.clone())),
        );
        let changes = wiring.changes.clone();
        let fleet = FleetActor::new(wiring).with_known_robots(known).start();
        link.route_to(fleet.clone().recipient());
        if !link.wait_subscribed(LINK_READY_TIMEOUT).await {
            warn!(
                broker = %broker_address.url(),
                "the MQTT broker has not answered yet; serving anyway, the link keeps retrying"
            );
        }
        let missions = MissionControl::new(fleet.clone(), store.clone(), changes).start();

        let state = web::Data::new(AppState {
            fleet: fleet.clone(),
            recorder: recorder.clone(),
            store: store.clone(),
            link: link.counters(),
            missions,
            access: access.clone(),
            map: Arc::new(CourseMap::from(&map)),
        });
        let http = HttpServer::new(move || App::new().configure(api::configure(state.clone())))
            .workers(2)
            .bind(settings.http)
            .with_context(|| format!("binding the HTTP API on {}", settings.http))?;
        let http_port = http.addrs()[0].port();
        let server = http.run();
        info!(url = %format!("http://{}:{http_port}", settings.http.ip()), "HTTP API and dashboard");
        if settings.teacher_token.is_none() {
            // Generated: the log is the only place the teacher can read it from.
            info!(
                "teacher dashboard (its token allows every command): http://{}:{http_port}/?token={}",
                settings.http.ip(),
                access.teacher_token()
            );
        }

        let sims = if settings.sim > 0 {
            Some(SimFleet::start(settings.sim, &broker_address, map)?)
        } else {
            None
        };

        Ok(Self {
            http_port,
            access,
            server,
            broker_address,
            parts: Parts {
                sims,
                link,
                fleet,
                recorder,
                store,
                broker,
            },
        })
    }

    pub fn http_port(&self) -> u16 {
        self.http_port
    }

    /// The tokens the API accepts (the teacher's, and the students' derived from it).
    pub fn access(&self) -> &Access {
        &self.access
    }

    /// The broker robots should connect to (the embedded one, or the external one).
    pub fn broker_address(&self) -> &BrokerAddress {
        &self.broker_address
    }

    /// The recorder's handle. Its counters stay readable after shutdown, so a caller (a test, a
    /// benchmark) can check that every accepted record reached the file.
    pub fn recorder(&self) -> RecorderHandle {
        self.parts.recorder.clone()
    }

    /// Stops the server from elsewhere (tests); Ctrl-C and SIGTERM do the same.
    pub fn stop_handle(&self) -> ServerHandle {
        self.server.handle()
    }

    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let Application { server, parts, .. } = self;
        let served = server.await;
        info!("shutting down");
        parts.shutdown().await;
        served.context("HTTP server")
    }
}

impl Parts {
    async fn shutdown(self) {
        if let Some(sims) = self.sims {
            sims.shutdown().await;
        }
        self.link.shutdown().await;
        // Robot actors record the state changes of the last messages routed to them (the
        // robots' offline statuses): a round trip through every robot actor's mailbox lets
        // them finish before the recorder stops, so nothing is offered to a stopped recorder.
        let _ = self.fleet.send(ListRobots).await;
        match self.recorder.shutdown().await {
            Ok(()) => info!(stats = ?self.recorder.stats(), "recording flushed"),
            Err(e) => warn!("recorder shutdown: {e}"),
        }
        self.store.close().await;
        if let Some(broker) = self.broker {
            broker.shutdown();
        }
    }
}
