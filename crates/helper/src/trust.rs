//! What the helper keeps in its state directory, which only it may write: its machine id, the
//! server's grant key it pinned, the key temporary passwords are sealed to, and one file per
//! grant it used, so that no grant runs twice, across restarts and power cuts included.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use bellhop_proto::ActionId;
use bellhop_proto::sealing::SealKey;

const MACHINE_FILE: &str = "machine-id";
const KEY_FILE: &str = "grant-key";
/// The helper's own X25519 secret key (32 bytes, owner-only).
const SEAL_FILE: &str = "seal-key";
const USED_DIR: &str = "used";
/// A used grant's mark is kept this long: grants expire within minutes of being signed.
const USED_KEEP: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);

pub struct State {
    dir: PathBuf,
    machine: String,
    seal: SealKey,
}

impl State {
    /// Opens the state directory, making it (owner-only) and the machine id on first start.
    pub fn open(dir: &Path) -> anyhow::Result<Self> {
        create_private_dir(dir)?;
        create_private_dir(&dir.join(USED_DIR))?;
        let path = dir.join(MACHINE_FILE);
        let machine = match std::fs::read_to_string(&path) {
            Ok(id) if !id.trim().is_empty() => id.trim().to_owned(),
            _ => {
                let id = uuid::Uuid::new_v4().to_string();
                write_durably(&path, id.as_bytes(), 0o644)?;
                id
            }
        };
        let path = dir.join(SEAL_FILE);
        let seal = match std::fs::read(&path)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
        {
            Some(bytes) => SealKey::from_bytes(bytes),
            None => {
                let key = SealKey::generate();
                write_durably(&path, &key.to_bytes(), 0o600)?;
                key
            }
        };
        let state = Self {
            dir: dir.to_owned(),
            machine,
            seal,
        };
        state.sweep_used();
        Ok(state)
    }

    /// This machine's id: the server's grants for this helper name it.
    pub fn machine(&self) -> &str {
        &self.machine
    }

    /// The key the server seals temporary passwords to (its public half is in the facts).
    pub fn seal_key(&self) -> &SealKey {
        &self.seal
    }

    /// The grant key pinned earlier, if any.
    pub fn pinned_key(&self) -> Option<String> {
        std::fs::read_to_string(self.dir.join(KEY_FILE))
            .ok()
            .map(|k| k.trim().to_owned())
            .filter(|k| !k.is_empty())
    }

    /// Pins `key`; only an administrator removing the file un-pins it.
    pub fn pin_key(&self, key: &str) -> anyhow::Result<()> {
        write_durably(&self.dir.join(KEY_FILE), key.as_bytes(), 0o644)
    }

    /// Marks `id` used, on disk, before anything runs: `false` when it was used already.
    pub fn use_once(&self, id: ActionId) -> anyhow::Result<bool> {
        let path = self.dir.join(USED_DIR).join(id.to_string());
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => {
                file.sync_all()?;
                sync_dir(&self.dir.join(USED_DIR))?;
                Ok(true)
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Forgets marks older than [`USED_KEEP`]: their grants expired long ago.
    fn sweep_used(&self) {
        let Ok(entries) = std::fs::read_dir(self.dir.join(USED_DIR)) else {
            return;
        };
        for entry in entries.flatten() {
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|at| at.elapsed().ok())
                .is_some_and(|age| age > USED_KEEP);
            if old {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

#[cfg(not(windows))]
fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))?;
    }
    Ok(())
}

/// On Windows a signed-in user may make folders under `%ProgramData%`: the state directory is
/// made for the administrators alone, and one that others may change (made before the helper,
/// by someone else) is refused, since a grant key planted there would be trusted.
#[cfg(windows)]
fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    use crate::windows_acl;
    windows_acl::sys::create_private_dir(dir)?;
    let (owner, entries) = windows_acl::sys::read(dir)?;
    windows_acl::only_administrators_write(&owner, entries.as_deref()).map_err(|why| {
        anyhow::anyhow!(
            "{} may be changed by others than the administrators ({why}): remove it, and the helper makes it again",
            dir.display()
        )
    })
}

/// Writes `bytes` to `path` through a temporary file, synced and renamed, so a power cut
/// leaves the old file or the new one.
pub(crate) fn write_durably(path: &Path, bytes: &[u8], mode: u32) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        // Made with its mode: a secret is never readable by others, not even for a moment.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    std::fs::rename(&tmp, path)?;
    if let Some(parent) = path.parent() {
        sync_dir(parent)?;
    }
    Ok(())
}

fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_machine_id_and_used_grants_outlive_a_restart() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let first = State::open(dir.path())?;
        let id = ActionId::new();
        assert!(first.use_once(id)?);
        assert!(!first.use_once(id)?);
        assert!(first.pinned_key().is_none());
        first.pin_key("a2V5")?;
        let again = State::open(dir.path())?;
        assert_eq!(again.machine(), first.machine());
        assert!(!again.use_once(id)?, "a used grant stays used");
        assert!(again.use_once(ActionId::new())?);
        assert_eq!(again.pinned_key().as_deref(), Some("a2V5"));
        assert_eq!(again.seal_key().public(), first.seal_key().public());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(SEAL_FILE))?
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "the seal key is the helper's alone");
        }
        Ok(())
    }
}
