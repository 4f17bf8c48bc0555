//! Reply rendering round trip: replies built from arbitrary strings render to XML that reads
//! back to the same reply (minus the characters XML cannot carry), and arbitrary bytes never
//! break the reply reader.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxoa_types::reply::{Article, Music, Reply, ReplyBody};
use wxoa_types::xml::sanitize;

fuzz_target!(|data: &[u8]| {
    let _ = Reply::from_xml(data);

    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\u{1f}').map(str::to_owned);
    let mut next = || parts.next().unwrap_or_default();
    let (to, from, a, b, c) = (next(), next(), next(), next(), next());
    let bodies = [
        ReplyBody::Text { content: a.clone() },
        ReplyBody::Music(
            Music::new(format!("T{b}"))
                .title(a.clone())
                .music_url(c.clone()),
        ),
        ReplyBody::News {
            articles: vec![Article::new(a.clone(), b.clone()).description(c.clone())],
        },
        ReplyBody::TransferCustomerService {
            kf_account: Some(c.clone()).filter(|c| !c.is_empty()),
        },
    ];
    for body in bodies {
        let reply = Reply::from_parts(format!("o{to}"), format!("gh{from}"), 1, body);
        let Ok(xml) = reply.to_xml() else { continue };
        let back = Reply::from_xml(xml.as_bytes()).expect("a rendered reply reads back");
        assert_eq!(back.to_user_name, sanitize(&reply.to_user_name));
        assert_eq!(back.msg_type(), reply.msg_type());
        if let (ReplyBody::Text { content: got }, ReplyBody::Text { content: sent }) =
            (&back.body, &reply.body)
        {
            assert_eq!(got, &sanitize(sent));
        }
    }
});
