#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]
//! The sandbox driven over HTTP on loopback, checked against fixtures written from the spec.

mod account_events;
mod autoreply;
mod blacklist;
mod browser;
mod browser_analytics;
mod browser_comments;
mod browser_subscribe;
mod card;
mod card_codes;
mod card_member;
mod card_review;
mod comments;
mod component;
mod component_browser;
mod component_flow;
mod component_oauth;
mod component_push;
mod component_release;
mod console;
mod control;
mod control_client;
mod custom;
mod cv;
mod datacube;
mod datacube_rules;
mod groups;
mod kf;
mod kf_sessions;
mod limits;
mod marketing;
mod mass;
mod material;
mod media;
mod menu;
mod migration;
mod misc;
mod oauth;
mod openapi;
mod openapi_quota;
mod persistence;
mod publish;
mod push;
mod qrcode;
mod safety;
mod shorten;
mod subscribe;
mod subscribe_one_time;
mod support;
mod tags;
mod template;
mod token;
mod users;
mod webdriver;
