//! Windows accounts: who is at the other end of the helper's named pipe, whether the helper may
//! reset that account's password, and the reset.
//!
//! The rules are plain functions of what the caller's token says (its SID, the account's
//! domain, its groups), so they are tested on every system. An account qualifies when it is a
//! local account of this computer (its domain is the computer's own name, its SID a machine
//! SID `S-1-5-21-…`), is not linked to a Microsoft account (the token holds no `S-1-11-96-…`
//! group), is not an Entra ID account (`S-1-12-1-…`), and is not an administrator: neither the
//! built-in Administrator (RID 500) nor a member of `BUILTIN\Administrators` (`S-1-5-32-544`),
//! which a token under UAC still lists, marked for deny only. Active Directory and Entra ID
//! accounts are the directory's to reset, and the desk does that there.
//!
//! Windows sets a password from the password itself, so the grant carries it sealed to this
//! helper's key ([`crate::sealed::the_password`] opens it and checks it against the grant's
//! SHA-512 crypt string); `sys::set_password` sets it with `NetUserSetInfo` and marks it
//! expired, so Windows asks for a new one at the next sign-in.

/// The account behind a named pipe's client, as its token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowsAccount {
    /// The account's SID, `S-1-5-21-…` for a local or Active Directory account.
    pub sid: String,
    /// Its name, as grants name it (`bob`, not `PC\bob`).
    pub name: String,
    /// The domain Windows names for it: this computer's name for a local account.
    pub domain: String,
    /// This computer's NetBIOS name.
    pub computer: String,
    /// The SIDs of the token's groups, deny-only ones included.
    pub groups: Vec<String>,
}

const ADMINISTRATORS: &str = "S-1-5-32-544";
const MACHINE_SID: &str = "S-1-5-21-";
const MICROSOFT_ACCOUNT: &str = "S-1-11-96-";
const ENTRA_ID: &str = "S-1-12-1-";

/// Why an account's password is not the helper's to reset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(
        "{0} is an Entra ID account: its password is reset in Entra ID, and the service desk does that"
    )]
    EntraId(String),
    #[error(
        "{0} is signed in with a Microsoft account: its password is the Microsoft account's, reset at account.microsoft.com"
    )]
    MicrosoftAccount(String),
    #[error(
        "{0} is an account of the domain {1} (Active Directory), not of this computer: the service desk resets its password there"
    )]
    Domain(String, String),
    #[error("{0} is an administrator's account: the service desk resets it")]
    Administrator(String),
    #[error("{0} is a system account, not a person's")]
    System(String),
    #[error("{0:?} is not an account name")]
    BadName(String),
}

/// Whether the helper may reset the password of `account` (the caller's own).
pub fn may_reset(account: &WindowsAccount) -> Result<(), Refusal> {
    let name = &account.name;
    if name.is_empty()
        || name
            .chars()
            .any(|c| matches!(c, '\\' | '/' | '@' | '"' | ':' | '\0') || c.is_control())
    {
        return Err(Refusal::BadName(name.clone()));
    }
    if account.sid.starts_with(ENTRA_ID) {
        return Err(Refusal::EntraId(name.clone()));
    }
    if account
        .groups
        .iter()
        .any(|g| g.starts_with(MICROSOFT_ACCOUNT))
    {
        return Err(Refusal::MicrosoftAccount(name.clone()));
    }
    if !account.sid.starts_with(MACHINE_SID) {
        return Err(Refusal::System(name.clone()));
    }
    if !account.domain.eq_ignore_ascii_case(&account.computer) {
        return Err(Refusal::Domain(name.clone(), account.domain.clone()));
    }
    if account.sid.ends_with("-500") || account.groups.iter().any(|g| g == ADMINISTRATORS) {
        return Err(Refusal::Administrator(name.clone()));
    }
    Ok(())
}

#[cfg(windows)]
pub mod sys {
    //! The Windows calls: the pipe client's token, and the password. Each call's contract is
    //! in Microsoft's documentation of the function; the buffers are sized by asking first.
    #![allow(unsafe_code)]

    use std::io;
    use std::os::windows::io::RawHandle;
    use std::ptr::{null, null_mut};

    use windows_sys::Win32::Foundation::{CloseHandle, HANDLE, LocalFree};
    use windows_sys::Win32::NetworkManagement::NetManagement::{
        NERR_Success, NetApiBufferFree, NetUserGetInfo, NetUserSetInfo, UF_DONT_EXPIRE_PASSWD,
        UF_PASSWD_CANT_CHANGE, USER_INFO_4, USER_INFO_1003,
    };
    use windows_sys::Win32::Security::Authorization::ConvertSidToStringSidW;
    use windows_sys::Win32::Security::{
        GetTokenInformation, LookupAccountSidW, PSID, RevertToSelf, SID_NAME_USE, TOKEN_GROUPS,
        TOKEN_INFORMATION_CLASS, TOKEN_QUERY, TOKEN_USER, TokenGroups, TokenUser,
    };
    use windows_sys::Win32::System::Pipes::ImpersonateNamedPipeClient;
    use windows_sys::Win32::System::Threading::{GetCurrentThread, OpenThreadToken};
    use windows_sys::Win32::System::WindowsProgramming::GetComputerNameW;

    use super::WindowsAccount;

    /// The account of the client of the pipe `pipe`, which has written its request already.
    /// The thread takes the client's identity only to open its token, and gives it back
    /// before anything else happens (or the process ends).
    pub fn identify(pipe: RawHandle) -> io::Result<WindowsAccount> {
        let token = client_token(pipe as HANDLE)?;
        let read = read_account(token);
        // SAFETY: `token` is a handle this function opened and closes once.
        unsafe { CloseHandle(token) };
        read
    }

    fn client_token(pipe: HANDLE) -> io::Result<HANDLE> {
        // SAFETY: `pipe` is the server end of a connected named pipe, owned by the caller.
        if unsafe { ImpersonateNamedPipeClient(pipe) } == 0 {
            return Err(io::Error::last_os_error());
        }
        let mut token: HANDLE = null_mut();
        // SAFETY: the current thread's handle is a pseudo handle; `token` receives a new one.
        let opened = unsafe { OpenThreadToken(GetCurrentThread(), TOKEN_QUERY, 1, &mut token) };
        let error = io::Error::last_os_error();
        // SAFETY: ends the impersonation begun above. A thread that cannot return to the
        // service's own identity must not go on running anything.
        if unsafe { RevertToSelf() } == 0 {
            std::process::abort();
        }
        if opened == 0 {
            return Err(error);
        }
        Ok(token)
    }

    fn read_account(token: HANDLE) -> io::Result<WindowsAccount> {
        let user = token_information(token, TokenUser)?;
        // SAFETY: GetTokenInformation(TokenUser) filled the buffer with a TOKEN_USER, aligned
        // by the u64 buffer, whose SID points into the same buffer.
        let sid = unsafe { (*user.as_ptr().cast::<TOKEN_USER>()).User.Sid };
        let (name, domain) = lookup(sid)?;
        let groups = token_information(token, TokenGroups)?;
        let groups_ptr = groups.as_ptr().cast::<TOKEN_GROUPS>();
        // SAFETY: as above, a TOKEN_GROUPS with GroupCount entries following it in the buffer.
        let groups = unsafe {
            let count = (*groups_ptr).GroupCount as usize;
            let first = std::ptr::addr_of!((*groups_ptr).Groups)
                .cast::<windows_sys::Win32::Security::SID_AND_ATTRIBUTES>();
            (0..count)
                .map(|i| sid_string((*first.add(i)).Sid))
                .collect::<io::Result<Vec<_>>>()?
        };
        Ok(WindowsAccount {
            sid: sid_string(sid)?,
            name,
            domain,
            computer: computer_name()?,
            groups,
        })
    }

    fn token_information(token: HANDLE, class: TOKEN_INFORMATION_CLASS) -> io::Result<Vec<u64>> {
        let mut needed = 0u32;
        // SAFETY: asks for the size only (no buffer).
        unsafe { GetTokenInformation(token, class, null_mut(), 0, &mut needed) };
        if needed == 0 {
            return Err(io::Error::last_os_error());
        }
        let mut buffer = vec![0u64; (needed as usize).div_ceil(8)];
        // SAFETY: the buffer holds `needed` bytes, 8-aligned.
        let ok = unsafe {
            GetTokenInformation(
                token,
                class,
                buffer.as_mut_ptr().cast(),
                needed,
                &mut needed,
            )
        };
        if ok == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(buffer)
    }

    pub(crate) fn sid_string(sid: PSID) -> io::Result<String> {
        let mut text = null_mut();
        // SAFETY: `sid` is a valid SID; the string is allocated by the call and freed below.
        if unsafe { ConvertSidToStringSidW(sid, &mut text) } == 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: a NUL-terminated string from ConvertSidToStringSidW.
        let read = unsafe { from_wide(text) };
        // SAFETY: allocated with LocalAlloc by ConvertSidToStringSidW.
        unsafe { LocalFree(text.cast()) };
        Ok(read)
    }

    fn lookup(sid: PSID) -> io::Result<(String, String)> {
        let (mut name_len, mut domain_len, mut kind): (u32, u32, SID_NAME_USE) = (0, 0, 0);
        // SAFETY: asks for the sizes only.
        unsafe {
            LookupAccountSidW(
                null(),
                sid,
                null_mut(),
                &mut name_len,
                null_mut(),
                &mut domain_len,
                &mut kind,
            )
        };
        if name_len == 0 {
            return Err(io::Error::last_os_error());
        }
        let mut name = vec![0u16; name_len as usize];
        let mut domain = vec![0u16; domain_len.max(1) as usize];
        // SAFETY: both buffers have the sizes the first call asked for.
        let ok = unsafe {
            LookupAccountSidW(
                null(),
                sid,
                name.as_mut_ptr(),
                &mut name_len,
                domain.as_mut_ptr(),
                &mut domain_len,
                &mut kind,
            )
        };
        if ok == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok((
            String::from_utf16_lossy(&name[..name_len as usize]),
            String::from_utf16_lossy(&domain[..domain_len as usize]),
        ))
    }

    fn computer_name() -> io::Result<String> {
        let mut buffer = [0u16; 256];
        let mut len = buffer.len() as u32;
        // SAFETY: `len` is the buffer's length in characters.
        if unsafe { GetComputerNameW(buffer.as_mut_ptr(), &mut len) } == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(String::from_utf16_lossy(&buffer[..len as usize]))
    }

    /// Reads a NUL-terminated UTF-16 string.
    ///
    /// # Safety
    /// `text` points at a NUL-terminated UTF-16 string.
    unsafe fn from_wide(text: *const u16) -> String {
        let mut len = 0;
        // SAFETY: the caller promises the terminating NUL.
        while unsafe { *text.add(len) } != 0 {
            len += 1;
        }
        // SAFETY: `len` characters precede the NUL.
        String::from_utf16_lossy(unsafe { std::slice::from_raw_parts(text, len) })
    }

    /// `text` as Windows' calls take it: UTF-16, NUL-terminated.
    pub(crate) fn wide(text: impl AsRef<std::ffi::OsStr>) -> Vec<u16> {
        use std::os::windows::ffi::OsStrExt;
        text.as_ref()
            .encode_wide()
            .chain(std::iter::once(0))
            .collect()
    }

    /// Sets `password` on the local account `name` and marks it expired: Windows asks for a
    /// new one at the next sign-in.
    pub fn set_password(name: &str, password: &str) -> Result<String, String> {
        let user = wide(name);
        let mut secret = wide(password);
        let info = USER_INFO_1003 {
            usri1003_password: secret.as_mut_ptr(),
        };
        let mut bad_field = 0u32;
        // SAFETY: level 1003 takes a USER_INFO_1003 whose string outlives the call.
        let set = unsafe {
            NetUserSetInfo(
                null(),
                user.as_ptr(),
                1003,
                (&raw const info).cast(),
                &mut bad_field,
            )
        };
        secret.iter_mut().for_each(|c| *c = 0);
        if set != NERR_Success {
            return Err(match set {
                2245 => format!(
                    "Windows refused the temporary password for {name}: it does not meet this computer's password policy (NetUserSetInfo {set})"
                ),
                2221 => format!("this computer has no account {name}"),
                _ => format!("Windows did not set the password of {name} (NetUserSetInfo {set})"),
            });
        }
        let mut buffer: *mut u8 = null_mut();
        // SAFETY: level 4 returns a USER_INFO_4 the call allocates; freed below.
        let got = unsafe { NetUserGetInfo(null(), user.as_ptr(), 4, &mut buffer) };
        if got != NERR_Success || buffer.is_null() {
            return Err(format!(
                "the password of {name} is set, but Windows did not say how to expire it (NetUserGetInfo {got}): it need not be changed at the next sign-in"
            ));
        }
        let info = buffer.cast::<USER_INFO_4>();
        // SAFETY: `info` is the USER_INFO_4 just read. A null password leaves it unchanged.
        let expired = unsafe {
            (*info).usri4_password = null_mut();
            (*info).usri4_flags &= !(UF_DONT_EXPIRE_PASSWD | UF_PASSWD_CANT_CHANGE);
            (*info).usri4_password_expired = 1;
            let expired = NetUserSetInfo(
                null(),
                user.as_ptr(),
                4,
                buffer.cast_const(),
                &mut bad_field,
            );
            NetApiBufferFree(buffer.cast());
            expired
        };
        if expired != NERR_Success {
            return Err(format!(
                "the password of {name} is set, but Windows did not mark it to be changed (NetUserSetInfo {expired}, field {bad_field})"
            ));
        }
        Ok(format!(
            "set a temporary password on {name}: Windows asks for a new one at the next sign-in"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bob() -> WindowsAccount {
        WindowsAccount {
            sid: "S-1-5-21-1004336348-1177238915-682003330-1001".into(),
            name: "bob".into(),
            domain: "BOBS-PC".into(),
            computer: "BOBS-PC".into(),
            groups: vec![
                "S-1-1-0".into(),
                "S-1-5-32-545".into(),
                "S-1-5-4".into(),
                "S-1-5-11".into(),
            ],
        }
    }

    #[test]
    fn only_a_local_persons_account_without_administrators_rights_is_reset() {
        assert_eq!(may_reset(&bob()), Ok(()));
        let refused = |account: WindowsAccount| {
            may_reset(&account)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        let mut admin = bob();
        admin.groups.push("S-1-5-32-544".into());
        assert!(refused(admin).contains("administrator's account"));
        let builtin = WindowsAccount {
            sid: "S-1-5-21-1004336348-1177238915-682003330-500".into(),
            name: "Administrator".into(),
            ..bob()
        };
        assert!(refused(builtin).contains("administrator's account"));
        let domain = WindowsAccount {
            domain: "ACME".into(),
            sid: "S-1-5-21-3623811015-3361044348-30300820-1013".into(),
            ..bob()
        };
        assert!(refused(domain).contains("domain ACME (Active Directory)"));
        let entra = WindowsAccount {
            sid: "S-1-12-1-1898611429-1123420379-3025468576-3614236735".into(),
            domain: "AzureAD".into(),
            ..bob()
        };
        assert!(refused(entra).contains("Entra ID"));
        let mut microsoft = bob();
        microsoft
            .groups
            .push("S-1-11-96-3623454863-58364-18864-2661722203-1597581903-1225312835".into());
        assert!(refused(microsoft).contains("Microsoft account"));
        let system = WindowsAccount {
            sid: "S-1-5-18".into(),
            name: "SYSTEM".into(),
            domain: "NT AUTHORITY".into(),
            ..bob()
        };
        assert!(refused(system).contains("system account"));
        let odd = WindowsAccount {
            name: "PC\\bob".into(),
            ..bob()
        };
        assert!(refused(odd).contains("not an account name"));
        // Windows compares names without case.
        let lower = WindowsAccount {
            domain: "bobs-pc".into(),
            ..bob()
        };
        assert_eq!(may_reset(&lower), Ok(()));
    }
}
