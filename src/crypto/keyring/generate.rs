//! Key generation and signer construction with josekit (OpenSSL).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use josekit::jwk::alg::ed::EdCurve;
use josekit::jwk::KeyPair;
use josekit::jws::{EdDSA, JwsSigner, JwsVerifier, ES256, PS256, RS256};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::SigningAlg;

/// Public JWK members that may be published (RFC 7517 §4, RFC 7518 §6); nothing private.
const PUBLIC_MEMBERS: &[&str] = &["kty", "crv", "x", "y", "n", "e", "kid", "alg", "use"];

/// A freshly generated key pair.
pub struct GeneratedKey {
    /// The RFC 7638 thumbprint of the public key.
    pub kid: String,
    /// Public members only, with `kid`, `alg` and `use`.
    pub public_jwk: Map<String, Value>,
    /// PKCS#8 DER; sealed before it is stored.
    pub private_der: Vec<u8>,
}

/// A key could not be generated or loaded.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct KeyError(String);

fn jose(e: josekit::JoseError) -> KeyError {
    KeyError(e.to_string())
}

/// Generates a signing key pair; RSA keys use `rsa_bits`.
pub fn generate(alg: SigningAlg, rsa_bits: u32) -> Result<GeneratedKey, KeyError> {
    let (public, private_der) = match alg {
        SigningAlg::Es256 => {
            let kp = ES256.generate_key_pair().map_err(jose)?;
            (kp.to_jwk_public_key(), kp.to_der_private_key())
        }
        SigningAlg::Rs256 => {
            let kp = RS256.generate_key_pair(rsa_bits).map_err(jose)?;
            (kp.to_jwk_public_key(), kp.to_der_private_key())
        }
        SigningAlg::Ps256 => {
            let kp = PS256.generate_key_pair(rsa_bits).map_err(jose)?;
            (kp.to_jwk_public_key(), kp.to_der_private_key())
        }
        SigningAlg::EdDsa => {
            let kp = EdDSA.generate_key_pair(EdCurve::Ed25519).map_err(jose)?;
            (kp.to_jwk_public_key(), kp.to_der_private_key())
        }
    };
    let mut public_jwk: Map<String, Value> = public
        .as_ref()
        .iter()
        .filter(|(k, _)| PUBLIC_MEMBERS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    // An RSA-PSS key is an ordinary RSA key in a JWK (RFC 7518 §6.3).
    if public_jwk.get("kty").and_then(Value::as_str) != Some("RSA") && alg == SigningAlg::Ps256 {
        public_jwk.insert("kty".into(), Value::from("RSA"));
    }
    let kid = thumbprint(&public_jwk)?;
    public_jwk.insert("kid".into(), Value::from(kid.clone()));
    public_jwk.insert("alg".into(), Value::from(alg.as_str()));
    public_jwk.insert("use".into(), Value::from("sig"));
    Ok(GeneratedKey {
        kid,
        public_jwk,
        private_der,
    })
}

/// A signer for a stored key, carrying its `kid`.
pub fn signer(
    alg: SigningAlg,
    private_der: &[u8],
    kid: &str,
) -> Result<Box<dyn JwsSigner>, KeyError> {
    Ok(match alg {
        SigningAlg::Es256 => {
            let mut s = ES256.signer_from_der(private_der).map_err(jose)?;
            s.set_key_id(kid);
            Box::new(s)
        }
        SigningAlg::Rs256 => {
            let mut s = RS256.signer_from_der(private_der).map_err(jose)?;
            s.set_key_id(kid);
            Box::new(s)
        }
        SigningAlg::Ps256 => {
            let mut s = PS256.signer_from_der(private_der).map_err(jose)?;
            s.set_key_id(kid);
            Box::new(s)
        }
        SigningAlg::EdDsa => {
            let mut s = EdDSA.signer_from_der(private_der).map_err(jose)?;
            s.set_key_id(kid);
            Box::new(s)
        }
    })
}

/// A verifier for a published key.
pub fn verifier(
    alg: SigningAlg,
    public_jwk: &Map<String, Value>,
) -> Result<Box<dyn JwsVerifier>, KeyError> {
    let jwk = josekit::jwk::Jwk::from_map(public_jwk.clone()).map_err(jose)?;
    Ok(match alg {
        SigningAlg::Es256 => Box::new(ES256.verifier_from_jwk(&jwk).map_err(jose)?),
        SigningAlg::Rs256 => Box::new(RS256.verifier_from_jwk(&jwk).map_err(jose)?),
        SigningAlg::Ps256 => Box::new(PS256.verifier_from_jwk(&jwk).map_err(jose)?),
        SigningAlg::EdDsa => Box::new(EdDSA.verifier_from_jwk(&jwk).map_err(jose)?),
    })
}

/// RFC 7638 JWK thumbprint (SHA-256, base64url) over the required public members.
pub fn thumbprint(jwk: &Map<String, Value>) -> Result<String, KeyError> {
    let required: &[&str] = match jwk.get("kty").and_then(Value::as_str) {
        Some("EC") => &["crv", "kty", "x", "y"],
        Some("RSA") => &["e", "kty", "n"],
        Some("OKP") => &["crv", "kty", "x"],
        other => return Err(KeyError(format!("unsupported key type {other:?}"))),
    };
    // serde_json's Map is ordered by key, which is the lexicographic order RFC 7638 §3.3 asks for.
    let mut members = Map::new();
    for name in required {
        let value = jwk
            .get(*name)
            .ok_or_else(|| KeyError(format!("JWK lacks `{name}`")))?;
        members.insert((*name).to_owned(), value.clone());
    }
    let canonical = serde_json::to_vec(&members).map_err(|e| KeyError(e.to_string()))?;
    Ok(URL_SAFE_NO_PAD.encode(Sha256::digest(canonical)))
}

#[cfg(test)]
mod tests {
    use josekit::jws::JwsHeader;

    use super::*;

    #[test]
    fn every_algorithm_generates_public_only_jwks_that_verify_its_signatures() {
        for alg in SigningAlg::ALL {
            let key = generate(alg, 2048).unwrap();
            for private in ["d", "p", "q", "dp", "dq", "qi"] {
                assert!(
                    !key.public_jwk.contains_key(private),
                    "{alg} publishes {private}"
                );
            }
            assert_eq!(key.public_jwk["kid"], key.kid.as_str());
            assert_eq!(key.public_jwk["alg"], alg.as_str());
            let signer = signer(alg, &key.private_der, &key.kid).unwrap();
            assert_eq!(signer.key_id(), Some(key.kid.as_str()));
            let mut header = JwsHeader::new();
            header.set_key_id(&key.kid);
            let token = josekit::jws::serialize_compact(b"payload", &header, &*signer).unwrap();
            let jwk = josekit::jwk::Jwk::from_map(key.public_jwk.clone()).unwrap();
            let verifier: Box<dyn josekit::jws::JwsVerifier> = match alg {
                SigningAlg::Es256 => Box::new(ES256.verifier_from_jwk(&jwk).unwrap()),
                SigningAlg::Rs256 => Box::new(RS256.verifier_from_jwk(&jwk).unwrap()),
                SigningAlg::Ps256 => Box::new(PS256.verifier_from_jwk(&jwk).unwrap()),
                SigningAlg::EdDsa => Box::new(EdDSA.verifier_from_jwk(&jwk).unwrap()),
            };
            let (payload, _) = josekit::jws::deserialize_compact(&token, &*verifier).unwrap();
            assert_eq!(payload, b"payload");
        }
    }

    #[test]
    fn thumbprint_matches_rfc_7638_example() {
        // RFC 7638 §3.1.
        let jwk: Map<String, Value> = serde_json::from_str(
            r#"{"kty":"RSA","e":"AQAB","alg":"RS256","kid":"2011-04-29","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"}"#,
        )
        .unwrap();
        assert_eq!(
            thumbprint(&jwk).unwrap(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }
}
