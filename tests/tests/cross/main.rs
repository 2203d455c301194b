//! The agent against a real server.

mod status;
mod sync;
