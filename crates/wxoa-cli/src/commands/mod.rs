//! One module per command group.

pub(crate) mod api;
pub(crate) mod blacklist;
pub(crate) mod card;
pub(crate) mod config;
pub(crate) mod crypto;
pub(crate) mod demo;
pub(crate) mod doctor;
pub(crate) mod group;
pub(crate) mod jssdk;
pub(crate) mod kf;
pub(crate) mod mass;
pub(crate) mod media;
pub(crate) mod menu;
pub(crate) mod misc;
pub(crate) mod oauth;
pub(crate) mod parse;
pub(crate) mod publish;
pub(crate) mod qrcode;
pub(crate) mod sandbox;
pub(crate) mod send;
pub(crate) mod serve;
pub(crate) mod shorturl;
pub(crate) mod tag;
pub(crate) mod template;
pub(crate) mod token_server;
pub(crate) mod user;
