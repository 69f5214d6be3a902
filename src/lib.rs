//! The `broadsheet` command: configuration, startup, the sample publication, and the
//! commands that manage a database. `main.rs` only parses arguments and reports errors.

pub mod auth;
pub mod cli;
pub mod commands;
pub mod demo;
pub mod maintenance;
pub mod scheduler;
pub mod secrets;
pub mod startup;
pub mod telemetry;
