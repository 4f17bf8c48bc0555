//! Setting up the account's custom menu: build it, check it locally (every rule of the
//! platform, each violation named with its path), and create it. Add a conditional menu for one
//! tag of followers.
//!
//! `WXOA_APP_ID=wx… WXOA_APP_SECRET=… cargo run -p wxoa --example menu_setup`
//! (or point `WXOA_API_BASE` at `wxoa sandbox`).

// Examples print what they do.
#![allow(clippy::print_stdout)]

use wxoa::client::api::menu::{Button, MatchRule, Menu};
use wxoa::prelude::*;

/// The menu: two groups and a button.
pub fn menu() -> Menu {
    Menu::new(vec![
        Button::parent(
            "Shop",
            vec![
                Button::view("Catalogue", "https://example.com/catalogue"),
                Button::click("Today's offer", "OFFER_TODAY"),
            ],
        ),
        Button::parent("Help", vec![Button::click("Contact us", "CONTACT")]),
        Button::click("About", "ABOUT"),
    ])
}

/// Creates `menu()` and a conditional menu for followers with tag 2 (星标组).
pub async fn set_up(client: &Client) -> Result<(), ClientError> {
    let menu = menu();
    // The client checks the menu itself before sending; checking first shows every problem.
    for violation in menu.validate() {
        println!("menu problem: {violation}");
    }
    client.menus().create(menu).await?;
    let starred = Menu::conditional(vec![Button::click("VIP line", "VIP")], MatchRule::tag(2));
    let menuid = client.menus().add_conditional(starred).await?;
    println!("menu created; conditional menu {menuid:?} for tag 2");
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let var = |name: &str| std::env::var(name).map_err(|_| format!("set {name}"));
    let mut builder = Client::builder().account(ClientAccount::new(
        var("WXOA_APP_ID")?,
        var("WXOA_APP_SECRET")?,
    ));
    if let Ok(base) = std::env::var("WXOA_API_BASE") {
        builder = builder.api_bases([base]);
    }
    set_up(&builder.build()?).await?;
    Ok(())
}
