//! A member card's activation form (`card/membercard/activateuserform/set`): the fields a
//! follower fills in to become a member, in a required and an optional part; and what one
//! follower filled in, read with the `activate_ticket` their activation page receives
//! (`card/membercard/activatetempinfo/get`). The filled-in values' types are shared with
//! `card/membercard/userinfo/get`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use wxoa_types::ids::CardId;

use super::{Cards, http_url};
use crate::api::support::{awaitable, decode_input, invalid, or_default, require, string_enum};
use crate::{ApiRequest, Client, Result, Rule};

string_enum! {
    /// A field of the platform's own the activation form can ask for.
    pub enum CommonField {
        /// The mobile number.
        Mobile = "USER_FORM_INFO_FLAG_MOBILE",
        /// Sex.
        Sex = "USER_FORM_INFO_FLAG_SEX",
        /// The name.
        Name = "USER_FORM_INFO_FLAG_NAME",
        /// The birthday.
        Birthday = "USER_FORM_INFO_FLAG_BIRTHDAY",
        /// The identity card number.
        IdCard = "USER_FORM_INFO_FLAG_IDCARD",
        /// The e-mail address.
        Email = "USER_FORM_INFO_FLAG_EMAIL",
        /// The address.
        Location = "USER_FORM_INFO_FLAG_LOCATION",
        /// The education (the platform's name is cut short).
        EducationBackground = "USER_FORM_INFO_FLAG_EDUCATION_BACKGRO",
        /// The industry.
        Industry = "USER_FORM_INFO_FLAG_INDUSTRY",
        /// The income.
        Income = "USER_FORM_INFO_FLAG_INCOME",
        /// Hobbies.
        Habit = "USER_FORM_INFO_FLAG_HABIT",
    }
}

/// The common fields, as the platform writes them.
const COMMON_FIELDS: [&str; 11] = [
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

string_enum! {
    /// How a choice field of the form is shown.
    pub enum RichFieldType {
        /// One choice, as radio buttons.
        Radio = "FORM_FIELD_RADIO",
        /// One choice, from a list.
        Select = "FORM_FIELD_SELECT",
        /// Several choices, as check boxes.
        CheckBox = "FORM_FIELD_CHECK_BOX",
    }
}

/// The choice field types, as the platform writes them.
const RICH_FIELD_TYPES: [&str; 3] = [
    "FORM_FIELD_RADIO",
    "FORM_FIELD_SELECT",
    "FORM_FIELD_CHECK_BOX",
];

/// A choice field of the form: its type, its name and the values to choose from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RichField {
    /// How it is shown.
    #[serde(rename = "type")]
    pub kind: RichFieldType,
    /// Its name.
    #[serde(default, deserialize_with = "or_default")]
    pub name: String,
    /// The values to choose from.
    #[serde(default, deserialize_with = "or_default")]
    pub values: Vec<String>,
}

impl RichField {
    /// A choice field.
    pub fn new<I, S>(kind: RichFieldType, name: impl Into<String>, values: I) -> RichField
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        RichField {
            kind,
            name: name.into(),
            values: values.into_iter().map(Into::into).collect(),
        }
    }
}

/// One part of the form (required or optional): the platform's fields, free-text fields by
/// name, and choice fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FormPart {
    /// Whether the follower may change the values later.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::api::support::opt_flag"
    )]
    pub can_modify: Option<bool>,
    /// The platform's fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub common_field_id_list: Vec<CommonField>,
    /// Free-text fields, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom_field_list: Vec<String>,
    /// Choice fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rich_field_list: Vec<RichField>,
}

impl FormPart {
    /// An empty part.
    #[must_use]
    pub fn new() -> FormPart {
        FormPart::default()
    }

    /// Whether the follower may change the values later.
    #[must_use]
    pub fn can_modify(mut self, yes: bool) -> FormPart {
        self.can_modify = Some(yes);
        self
    }

    /// Asks for one of the platform's fields.
    #[must_use]
    pub fn common(mut self, field: CommonField) -> FormPart {
        self.common_field_id_list.push(field);
        self
    }

    /// Asks for a free-text field.
    #[must_use]
    pub fn custom(mut self, name: impl Into<String>) -> FormPart {
        self.custom_field_list.push(name.into());
        self
    }

    /// Asks for a choice.
    #[must_use]
    pub fn rich(mut self, field: RichField) -> FormPart {
        self.rich_field_list.push(field);
        self
    }

    fn validate(&self, part: &str) -> Result<()> {
        for (i, field) in self.common_field_id_list.iter().enumerate() {
            if let CommonField::Unknown(got) = field {
                return Err(invalid(
                    format!("{part}.common_field_id_list[{i}]"),
                    Rule::OneOf {
                        choices: &COMMON_FIELDS,
                        got: got.clone(),
                    },
                ));
            }
        }
        if let Some(i) = self.custom_field_list.iter().position(String::is_empty) {
            return Err(invalid(
                format!("{part}.custom_field_list[{i}]"),
                Rule::Empty,
            ));
        }
        for (i, field) in self.rich_field_list.iter().enumerate() {
            let at = format!("{part}.rich_field_list[{i}]");
            if let RichFieldType::Unknown(got) = &field.kind {
                return Err(invalid(
                    format!("{at}.type"),
                    Rule::OneOf {
                        choices: &RICH_FIELD_TYPES,
                        got: got.clone(),
                    },
                ));
            }
            require(&format!("{at}.name"), &field.name)?;
            if field.values.is_empty() {
                return Err(invalid(format!("{at}.values"), Rule::NoValues));
            }
            if let Some(v) = field.values.iter().position(String::is_empty) {
                return Err(invalid(format!("{at}.values[{v}]"), Rule::Empty));
            }
        }
        Ok(())
    }
}

/// A link shown on the form (`service_statement`, `bind_old_card`): a name and a URL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FormLink {
    /// What the link says.
    #[serde(default, deserialize_with = "or_default")]
    pub name: String,
    /// Where it goes.
    #[serde(default, deserialize_with = "or_default")]
    pub url: String,
}

impl FormLink {
    /// A link.
    pub fn new(name: impl Into<String>, url: impl Into<String>) -> FormLink {
        FormLink {
            name: name.into(),
            url: url.into(),
        }
    }

    fn validate(&self, field: &str) -> Result<()> {
        require(&format!("{field}.name"), &self.name)?;
        http_url(&format!("{field}.url"), &self.url)
    }
}

/// A member card's activation form: the body of `activateuserform/set` without its
/// `card_id`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ActivationForm {
    /// The terms the follower agrees to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_statement: Option<FormLink>,
    /// Where a follower with an old card binds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind_old_card: Option<FormLink>,
    /// The fields the follower must fill in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_form: Option<FormPart>,
    /// The fields the follower may fill in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optional_form: Option<FormPart>,
}

impl ActivationForm {
    /// A form of a required part and an optional one (either may be empty, not both).
    #[must_use]
    pub fn new(required: Option<FormPart>, optional: Option<FormPart>) -> ActivationForm {
        ActivationForm {
            required_form: required,
            optional_form: optional,
            ..ActivationForm::default()
        }
    }

    /// The terms the follower agrees to.
    #[must_use]
    pub fn service_statement(mut self, link: FormLink) -> ActivationForm {
        self.service_statement = Some(link);
        self
    }

    /// Where a follower with an old card binds it.
    #[must_use]
    pub fn bind_old_card(mut self, link: FormLink) -> ActivationForm {
        self.bind_old_card = Some(link);
        self
    }

    /// The form in the platform's JSON shape (the body of `activateuserform/set`; a
    /// `card_id` in it is left out). A member of the wrong type fails naming its path.
    ///
    /// ```
    /// use wxoa_client::api::card::ActivationForm;
    ///
    /// let json = serde_json::json!({"required_form": {
    ///     "common_field_id_list": ["USER_FORM_INFO_FLAG_MOBILE"]}});
    /// let form = ActivationForm::from_json(&json)?;
    /// assert!(form.required_form.is_some());
    /// # Ok::<(), wxoa_client::Error>(())
    /// ```
    pub fn from_json(value: &Value) -> Result<ActivationForm> {
        let mut body = value.clone();
        if let Some(map) = body.as_object_mut() {
            map.remove("card_id");
        }
        decode_input(&body, "form")
    }

    fn validate(&self) -> Result<()> {
        if let Some(link) = &self.service_statement {
            link.validate("service_statement")?;
        }
        if let Some(link) = &self.bind_old_card {
            link.validate("bind_old_card")?;
        }
        let (required, optional) = match (&self.required_form, &self.optional_form) {
            (None, None) => return Err(invalid("required_form", Rule::NoForm)),
            (required, optional) => (required, optional),
        };
        if let Some(part) = required {
            part.validate("required_form")?;
        }
        if let Some(part) = optional {
            part.validate("optional_form")?;
        }
        if let (Some(required), Some(optional)) = (required, optional) {
            let both = optional
                .common_field_id_list
                .iter()
                .map(CommonField::as_str)
                .chain(optional.custom_field_list.iter().map(String::as_str))
                .chain(optional.rich_field_list.iter().map(|f| f.name.as_str()))
                .find(|name| {
                    required
                        .common_field_id_list
                        .iter()
                        .map(CommonField::as_str)
                        .chain(required.custom_field_list.iter().map(String::as_str))
                        .chain(required.rich_field_list.iter().map(|f| f.name.as_str()))
                        .any(|r| r == *name)
                });
            if let Some(name) = both {
                return Err(invalid(
                    "optional_form",
                    Rule::RequiredAndOptional {
                        field: name.to_owned(),
                    },
                ));
            }
        }
        Ok(())
    }
}

/// `POST /card/membercard/activateuserform/set`, from [`Cards::set_activation_form`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct SetActivationForm {
    #[serde(skip)]
    client: Client,
    card_id: CardId,
    #[serde(flatten)]
    form: ActivationForm,
}

impl SetActivationForm {
    fn request(&self) -> Result<ApiRequest> {
        require("card_id", self.card_id.as_str())?;
        self.form.validate()?;
        ApiRequest::post("/card/membercard/activateuserform/set").json(self)
    }
}

awaitable!(SetActivationForm => crate::api::support::Ack);

/// A value of one of the platform's fields a follower filled in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FieldValue {
    /// The field (`USER_FORM_INFO_FLAG_MOBILE`, …).
    #[serde(default, deserialize_with = "or_default")]
    pub name: String,
    /// What the follower wrote.
    #[serde(default, deserialize_with = "crate::api::support::text")]
    pub value: String,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A value of a free-text or choice field a follower filled in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CustomFieldValue {
    /// The field's name.
    #[serde(default, deserialize_with = "or_default")]
    pub name: String,
    /// The text, or the one choice.
    #[serde(default, deserialize_with = "crate::api::support::text")]
    pub value: String,
    /// The choices of a check-box field.
    #[serde(default, deserialize_with = "or_default")]
    pub value_list: Vec<String>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// What a follower filled in on the activation form.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FilledForm {
    /// The platform's fields.
    #[serde(default, deserialize_with = "or_default")]
    pub common_field_list: Vec<FieldValue>,
    /// The free-text and choice fields.
    #[serde(default, deserialize_with = "or_default")]
    pub custom_field_list: Vec<CustomFieldValue>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `POST /card/membercard/activatetempinfo/get`, from [`Cards::activation_info`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct ActivationInfo {
    #[serde(skip)]
    client: Client,
    activate_ticket: String,
}

impl ActivationInfo {
    fn request(&self) -> Result<ApiRequest> {
        require("activate_ticket", &self.activate_ticket)?;
        Ok(ApiRequest::post("/card/membercard/activatetempinfo/get")
            .json(self)?
            .idempotent(true))
    }
}

#[derive(Deserialize)]
struct InfoAnswer {
    #[serde(default)]
    info: FilledForm,
}

awaitable!(ActivationInfo => InfoAnswer => FilledForm, |a: InfoAnswer| a.info);

impl Cards {
    /// `POST /card/membercard/activateuserform/set`: the form followers fill in to activate
    /// the member card (replaces the card's form). A send: never replayed.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// use wxoa_client::api::card::{ActivationForm, CommonField, FormPart};
    /// let required = FormPart::new().common(CommonField::Mobile).custom("Favourite drink");
    /// let form = ActivationForm::new(Some(required), None);
    /// client.cards().set_activation_form("CARD_ID", form).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_activation_form(
        &self,
        card_id: impl Into<CardId>,
        form: ActivationForm,
    ) -> SetActivationForm {
        SetActivationForm {
            client: self.client.clone(),
            card_id: card_id.into(),
            form,
        }
    }

    /// `POST /card/membercard/activatetempinfo/get`: what a follower filled in on the
    /// activation form, by the `activate_ticket` their activation page received. A read.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let filled = client.cards().activation_info("ACTIVATE_TICKET").await?;
    /// for field in filled.common_field_list {
    ///     println!("{} = {}", field.name, field.value);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn activation_info(&self, activate_ticket: impl Into<String>) -> ActivationInfo {
        ActivationInfo {
            client: self.client.clone(),
            activate_ticket: activate_ticket.into(),
        }
    }
}
