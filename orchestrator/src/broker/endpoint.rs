//! Where the broker is: started in-process on a bind address, or an external one at a URL.

use std::fmt;
use std::net::SocketAddr;

use thiserror::Error;

/// The default port of MQTT over TCP, used when a URL names none.
pub const DEFAULT_MQTT_PORT: u16 = 1883;

/// User name and password for a broker that requires them.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl fmt::Debug for Credentials {
    // Keeps the password out of logs and panic messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// What an MQTT client needs to reach a broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerAddress {
    pub host: String,
    pub port: u16,
    pub credentials: Option<Credentials>,
}

impl BrokerAddress {
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        Self {
            host: host.into(),
            port,
            credentials: None,
        }
    }

    /// `mqtt://host:port`, without credentials (safe to log).
    pub fn url(&self) -> String {
        if self.host.contains(':') {
            format!("mqtt://[{}]:{}", self.host, self.port)
        } else {
            format!("mqtt://{}:{}", self.host, self.port)
        }
    }
}

/// Which broker the orchestrator uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrokerEndpoint {
    /// Start rmqtt in-process, listening on `bind` (port 0 picks a free port).
    Embedded { bind: SocketAddr },
    /// Connect to a broker someone else runs.
    External(BrokerAddress),
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum EndpointError {
    #[error("broker URL {url:?} must start with mqtt:// (TLS and WebSockets are not supported)")]
    Scheme { url: String },
    #[error("broker URL {url:?} has no host: write it as mqtt://host:port")]
    NoHost { url: String },
    #[error("broker URL {url:?} has port {port:?}, which is not a number in 1..65535")]
    Port { url: String, port: String },
    #[error(
        "broker URL {url:?} has a path or query; write only mqtt://[user:password@]host[:port]"
    )]
    Trailing { url: String },
}

impl BrokerEndpoint {
    /// Parses `mqtt://[user[:password]@]host[:port]` into an external endpoint.
    pub fn external(url: &str) -> Result<Self, EndpointError> {
        parse_url(url).map(Self::External)
    }
}

fn parse_url(url: &str) -> Result<BrokerAddress, EndpointError> {
    // The error messages quote the URL: hide the password before it can reach a log.
    let shown = redact(url);
    let rest = url
        .strip_prefix("mqtt://")
        .ok_or_else(|| EndpointError::Scheme { url: shown.clone() })?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.contains(['/', '?', '#']) {
        return Err(EndpointError::Trailing { url: shown });
    }
    let (userinfo, hostport) = match rest.rsplit_once('@') {
        Some((user, hp)) => (Some(user), hp),
        None => (None, rest),
    };
    let (host, port) = split_host_port(hostport).map_err(|port| EndpointError::Port {
        url: shown.clone(),
        port,
    })?;
    if host.is_empty() {
        return Err(EndpointError::NoHost { url: shown });
    }
    let credentials = userinfo.map(|info| {
        let (user, password) = info.split_once(':').unwrap_or((info, ""));
        Credentials {
            username: user.to_owned(),
            password: password.to_owned(),
        }
    });
    Ok(BrokerAddress {
        host: host.to_owned(),
        port,
        credentials,
    })
}

/// Splits `host[:port]` or `[v6]:port`; the error carries the bad port text.
fn split_host_port(hostport: &str) -> Result<(&str, u16), String> {
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        match v6.split_once(']') {
            Some((host, "")) => (host, None),
            Some((host, tail)) => (host, Some(tail.strip_prefix(':').unwrap_or(tail))),
            None => return Err(hostport.to_owned()),
        }
    } else {
        match hostport.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (hostport, None),
        }
    };
    let port = match port {
        None => DEFAULT_MQTT_PORT,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 => n,
            _ => return Err(p.to_owned()),
        },
    };
    Ok((host, port))
}

fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let info = &url[s + 3..at];
            match info.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn external(url: &str) -> BrokerAddress {
        match BrokerEndpoint::external(url) {
            Ok(BrokerEndpoint::External(a)) => a,
            other => panic!("{url}: {other:?}"),
        }
    }

    #[test]
    fn a_plain_url_gives_host_and_port() {
        assert_eq!(
            external("mqtt://broker.lan:1884"),
            BrokerAddress::new("broker.lan", 1884)
        );
        assert_eq!(external("mqtt://10.0.0.2/").port, DEFAULT_MQTT_PORT);
        assert_eq!(external("mqtt://[::1]:1999").host, "::1");
        assert_eq!(external("mqtt://[::1]:1999").url(), "mqtt://[::1]:1999");
    }

    #[test]
    fn credentials_are_read_from_the_url_and_never_shown() {
        let a = external("mqtt://teacher:s3cr:et@host:1883");
        let creds = a.credentials.clone().unwrap();
        assert_eq!(creds.username, "teacher");
        assert_eq!(creds.password, "s3cr:et");
        assert!(!format!("{a:?}").contains("s3cr"));
        assert_eq!(a.url(), "mqtt://host:1883");
    }

    #[test]
    fn bad_urls_say_what_is_wrong_without_leaking_the_password() {
        assert!(matches!(
            BrokerEndpoint::external("tcp://host:1883"),
            Err(EndpointError::Scheme { .. })
        ));
        assert!(matches!(
            BrokerEndpoint::external("mqtt://:1883"),
            Err(EndpointError::NoHost { .. })
        ));
        assert!(matches!(
            BrokerEndpoint::external("mqtt://host/topic"),
            Err(EndpointError::Trailing { .. })
        ));
        for port in ["70000", "0", "x"] {
            let err = BrokerEndpoint::external(&format!("mqtt://u:pw@host:{port}")).unwrap_err();
            assert_eq!(
                err,
                EndpointError::Port {
                    url: format!("mqtt://u:***@host:{port}"),
                    port: port.to_owned()
                }
            );
            assert!(!err.to_string().contains("pw@"), "{err}");
        }
    }
}
