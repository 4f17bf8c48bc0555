//! Every failure gives its own typed error, with its official code; nothing panics.

use base64_simd::STANDARD;
use wxoa_crypto::{
    AesKeyProblem, Base64Problem, BufferProblem, CryptoError, DecryptProblem, EncryptProblem,
    MAX_ENCRYPT_LEN, MsgCrypt, SignatureParam, msg_signature,
};
use wxoa_types::envelope::EnvelopeError;
use wxoa_types::xml::XmlError;

use crate::*;

fn sealed(message: &str) -> (String, String) {
    let encrypt = crypt_a().encrypt(message.as_bytes()).unwrap();
    let signature = msg_signature(A_TOKEN, A_TIMESTAMP, A_NONCE, &encrypt);
    (encrypt, signature.as_str().to_owned())
}

/// Encrypts a hand-made buffer with vector A's key as the spec gives it in hex, IV = its first
/// 16 bytes.
fn raw_encrypt(mut buf: Vec<u8>) -> Vec<u8> {
    use aes::cipher::{BlockEncryptMut, KeyIvInit, block_padding::NoPadding};
    let key =
        hex::decode("69b71d79f8218a39259a7a29aabb2dbafc31cb3d35db7e39ebbf3d0010831051").unwrap();
    let n = buf.len();
    cbc::Encryptor::<aes::Aes256>::new_from_slices(&key, &key[..16])
        .unwrap()
        .encrypt_padded_mut::<NoPadding>(&mut buf, n)
        .unwrap()
        .to_vec()
}

#[test]
fn key_derivation_matches_the_spec_hex_key_and_iv() {
    // spec/crypto.md §7: the pre-encryption buffer of vector A, encrypted with the spec's key.
    let buf = hex::decode("6161616162626262636363636464646400000013e68891e698afe4b8ade696876162636431323377786231313532396331333639393863623607070707070707").unwrap();
    let ct = raw_encrypt(buf);
    assert_eq!(
        STANDARD.encode_to_string(&ct),
        "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="
    );
    assert_eq!(
        crypt_a().decrypt(&STANDARD.encode_to_string(&ct)).unwrap(),
        "我是中文abcd123".as_bytes()
    );
}

#[test]
fn wrong_signature_is_40001() {
    let (encrypt, _) = sealed("<xml/>");
    let error = crypt_a()
        .decrypt_verified(
            "0000000000000000000000000000000000000000",
            A_TIMESTAMP,
            A_NONCE,
            &encrypt,
        )
        .unwrap_err();
    assert_eq!(error.code(), -40001);
    assert_eq!(error.name(), "ValidateSignatureError");
    // A different Token computes another signature.
    let other = MsgCrypt::new("other", A_KEY, A_APPID).unwrap();
    let (encrypt, signature) = sealed("<xml/>");
    assert_eq!(
        other
            .decrypt_verified(&signature, A_TIMESTAMP, A_NONCE, &encrypt)
            .unwrap_err()
            .code(),
        -40001
    );
}

#[test]
fn wrong_app_id_is_40005() {
    let (encrypt, signature) = sealed("<xml/>");
    let other = MsgCrypt::new(A_TOKEN, A_KEY, "wx0000000000000000").unwrap();
    let error = other
        .decrypt_verified(&signature, A_TIMESTAMP, A_NONCE, &encrypt)
        .unwrap_err();
    assert_eq!(
        error,
        CryptoError::ValidateAppId {
            expected: "wx0000000000000000".to_owned(),
            found: A_APPID.to_owned()
        }
    );
    assert_eq!(error.code(), -40005);
}

#[test]
fn non_base64_is_40010() {
    for garbage in ["not base64!", "abc$", "====", "a"] {
        let error = crypt_a().decrypt(garbage).unwrap_err();
        assert_eq!(error.code(), -40010, "{garbage}: {error}");
    }
}

#[test]
fn truncated_ciphertext_is_40007() {
    let (encrypt, _) = sealed("<xml><Content>hello</Content></xml>");
    let bytes = STANDARD.decode_to_vec(&encrypt).unwrap();
    for cut in [0, 1, 15, 17, bytes.len() - 1] {
        let truncated = STANDARD.encode_to_string(&bytes[..cut]);
        let error = crypt_a().decrypt(&truncated).unwrap_err();
        assert_eq!(error.code(), -40007, "cut at {cut}: {error}");
    }
    // Whole blocks cut off keep the framing, then break it.
    let short = STANDARD.encode_to_string(&bytes[..16]);
    assert!(matches!(
        crypt_a().decrypt(&short),
        Err(CryptoError::DecryptAes { .. } | CryptoError::IllegalBuffer { .. })
    ));
}

#[test]
fn bad_padding_is_40007() {
    let (encrypt, _) = sealed("<xml/>");
    let mut bytes = STANDARD.decode_to_vec(&encrypt).unwrap();
    let n = bytes.len();
    // In CBC, flipping a bit of the previous ciphertext block flips the same bit of the last
    // plaintext byte: the pad byte becomes p ^ 0x40, which is over 32.
    bytes[n - 17] ^= 0x40;
    let error = crypt_a()
        .decrypt(&STANDARD.encode_to_string(&bytes))
        .unwrap_err();
    assert_eq!(error.code(), -40007);
    assert!(error.to_string().contains("padding"), "{error}");
}

#[test]
fn zero_pad_byte_is_refused() {
    // Build a buffer whose last byte is 0 by encrypting raw blocks with the same key.
    let mut buf = vec![0u8; 64];
    buf[..16].copy_from_slice(A_RANDOM);
    let ct = raw_encrypt(buf);
    let error = crypt_a()
        .decrypt(&STANDARD.encode_to_string(ct))
        .unwrap_err();
    assert_eq!(error.code(), -40007);
}

#[test]
fn lying_length_is_40008() {
    // Valid padding (32 × 0x20) but a length field far past the buffer.
    let mut buf = vec![0x20u8; 64];
    buf[..16].copy_from_slice(A_RANDOM);
    buf[16..20].copy_from_slice(&u32::MAX.to_be_bytes());
    let ct = raw_encrypt(buf);
    let error = crypt_a()
        .decrypt(&STANDARD.encode_to_string(ct))
        .unwrap_err();
    assert_eq!(error.code(), -40008, "{error}");
}

#[test]
fn keys_of_42_and_44_characters_are_40004() {
    for key in [
        &A_KEY[..42],
        &format!("{A_KEY}A"),
        &format!("{A_KEY}="),
        "",
        "short",
    ] {
        let error = MsgCrypt::new(A_TOKEN, key, A_APPID).unwrap_err();
        assert_eq!(error.code(), -40004, "{key}");
        assert!(
            !error.to_string().contains(key) || key.len() < 8,
            "the key must not be echoed"
        );
    }
    let bad_chars = format!("{}!", &A_KEY[..42]);
    let error = MsgCrypt::new(A_TOKEN, &bad_chars, A_APPID).unwrap_err();
    assert_eq!(error.code(), -40004);
    assert!(error.to_string().contains("character 43"), "{error}");
}

#[test]
fn real_keys_with_nonzero_trailing_bits_are_accepted() {
    // Vector B's key ends in 'R': its last two bits are not zero, which strict decoders refuse.
    assert!(MsgCrypt::new("t", "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR", "wx").is_ok());
    assert!(MsgCrypt::new("t", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFH", "wx").is_ok());
}

#[test]
fn missing_encrypt_is_40002() {
    let error = crypt_a()
        .decrypt_push(
            b"<xml><ToUserName>gh</ToUserName><Content>x</Content></xml>",
            "s",
            A_TIMESTAMP,
            A_NONCE,
        )
        .unwrap_err();
    assert_eq!(error, CryptoError::ParseXml(EnvelopeError::MissingEncrypt));
    assert_eq!(error.code(), -40002);
}

#[test]
fn xxe_envelope_is_40002() {
    let body = br#"<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><Encrypt>&x;</Encrypt></xml>"#;
    let error = crypt_a()
        .decrypt_push(body, "s", A_TIMESTAMP, A_NONCE)
        .unwrap_err();
    assert_eq!(
        error,
        CryptoError::ParseXml(EnvelopeError::Xml(XmlError::Doctype))
    );
}

#[test]
fn oversized_input_is_refused_before_work() {
    let huge = "A".repeat(MAX_ENCRYPT_LEN + 4);
    assert_eq!(crypt_a().decrypt(&huge).unwrap_err().code(), -40010);
    let body = format!(
        "<xml><Encrypt>{}</Encrypt></xml>",
        "A".repeat(2 * 1024 * 1024)
    );
    let error = crypt_a()
        .decrypt_push(body.as_bytes(), "s", A_TIMESTAMP, A_NONCE)
        .unwrap_err();
    assert!(
        matches!(
            error,
            CryptoError::ParseXml(EnvelopeError::Xml(XmlError::TooLarge { .. }))
        ),
        "{error}"
    );
}

#[test]
fn every_code_has_a_distinct_variant() {
    use wxoa_types::reply::ReplyError;
    let all = [
        CryptoError::ValidateSignature {
            what: SignatureParam::Signature,
        },
        CryptoError::ParseXml(EnvelopeError::MissingEncrypt),
        CryptoError::ComputeSignature,
        CryptoError::IllegalAesKey {
            reason: AesKeyProblem::NotBase64,
        },
        CryptoError::ValidateAppId {
            expected: String::new(),
            found: String::new(),
        },
        CryptoError::EncryptAes {
            reason: EncryptProblem::TooLong,
        },
        CryptoError::DecryptAes {
            reason: DecryptProblem::Padding,
        },
        CryptoError::IllegalBuffer {
            reason: BufferProblem::TooShort { length: 0 },
        },
        CryptoError::EncodeBase64,
        CryptoError::DecodeBase64 {
            reason: Base64Problem::Invalid,
        },
        CryptoError::GenReturnXml(ReplyError::ArticleCount { count: 0 }),
    ];
    let codes: Vec<i32> = all.iter().map(CryptoError::code).collect();
    assert_eq!(codes, (-40011..=-40001).rev().collect::<Vec<_>>());
}

#[test]
fn debug_output_hides_secrets() {
    let crypt = crypt_a();
    let debug = format!("{crypt:?}");
    assert!(!debug.contains(A_TOKEN), "{debug}");
    assert!(!debug.contains(A_KEY), "{debug}");
    assert!(debug.contains(A_APPID));
}
