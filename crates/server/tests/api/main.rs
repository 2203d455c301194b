//! API tests: each starts the real server on a random loopback port with a fresh database.

mod accounts;
mod actions;
mod assistant;
mod assistant_model;
mod attachments;
mod authenticator;
mod catalog;
mod changes;
mod chats;
mod console;
mod devices;
mod fields;
mod files;
mod helpers;
mod kb;
mod kept;
mod languages;
mod limits;
mod passwords;
mod people;
mod robustness;
mod rules;
mod second_factor;
mod settings;
mod smtp;
mod tickets;
