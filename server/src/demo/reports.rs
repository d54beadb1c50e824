//! The offices' monthly reports 月报: every township and county department reports each month of
//! the demo's year by the 3rd of the next (a few late), and the Organization Department files
//! each a few days later; the latest may still wait to be filed. A report's filing time is the
//! stamp of its op, so they are written on a desk of their own — a server device whose clock
//! follows the reports' dates — rather than on the server's device, whose clock is at "now".

use std::sync::Mutex;

use chrono::NaiveDate;
use minqing_shared::calendar::{YearMonth, is_report_late, report_due};
use minqing_shared::ids::DeviceId;
use minqing_shared::org::UnitKind;
use minqing_shared::sync::HlcClock;
use minqing_shared::sync::op::{Payload, ReportBody, ReportStatus};
use uuid::Uuid;

use super::county::County;
use super::ctx::{Ctx, refused};
use super::rng::{DAY, add_days, china_ms, day_of, utc};
use crate::store::StoreResult;
use crate::sync::{Author, ServerDevice};

/// What offices write in a report's notes (empty is common too).
const NOTES: &[&str] = &[
    "",
    "",
    "本月联系户走访全覆盖，上报民情均已提交联席会议研究。",
    "部分联系户外出务工，改为电话联系，下月返乡后补充入户走访。",
    "农忙季节，入户走访多安排在晚间和雨天。",
    "群众反映的道路、饮水问题已协调相关部门，正在推进。",
    "新调整两名包村干部，联系户已重新确认并登记。",
];

/// One report op, at its time.
struct Event {
    t: i64,
    author: Author,
    id: Uuid,
    body: ReportBody,
}

/// Writes the monthly reports of every month from `first` to last month; returns how many.
pub(super) fn write(
    ctx: &mut Ctx<'_, '_>,
    county: &County,
    first: NaiveDate,
) -> StoreResult<usize> {
    let start = china_ms(first, 8 * 60);
    let desk = ServerDevice { id: DeviceId(ctx.g.uuid(start)), clock: Mutex::new(HlcClock::new()) };
    ctx.tx()?.insert_server_device(desk.id, "演示：月报", start)?;
    let org = county.author(county.org_cadre, desk.id);
    let last = YearMonth::of(ctx.today).prev();
    let mut events = Vec::new();
    let mut reports = 0;
    let mut month = YearMonth::of(first);
    while month <= last {
        let due = report_due(month);
        for unit in county.units.iter().filter(|u| u.kind != UnitKind::OrganizationDepartment) {
            // Most on the 1st to the 3rd, in office hours; one in sixteen one to three days late.
            let day = if ctx.g.chance(1.0 / 16.0) {
                add_days(due, ctx.g.between(1, 3))
            } else {
                add_days(due, -ctx.g.between(0, 2))
            };
            let submitted = china_ms(day, ctx.g.between(9 * 60, 17 * 60));
            if submitted > ctx.now {
                continue;
            }
            let id = ctx.g.uuid(submitted);
            let body = ReportBody {
                unit_id: unit.id,
                month,
                status: ReportStatus::Submitted,
                notes: (*ctx.g.pick(NOTES)).to_owned(),
                submitted_at: Some(utc(submitted)),
                late: is_report_late(month, day_of(submitted)),
            };
            let author = county.author(unit.office, desk.id);
            let filed = submitted + ctx.g.between(1, 4) * DAY;
            if filed <= ctx.now {
                let body = ReportBody { status: ReportStatus::Filed, ..body.clone() };
                events.push(Event { t: filed, author: org, id, body });
            }
            events.push(Event { t: submitted, author, id, body });
            reports += 1;
        }
        month = month.next();
    }
    events.sort_by_key(|e| e.t);
    for e in events {
        let what = e.body.month;
        match desk.act(ctx.tx()?, &e.author, e.id, Payload::MonthlyReport(e.body), e.t)? {
            Ok(()) => ctx.office_ops += 1,
            Err(r) => return Err(refused(&format!("the monthly report of {what}"), r)),
        }
    }
    Ok(reports)
}
