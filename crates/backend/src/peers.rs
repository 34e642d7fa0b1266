//! Where a request comes from, as throttles key it: the TCP peer's address, or — when that
//! peer is one of the operator's own load balancers (`--trusted-proxy`) — the address the
//! balancer says it forwarded for. Behind a balancer every kiosk's connection comes from the
//! balancer's address, so without this one store's guests and wrong passwords would share a
//! single budget.
//!
//! A client can write any `X-Forwarded-For` it likes, so the header counts only when a
//! trusted proxy sent the request, and only the entries trusted proxies appended: the list is
//! read from the right, past every trusted proxy, and the first address that is not one is
//! the client. Whatever a client put to the left of that is never read.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

use crate::AppState;

/// The header load balancers append the address they received a request from to.
pub const FORWARDED_FOR: &str = "x-forwarded-for";

/// The address a request is taken to come from (see the module docs), set on every request
/// that arrived over a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// Sets [`ClientAddr`] for the handlers below.
pub async fn locate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if let Some(ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<SocketAddr>>().copied() {
        let forwarded = req
            .headers()
            .get_all(FORWARDED_FOR)
            .iter()
            .filter_map(|v| v.to_str().ok());
        let client = client_addr(peer.ip(), forwarded, &state.trusted_proxies);
        req.extensions_mut().insert(ClientAddr(client));
    }
    next.run(req).await
}

/// The client's address for a request from `peer` carrying the `X-Forwarded-For` values
/// `forwarded` (in the order the header lines came).
pub fn client_addr<'a>(
    peer: IpAddr,
    forwarded: impl Iterator<Item = &'a str>,
    trusted: &[IpNet],
) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(&canonical(*ip)));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = forwarded
        .flat_map(|line| line.split(','))
        .map(str::trim)
        .collect();
    // The nearest hop known so far: a trusted proxy's own address until a client is found.
    let mut nearest = peer;
    for hop in hops.iter().rev() {
        let Some(ip) = parse_hop(hop) else {
            // Not an address a proxy of ours would write: stop at the last trusted hop.
            return nearest;
        };
        if !is_trusted(&ip) {
            return canonical(ip);
        }
        nearest = ip;
    }
    nearest
}

/// `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:5678`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// An IPv4 client seen through an IPv6 socket (`::ffff:1.2.3.4`) is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Parses `--trusted-proxy` values: an address (`10.0.0.5`) or a network (`10.0.0.0/8`).
pub fn parse_trusted(value: &str) -> Result<IpNet, String> {
    let value = value.trim();
    value
        .parse::<IpNet>()
        .or_else(|_| value.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("'{value}' is not an IP address or network (e.g. 10.0.0.0/8)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|s| parse_trusted(s).unwrap()).collect()
    }

    #[test]
    fn the_header_counts_only_from_a_trusted_peer() {
        let trusted = nets(&["10.0.0.0/8"]);
        let from =
            |peer: &str, header: &[&str]| client_addr(ip(peer), header.iter().copied(), &trusted);
        // A client straight on the socket cannot name itself anything else.
        assert_eq!(from("203.0.113.9", &["198.51.100.1"]), ip("203.0.113.9"));
        // Through the balancer: the address it appended.
        assert_eq!(from("10.0.0.5", &["203.0.113.9"]), ip("203.0.113.9"));
        // What the client wrote itself, left of that, is never read.
        assert_eq!(
            from("10.0.0.5", &["198.51.100.1, 192.0.2.7", "203.0.113.9"]),
            ip("203.0.113.9")
        );
        // Two balancers in a row: past both.
        assert_eq!(
            from("10.0.0.5", &["203.0.113.9, 10.1.2.3"]),
            ip("203.0.113.9")
        );
        // No header, or garbage at the end: the nearest trusted hop.
        assert_eq!(from("10.0.0.5", &[]), ip("10.0.0.5"));
        assert_eq!(
            from("10.0.0.5", &["203.0.113.9, 10.1.2.3, nonsense"]),
            ip("10.0.0.5")
        );
        assert_eq!(from("10.0.0.5", &["nonsense, 10.1.2.3"]), ip("10.1.2.3"));
        // Ports and bracketed IPv6, IPv4-mapped addresses.
        assert_eq!(from("10.0.0.5", &["203.0.113.9:4711"]), ip("203.0.113.9"));
        assert_eq!(from("10.0.0.5", &["[2001:db8::1]:4711"]), ip("2001:db8::1"));
        assert_eq!(
            from("::ffff:10.0.0.5", &["::ffff:203.0.113.9"]),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn trusted_proxies_are_addresses_or_networks() {
        assert_eq!(
            parse_trusted("10.0.0.5").unwrap(),
            "10.0.0.5/32".parse().unwrap()
        );
        assert_eq!(
            parse_trusted(" 10.0.0.0/8 ").unwrap(),
            "10.0.0.0/8".parse().unwrap()
        );
        assert!(parse_trusted("lb.internal").is_err());
    }
}
