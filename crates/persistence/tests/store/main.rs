//! The persistence suite: every test runs on SQLite and, when
//! `BROADSHEET_TEST_POSTGRES_URL` is set, on PostgreSQL, unchanged.

mod articles;
mod bulk;
mod content;
mod editorial;
mod filters;
mod fuzz;
mod listing;
mod pool;
mod pruning;
mod public_lists;
mod related;
mod search;
mod secrets;
mod slugs;
mod tags;
mod tallies;
mod timeouts;
mod tls;
mod users;
mod webhooks;
