//! The agent against a real server.

mod chaos;
mod fields;
mod pull;
mod status;
mod sync;
