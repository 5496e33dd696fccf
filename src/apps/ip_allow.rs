//! An app's IP allow-list: the addresses and CIDR ranges its requests may come from.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::config::parse_network;
pub use crate::config::NetworkError as IpEntryError;

/// Parsed, canonical allow-list entries: IPv4-mapped IPv6 entries are stored in IPv4 form, so an
/// entry is written one way only; duplicates are dropped, first occurrence kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IpAllowList(Vec<IpNet>);

impl IpAllowList {
    /// Parses entries: a bare address (a single host) or `address/prefix-length`.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, IpEntryError> {
        let mut nets: Vec<IpNet> = Vec::with_capacity(entries.len());
        for entry in entries {
            let net = parse_network(entry.as_ref())?;
            if !nets.contains(&net) {
                nets.push(net);
            }
        }
        Ok(Self(nets))
    }

    /// The entries as stored: a single host as its bare address, a range as `network/length`.
    pub fn canonical(&self) -> Vec<String> {
        self.0
            .iter()
            .map(|net| {
                if net.prefix_len() == net.max_prefix_len() {
                    net.addr().to_string()
                } else {
                    net.to_string()
                }
            })
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `ip` is inside an entry. A v4-mapped IPv6 address (a dual-stack socket's view of
    /// an IPv4 client) is compared as the IPv4 address it carries.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(entries: &[&str]) -> IpAllowList {
        IpAllowList::parse(entries).unwrap()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_bare_address_or_slash_32_matches_only_that_address() {
        for entry in ["192.0.2.10", "192.0.2.10/32"] {
            let l = list(&[entry]);
            assert!(l.contains(ip("192.0.2.10")), "{entry}");
            assert!(!l.contains(ip("192.0.2.11")), "{entry}");
            assert!(!l.contains(ip("192.0.2.9")), "{entry}");
            assert_eq!(l.canonical(), ["192.0.2.10"]);
        }
    }

    #[test]
    fn ipv4_slash_0_matches_every_ipv4_and_no_ipv6() {
        let l = list(&["0.0.0.0/0"]);
        assert!(l.contains(ip("0.0.0.0")));
        assert!(l.contains(ip("255.255.255.255")));
        assert!(l.contains(ip("203.0.113.7")));
        assert!(!l.contains(ip("2001:db8::1")));
        assert!(!l.contains(ip("::1")));
    }

    #[test]
    fn ipv6_slash_0_matches_every_ipv6() {
        let l = list(&["::/0"]);
        assert!(l.contains(ip("::")));
        assert!(l.contains(ip("2001:db8::1")));
        assert!(l.contains(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")));
        assert!(!l.contains(ip("203.0.113.7")));
    }

    #[test]
    fn a_v4_mapped_client_matches_its_ipv4_entry() {
        let l = list(&["10.0.0.1"]);
        assert!(l.contains(ip("::ffff:10.0.0.1")));
        assert!(!l.contains(ip("::ffff:10.0.0.2")));
    }

    #[test]
    fn v4_mapped_entries_are_stored_in_ipv4_form() {
        let l = list(&[
            "::ffff:10.0.0.0/104",
            "::ffff:10.0.0.1",
            "::ffff:192.0.2.1/128",
        ]);
        assert_eq!(l.canonical(), ["10.0.0.0/8", "10.0.0.1", "192.0.2.1"]);
        assert!(l.contains(ip("10.255.0.1")));
    }

    #[test]
    fn ipv6_slash_128_edges() {
        let l = list(&["2001:db8::5/128"]);
        assert!(l.contains(ip("2001:db8::5")));
        assert!(!l.contains(ip("2001:db8::4")));
        assert!(!l.contains(ip("2001:db8::6")));
        assert_eq!(l.canonical(), ["2001:db8::5"]);
    }

    #[test]
    fn ipv6_slash_64_edges() {
        let l = list(&["2001:db8:0:1::/64"]);
        assert!(l.contains(ip("2001:db8:0:1::")));
        assert!(l.contains(ip("2001:db8:0:1:ffff:ffff:ffff:ffff")));
        assert!(!l.contains(ip("2001:db8:0:2::")));
        assert!(!l.contains(ip("2001:db8:0:0:ffff:ffff:ffff:ffff")));
        assert_eq!(l.canonical(), ["2001:db8:0:1::/64"]);
    }

    #[test]
    fn ipv4_range_edges() {
        let l = list(&["10.0.0.0/24"]);
        assert!(l.contains(ip("10.0.0.0")));
        assert!(l.contains(ip("10.0.0.255")));
        assert!(!l.contains(ip("10.0.1.0")));
        assert!(!l.contains(ip("9.255.255.255")));
    }

    #[test]
    fn duplicates_are_dropped_after_canonicalisation() {
        let l = list(&[
            "10.0.0.1",
            "10.0.0.1/32",
            " ::ffff:10.0.0.1 ",
            "2001:DB8::/32",
            "2001:db8::/32",
        ]);
        assert_eq!(l.canonical(), ["10.0.0.1", "2001:db8::/32"]);
    }

    #[test]
    fn an_empty_list_is_empty() {
        let l = IpAllowList::parse::<&str>(&[]).unwrap();
        assert!(l.is_empty());
        assert!(!l.contains(ip("10.0.0.1")));
        assert!(!list(&["10.0.0.1"]).is_empty());
    }

    #[test]
    fn garbage_is_refused_naming_the_entry() {
        for bad in [
            "garbage",
            "10.0.0",
            "10.0.0.256",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "10.0.0.0/8/8",
            "/8",
            "fe80::1%eth0",
            "example.com",
        ] {
            let err = IpAllowList::parse(&[bad]).unwrap_err();
            assert_eq!(err, IpEntryError::Syntax(bad.to_owned()), "{bad}");
            assert!(err.to_string().contains(bad), "{err}");
        }
    }

    #[test]
    fn an_empty_entry_is_refused() {
        assert_eq!(IpAllowList::parse(&[""]).unwrap_err(), IpEntryError::Empty);
        assert_eq!(
            IpAllowList::parse(&["  "]).unwrap_err(),
            IpEntryError::Empty
        );
    }

    #[test]
    fn host_bits_set_are_refused_with_the_network_suggested() {
        let err = IpAllowList::parse(&["10.0.0.5/24"]).unwrap_err();
        assert_eq!(
            err,
            IpEntryError::HostBits {
                entry: "10.0.0.5/24".into(),
                network: "10.0.0.0/24".into()
            }
        );
        assert!(err.to_string().contains("10.0.0.0/24"), "{err}");
        let err = IpAllowList::parse(&["2001:db8::1/64"]).unwrap_err();
        assert!(err.to_string().contains("`2001:db8::/64`"), "{err}");
    }

    #[test]
    fn a_prefix_longer_than_the_address_is_refused() {
        assert_eq!(
            IpAllowList::parse(&["10.0.0.1/33"]).unwrap_err(),
            IpEntryError::PrefixLength {
                entry: "10.0.0.1/33".into(),
                max: 32
            }
        );
        assert_eq!(
            IpAllowList::parse(&["::1/129"]).unwrap_err(),
            IpEntryError::PrefixLength {
                entry: "::1/129".into(),
                max: 128
            }
        );
    }

    #[test]
    fn one_bad_entry_refuses_the_whole_list() {
        assert!(IpAllowList::parse(&["10.0.0.1", "nope"]).is_err());
    }
}
