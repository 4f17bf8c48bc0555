//! The fuzz targets' entry points under proptest on the stable toolchain: nothing that parses
//! outside input panics, whatever the bytes.

use proptest::prelude::*;
use wxoa_types::envelope::{PushEnvelope, ReplyEnvelope};
use wxoa_types::inbound::Inbound;
use wxoa_types::reply::Reply;

/// Bytes that look like a push often enough to reach the typed layer.
fn pushlike() -> impl Strategy<Value = Vec<u8>> {
    let field = prop_oneof![
        Just("ToUserName"),
        Just("FromUserName"),
        Just("CreateTime"),
        Just("MsgType"),
        Just("Content"),
        Just("MsgId"),
        Just("MsgID"),
        Just("Event"),
        Just("EventKey"),
        Just("Location_X"),
        Just("Location_Y"),
        Just("ScanCodeInfo"),
        Just("SendPicsInfo"),
        Just("PicList"),
        Just("item"),
        Just("Count"),
        Just("PublishEventInfo"),
        Just("List"),
        Just("Status"),
        Just("Encrypt"),
        Just("CardId"),
    ];
    let value = prop_oneof![
        Just("text".to_owned()),
        Just("event".to_owned()),
        Just("subscribe".to_owned()),
        Just("CLICK".to_owned()),
        Just("MASSSENDJOBFINISH".to_owned()),
        Just("1700000000".to_owned()),
        Just("-1".to_owned()),
        Just("18446744073709551616".to_owned()),
        ".{0,12}",
    ];
    proptest::collection::vec((field, value, any::<bool>()), 0..12).prop_map(|fields| {
        let mut xml = String::from("<xml>");
        for (name, value, cdata) in fields {
            if cdata {
                xml.push_str(&format!("<{name}><![CDATA[{value}]]></{name}>"));
            } else {
                xml.push_str(&format!("<{name}>{value}</{name}>"));
            }
        }
        xml.push_str("</xml>");
        xml.into_bytes()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn inbound_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        if let Ok(push) = Inbound::from_xml(&bytes) {
            serde_json::to_string(&push).unwrap();
        }
    }

    #[test]
    fn inbound_never_panics_on_pushlike_documents(bytes in pushlike()) {
        if let Ok(push) = Inbound::from_xml(&bytes) {
            serde_json::to_string(&push).unwrap();
            let _ = push.dedupe_key();
        }
    }

    #[test]
    fn replies_and_envelopes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        let _ = Reply::from_xml(&bytes);
        let _ = PushEnvelope::scan(&bytes);
        let _ = ReplyEnvelope::from_xml(&bytes);
    }
}
