//! Member cards (`MEMBER_CARD`): the activation form a card asks followers to fill in, what a
//! follower filled in (by `activate_ticket`), activating a holder as a member (membership
//! number, starting points and balance, and what they filled in becomes their user info),
//! changing points and balance (a total, or a change applied atomically), and a member's data.
//! Every member API needs an existing card of type `MEMBER_CARD`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{CardCode, CardStatus, event_fields, refused, texts};
use crate::error::ApiError;
use crate::platform::lenient_i64;
use crate::platform::tokens::random_text;
use crate::push::Outgoing;
use crate::state::Account;

/// The fields of the platform's own an activation form can ask for.
const COMMON_FIELDS: &[&str] = &[
    "USER_FORM_INFO_FLAG_MOBILE",
    "USER_FORM_INFO_FLAG_SEX",
    "USER_FORM_INFO_FLAG_NAME",
    "USER_FORM_INFO_FLAG_BIRTHDAY",
    "USER_FORM_INFO_FLAG_IDCARD",
    "USER_FORM_INFO_FLAG_EMAIL",
    "USER_FORM_INFO_FLAG_LOCATION",
    "USER_FORM_INFO_FLAG_EDUCATION_BACKGRO",
    "USER_FORM_INFO_FLAG_INDUSTRY",
    "USER_FORM_INFO_FLAG_INCOME",
    "USER_FORM_INFO_FLAG_HABIT",
];
/// The types of a choice field.
const RICH_TYPES: &[&str] = &[
    "FORM_FIELD_RADIO",
    "FORM_FIELD_SELECT",
    "FORM_FIELD_CHECK_BOX",
];
/// Longest custom value of a member, in bytes (4 Chinese characters).
const CUSTOM_VALUE_MAX_BYTES: usize = 12;
/// Longest record of a bonus or balance change, in bytes (14 Chinese characters).
const RECORD_MAX_BYTES: usize = 42;

/// A holder's membership of a member card.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Member {
    pub(crate) activated: bool,
    pub(crate) membership_number: String,
    pub(crate) bonus: i64,
    pub(crate) balance: i64,
    /// `custom_field_value1` … `3`.
    pub(crate) custom_values: [Option<String>; 3],
    pub(crate) background_pic_url: Option<String>,
    pub(crate) begin: Option<i64>,
    pub(crate) end: Option<i64>,
    /// What they filled in on the activation form: `common_field_list`, `custom_field_list`.
    pub(crate) user_info: Value,
}

/// What a follower filled in on a member card's activation form.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Activation {
    pub(crate) card_id: String,
    pub(crate) code: String,
    pub(crate) openid: String,
    /// `common_field_list`, `custom_field_list`.
    pub(crate) info: Value,
    pub(crate) submitted_at: i64,
}

/// Why a follower's form cannot be taken (the control API's refusals).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum FormRefusal {
    #[error("{0:?} holds no code {1:?}")]
    NoCode(String, String),
    #[error("the card of code {0:?} is not a MEMBER_CARD")]
    NotMember(String),
    #[error("the card has no activation form (activateuserform/set)")]
    NoForm,
    #[error("the form requires {0:?}")]
    Missing(String),
    #[error("the form has no field {0:?}")]
    Unknown(String),
}

/// A change of a member's data, as `updateuser` asks it.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct MemberChange {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    card_id: Option<String>,
    #[serde(default)]
    background_pic_url: Option<String>,
    #[serde(default)]
    bonus: Option<Value>,
    #[serde(default)]
    add_bonus: Option<Value>,
    #[serde(default)]
    record_bonus: Option<String>,
    #[serde(default)]
    balance: Option<Value>,
    #[serde(default)]
    add_balance: Option<Value>,
    #[serde(default)]
    record_balance: Option<String>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

/// A member's data as `userinfo/get` answers it.
pub(crate) struct MemberView {
    pub(crate) openid: String,
    pub(crate) member: Member,
}

fn is_web_url(value: &str) -> bool {
    url::Url::parse(value).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
}

/// An optional integer of a request (47003 naming it when it is not one).
fn number(value: Option<&Value>, field: &str) -> Result<Option<i64>, ApiError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(v) => lenient_i64(v)
            .map(Some)
            .ok_or_else(|| ApiError::argument(field)),
    }
}

/// A text of at most `max` bytes (47003 naming it otherwise).
fn short(value: Option<&str>, field: &str, max: usize) -> Result<(), ApiError> {
    match value {
        Some(v) if v.len() > max => Err(ApiError::argument(field)),
        _ => Ok(()),
    }
}

/// The custom values `prefix1` … `prefix3` of a request, each at most 12 bytes.
fn custom_values(body: &Map<String, Value>, prefix: &str) -> Result<[Option<String>; 3], ApiError> {
    let value = |n: u8| -> Result<Option<String>, ApiError> {
        let field = format!("{prefix}{n}");
        let text = body.get(&field).and_then(Value::as_str);
        short(text, &field, CUSTOM_VALUE_MAX_BYTES)?;
        Ok(text.map(str::to_owned))
    };
    Ok([value(1)?, value(2)?, value(3)?])
}

/// The names of a form part's fields (common ids, custom names, choice names).
fn part_fields(part: &Value) -> Vec<String> {
    let list = |key: &str| {
        part.get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let mut names: Vec<String> = list("common_field_id_list")
        .iter()
        .chain(list("custom_field_list").iter())
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    names.extend(
        list("rich_field_list")
            .iter()
            .filter_map(|f| f.get("name").and_then(Value::as_str).map(str::to_owned)),
    );
    names
}

/// Checks one part of an activation form (47003 naming the offending entry).
fn check_part(part: &Value, name: &str) -> Result<(), ApiError> {
    if !part.is_object() {
        return Err(ApiError::argument(name));
    }
    let list = |key: &str| part.get(key).map(|v| texts(Some(v)));
    if let Some(common) = list("common_field_id_list") {
        let common =
            common.ok_or_else(|| ApiError::argument(&format!("{name}.common_field_id_list")))?;
        if let Some(i) = common
            .iter()
            .position(|c| !COMMON_FIELDS.contains(&c.as_str()))
        {
            return Err(ApiError::argument(&format!(
                "{name}.common_field_id_list[{i}]"
            )));
        }
    }
    if let Some(custom) = list("custom_field_list") {
        let custom =
            custom.ok_or_else(|| ApiError::argument(&format!("{name}.custom_field_list")))?;
        if let Some(i) = custom.iter().position(String::is_empty) {
            return Err(ApiError::argument(&format!(
                "{name}.custom_field_list[{i}]"
            )));
        }
    }
    let rich = part.get("rich_field_list").map(Value::as_array);
    for (i, field) in rich
        .unwrap_or(Some(&Vec::new()))
        .into_iter()
        .flatten()
        .enumerate()
    {
        let at = |key: &str| format!("{name}.rich_field_list[{i}].{key}");
        let kind = field
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !RICH_TYPES.contains(&kind) {
            return Err(ApiError::argument(&at("type")));
        }
        if field
            .get("name")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return Err(ApiError::argument(&at("name")));
        }
        let values = texts(field.get("values")).unwrap_or_default();
        if values.is_empty() || values.iter().any(String::is_empty) {
            return Err(ApiError::argument(&at("values")));
        }
    }
    if rich.is_some_and(|r| r.is_none()) {
        return Err(ApiError::argument(&format!("{name}.rich_field_list")));
    }
    Ok(())
}

impl Account {
    /// The member card `card_id` (47003 for an unknown card or one of another type).
    fn member_card(&self, card_id: &str) -> Result<&Value, ApiError> {
        let card = self.cards.get(Some(card_id))?;
        if card.get("card_type").and_then(Value::as_str) == Some("MEMBER_CARD") {
            Ok(card)
        } else {
            Err(refused("card_id", "not a MEMBER_CARD"))
        }
    }

    /// The code of a member card (47003 for an unknown code, a `card_id` it is not of, or a
    /// card that is not a member card).
    fn member_code(
        &mut self,
        code: Option<&str>,
        card_id: Option<&str>,
    ) -> Result<&mut CardCode, ApiError> {
        let of = self.cards.code_mut(code, card_id)?.card_id.clone();
        self.member_card(&of)?;
        self.cards.code_mut(code, card_id)
    }

    /// `activateuserform/set`: the member card's form replaced (47003 naming the field: no
    /// part, an unknown common field, an empty custom field, a choice field without a known
    /// type, a name or values, a field in both parts, a link without a name or an `http(s)`
    /// URL).
    pub(crate) fn set_activation_form(
        &mut self,
        mut body: Map<String, Value>,
    ) -> Result<(), ApiError> {
        let card_id = body
            .remove("card_id")
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        self.member_card(&card_id)?;
        for link in ["service_statement", "bind_old_card"] {
            if let Some(value) = body.get(link) {
                let text = |key: &str| value.get(key).and_then(Value::as_str).unwrap_or_default();
                if text("name").is_empty() {
                    return Err(ApiError::argument(&format!("{link}.name")));
                }
                if !is_web_url(text("url")) {
                    return Err(ApiError::argument(&format!("{link}.url")));
                }
            }
        }
        let required = body.get("required_form");
        let optional = body.get("optional_form");
        if required.is_none() && optional.is_none() {
            return Err(ApiError::argument("required_form"));
        }
        if let Some(part) = required {
            check_part(part, "required_form")?;
        }
        if let Some(part) = optional {
            check_part(part, "optional_form")?;
        }
        if let (Some(required), Some(optional)) = (required, optional) {
            let required = part_fields(required);
            if let Some(both) = part_fields(optional).iter().find(|f| required.contains(f)) {
                return Err(refused(
                    "optional_form",
                    &format!("{both} is in both required_form and optional_form"),
                ));
            }
        }
        self.cards.forms.insert(card_id, Value::Object(body));
        Ok(())
    }

    /// A follower fills in the activation form of the member card whose `code` they hold:
    /// every required field, no field the form does not ask for (a text, or a list of texts
    /// for a check box). The `activate_ticket`, the card, and the
    /// `submit_membercard_user_info` push.
    pub(crate) fn submit_activation(
        &mut self,
        from: &str,
        code: &str,
        values: &Map<String, Value>,
        now: i64,
    ) -> Result<(String, String, Outgoing), FormRefusal> {
        let no_code = || FormRefusal::NoCode(from.to_owned(), code.to_owned());
        let held = self
            .cards
            .codes
            .get(code)
            .filter(|c| c.openid == from)
            .ok_or_else(no_code)?;
        let card_id = held.card_id.clone();
        self.member_card(&card_id)
            .map_err(|_| FormRefusal::NotMember(code.to_owned()))?;
        let form = self.cards.forms.get(&card_id).ok_or(FormRefusal::NoForm)?;
        let required = form
            .get("required_form")
            .map(part_fields)
            .unwrap_or_default();
        let optional = form
            .get("optional_form")
            .map(part_fields)
            .unwrap_or_default();
        if let Some(missing) = required.iter().find(|f| {
            values
                .get(*f)
                .is_none_or(|v| v.as_str() == Some("") || v.is_null())
        }) {
            return Err(FormRefusal::Missing(missing.clone()));
        }
        let (mut common, mut custom) = (Vec::new(), Vec::new());
        for (name, value) in values {
            if !required.contains(name) && !optional.contains(name) {
                return Err(FormRefusal::Unknown(name.clone()));
            }
            let list = texts(Some(value));
            let text = value.as_str().map(str::to_owned).unwrap_or_default();
            if COMMON_FIELDS.contains(&name.as_str()) {
                common.push(json!({"name": name, "value": text}));
            } else {
                custom.push(json!({"name": name, "value": text,
                                   "value_list": list.unwrap_or_default()}));
            }
        }
        let ticket = random_text(32);
        self.cards.activations.insert(
            ticket.clone(),
            Activation {
                card_id: card_id.clone(),
                code: code.to_owned(),
                openid: from.to_owned(),
                info: json!({"common_field_list": common, "custom_field_list": custom}),
                submitted_at: now,
            },
        );
        let fields = event_fields(
            "submit_membercard_user_info",
            &[("CardId", json!(card_id)), ("UserCardCode", json!(code))],
        );
        let push = self.card_event(from, &fields, now);
        Ok((ticket, card_id, push))
    }

    /// `activatetempinfo/get`: what a follower filled in (47003 for an unknown ticket).
    pub(crate) fn activation_info(&self, ticket: Option<&str>) -> Result<&Value, ApiError> {
        self.cards
            .activations
            .get(ticket.unwrap_or_default())
            .map(|a| &a.info)
            .ok_or_else(|| ApiError::argument("activate_ticket"))
    }

    /// `membercard/activate`: the holder of a usable member-card code becomes a member, once
    /// (47003 naming the field: no membership number, a code already active or no longer
    /// usable, a custom value over 12 bytes, a record over 42 bytes, points or balance below
    /// 0, an end not after the begin, a background that is not an `http(s)` URL); what they
    /// last filled in on the form becomes their user info.
    pub(crate) fn activate_member(&mut self, body: &Map<String, Value>) -> Result<(), ApiError> {
        let text = |key: &str| body.get(key).and_then(Value::as_str);
        let number_text = body.get("membership_number").and_then(|v| match v {
            Value::Number(n) => Some(n.to_string()),
            Value::String(s) => Some(s.clone()),
            _ => None,
        });
        let membership_number = number_text
            .filter(|n| !n.is_empty())
            .ok_or_else(|| ApiError::argument("membership_number"))?;
        let code = text("code");
        let held = self.member_code(code, text("card_id"))?;
        if held.status != CardStatus::Normal {
            return Err(ApiError::argument("code"));
        }
        if held.member.as_ref().is_some_and(|m| m.activated) {
            return Err(refused("code", "already activated"));
        }
        let custom_values = custom_values(body, "init_custom_field_value")?;
        short(
            text("init_bonus_record"),
            "init_bonus_record",
            RECORD_MAX_BYTES,
        )?;
        let bonus = number(body.get("init_bonus"), "init_bonus")?.unwrap_or(0);
        let balance = number(body.get("init_balance"), "init_balance")?.unwrap_or(0);
        if bonus < 0 {
            return Err(ApiError::argument("init_bonus"));
        }
        if balance < 0 {
            return Err(ApiError::argument("init_balance"));
        }
        let background = text("background_pic_url");
        if background.is_some_and(|u| !is_web_url(u)) {
            return Err(ApiError::argument("background_pic_url"));
        }
        let begin = number(body.get("activate_begin_time"), "activate_begin_time")?;
        let end = number(body.get("activate_end_time"), "activate_end_time")?;
        if let (Some(begin), Some(end)) = (begin, end)
            && end <= begin
        {
            return Err(ApiError::argument("activate_end_time"));
        }
        let code = code.unwrap_or_default();
        let user_info = self
            .cards
            .activations
            .values()
            .filter(|a| a.code == code)
            .max_by_key(|a| a.submitted_at)
            .map_or_else(
                || json!({"common_field_list": [], "custom_field_list": []}),
                |a| a.info.clone(),
            );
        let held = self.cards.code_mut(Some(code), None)?;
        held.member = Some(Member {
            activated: true,
            membership_number,
            bonus,
            balance,
            custom_values,
            background_pic_url: background.map(str::to_owned),
            begin,
            end,
            user_info,
        });
        Ok(())
    }

    /// `membercard/updateuser`: an active member's points and balance set (a total) or moved
    /// (`add_*`), custom values and background replaced, all or nothing (47003 naming the
    /// field: a code not activated, a result below 0, a record over 42 bytes, a custom value
    /// over 12 bytes, a background that is not an `http(s)` URL). The totals, the member, and
    /// the `update_member_card` push.
    pub(crate) fn update_member(
        &mut self,
        change: MemberChange,
        now: i64,
    ) -> Result<(i64, i64, String, Outgoing), ApiError> {
        let code = change.code.clone().unwrap_or_default();
        let held = self.member_code(Some(&code), change.card_id.as_deref())?;
        let openid = held.openid.clone();
        let member = held
            .member
            .clone()
            .filter(|m| m.activated)
            .ok_or_else(|| refused("code", "not activated as a member"))?;
        short(
            change.record_bonus.as_deref(),
            "record_bonus",
            RECORD_MAX_BYTES,
        )?;
        short(
            change.record_balance.as_deref(),
            "record_balance",
            RECORD_MAX_BYTES,
        )?;
        let background = change.background_pic_url.as_deref();
        if background.is_some_and(|u| !is_web_url(u)) {
            return Err(ApiError::argument("background_pic_url"));
        }
        let custom = custom_values(&change.rest, "custom_field_value")?;
        let next = |now: i64, total: Option<&Value>, add: Option<&Value>, name: &str| {
            let add_name = format!("add_{name}");
            let total = number(total, name)?;
            let add = number(add, &add_name)?;
            let next = match (total, add) {
                (Some(total), _) => total,
                (None, Some(add)) => now.saturating_add(add),
                (None, None) => now,
            };
            if next < 0 {
                let field = if total.is_some() {
                    name
                } else {
                    add_name.as_str()
                };
                return Err(ApiError::argument(field));
            }
            Ok(next)
        };
        let bonus = next(
            member.bonus,
            change.bonus.as_ref(),
            change.add_bonus.as_ref(),
            "bonus",
        )?;
        let balance = next(
            member.balance,
            change.balance.as_ref(),
            change.add_balance.as_ref(),
            "balance",
        )?;
        let (modify_bonus, modify_balance) = (bonus - member.bonus, balance - member.balance);
        let held = self.cards.code_mut(Some(&code), None)?;
        if let Some(member) = held.member.as_mut() {
            member.bonus = bonus;
            member.balance = balance;
            for (slot, value) in member.custom_values.iter_mut().zip(custom) {
                if value.is_some() {
                    *slot = value;
                }
            }
            if let Some(url) = background {
                member.background_pic_url = Some(url.to_owned());
            }
        }
        let card_id = held.card_id.clone();
        let fields = event_fields(
            "update_member_card",
            &[
                ("CardId", json!(card_id)),
                ("UserCardCode", json!(code)),
                ("ModifyBonus", json!(modify_bonus)),
                ("ModifyBalance", json!(modify_balance)),
            ],
        );
        let push = self.card_event(&openid, &fields, now);
        Ok((bonus, balance, openid, push))
    }

    /// `membercard/userinfo/get`: the holder of a member-card code and their membership
    /// (`card_id` required: 47003 without it).
    pub(crate) fn member_view(
        &mut self,
        card_id: Option<&str>,
        code: Option<&str>,
    ) -> Result<MemberView, ApiError> {
        if card_id.is_none_or(str::is_empty) {
            return Err(ApiError::argument("card_id"));
        }
        let held = self.member_code(code, card_id)?;
        Ok(MemberView {
            openid: held.openid.clone(),
            member: held.member.clone().unwrap_or_default(),
        })
    }

    /// `membercard/activate/geturl`: the activation page of a member card, with `outer_str`.
    pub(crate) fn activation_url(
        &self,
        card_id: Option<&str>,
        outer_str: Option<&str>,
    ) -> Result<String, ApiError> {
        let card_id = card_id.unwrap_or_default();
        self.member_card(card_id)?;
        let mut url = url::Url::parse_with_params(
            "https://mp.weixin.qq.com/bizmall/activatemembercard",
            &[
                ("action", "preshow"),
                ("card_id", card_id),
                ("outer_str", outer_str.unwrap_or_default()),
            ],
        )
        .map_err(|_| ApiError::argument("card_id"))?;
        url.set_fragment(Some("wechat_redirect"));
        Ok(url.into())
    }
}
