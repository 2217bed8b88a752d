//! The policy and the registry wired into rmqtt 0.24's hooks: authentication (with the last
//! will checked there, since rmqtt does not ACL-check wills), subscribe and publish ACLs, and
//! a task that kicks a client the moment its credential is revoked.
//!
//! The orchestrator authenticates as rmqtt's superuser, which skips both ACL hooks: its
//! commands and estops pay nothing for access control.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use async_trait::async_trait;
use rmqtt::codec::v5::SubscribeAckReason;
use rmqtt::context::ServerContext;
use rmqtt::hook::{Handler, HookResult, Parameter, ReturnType, Type};
use rmqtt::types::{
    AuthResult, ClientId, ConnectInfo, Id, LastWill, PublishAclResult, SubscribeAclResult,
};
use tokio::sync::broadcast::error::RecvError;
use tracing::{info, warn};

use fleet_game::protocol::game_client_id;

use super::flood::{FLOOD_LIMIT, FloodVerdict};
use super::policy::Principal;
use super::registry::CredentialRegistry;

/// Above the retainer's hooks, so a refusal is decided before anything else runs.
const PRIORITY: u32 = 100;
/// Refusals of publish/subscribe are logged once, then every this many (a misbehaving client
/// can send thousands a second).
const LOG_EVERY: u64 = 100;

/// Registers the hooks on `scx` and starts them; spawns the revocation kicker on the current
/// runtime.
pub(crate) async fn install(scx: &ServerContext, registry: Arc<CredentialRegistry>) {
    let register = scx.extends.hook_mgr().register();
    let handler = || {
        Box::new(AccessHooks {
            registry: registry.clone(),
            refused: Arc::default(),
        })
    };
    for typ in [
        Type::ClientAuthenticate,
        Type::ClientSubscribeCheckAcl,
        Type::MessagePublishCheckAcl,
    ] {
        register.add_priority(typ, PRIORITY, handler()).await;
    }
    register.start().await;
    tokio::spawn(kick_revoked(scx.clone(), registry));
}

struct AccessHooks {
    registry: Arc<CredentialRegistry>,
    refused: Arc<AtomicU64>,
}

#[async_trait]
impl Handler for AccessHooks {
    async fn hook(&self, param: &Parameter, acc: Option<HookResult>) -> ReturnType {
        match param {
            Parameter::ClientAuthenticate(connect) => {
                let result = self.authenticate(connect);
                (false, Some(HookResult::AuthResult(result)))
            }
            Parameter::ClientSubscribeCheckAcl(session, subscribe) => {
                let filter: &str = &subscribe.topic_filter;
                let client_id: &str = &session.id.client_id;
                let username = session.id.username_ref();
                let allowed = self.registry.allows(username, |p| {
                    p.acting_as(client_id, username).may_subscribe(filter)
                });
                let result = if allowed {
                    SubscribeAclResult::new_success(subscribe.opts.qos(), None)
                } else {
                    self.log_refusal("subscribe", session.id.username_ref(), filter);
                    SubscribeAclResult::new_failure(SubscribeAckReason::NotAuthorized)
                };
                (false, Some(HookResult::SubscribeAclResult(result)))
            }
            Parameter::MessagePublishCheckAcl(session, publish) => {
                let topic: &str = &publish.topic;
                let client_id: &str = &session.id.client_id;
                let username = session.id.username_ref();
                let mut limited = false;
                let allowed = self.registry.allows(username, |p| {
                    let p = p.acting_as(client_id, username);
                    limited = matches!(*p, Principal::Robot(_) | Principal::Student { .. });
                    p.may_publish_message(topic, &publish.payload)
                });
                let result = if allowed && limited && self.flooding(username) {
                    PublishAclResult::rejected(false, None)
                } else if allowed {
                    PublishAclResult::allow()
                } else {
                    self.log_refusal("publish", session.id.username_ref(), topic);
                    // Dropped (a QoS 1 publish still gets its PUBACK), not disconnected: a
                    // disconnected rumqttc client reconnects in a loop and tries again.
                    PublishAclResult::rejected(false, None)
                };
                (false, Some(HookResult::PublishAclResult(result)))
            }
            _ => (true, acc),
        }
    }
}

impl AccessHooks {
    fn authenticate(&self, connect: &ConnectInfo) -> AuthResult {
        let client_id: &str = connect.client_id();
        let Some(username) = connect.username() else {
            warn!(client = %client_id, "MQTT client refused: anonymous");
            return AuthResult::NotAuthorized;
        };
        let username: &str = username;
        let password = connect.password().map(|p| p.as_ref()).unwrap_or_default();
        let Some(principal) = self.registry.verify(username, password) else {
            warn!(client = %client_id, %username, "MQTT client refused: bad username or password");
            return AuthResult::BadUsernameOrPassword;
        };
        let will = connect.last_will().map(|w| will_topic(&w).to_owned());
        match principal.may_connect(client_id, username, will.as_deref()) {
            Ok(()) => {
                info!(client = %client_id, %principal, "MQTT client authenticated");
                AuthResult::Allow(principal.is_superuser(), None)
            }
            Err(why) => {
                warn!(client = %client_id, %principal, reason = %why, "MQTT client refused");
                AuthResult::NotAuthorized
            }
        }
    }

    /// Whether a robot's or a student's publish is over its rate (see `flood.rs`) and must be
    /// dropped (a student's flood would reach its robot through the relay). The orchestrator
    /// is the superuser, never checked here.
    fn flooding(&self, username: &str) -> bool {
        match self.registry.flood().check(username, Instant::now()) {
            FloodVerdict::Pass => false,
            FloodVerdict::Drop { first } => {
                if first {
                    warn!(
                        %username,
                        limit_per_s = FLOOD_LIMIT,
                        "client publishing far above a robot's telemetry rate: the excess is dropped"
                    );
                }
                true
            }
        }
    }

    fn log_refusal(&self, what: &str, username: &str, topic: &str) {
        let n = self.refused.fetch_add(1, Ordering::Relaxed);
        if n.is_multiple_of(LOG_EVERY) {
            let topic: String = topic.chars().take(128).collect();
            warn!(%username, %topic, refused_so_far = n + 1, "MQTT {what} refused by the access policy");
        }
    }
}

fn will_topic<'a>(will: &LastWill<'a>) -> &'a str {
    match will {
        LastWill::V3(w) => &w.topic,
        LastWill::V5(w) => &w.topic,
    }
}

/// Kicks each revoked username's connections (client id = username, so that names it, and a
/// robot's game connection `<username>@game`).
async fn kick_revoked(scx: ServerContext, registry: Arc<CredentialRegistry>) {
    let mut revoked = registry.revocations();
    drop(registry);
    loop {
        let username = match revoked.recv().await {
            Ok(username) => username,
            Err(RecvError::Lagged(n)) => {
                warn!(
                    missed = n,
                    "revocations lagged; the ACL checks still refuse them"
                );
                continue;
            }
            Err(RecvError::Closed) => return,
        };
        kick(&scx, &username, &username).await;
        // Most usernames never had a game connection: no warning for those.
        let game = game_client_id(&username);
        let id = Id::from(scx.node.id(), ClientId::from(game.as_str()));
        if scx.extends.shared().await.entry(id).exist() {
            kick(&scx, &username, &game).await;
        }
    }
}

async fn kick(scx: &ServerContext, username: &str, client_id: &str) {
    let id = Id::from(scx.node.id(), ClientId::from(client_id));
    let entry = scx.extends.shared().await.entry(id);
    match entry.try_lock().await {
        Ok(mut locked) => match locked.kick(true, true, true).await {
            Ok(_) => info!(%username, client = client_id, "revoked MQTT client cut off"),
            Err(e) => warn!(%username, client = client_id, error = %e,
                "could not cut off a revoked MQTT client"),
        },
        Err(e) => warn!(%username, client = client_id, error = %e,
            "could not cut off a revoked MQTT client"),
    }
}
