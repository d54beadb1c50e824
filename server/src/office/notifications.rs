//! `/office/notifications` 通知记录 — what the notifier sent: each day's digest per channel, its
//! text, how many attempts it took and the last error. An office sees its own unit's; the
//! Organization Department its county's.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::html;
use minqing_shared::calendar::china;

use crate::office::kit::act;
use crate::office::kit::layout::{Nav, shell};
use crate::office::kit::session::OfficeUser;
use crate::state::AppState;
use crate::store::SendStatus;

/// At most this many sends are listed.
const ROWS: usize = 300;

/// `GET /office/notifications`.
pub(crate) async fn page(user: OfficeUser, State(state): State<AppState>) -> Response {
    let (unit, county, county_wide) = (user.unit.id, user.unit.county_id, user.county_wide());
    let loaded = act::read(&state, move |tx| {
        let units = tx.county_units(county)?;
        let ids: Vec<_> =
            if county_wide { units.iter().map(|u| u.id).collect() } else { vec![unit] };
        Ok((tx.notifications(Some(&ids), ROWS)?, units))
    })
    .await;
    let (sent, units) = match loaded {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let name = |id| units.iter().find(|u| u.id == id).map_or("—", |u| u.name.as_str());
    let time = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(|t| t.with_timezone(&china()).format("%m-%d %H:%M").to_string())
            .unwrap_or_default()
    };
    let body = html! {
        h1 { "通知记录" }
        p.muted { "每日提醒（超期未走访、月报未报送、完成时限临近、本周未报进展、挂账督办到期）按配置的时间经钉钉、企业微信、网络接口或短信发送；失败自动重试，同一单位同一渠道每天只发一次。" }
        @if sent.is_empty() { p.muted { "暂无通知记录。未配置通知渠道时不发送。" } }
        @else {
            table {
                thead { tr { th { "日期" } th { "单位" } th { "渠道" } th { "状态" } th.num { "尝试次数" } th { "发送时间 / 下次重试" } th { "最近错误" } th { "内容" } } }
                tbody {
                    @for n in &sent {
                        tr class=@if n.status == SendStatus::Failed { "bad" } {
                            td.nw { (n.day) }
                            td { (name(n.unit)) }
                            td { (n.channel) }
                            td { @match n.status {
                                SendStatus::Sent => span.badge.ok { "已发送" },
                                SendStatus::Pending => span.badge.warn { "待重试" },
                                SendStatus::Failed => span.badge.bad { "发送失败" },
                            } }
                            td.num { (n.attempts) }
                            td.nw {
                                @if let Some(ms) = n.sent_ms { (time(ms)) }
                                @else if let Some(ms) = n.next_try_ms { "下次 " (time(ms)) }
                            }
                            td.small { (n.last_error.as_deref().unwrap_or("")) }
                            td { details { summary { "查看" } pre.small style="white-space:pre-wrap" { (n.body) } } }
                        }
                    }
                }
            }
        }
    };
    shell(&user, "通知记录", Nav::Notifications, body)
}
