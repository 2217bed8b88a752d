//! Where the broker is: `mqtt://[user[:password]@]host[:port]` turned into a [`BrokerAddress`].
//! The agent and the orchestrator reach the same broker by the same convention, so its one
//! parser lives here beside the topics; pure parsing, no I/O, and no password in any message.

use std::fmt;
use std::str::FromStr;

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

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum BrokerUrlError {
    #[error(
        "broker URL {url:?} must start with mqtt:// or tcp:// (TLS and WebSockets are not supported)"
    )]
    Scheme { url: String },
    #[error("broker URL {url:?} has no host: write it as mqtt://host:port")]
    NoHost { url: String },
    #[error(
        "broker URL {url:?} has a malformed IPv6 host: write it in brackets, mqtt://[::1]:1883"
    )]
    Ipv6 { url: String },
    #[error("broker URL {url:?} has port {port:?}, which is not a number in 1..65535")]
    Port { url: String, port: String },
    #[error(
        "broker URL {url:?} has a path or query; write only mqtt://[user:password@]host[:port]"
    )]
    Trailing { url: String },
}

impl BrokerAddress {
    /// An address without credentials.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        Self {
            host: host.into(),
            port,
            credentials: None,
        }
    }

    /// Parses `mqtt://[user[:password]@]host[:port]` (`tcp://` means the same); the port
    /// defaults to 1883 and an IPv6 host is bracketed. Errors quote the URL with its password
    /// replaced by `***`.
    pub fn parse(url: &str) -> Result<Self, BrokerUrlError> {
        let shown = || redact(url);
        let rest = url
            .strip_prefix("mqtt://")
            .or_else(|| url.strip_prefix("tcp://"))
            .ok_or_else(|| BrokerUrlError::Scheme { url: shown() })?;
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains(['/', '?', '#']) {
            return Err(BrokerUrlError::Trailing { url: shown() });
        }
        let (userinfo, hostport) = match rest.rsplit_once('@') {
            Some((info, hp)) => (Some(info), hp),
            None => (None, rest),
        };
        let (host, port) =
            split_host_port(hostport).ok_or_else(|| BrokerUrlError::Ipv6 { url: shown() })?;
        if host.is_empty() {
            return Err(BrokerUrlError::NoHost { url: shown() });
        }
        let port = match port {
            None => DEFAULT_MQTT_PORT,
            // Port 0 means "any free port" to a listener; a client cannot connect to it.
            Some(p) => match p.parse::<u16>() {
                Ok(n) if n > 0 => n,
                _ => {
                    return Err(BrokerUrlError::Port {
                        url: shown(),
                        port: p.to_owned(),
                    });
                }
            },
        };
        let credentials = userinfo.map(|info| {
            // The user name ends at the first ':', so a password may itself contain ':'.
            let (user, password) = info.split_once(':').unwrap_or((info, ""));
            Credentials {
                username: user.to_owned(),
                password: password.to_owned(),
            }
        });
        Ok(Self {
            host: host.to_owned(),
            port,
            credentials,
        })
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

impl FromStr for BrokerAddress {
    type Err = BrokerUrlError;

    fn from_str(url: &str) -> Result<Self, Self::Err> {
        Self::parse(url)
    }
}

/// Splits `host[:port]` or `[v6][:port]`; `None` when the IPv6 form is malformed (no closing
/// bracket, text after it that is not `:port`, or an unbracketed address).
fn split_host_port(hostport: &str) -> Option<(&str, Option<&str>)> {
    if let Some(v6) = hostport.strip_prefix('[') {
        let (host, tail) = v6.split_once(']')?;
        if tail.is_empty() {
            return Some((host, None));
        }
        return tail.strip_prefix(':').map(|port| (host, Some(port)));
    }
    let (host, port) = match hostport.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (hostport, None),
    };
    // A second ':' is an IPv6 address someone forgot to bracket.
    if port.is_some_and(|p| p.contains(':')) {
        return None;
    }
    Some((host, port))
}

/// The URL as it may be shown: `user:***@` in place of `user:password@`.
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

    fn parse(url: &str) -> BrokerAddress {
        BrokerAddress::parse(url).unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    #[test]
    fn a_plain_url_gives_host_and_port() {
        assert_eq!(
            parse("mqtt://broker.lan:1884"),
            BrokerAddress::new("broker.lan", 1884)
        );
        assert_eq!(parse("mqtt://10.0.0.2/").port, DEFAULT_MQTT_PORT);
        assert_eq!(
            parse("tcp://10.0.0.2"),
            BrokerAddress::new("10.0.0.2", 1883)
        );
        assert_eq!("mqtt://h:2000".parse(), Ok(BrokerAddress::new("h", 2000)));
    }

    #[test]
    fn an_ipv6_host_is_written_in_brackets_both_ways() {
        let a = parse("mqtt://[::1]:1999");
        assert_eq!((a.host.as_str(), a.port), ("::1", 1999));
        assert_eq!(a.url(), "mqtt://[::1]:1999");
        assert_eq!(parse("mqtt://[fe80::2]").port, DEFAULT_MQTT_PORT);
        assert_eq!(parse(&a.url()), a);
    }

    #[test]
    fn credentials_are_read_from_the_url_and_never_shown() {
        let a = parse("mqtt://teacher:s3cr:et@host:8883");
        let creds = a.credentials.clone().unwrap();
        assert_eq!(
            (creds.username.as_str(), creds.password.as_str()),
            ("teacher", "s3cr:et")
        );
        assert!(!format!("{a:?}").contains("s3cr"), "{a:?}");
        assert_eq!(a.url(), "mqtt://host:8883");
        let no_password = parse("mqtt://alice@host").credentials.unwrap();
        assert_eq!(
            (no_password.username.as_str(), no_password.password.as_str()),
            ("alice", "")
        );
    }

    #[test]
    fn bad_urls_say_what_is_wrong() {
        for url in ["mqtts://x", "ws://x", "localhost:1883", ""] {
            assert!(
                matches!(
                    BrokerAddress::parse(url),
                    Err(BrokerUrlError::Scheme { .. })
                ),
                "{url}"
            );
        }
        for url in ["mqtt://", "mqtt://:1883", "mqtt://u:p@"] {
            assert!(
                matches!(
                    BrokerAddress::parse(url),
                    Err(BrokerUrlError::NoHost { .. })
                ),
                "{url}"
            );
        }
        for url in ["mqtt://[::1", "mqtt://[::1]x", "mqtt://::1"] {
            assert!(
                matches!(BrokerAddress::parse(url), Err(BrokerUrlError::Ipv6 { .. })),
                "{url}"
            );
        }
        for url in ["mqtt://host/topic", "mqtt://host?x=1", "mqtt://host#f"] {
            assert!(
                matches!(
                    BrokerAddress::parse(url),
                    Err(BrokerUrlError::Trailing { .. })
                ),
                "{url}"
            );
        }
    }

    #[test]
    fn a_bad_port_is_refused_without_leaking_the_password() {
        for port in ["70000", "99999", "0", "x", ""] {
            let err = BrokerAddress::parse(&format!("mqtt://u:pw@host:{port}")).unwrap_err();
            assert_eq!(
                err,
                BrokerUrlError::Port {
                    url: format!("mqtt://u:***@host:{port}"),
                    port: port.to_owned()
                }
            );
            assert!(!err.to_string().contains("pw@"), "{err}");
        }
        let err = BrokerAddress::parse("mqtts://u:pw@host").unwrap_err();
        assert!(!err.to_string().contains("pw@"), "{err}");
    }
}
