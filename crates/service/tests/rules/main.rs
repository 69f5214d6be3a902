//! The newsroom's rules, tested at the service layer without HTTP: every cell of the
//! authorization matrix for every use case it governs, the validation rules the service owns,
//! the events changes record, and scheduled publishing on a manual clock.
//!
//! Every test runs on SQLite and, when `BROADSHEET_TEST_POSTGRES_URL` is set, on PostgreSQL
//! (the binary says on stderr when PostgreSQL is skipped). The expected outcomes come from
//! tables written here, independently of `broadsheet_domain::policy`, so a change to either
//! shows as a failure.

mod harness;
mod matrix;

mod articles;
mod events;
mod identity;
mod keys;
mod previews;
mod reading;
mod scheduling;
mod sessions;
mod tags;
mod users;
mod validation;
mod webhooks;
