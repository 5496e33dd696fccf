//! The client's IP address: the socket peer, or, behind trusted reverse proxies, the nearest
//! address they report in `Forwarded` (RFC 7239) or `X-Forwarded-For`.

use std::convert::Infallible;
use std::future::{ready, Ready};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, FORWARDED};
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use ipnet::IpNet;

use crate::state::AppState;

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// The address the request is attributed to (rate limits, IP allow-lists, audit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientIp(pub IpAddr);

/// Works out the client's address and stores it as a [`ClientIp`] request extension.
pub async fn resolve_client_ip(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let peer = peer_ip(req.peer_addr().map(|a| a.ip()));
    let client = match req.app_data::<web::Data<AppState>>() {
        Some(state) => {
            let headers = req.headers();
            resolve(
                peer,
                &header_lines(headers, &FORWARDED),
                &header_lines(headers, &X_FORWARDED_FOR),
                &state.settings.trusted_proxies,
            )
        }
        None => peer.to_canonical(),
    };
    req.extensions_mut().insert(ClientIp(client));
    next.call(req).await
}

impl FromRequest for ClientIp {
    type Error = Infallible;
    type Future = Ready<Result<Self, Self::Error>>;

    /// The address found by [`resolve_client_ip`]; without that middleware, the socket peer
    /// (never the forwarding headers, which only a trusted proxy may set).
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let ip = req
            .extensions()
            .get::<ClientIp>()
            .copied()
            .unwrap_or_else(|| ClientIp(peer_ip(req.peer_addr().map(|a| a.ip())).to_canonical()));
        ready(Ok(ip))
    }
}

/// A request without a socket peer (built in a test) gets the unspecified address.
fn peer_ip(peer: Option<IpAddr>) -> IpAddr {
    peer.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

fn header_lines<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Vec<&'a str> {
    headers
        .get_all(name)
        // A line that is not visible ASCII cannot be read, so it counts as an unknown hop: the
        // walk stops there rather than skipping to what lies to its left.
        .map(|v| v.to_str().unwrap_or("unknown"))
        .collect()
}

/// The client's address. The forwarding headers are believed only from a trusted `peer`, and
/// then only from the right (nearest) end back past trusted proxies: every proxy appends, so
/// anything left of the first untrusted hop may have been written by the client itself.
///
/// `forwarded` and `x_forwarded_for` are the header lines in the order received; `Forwarded`
/// wins when present. A hop that cannot be read (`unknown`, an obfuscated `_id`, garbage) ends
/// the walk at the nearest trusted proxy; if every hop is trusted, the left-most one is the
/// client.
pub fn resolve(
    peer: IpAddr,
    forwarded: &[&str],
    x_forwarded_for: &[&str],
    trusted: &[IpNet],
) -> IpAddr {
    let peer = peer.to_canonical();
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops = if forwarded.iter().any(|line| !line.trim().is_empty()) {
        forwarded_hops(forwarded)
    } else {
        x_forwarded_for_hops(x_forwarded_for)
    };
    let mut nearest = peer;
    for hop in hops.iter().rev() {
        let Some(ip) = hop.map(|ip| ip.to_canonical()) else {
            return nearest;
        };
        if !is_trusted(&ip) {
            return ip;
        }
        nearest = ip;
    }
    nearest
}

/// RFC 7239 §4: `Forwarded: for=192.0.2.60;proto=http, for="[2001:db8::17]:4711"`. An element
/// without exactly one `for` parameter cannot be placed, so it is an unreadable hop.
fn forwarded_hops(lines: &[&str]) -> Vec<Option<IpAddr>> {
    lines
        .iter()
        .flat_map(|line| split_unquoted(line, ','))
        .filter(|element| !element.trim().is_empty())
        .map(|element| {
            let mut fors = split_unquoted(element, ';').into_iter().filter_map(|pair| {
                let (name, value) = pair.split_once('=')?;
                // RFC 7239 §4: parameter names are case-insensitive.
                name.trim()
                    .eq_ignore_ascii_case("for")
                    .then(|| value.trim())
            });
            match (fors.next(), fors.next()) {
                (Some(value), None) => unquote(value).as_deref().and_then(parse_node),
                _ => None,
            }
        })
        .collect()
}

/// `X-Forwarded-For: client, proxy1, proxy2`, several lines read as one list.
fn x_forwarded_for_hops(lines: &[&str]) -> Vec<Option<IpAddr>> {
    lines
        .iter()
        .flat_map(|line| line.split(','))
        .map(str::trim)
        // RFC 9110 §5.6.1: empty list elements are ignored.
        .filter(|entry| !entry.is_empty())
        .map(parse_node)
        .collect()
}

/// Splits on `sep` outside quoted strings (RFC 9110 §5.6.4), so `for="a,b"` stays whole.
fn split_unquoted(text: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut in_quotes, mut escaped) = (0, false, false);
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
        } else if in_quotes && c == '\\' {
            escaped = true;
        } else if c == '"' {
            in_quotes = !in_quotes;
        } else if c == sep && !in_quotes {
            parts.push(&text[start..i]);
            start = i + c.len_utf8();
        }
    }
    parts.push(&text[start..]);
    parts
}

/// A token as is, or a quoted string with its quoted-pairs undone (RFC 9110 §5.6.4); `None` for
/// an unterminated quote.
fn unquote(value: &str) -> Option<String> {
    let Some(inner) = value.strip_prefix('"') else {
        return (!value.contains('"')).then(|| value.to_owned());
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            '"' => return chars.next().is_none().then_some(out),
            c => out.push(c),
        }
    }
    None
}

/// RFC 7239 §6: `192.0.2.60`, `192.0.2.60:8080`, `[2001:db8::1]`, `[2001:db8::1]:4711`. A bare
/// IPv6 address (as X-Forwarded-For carries it) is read too; `unknown` and obfuscated `_names`
/// are not addresses.
fn parse_node(node: &str) -> Option<IpAddr> {
    if let Some(rest) = node.strip_prefix('[') {
        let (v6, port) = rest.split_once(']')?;
        if !(port.is_empty() || port.strip_prefix(':').is_some_and(is_port)) {
            return None;
        }
        return v6.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(ip);
    }
    let (v4, port) = node.rsplit_once(':')?;
    if !is_port(port) {
        return None;
    }
    v4.parse::<Ipv4Addr>().ok().map(IpAddr::V4)
}

/// RFC 7239 §6: `node-port = port / obfport`, `obfport = "_" 1*(ALPHA / DIGIT / "." / "_" / "-")`.
fn is_port(port: &str) -> bool {
    let digits = (1..=5).contains(&port.len()) && port.bytes().all(|b| b.is_ascii_digit());
    let obfuscated = port.strip_prefix('_').is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    });
    digits || obfuscated
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    /// `10.0.0.0/8`, or a bare address for one host.
    fn nets(entries: &[&str]) -> Vec<IpNet> {
        entries
            .iter()
            .map(|e| e.parse().unwrap_or_else(|_| IpNet::from(ip(e))))
            .collect()
    }

    /// The load balancer at 10.0.0.1 is the socket peer in most cases.
    const PROXY: &str = "10.0.0.1";

    fn via_proxy(forwarded: &[&str], xff: &[&str], trusted: &[&str]) -> IpAddr {
        resolve(ip(PROXY), forwarded, xff, &nets(trusted))
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_sends() {
        let got = resolve(
            ip("198.51.100.9"),
            &["for=192.0.2.1"],
            &["203.0.113.7"],
            &nets(&["10.0.0.0/8"]),
        );
        assert_eq!(got, ip("198.51.100.9"));
        // No trusted proxies at all: headers are always ignored.
        assert_eq!(resolve(ip(PROXY), &[], &["203.0.113.7"], &[]), ip(PROXY));
    }

    #[test]
    fn a_trusted_peer_passes_on_the_forwarded_for_address() {
        assert_eq!(
            via_proxy(&[], &["203.0.113.7"], &["10.0.0.1/32"]),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn trusted_proxies_in_the_chain_are_skipped() {
        // client -> proxy2 (10.0.0.2) -> load balancer (10.0.0.1) -> Tessera
        assert_eq!(
            via_proxy(&[], &["203.0.113.7, 10.0.0.2"], &["10.0.0.0/24"]),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn entries_left_of_the_real_client_are_ignored() {
        // The client sent `X-Forwarded-For: 192.0.2.66`; the load balancer appended its peer.
        assert_eq!(
            via_proxy(&[], &["192.0.2.66, 203.0.113.7"], &["10.0.0.1"]),
            ip("203.0.113.7")
        );
        // An untrusted hop in the middle is the client, even with trusted-looking ones to its left.
        assert_eq!(
            via_proxy(&[], &["10.0.0.9, 203.0.113.7, 10.0.0.2"], &["10.0.0.0/24"]),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn forwarded_with_quoted_ipv6_and_ports() {
        assert_eq!(
            via_proxy(&["for=\"[2001:db8:cafe::17]:4711\""], &[], &[PROXY]),
            ip("2001:db8:cafe::17")
        );
        assert_eq!(
            via_proxy(
                &["for=192.0.2.60:8080;proto=https;by=10.0.0.1"],
                &[],
                &[PROXY]
            ),
            ip("192.0.2.60")
        );
        assert_eq!(
            via_proxy(&["For=\"[2001:db8::1]\""], &[], &[PROXY]),
            ip("2001:db8::1")
        );
        assert_eq!(
            via_proxy(&["proto=https;FOR=192.0.2.60"], &[], &[PROXY]),
            ip("192.0.2.60")
        );
    }

    #[test]
    fn forwarded_elements_are_walked_from_the_right() {
        assert_eq!(
            via_proxy(
                &["for=192.0.2.66, for=\"198.51.100.17\";by=10.0.0.2, for=10.0.0.2"],
                &[],
                &["10.0.0.0/24"],
            ),
            ip("198.51.100.17")
        );
    }

    #[test]
    fn forwarded_is_preferred_over_x_forwarded_for() {
        assert_eq!(
            via_proxy(&["for=192.0.2.60"], &["203.0.113.7"], &[PROXY]),
            ip("192.0.2.60")
        );
        // A blank Forwarded line counts as absent.
        assert_eq!(
            via_proxy(&[" "], &["203.0.113.7"], &[PROXY]),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn an_unreadable_hop_stops_at_the_nearest_trusted_proxy() {
        let trusted = ["10.0.0.0/24"];
        for xff in [
            "203.0.113.7, unknown, 10.0.0.2",
            "203.0.113.7, garbage, 10.0.0.2",
            "203.0.113.7, 10.0.0.300, 10.0.0.2",
        ] {
            assert_eq!(via_proxy(&[], &[xff], &trusted), ip("10.0.0.2"), "{xff}");
        }
        for forwarded in [
            "for=203.0.113.7, for=unknown, for=10.0.0.2",
            "for=203.0.113.7, for=_hidden, for=10.0.0.2",
            "for=203.0.113.7, proto=https, for=10.0.0.2",
            "for=203.0.113.7, for=1.2.3.4;for=5.6.7.8, for=10.0.0.2",
        ] {
            assert_eq!(
                via_proxy(&[forwarded], &[], &trusted),
                ip("10.0.0.2"),
                "{forwarded}"
            );
        }
        // The unreadable hop is the nearest: the peer is the answer.
        assert_eq!(via_proxy(&["for=unknown"], &[], &trusted), ip(PROXY));
        // An unterminated quote swallows the rest of its line, so nothing in it is believed.
        assert_eq!(
            via_proxy(&["for=\"[2001:db8::1, for=10.0.0.2"], &[], &trusted),
            ip(PROXY)
        );
        assert_eq!(via_proxy(&[], &["203.0.113.7, _x"], &trusted), ip(PROXY));
    }

    #[test]
    fn every_hop_trusted_gives_the_left_most() {
        assert_eq!(
            via_proxy(&[], &["10.0.0.3, 10.0.0.2"], &["10.0.0.0/24"]),
            ip("10.0.0.3")
        );
        // No hops at all: the peer.
        assert_eq!(via_proxy(&[], &[], &["10.0.0.0/24"]), ip(PROXY));
    }

    #[test]
    fn v4_mapped_addresses_are_canonicalised() {
        assert_eq!(
            via_proxy(&[], &["::ffff:203.0.113.7"], &[PROXY]),
            ip("203.0.113.7")
        );
        assert_eq!(
            via_proxy(&["for=\"[::ffff:203.0.113.7]:80\""], &[], &[PROXY]),
            ip("203.0.113.7")
        );
        // A dual-stack listener reports an IPv4 peer as v4-mapped; it still matches IPv4 entries.
        assert_eq!(
            resolve(
                ip("::ffff:10.0.0.1"),
                &[],
                &["203.0.113.7"],
                &nets(&["10.0.0.0/8"])
            ),
            ip("203.0.113.7")
        );
        assert_eq!(
            resolve(ip("::ffff:198.51.100.9"), &[], &["203.0.113.7"], &[]),
            ip("198.51.100.9")
        );
    }

    #[test]
    fn several_header_lines_are_one_list_in_order() {
        assert_eq!(
            via_proxy(
                &[],
                &["192.0.2.66", "203.0.113.7, 10.0.0.2"],
                &["10.0.0.0/24"]
            ),
            ip("203.0.113.7")
        );
        assert_eq!(
            via_proxy(
                &[],
                &["203.0.113.7, 10.0.0.2", "10.0.0.3"],
                &["10.0.0.0/24"]
            ),
            ip("203.0.113.7")
        );
        assert_eq!(
            via_proxy(
                &["for=192.0.2.66", "for=203.0.113.7", "for=10.0.0.2"],
                &[],
                &["10.0.0.0/24"]
            ),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn x_forwarded_for_with_ports_and_empty_elements() {
        assert_eq!(
            via_proxy(&[], &["203.0.113.7:5123,, "], &[PROXY]),
            ip("203.0.113.7")
        );
        assert_eq!(
            via_proxy(&[], &["[2001:db8::7]:443"], &[PROXY]),
            ip("2001:db8::7")
        );
        assert_eq!(
            via_proxy(&[], &["2001:db8::7"], &[PROXY]),
            ip("2001:db8::7")
        );
    }

    async fn echo(ip: ClientIp) -> String {
        ip.0.to_string()
    }

    #[actix_web::test]
    async fn handlers_get_the_resolved_address_or_the_peer() {
        use actix_web::{middleware::from_fn, test, App};

        let wrapped = test::init_service(
            App::new()
                .wrap(from_fn(resolve_client_ip))
                .route("/", web::get().to(echo)),
        )
        .await;
        let bare = test::init_service(App::new().route("/", web::get().to(echo))).await;
        // Without settings no proxy is trusted: the header is ignored.
        let spoofed = || {
            test::TestRequest::get()
                .peer_addr("[::ffff:192.0.2.1]:40000".parse().unwrap())
                .insert_header(("x-forwarded-for", "203.0.113.7"))
                .to_request()
        };
        assert_eq!(
            test::call_and_read_body(&wrapped, spoofed()).await,
            "192.0.2.1"
        );
        assert_eq!(
            test::call_and_read_body(&bare, spoofed()).await,
            "192.0.2.1"
        );
        let req = test::TestRequest::get().to_request();
        assert_eq!(test::call_and_read_body(&wrapped, req).await, "0.0.0.0");
    }

    #[test]
    fn quoted_separators_do_not_split() {
        assert_eq!(
            split_unquoted("for=\"a,b\";by=c, for=d", ','),
            ["for=\"a,b\";by=c", " for=d"]
        );
        assert_eq!(unquote("\"x\\\"y\"").as_deref(), Some("x\"y"));
        assert_eq!(unquote("\"open"), None);
        assert_eq!(unquote("\"a\"b"), None);
    }
}
