//! The agent against a real server.

mod actions;
mod assistant;
mod catalog;
mod chaos;
mod chat;
mod credentials;
mod fields;
mod helper;
mod kb;
mod managed;
mod pull;
mod rejected;
mod status;
mod sync;
mod updates;
