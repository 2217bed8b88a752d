//! Which broker the orchestrator uses: one started in-process on a bind address, or an
//! external one named by URL (parsed by [`BrokerAddress::parse`] in the protocol crate).

use std::net::SocketAddr;

use fleet_protocol::{BrokerAddress, BrokerUrlError};

/// Which broker the orchestrator uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrokerEndpoint {
    /// Start rmqtt in-process, listening on `bind` (port 0 picks a free port).
    Embedded { bind: SocketAddr },
    /// Connect to a broker someone else runs.
    External(BrokerAddress),
}

impl BrokerEndpoint {
    /// Parses `mqtt://[user[:password]@]host[:port]` into an external endpoint.
    pub fn external(url: &str) -> Result<Self, BrokerUrlError> {
        BrokerAddress::parse(url).map(Self::External)
    }
}
