//! rmqtt embedded on a thread and tokio runtime of its own.
//!
//! rmqtt has no graceful stop, so the broker owns its runtime: shutting that runtime down ends
//! the listener, every connection task and the retainer's cleanup loop at once. Its own
//! runtime also keeps broker work from competing with the actors' single-threaded arbiter.

use std::net::SocketAddr;
use std::sync::mpsc as std_mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use fleet_protocol::BrokerAddress;
use rmqtt::context::ServerContext;
use rmqtt::net::Builder;
use rmqtt::server::MqttServer;
use thiserror::Error;
use tokio::sync::oneshot;
use tracing::error;

use super::access::{self, BrokerAccess};

/// Broker worker threads: the machine has 2 cores and the orchestrator needs the rest.
const BROKER_WORKERS: usize = 2;
/// Messages queued per connection before rmqtt drops for it (one robot's burst of events).
const MAX_QUEUE_PER_CLIENT: usize = 10_000;
/// How long in-flight connection tasks get to finish when the broker stops.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);
/// The retainer in RAM with no count limit and no expiry: a robot's birth status must stay
/// retained for the whole class (rmqtt's default expires retained messages after 5 minutes).
const RETAINER_CONFIG: &str =
    "storage.type = \"ram\"\nmax_retained_messages = 0\nretained_message_ttl = \"0s\"\n";

#[derive(Debug, Error)]
pub enum BrokerError {
    #[error("cannot start the broker's runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("cannot enable retained messages in the embedded broker: {0}")]
    Retainer(String),
    #[error("cannot listen on {addr} for MQTT (is another broker running there?): {reason}")]
    Bind { addr: SocketAddr, reason: String },
    #[error("the broker thread stopped while starting")]
    ThreadDied,
}

/// A running embedded broker; stops when [`EmbeddedBroker::shutdown`] is called or on drop.
#[derive(Debug)]
pub struct EmbeddedBroker {
    local_addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl EmbeddedBroker {
    /// Starts an open broker (anyone may connect and publish anywhere) and returns once it
    /// listens on `addr` (port 0 picks a free port). Blocks the calling thread for the few
    /// milliseconds that takes.
    pub fn start(addr: SocketAddr) -> Result<Self, BrokerError> {
        Self::start_with(addr, BrokerAccess::Open)
    }

    /// As [`start`](Self::start), enforcing `access` (credentials and topic rules).
    pub fn start_with(addr: SocketAddr, access: BrokerAccess) -> Result<Self, BrokerError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(BROKER_WORKERS)
            .thread_name("mqtt-broker")
            .enable_all()
            .build()
            .map_err(BrokerError::Runtime)?;
        let (ready_tx, ready_rx) = std_mpsc::channel();
        let (stop, stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("mqtt-broker".into())
            .spawn(move || {
                let started = runtime.block_on(serve(addr, access));
                let ok = started.is_ok();
                let _ = ready_tx.send(started);
                if ok {
                    // Either a shutdown call or the handle being dropped ends the wait.
                    let _ = runtime.block_on(stop_rx);
                }
                runtime.shutdown_timeout(SHUTDOWN_GRACE);
            })
            .map_err(BrokerError::Runtime)?;
        let local_addr = match ready_rx.recv() {
            Ok(Ok(bound)) => bound,
            Ok(Err(e)) => {
                let _ = thread.join();
                return Err(e);
            }
            Err(_) => return Err(BrokerError::ThreadDied),
        };
        Ok(Self {
            local_addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    pub fn port(&self) -> u16 {
        self.local_addr.port()
    }

    /// `mqtt://127.0.0.1:PORT` (the loopback address when bound to every interface).
    pub fn url(&self) -> String {
        self.address().url()
    }

    /// Where local clients connect: loopback when the broker listens on every interface.
    pub fn address(&self) -> BrokerAddress {
        let ip = if self.local_addr.ip().is_unspecified() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            self.local_addr.ip()
        };
        BrokerAddress::new(ip.to_string(), self.port())
    }

    /// Stops the broker: every client connection is cut (so their last wills do not fire
    /// through it any more) and the port is released before this returns.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            error!("the broker thread panicked while stopping");
        }
    }
}

impl Drop for EmbeddedBroker {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

/// Builds the server context, binds and spawns the server; returns the bound address.
async fn serve(addr: SocketAddr, access: BrokerAccess) -> Result<SocketAddr, BrokerError> {
    let scx = ServerContext::new()
        .plugins_config_map_add("rmqtt-retainer", RETAINER_CONFIG)
        // The busy check refuses CONNECTs when the machine looks loaded, which on a 2-core
        // laptop running 40 simulated robots is always: robots would never get in.
        .busy_check_enable(false)
        .build()
        .await;
    rmqtt_retainer::register(&scx, true, false)
        .await
        .map_err(|e| BrokerError::Retainer(e.to_string()))?;
    if let BrokerAccess::Enforced(registry) = &access {
        access::install(&scx, registry.clone()).await;
    }
    let bind_err = |e: rmqtt::Error| BrokerError::Bind {
        addr,
        reason: e.to_string(),
    };
    let listener = Builder::new()
        .name("external/tcp")
        .laddr(addr)
        // Nagle's algorithm adds ~40 ms per hop on loopback (DESIGN.md): a stop cannot wait.
        .nodelay(true)
        .reuseaddr(Some(true))
        .max_mqueue_len(MAX_QUEUE_PER_CLIENT)
        // rmqtt lets a client without a username skip the auth hook unless this is off.
        .allow_anonymous(matches!(access, BrokerAccess::Open))
        .bind()
        .map_err(bind_err)?
        .tcp()
        .map_err(bind_err)?;
    let bound = listener.local_addr().map_err(bind_err)?;
    let server = MqttServer::new(scx)
        .listener_by_id(listener, bound.port())
        .build();
    // Not `MqttServer::start()`: it calls `process::exit` on error.
    tokio::spawn(async move {
        if let Err(e) = server.run().await {
            error!(error = %e, "embedded MQTT broker stopped");
        }
    });
    Ok(bound)
}
