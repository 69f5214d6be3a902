//! End-to-end tests: the real server over HTTP, and the real binary, on a fresh database
//! per test. Every test runs on SQLite and, when `BROADSHEET_TEST_POSTGRES_URL` is set, on
//! PostgreSQL.

mod browser;
mod cache;
mod cli;
mod content_api;
mod cors;
mod demo;
mod editorial;
mod external;
mod feeds;
mod fuzz;
mod graphql;
mod health;
mod helpers;
mod invalidation;
mod keys;
mod logs;
mod metrics;
mod pages;
mod secrets;
mod security;
mod tour;
mod webhooks;
mod wire;
