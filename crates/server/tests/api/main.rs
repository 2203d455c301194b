//! API tests: each starts the real server on a random loopback port with a fresh database.

mod accounts;
// Debian's pebble, the ACME test server.
#[cfg(target_os = "linux")]
mod acme;
mod actions;
mod address;
mod admin_cli;
mod assistant;
mod assistant_model;
mod attachments;
mod authenticator;
mod bounces;
mod brand;
mod catalog;
mod changes;
mod chats;
mod company_sign_in;
mod console;
mod devices;
mod fields;
mod files;
mod helpers;
mod kb;
mod kept;
mod languages;
mod limits;
mod org_page;
mod passwords;
mod people;
mod releases;
mod robustness;
mod rules;
mod second_factor;
mod settings;
mod sign_up;
mod smtp;
mod software;
mod software_actions;
mod tickets;
mod tls;
mod views;
