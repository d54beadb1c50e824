//! The notifier's channels file (`--notify-config`, TOML): at what hour the daily digest goes
//! out and through which channels, for which units. Read and checked once at start; a mistake
//! stops the server with the line at fault rather than failing silently every morning.
//!
//! ```toml
//! hour = 8                      # China time; the digest of the day goes from this hour on
//!
//! [[channel]]
//! name = "城关镇工作群"
//! kind = "dingtalk"             # dingtalk | wecom | webhook | sms
//! url = "https://oapi.dingtalk.com/robot/send?access_token=…"
//! secret = "SEC…"               # DingTalk's 加签 secret, if the robot has one
//! units = ["城关镇"]            # unit names; "*" for every unit of the database
//!
//! [[channel]]
//! name = "短信"
//! kind = "sms"
//! url = "https://sms.example.cn/send"
//! body = '{"mobile":"{phone}","content":"{text}"}'   # {phone} and {text}, JSON-escaped
//! phones = ["13800138000"]
//! units = ["县委组织部"]
//! ```

use serde::Deserialize;

/// Where a channel posts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// A DingTalk group robot 钉钉群机器人 (markdown message; optional 加签 secret).
    Dingtalk,
    /// A WeCom group robot 企业微信群机器人 (markdown message).
    Wecom,
    /// Any HTTP endpoint: the digest as JSON.
    Webhook,
    /// An SMS gateway, one request per phone number, its body from a template.
    Sms,
}

/// One configured channel.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Channel {
    /// Its name, as 通知记录 shows it (unique).
    pub name: String,
    /// Its kind.
    pub kind: ChannelKind,
    /// The URL posted to.
    pub url: String,
    /// DingTalk's signing secret.
    #[serde(default)]
    pub secret: Option<String>,
    /// The units whose digests it carries, by name; `*` for all.
    pub units: Vec<String>,
    /// SMS: the request body, with `{phone}` and `{text}`.
    #[serde(default)]
    pub body: Option<String>,
    /// SMS: the body's content type (JSON by default).
    #[serde(default)]
    pub content_type: Option<String>,
    /// SMS: the numbers to text.
    #[serde(default)]
    pub phones: Vec<String>,
}

impl Channel {
    /// Whether it carries the digest of the unit named `unit`.
    pub fn carries(&self, unit: &str) -> bool {
        self.units.iter().any(|u| u == "*" || u == unit)
    }
}

/// The whole file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyConfig {
    /// The hour (China time, 0–23) from which the day's digest is sent.
    #[serde(default = "default_hour")]
    pub hour: u32,
    /// Seconds before the first retry of a failed send; each next wait doubles (at most an
    /// hour), and a send is given up after [`NotifyConfig::attempts`].
    #[serde(default = "default_retry_secs")]
    pub retry_secs: u64,
    /// Attempts before a send is marked failed.
    #[serde(default = "default_attempts")]
    pub attempts: u32,
    /// How often the notifier looks (seconds).
    #[serde(default = "default_every_secs")]
    pub every_secs: u64,
    /// The channels.
    #[serde(default, rename = "channel")]
    pub channels: Vec<Channel>,
}

fn default_hour() -> u32 {
    minqing_shared::reminders::MORNING_HOUR
}
fn default_retry_secs() -> u64 {
    60
}
fn default_attempts() -> u32 {
    8
}
fn default_every_secs() -> u64 {
    60
}

impl NotifyConfig {
    /// Parses and checks a channels file's text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let config: NotifyConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        if config.hour > 23 {
            return Err(format!("hour = {}: an hour of the day, 0 to 23", config.hour));
        }
        if config.attempts == 0 {
            return Err("attempts = 0: at least one attempt".into());
        }
        let mut names = std::collections::BTreeSet::new();
        for c in &config.channels {
            if !names.insert(c.name.as_str()) {
                return Err(format!("channel {:?} is named twice", c.name));
            }
            let url = reqwest::Url::parse(&c.url)
                .map_err(|e| format!("channel {:?}: url {:?}: {e}", c.name, c.url))?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(format!("channel {:?}: url must be http or https", c.name));
            }
            if c.units.is_empty() {
                return Err(format!("channel {:?}: units = [] carries nothing", c.name));
            }
            if c.kind == ChannelKind::Sms {
                let body = c.body.as_deref().unwrap_or_default();
                if !body.contains("{text}") || !body.contains("{phone}") {
                    return Err(format!(
                        "channel {:?}: an sms body must hold {{phone}} and {{text}}",
                        c.name
                    ));
                }
                if c.phones.is_empty() {
                    return Err(format!("channel {:?}: an sms channel needs phones", c.name));
                }
            }
        }
        Ok(config)
    }

    /// Reads and checks the file at `path`.
    pub fn load(path: &std::path::Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_channels_file_is_read_with_its_defaults() {
        let config = NotifyConfig::parse(
            r#"
            [[channel]]
            name = "城关镇工作群"
            kind = "dingtalk"
            url = "https://oapi.dingtalk.com/robot/send?access_token=x"
            units = ["城关镇"]
            "#,
        )
        .unwrap();
        assert_eq!((config.hour, config.retry_secs, config.attempts), (8, 60, 8));
        assert!(config.channels[0].carries("城关镇") && !config.channels[0].carries("河西乡"));
    }

    #[test]
    fn mistakes_are_named() {
        let cases = [
            ("hour = 24", "hour = 24"),
            ("[[channel]]\nname='a'\nkind='fax'\nurl='http://x'\nunits=['*']", "unknown variant"),
            ("[[channel]]\nname='a'\nkind='wecom'\nurl='ftp://x'\nunits=['*']", "http or https"),
            (
                "[[channel]]\nname='a'\nkind='sms'\nurl='http://x'\nunits=['*']\nphones=['1']\nbody='{text}'",
                "{phone}",
            ),
            ("[[channel]]\nname='a'\nkind='webhook'\nurl='http://x'\nunits=[]", "carries nothing"),
            (
                "[[channel]]\nname='a'\nkind='webhook'\nurl='http://x'\nunits=['*']\ncolour='red'",
                "unknown field",
            ),
        ];
        for (text, want) in cases {
            let err = NotifyConfig::parse(text).unwrap_err();
            assert!(err.contains(want), "{text}: {err}");
        }
    }
}
