//! Every encrypted fixture (fixtures/inbound/encrypted/, made by scripts/seal-fixtures.sh) is
//! what the platform sends in safe mode: its query's `signature` and `msg_signature` verify,
//! it decrypts with the account's key and AppID, and it parses to exactly the same push as its
//! plaintext twin (whose every field is checked in wxoa-types' fixture tests).

use wxoa_crypto::{MsgCrypt, verify_signature};
use wxoa_types::inbound::Inbound;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/inbound");

#[test]
fn every_encrypted_fixture_opens_to_its_plaintext_twin() {
    let crypt = MsgCrypt::new(
        "wxoatoken",
        "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        "wx0123456789abcdef",
    )
    .unwrap();
    let queries = std::fs::read_to_string(format!("{DIR}/encrypted/queries.txt")).unwrap();
    let plaintext_count = std::fs::read_dir(DIR)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "xml")
        })
        .count();
    assert_eq!(
        queries.lines().count(),
        plaintext_count,
        "every plaintext fixture has an encrypted twin"
    );
    for line in queries.lines() {
        let (name, query) = line.split_once(' ').unwrap();
        let param = |key: &str| {
            query
                .split('&')
                .find_map(|pair| pair.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
                .unwrap()
        };
        let (timestamp, nonce) = (param("timestamp"), param("nonce"));
        verify_signature("wxoatoken", timestamp, nonce, param("signature")).unwrap();
        assert_eq!(param("encrypt_type"), "aes");
        let body = std::fs::read(format!("{DIR}/encrypted/{name}")).unwrap();
        let plain = crypt
            .decrypt_push(&body, param("msg_signature"), timestamp, nonce)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let twin = std::fs::read(format!("{DIR}/{name}")).unwrap();
        assert_eq!(plain, twin, "{name}");
        let push = Inbound::from_xml(&plain);
        assert_eq!(push, Inbound::from_xml(&twin), "{name}");
        if let Ok(push) = push {
            assert_eq!(push.from_user_name.as_str(), param("openid"), "{name}");
        }
    }
}
