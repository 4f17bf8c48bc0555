//! Integration tests of `wxoa-types`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::float_cmp,
    missing_docs
)]

mod account_events;
mod inbound_fixtures;
mod kinds;
mod properties;
