//! Envelope parsing: what arrives as the body of a compat- or safe-mode push, and what comes
//! back as an encrypted reply.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxoa_types::envelope::{PushEnvelope, ReplyEnvelope};
use wxoa_types::xml::sanitize;

fuzz_target!(|data: &[u8]| {
    // The one XML reader, as a tree, on any bytes.
    let _ = wxoa_types::xml::parse(data);
    if let Ok(view) = PushEnvelope::scan(data) {
        let envelope = view.into_owned();
        // What we render from what we read must read back the same, minus the characters XML
        // cannot carry (the writer drops them).
        let again = PushEnvelope::scan(envelope.to_xml().as_bytes())
            .expect("re-read push envelope")
            .into_owned();
        assert_eq!(again.encrypt, sanitize(&envelope.encrypt).trim());
    }
    if let Ok(envelope) = ReplyEnvelope::from_xml(data) {
        let _ =
            ReplyEnvelope::from_xml(envelope.to_xml().as_bytes()).expect("re-read reply envelope");
    }
});
