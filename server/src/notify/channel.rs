//! Sending a digest through one channel: the request each kind expects and how its answer says
//! whether the message went out. A robot's webhook answers 200 with `errcode` ≠ 0 when it
//! refuses (a wrong keyword, a bad signature, too many messages): that is a failure too.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::config::{Channel, ChannelKind};
use super::digest::Digest;

/// How long one request may take.
pub const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// Sends `digest` through `channel` at `now_ms`; why not, for the record.
pub async fn send(
    http: &reqwest::Client,
    channel: &Channel,
    digest: &Digest,
    now_ms: i64,
) -> Result<(), String> {
    match channel.kind {
        ChannelKind::Dingtalk => {
            let url = signed_dingtalk_url(&channel.url, channel.secret.as_deref(), now_ms)?;
            let body = serde_json::json!({
                "msgtype": "markdown",
                "markdown": { "title": digest.title(), "text": digest.markdown() },
            });
            robot(http.post(url).json(&body)).await
        }
        ChannelKind::Wecom => {
            let body = serde_json::json!({
                "msgtype": "markdown",
                "markdown": { "content": digest.markdown() },
            });
            robot(http.post(&channel.url).json(&body)).await
        }
        ChannelKind::Webhook => {
            let body = serde_json::json!({
                "unit": digest.unit,
                "day": digest.day,
                "title": digest.title(),
                "text": digest.markdown(),
                "sections": digest.sections,
            });
            plain(http.post(&channel.url).json(&body)).await
        }
        ChannelKind::Sms => {
            let template = channel.body.as_deref().unwrap_or_default();
            let content_type = channel.content_type.as_deref().unwrap_or("application/json");
            let text = digest.short();
            for phone in &channel.phones {
                let body = fill(template, phone, &text);
                let request = http
                    .post(&channel.url)
                    .header(reqwest::header::CONTENT_TYPE, content_type)
                    .body(body);
                plain(request).await.map_err(|e| format!("{phone}: {e}"))?;
            }
            Ok(())
        }
    }
}

/// The SMS template with `{phone}` and `{text}` filled in, each escaped as inside a JSON string.
fn fill(template: &str, phone: &str, text: &str) -> String {
    let escape = |s: &str| {
        let quoted = serde_json::to_string(s).unwrap_or_default();
        quoted[1..quoted.len() - 1].to_owned()
    };
    template.replace("{phone}", &escape(phone)).replace("{text}", &escape(text))
}

/// DingTalk's 加签: `&timestamp=…&sign=…`, the sign being Base64 of HMAC-SHA256 over
/// `"{timestamp}\n{secret}"` keyed by the secret.
fn signed_dingtalk_url(url: &str, secret: Option<&str>, now_ms: i64) -> Result<String, String> {
    let Some(secret) = secret else { return Ok(url.to_owned()) };
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|e| format!("secret: {e}"))?;
    mac.update(format!("{now_ms}\n{secret}").as_bytes());
    let sign = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let mut url = reqwest::Url::parse(url).map_err(|e| e.to_string())?;
    url.query_pairs_mut().append_pair("timestamp", &now_ms.to_string()).append_pair("sign", &sign);
    Ok(url.into())
}

/// A work-chat robot's answer: HTTP 2xx and `errcode` 0.
async fn robot(request: reqwest::RequestBuilder) -> Result<(), String> {
    let response = request.timeout(TIMEOUT).send().await.map_err(describe)?;
    let status = response.status();
    let text = response.text().await.map_err(describe)?;
    if !status.is_success() {
        return Err(format!("HTTP {status}: {}", clip(&text)));
    }
    let answer: serde_json::Value =
        serde_json::from_str(&text).map_err(|_| format!("not JSON: {}", clip(&text)))?;
    match answer.get("errcode").and_then(serde_json::Value::as_i64) {
        Some(0) => Ok(()),
        code => Err(format!(
            "errcode {}: {}",
            code.map_or("?".into(), |c| c.to_string()),
            answer.get("errmsg").and_then(serde_json::Value::as_str).unwrap_or_default()
        )),
    }
}

/// Any other endpoint: HTTP 2xx.
async fn plain(request: reqwest::RequestBuilder) -> Result<(), String> {
    let response = request.timeout(TIMEOUT).send().await.map_err(describe)?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        let text = response.text().await.unwrap_or_default();
        Err(format!("HTTP {status}: {}", clip(&text)))
    }
}

fn describe(e: reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        format!("could not connect: {e}")
    } else {
        e.to_string()
    }
}

fn clip(text: &str) -> String {
    text.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sms_template_is_filled_with_escaped_values() {
        let body = fill(r#"{"to":"{phone}","msg":"{text}"}"#, "13800138000", "两户\"未走访\"");
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["msg"], "两户\"未走访\"");
        assert_eq!(json["to"], "13800138000");
    }

    #[test]
    fn a_dingtalk_url_is_signed_with_its_secret() {
        let url = signed_dingtalk_url(
            "https://x.test/robot/send?access_token=t",
            Some("SEC1"),
            1_700_000_000_000,
        )
        .unwrap();
        let parsed = reqwest::Url::parse(&url).unwrap();
        let pairs: std::collections::BTreeMap<_, _> = parsed.query_pairs().collect();
        assert_eq!(pairs["access_token"], "t");
        assert_eq!(pairs["timestamp"], "1700000000000");
        // HMAC-SHA256 of "1700000000000\nSEC1" keyed "SEC1", in Base64 (computed with Python's
        // hmac module).
        assert_eq!(pairs["sign"], "ukR4+WoOOBTGaOauYqugxVrMSFyr92q4hPxJxuOkiio=");
        assert_eq!(signed_dingtalk_url("https://x.test/a", None, 1).unwrap(), "https://x.test/a");
    }
}
