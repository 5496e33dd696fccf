//! Tests for the return-URL matcher: seed examples, known bypass tricks and property tests.

use proptest::prelude::*;
use url::Url;

use super::*;

const PREFIX: &str = "https://example.org/callback/";

fn prefix() -> RedirectPrefix {
    RedirectPrefix::parse(PREFIX).unwrap()
}

#[test]
fn allows_paths_below_the_prefix_with_a_query() {
    let p = prefix();
    for ok in [
        "https://example.org/callback/",
        "https://example.org/callback/abcdefgh/?tracking=123456",
        "https://example.org/callback/a/b/c",
        "https://example.org/callback/?x=1",
        "https://example.org/callback/a.b..c/",
    ] {
        assert!(p.matches(ok), "{ok}");
    }
}

#[test]
fn refuses_tricks_and_other_locations() {
    let p = prefix();
    for bad in [
        "https://example.org/invalid",
        "https://example.org/callback",
        "https://example.org/callbackX",
        "https://example.org/callback/../admin",
        "https://example.org/callback/./x",
        "https://example.org/callback/x/..",
        "https://example.org/callback/x/.",
        "https://example.org/callback/%2e%2e/admin",
        "https://example.org/callback/%2E%2E/x",
        "https://example.org/callback/a%2Fb",
        "https://example.org/callback/a%2fb",
        "https://example.org/callback/a%5Cb",
        "https://example.org/callback/%252e",
        "https://example.org/callback/x?next=%2e%2e",
        "https://example.org.evil.com/callback/",
        "https://evil.com/callback/",
        "https://user@example.org/callback/",
        "https://user:pw@example.org/callback/",
        "https://example.org@evil.com/callback/",
        "http://example.org/callback/",
        "HTTPS://example.org/callback/",
        "https://example.org:8443/callback/",
        "https://example.org:443/callback/",
        "https://EXAMPLE.org/callback/x",
        "https://example.org/callback/x#frag",
        "https://example.org/callback/x#",
        "https://example.org/callback/x\\..\\admin",
        "https://example.org\\callback/",
        "https://example.org/callback/x\ty",
        "https://example.org/callback/x\ny",
        "https://example.org/callback/ x",
        "https://example.org/callback/x\r",
        " https://example.org/callback/",
        "https:example.org/callback/",
        "https:///example.org/callback/",
        "//example.org/callback/",
        "/callback/",
        "",
    ] {
        assert!(!p.matches(bad), "{bad:?}");
    }
}

#[test]
fn allowed_list_uses_exact_uris_and_prefixes() {
    let exact = vec!["https://app.example.com/cb".to_owned()];
    let prefixes = vec![PREFIX.to_owned()];
    assert!(is_allowed_return_url(
        "https://app.example.com/cb",
        &exact,
        &prefixes
    ));
    assert!(is_allowed_return_url(
        "https://example.org/callback/abcdefgh/?tracking=123456",
        &exact,
        &prefixes
    ));
    // Exact URIs do not act as prefixes.
    assert!(!is_allowed_return_url(
        "https://app.example.com/cb/x",
        &exact,
        &prefixes
    ));
    assert!(!is_allowed_return_url(
        "https://example.org/invalid",
        &exact,
        &prefixes
    ));
    // A stored value that is not a valid prefix matches nothing.
    let broken = vec!["https://example.org/callback".to_owned()];
    assert!(!is_allowed_return_url(
        "https://example.org/callbackX",
        &[],
        &broken
    ));
}

#[test]
fn loopback_http_prefix_is_allowed() {
    let p = RedirectPrefix::parse("http://127.0.0.1:9000/cb/").unwrap();
    assert_eq!(p.as_str(), "http://127.0.0.1:9000/cb/");
    assert!(p.matches("http://127.0.0.1:9000/cb/x"));
    assert!(!p.matches("http://127.0.0.1:9001/cb/x"));
    assert!(!p.matches("https://127.0.0.1:9000/cb/x"));
    assert!(RedirectPrefix::parse("http://localhost:3000/cb/").is_ok());
    assert!(RedirectPrefix::parse("http://[::1]:3000/cb/").is_ok());
}

/// Recognises the error variant a case expects.
type IsExpected = fn(&RedirectUriError) -> bool;

#[test]
fn prefix_registration_errors() {
    use RedirectUriError as E;
    let cases: &[(&str, IsExpected)] = &[
        ("not a uri", |e| matches!(e, E::NotAbsolute(_))),
        ("http://example.org/cb/", |e| {
            matches!(e, E::InsecureHttp(_))
        }),
        ("ftp://example.org/cb/", |e| matches!(e, E::PrefixScheme(_))),
        ("com.example.app:/cb/", |e| matches!(e, E::PrefixScheme(_))),
        ("https://example.org/callback", |e| {
            matches!(e, E::PrefixWithoutSlash(_))
        }),
        ("https://example.org/cb/?a=1", |e| {
            matches!(e, E::PrefixWithQuery(_))
        }),
        ("https://example.org/cb/?", |e| {
            matches!(e, E::PrefixWithQuery(_))
        }),
        ("https://example.org/cb/#x", |e| matches!(e, E::Fragment(_))),
        ("https://user@example.org/cb/", |e| {
            matches!(e, E::UserInfo(_))
        }),
        ("https://u:p@example.org/cb/", |e| {
            matches!(e, E::UserInfo(_))
        }),
        ("https://example.org/a/../cb/", |e| {
            matches!(e, E::PrefixPath(_))
        }),
        ("https://example.org/./cb/", |e| {
            matches!(e, E::PrefixPath(_))
        }),
        ("https://example.org/c%62/", |e| {
            matches!(e, E::PrefixPath(_))
        }),
        ("https://example.org/%2e%2e/", |e| {
            matches!(e, E::PrefixPath(_))
        }),
        ("https://EXAMPLE.org/cb/", |e| {
            matches!(e, E::NotCanonical { .. })
        }),
        ("https://example.org:443/cb/", |e| {
            matches!(e, E::NotCanonical { .. })
        }),
    ];
    for (raw, is_expected) in cases {
        let err = RedirectPrefix::parse(raw).unwrap_err();
        assert!(is_expected(&err), "{raw}: {err:?}");
    }
}

#[test]
fn not_canonical_error_names_the_canonical_form() {
    let err = RedirectPrefix::parse("https://EXAMPLE.org/cb/").unwrap_err();
    assert!(err.to_string().contains("https://example.org/cb/"), "{err}");
}

fn pick(items: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
    prop::sample::select(items)
}

/// URIs assembled from pieces that are known to confuse matchers.
fn tricky_uri() -> impl Strategy<Value = String> {
    let scheme = pick(&["https://", "http://", "HTTPS://", "https:", "https:///"]);
    let host = pick(&[
        "example.org",
        "EXAMPLE.org",
        "example.org.evil.com",
        "evil.com",
        "user@example.org",
        "example.org@evil.com",
        "127.0.0.1",
    ]);
    let port = pick(&["", ":443", ":8443"]);
    let segment = pick(&[
        "callback",
        "callbackX",
        "abc",
        "x1",
        ".",
        "..",
        "%2e",
        "%2E",
        "%2e%2e",
        "%2F",
        "%25",
        "",
        "\\",
        "@",
        "a b",
        "%41",
    ]);
    let path = prop::collection::vec(segment, 0..6).prop_map(|s| s.join("/"));
    let query = prop::option::of(pick(&["?tracking=123456", "?a=/../b", "?x=%2e", "?"]));
    let fragment = prop::option::of(pick(&["#frag", "#", "#/../x"]));
    (scheme, host, port, any::<bool>(), path, query, fragment).prop_map(
        |(scheme, host, port, lead, path, query, fragment)| {
            let slash = if lead { "/" } else { "" };
            format!(
                "{scheme}{host}{port}{slash}{path}{}{}",
                query.unwrap_or(""),
                fragment.unwrap_or("")
            )
        },
    )
}

fn candidate() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => tricky_uri(),
        1 => ".*",
        2 => "https://example.org/callback/[ -~]{0,40}",
    ]
}

proptest! {
    #[test]
    fn accepted_uris_stay_below_the_prefix(candidate in candidate()) {
        if prefix().matches(&candidate) {
            let url = Url::parse(&candidate).unwrap();
            prop_assert_eq!(url.scheme(), "https");
            prop_assert_eq!(url.host_str(), Some("example.org"));
            prop_assert_eq!(url.port_or_known_default(), Some(443));
            prop_assert!(url.fragment().is_none());
            prop_assert!(url.path().starts_with("/callback/"));
            prop_assert!(candidate.starts_with(PREFIX));
        }
    }

    #[test]
    fn safe_uris_below_the_prefix_are_accepted(
        segments in prop::collection::vec("[a-zA-Z0-9_~-][a-zA-Z0-9._~-]{0,10}", 0..5),
        query in prop::option::of("[a-zA-Z0-9=&_.~-]{0,20}"),
    ) {
        let mut uri = PREFIX.to_owned();
        for segment in &segments {
            uri.push_str(segment);
            uri.push('/');
        }
        if let Some(query) = query {
            uri.push('?');
            uri.push_str(&query);
        }
        prop_assert!(prefix().matches(&uri), "{}", uri);
    }
}
