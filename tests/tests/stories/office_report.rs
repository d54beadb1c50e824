//! The monthly report: drafted from the month's visits and concerns, notes saved, submitted by
//! the township office (late when after the 3rd), filed by the Organization Department; the
//! `.xlsx` and CSV exports read back equal to the page's figures.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use minqing_shared::calendar::{YearMonth, report_due};
use minqing_shared::concern::{Category, ConcernAction, SpecialReport};
use minqing_shared::household::HouseholdStatus;
use minqing_shared::sync::op::{HouseholdPatch, Payload};
use minqing_shared::visit::VisitMode;
use minqing_tests::office::OfficeClient;
use minqing_tests::{ApiPhone, County, TestServer};
use reqwest::StatusCode;

async fn world() -> (TestServer, County) {
    let server = TestServer::start().await;
    let county = server.county();
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let (home, create) = wang.new_household(county.village, "张大山");
    let confirm = HouseholdPatch { status: Some(HouseholdStatus::Confirmed), ..Default::default() };
    let confirm = wang.op(home.0, Payload::Household(confirm));
    let (other, create2) = wang.new_household(county.village, "刘桂兰");
    let confirm2 =
        HouseholdPatch { status: Some(HouseholdStatus::Confirmed), ..Default::default() };
    let confirm2 = wang.op(other.0, Payload::Household(confirm2));
    let (visit, v) = wang.visit(home, "入户走访");
    let (_, mut call) = wang.visit(other, "群众来电反映路灯");
    if let Payload::Visit(body) = &mut call.payload {
        body.mode = VisitMode::PhoneFromHousehold;
    }
    let (well, r1) = wang.raise(home, Some(visit), Category::Irrigation, "机井坏了");
    let up = wang.step(
        well,
        ConcernAction::Escalate {
            report: SpecialReport {
                title: "三组机井损坏".into(),
                content: "需打新井".into(),
                households_affected: Some(40),
            },
        },
    );
    let (lamp, r2) = wang.raise(home, Some(visit), Category::Roads, "路灯不亮");
    let fix = wang.step(lamp, ConcernAction::ResolveOnSpot { note: "修好了".into() });
    let (fee, r3) = wang.raise(other, None, Category::Health, "医保缴费");
    let explain = wang.step(fee, ConcernAction::Explain { note: "讲解政策".into() });
    let ops = [create, confirm, create2, confirm2, v, call, r1, up, r2, fix, r3, explain];
    assert!(wang.push(&ops).await.ok().rejected.is_empty());
    (server, county)
}

/// The numbers of the table row `data-row="{name}"` of a page.
fn page_row(body: &str, name: &str) -> Vec<f64> {
    let at = body.find(&format!("data-row=\"{name}\"")).unwrap_or_else(|| panic!("row {name}"));
    let row = &body[at..at + body[at..].find("</tr>").expect("row end")];
    row.split("class=\"num\">")
        .skip(1)
        .map(|cell| cell[..cell.find('<').expect("cell end")].parse().expect("a number"))
        .collect()
}

fn page_figure(body: &str, id: &str) -> f64 {
    let at = body.find(&format!("id=\"{id}\">")).unwrap_or_else(|| panic!("figure {id}"));
    let rest = &body[at + id.len() + 6..];
    rest[..rest.find('<').expect("end")].parse().expect("a number")
}

fn cell(data: &Data) -> String {
    match data {
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[tokio::test]
async fn the_report_is_drafted_exported_submitted_and_filed() {
    let (server, county) = world().await;
    let office = OfficeClient::login(&server.url, "office").await;
    let month = YearMonth::of(minqing_tests::clock::today());
    let url = format!("/office/report?month={month}");
    let page = office.get(&url).await;
    assert_eq!(page.status, StatusCode::OK);
    let due = report_due(month).format("%Y-%m-%d").to_string();
    assert!(page.body.contains(&due) && page.body.contains("三组机井损坏"));
    // Raised, on the spot, explained, escalated, assigned, done, overdue, open.
    assert_eq!(page_row(&page.body, "机井水利"), vec![1., 0., 0., 1., 0., 0., 0., 0.]);
    assert_eq!(page_row(&page.body, "道路交通"), vec![1., 1., 0., 0., 0., 0., 0., 0.]);
    assert_eq!(page_row(&page.body, "医疗卫生"), vec![1., 0., 1., 0., 0., 0., 0., 0.]);
    assert_eq!(page_row(&page.body, "合计"), vec![3., 1., 1., 1., 0., 0., 0., 0.]);
    let figures: Vec<f64> = ["households", "visited", "in-person", "calls"]
        .iter()
        .map(|id| page_figure(&page.body, id))
        .collect();
    assert_eq!(figures, vec![2., 1., 1., 1.]);

    // The spreadsheet says what the page says.
    let q = format!("month={month}&unit={}", county.township);
    let (status, ct, bytes) = office.get_bytes(&format!("/office/report/export.xlsx?{q}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(ct.contains("spreadsheetml"));
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("an xlsx");
    let table = book.worksheet_range("分类统计").expect("the category sheet");
    let rows: Vec<Vec<String>> = table.rows().map(|r| r.iter().map(cell).collect()).collect();
    assert_eq!(rows.len(), 14, "a header, twelve categories and the total");
    for row in &rows[1..] {
        let numbers: Vec<f64> = row[1..].iter().map(|c| c.parse().expect("a number")).collect();
        assert_eq!(numbers, page_row(&page.body, &row[0]), "row {}", row[0]);
    }
    let summary = book.worksheet_range("月报").expect("the summary sheet");
    let value = |label: &str| {
        let row = summary.rows().find(|r| cell(&r[0]) == label).expect(label).to_vec();
        cell(&row[1])
    };
    assert_eq!(value("联系户").parse::<f64>().unwrap(), figures[0]);
    assert_eq!(value("走访到户").parse::<f64>().unwrap(), figures[1]);
    assert_eq!(value("单位"), "城关镇");
    let special = book.worksheet_range("专题报告").expect("the special reports");
    assert_eq!(cell(&special.rows().nth(1).expect("one report")[4]), "三组机井损坏");
    let (_, ct, csv) = office.get_bytes(&format!("/office/report/export.csv?{q}")).await;
    assert!(ct.starts_with("text/csv"));
    let csv = String::from_utf8(csv).expect("UTF-8");
    assert!(csv.starts_with('\u{feff}') && csv.contains("合计,3,1,1,1,0,0,0,0"), "{csv}");

    // Bad input stores nothing.
    let ops = "SELECT COUNT(*) FROM ops WHERE record_type = 'monthly_report'";
    let m = month.to_string();
    let long = "很".repeat(4001);
    let too_long = office
        .post("/office/report/submit", &[("month", &m), ("notes", &long), ("action", "draft")])
        .await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_long.body.contains("不能超过4000个字"));
    let next = month.next().to_string();
    let future =
        office.post("/office/report/submit", &[("month", &next), ("action", "submit")]).await;
    assert_eq!(future.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(future.body.contains("该月尚未开始"));
    assert_eq!(
        office.post("/office/report/submit", &[("month", "13月")]).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(server.sql().count(ops, &[]), 0);

    // The home page counts down to the 3rd while the report is not in.
    let left = (report_due(month) - minqing_tests::clock::today()).num_days();
    let home = office.get("/office").await.body;
    assert!(home.contains("倒计时") && home.contains(&format!("还有{left}天")), "{home}");
    let notes = "本月走访到位，机井问题已上报联席会议。";
    let draft = office
        .post("/office/report/submit", &[("month", &m), ("notes", notes), ("action", "draft")])
        .await;
    assert_eq!(draft.status, StatusCode::SEE_OTHER);
    assert!(office.get(&url).await.body.contains(notes));
    let sent = office
        .post("/office/report/submit", &[("month", &m), ("notes", notes), ("action", "submit")])
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let home = office.get("/office").await.body;
    assert!(home.contains("已报送") && !home.contains(&format!("还有{left}天")), "{home}");
    let after = office.get(&url).await;
    assert!(
        after.body.contains("已报送")
            && after.body.contains("报送时间")
            && !after.body.contains("逾期报送")
    );
    let again = office
        .post("/office/report/submit", &[("month", &m), ("notes", "改"), ("action", "submit")])
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.body.contains("已报送，不能再修改"));
    // A report of three months ago, submitted now, is late.
    let old = month.prev().prev().prev().to_string();
    let late = office
        .post("/office/report/submit", &[("month", &old), ("notes", "补报"), ("action", "submit")])
        .await;
    assert_eq!(late.status, StatusCode::SEE_OTHER);
    assert!(office.get(&format!("/office/report?month={old}")).await.body.contains("逾期报送"));
    assert_eq!(server.sql().count(ops, &[]), 3);

    // The Organization Department sees the county and files it.
    let org = OfficeClient::login(&server.url, "org").await;
    let summary = org.get(&url).await;
    assert!(
        summary.body.contains("城关镇")
            && summary.body.contains("河西乡")
            && summary.body.contains("备案")
    );
    let unit = county.township.to_string();
    let filed = org.post("/office/report/file", &[("month", &m), ("unit", &unit)]).await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER);
    let twice = org.post("/office/report/file", &[("month", &m), ("unit", &unit)]).await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(office.get(&url).await.body.contains("组织部备案"));
    let other = county.other_township.to_string();
    let not_sent = org.post("/office/report/file", &[("month", &m), ("unit", &other)]).await;
    assert_eq!(not_sent.status, StatusCode::UNPROCESSABLE_ENTITY);
    // An office sees only its own unit's report.
    let foreign = office.get(&format!("/office/report?month={m}&unit={other}")).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    let (status, _, _) =
        office.get_bytes(&format!("/office/report/export.xlsx?month={m}&unit={other}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, _, registry) = office.get_bytes("/office/households.csv").await;
    let registry = String::from_utf8(registry).unwrap();
    assert!(registry.contains("张大山") && registry.contains("东关村"));
}
