//! Reading an `application/x-www-form-urlencoded` body (repeated keys kept, for check boxes)
//! and the field errors a form is re-rendered with.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use maud::{Markup, html};

/// A submitted form: every `(name, value)` pair, in order.
#[derive(Clone, Debug, Default)]
pub struct FormData(Vec<(String, String)>);

impl FormData {
    /// Parses a urlencoded body.
    pub fn parse(body: &[u8]) -> Self {
        Self(form_urlencoded::parse(body).into_owned().collect())
    }

    /// A form filled with `pairs` (a page showing a record's current values).
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }

    /// The first value of `name`, trimmed ("" if absent).
    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.trim())
    }

    /// Every value of `name`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.trim()).collect()
    }
}

/// Errors per field, plus one for the whole form (e.g. a refusal from the sync rules).
#[derive(Clone, Debug, Default)]
pub struct FieldErrors {
    fields: BTreeMap<&'static str, String>,
    /// An error about the whole form.
    pub form: Option<String>,
}

impl FieldErrors {
    /// Records an error on `field`.
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.fields.entry(field).or_insert_with(|| message.into());
    }

    /// Whether nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.form.is_none()
    }

    /// The error on `field`, if any.
    pub fn on(&self, field: &str) -> Option<&str> {
        self.fields.get(field).map(String::as_str)
    }

    /// The error under a field, if any.
    pub fn show(&self, field: &str) -> Markup {
        html! { @if let Some(e) = self.on(field) { span.field-error { (e) } } }
    }

    /// The status a page re-rendered with these errors answers: 200, or 422 if any.
    pub fn status(&self) -> axum::http::StatusCode {
        if self.is_empty() {
            axum::http::StatusCode::OK
        } else {
            axum::http::StatusCode::UNPROCESSABLE_ENTITY
        }
    }

    /// The whole-form error box, if any.
    pub fn banner(&self) -> Markup {
        html! {
            @if !self.is_empty() {
                div.alert.error role="alert" {
                    @if let Some(e) = &self.form { (e) } @else { "请更正标红的栏目后重新提交。" }
                }
            }
        }
    }

    /// A required text of at most `max` characters.
    pub fn text(&mut self, field: &'static str, value: &str, max: usize, required: bool) {
        if required && value.is_empty() {
            self.add(field, "必填");
        } else if value.chars().count() > max {
            self.add(field, format!("不能超过{max}个字"));
        } else if value.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
            self.add(field, "含有不可见字符");
        }
    }

    /// A date `YYYY-MM-DD`.
    pub fn date(&mut self, field: &'static str, value: &str) -> Option<NaiveDate> {
        if value.is_empty() {
            self.add(field, "必填");
            return None;
        }
        let parsed = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok();
        if parsed.is_none() {
            self.add(field, "日期格式应为 2026-12-05");
        }
        parsed
    }
}

/// A phone number as the sync rules accept it: digits, spaces and `+ - ( )`, at most 30.
pub fn phone_ok(value: &str) -> bool {
    value.chars().count() <= 30 && value.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_keys_are_kept_and_values_trimmed() {
        let f = FormData::parse("kind=a&kind=b&name=+%E7%8E%8B+".as_bytes());
        assert_eq!(f.all("kind"), vec!["a", "b"]);
        assert_eq!(f.get("name"), "王");
        assert_eq!(f.get("missing"), "");
    }

    #[test]
    fn field_checks_name_what_is_wrong() {
        let mut e = FieldErrors::default();
        e.text("a", "", 10, true);
        e.text("b", "12345678901", 10, false);
        assert!(e.date("c", "2026-13-01").is_none());
        assert_eq!(e.date("d", "2026-12-05"), NaiveDate::from_ymd_opt(2026, 12, 5));
        assert_eq!(e.on("a"), Some("必填"));
        assert!(e.on("b").unwrap().contains("10"));
        assert!(e.on("c").is_some());
        assert!(e.on("d").is_none());
        assert!(phone_ok("0311-8888 888") && !phone_ok("电话"));
    }
}
