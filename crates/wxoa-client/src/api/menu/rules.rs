//! The rules of api-reference §15 a menu is checked against, collected as violations with
//! their JSON paths.

use std::collections::BTreeSet;

use super::{
    Button, ButtonType, KEY_MAX_BYTES, MAX_SUB_BUTTONS, MatchRule, URL_MAX_BYTES, Violation,
};
use crate::{Rule, Unit};

/// Collects violations.
#[derive(Default)]
pub(super) struct Check {
    pub(super) found: Vec<Violation>,
    pub(super) domains: BTreeSet<String>,
}

fn present(value: Option<&String>) -> Option<&str> {
    value.map(String::as_str).filter(|v| !v.is_empty())
}

impl Check {
    pub(super) fn fail(&mut self, path: impl Into<String>, rule: Rule) {
        self.found.push(Violation {
            path: path.into(),
            rule,
        });
    }

    pub(super) fn name(&mut self, path: &str, name: &str, max: usize) {
        self.bytes(&format!("{path}.name"), Some(name), max);
    }

    /// A field that must be present with 1 to `max` bytes.
    pub(super) fn bytes(&mut self, path: &str, value: Option<&str>, max: usize) {
        match value.filter(|v| !v.is_empty()) {
            None => self.fail(path, Rule::Empty),
            Some(v) if v.len() > max => self.fail(
                path,
                Rule::LongerThan {
                    max,
                    unit: Unit::Bytes,
                },
            ),
            Some(_) => {}
        }
    }

    pub(super) fn leaf(&mut self, path: &str, button: &Button) {
        let Some(kind) = &button.kind else {
            self.fail(
                format!("{path}.type"),
                Rule::ButtonKind {
                    max_sub_buttons: MAX_SUB_BUTTONS,
                },
            );
            return;
        };
        if let ButtonType::Unknown(other) = kind {
            self.fail(
                format!("{path}.type"),
                Rule::ButtonType { got: other.clone() },
            );
            return;
        }
        if kind.takes_key() {
            self.bytes(&format!("{path}.key"), button.key.as_deref(), KEY_MAX_BYTES);
        }
        match kind {
            ButtonType::View => self.url(path, button),
            ButtonType::Miniprogram => {
                for (field, value) in [("appid", &button.appid), ("pagepath", &button.pagepath)] {
                    if present(value.as_ref()).is_none() {
                        self.fail(format!("{path}.{field}"), Rule::Empty);
                    }
                }
                self.url(path, button);
            }
            ButtonType::MediaId | ButtonType::ViewLimited
                if present(button.media_id.as_ref()).is_none() =>
            {
                self.fail(format!("{path}.media_id"), Rule::Empty);
            }
            ButtonType::ArticleId | ButtonType::ArticleViewLimited
                if present(button.article_id.as_ref()).is_none() =>
            {
                self.fail(format!("{path}.article_id"), Rule::Empty);
            }
            _ => {}
        }
    }

    pub(super) fn url(&mut self, path: &str, button: &Button) {
        let path = format!("{path}.url");
        let Some(url) = present(button.url.as_ref()) else {
            self.fail(path, Rule::Empty);
            return;
        };
        if url.len() > URL_MAX_BYTES {
            self.fail(
                path,
                Rule::LongerThan {
                    max: URL_MAX_BYTES,
                    unit: Unit::Bytes,
                },
            );
            return;
        }
        let host = url::Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase));
        match host {
            None => self.fail(path, Rule::HttpUrl),
            Some(host) => {
                if !(host == "qq.com" || host.ends_with(".qq.com")) {
                    self.domains.insert(host);
                }
            }
        }
    }

    pub(super) fn matchrule(&mut self, rule: &MatchRule) {
        let set = |v: &Option<String>| present(v.as_ref()).is_some();
        let any = [
            &rule.tag_id,
            &rule.group_id,
            &rule.sex,
            &rule.client_platform_type,
            &rule.country,
            &rule.province,
            &rule.city,
            &rule.language,
        ]
        .into_iter()
        .any(set);
        if !any {
            self.fail("matchrule", Rule::NoMatchRule);
        }
        for (field, value) in [("tag_id", &rule.tag_id), ("group_id", &rule.group_id)] {
            if let Some(v) = present(value.as_ref())
                && !v.bytes().all(|b| b.is_ascii_digit())
            {
                self.fail(format!("matchrule.{field}"), Rule::TagId);
            }
        }
        if let Some(sex) = present(rule.sex.as_ref())
            && !matches!(sex, "1" | "2")
        {
            self.fail("matchrule.sex", Rule::Sex);
        }
        if let Some(platform) = present(rule.client_platform_type.as_ref())
            && !matches!(platform, "1" | "2" | "3")
        {
            self.fail("matchrule.client_platform_type", Rule::ClientPlatform);
        }
        if set(&rule.province) && !set(&rule.country) {
            self.fail(
                "matchrule.province",
                Rule::Needs {
                    field: "matchrule.country",
                },
            );
        }
        if set(&rule.city) && !set(&rule.province) {
            self.fail(
                "matchrule.city",
                Rule::Needs {
                    field: "matchrule.province",
                },
            );
        }
    }
}
