//! The agent against a real server.

mod actions;
mod chaos;
mod credentials;
mod fields;
mod kb;
mod pull;
mod rejected;
mod status;
mod sync;
