//! Whether only the administrators may change a file or directory on Windows: the helper's
//! trust anchor (`%ProgramData%\Bellhop\helper.toml`) and its state directory (the pinned key,
//! the seal key, the used grants). A signed-in user can make `%ProgramData%\Bellhop` before the
//! installer does and would then own it; the helper refuses to start on anything such a user
//! could have written, as it refuses a configuration file on Linux that root alone may not
//! write.
//!
//! The rule is a plain function of the owner's SID and the access control entries, tested on
//! every system; `sys::read` asks Windows for them.

/// SIDs that may own and write what the helper trusts: SYSTEM, Administrators, and
/// TrustedInstaller (which owns what Windows itself installs).
const TRUSTED: [&str; 3] = [
    "S-1-5-18",
    "S-1-5-32-544",
    "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464",
];

/// Access rights that change a file or what is in a directory: write or append data (add a
/// file or subdirectory), write extended attributes or attributes, delete a child, delete,
/// change the permissions or the owner, and the generic write and all.
const WRITES: u32 = 0x0002
    | 0x0004
    | 0x0010
    | 0x0040
    | 0x0100
    | 0x0001_0000
    | 0x0004_0000
    | 0x0008_0000
    | 0x4000_0000
    | 0x1000_0000;
/// An entry that only passes down to children, not on this object itself.
const INHERIT_ONLY: u8 = 0x08;

/// One entry of a discretionary access control list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub sid: String,
    /// An allowing entry (a denying one never gives anyone anything).
    pub allows: bool,
    pub mask: u32,
    pub flags: u8,
}

/// `Ok` when the owner is trusted and no entry lets anyone else write; otherwise who could.
/// `None` for the entries is a null list, which lets everyone do everything.
pub fn only_administrators_write(owner: &str, entries: Option<&[Entry]>) -> Result<(), String> {
    if !TRUSTED.contains(&owner) {
        return Err(format!("it is owned by {owner}, not by the administrators"));
    }
    let Some(entries) = entries else {
        return Err("it has no access control list: everyone may change it".to_owned());
    };
    let writers: Vec<&str> = entries
        .iter()
        .filter(|e| e.allows && e.flags & INHERIT_ONLY == 0 && e.mask & WRITES != 0)
        .map(|e| e.sid.as_str())
        .filter(|sid| !TRUSTED.contains(sid))
        .collect();
    if writers.is_empty() {
        Ok(())
    } else {
        Err(format!("{} may change it", writers.join(", ")))
    }
}

#[cfg(windows)]
pub mod sys {
    //! Reads an object's owner and access control list; makes a directory only the
    //! administrators may change.
    #![allow(unsafe_code)]

    use std::path::Path;
    use std::ptr::null_mut;

    use windows_sys::Win32::Foundation::{ERROR_SUCCESS, LocalFree};
    use windows_sys::Win32::Security::Authorization::{
        ConvertStringSecurityDescriptorToSecurityDescriptorW, GetNamedSecurityInfoW,
        SDDL_REVISION_1, SE_FILE_OBJECT,
    };
    use windows_sys::Win32::Security::{
        ACCESS_ALLOWED_ACE, ACE_HEADER, ACL, ACL_SIZE_INFORMATION, AclSizeInformation,
        DACL_SECURITY_INFORMATION, GetAce, GetAclInformation, OWNER_SECURITY_INFORMATION,
        PSECURITY_DESCRIPTOR, PSID, SECURITY_ATTRIBUTES,
    };
    use windows_sys::Win32::Storage::FileSystem::CreateDirectoryW;

    use super::Entry;
    use crate::windows_accounts::sys::{sid_string, wide};

    /// ACCESS_ALLOWED_ACE_TYPE and ACCESS_DENIED_ACE_TYPE.
    const ALLOWED: u8 = 0;
    const DENIED: u8 = 1;

    /// The owner's SID and the entries of `path`'s list (`None`: a null list).
    pub fn read(path: &Path) -> std::io::Result<(String, Option<Vec<Entry>>)> {
        let name = wide(path);
        let (mut owner, mut dacl): (PSID, *mut ACL) = (null_mut(), null_mut());
        let mut descriptor: PSECURITY_DESCRIPTOR = null_mut();
        // SAFETY: `name` is NUL-terminated; owner and list point into `descriptor`, which the
        // call allocates and which is freed below, after they are read.
        let got = unsafe {
            GetNamedSecurityInfoW(
                name.as_ptr(),
                SE_FILE_OBJECT,
                OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                &mut owner,
                null_mut(),
                &mut dacl,
                null_mut(),
                &mut descriptor,
            )
        };
        if got != ERROR_SUCCESS {
            return Err(std::io::Error::from_raw_os_error(got as i32));
        }
        let read = entries(owner, dacl);
        // SAFETY: allocated with LocalAlloc by GetNamedSecurityInfoW, freed once.
        unsafe { LocalFree(descriptor) };
        read
    }

    fn entries(owner: PSID, dacl: *mut ACL) -> std::io::Result<(String, Option<Vec<Entry>>)> {
        let owner = sid_string(owner)?;
        if dacl.is_null() {
            return Ok((owner, None));
        }
        let mut size = ACL_SIZE_INFORMATION::default();
        // SAFETY: `dacl` is the descriptor's list; `size` is the struct the class names.
        let ok = unsafe {
            GetAclInformation(
                dacl,
                (&raw mut size).cast(),
                std::mem::size_of::<ACL_SIZE_INFORMATION>() as u32,
                AclSizeInformation,
            )
        };
        if ok == 0 {
            return Err(std::io::Error::last_os_error());
        }
        let mut found = Vec::new();
        for index in 0..size.AceCount {
            let mut ace = null_mut();
            // SAFETY: `index` is below the list's count; `ace` points into the list.
            if unsafe { GetAce(dacl, index, &mut ace) } == 0 {
                return Err(std::io::Error::last_os_error());
            }
            // SAFETY: every entry starts with an ACE_HEADER.
            let header = unsafe { *ace.cast::<ACE_HEADER>() };
            if header.AceType != ALLOWED && header.AceType != DENIED {
                // Object and callback entries: counted as writers if they allow, to be safe.
                found.push(Entry {
                    sid: format!("an entry of type {}", header.AceType),
                    allows: true,
                    mask: u32::MAX,
                    flags: header.AceFlags,
                });
                continue;
            }
            // SAFETY: allowed and denied entries share ACCESS_ALLOWED_ACE's layout, the SID
            // starting at SidStart.
            let (mask, sid) = unsafe {
                let ace = ace.cast::<ACCESS_ALLOWED_ACE>();
                (
                    (*ace).Mask,
                    (&raw mut (*ace).SidStart).cast::<core::ffi::c_void>(),
                )
            };
            found.push(Entry {
                sid: sid_string(sid)?,
                allows: header.AceType == ALLOWED,
                mask,
                flags: header.AceFlags,
            });
        }
        Ok((owner, Some(found)))
    }

    /// SYSTEM and Administrators alone, for the directory and all it will hold; nothing
    /// inherited.
    const PRIVATE_DIR_SDDL: &str = "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)";

    /// Makes the directory `dir` (its parents as usual) for SYSTEM and Administrators alone.
    /// One that exists already is left as it is: [`super::only_administrators_write`] decides
    /// whether it is trusted.
    pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
        if dir.is_dir() {
            return Ok(());
        }
        if let Some(parent) = dir.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let security = Descriptor::from_sddl(PRIVATE_DIR_SDDL)?;
        let mut attributes = SECURITY_ATTRIBUTES {
            nLength: std::mem::size_of::<SECURITY_ATTRIBUTES>() as u32,
            lpSecurityDescriptor: security.as_ptr(),
            bInheritHandle: 0,
        };
        let name = wide(dir);
        // SAFETY: `name` is NUL-terminated and `attributes` outlives the call.
        if unsafe { CreateDirectoryW(name.as_ptr(), &raw mut attributes) } == 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }

    /// A security descriptor made from SDDL, freed when dropped.
    pub struct Descriptor(PSECURITY_DESCRIPTOR);

    impl Descriptor {
        pub fn from_sddl(sddl: &str) -> std::io::Result<Self> {
            let text = wide(sddl);
            let mut descriptor: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
            // SAFETY: `text` is NUL-terminated; the descriptor is allocated by the call.
            let ok = unsafe {
                ConvertStringSecurityDescriptorToSecurityDescriptorW(
                    text.as_ptr(),
                    SDDL_REVISION_1,
                    &mut descriptor,
                    std::ptr::null_mut(),
                )
            };
            if ok == 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(Self(descriptor))
        }
    }

    impl Descriptor {
        pub fn as_ptr(&self) -> PSECURITY_DESCRIPTOR {
            self.0
        }
    }

    impl Drop for Descriptor {
        fn drop(&mut self) {
            // SAFETY: allocated with LocalAlloc by the conversion above, freed once.
            unsafe { LocalFree(self.0) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(sid: &str, mask: u32) -> Entry {
        Entry {
            sid: sid.into(),
            allows: true,
            mask,
            flags: 0,
        }
    }

    #[test]
    fn only_what_the_administrators_alone_may_change_is_trusted() {
        // %ProgramData%\Bellhop as the installer leaves it: users read and run.
        let installed = [
            entry("S-1-5-18", 0x001F_01FF),
            entry("S-1-5-32-544", 0x001F_01FF),
            entry("S-1-5-32-545", 0x0012_00A9),
        ];
        assert_eq!(
            only_administrators_write("S-1-5-32-544", Some(&installed)),
            Ok(())
        );
        // Made by a user before the installer: theirs.
        let bob = "S-1-5-21-1004336348-1177238915-682003330-1001";
        assert!(
            only_administrators_write(bob, Some(&installed))
                .is_err_and(|e| e.contains("owned by S-1-5-21-"))
        );
        // Users may add files (ProgramData's own default for its subfolders).
        let mut open = installed.to_vec();
        open.push(entry("S-1-5-32-545", 0x0000_0004));
        assert!(
            only_administrators_write("S-1-5-18", Some(&open))
                .is_err_and(|e| e.contains("S-1-5-32-545 may change it"))
        );
        // CREATOR OWNER's entry passes to children only; a denial gives nothing.
        let mut inherited = installed.to_vec();
        inherited.push(Entry {
            flags: INHERIT_ONLY,
            ..entry("S-1-3-0", 0x1000_0000)
        });
        inherited.push(Entry {
            allows: false,
            ..entry("S-1-1-0", 0x1000_0000)
        });
        assert_eq!(
            only_administrators_write("S-1-5-18", Some(&inherited)),
            Ok(())
        );
        assert!(only_administrators_write("S-1-5-18", None).is_err_and(|e| e.contains("everyone")));
        let everyone = [entry("S-1-1-0", 0x1000_0000)];
        assert!(only_administrators_write("S-1-5-18", Some(&everyone)).is_err());
    }
}
