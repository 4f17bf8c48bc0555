//! The custom menu (自定义菜单, api-reference §15): the default menu, conditional menus, which
//! menu a user sees, and the menu as configured on the web console.
//!
//! A menu is checked against every rule of §15 before anything is sent, and
//! [`Menu::validate`] reports **every** violation with its JSON path
//! (`button[1].sub_button[3].key: longer than 128 bytes`), so a menu file can be fixed in one go.
//!
//! This file holds the area's handle (`client.menus()`), its limits and its requests; a menu
//! as written lives in `definition.rs`, the rules it is checked against in `rules.rs`, and
//! what the platform answers in `answers.rs`.
//!
//! ```no_run
//! use wxoa_client::api::menu::{Button, Menu};
//!
//! # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
//! let menu = Menu::new(vec![
//!     Button::click("今日歌曲", "V1001_TODAY_MUSIC"),
//!     Button::parent("菜单", vec![Button::view("搜索", "https://www.soso.com/")]),
//! ]);
//! assert!(menu.validate().is_empty());
//! client.menus().create(menu).await?;
//! # Ok(())
//! # }
//! ```

mod answers;
mod definition;
mod rules;

pub use answers::{Listed, Menus, SelfMenu, SelfMenuArticle, SelfMenuButton, SelfMenuInfo};
pub use definition::{Button, ButtonType, MatchRule, Menu, Violation};

use serde::{Deserialize, Serialize};

use crate::api::support::{Ack, awaitable, invalid, parameterless_get, require};
use crate::{ApiRequest, Client, Result, Rule};

/// Most top-level buttons.
pub const MAX_BUTTONS: usize = 3;
/// Most sub-buttons under one button.
pub const MAX_SUB_BUTTONS: usize = 5;
/// Longest name of a top-level button, in bytes.
pub const NAME_MAX_BYTES: usize = 16;
/// Longest name of a sub-button, in bytes.
pub const SUB_NAME_MAX_BYTES: usize = 60;
/// Longest `key`, in bytes.
pub const KEY_MAX_BYTES: usize = 128;
/// Longest `url`, in bytes.
pub const URL_MAX_BYTES: usize = 1024;
/// Most external domains (outside qq.com) the links of a menu may point to.
pub const MAX_DOMAINS: usize = 3;

/// The menu API: `client.menus()`.
#[derive(Debug, Clone)]
pub struct MenuApi {
    client: Client,
}

impl Client {
    /// The custom-menu API (api-reference §15).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let menus = client.menus().get().await?;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn menus(&self) -> MenuApi {
        MenuApi {
            client: self.clone(),
        }
    }
}

impl MenuApi {
    /// `POST /cgi-bin/menu/create`: replaces the default menu. The menu is validated first
    /// (every violation in one [`Error::InvalidRequest`]); a conditional menu goes through
    /// [`add_conditional`](Self::add_conditional).
    ///
    /// ```no_run
    /// use wxoa_client::api::menu::{Button, Menu};
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.menus().create(Menu::new(vec![Button::click("Hi", "HI")])).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn create(&self, menu: Menu) -> CreateMenu {
        CreateMenu {
            client: self.client.clone(),
            menu,
        }
    }

    /// `GET /cgi-bin/menu/get`: the default menu and the conditional menus (46003 when there
    /// is no menu).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let menus = client.menus().get().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn get(&self) -> GetMenu {
        GetMenu {
            client: self.client.clone(),
        }
    }

    /// `GET /cgi-bin/menu/delete`: deletes the default menu and every conditional menu.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.menus().delete().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn delete(&self) -> DeleteMenu {
        DeleteMenu {
            client: self.client.clone(),
        }
    }

    /// `POST /cgi-bin/menu/addconditional`: adds a conditional menu (it needs a `matchrule`);
    /// the answer is its `menuid`.
    ///
    /// ```no_run
    /// use wxoa_client::api::menu::{Button, MatchRule, Menu};
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let menu = Menu::conditional(vec![Button::click("VIP", "VIP")], MatchRule::tag(134));
    /// let menuid = client.menus().add_conditional(menu).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn add_conditional(&self, menu: Menu) -> AddConditional {
        AddConditional {
            client: self.client.clone(),
            menu,
        }
    }

    /// `POST /cgi-bin/menu/delconditional`: deletes a conditional menu.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.menus().delete_conditional("208379533").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn delete_conditional(&self, menuid: impl Into<String>) -> DeleteConditional {
        DeleteConditional {
            client: self.client.clone(),
            menuid: menuid.into(),
        }
    }

    /// `POST /cgi-bin/menu/trymatch`: the buttons a user (OpenID or WeChat id) would see.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let buttons = client.menus().try_match("oUser").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_match(&self, user_id: impl Into<String>) -> TryMatch {
        TryMatch {
            client: self.client.clone(),
            user_id: user_id.into(),
        }
    }

    /// `GET /cgi-bin/get_current_selfmenu_info`: the menu in effect, set by the API or on the
    /// web console, in its own shape.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let info = client.menus().current().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn current(&self) -> CurrentMenu {
        CurrentMenu {
            client: self.client.clone(),
        }
    }
}

/// `POST /cgi-bin/menu/create`, from [`MenuApi::create`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct CreateMenu {
    client: Client,
    menu: Menu,
}

impl CreateMenu {
    fn request(&self) -> Result<ApiRequest> {
        if self.menu.matchrule.is_some() {
            return Err(invalid("matchrule", Rule::DefaultMenuRule));
        }
        self.menu.checked()?;
        ApiRequest::post("/cgi-bin/menu/create").json(&self.menu.body())
    }
}

awaitable!(CreateMenu => Ack);

parameterless_get!(
    /// `GET /cgi-bin/menu/get`, from [`MenuApi::get`].
    GetMenu, "/cgi-bin/menu/get" => Menus
);

/// `GET /cgi-bin/menu/delete`, from [`MenuApi::delete`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct DeleteMenu {
    client: Client,
}

impl DeleteMenu {
    fn request(&self) -> Result<ApiRequest> {
        // A GET that changes state: never replayed.
        Ok(ApiRequest::get("/cgi-bin/menu/delete").idempotent(false))
    }
}

awaitable!(DeleteMenu => Ack);

/// `POST /cgi-bin/menu/addconditional`, from [`MenuApi::add_conditional`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct AddConditional {
    client: Client,
    menu: Menu,
}

impl AddConditional {
    fn request(&self) -> Result<ApiRequest> {
        if self.menu.matchrule.is_none() {
            return Err(invalid("matchrule", Rule::ConditionalMenuRule));
        }
        self.menu.checked()?;
        ApiRequest::post("/cgi-bin/menu/addconditional").json(&self.menu.body())
    }
}

#[derive(Deserialize)]
struct MenuIdAnswer {
    #[serde(deserialize_with = "crate::api::support::text")]
    menuid: String,
}

awaitable!(AddConditional => MenuIdAnswer => String, |a: MenuIdAnswer| a.menuid);

/// `POST /cgi-bin/menu/delconditional`, from [`MenuApi::delete_conditional`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct DeleteConditional {
    #[serde(skip)]
    client: Client,
    menuid: String,
}

impl DeleteConditional {
    fn request(&self) -> Result<ApiRequest> {
        require("menuid", &self.menuid)?;
        ApiRequest::post("/cgi-bin/menu/delconditional").json(self)
    }
}

awaitable!(DeleteConditional => Ack);

/// `POST /cgi-bin/menu/trymatch`, from [`MenuApi::try_match`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct TryMatch {
    #[serde(skip)]
    client: Client,
    user_id: String,
}

impl TryMatch {
    fn request(&self) -> Result<ApiRequest> {
        require("user_id", &self.user_id)?;
        Ok(ApiRequest::post("/cgi-bin/menu/trymatch")
            .json(self)?
            .idempotent(true))
    }
}

#[derive(Deserialize)]
struct ButtonsAnswer {
    #[serde(default)]
    button: Vec<Button>,
}

awaitable!(TryMatch => ButtonsAnswer => Vec<Button>, |a: ButtonsAnswer| a.button);

parameterless_get!(
    /// `GET /cgi-bin/get_current_selfmenu_info`, from [`MenuApi::current`].
    CurrentMenu, "/cgi-bin/get_current_selfmenu_info" => SelfMenuInfo
);
