//! The master key that seals stored secrets, and the old one during a rotation.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use broadsheet_persistence::secrets::{Keyring, MasterKey};
use clap::Args;

/// `--master-key-file` and its kin, shared by the commands that read or write secrets.
#[derive(Debug, Clone, Default, Args)]
pub struct MasterKeyArgs {
    /// File holding the master key: 32 random bytes in base64 or hex (`openssl rand -base64
    /// 32`). With it, integration key secrets, webhook secrets and the generated signing
    /// secret are stored sealed (XChaCha20-Poly1305), and any stored in plaintext are sealed
    /// at startup.
    #[arg(
        long,
        env = "BROADSHEET_MASTER_KEY_FILE",
        conflicts_with = "master_key"
    )]
    pub master_key_file: Option<PathBuf>,

    /// The master key itself, like the file's content. Prefer the file or the environment
    /// variable: a flag's value shows in the process list.
    #[arg(long, env = "BROADSHEET_MASTER_KEY", hide_env_values = true,
          value_parser = parse_master_key)]
    pub master_key: Option<Box<MasterKey>>,

    /// During a rotation, the file holding the previous master key: secrets it sealed are
    /// read with it and sealed again with the master key at startup.
    #[arg(
        long,
        env = "BROADSHEET_MASTER_KEY_OLD_FILE",
        conflicts_with = "master_key_old"
    )]
    pub master_key_old_file: Option<PathBuf>,

    /// The previous master key itself, like the old key file's content.
    #[arg(long, env = "BROADSHEET_MASTER_KEY_OLD", hide_env_values = true,
          value_parser = parse_master_key)]
    pub master_key_old: Option<Box<MasterKey>>,
}

impl MasterKeyArgs {
    /// The keys given, read from their files; one-line errors that never show a key.
    pub fn keyring(&self) -> anyhow::Result<Keyring> {
        let current = given(
            self.master_key.as_deref(),
            self.master_key_file.as_deref(),
            "--master-key-file",
        )?;
        let old = given(
            self.master_key_old.as_deref(),
            self.master_key_old_file.as_deref(),
            "--master-key-old-file",
        )?;
        match (current, old) {
            (Some(current), old) => Ok(Keyring::new(current, old)),
            (None, None) => Ok(Keyring::default()),
            (None, Some(_)) => bail!(
                "an old master key (--master-key-old-file or BROADSHEET_MASTER_KEY_OLD) is only \
                 read during a rotation: give the new one too (--master-key-file or \
                 BROADSHEET_MASTER_KEY)"
            ),
        }
    }
}

fn given(
    key: Option<&MasterKey>,
    file: Option<&Path>,
    flag: &str,
) -> anyhow::Result<Option<MasterKey>> {
    if let Some(key) = key {
        return Ok(Some(key.clone()));
    }
    let Some(path) = file else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(path)
        .map(zeroize::Zeroizing::new)
        .with_context(|| format!("{flag} {}: cannot read it", path.display()))?;
    MasterKey::parse(&text)
        .map(Some)
        .with_context(|| format!("{flag} {}", path.display()))
}

/// Boxed: the keys' ciphers would make every command's arguments large.
fn parse_master_key(value: &str) -> Result<Box<MasterKey>, String> {
    MasterKey::parse(value)
        .map(Box::new)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    fn file(text: &str) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().expect("temporary file");
        std::fs::write(file.path(), text).expect("written");
        file
    }

    #[test]
    fn reads_the_key_files() {
        let (new, old) = (file(&format!("{KEY}\n")), file(&"ab".repeat(32)));
        let args = MasterKeyArgs {
            master_key_file: Some(new.path().to_owned()),
            master_key_old_file: Some(old.path().to_owned()),
            ..MasterKeyArgs::default()
        };
        let keyring = args.keyring().expect("keys");
        assert_eq!(keyring.current_id(), Some("630dcd29"));
        assert!(!format!("{args:?} {keyring:?}").contains(KEY));
    }

    #[test]
    fn refuses_a_bad_key_without_showing_it() {
        let bad = file("not-a-key-at-all-but-a-password");
        let args = MasterKeyArgs {
            master_key_file: Some(bad.path().to_owned()),
            ..MasterKeyArgs::default()
        };
        let error = format!("{:#}", args.keyring().expect_err("refused"));
        assert!(error.starts_with("--master-key-file "), "{error}");
        assert!(error.contains("32 random bytes"), "{error}");
        assert!(!error.contains("password"), "{error}");
        assert!(!error.contains('\n'));
    }

    #[test]
    fn an_old_key_needs_a_new_one() {
        let args = MasterKeyArgs {
            master_key_old: Some(Box::new(MasterKey::parse(KEY).expect("key"))),
            ..MasterKeyArgs::default()
        };
        let error = args.keyring().expect_err("refused").to_string();
        assert!(error.contains("--master-key-file"), "{error}");
    }
}
