//! The WeChat Official Account platform's data model, with no I/O and no async.
//!
//! - [`datacube`]: the analytics endpoints: their spans, first days and row periods.
//! - [`date`]: calendar days in Beijing time, the platform's `YYYY-MM-DD`.
//! - [`ids`]: identifier newtypes (`OpenId`, `MediaId`, `MsgId(u64)`, …).
//! - [`errcode`]: every global error code with its meaning (English and Chinese) and how to
//!   react to it.
//! - [`inbound`]: every normal message and event the platform pushes, typed, with an `Unknown`
//!   catch-all that keeps every field.
//! - [`reply`]: passive replies and the encrypted reply envelope, rendered as the platform
//!   expects them.
//! - [`subscribe`]: the keyword types of subscription notifications and their value rules.
//! - [`xml`]: the one XML module: bounded, entity-free parsing and a CDATA writer.
//!
//! ```
//! use wxoa_types::inbound::Inbound;
//! use wxoa_types::reply::Reply;
//!
//! let push = Inbound::from_xml(
//!     b"<xml><ToUserName>gh_0123456789ab</ToUserName><FromUserName>oUser</FromUserName>\
//!       <CreateTime>1700000000</CreateTime><MsgType>text</MsgType><Content>hi</Content>\
//!       <MsgId>1</MsgId></xml>",
//! )
//! .unwrap();
//! let reply = Reply::text(&push, "hello").at(1700000001);
//! assert!(reply.to_xml().unwrap().contains("<Content><![CDATA[hello]]></Content>"));
//! ```

pub mod component;
pub mod datacube;
pub mod date;
pub mod envelope;
pub mod errcode;
pub mod ids;
pub mod inbound;
mod lenient;
pub mod reply;
pub mod secret;
pub mod subscribe;
pub mod xml;

pub use lenient::i64_from_number_or_string;
