//! The account's templates (`/wxaapi/newtmpl/addtemplate`, `gettemplate`, `deltemplate`): a
//! title of the library with 2 to 5 of its keywords becomes a private template
//! (`priTmplId`), listed with its content and removed by id.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use wxoa_types::ids::TemplateId;

use super::{Subscriptions, TemplateType};
use crate::api::support::{Ack, awaitable, invalid, number_as_text, parameterless_get, require};
use crate::{ApiRequest, Client, Result, Rule, Unit};

/// Fewest and most keywords of a template (`kidList`).
pub const KEYWORDS_MIN: usize = 2;
/// Most keywords of a template.
pub const KEYWORDS_MAX: usize = 5;
/// Longest `sceneDesc`, in characters.
pub const SCENE_DESC_MAX: usize = 15;

/// A template of the account (`gettemplate`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Template {
    /// The template's id, what a send takes.
    #[serde(rename = "priTmplId")]
    pub pri_tmpl_id: TemplateId,
    /// The title.
    #[serde(default)]
    pub title: String,
    /// The content: one line per keyword, `会议时间:{{date2.DATA}}`.
    #[serde(default)]
    pub content: String,
    /// An example of the content filled in.
    #[serde(default)]
    pub example: String,
    /// One-time or long-term.
    #[serde(rename = "type", default)]
    pub kind: TemplateType,
    /// The values allowed for `enum` keywords.
    #[serde(rename = "keywordEnumValueList", default)]
    pub keyword_enum_values: Vec<KeywordEnumValues>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Template {
    /// The names of the fields a send fills, in the content's order (`date2`, `thing3`, …).
    ///
    /// ```
    /// let template: wxoa_client::api::subscribe::Template = serde_json::from_str(
    ///     r#"{"priTmplId":"T","content":"会议时间:{{date2.DATA}}\n会议地点:{{thing1.DATA}}"}"#,
    /// )?;
    /// assert_eq!(template.fields(), ["date2", "thing1"]);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn fields(&self) -> Vec<&str> {
        self.content
            .split("{{")
            .skip(1)
            .filter_map(|rest| rest.split_once(".DATA}}"))
            .map(|(name, _)| name.trim())
            .collect()
    }
}

/// The values an `enum` keyword of a template may take.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct KeywordEnumValues {
    /// The field, e.g. `enum1`.
    #[serde(rename = "keywordCode", default)]
    pub keyword_code: String,
    /// Its values.
    #[serde(rename = "enumValueList", default)]
    pub values: Vec<String>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Subscriptions {
    /// `POST /wxaapi/newtmpl/addtemplate`: makes a template of title `tid` with 2 to 5 of its
    /// keywords, in the order they are shown; the answer is its `priTmplId`. Each call adds a
    /// template, so it is never repeated once it may have reached the platform.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let id = client
    ///     .subscriptions()
    ///     .add(99, [3, 5, 4])
    ///     .scene_desc("会员续费")
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn add(&self, tid: u32, kids: impl IntoIterator<Item = u32>) -> AddTemplate {
        AddTemplate {
            client: self.client.clone(),
            tid,
            kids: kids.into_iter().collect(),
            scene_desc: None,
        }
    }

    /// `GET /wxaapi/newtmpl/gettemplate`: the account's templates.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// for template in client.subscriptions().list().await? {
    ///     println!("{} {:?}", template.title, template.fields());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn list(&self) -> ListTemplates {
        ListTemplates {
            client: self.client.clone(),
        }
    }

    /// `POST /wxaapi/newtmpl/deltemplate`: removes a template from the account.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.subscriptions().delete("PRI_TMPL_ID").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn delete(&self, template_id: impl Into<TemplateId>) -> DeleteTemplate {
        DeleteTemplate {
            client: self.client.clone(),
            template_id: template_id.into(),
        }
    }
}

/// `POST /wxaapi/newtmpl/addtemplate`, from [`Subscriptions::add`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct AddTemplate {
    #[serde(skip)]
    client: Client,
    /// A string on the wire, as the platform's example writes it.
    #[serde(serialize_with = "number_as_text")]
    tid: u32,
    #[serde(rename = "kidList")]
    kids: Vec<u32>,
    #[serde(rename = "sceneDesc", skip_serializing_if = "Option::is_none")]
    scene_desc: Option<String>,
}

impl AddTemplate {
    /// What the template is used for (`sceneDesc`, at most 15 characters).
    pub fn scene_desc(mut self, scene: impl Into<String>) -> Self {
        self.scene_desc = Some(scene.into());
        self
    }

    fn request(&self) -> Result<ApiRequest> {
        if self.tid == 0 {
            return Err(invalid("tid", Rule::TitleId));
        }
        if !(KEYWORDS_MIN..=KEYWORDS_MAX).contains(&self.kids.len()) {
            return Err(invalid(
                "kidList",
                Rule::KeywordCount {
                    min: KEYWORDS_MIN,
                    max: KEYWORDS_MAX,
                    got: self.kids.len(),
                },
            ));
        }
        for (i, kid) in self.kids.iter().enumerate() {
            if *kid == 0 {
                return Err(invalid(format!("kidList[{i}]"), Rule::KeywordId));
            }
            if self
                .kids
                .get(..i)
                .is_some_and(|before| before.contains(kid))
            {
                return Err(invalid(
                    format!("kidList[{i}]"),
                    Rule::NamedTwice { id: *kid },
                ));
            }
        }
        if let Some(scene) = &self.scene_desc {
            require("sceneDesc", scene)?;
            if scene.chars().count() > SCENE_DESC_MAX {
                return Err(invalid(
                    "sceneDesc",
                    Rule::LongerThan {
                        max: SCENE_DESC_MAX,
                        unit: Unit::Characters,
                    },
                ));
            }
        }
        ApiRequest::post("/wxaapi/newtmpl/addtemplate").json(self)
    }
}

#[derive(Deserialize)]
struct AddAnswer {
    #[serde(rename = "priTmplId")]
    pri_tmpl_id: TemplateId,
}

awaitable!(AddTemplate => AddAnswer => TemplateId, |a: AddAnswer| a.pri_tmpl_id);

#[derive(Deserialize)]
struct ListAnswer {
    #[serde(default)]
    data: Vec<Template>,
}

parameterless_get!(
    /// `GET /wxaapi/newtmpl/gettemplate`, from [`Subscriptions::list`].
    ListTemplates, "/wxaapi/newtmpl/gettemplate" => ListAnswer => Vec<Template>, |a: ListAnswer| a.data
);

/// `POST /wxaapi/newtmpl/deltemplate`, from [`Subscriptions::delete`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct DeleteTemplate {
    #[serde(skip)]
    client: Client,
    #[serde(rename = "priTmplId")]
    template_id: TemplateId,
}

impl DeleteTemplate {
    fn request(&self) -> Result<ApiRequest> {
        require("priTmplId", self.template_id.as_str())?;
        ApiRequest::post("/wxaapi/newtmpl/deltemplate").json(self)
    }
}

awaitable!(DeleteTemplate => Ack);
