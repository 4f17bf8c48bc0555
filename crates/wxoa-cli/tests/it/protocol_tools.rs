//! CONTRACT.md §1–2: `wxoa crypto sign|encrypt|decrypt` and `wxoa parse`, with their exit codes.

use crate::*;

const TOKEN: &str = "pamtest";
const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const APPID: &str = "wxb11529c136998cb6";
const ENCRYPT: &str =
    "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==";
const MSG_SIGNATURE: &str = "82c962d39941aa48552f90ef55aa323dc620cc10";

fn envelope() -> Vec<u8> {
    format!("<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><Encrypt><![CDATA[{ENCRYPT}]]></Encrypt></xml>").into_bytes()
}

fn decrypt_args<'a>(key: &'a str, app_id: &'a str, signature: &'a str) -> Vec<&'a str> {
    vec![
        "crypto",
        "decrypt",
        "--token",
        TOKEN,
        "--aes-key",
        key,
        "--app-id",
        app_id,
        "--timestamp",
        "1409304348",
        "--nonce",
        "xxxxxx",
        "--msg-signature",
        signature,
    ]
}

#[test]
fn sign_prints_signature_and_msg_signature() {
    let out = wxoa(
        &[
            "crypto",
            "sign",
            "--token",
            TOKEN,
            "--timestamp",
            "1409304348",
            "--nonce",
            "xxxxxx",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0));
    // sha1("1409304348pamtestxxxxxx")
    assert_eq!(stdout(&out), "76480565cbe296026c53aaacd1ad523a1ddba24f\n");
    let out = wxoa(
        &[
            "crypto",
            "sign",
            "--token",
            TOKEN,
            "--timestamp",
            "1409304348",
            "--nonce",
            "xxxxxx",
            "--encrypt",
            ENCRYPT,
        ],
        b"",
    );
    assert_eq!(stdout(&out), format!("{MSG_SIGNATURE}\n"));
}

#[test]
fn sign_reads_the_token_from_the_environment_and_config() {
    let dir = std::env::temp_dir().join(format!("wxoa-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("wxoa.toml");
    std::fs::write(&config, format!("token = \"{TOKEN}\"\n")).unwrap();
    let out = wxoa(
        &[
            "--config",
            config.to_str().unwrap(),
            "crypto",
            "sign",
            "--timestamp",
            "1409304348",
            "--nonce",
            "xxxxxx",
        ],
        b"",
    );
    assert_eq!(
        stdout(&out),
        "76480565cbe296026c53aaacd1ad523a1ddba24f\n",
        "{}",
        stderr(&out)
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn decrypt_the_official_vector() {
    let out = wxoa(&decrypt_args(KEY, APPID, MSG_SIGNATURE), &envelope());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "我是中文abcd123\n");
}

#[test]
fn decrypt_failures_exit_4_and_name_the_cause() {
    let out = wxoa(&decrypt_args(KEY, APPID, "12345"), &envelope());
    assert_eq!(out.status.code(), Some(4));
    assert!(stderr(&out).contains("-40001"), "{}", stderr(&out));
    assert!(stderr(&out).contains("Token"), "{}", stderr(&out));

    let out = wxoa(
        &decrypt_args(KEY, "wx0000000000000000", MSG_SIGNATURE),
        &envelope(),
    );
    assert_eq!(out.status.code(), Some(4));
    assert!(stderr(&out).contains("-40005"), "{}", stderr(&out));

    let wrong_key = "bbcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    let out = wxoa(&decrypt_args(wrong_key, APPID, MSG_SIGNATURE), &envelope());
    assert_eq!(out.status.code(), Some(4));
    assert!(stderr(&out).contains("-40007"), "{}", stderr(&out));
    assert!(stderr(&out).contains("EncodingAESKey"), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains(wrong_key),
        "the key must never be printed"
    );

    // The query's plain `signature` passed by mistake.
    let plain = "76480565cbe296026c53aaacd1ad523a1ddba24f";
    let out = wxoa(&decrypt_args(KEY, APPID, plain), &envelope());
    assert_eq!(out.status.code(), Some(4));
    assert!(
        stderr(&out).contains("not its `msg_signature`"),
        "{}",
        stderr(&out)
    );

    // A plaintext push: plain mode.
    let out = wxoa(
        &decrypt_args(KEY, APPID, MSG_SIGNATURE),
        &fixture("text.xml"),
    );
    assert_eq!(out.status.code(), Some(4));
    assert!(
        stderr(&out).contains("-40002") && stderr(&out).contains("plain mode"),
        "{}",
        stderr(&out)
    );

    // Garbage, truncated, XXE.
    for body in [&b"not xml at all <"[..], b"<xml><Encrypt>", br#"<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Encrypt>&e;</Encrypt></xml>"#] {
        let out = wxoa(&decrypt_args(KEY, APPID, MSG_SIGNATURE), body);
        assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
        assert!(stderr(&out).contains("-40002"), "{}", stderr(&out));
    }
}

#[test]
fn malformed_keys_and_missing_options_exit_2() {
    for key in [&KEY[..42], &format!("{KEY}A")[..]] {
        let out = wxoa(&decrypt_args(key, APPID, MSG_SIGNATURE), &envelope());
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("-40004"), "{}", stderr(&out));
    }
    let out = wxoa(
        &[
            "crypto",
            "decrypt",
            "--timestamp",
            "1",
            "--nonce",
            "1",
            "--msg-signature",
            "s",
        ],
        &envelope(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--token"), "{}", stderr(&out));
    let out = wxoa(&["crypto", "nonsense"], b"");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn encrypt_then_decrypt_round_trips_through_the_reply_envelope() {
    let reply = "<xml><ToUserName><![CDATA[oUser]]></ToUserName><FromUserName><![CDATA[gh_0123456789ab]]></FromUserName><CreateTime>1700000001</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好]]></Content></xml>";
    let out = wxoa(
        &[
            "crypto",
            "encrypt",
            "--token",
            TOKEN,
            "--aes-key",
            KEY,
            "--app-id",
            APPID,
            "--timestamp",
            "1409304348",
            "--nonce",
            "123",
        ],
        reply.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let envelope = stdout(&out);
    assert!(
        envelope.contains("<TimeStamp>1409304348</TimeStamp>"),
        "{envelope}"
    );
    assert!(
        envelope.contains("<Nonce><![CDATA[123]]></Nonce>"),
        "{envelope}"
    );
    // The reply envelope carries its own TimeStamp, Nonce and MsgSignature.
    let out = wxoa(
        &[
            "crypto",
            "decrypt",
            "--token",
            TOKEN,
            "--aes-key",
            KEY,
            "--app-id",
            APPID,
        ],
        envelope.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), format!("{reply}\n"));
    // Verifying it against the push's timestamp instead explains the mix-up.
    let out = wxoa(
        &[
            "crypto",
            "decrypt",
            "--token",
            TOKEN,
            "--aes-key",
            KEY,
            "--app-id",
            APPID,
            "--timestamp",
            "1",
            "--nonce",
            "123",
        ],
        envelope.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(4));
    assert!(
        stderr(&out).contains("TimeStamp (1409304348)"),
        "{}",
        stderr(&out)
    );

    let out = wxoa(
        &[
            "crypto",
            "encrypt",
            "--token",
            TOKEN,
            "--aes-key",
            KEY,
            "--app-id",
            APPID,
        ],
        b"<xml><unclosed>",
    );
    assert_eq!(out.status.code(), Some(4));
    assert!(stderr(&out).contains("-40011"), "{}", stderr(&out));
}

#[test]
fn parse_prints_typed_json() {
    let out = wxoa(&["parse"], &fixture("text.xml"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["kind"], "text");
    assert!(json["msg_id"].is_u64());
    assert!(json["content"].is_string());

    let out = wxoa(&["parse"], &fixture("event_click.xml"));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["kind"], "CLICK");
    assert_eq!(json["event"], "CLICK");
}

#[test]
fn parse_keeps_every_field_of_unknown_types() {
    let out = wxoa(&["parse"], &fixture("unknown_msgtype.xml"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["kind"], "unknown");
    let extra = json["extra"].as_object().unwrap();
    assert!(extra.len() >= 3, "{json}");
}

#[test]
fn parse_failures_are_explained() {
    let out = wxoa(&["parse"], &envelope());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("decrypt it first"),
        "{}",
        stderr(&out)
    );
    let out = wxoa(&["parse"], b"<xml><MsgType>text");
    assert_eq!(out.status.code(), Some(4));
    let out = wxoa(
        &["parse"],
        b"<xml><ToUserName>a</ToUserName><CreateTime>1</CreateTime><MsgType>text</MsgType></xml>",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("FromUserName"), "{}", stderr(&out));
    let huge = vec![b' '; 5 * 1024 * 1024];
    let out = wxoa(&["parse"], &huge);
    assert_eq!(out.status.code(), Some(2));
}
