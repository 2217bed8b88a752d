//! Building and running the orchestrator, zero2prod style: [`Application::build`] takes the
//! database's lock, binds every port (0 allowed), opens the database and starts the actors;
//! [`Application::run_until_stopped`] serves until Ctrl-C / SIGTERM (or
//! [`Application::stop_handle`]) and then shuts down in order: simulated robots, MQTT link,
//! recorder (flushing what it holds), broker, and last the database lock.

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
use crate::addresses;
use crate::api::{self, Access, AppState, CourseMap};
use crate::broker::{BrokerAccess, BrokerEndpoint, EmbeddedBroker, Principal};
use crate::configuration::Settings;
use crate::domain::now_ms;
use crate::game::{GameControl, GameLink, GameMaster};
use crate::instance::{DbLock, Holder, InstanceFiles, load_or_create_token};
use crate::mqtt::{HeartbeatTask, MqttLink};
use crate::recorder::{Recorder, RecorderConfig, RecorderHandle};
use crate::roster::{ClassAccess, StudentRelay};
use crate::sim::{SimFleet, SimReadiness};
use crate::store::{RobotStateSaver, Store};
use crate::summary::{BrokerSummary, StartupSummary};

/// How long startup waits for the MQTT link to subscribe before serving anyway, so that robot
/// messages published right after startup are not missed when the broker is up.
const LINK_READY_TIMEOUT: Duration = Duration::from_secs(5);

pub struct Application {
    http_port: u16,
    access: Arc<Access>,
    server: Server,
    broker_address: BrokerAddress,
    broker_access: BrokerAccess,
    summary: StartupSummary,
    parts: Parts,
}

/// What must be stopped, in order, after the HTTP server.
struct Parts {
    sims: Option<SimFleet>,
    game_link: GameLink,
    heartbeat: HeartbeatTask,
    relay: StudentRelay,
    link: MqttLink,
    fleet: Addr<FleetActor>,
    recorder: RecorderHandle,
    store: Store,
    broker: Option<EmbeddedBroker>,
    /// Released last, once nothing of this process touches the database any more.
    lock: DbLock,
}

impl Application {
    /// Must run inside an actix System (`#[actix_web::main]`, `#[actix::test]`).
    ///
    /// The order is what keeps a second server on the same database harmless: settings that
    /// can fail first, then the database lock (refused at once, naming the holder, when
    /// another server holds it), then the ports (so a start that cannot listen leaves no new
    /// file), and only then, as the lock's holder, the token file and the database, where
    /// the recorder closes a session and missions are failed that an unclean stop left open.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let map = match &settings.sim_map {
            Some(path) => Course::load(path)?,
            None if settings.sim_game => Course::arena(),
            None => Course::oval(),
        };
        let files = InstanceFiles::beside(&settings.db);
        files.check_folder()?;
        let early_lock = DbLock::take_existing(&files)?;

        let listener = std::net::TcpListener::bind(settings.http).with_context(|| {
            format!(
                "cannot listen on {} for the HTTP API (is another server using that port? pick another with --http)",
                settings.http
            )
        })?;
        let http_bound = listener.local_addr().context("reading the HTTP address")?;
        let interfaces = addresses::interface_ips();
        let broker_access = broker_access(&settings);
        let (broker, broker_address, broker_summary, robot_broker_url) = match &settings.broker {
            BrokerEndpoint::Embedded { bind } => {
                let broker = EmbeddedBroker::start_with(*bind, broker_access.clone())
                    .context("starting the embedded broker")?;
                let address = broker.address();
                let reachable = addresses::reachable(broker.local_addr(), &interfaces);
                // Where a robot on the classroom network connects (not loopback when the
                // broker listens on every interface), for an enrolled robot's settings.
                let for_robots = addresses::link_address(&reachable)
                    .map(|a| BrokerAddress::new(a.ip().to_string(), a.port()).url())
                    .unwrap_or_else(|| address.url());
                (
                    Some(broker),
                    address,
                    BrokerSummary::Embedded { reachable },
                    for_robots,
                )
            }
            BrokerEndpoint::External(address) => (
                None,
                address.clone(),
                BrokerSummary::External { url: address.url() },
                address.url(),
            ),
        };

        let mut lock = match early_lock {
            Some(lock) => lock,
            None => DbLock::take(&files)?,
        };
        let dashboard = addresses::reachable(http_bound, &interfaces);
        let base_url = format!(
            "http://{}",
            addresses::link_address(&dashboard).unwrap_or(http_bound)
        );
        // The holder is named to a second server on this machine: the loopback address first.
        let local_url = format!(
            "http://{}",
            dashboard.first().copied().unwrap_or(http_bound)
        );
        lock.record(&Holder::this_process(
            local_url.clone(),
            broker_summary.describe(),
        ))?;

        // From here on this process holds the database.
        let (token, token_source) =
            load_or_create_token(&files.token, settings.teacher_token.as_deref())?;
        let store = Store::open(&settings.db)
            .await
            .with_context(|| format!("opening the database {}", settings.db.display()))?;
        // The roster's student tokens and the enrolled robots' credentials, into the API's
        // token check and the embedded broker's registry.
        let class = Arc::new(
            ClassAccess::load(store.clone(), broker_access.registry().cloned())
                .await
                .context("loading the roster and the enrolled robots")?,
        );
        let access = Arc::new(Access::with_students(token, class.directory().clone()));
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

        let known: Vec<RobotView> = store
            .list_robots()
            .await?
            .iter()
            .map(RobotView::from)
            .collect();
        let known_robots = known.len();
        let (link_id, link_address) = broker_access
            .orchestrator_login(&broker_address)
            .context("issuing the orchestrator's broker credential")?;
        let mut link = MqttLink::start_as(link_id, &link_address, Arc::new(recorder.clone()));
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
        let heartbeat = HeartbeatTask::start(&link);
        let (relay_id, relay_address) = broker_access
            .orchestrator_login(&broker_address)
            .context("issuing the student relay's broker credential")?;
        let relay = StudentRelay::start(&relay_id, &relay_address, class.clone(), fleet.clone());
        let missions =
            MissionControl::new(fleet.clone(), store.clone(), changes, map.clone()).start();
        // Its own login: the legacy topics are the orchestrator's too, on a connection apart.
        let (game_id, game_address) = broker_access
            .orchestrator_login(&broker_address)
            .context("issuing the game master's broker credential")?;
        let mut game_link = GameLink::new_as(game_id, &game_address, Arc::new(recorder.clone()));
        let game_master = GameMaster::new(game_link.answers())
            .listing_in(fleet.clone().recipient())
            .start();
        game_link.run(game_master.clone().recipient());
        if !game_link.wait_subscribed(LINK_READY_TIMEOUT).await {
            warn!("the game master has not subscribed to the legacy topics yet; it keeps retrying");
        }
        let game = GameControl::new(game_master, fleet.clone(), store.clone());

        let state = web::Data::new(AppState {
            fleet: fleet.clone(),
            recorder: recorder.clone(),
            store: store.clone(),
            link: link.counters(),
            missions,
            game,
            access: access.clone(),
            map: Arc::new(CourseMap::from(&map)),
            base_url,
            class,
            robot_broker_url,
        });
        let server = HttpServer::new(move || App::new().configure(api::configure(state.clone())))
            .workers(2)
            .listen(listener)
            .with_context(|| format!("serving HTTP on {http_bound}"))?
            .run();

        let sims = if settings.sim > 0 {
            let login = |id: &_| Ok(broker_access.robot_login(&broker_address, id)?);
            if settings.sim_game {
                // Each robot's game connection has a credential of its own (`<id>-game`) that
                // reaches only its legacy topics.
                let game_login = |id: &fleet_protocol::RobotId| {
                    let username = format!("{id}-game");
                    let principal = Principal::Legacy(id.clone());
                    Ok(broker_access.login(&broker_address, &username, principal)?)
                };
                Some(SimFleet::start_game(settings.sim, login, game_login, map)?)
            } else {
                Some(SimFleet::start(settings.sim, login, map)?)
            }
        } else {
            None
        };

        let summary = StartupSummary {
            teacher_link: format!("{local_url}/?token={}", access.teacher_token()),
            dashboard,
            token_file: std::path::absolute(&files.token).unwrap_or(files.token),
            token_source,
            broker: broker_summary,
            database: std::path::absolute(&settings.db).unwrap_or(settings.db),
            sims: settings.sim,
            known_robots,
        };
        Ok(Self {
            http_port: http_bound.port(),
            access,
            server,
            broker_address,
            broker_access,
            summary,
            parts: Parts {
                sims,
                game_link,
                heartbeat,
                relay,
                link,
                fleet,
                recorder,
                store,
                broker,
                lock,
            },
        })
    }

    /// What a teacher reads at startup: addresses, the teacher's link, database, robots.
    pub fn summary(&self) -> &StartupSummary {
        &self.summary
    }

    pub fn http_port(&self) -> u16 {
        self.http_port
    }

    /// The tokens the API accepts (the teacher's, and the roster's students').
    pub fn access(&self) -> &Access {
        &self.access
    }

    /// The broker robots should connect to (the embedded one, or the external one).
    pub fn broker_address(&self) -> &BrokerAddress {
        &self.broker_address
    }

    /// The embedded broker's access control: its credential registry, or open.
    pub fn broker_access(&self) -> &BrokerAccess {
        &self.broker_access
    }

    /// The recorder's handle. Its counters stay readable after shutdown, so a caller (a test, a
    /// benchmark) can check that every accepted record reached the file.
    pub fn recorder(&self) -> RecorderHandle {
        self.parts.recorder.clone()
    }

    /// Whether the `--sim` robots are all enabled (none: trivially true). Tests wait on it
    /// before driving, as an external agent's start waits on its own state.
    pub fn sim_readiness(&self) -> SimReadiness {
        self.parts
            .sims
            .as_ref()
            .map(SimFleet::readiness)
            .unwrap_or_default()
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

/// Access control for the embedded broker: on unless `--open` (an external broker enforces
/// its own rules).
fn broker_access(settings: &Settings) -> BrokerAccess {
    if !matches!(settings.broker, BrokerEndpoint::Embedded { .. }) {
        return BrokerAccess::Open;
    }
    if settings.open {
        warn!(
            "ACCESS CONTROL IS OFF (--open): anyone on this network can connect to the MQTT broker, drive every robot and lift an emergency stop"
        );
        return BrokerAccess::Open;
    }
    BrokerAccess::enforced()
}

impl Parts {
    async fn shutdown(self) {
        if let Some(sims) = self.sims {
            sims.shutdown().await;
        }
        self.game_link.shutdown().await;
        drop(self.heartbeat);
        self.relay.shutdown().await;
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
        drop(self.lock);
    }
}
