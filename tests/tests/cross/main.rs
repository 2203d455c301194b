//! The agent against a real server.

mod pull;
mod status;
mod sync;
