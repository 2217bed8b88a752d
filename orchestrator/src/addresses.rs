//! The addresses people can open. A server bound to `0.0.0.0:8080` is reached at
//! `127.0.0.1:8080` from this machine and at each interface's address from the classroom,
//! never at `0.0.0.0`: the startup summary prints those, and the links the server builds (the
//! students' remotes) use the first one another machine can reach.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use tracing::debug;

/// The addresses of this machine's interfaces (loopback included, link-local left out: those
/// need a scope to be opened). Empty when the system does not say.
pub fn interface_ips() -> Vec<IpAddr> {
    match if_addrs::get_if_addrs() {
        Ok(interfaces) => interfaces
            .iter()
            .filter(|i| !i.is_link_local())
            .map(|i| i.ip())
            .collect(),
        Err(e) => {
            debug!(error = %e, "cannot list the network interfaces");
            Vec::new()
        }
    }
}

/// Where a listener bound to `bound` can be reached, loopback first: `bound` itself for a
/// specific address; for `0.0.0.0`, loopback and every IPv4 address in `interfaces`; for `[::]`
/// (which takes IPv4 too on a dual-stack system) every address.
pub fn reachable(bound: SocketAddr, interfaces: &[IpAddr]) -> Vec<SocketAddr> {
    let port = bound.port();
    let ips: Vec<IpAddr> = match bound.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => std::iter::once(Ipv4Addr::LOCALHOST.into())
            .chain(interfaces.iter().copied().filter(IpAddr::is_ipv4))
            .collect(),
        IpAddr::V6(ip) if ip.is_unspecified() => {
            [Ipv4Addr::LOCALHOST.into(), Ipv6Addr::LOCALHOST.into()]
                .into_iter()
                .chain(interfaces.iter().copied())
                .collect()
        }
        ip => vec![ip],
    };
    let mut out: Vec<SocketAddr> = Vec::new();
    for ip in ips {
        let addr = SocketAddr::new(ip, port);
        if !out.contains(&addr) {
            out.push(addr);
        }
    }
    out
}

/// The address to build links with: the first one another machine can reach (an IPv4 one
/// before IPv6), or loopback when the server listens only there.
pub fn link_address(reachable: &[SocketAddr]) -> Option<SocketAddr> {
    let remote = |v4: bool| {
        reachable
            .iter()
            .find(|a| !a.ip().is_loopback() && a.is_ipv4() == v4)
    };
    remote(true)
        .or_else(|| remote(false))
        .or_else(|| reachable.first())
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ips(raw: &[&str]) -> Vec<IpAddr> {
        raw.iter().map(|r| r.parse().unwrap()).collect()
    }

    fn addrs(raw: &[&str]) -> Vec<SocketAddr> {
        raw.iter().map(|r| r.parse().unwrap()).collect()
    }

    #[test]
    fn every_interface_is_listed_for_a_server_on_all_ipv4_addresses_never_0_0_0_0() {
        let interfaces = ips(&["127.0.0.1", "192.168.1.20", "10.0.0.5", "fd00::2"]);
        let got = reachable("0.0.0.0:8080".parse().unwrap(), &interfaces);
        assert_eq!(
            got,
            addrs(&["127.0.0.1:8080", "192.168.1.20:8080", "10.0.0.5:8080"])
        );
        assert_eq!(
            link_address(&got),
            Some("192.168.1.20:8080".parse().unwrap())
        );
    }

    #[test]
    fn a_server_on_all_ipv6_addresses_is_listed_with_both_families() {
        let interfaces = ips(&["127.0.0.1", "::1", "192.168.1.20", "fd00::2"]);
        let got = reachable("[::]:8080".parse().unwrap(), &interfaces);
        assert_eq!(
            got,
            addrs(&[
                "127.0.0.1:8080",
                "[::1]:8080",
                "192.168.1.20:8080",
                "[fd00::2]:8080"
            ])
        );
        assert_eq!(
            link_address(&got),
            Some("192.168.1.20:8080".parse().unwrap())
        );
    }

    #[test]
    fn a_server_on_one_address_is_reached_there_only() {
        let interfaces = ips(&["127.0.0.1", "192.168.1.20"]);
        let got = reachable("127.0.0.1:8080".parse().unwrap(), &interfaces);
        assert_eq!(got, addrs(&["127.0.0.1:8080"]));
        assert_eq!(link_address(&got), Some("127.0.0.1:8080".parse().unwrap()));
        let got = reachable("192.168.1.20:9000".parse().unwrap(), &interfaces);
        assert_eq!(got, addrs(&["192.168.1.20:9000"]));
    }

    #[test]
    fn without_other_interfaces_links_use_loopback() {
        let got = reachable("0.0.0.0:8080".parse().unwrap(), &[]);
        assert_eq!(got, addrs(&["127.0.0.1:8080"]));
        assert_eq!(link_address(&got), Some("127.0.0.1:8080".parse().unwrap()));
    }

    #[test]
    fn this_machine_lists_its_loopback_address() {
        assert!(interface_ips().iter().any(IpAddr::is_loopback));
    }
}
