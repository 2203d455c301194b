//! The Bellhop server: the source of truth for every agent, the web portal and the console.
//!
//! It depends on `bellhop-proto` for its wire types and never on the agent. Storage is SQLite
//! (a file in the data directory) by default; see docs/ARCHITECTURE.md for the PostgreSQL plan.
//! [`app::Server`] binds, migrates and serves; the CLI in [`cli`] only parses flags into
//! [`config::Settings`] and calls it, so tests start exactly what production runs.

pub mod acme;
pub mod app;
pub mod auth;
pub mod blobs;
pub mod cli;
pub mod client;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod extract;
pub mod grants;
pub mod keys;
pub mod letters;
pub mod mail;
pub mod markdown;
pub mod openapi;
pub mod passwords;
pub mod response;
pub mod routes;
pub mod serve;
pub mod sms;
pub mod state;
pub mod stems;
pub mod sweep;
pub mod tls;
pub mod tokens;
