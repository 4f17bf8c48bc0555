//! Inbound parsing: any bytes as the plaintext of a push. A push that parses must serialise.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxoa_types::inbound::Inbound;

fuzz_target!(|data: &[u8]| {
    if let Ok(push) = Inbound::from_xml(data) {
        serde_json::to_string(&push).expect("a parsed push serialises");
        let _ = push.dedupe_key();
        let _ = push.accepts_reply();
    }
});
