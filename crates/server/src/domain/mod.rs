//! The rules: who may see and do what, what a value must be, how a change moves a ticket, what
//! is audited and what is mailed. Routes (`routes/`) parse HTTP and call here; this calls the
//! store (`db/`), which owns SQL and knows nothing of the rules above it. Nothing here knows
//! HTTP or SQL (`tests/layers.rs` checks).
//!
//! Grouped by feature. What stays in the store on purpose (visibility as a SQL filter, tries
//! counted in the statement that checks them) is in docs/ARCHITECTURE.md, "Where the rules are".

pub mod actions;
pub mod address;
pub mod assistant;
pub mod bounces;
pub mod catalog;
pub mod cc;
pub mod chats;
pub mod company_sign_in;
pub mod devices;
pub mod kb;
pub mod limits;
pub mod logo;
pub mod people;
pub mod releases;
pub mod second_factor;
pub mod settings;
pub mod sign_in;
pub mod software;
pub mod sync;
pub mod tickets;
pub mod verification;
pub mod views;

use crate::db::Caller;
use crate::error::{AppError, Result};

/// The caller must be a technician or an admin.
pub fn require_staff(caller: &Caller) -> Result<()> {
    if caller.is_staff() {
        Ok(())
    } else {
        Err(AppError::forbidden("only technicians can do this"))
    }
}

/// The caller must be an admin; `what` completes "only admins …" in the refusal.
pub fn require_admin(caller: &Caller, what: &str) -> Result<()> {
    if caller.role == bellhop_proto::Role::Admin {
        Ok(())
    } else {
        Err(AppError::forbidden(format!("only admins {what}")))
    }
}
