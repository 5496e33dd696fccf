//! IP networks as operators write them (a bare address or `address/length`), parsed one way for
//! every list that takes them: the trusted proxies here, and apps' IP allow-lists.

use std::net::IpAddr;

use ipnet::{IpNet, Ipv4Net};

/// A network entry that cannot be used; each variant names the entry as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetworkError {
    #[error("`` is not an IP address or CIDR range: the entry is empty")]
    Empty,
    #[error(
        "`{0}` is not an IP address or CIDR range (e.g. 192.0.2.10, 10.0.0.0/8, 2001:db8::/32)"
    )]
    Syntax(String),
    #[error("`{entry}`: the prefix length must be 0 to {max}")]
    PrefixLength { entry: String, max: u8 },
    #[error("`{entry}` has host bits set; did you mean `{network}`?")]
    HostBits { entry: String, network: String },
}

/// A bare address (one host) or `address/length`, in canonical form: IPv4-mapped entries as the
/// IPv4 range they cover, host bits refused with the network suggested.
pub fn parse_network(raw: &str) -> Result<IpNet, NetworkError> {
    let entry = raw.trim();
    if entry.is_empty() {
        return Err(NetworkError::Empty);
    }
    let syntax = || NetworkError::Syntax(entry.to_owned());
    let net = match entry.split_once('/') {
        None => IpNet::from(entry.parse::<IpAddr>().map_err(|_| syntax())?),
        Some((addr, len)) => {
            let addr: IpAddr = addr.parse().map_err(|_| syntax())?;
            // Digits only: `u8::from_str` would also take `+24`.
            if len.is_empty() || len.len() > 3 || !len.bytes().all(|b| b.is_ascii_digit()) {
                return Err(syntax());
            }
            let len: u8 = len.parse().map_err(|_| syntax())?;
            IpNet::new(addr, len).map_err(|_| NetworkError::PrefixLength {
                entry: entry.to_owned(),
                max: if addr.is_ipv4() { 32 } else { 128 },
            })?
        }
    };
    let net = unmap(net);
    let network = net.trunc();
    if network != net {
        return Err(NetworkError::HostBits {
            entry: entry.to_owned(),
            network: network.to_string(),
        });
    }
    Ok(net)
}

/// RFC 4291 §2.5.5.2: `::ffff:a.b.c.d/96+n` is the IPv4 range `a.b.c.d/n`.
fn unmap(net: IpNet) -> IpNet {
    let IpNet::V6(v6) = net else {
        return net;
    };
    let Some(v4) = v6.addr().to_ipv4_mapped() else {
        return net;
    };
    match v6.prefix_len().checked_sub(96) {
        Some(len) => Ipv4Net::new(v4, len).map_or(net, IpNet::V4),
        None => net,
    }
}
