//! Envelope parsing: what arrives as the body of a compat- or safe-mode push, and what comes
//! back as an encrypted reply.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxoa_types::envelope::{PushEnvelope, ReplyEnvelope};
use wxoa_types::xml::sanitize;

fuzz_target!(|data: &[u8]| {
    // The one-pass reader builds the tree the general parser builds, wherever it takes a
    // document; the envelope scan reads what the tree gives.
    assert!(wxoa_types::xml::readers_agree(data), "readers disagree");
    let read = PushEnvelope::from_xml(data);
    match (PushEnvelope::scan(data), &read) {
        (Ok(view), Ok(envelope)) => {
            assert_eq!(view.encrypt, envelope.encrypt);
            assert_eq!(
                view.to_user_name.as_deref(),
                envelope.to_user_name.as_deref()
            );
        }
        (Err(a), Err(b)) => assert_eq!(&a, b),
        (a, b) => panic!("scan {a:?} but from_xml {b:?}"),
    }
    if let Ok(envelope) = read {
        // What we render from what we read must read back the same, minus the characters XML
        // cannot carry (the writer drops them).
        let again =
            PushEnvelope::from_xml(envelope.to_xml().as_bytes()).expect("re-read push envelope");
        assert_eq!(again.encrypt, sanitize(&envelope.encrypt).trim());
    }
    if let Ok(envelope) = ReplyEnvelope::from_xml(data) {
        let _ =
            ReplyEnvelope::from_xml(envelope.to_xml().as_bytes()).expect("re-read reply envelope");
    }
});
