//! Sending a template message (模板消息): fields, a link or a mini-program page, and a
//! `client_msg_id` so that a retried send is recognised by the platform instead of going out
//! twice. Its outcome arrives later as a `TEMPLATESENDJOBFINISH` push.
//!
//! `WXOA_APP_ID=wx… WXOA_APP_SECRET=… cargo run -p wxoa --example template_message -- OPENID TEMPLATE_ID`

// Examples print what they do.
#![allow(clippy::print_stdout)]

use wxoa::prelude::*;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let var = |name: &str| std::env::var(name).map_err(|_| format!("set {name}"));
    let mut args = std::env::args().skip(1);
    let (openid, template_id) = (
        args.next().ok_or("OPENID")?,
        args.next().ok_or("TEMPLATE_ID")?,
    );
    let client = Client::builder()
        .account(ClientAccount::new(
            var("WXOA_APP_ID")?,
            var("WXOA_APP_SECRET")?,
        ))
        .build()?;
    let msgid = client
        .templates()
        .send(openid, template_id)
        .url("https://example.com/orders/1001")
        .client_msg_id("order-1001-shipped")
        .field("thing1", "订单已发货")
        .field("character_string2", "1001")
        .await?;
    println!("sent: msgid {msgid:?}; watch for TEMPLATESENDJOBFINISH with that MsgID");
    Ok(())
}
