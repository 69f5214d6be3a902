//! Hardening: what an attacker or a bad day can do to a public content API, each tried from
//! outside, as an attacker would.

mod bodies;
mod cache_keys;
mod deadlines;
mod flags;
mod leaks;
mod logs;
mod persisted;
mod rate_limit;
mod sign_in;
mod slow_body;
