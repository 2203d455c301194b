//! What the agent tells the server about this machine (sysinfo).

use bellhop_proto::DeviceFacts;
use sysinfo::{Networks, System};

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
        // Serial numbers need platform code (WMI, IOKit, DMI); they arrive with system info.
        serial: None,
        macs,
        os_user: os_user(),
    }
}

fn os_user() -> String {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "unknown".into())
}
