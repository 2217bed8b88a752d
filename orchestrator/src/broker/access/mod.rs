//! Access control for the embedded broker: who may connect and what each may publish and
//! subscribe. [`policy`] says what a [`Principal`] may do (pure, tested as a table);
//! [`CredentialRegistry`] maps usernames to principals and password hashes; the hooks apply both
//! inside rmqtt. `serve --open` turns it all off ([`BrokerAccess::Open`]).

mod flood;
mod hooks;
pub mod policy;
#[cfg(test)]
mod policy_tests;
pub mod registry;

use std::sync::Arc;

use fleet_protocol::{BrokerAddress, Credentials, RobotId};

pub use flood::{FLOOD_LIMIT, FloodGuard, FloodVerdict};
pub(crate) use hooks::install;
pub use policy::{ConnectRefusal, Principal};
pub use registry::{CredentialError, CredentialRegistry, PasswordHash, generate_password};

/// Whether the embedded broker checks credentials and topics.
#[derive(Debug, Clone)]
pub enum BrokerAccess {
    /// Anyone may connect and publish anywhere (`serve --open`, a quick demo).
    Open,
    /// Every client needs a credential from the registry and stays within its principal's
    /// topics.
    Enforced(Arc<CredentialRegistry>),
}

impl BrokerAccess {
    /// Access control on, with an empty registry.
    pub fn enforced() -> Self {
        Self::Enforced(Arc::new(CredentialRegistry::new()))
    }

    pub fn registry(&self) -> Option<&Arc<CredentialRegistry>> {
        match self {
            BrokerAccess::Open => None,
            BrokerAccess::Enforced(registry) => Some(registry),
        }
    }

    /// `address` with a fresh credential for `username` as `principal`; `address` unchanged
    /// when access is open. The client must connect with `username` as its client id.
    pub fn login(
        &self,
        address: &BrokerAddress,
        username: &str,
        principal: Principal,
    ) -> Result<BrokerAddress, CredentialError> {
        let mut address = address.clone();
        if let Some(registry) = self.registry() {
            let password = registry.issue(username, principal)?;
            address.credentials = Some(Credentials {
                username: username.to_owned(),
                password,
            });
        }
        Ok(address)
    }

    /// [`login`](Self::login) for robot `id` (username = client id = robot id).
    pub fn robot_login(
        &self,
        address: &BrokerAddress,
        id: &RobotId,
    ) -> Result<BrokerAddress, CredentialError> {
        self.login(address, id.as_str(), Principal::Robot(id.clone()))
    }

    /// A fresh orchestrator login with a username unique to this process and start, so two
    /// orchestrators never take over each other's session. Returns (client id, address).
    pub fn orchestrator_login(
        &self,
        address: &BrokerAddress,
    ) -> Result<(String, BrokerAddress), CredentialError> {
        let suffix = generate_password()?;
        let username = format!("orchestrator-{}-{}", std::process::id(), &suffix[..12]);
        let address = self.login(address, &username, Principal::Orchestrator)?;
        Ok((username, address))
    }
}
