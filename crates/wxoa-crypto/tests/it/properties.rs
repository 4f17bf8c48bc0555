//! Round trips over every length and every pad, and arbitrary input that must never panic.

use base64_simd::STANDARD;
use proptest::prelude::*;
use wxoa_crypto::{MsgCrypt, PAD_BLOCK, msg_signature};

use crate::*;

#[test]
fn pad_sweep_covers_every_pad_from_1_to_32() {
    let crypt = crypt_a();
    let mut seen = [false; PAD_BLOCK + 1];
    for length in 0..=PAD_BLOCK * 2 {
        let message = vec![b'x'; length];
        let encrypt = crypt.encrypt(&message).unwrap();
        let ciphertext = STANDARD.decode_to_vec(&encrypt).unwrap();
        let framed = 20 + length + A_APPID.len();
        let pad = ciphertext.len() - framed;
        assert!((1..=PAD_BLOCK).contains(&pad), "length {length}: pad {pad}");
        assert_eq!(ciphertext.len() % PAD_BLOCK, 0);
        seen[pad] = true;
        assert_eq!(crypt.decrypt(&encrypt).unwrap(), message);
    }
    assert!(seen[1..].iter().all(|&s| s), "pads seen: {seen:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn round_trip_any_message(message in proptest::collection::vec(any::<u8>(), 0..=4096), random in any::<[u8; 16]>()) {
        let crypt = crypt_a();
        let encrypt = crypt.encrypt_with_random(&random, &message).unwrap();
        let signature = msg_signature(A_TOKEN, A_TIMESTAMP, A_NONCE, &encrypt);
        let back = crypt.decrypt_verified(signature.as_str(), A_TIMESTAMP, A_NONCE, &encrypt).unwrap();
        prop_assert_eq!(back, message);
    }

    #[test]
    fn round_trip_any_app_id(app_id in "[a-zA-Z0-9_]{0,40}", message in ".{0,200}") {
        let crypt = MsgCrypt::new(A_TOKEN, A_KEY, app_id.clone()).unwrap();
        let encrypt = crypt.encrypt(message.as_bytes()).unwrap();
        let opened = crypt.open(&encrypt).unwrap();
        prop_assert_eq!(opened.app_id, app_id.into_bytes());
        prop_assert_eq!(opened.message, message.into_bytes());
    }

    #[test]
    fn arbitrary_ciphertext_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        let crypt = crypt_a();
        let _ = crypt.decrypt(&STANDARD.encode_to_string(&bytes));
        let _ = crypt.decrypt(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn arbitrary_envelopes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        let _ = crypt_a().decrypt_push(&bytes, "s", A_TIMESTAMP, A_NONCE);
    }

    #[test]
    fn arbitrary_keys_never_panic(key in ".{0,60}") {
        let _ = MsgCrypt::new(A_TOKEN, &key, A_APPID);
    }
}
