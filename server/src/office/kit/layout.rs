//! The page shell every office page shares: header, navigation, the one small style sheet
//! (inline, so a printed page and a saved page look the same), and small formatting helpers.

use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use minqing_shared::calendar::china;

use crate::office::kit::session::OfficeUser;

/// The office style sheet: dense tables for an office PC, A4 print rules.
pub const CSS: &str = r#"
*{box-sizing:border-box}
body{margin:0;font:13px/1.5 "Microsoft YaHei","PingFang SC","Noto Sans CJK SC","WenQuanYi Zen Hei",sans-serif;color:#1f2328;background:#f3f4f6}
a{color:#0b5cad;text-decoration:none}a:hover{text-decoration:underline}
a.tile{color:inherit}a.tile:hover{border-color:#a61b1b;text-decoration:none}a.tile b{color:#0b5cad}
header.top{background:#a61b1b;color:#fff;display:flex;align-items:center;gap:16px;padding:6px 16px}
header.top .brand{font-size:17px;font-weight:bold;letter-spacing:1px}
header.top .who{margin-left:auto;font-size:12px;opacity:.95}
header.top form{display:inline;margin:0}
header.top button{background:transparent;border:1px solid #fff8;color:#fff;padding:1px 8px;cursor:pointer}
nav.tabs{background:#fff;border-bottom:1px solid #d0d7de;padding:0 12px;display:flex;flex-wrap:wrap}
nav.tabs a{padding:7px 12px;color:#333;border-bottom:2px solid transparent}
nav.tabs a.on{border-bottom-color:#a61b1b;color:#a61b1b;font-weight:bold}
main{padding:12px 16px;max-width:1400px}
h1{font-size:18px;margin:4px 0 10px}h2{font-size:15px;margin:16px 0 6px;border-left:3px solid #a61b1b;padding-left:6px}
.muted{color:#667085}.small{font-size:12px}
table{border-collapse:collapse;width:100%;background:#fff;margin:4px 0 10px}
th,td{border:1px solid #d0d7de;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#eef1f4;font-weight:600;white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr.warn td{background:#fff7e6}tr.bad td{background:#fdecec}
.photos{display:block;margin-top:4px}
.thumb{width:72px;height:72px;object-fit:cover;border:1px solid #ccd;border-radius:4px;margin:2px 4px 2px 0;vertical-align:middle}
.badge{display:inline-block;padding:0 6px;border-radius:8px;font-size:12px;background:#e6eaf0;white-space:nowrap}
.badge.ok{background:#dcf3e3;color:#116329}.badge.warn{background:#fff1cc;color:#7a4d00}.badge.bad{background:#fbd5d5;color:#a40e26}
.alert{padding:6px 10px;margin:6px 0;border:1px solid;border-radius:3px}
.alert.error{background:#fdecec;border-color:#f5a3a3;color:#8a1111}.alert.info{background:#eaf3ff;border-color:#a8c8f0}
.alert.warn{background:#fff7e6;border-color:#f1c77a}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:8px;margin:6px 0 12px}
.tile{background:#fff;border:1px solid #d0d7de;padding:8px 10px}.tile b{display:block;font-size:20px}
form.inline{display:inline}form.filters{background:#fff;border:1px solid #d0d7de;padding:6px 8px;margin:4px 0 8px}
form.filters label{margin-right:10px}
label{white-space:nowrap}
.nw{white-space:nowrap}
input,select,textarea,button{font:inherit}
input,select,textarea{border:1px solid #b8c0ca;padding:2px 4px;background:#fff}
textarea{width:100%;min-height:52px}
button{border:1px solid #8c959f;background:#f6f8fa;padding:2px 10px;cursor:pointer}
button.primary{background:#a61b1b;color:#fff;border-color:#8e1515}
.field-error{color:#c11;font-size:12px;margin-left:4px}
.form-grid{display:grid;grid-template-columns:110px 1fr;gap:6px 10px;background:#fff;border:1px solid #d0d7de;padding:10px;max-width:760px}
.form-grid>label{padding-top:3px;text-align:right}
.decide{display:grid;grid-template-columns:1fr 130px 130px auto;gap:4px;align-items:start}
.bar{display:inline-block;height:9px;background:#2f7d4f;vertical-align:middle}
.error-page{max-width:520px;margin:60px auto;background:#fff;border:1px solid #d0d7de;padding:20px}
body.login{display:flex;min-height:100vh;align-items:center;justify-content:center}
.login-box{background:#fff;border:1px solid #d0d7de;padding:24px 28px;width:320px}
.login-box label{display:block;margin:8px 0}.login-box input{display:block;width:100%;margin-top:2px}
.login-box h1{color:#a61b1b;font-size:24px;margin:0}
.doc{background:#fff;max-width:210mm;margin:0 auto;padding:14mm 16mm;border:1px solid #d0d7de}
.doc h1{text-align:center;font-size:22px;letter-spacing:2px}
.doc table td,.doc table th{padding:5px 6px;white-space:normal}
.sign{display:flex;justify-content:space-between;margin-top:24px}
.cards{display:grid;grid-template-columns:repeat(2,90mm);gap:6mm;justify-content:center}
.card{width:90mm;height:52mm;border:1px dashed #999;background:#fff;display:flex;padding:4mm;gap:3mm;break-inside:avoid}
.card .qr svg{width:34mm;height:34mm}.card .info{flex:1;overflow:hidden}
.card .name{font-size:20px;font-weight:bold}.card .unit{color:#a61b1b;font-weight:bold}
.card .phone{font-size:16px;font-weight:bold;margin-top:2mm}
.noprint{}
@media print{
 @page{size:A4;margin:10mm}
 body{background:#fff;font-size:12px}
 header.top,nav.tabs,.noprint,form.filters{display:none!important}
 main{padding:0;max-width:none}.doc{border:none;padding:0;max-width:none}
 .cards{gap:3mm 6mm}
 a{color:inherit}
}
"#;

/// The sections of the navigation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nav {
    /// 首页.
    Home,
    /// 联系户.
    Households,
    /// 本周走访.
    Week,
    /// 民情诉求.
    Concerns,
    /// 月报.
    Report,
    /// 联席会议.
    Meeting,
    /// 挂账督办.
    Ledger,
    /// 我的交办: the responsible unit's desk (offices only).
    Desk,
    /// 通知记录: the notifier's sends.
    Notifications,
    /// 考核.
    Evaluation,
    /// 名片.
    Cards,
    /// 名册导入 (the Organization Department only).
    Import,
    /// 账号管理 (the Organization Department only).
    Accounts,
    /// 审计日志 (the Organization Department only).
    Audit,
}

impl Nav {
    /// Whether only the Organization Department and administrators see this section.
    fn county_only(self) -> bool {
        matches!(self, Nav::Import | Nav::Accounts | Nav::Audit)
    }

    /// Whether this section is shown to `user`.
    fn shown_to(self, user: &OfficeUser) -> bool {
        match self {
            Nav::Desk => !user.county_wide(),
            n => !n.county_only() || user.county_wide(),
        }
    }
}

const NAV: &[(Nav, &str, &str)] = &[
    (Nav::Home, "/office", "首页"),
    (Nav::Households, "/office/households", "联系户"),
    (Nav::Week, "/office/week", "本周走访"),
    (Nav::Concerns, "/office/concerns", "民情诉求"),
    (Nav::Report, "/office/report", "月报"),
    (Nav::Meeting, "/office/meeting", "联席会议"),
    (Nav::Ledger, "/office/ledger", "挂账督办"),
    (Nav::Desk, "/office/desk", "我的交办"),
    (Nav::Evaluation, "/office/evaluation", "考核"),
    (Nav::Cards, "/office/cards", "名片"),
    (Nav::Notifications, "/office/notifications", "通知记录"),
    (Nav::Import, "/office/import", "名册导入"),
    (Nav::Accounts, "/office/accounts", "账号管理"),
    (Nav::Audit, "/office/audit", "审计日志"),
];

/// A whole office page.
pub fn shell(user: &OfficeUser, title: &str, nav: Nav, body: Markup) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · 民情通" }
                style { (PreEscaped(CSS)) }
                script src=(crate::office::kit::headers::PRINT_JS_PATH) defer {}
            }
            body {
                header.top {
                    span.brand { "民情通" }
                    span { "民情联系户制度 · 办公室" }
                    span.who {
                        (user.cadre.name) "（" (user.describe()) "） "
                        form method="post" action="/office/logout" {
                            (user.csrf_field())
                            button type="submit" { "退出" }
                        }
                    }
                }
                nav.tabs {
                    @for (n, href, label) in NAV.iter().filter(|(n, ..)| n.shown_to(user)) {
                        a class=@if *n == nav { "on" } href=(href) { (label) }
                    }
                }
                main { (body) }
            }
        }
    };
    Html(markup.into_string()).into_response()
}

/// A date as 2026-12-05.
pub fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A date as a county writes it in a sentence: 2026年12月5日.
pub fn date_zh(d: NaiveDate) -> String {
    d.format("%Y年%-m月%-d日").to_string()
}

/// An instant as China time, 2026-12-05 14:30.
pub fn time(t: DateTime<Utc>) -> String {
    t.with_timezone(&china()).format("%Y-%m-%d %H:%M").to_string()
}

/// A percentage with one decimal, or "—" of nothing.
pub fn percent(part: usize, whole: usize) -> String {
    if whole == 0 { "—".into() } else { format!("{:.1}%", part as f64 * 100.0 / whole as f64) }
}
/// A small horizontal bar for a share (0..=1), in a table cell.
pub fn bar(part: usize, whole: usize) -> Markup {
    let w = if whole == 0 { 0.0 } else { part as f64 * 60.0 / whole as f64 };
    html! { span.bar style=(format!("width:{w:.0}px")) {} }
}

/// Days to `due`: 还有3天, 今天截止, 已过2天 (a badge: warning from three days before).
pub fn countdown(due: NaiveDate, today: NaiveDate) -> Markup {
    let days = (due - today).num_days();
    let soon = days <= minqing_shared::reminders::DEADLINE_SOON_DAYS;
    match days {
        0 => html! { span.badge.warn { "今天截止" } },
        d if d > 0 && soon => html! { span.badge.warn { "还有" (d) "天" } },
        d if d > 0 => html! { span.badge { "还有" (d) "天" } },
        d => html! { span.badge.bad { "已过" (-d) "天" } },
    }
}
