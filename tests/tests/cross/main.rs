//! The agent against a real server.

mod chaos;
mod pull;
mod status;
mod sync;
