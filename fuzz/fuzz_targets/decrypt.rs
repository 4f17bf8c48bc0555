//! Decrypt and unframe: arbitrary `Encrypt` values, raw and as Base64 of arbitrary bytes (so
//! that padding and framing checks see every shape), and whole push bodies.
#![no_main]

use std::sync::OnceLock;

use base64::Engine;
use libfuzzer_sys::fuzz_target;
use wxoa_crypto::MsgCrypt;

fn crypt() -> &'static MsgCrypt {
    static CRYPT: OnceLock<MsgCrypt> = OnceLock::new();
    CRYPT.get_or_init(|| {
        MsgCrypt::new(
            "pamtest",
            "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
            "wxb11529c136998cb6",
        )
        .expect("valid key")
    })
}

fuzz_target!(|data: &[u8]| {
    let crypt = crypt();
    let text = String::from_utf8_lossy(data);
    let _ = crypt.decrypt(&text);
    let _ = crypt.open(&base64::engine::general_purpose::STANDARD.encode(data));
    let _ = crypt.decrypt_push(
        data,
        "82c962d39941aa48552f90ef55aa323dc620cc10",
        "1409304348",
        "xxxxxx",
    );
    let _ = MsgCrypt::new("t", &text, "wx");
    // Whatever is encrypted decrypts back.
    let sealed = crypt.encrypt(data).expect("encrypt");
    assert_eq!(
        crypt.decrypt(&sealed).expect("decrypt own ciphertext"),
        data
    );
});
