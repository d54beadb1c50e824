//! A unit's daily digest 每日提醒: what its office should act on today, read from the store as the
//! office pages read it, by the rules in `minqing_shared::reminders` and `minqing_shared::desk`.
//!
//! - A township's or department's office: households not visited since last week 超期未走访,
//!   last month's report not submitted (from the 2nd), assigned concerns whose deadline is within
//!   three days or passed (its own, and those on its desk 我的交办), and the desk's concerns with
//!   no progress reported this week.
//! - The Organization Department: units whose report is not in, and the ledger's inquiries,
//!   checks and dispatches due 挂账督办到期.

use chrono::NaiveDate;
use minqing_shared::Label;
use minqing_shared::calendar::{VisitWeek, china_date, ledger_next_due};
use minqing_shared::concern::{ConcernStatus, LedgerKind};
use minqing_shared::desk::{may_be_assigned, progress_due};
use minqing_shared::org::{Unit, UnitKind};
use minqing_shared::reminders::{deadline_reminder, report_reminder};
use minqing_shared::scope::Scope;
use minqing_shared::sync::op::ReportStatus;
use serde::{Deserialize, Serialize};

use crate::store::{ConcernRow, ReportsOf, StoreResult, Tx};

/// Overdue households named in a digest (the rest are counted).
const NAMED: usize = 8;

/// One part of a digest: a headline and its lines.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// What it is about, stable (`households`, `report`, `deadlines`, `progress`, `ledger`).
    pub key: String,
    /// One line for a person (an SMS carries only these).
    pub headline: String,
    /// The particulars.
    pub lines: Vec<String>,
}

/// A unit's digest of one day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digest {
    /// The unit's name.
    pub unit: String,
    /// The day (China date).
    pub day: NaiveDate,
    /// Its parts; none: nothing to remind of.
    pub sections: Vec<Section>,
}

impl Digest {
    /// 城关镇 · 2026年12月2日民情通提醒.
    pub fn title(&self) -> String {
        format!("{} · {}民情通提醒", self.unit, self.day.format("%Y年%-m月%-d日"))
    }

    /// The whole digest as Markdown (what the work-chat robots show).
    pub fn markdown(&self) -> String {
        let mut out = format!("### {}\n", self.title());
        for (i, s) in self.sections.iter().enumerate() {
            out.push_str(&format!("\n**{}. {}**\n", i + 1, s.headline));
            for line in &s.lines {
                out.push_str(&format!("- {line}\n"));
            }
        }
        out.push_str("\n请登录民情通办公室页面办理。");
        out
    }

    /// The headlines only, for a text message.
    pub fn short(&self) -> String {
        let heads: Vec<&str> = self.sections.iter().map(|s| s.headline.as_str()).collect();
        format!("【民情通】{}：{}。", self.title(), heads.join("；"))
    }
}

fn md(d: NaiveDate) -> String {
    d.format("%-m月%-d日").to_string()
}

/// The digest of `unit` on `day` (empty sections: nothing to send).
pub fn digest(tx: &mut Tx<'_>, unit: &Unit, day: NaiveDate) -> StoreResult<Digest> {
    let mut sections = Vec::new();
    if unit.kind == UnitKind::OrganizationDepartment {
        county_sections(tx, unit, day, &mut sections)?;
    } else {
        unit_sections(tx, unit, day, &mut sections)?;
    }
    Ok(Digest { unit: unit.name.clone(), day, sections })
}

fn unit_sections(
    tx: &mut Tx<'_>,
    unit: &Unit,
    day: NaiveDate,
    out: &mut Vec<Section>,
) -> StoreResult<()> {
    let scope = Scope::Unit(unit.id);
    let (overdue, total) = tx.overdue_households(scope, VisitWeek::of(day).prev(), NAMED)?;
    if total > 0 {
        let mut lines: Vec<String> = overdue
            .iter()
            .map(|r| {
                let h = &r.row;
                format!(
                    "{}{}（{}）",
                    h.village,
                    h.household.head_name,
                    h.cadre.as_deref().unwrap_or("未联系")
                )
            })
            .collect();
        if total > NAMED {
            lines.push(format!("……共{total}户"));
        }
        out.push(Section {
            key: "households".into(),
            headline: format!("上周以来未入户走访{total}户"),
            lines,
        });
    }
    let reports = tx.monthly_reports(ReportsOf::Unit(unit.id))?;
    let month = minqing_shared::calendar::YearMonth::of(day).prev();
    let submitted = reports
        .get(&(unit.id, month))
        .is_some_and(|r| matches!(r.body.status, ReportStatus::Submitted | ReportStatus::Filed));
    if let Some(month) = report_reminder(day, submitted) {
        let due = minqing_shared::calendar::report_due(month);
        out.push(Section {
            key: "report".into(),
            headline: format!("{}月民情月报尚未报送（{}前报县委组织部备案）", month.month, md(due)),
            lines: Vec::new(),
        });
    }
    // Deadlines: the unit's own assigned concerns and those on its desk, once each.
    let mut assigned: Vec<ConcernRow> = tx.concerns_showing(scope, ConcernStatus::Assigned, day)?;
    assigned.extend(tx.concerns_showing(scope, ConcernStatus::Overdue, day)?);
    let desk = tx.desk_concerns(unit.id, i64::MAX)?;
    for r in &desk {
        if !assigned.iter().any(|a| a.concern.id == r.concern.id) {
            assigned.push(r.clone());
        }
    }
    let mut near: Vec<(i64, String)> = assigned
        .iter()
        .filter_map(|r| {
            let c = &r.concern;
            let days = deadline_reminder(c, day)?;
            let d = c.decision.as_ref()?;
            let when = match days {
                0 => "今天到期".to_owned(),
                n if n > 0 => format!("{}到期，还有{n}天", md(d.deadline)),
                n => format!("已逾期{}天", -n),
            };
            Some((
                days,
                format!("{}{} {}（承办人{}，{when}）", r.village, r.head, title(r), d.handler),
            ))
        })
        .collect();
    near.sort();
    if !near.is_empty() {
        out.push(Section {
            key: "deadlines".into(),
            headline: format!("交办事项{}件临近或超过完成时限", near.len()),
            lines: near.into_iter().map(|(_, l)| l).collect(),
        });
    }
    let owed: Vec<String> = desk
        .iter()
        .filter(|r| progress_due(&r.concern, day))
        .map(|r| format!("{}{} {}", r.village, r.head, title(r)))
        .collect();
    if !owed.is_empty() {
        out.push(Section {
            key: "progress".into(),
            headline: format!("我的交办{}件本周尚未报告进展", owed.len()),
            lines: owed,
        });
    }
    Ok(())
}

fn county_sections(
    tx: &mut Tx<'_>,
    org: &Unit,
    day: NaiveDate,
    out: &mut Vec<Section>,
) -> StoreResult<()> {
    let month = minqing_shared::calendar::YearMonth::of(day).prev();
    if report_reminder(day, false).is_some() {
        let reports = tx.monthly_reports(ReportsOf::County(org.county_id))?;
        let mut missing: Vec<String> = tx
            .county_units(org.county_id)?
            .into_iter()
            .filter(|u| may_be_assigned(u, org.county_id))
            .filter(|u| {
                !reports.get(&(u.id, month)).is_some_and(|r| {
                    matches!(r.body.status, ReportStatus::Submitted | ReportStatus::Filed)
                })
            })
            .map(|u| u.name)
            .collect();
        missing.sort();
        if !missing.is_empty() {
            out.push(Section {
                key: "report".into(),
                headline: format!("{}个单位{}月民情月报尚未报送", missing.len(), month.month),
                lines: vec![missing.join("、")],
            });
        }
    }
    let ledger = tx.ledger_concerns(Scope::County(org.county_id))?;
    let mut due: Vec<String> = Vec::new();
    for r in ledger.iter().filter(|r| r.concern.ledger_open()) {
        let c = &r.concern;
        // A merged item's records are its first concern's: counted once.
        if c.ledger_item.is_some() {
            continue;
        }
        let opened = c.ledger_opened_at.map(china_date).unwrap_or(day);
        let kinds: Vec<&str> = LedgerKind::ALL
            .iter()
            .filter(|k| ledger_next_due(**k, opened, c.last_supervision(**k)) <= day)
            .map(|k| k.zh())
            .collect();
        if !kinds.is_empty() {
            due.push(format!("{}{} {}：应{}", r.township, r.village, title(r), kinds.join("、")));
        }
    }
    if !due.is_empty() {
        out.push(Section {
            key: "ledger".into(),
            headline: format!("挂账督办{}项督办记录到期", due.len()),
            lines: due,
        });
    }
    Ok(())
}

fn title(r: &ConcernRow) -> String {
    let c = &r.concern;
    let t = c.report.as_ref().map_or(c.description.as_str(), |r| r.title.as_str());
    crate::office::kit::concern::clip(t, 24)
}
