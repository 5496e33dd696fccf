//! Encrypted access tokens through the whole validator, against the identity provider of
//! `test_support` (which signs the inner tokens); the service keys are made with josekit.
//! Time is a `ManualClock`: nothing sleeps.

use std::sync::Arc;

// Deprecated, which is why a test shows that it is refused.
#[allow(deprecated)]
use josekit::jwe::RSA1_5;
use josekit::jwe::{Dir, JweEncrypter, ECDH_ES, RSA_OAEP};
use josekit::jwk::alg::ec::EcCurve;
use josekit::jwk::alg::ecx::EcxCurve;
use josekit::jwk::Jwk;
use serde_json::{json, Value};

use super::*;
use crate::test_support::*;
use crate::{Config, ConfigBuilder, ManualClock, Validator};

// ---- setup ----

struct Setup {
    idp: Idp,
    clock: Arc<ManualClock>,
    signing: TestKey,
    validator: Validator,
}

impl Setup {
    fn claims(&self) -> Value {
        claims(&self.idp.url(), now_secs(&self.clock))
    }

    /// A valid signed access token, as Tessera signs it before encrypting.
    fn jws(&self) -> String {
        sign(&self.signing, &self.claims())
    }
}

async fn setup(tweak: impl FnOnce(ConfigBuilder) -> ConfigBuilder) -> Setup {
    let signing = es256_key("sig");
    let idp = Idp::start(&[&signing]).await;
    let clock = Arc::new(ManualClock::new(start()));
    let config = tweak(
        Config::builder(idp.url())
            .audience(AUDIENCE)
            .clock(clock.clone()),
    )
    .build()
    .unwrap();
    let validator = Validator::new(config).await.unwrap();
    Setup {
        idp,
        clock,
        signing,
        validator,
    }
}

/// A validator holding the private halves of `keys`.
async fn setup_for(keys: &[&ServiceKey]) -> Setup {
    setup(|mut b| {
        for key in keys {
            b = b.decryption_key(key.decryption_key());
        }
        b
    })
    .await
}

fn undecryptable(reason: &'static str) -> Result<crate::AccessClaims, AuthError> {
    Err(AuthError::Undecryptable(reason))
}

/// `key`'s public JWK with no `alg`, so josekit lets other algorithms encrypt to it.
fn without_alg(key: &ServiceKey) -> Jwk {
    let mut public = key.public.clone();
    public.set_parameter("alg", None).unwrap();
    public
}

// ---- tokens that pass ----

#[tokio::test]
async fn a_jwe_to_the_service_key_decrypts_and_validates_rsa_and_ec() {
    for key in [
        ServiceKey::rsa(Some("enc-rsa")),
        ServiceKey::ec(Some("enc-ec")),
    ] {
        let s = setup_for(&[&key]).await;
        let jwe = encrypt(&s.jws(), &key);
        assert_eq!(jwe.split('.').count(), 5);
        let claims = s.validator.validate(&jwe).await.unwrap();
        assert_eq!(claims.sub, "user-1");
        assert!(claims.has_role("analyst"));
    }
}

#[tokio::test]
async fn keys_without_alg_or_kid_are_accepted_and_cty_is_a_media_type() {
    // A JWK without `alg` gets it from `kty`; a JWE without `kid` is tried with that key.
    let key = ServiceKey::ec(None);
    let mut private = key.private.clone();
    private.set_parameter("alg", None).unwrap();
    private.set_key_use("enc");
    let decryption = DecryptionKey::from_jwk(&private.to_string()).unwrap();
    assert_eq!(decryption.kid(), None);
    assert_eq!(decryption.algorithm(), "ECDH-ES+A256KW");
    let s = setup(|b| b.decryption_key(decryption)).await;
    // RFC 7515 §4.1.10: any case, with or without `application/`.
    for cty in ["JWT", "jwt", "application/JWT", "Application/jwt"] {
        let jwe = encrypt_with(&s.jws(), &*key.encrypter(), |h| h.set_content_type(cty));
        s.validator.validate(&jwe).await.unwrap();
    }
}

#[tokio::test]
async fn during_rotation_the_kid_picks_the_key_and_without_kid_each_key_of_the_alg_is_tried() {
    let old = ServiceKey::ec(Some("2025"));
    let new = ServiceKey::ec(Some("2026"));
    let rsa = ServiceKey::rsa(Some("rsa"));
    let s = setup_for(&[&old, &new, &rsa]).await;
    for key in [&old, &new, &rsa] {
        s.validator.validate(&encrypt(&s.jws(), key)).await.unwrap();
    }
    // The registered key had no kid, so Tessera names none: both EC keys are tried.
    let unnamed_new = ServiceKey {
        private: new.private.clone(),
        public: {
            let mut public = new.public.clone();
            public.set_parameter("kid", None).unwrap();
            public
        },
    };
    let jwe = encrypt(&s.jws(), &unnamed_new);
    s.validator.validate(&jwe).await.unwrap();
}

// ---- encrypted tokens that are refused ----

#[tokio::test]
async fn a_jwe_encrypted_to_another_key_is_invalid_token() {
    for (mine, theirs) in [
        (ServiceKey::rsa(Some("k")), ServiceKey::rsa(Some("k"))),
        (ServiceKey::ec(Some("k")), ServiceKey::ec(Some("k"))),
        (ServiceKey::ec(None), ServiceKey::ec(None)),
    ] {
        let s = setup_for(&[&mine]).await;
        let got = s.validator.validate(&encrypt(&s.jws(), &theirs)).await;
        assert_eq!(got, undecryptable("encrypted to another key"));
        let err = got.unwrap_err();
        assert_eq!(
            (err.status(), err.error_code()),
            (401, Some("invalid_token"))
        );
    }
    let mine = ServiceKey::ec(Some("mine"));
    let s = setup_for(&[&mine]).await;
    let got = s
        .validator
        .validate(&encrypt(&s.jws(), &ServiceKey::ec(Some("theirs"))))
        .await;
    assert_eq!(got, undecryptable("no decryption key has this kid"));
}

#[tokio::test]
async fn other_key_management_algorithms_are_refused_before_decrypting() {
    let rsa = ServiceKey::rsa(Some("rsa"));
    let ec = ServiceKey::ec(Some("ec"));
    let s = setup_for(&[&rsa, &ec]).await;
    let jws = s.jws();
    #[allow(deprecated)]
    let rsa1_5 = RSA1_5.encrypter_from_jwk(&without_alg(&rsa)).unwrap();
    let rsa_oaep = RSA_OAEP.encrypter_from_jwk(&without_alg(&rsa)).unwrap();
    let ecdh_direct = ECDH_ES.encrypter_from_jwk(&without_alg(&ec)).unwrap();
    let dir = Dir.encrypter_from_bytes([7u8; 32]).unwrap();
    let encrypters: [(&dyn JweEncrypter, &str); 4] = [
        (&rsa1_5, "rsa"),
        (&rsa_oaep, "rsa"),
        (&ecdh_direct, "ec"),
        (&dir, "ec"),
    ];
    for (encrypter, kid) in encrypters {
        let jwe = encrypt_with(&jws, encrypter, |h| h.set_key_id(kid));
        assert_eq!(
            s.validator.validate(&jwe).await,
            undecryptable("key management algorithm not allowed"),
            "{}",
            encrypter.algorithm().name()
        );
    }
    // An allowed algorithm naming a key of the other type.
    let ec_to_rsa_kid = encrypt_with(&jws, &*ec.encrypter(), |h| h.set_key_id("rsa"));
    assert_eq!(
        s.validator.validate(&ec_to_rsa_kid).await,
        undecryptable("the key named by kid is not for this algorithm")
    );
}

#[tokio::test]
async fn other_content_encryption_compression_crit_or_content_type_are_refused() {
    let key = ServiceKey::ec(Some("ec"));
    let s = setup_for(&[&key]).await;
    let jws = s.jws();
    let encrypter = key.encrypter();
    let cases: [(HeaderEdit, &str); 7] = [
        (
            Box::new(|h| h.set_content_encryption("A128GCM")),
            "content encryption not allowed",
        ),
        (
            Box::new(|h| h.set_content_encryption("A256CBC-HS512")),
            "content encryption not allowed",
        ),
        (
            Box::new(|h| h.set_compression("DEF")),
            "compressed tokens are refused",
        ),
        (
            Box::new(|h| h.set_claim("crit", Some(json!(["exp"]))).unwrap()),
            "critical header extensions",
        ),
        (
            Box::new(|h| {
                h.set_claim("cty", None).unwrap();
            }),
            "content type is not JWT",
        ),
        (
            Box::new(|h| h.set_content_type("at+jwt")),
            "content type is not JWT",
        ),
        (
            Box::new(|h| h.set_content_type("application/json")),
            "content type is not JWT",
        ),
    ];
    for (tweak, reason) in cases {
        let jwe = encrypt_with(&jws, &*encrypter, tweak);
        assert_eq!(s.validator.validate(&jwe).await, undecryptable(reason));
    }
}

#[tokio::test]
async fn malformed_jwe_parts_are_refused_without_a_key_operation_or_a_panic() {
    let rsa = ServiceKey::rsa(Some("rsa"));
    let ec = ServiceKey::ec(Some("ec"));
    let s = setup_for(&[&rsa, &ec]).await;
    for key in [&rsa, &ec] {
        let jwe = encrypt(&s.jws(), key);
        let parts: Vec<&str> = jwe.split('.').collect();
        let with_part = |i: usize, value: &str| {
            let mut p = parts.clone();
            p[i] = value;
            p.join(".")
        };
        // josekit's A256KW unwrap would underflow on an encrypted key shorter than 8 bytes.
        for short_key in ["", "AA", "AAAAAAAAAA"] {
            assert_eq!(
                s.validator.validate(&with_part(1, short_key)).await,
                undecryptable("encrypted to another key")
            );
        }
        // OpenSSL would accept a GCM tag of one byte (RFC 7518 §5.3: it is 128 bits).
        for (i, value) in [
            (2, "AAAA"),
            (3, ""),
            (4, "AA"),
            (4, "AAAAAAAAAAAAAAAAAAAAA="),
        ] {
            assert_eq!(
                s.validator.validate(&with_part(i, value)).await,
                Err(AuthError::Malformed("JWE parts of the wrong size")),
                "part {i} = {value:?}"
            );
        }
        // A flipped ciphertext fails the GCM tag.
        let ciphertext = parts[3];
        let first = if ciphertext.starts_with('A') {
            "B"
        } else {
            "A"
        };
        let flipped = format!("{first}{}", &ciphertext[1..]);
        assert_eq!(
            s.validator.validate(&with_part(3, &flipped)).await,
            undecryptable("encrypted to another key")
        );
        for header in ["", "e30", "not-json"] {
            let got = s.validator.validate(&with_part(0, header)).await;
            assert!(
                matches!(
                    got,
                    Err(AuthError::Malformed(_)) | Err(AuthError::Undecryptable(_))
                ),
                "{got:?}"
            );
        }
    }
    let too_long = format!("{}.{}", "A".repeat(MAX_TOKEN_BYTES_FOR_TESTS), "A.A.A.A");
    assert_eq!(
        s.validator.validate(&too_long).await,
        Err(AuthError::Malformed("token too long"))
    );
}

/// A change to a JWE header before encryption.
type HeaderEdit = Box<dyn Fn(&mut josekit::jwe::JweHeader)>;

/// The validator's limit, restated so a change to it is a conscious one.
const MAX_TOKEN_BYTES_FOR_TESTS: usize = 16 * 1024;

// ---- the inner token ----

#[tokio::test]
async fn the_inner_token_is_validated_as_usual() {
    let key = ServiceKey::rsa(Some("rsa"));
    let s = setup_for(&[&key]).await;
    let now = now_secs(&s.clock);

    let mut expired = s.claims();
    expired["exp"] = json!(now - 31);
    let wrong_typ = sign_with(&*s.signing.signer, Some("sig"), "JWT", &s.claims());
    let forged = {
        let token = s.jws();
        let mut evil = s.claims();
        evil["sub"] = json!("admin");
        let evil = sign(&s.signing, &evil);
        let mut parts: Vec<&str> = token.split('.').collect();
        parts[1] = evil.split('.').nth(1).unwrap();
        parts.join(".")
    };
    let cases = [
        (sign(&s.signing, &expired), AuthError::Expired),
        (wrong_typ, AuthError::WrongType),
        (forged, AuthError::InvalidSignature),
        (
            "not a token".to_owned(),
            AuthError::Malformed("not a compact JWS"),
        ),
    ];
    for (inner, expected) in cases {
        let got = s.validator.validate(&encrypt(&inner, &key)).await;
        assert_eq!(got, Err(expected));
    }
    // A JWE inside a JWE is not a signed token.
    let nested = encrypt(&encrypt(&s.jws(), &key), &key);
    assert_eq!(
        s.validator.validate(&nested).await,
        Err(AuthError::Malformed("not a compact JWS"))
    );
}

#[tokio::test]
async fn claim_values_of_an_encrypted_token_stay_out_of_errors() {
    let key = ServiceKey::ec(Some("ec"));
    let s = setup_for(&[&key]).await;
    let mut secret = s.claims();
    // serde would say: invalid type: string "the-secret-value", expected i64.
    secret["exp"] = json!("the-secret-value");
    let jwe = encrypt(&sign(&s.signing, &secret), &key);
    let Err(AuthError::InvalidClaims(message)) = s.validator.validate(&jwe).await else {
        panic!("expected InvalidClaims");
    };
    assert!(!message.contains("the-secret-value"), "{message}");
}

// ---- plain and encrypted, with and without keys ----

#[tokio::test]
async fn a_plain_jws_is_refused_once_a_key_is_set_unless_allowed() {
    let key = ServiceKey::ec(Some("ec"));
    let s = setup_for(&[&key]).await;
    let got = s.validator.validate(&s.jws()).await;
    assert_eq!(got, Err(AuthError::EncryptionRequired));
    assert_eq!(AuthError::EncryptionRequired.status(), 401);
    assert_eq!(
        AuthError::EncryptionRequired.error_code(),
        Some("invalid_token")
    );

    let s = setup(|b| {
        b.decryption_key(key.decryption_key())
            .allow_unencrypted(true)
    })
    .await;
    s.validator.validate(&s.jws()).await.unwrap();
    s.validator
        .validate(&encrypt(&s.jws(), &key))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_jwe_is_refused_without_a_decryption_key() {
    let key = ServiceKey::rsa(Some("rsa"));
    for allow_unencrypted in [false, true] {
        let s = setup(|b| b.allow_unencrypted(allow_unencrypted)).await;
        s.validator.validate(&s.jws()).await.unwrap();
        let got = s.validator.validate(&encrypt(&s.jws(), &key)).await;
        assert_eq!(got, undecryptable("no decryption key is configured"));
    }
}

// ---- DecryptionKey::from_jwk and the builder ----

fn refusal(jwk: &str) -> String {
    match DecryptionKey::from_jwk(jwk) {
        Err(InitError::InvalidConfig {
            key: "decryption_key",
            reason,
        }) => reason,
        other => panic!("expected a decryption_key refusal, got {other:?}"),
    }
}

#[test]
fn from_jwk_refuses_public_mismatched_weak_and_unsupported_keys() {
    let rsa = ServiceKey::rsa(Some("rsa"));
    let ec = ServiceKey::ec(Some("ec"));
    let with = |jwk: &Jwk, name: &str, value: Value| {
        let mut jwk = jwk.clone();
        jwk.set_parameter(name, Some(value)).unwrap();
        jwk.to_string()
    };

    assert!(refusal(&rsa.public.to_string()).contains("public key"));
    assert!(refusal(&ec.public.to_string()).contains("public key"));
    for (jwk, alg) in [
        (&rsa.private, "RSA-OAEP"),
        (&rsa.private, "RSA1_5"),
        (&rsa.private, "ECDH-ES+A256KW"),
        (&rsa.private, "RS256"),
        (&ec.private, "ECDH-ES"),
        (&ec.private, "RSA-OAEP-256"),
        (&ec.private, "ES256"),
    ] {
        assert!(refusal(&with(jwk, "alg", json!(alg))).contains("does not fit"));
    }
    assert!(refusal(&with(&rsa.private, "use", json!("sig"))).contains("use"));
    assert!(refusal(&with(&ec.private, "key_ops", json!(["sign"]))).contains("key_ops"));

    let small = Jwk::generate_rsa_key(1024).unwrap();
    assert!(refusal(&small.to_string()).contains("1024 bits"));
    // Each well-formed forgery costs a private-key operation: the key size is capped.
    let large = Jwk::generate_rsa_key(4104).unwrap();
    let reason = refusal(&large.to_string());
    assert!(
        reason.contains("4104 bits") && reason.contains("at most 4096"),
        "{reason}"
    );
    let p384 = Jwk::generate_ec_key(EcCurve::P384).unwrap();
    assert!(refusal(&p384.to_string()).contains("P-384"));
    let x25519 = Jwk::generate_ecx_key(EcxCurve::X25519).unwrap();
    assert!(refusal(&x25519.to_string()).contains("OKP"));
    let oct = Jwk::generate_oct_key(32).unwrap();
    assert!(refusal(&oct.to_string()).contains("oct"));
    assert!(refusal("not json").contains("not a JWK"));
    assert!(refusal("{}").contains("not a JWK"));
    // An RSA JWK with `d` but without the CRT parameters.
    let mut partial = rsa.private.clone();
    partial.set_parameter("p", None).unwrap();
    assert!(refusal(&partial.to_string()).contains("not a complete RSA private key"));
}

#[test]
fn from_jwk_accepts_the_usual_private_keys_and_never_prints_them() {
    let rsa = ServiceKey::rsa(Some("rsa-1"));
    let key = DecryptionKey::from_jwk(&rsa.private.to_string()).unwrap();
    assert_eq!(key.kid(), Some("rsa-1"));
    assert_eq!(key.algorithm(), "RSA-OAEP-256");
    let debug = format!("{key:?}");
    let d = rsa.private.parameter("d").unwrap().as_str().unwrap();
    assert!(debug.contains("rsa-1") && !debug.contains(d), "{debug}");

    // `key_ops` for key wrapping (RFC 7517 §4.3) and `use: enc` are fine.
    let mut wrapping = rsa.private.clone();
    wrapping
        .set_parameter("key_ops", Some(json!(["unwrapKey"])))
        .unwrap();
    wrapping.set_key_use("enc");
    DecryptionKey::from_jwk(&wrapping.to_string()).unwrap();
    let mut derive = ServiceKey::ec(None).private;
    derive
        .set_parameter("key_ops", Some(json!(["deriveKey"])))
        .unwrap();
    DecryptionKey::from_jwk(&derive.to_string()).unwrap();

    // 4096 bits is the largest RSA key accepted.
    let largest = Jwk::generate_rsa_key(4096).unwrap();
    DecryptionKey::from_jwk(&largest.to_string()).unwrap();

    // An RSA key without `alg` is for RSA-OAEP-256.
    let mut plain = rsa.private.clone();
    plain.set_parameter("alg", None).unwrap();
    assert_eq!(
        DecryptionKey::from_jwk(&plain.to_string())
            .unwrap()
            .algorithm(),
        "RSA-OAEP-256"
    );
}

#[test]
fn two_decryption_keys_with_one_kid_fail_the_build() {
    let a = ServiceKey::ec(Some("same"));
    let b = ServiceKey::rsa(Some("same"));
    let err = Config::builder("https://id.example.com")
        .audience(AUDIENCE)
        .decryption_key(a.decryption_key())
        .decryption_key(b.decryption_key())
        .decryption_key(ServiceKey::ec(None).decryption_key())
        .build()
        .unwrap_err();
    assert!(
        matches!(&err, InitError::InvalidConfig { key: "decryption_key", reason } if reason.contains("same")),
        "{err:?}"
    );
}

#[test]
fn parts_must_be_unpadded_base64url_of_the_exact_size() {
    assert!(has_encoded_len("AAAAAAAAAAAAAAAA", 12));
    assert!(!has_encoded_len("AAAAAAAAAAAAAAA=", 12));
    assert!(!has_encoded_len("AAAAAAAAAAAAAAA", 12));
    assert!(has_encoded_len(&"A".repeat(54), WRAPPED_KEY_BYTES));
    assert!(has_encoded_len(&"_-".repeat(171), 256));
    assert!(!has_encoded_len(&"+/".repeat(171), 256));
}
