//! A resource's token encryption key: one public JWK (RFC 7517) to which its access tokens are
//! encrypted (RFC 7516 compact JWE, `enc` A256GCM), so that only the resource server reads them.
//! Two kinds are accepted (DESIGN.md "Keys"): RSA of 2048 to 4096 bits with `RSA-OAEP-256`, and
//! EC P-256 with `ECDH-ES+A256KW`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use josekit::jwe::{JweEncrypter, JweHeader, ECDH_ES_A256KW, RSA_OAEP_256};
use josekit::jwk::Jwk;
use serde_json::{Map, Value};

/// The content encryption of every token JWE.
pub const CONTENT_ENCRYPTION: &str = "A256GCM";

/// RFC 7518 §6.3.2 and §6.2.2: the members that make a JWK private (or symmetric).
const PRIVATE_MEMBERS: &[&str] = &["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

const MIN_RSA_BITS: usize = 2048;
/// Larger moduli add nothing but cost on both sides: every JWE anyone forges for the resource
/// costs its server one private-key operation, which grows with about the cube of the size.
const MAX_RSA_BITS: usize = 4096;
const MAX_KID_LEN: usize = 128;

/// Why a JWK was refused as a token encryption key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenKeyError {
    #[error("must be a JWK: a JSON object")]
    NotAnObject,
    #[error("must be a public key; remove the private member `{0}`")]
    PrivateMember(&'static str),
    #[error("`kty` must be RSA or EC")]
    KeyType,
    #[error("`alg` is required: RSA-OAEP-256 for an RSA key, ECDH-ES+A256KW for an EC key")]
    MissingAlg,
    #[error("`alg` must be {expected} for an {kty} key")]
    Alg {
        kty: &'static str,
        expected: &'static str,
    },
    #[error("`use` must be enc, or be left out")]
    Use,
    #[error("`key_ops` must allow {0}, or be left out")]
    KeyOps(&'static str),
    #[error("`kid` must be 1 to 128 printable ASCII characters")]
    Kid,
    #[error("`{0}` must be base64url without padding")]
    Encoding(&'static str),
    #[error("the RSA modulus must have 2048 to 4096 bits")]
    RsaSize,
    #[error("the RSA public exponent `e` must be odd and greater than 1")]
    Exponent,
    #[error("`crv` must be P-256")]
    Curve,
    #[error("`x` and `y` must be the 32-byte coordinates of a P-256 point")]
    Point,
    /// OpenSSL refused the coordinates; its reason is logged, never shown.
    #[error("`x` and `y` are not a P-256 point")]
    NotOnCurve,
    /// OpenSSL refused the key; its reason is logged, never shown.
    #[error("the key is not usable")]
    Unusable,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyAlg {
    RsaOaep256,
    EcdhEsA256kw,
}

impl KeyAlg {
    fn name(self) -> &'static str {
        match self {
            Self::RsaOaep256 => "RSA-OAEP-256",
            Self::EcdhEsA256kw => "ECDH-ES+A256KW",
        }
    }
}

/// A validated public encryption key, with its encrypter ready.
#[derive(Debug)]
pub struct TokenEncryptionKey {
    /// The public members only: `kty`, `alg`, `use` and `kid` when given, `n` and `e` or `crv`,
    /// `x` and `y`.
    jwk: Map<String, Value>,
    alg: KeyAlg,
    encrypter: Box<dyn JweEncrypter>,
}

impl Clone for TokenEncryptionKey {
    fn clone(&self) -> Self {
        Self {
            jwk: self.jwk.clone(),
            alg: self.alg,
            encrypter: self.encrypter.box_clone(),
        }
    }
}

impl PartialEq for TokenEncryptionKey {
    fn eq(&self, other: &Self) -> bool {
        self.jwk == other.jwk
    }
}

impl Eq for TokenEncryptionKey {}

/// As its JWK.
impl serde::Serialize for TokenEncryptionKey {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.jwk.serialize(serializer)
    }
}

fn text<'a>(jwk: &'a Map<String, Value>, member: &'static str) -> Option<&'a str> {
    jwk.get(member).and_then(Value::as_str)
}

/// A required base64url member, decoded.
fn bytes(jwk: &Map<String, Value>, member: &'static str) -> Result<Vec<u8>, TokenKeyError> {
    text(jwk, member)
        .and_then(|v| URL_SAFE_NO_PAD.decode(v).ok())
        .ok_or(TokenKeyError::Encoding(member))
}

fn is_kid(kid: &str) -> bool {
    (1..=MAX_KID_LEN).contains(&kid.len()) && kid.bytes().all(|b| (0x20..=0x7e).contains(&b))
}

impl TokenEncryptionKey {
    /// Checks a JWK and keeps its public members; any other member (`x5c`, `key_ops`, …) is
    /// dropped. The key encrypts once here, so that a key OpenSSL would refuse at issuance is
    /// refused now.
    pub fn from_jwk(value: &Value) -> Result<Self, TokenKeyError> {
        let (jwk, alg) = Self::check(value)?;
        let key = Self::build(jwk, alg)?;
        key.encrypt_jwt("probe").map_err(|e| {
            tracing::debug!(error = %e, "a token encryption key could not encrypt");
            TokenKeyError::Unusable
        })?;
        Ok(key)
    }

    /// A key as stored (checked when it was registered), for issuing tokens.
    pub fn from_stored(value: &Value) -> Result<Self, TokenKeyError> {
        let (jwk, alg) = Self::check(value)?;
        Self::build(jwk, alg).inspect_err(|e| {
            tracing::warn!(error = %e, "a stored token encryption key is no longer usable");
        })
    }

    fn check(value: &Value) -> Result<(Map<String, Value>, KeyAlg), TokenKeyError> {
        let given = value.as_object().ok_or(TokenKeyError::NotAnObject)?;
        if let Some(member) = PRIVATE_MEMBERS.iter().find(|m| given.contains_key(**m)) {
            return Err(TokenKeyError::PrivateMember(member));
        }
        let (kty, alg, operations): (&'static str, KeyAlg, &[&'static str]) =
            match text(given, "kty") {
                Some("RSA") => ("RSA", KeyAlg::RsaOaep256, &["wrapKey", "encrypt"]),
                Some("EC") => ("EC", KeyAlg::EcdhEsA256kw, &["deriveKey", "deriveBits"]),
                _ => return Err(TokenKeyError::KeyType),
            };
        match given.get("alg") {
            None | Some(Value::Null) => return Err(TokenKeyError::MissingAlg),
            Some(Value::String(a)) if a == alg.name() => {}
            Some(_) => {
                return Err(TokenKeyError::Alg {
                    kty,
                    expected: alg.name(),
                })
            }
        }
        match given.get("use") {
            None => {}
            Some(Value::String(u)) if u == "enc" => {}
            Some(_) => return Err(TokenKeyError::Use),
        }
        if let Some(ops) = given.get("key_ops") {
            let allows = ops.as_array().is_some_and(|ops| {
                ops.iter()
                    .any(|op| op.as_str().is_some_and(|op| operations.contains(&op)))
            });
            if !allows {
                return Err(TokenKeyError::KeyOps(operations[0]));
            }
        }
        let mut jwk = Map::new();
        jwk.insert("kty".into(), kty.into());
        jwk.insert("alg".into(), alg.name().into());
        if given.contains_key("use") {
            jwk.insert("use".into(), "enc".into());
        }
        match given.get("kid") {
            None => {}
            Some(Value::String(kid)) if is_kid(kid) => {
                jwk.insert("kid".into(), kid.as_str().into());
            }
            Some(_) => return Err(TokenKeyError::Kid),
        }
        match alg {
            KeyAlg::RsaOaep256 => {
                let n = bytes(given, "n")?;
                let e = bytes(given, "e")?;
                // RFC 8017 §3.1: an odd public exponent above 1; 8 bytes is far beyond any in use.
                let e = &e[e.iter().take_while(|b| **b == 0).count()..];
                let is_odd = e.last().is_some_and(|low| low % 2 == 1);
                if !is_odd || e.len() > 8 || e == [1] {
                    return Err(TokenKeyError::Exponent);
                }
                let leading_zeros = n.iter().take_while(|b| **b == 0).count();
                let significant = &n[leading_zeros..];
                let bits = significant.first().map_or(0, |top| {
                    significant.len() * 8 - top.leading_zeros() as usize
                });
                if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
                    return Err(TokenKeyError::RsaSize);
                }
                for member in ["n", "e"] {
                    jwk.insert(member.into(), given[member].clone());
                }
            }
            KeyAlg::EcdhEsA256kw => {
                if text(given, "crv") != Some("P-256") {
                    return Err(TokenKeyError::Curve);
                }
                for member in ["x", "y"] {
                    if bytes(given, member)?.len() != 32 {
                        return Err(TokenKeyError::Point);
                    }
                }
                for member in ["crv", "x", "y"] {
                    jwk.insert(member.into(), given[member].clone());
                }
            }
        }
        Ok((jwk, alg))
    }

    /// The encrypter josekit builds from the kept members: OpenSSL checks what the rules above
    /// do not (a point on the curve). Its messages name OpenSSL's internals (source files,
    /// error codes): they go to the log at debug, and the caller gets a fixed reason.
    fn build(jwk: Map<String, Value>, alg: KeyAlg) -> Result<Self, TokenKeyError> {
        let refused = match alg {
            // Everything else about an EC key was checked: a P-256 curve, 32-byte coordinates.
            KeyAlg::EcdhEsA256kw => TokenKeyError::NotOnCurve,
            KeyAlg::RsaOaep256 => TokenKeyError::Unusable,
        };
        let unusable = |e: josekit::JoseError| {
            tracing::debug!(error = %e, alg = alg.name(), "OpenSSL refused a token encryption key");
            refused.clone()
        };
        let parsed = Jwk::from_map(jwk.clone()).map_err(unusable)?;
        let encrypter: Box<dyn JweEncrypter> = match alg {
            KeyAlg::RsaOaep256 => {
                Box::new(RSA_OAEP_256.encrypter_from_jwk(&parsed).map_err(unusable)?)
            }
            KeyAlg::EcdhEsA256kw => {
                let encrypter = ECDH_ES_A256KW
                    .encrypter_from_jwk(&parsed)
                    .map_err(unusable)?;
                Box::new(encrypter)
            }
        };
        Ok(Self {
            jwk,
            alg,
            encrypter,
        })
    }

    /// The stored JWK: public members only.
    pub fn jwk(&self) -> &Map<String, Value> {
        &self.jwk
    }

    /// `RSA-OAEP-256` or `ECDH-ES+A256KW`.
    pub fn alg(&self) -> &'static str {
        self.alg.name()
    }

    pub fn kid(&self) -> Option<&str> {
        text(&self.jwk, "kid")
    }

    /// Wraps a signed JWT (RFC 7519 §5.2 nested JWT): compact JWE with `alg` the key's, `enc`
    /// A256GCM, `cty` JWT, and `kid` the key's when it has one.
    pub fn encrypt_jwt(&self, jwt: &str) -> Result<String, josekit::JoseError> {
        let mut header = JweHeader::new();
        header.set_content_encryption(CONTENT_ENCRYPTION);
        header.set_content_type("JWT");
        if let Some(kid) = self.kid() {
            header.set_key_id(kid);
        }
        josekit::jwe::serialize_compact(jwt.as_bytes(), &header, &*self.encrypter)
    }
}

#[cfg(test)]
mod tests {
    use josekit::jwe::{ECDH_ES, ECDH_ES_A256KW, RSA_OAEP_256};
    use serde_json::json;

    use super::*;

    fn public(jwk: &Jwk) -> Value {
        let mut map = jwk.as_ref().clone();
        for member in PRIVATE_MEMBERS {
            map.remove(*member);
        }
        assert!(map.contains_key("n") || map.contains_key("x"), "{map:?}");
        Value::Object(map)
    }

    fn rsa(bits: u32) -> (Jwk, Value) {
        let mut private = Jwk::generate_rsa_key(bits).unwrap();
        private.set_algorithm("RSA-OAEP-256");
        let public = public(&private);
        (private, public)
    }

    fn ec() -> (Jwk, Value) {
        let pair = ECDH_ES_A256KW
            .generate_ec_key_pair(josekit::jwk::alg::ec::EcCurve::P256)
            .unwrap();
        let mut private = pair.to_jwk_key_pair();
        private.set_algorithm("ECDH-ES+A256KW");
        let public = public(&private);
        (private, public)
    }

    /// An odd RSA modulus of exactly `bits` bits, base64url.
    fn modulus(bits: usize) -> String {
        let mut n = vec![0xff; bits.div_ceil(8)];
        n[0] = 0xff >> (n.len() * 8 - bits);
        URL_SAFE_NO_PAD.encode(n)
    }

    #[test]
    fn rsa_keys_of_2048_to_4096_bits_are_accepted() {
        for bits in [2048, 4096] {
            let (_, public) = rsa(bits);
            assert!(TokenEncryptionKey::from_jwk(&public).is_ok(), "{bits} bits");
        }
    }

    fn with(mut jwk: Value, member: &str, value: Value) -> Value {
        jwk[member] = value;
        jwk
    }

    fn without(mut jwk: Value, member: &str) -> Value {
        jwk.as_object_mut().unwrap().remove(member);
        jwk
    }

    #[test]
    fn an_rsa_key_wraps_a_jwt_its_private_key_opens() {
        let (private, public) = rsa(2048);
        let public = with(public, "kid", json!("enc-1"));
        let public = with(public, "x5t", json!("dropped"));
        let key = TokenEncryptionKey::from_jwk(&public).unwrap();
        assert_eq!(key.alg(), "RSA-OAEP-256");
        assert_eq!(key.kid(), Some("enc-1"));
        assert!(!key.jwk().contains_key("x5t"));
        let jwe = key.encrypt_jwt("a.b.c").unwrap();
        let decrypter = RSA_OAEP_256.decrypter_from_jwk(&private).unwrap();
        let (payload, header) = josekit::jwe::deserialize_compact(&jwe, &decrypter).unwrap();
        assert_eq!(payload, b"a.b.c");
        assert_eq!(header.algorithm(), Some("RSA-OAEP-256"));
        assert_eq!(header.content_encryption(), Some("A256GCM"));
        assert_eq!(header.content_type(), Some("JWT"));
        assert_eq!(header.key_id(), Some("enc-1"));
        let stored = TokenEncryptionKey::from_stored(&Value::Object(key.jwk().clone())).unwrap();
        assert_eq!(stored, key);
    }

    #[test]
    fn an_ec_key_wraps_a_jwt_its_private_key_opens() {
        let (private, public) = ec();
        let key = TokenEncryptionKey::from_jwk(&with(public, "use", json!("enc"))).unwrap();
        assert_eq!(key.kid(), None);
        assert_eq!(key.jwk()["use"], "enc");
        let jwe = key.encrypt_jwt("a.b.c").unwrap();
        let decrypter = ECDH_ES_A256KW.decrypter_from_jwk(&private).unwrap();
        let (payload, header) = josekit::jwe::deserialize_compact(&jwe, &decrypter).unwrap();
        assert_eq!(payload, b"a.b.c");
        assert_eq!(header.key_id(), None);
        assert_eq!(header.algorithm(), Some("ECDH-ES+A256KW"));
    }

    #[test]
    fn keys_that_do_not_fit_are_refused() {
        use TokenKeyError as E;
        let (rsa_private, rsa_public) = rsa(2048);
        let (_, ec_public) = ec();
        let (_, small) = rsa(1024);
        let p384 = ECDH_ES
            .generate_ec_key_pair(josekit::jwk::alg::ec::EcCurve::P384)
            .unwrap();
        let p384 = with(
            public(&p384.to_jwk_key_pair()),
            "alg",
            json!("ECDH-ES+A256KW"),
        );
        let mut off_curve = ec_public.clone();
        off_curve["y"] = off_curve["x"].clone();
        let cases = [
            (json!("garbage"), E::NotAnObject),
            (json!({}), E::KeyType),
            (
                Value::Object(rsa_private.as_ref().clone()),
                E::PrivateMember("d"),
            ),
            (
                with(ec_public.clone(), "k", json!("AAAA")),
                E::PrivateMember("k"),
            ),
            (with(rsa_public.clone(), "kty", json!("oct")), E::KeyType),
            (without(rsa_public.clone(), "alg"), E::MissingAlg),
            (
                with(rsa_public.clone(), "alg", json!("RSA-OAEP")),
                E::Alg {
                    kty: "RSA",
                    expected: "RSA-OAEP-256",
                },
            ),
            (
                with(ec_public.clone(), "alg", json!("ECDH-ES")),
                E::Alg {
                    kty: "EC",
                    expected: "ECDH-ES+A256KW",
                },
            ),
            (with(rsa_public.clone(), "use", json!("sig")), E::Use),
            (
                with(rsa_public.clone(), "key_ops", json!(["verify"])),
                E::KeyOps("wrapKey"),
            ),
            (with(rsa_public.clone(), "kid", json!("")), E::Kid),
            (
                with(rsa_public.clone(), "kid", json!("k".repeat(129))),
                E::Kid,
            ),
            (with(rsa_public.clone(), "kid", json!("tab\there")), E::Kid),
            (
                with(rsa_public.clone(), "n", json!("not base64!")),
                E::Encoding("n"),
            ),
            (with(rsa_public.clone(), "e", json!("Ag")), E::Exponent),
            (with(rsa_public.clone(), "e", json!("AQ")), E::Exponent),
            (small, E::RsaSize),
            (
                with(rsa_public.clone(), "n", json!(modulus(4097))),
                E::RsaSize,
            ),
            (p384, E::Curve),
            (without(ec_public.clone(), "y"), E::Encoding("y")),
            (with(ec_public.clone(), "x", json!("AAAA")), E::Point),
        ];
        for (jwk, expected) in cases {
            assert_eq!(
                TokenEncryptionKey::from_jwk(&jwk).unwrap_err(),
                expected,
                "{jwk}"
            );
        }
        let refused = TokenEncryptionKey::from_jwk(&off_curve).unwrap_err();
        assert_eq!(refused, E::NotOnCurve);
        assert_eq!(refused.to_string(), "`x` and `y` are not a P-256 point");
        let ops = with(rsa_public, "key_ops", json!(["wrapKey"]));
        assert!(!TokenEncryptionKey::from_jwk(&ops)
            .unwrap()
            .jwk()
            .contains_key("key_ops"));
    }
}
