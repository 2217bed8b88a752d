//! Building and running the orchestrator, zero2prod style: [`Application::build`] binds every
//! port (0 allowed), opens the database and starts the actors; [`Application::run_until_stopped`]
//! serves until Ctrl-C / SIGTERM (or [`Application::stop_handle`]) and then shuts down in order:
//! simulated robots, MQTT link, recorder (flushing what it holds), broker.

use std::sync::Arc;

use actix::Actor;
use actix_web::dev::{Server, ServerHandle};
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use robot_agent::hal::sim::FloorMap;
use tracing::{info, warn};

use crate::actors::{FleetActor, FleetWiring, RobotView};
use crate::api::{self, AppState};
use crate::broker::{BrokerAddress, BrokerEndpoint, EmbeddedBroker};
use crate::configuration::Settings;
use crate::mqtt::MqttLink;
use crate::recorder::{Recorder, RecorderConfig, RecorderHandle};
use crate::sim::SimFleet;
use crate::store::{RobotStateSaver, Store};

pub struct Application {
    http_port: u16,
    server: Server,
    broker_address: BrokerAddress,
    parts: Parts,
}

/// What must be stopped, in order, after the HTTP server.
struct Parts {
    sims: Option<SimFleet>,
    link: MqttLink,
    recorder: RecorderHandle,
    store: Store,
    broker: Option<EmbeddedBroker>,
}

impl Application {
    /// Must run inside an actix System (`#[actix_web::main]`, `#[actix::test]`).
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let store = Store::open(&settings.db)
            .await
            .with_context(|| format!("opening the database {}", settings.db.display()))?;
        if let Some(s) = store.close_interrupted_session().await? {
            warn!(session = %s.id, name = %s.name, "closed a session left running by a crash");
        }
        let recorder = Recorder::spawn(store.clone(), RecorderConfig::default()).await?;
        recorder
            .start_session(&settings.session)
            .await
            .context("starting the recording session")?;

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
        let fleet = FleetActor::new(wiring).with_known_robots(known).start();
        link.route_to(fleet.clone().recipient());

        let state = web::Data::new(AppState {
            fleet,
            recorder: recorder.clone(),
            store: store.clone(),
            link: link.counters(),
        });
        let http = HttpServer::new(move || App::new().configure(api::configure(state.clone())))
            .workers(2)
            .bind(settings.http)
            .with_context(|| format!("binding the HTTP API on {}", settings.http))?;
        let http_port = http.addrs()[0].port();
        let server = http.run();
        info!(url = %format!("http://{}:{http_port}", settings.http.ip()), "HTTP API and dashboard");

        let sims = if settings.sim > 0 {
            let map = match &settings.sim_map {
                Some(path) => FloorMap::load(path)?,
                None => FloorMap::oval(),
            };
            Some(SimFleet::start(settings.sim, &broker_address, map)?)
        } else {
            None
        };

        Ok(Self {
            http_port,
            server,
            broker_address,
            parts: Parts {
                sims,
                link,
                recorder,
                store,
                broker,
            },
        })
    }

    pub fn http_port(&self) -> u16 {
        self.http_port
    }

    /// The broker robots should connect to (the embedded one, or the external one).
    pub fn broker_address(&self) -> &BrokerAddress {
        &self.broker_address
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
