//! What the agent tells the server about this machine (sysinfo): the facts it enrols with, and
//! the snapshot attached to each ticket.

use bellhop_proto::{DeviceFacts, DiskInfo, NetworkInterface, SystemInfo};
use jiff::Timestamp;
use sysinfo::{CpuRefreshKind, Disks, MemoryRefreshKind, Networks, RefreshKind, System};

/// Hostname, OS, MAC addresses and OS user of this machine.
pub fn facts() -> DeviceFacts {
    let mut macs: Vec<String> = Networks::new_with_refreshed_list()
        .map(|networks| {
            networks
                .values()
                .map(|n| n.mac_address().to_string())
                .filter(|m| m != "00:00:00:00:00:00")
                .collect()
        })
        .unwrap_or_default();
    macs.sort();
    macs.dedup();
    DeviceFacts {
        hostname: System::host_name().unwrap_or_else(|_| "unknown".into()),
        os: System::name().unwrap_or_else(|_| std::env::consts::OS.into()),
        os_version: System::os_version().unwrap_or_default(),
        serial: serial(),
        macs,
        os_user: os_user(),
        platform: std::env::consts::OS.to_owned(),
        // The agent adds the helper when it reaches one (`helper.rs`).
        helper: None,
        installed: Vec::new(),
        // The agent adds its version and channel (`agent.rs`).
        agent_version: String::new(),
        update_channel: bellhop_proto::UpdateChannel::default(),
    }
}

/// The OS account this agent runs as (the system's own answer, then the environment's).
pub(crate) fn os_user() -> String {
    whoami::username()
        .ok()
        .filter(|u| !u.is_empty())
        .or_else(|| {
            ["USER", "USERNAME", "LOGNAME"]
                .iter()
                .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        })
        .unwrap_or_else(|| "unknown".into())
}

/// The machine now: OS, user, uptime, CPU, memory, disks and network interfaces. Takes tens of
/// milliseconds (no process list is read).
pub fn system_info() -> SystemInfo {
    let facts = facts();
    let sys = System::new_with_specifics(
        RefreshKind::nothing()
            .with_memory(MemoryRefreshKind::nothing().with_ram())
            .with_cpu(CpuRefreshKind::nothing()),
    )
    .ok();
    let cpu = sys
        .as_ref()
        .and_then(|s| s.cpus().first())
        .map(|c| c.brand().trim().to_owned())
        .filter(|b| !b.is_empty());
    let disks = Disks::new_with_refreshed_list()
        .map(|disks| {
            disks
                .iter()
                .map(|d| DiskInfo {
                    mount_point: d.mount_point().display().to_string(),
                    file_system: d.file_system().to_string_lossy().into_owned(),
                    total_bytes: d.total_space(),
                    available_bytes: d.available_space(),
                    removable: d.is_removable(),
                })
                .take(32)
                .collect()
        })
        .unwrap_or_default();
    let mut interfaces: Vec<NetworkInterface> = Networks::new_with_refreshed_list()
        .map(|networks| {
            networks
                .iter()
                .map(|(name, data)| NetworkInterface {
                    name: name.to_string_lossy().into_owned(),
                    mac: data.mac_address().to_string(),
                    addresses: data
                        .ip_networks()
                        .iter()
                        .map(|ip| format!("{}/{}", ip.addr, ip.prefix))
                        .collect(),
                })
                .take(32)
                .collect()
        })
        .unwrap_or_default();
    interfaces.sort_by(|a, b| a.name.cmp(&b.name));
    SystemInfo {
        hostname: facts.hostname,
        os: facts.os,
        os_version: System::long_os_version().unwrap_or(facts.os_version),
        kernel_version: System::kernel_version().ok(),
        os_user: facts.os_user,
        serial: facts.serial,
        uptime_secs: System::uptime().unwrap_or_default(),
        cpu,
        cpu_cores: System::physical_core_count()
            .ok()
            .and_then(|n| u32::try_from(n).ok()),
        memory_total_bytes: sys.as_ref().map_or(0, System::total_memory),
        memory_used_bytes: sys.as_ref().map_or(0, System::used_memory),
        disks,
        interfaces,
        taken_at: Timestamp::now(),
    }
}

/// The machine's serial number where the OS lets this user read it.
fn serial() -> Option<String> {
    platform::serial()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty() && !s.eq_ignore_ascii_case("to be filled by o.e.m."))
}

#[cfg(target_os = "linux")]
mod platform {
    /// DMI, as the kernel exposes it (often readable by root only).
    pub fn serial() -> Option<String> {
        [
            "/sys/class/dmi/id/product_serial",
            "/sys/class/dmi/id/board_serial",
        ]
        .iter()
        .find_map(|path| std::fs::read_to_string(path).ok())
    }
}

#[cfg(windows)]
mod platform {
    /// The one property of WMI's `Win32_BIOS` we read.
    #[derive(serde::Deserialize)]
    #[serde(rename = "Win32_BIOS", rename_all = "PascalCase")]
    struct Bios {
        serial_number: Option<String>,
    }

    /// WMI `Win32_BIOS.SerialNumber`, asked on a thread of its own: COM is set up per thread,
    /// and the app's UI thread has already set it up in a mode WMI's connection cannot share.
    pub fn serial() -> Option<String> {
        std::thread::spawn(|| {
            let wmi = wmi::WMIConnection::new(wmi::COMLibrary::new().ok()?).ok()?;
            let bios: Vec<Bios> = wmi.query().ok()?;
            bios.into_iter().find_map(|b| b.serial_number)
        })
        .join()
        .ok()
        .flatten()
    }
}

#[cfg(target_os = "macos")]
mod platform {
    /// IOKit's `IOPlatformSerialNumber` of the platform expert, as `ioreg` prints it (a tool
    /// every macOS has; readable without privileges).
    pub fn serial() -> Option<String> {
        let out = std::process::Command::new("/usr/sbin/ioreg")
            .args(["-rd1", "-c", "IOPlatformExpertDevice"])
            .output()
            .ok()?;
        super::ioreg_serial(&String::from_utf8_lossy(&out.stdout))
    }
}

#[cfg(not(any(target_os = "linux", windows, target_os = "macos")))]
mod platform {
    pub fn serial() -> Option<String> {
        None
    }
}

/// The `"IOPlatformSerialNumber" = "…"` line of `ioreg -rd1 -c IOPlatformExpertDevice`.
#[cfg_attr(not(target_os = "macos"), allow(dead_code))]
fn ioreg_serial(listing: &str) -> Option<String> {
    listing.lines().find_map(|line| {
        let (key, value) = line.split_once('=')?;
        (key.trim().trim_matches('"') == "IOPlatformSerialNumber")
            .then(|| value.trim().trim_matches('"').to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_serial_is_read_from_an_ioreg_listing() {
        let listing = r#"+-o J314sAP  <class IOPlatformExpertDevice, id 0x100000209, registered>
    {
      "IOPlatformUUID" = "8C2D6A4E-0000-0000-0000-000000000000"
      "IOPlatformSerialNumber" = "C02XG0AAJGH5"
      "manufacturer" = <"Apple Inc.">
    }"#;
        assert_eq!(ioreg_serial(listing).as_deref(), Some("C02XG0AAJGH5"));
        assert_eq!(ioreg_serial("\"IOPlatformUUID\" = \"x\""), None);
    }

    #[test]
    fn a_snapshot_describes_this_machine() {
        let info = system_info();
        assert!(!info.hostname.is_empty());
        assert!(!info.os.is_empty());
        assert!(info.memory_total_bytes > 0, "{info:?}");
        assert!(info.memory_used_bytes <= info.memory_total_bytes);
        assert!(info.uptime_secs > 0);
        assert!(
            info.interfaces
                .iter()
                .any(|i| i.name == "lo" || !i.addresses.is_empty()),
            "{:?}",
            info.interfaces
        );
        let json = serde_json::to_string(&info).unwrap_or_default();
        assert!(json.len() < 64 * 1024, "fits the server's limit");
    }
}
