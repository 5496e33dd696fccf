//! The master key (DESIGN.md "Keys"): 32 bytes from `TESSERA_MASTER_KEY`,
//! `TESSERA_MASTER_KEY_FILE`, or, in development, generated into the data dir (mode 0600).
//!
//! Purpose-bound subkeys are derived with HKDF-SHA256, so one master key never encrypts two kinds
//! of data with the same key.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hkdf::Hkdf;
use secrecy::{ExposeSecret, SecretBox};
use sha2::Sha256;

use super::Sealer;
use crate::config::Settings;

/// The file a development master key is generated into, inside the data dir.
pub const DEV_KEY_FILE: &str = "master.key";

/// Why the master key could not be had.
#[derive(Debug, thiserror::Error)]
pub enum MasterKeyError {
    #[error("master key file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("master key from {0} is not 32 bytes of base64 (see keys.example)")]
    Malformed(String),
    #[error("master key from {0} is the all-zero example from keys.example; generate a real one")]
    ExampleKey(String),
}

/// Where the master key came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MasterKeySource {
    Env,
    File(PathBuf),
    /// Generated now into the data dir: development only.
    DevGenerated(PathBuf),
    /// A development key generated on an earlier start.
    DevExisting(PathBuf),
}

/// The 32-byte master key. Never printed.
pub struct MasterKey(SecretBox<[u8; 32]>);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

impl MasterKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(SecretBox::new(Box::new(bytes)))
    }

    /// Parses base64 (standard or URL-safe) of exactly 32 bytes.
    pub fn from_base64(text: &str, origin: &str) -> Result<Self, MasterKeyError> {
        let bytes = crate::config::decode_base64(text.trim())
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| MasterKeyError::Malformed(origin.to_owned()))?;
        if bytes == [0u8; 32] {
            return Err(MasterKeyError::ExampleKey(origin.to_owned()));
        }
        Ok(Self::from_bytes(bytes))
    }

    /// A fresh random key.
    pub fn generate() -> Self {
        Self::from_bytes(super::random::bytes::<32>())
    }

    /// The key as base64, for writing the development key file.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0.expose_secret())
    }

    /// A subkey for one purpose (HKDF-SHA256, RFC 5869).
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        let hk = Hkdf::<Sha256>::new(Some(b"tessera master key v1"), self.0.expose_secret());
        let mut out = [0u8; 32];
        // 32 bytes is far below HKDF-SHA256's 8160-byte limit, so expand cannot fail.
        let _ = hk.expand(purpose.as_bytes(), &mut out);
        out
    }

    /// A sealer bound to one purpose.
    pub fn sealer(&self, purpose: &str) -> Sealer {
        Sealer::new(&self.derive(purpose))
    }
}

/// Loads the master key as configured; in development (nothing configured) reads
/// `<data_dir>/master.key`, or generates a key that the caller writes with [`persist`] once it
/// has checked that no existing data needs another key.
pub fn load(settings: &Settings) -> Result<(MasterKey, MasterKeySource), MasterKeyError> {
    if let Some(text) = &settings.master_key {
        let key = MasterKey::from_base64(text.expose_secret(), "TESSERA_MASTER_KEY")?;
        return Ok((key, MasterKeySource::Env));
    }
    if let Some(path) = &settings.master_key_file {
        let key = read_key_file(path)?;
        return Ok((key, MasterKeySource::File(path.clone())));
    }
    let path = settings.data_dir.join(DEV_KEY_FILE);
    if path.exists() {
        let key = read_key_file(&path)?;
        return Ok((key, MasterKeySource::DevExisting(path)));
    }
    Ok((MasterKey::generate(), MasterKeySource::DevGenerated(path)))
}

/// Writes a newly generated development key (a no-op for every other source).
pub fn persist(key: &MasterKey, source: &MasterKeySource) -> Result<(), MasterKeyError> {
    match source {
        MasterKeySource::DevGenerated(path) => write_new_key_file(path, key),
        _ => Ok(()),
    }
}

fn read_key_file(path: &Path) -> Result<MasterKey, MasterKeyError> {
    let text = std::fs::read_to_string(path).map_err(|source| MasterKeyError::Io {
        path: path.to_owned(),
        source,
    })?;
    MasterKey::from_base64(&text, &path.display().to_string())
}

/// Creates the file with mode 0600 and refuses to overwrite an existing one.
fn write_new_key_file(path: &Path, key: &MasterKey) -> Result<(), MasterKeyError> {
    let io = |source| MasterKeyError::Io {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent() {
        crate::store::create_private_dir(dir).map_err(io)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io)?;
    writeln!(file, "{}", key.to_base64()).map_err(io)?;
    file.sync_all().map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subkeys_differ_by_purpose_and_are_stable() {
        let key = MasterKey::from_bytes([1u8; 32]);
        assert_eq!(key.derive("a"), key.derive("a"));
        assert_ne!(key.derive("a"), key.derive("b"));
        assert_ne!(
            key.derive("a"),
            MasterKey::from_bytes([2u8; 32]).derive("a")
        );
    }

    #[test]
    fn base64_must_be_exactly_32_bytes() {
        let key = MasterKey::generate();
        assert!(MasterKey::from_base64(&key.to_base64(), "t").is_ok());
        assert!(MasterKey::from_base64("c2hvcnQ=", "t").is_err());
        assert!(MasterKey::from_base64("not base64!", "t").is_err());
        let example = include_str!("../../keys.example");
        let example_value = example
            .lines()
            .find(|l| !l.starts_with('#') && !l.trim().is_empty())
            .unwrap();
        assert!(matches!(
            MasterKey::from_base64(example_value, "t"),
            Err(MasterKeyError::ExampleKey(_))
        ));
        assert!(!format!("{key:?}").contains(&key.to_base64()));
    }

    #[cfg(unix)]
    #[test]
    fn the_development_key_is_created_0600_and_reused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings {
            data_dir: dir.path().join("data"),
            ..Settings::default()
        };
        let (first, source) = load(&settings).unwrap();
        let path = dir.path().join("data").join(DEV_KEY_FILE);
        assert_eq!(source, MasterKeySource::DevGenerated(path.clone()));
        assert!(
            !path.exists(),
            "nothing is written before the caller persists it"
        );
        persist(&first, &source).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let (second, source) = load(&settings).unwrap();
        assert_eq!(source, MasterKeySource::DevExisting(path));
        assert_eq!(first.derive("x"), second.derive("x"));
    }
}
