//! The Windows service. The MSI installs `bellhop-helper.exe` as the `BellhopHelper` service
//! (LocalSystem, started automatically); the service control manager starts it, and this
//! module tells it the service runs and stops it when asked (stop, or the system shutting
//! down).

// `define_windows_service!` expands to the one unsafe call that reads the service's start
// arguments from the service control manager.
#![allow(unsafe_code)]

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use windows_service::service::{
    ServiceControl, ServiceControlAccept, ServiceExitCode, ServiceState, ServiceStatus, ServiceType,
};
use windows_service::service_control_handler::{self, ServiceControlHandlerResult};
use windows_service::{define_windows_service, service_dispatcher};

/// The service's name, as the MSI installs it.
pub const SERVICE_NAME: &str = "BellhopHelper";

/// The configuration file the command line named, for the service's main function.
static CONFIG: OnceLock<PathBuf> = OnceLock::new();

/// Hands the process to the service control manager, which calls back into the service until
/// it stops. Fails at once when the process was not started as a service.
pub fn start(config: PathBuf) -> windows_service::Result<()> {
    let _ = CONFIG.set(config);
    service_dispatcher::start(SERVICE_NAME, ffi_service_main)
}

define_windows_service!(ffi_service_main, service_main);

fn service_main(_arguments: Vec<OsString>) {
    if let Err(e) = run_service() {
        tracing::error!("stopped: {e:#}");
    }
}

fn run_service() -> anyhow::Result<()> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let handler = move |control| match control {
        ServiceControl::Stop | ServiceControl::Shutdown => {
            let _ = stop.send(true);
            ServiceControlHandlerResult::NoError
        }
        ServiceControl::Interrogate => ServiceControlHandlerResult::NoError,
        _ => ServiceControlHandlerResult::NotImplemented,
    };
    let status = service_control_handler::register(SERVICE_NAME, handler)?;
    let report = |state: ServiceState, code: u32| {
        status.set_service_status(ServiceStatus {
            service_type: ServiceType::OWN_PROCESS,
            current_state: state,
            controls_accepted: if state == ServiceState::Running {
                ServiceControlAccept::STOP | ServiceControlAccept::SHUTDOWN
            } else {
                ServiceControlAccept::empty()
            },
            exit_code: ServiceExitCode::Win32(code),
            checkpoint: 0,
            wait_hint: Duration::default(),
            process_id: None,
        })
    };
    report(ServiceState::Running, 0)?;
    let path = CONFIG
        .get()
        .cloned()
        .unwrap_or_else(crate::config::default_path);
    let ran = crate::runtime().and_then(|runtime| {
        runtime.block_on(crate::run(&path, async move {
            let mut stopped = stopped;
            let _ = stopped.wait_for(|s| *s).await;
        }))
    });
    // ERROR_SERVICE_SPECIFIC_ERROR's place: any failure is logged, 1 says it failed.
    report(ServiceState::Stopped, u32::from(ran.is_err()))?;
    ran
}
