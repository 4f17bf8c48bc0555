//! The two hot paths of a webhook in safe mode, as issue 2 measures them:
//! - inbound: verify `signature` and `msg_signature`, decrypt, parse a realistic text push;
//! - reply: render a text reply, encrypt, sign, render the envelope.
//!
//! Run: `cargo bench -p wxoa-crypto --bench pipeline`

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use wxoa_crypto::{MsgCrypt, msg_signature, signature, verify_signature};
use wxoa_types::envelope::PushEnvelope;
use wxoa_types::inbound::Inbound;
use wxoa_types::reply::Reply;

const TOKEN: &str = "pamtest";
const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const APPID: &str = "wxb11529c136998cb6";
const TIMESTAMP: &str = "1700000000";
const NONCE: &str = "1320134572";

/// A text push as the platform sends it: a short Chinese message from a follower.
const PUSH: &str = "<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>\
<FromUserName><![CDATA[oUpF8uMuAJO_M2pxb1Q9zNjWeS6o]]></FromUserName>\
<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>\
<Content><![CDATA[你好，活动几点开始？]]></Content><MsgId>24000000000000001</MsgId></xml>";

fn bench(c: &mut Criterion) {
    let crypt = MsgCrypt::new(TOKEN, KEY, APPID).unwrap();
    let encrypt = crypt.encrypt(PUSH.as_bytes()).unwrap();
    let body = PushEnvelope::new(Some("gh_0123456789ab".to_owned()), encrypt.clone()).to_xml();
    let url_signature = signature(TOKEN, TIMESTAMP, NONCE).to_string();
    let body_signature = msg_signature(TOKEN, TIMESTAMP, NONCE, &encrypt).to_string();
    eprintln!("encrypted push body: {} bytes", body.len());

    let mut group = c.benchmark_group("safe_mode");
    group.throughput(Throughput::Elements(1));
    group.bench_function("inbound_verify_decrypt_parse", |b| {
        b.iter(|| {
            verify_signature(TOKEN, TIMESTAMP, NONCE, black_box(&url_signature)).unwrap();
            let plain = crypt
                .decrypt_push(
                    black_box(body.as_bytes()),
                    &body_signature,
                    TIMESTAMP,
                    NONCE,
                )
                .unwrap();
            Inbound::from_xml(&plain).unwrap()
        })
    });

    let push = Inbound::from_xml(PUSH.as_bytes()).unwrap();
    group.bench_function("reply_render_encrypt_sign", |b| {
        b.iter(|| {
            let reply = Reply::text(black_box(&push), "活动下午三点开始，欢迎参加！");
            crypt.seal_reply_xml(&reply, TIMESTAMP, NONCE).unwrap()
        })
    });
    group.finish();

    let mut parts = c.benchmark_group("parts");
    parts.bench_function("decrypt_push", |b| {
        b.iter(|| {
            crypt.decrypt_push(
                black_box(body.as_bytes()),
                &body_signature,
                TIMESTAMP,
                NONCE,
            )
        })
    });
    parts.bench_function("parse_text", |b| {
        b.iter(|| Inbound::from_xml(black_box(PUSH.as_bytes())))
    });
    parts.bench_function("msg_signature", |b| {
        b.iter(|| msg_signature(TOKEN, TIMESTAMP, NONCE, black_box(&encrypt)))
    });
    let reply = Reply::text(&push, "活动下午三点开始，欢迎参加！");
    let reply_xml = reply.to_xml().unwrap();
    parts.bench_function("reply_render", |b| b.iter(|| black_box(&reply).to_xml()));
    parts.bench_function("reply_encrypt", |b| {
        b.iter(|| crypt.encrypt(black_box(reply_xml.as_bytes())))
    });
    let sealed = crypt.encrypt(reply_xml.as_bytes()).unwrap();
    parts.bench_function("reply_sign", |b| {
        b.iter(|| msg_signature(TOKEN, TIMESTAMP, NONCE, black_box(&sealed)))
    });
    parts.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
