//! Every list in Excel (issue 15, item 5): the concern list with its filters and the monthly
//! report, read back with an independent reader (calamine) — real date cells, numbers as
//! numbers — and each sheet's XML checked for a frozen header row, an autofilter over the table
//! and set column widths.

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use minqing_shared::calendar::YearMonth;
use minqing_shared::concern::{Category, ConcernAction, Decision, SpecialReport};
use minqing_tests::office::OfficeClient;
use minqing_tests::{ApiPhone, TestServer};
use reqwest::StatusCode;

/// A date cell's day (Excel counts days from 1899-12-30); `None` for any other cell.
fn date_of(cell: &Data) -> Option<chrono::NaiveDate> {
    match cell {
        Data::DateTime(d) => chrono::NaiveDate::from_ymd_opt(1899, 12, 30)?
            .checked_add_days(chrono::Days::new(d.as_f64() as u64)),
        _ => None,
    }
}

/// Every sheet of `bytes` has a frozen first row, an autofilter and set column widths.
fn every_sheet_is_a_table(bytes: &[u8]) -> usize {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("an xlsx is a zip");
    let names: Vec<String> = (0..zip.len())
        .map(|i| zip.by_index(i).expect("an entry").name().expect("a name").into_owned())
        .filter(|n| n.starts_with("xl/worksheets/sheet"))
        .collect();
    for name in &names {
        let mut xml = String::new();
        zip.by_name(name).unwrap().read_to_string(&mut xml).unwrap();
        assert!(
            xml.contains(r#"ySplit="1""#) && xml.contains(r#"state="frozen""#),
            "{name}: frozen header"
        );
        assert!(xml.contains("<autoFilter ref=\"A1:"), "{name}: autofilter");
        assert!(xml.contains("<col ") && xml.contains(r#"customWidth="1""#), "{name}: widths");
    }
    names.len()
}

#[tokio::test]
async fn the_concern_list_exports_with_its_filters_as_a_table_with_real_dates() {
    let server = TestServer::start().await;
    let county = server.county();
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let (home, create) = wang.new_household(county.village, "张大山");
    let (roads, raise_roads) = wang.raise(home, None, Category::Roads, "村口路坏了");
    let (water, raise_water) =
        wang.raise(home, None, Category::DrinkingWater, "=HYPERLINK(\"x\")自来水冻裂");
    let report = SpecialReport {
        title: "自来水冻裂".into(),
        content: "三组十二户停水".into(),
        households_affected: Some(12),
    };
    let escalate = wang.step(water, ConcernAction::Escalate { report });
    assert!(
        wang.push(&[create, raise_roads, raise_water, escalate]).await.ok().rejected.is_empty()
    );
    let today = minqing_tests::clock::today();
    let mut office_phone = ApiPhone::login(&server.url, "office").await;
    // As a phone that acts on what it synced: its clock has seen the steps it follows.
    office_phone.pull_all().await;
    let decision = Decision {
        solution: "水站抢修".into(),
        handler: "乡水站".into(),
        unit: None,
        deadline: today + chrono::Days::new(10),
        meeting_date: today,
    };
    let assign = office_phone.step(water, ConcernAction::Assign { decision });
    assert!(office_phone.push(&[assign]).await.ok().rejected.is_empty());
    let _ = roads;

    let office = OfficeClient::login(&server.url, "office").await;
    let list = office.get("/office/concerns?category=drinking_water").await.body;
    assert!(
        list.contains("/office/concerns.xlsx?category=drinking_water"),
        "the link keeps the filters"
    );
    let (status, kind, bytes) =
        office.get_bytes("/office/concerns.xlsx?category=drinking_water").await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.contains("spreadsheetml"));
    assert_eq!(every_sheet_is_a_table(&bytes), 1);
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("an xlsx");
    let sheet = book.worksheet_range("民情诉求").expect("the sheet");
    let rows: Vec<&[Data]> = sheet.rows().collect();
    assert_eq!(rows.len(), 2, "the header and the one drinking-water concern");
    assert_eq!(rows[0][0], Data::String("反映日期".into()));
    let raised = date_of(&rows[1][0]).expect("a real date cell");
    assert_eq!(raised, today);
    assert_eq!(rows[1][4].to_string(), "'=HYPERLINK(\"x\")自来水冻裂", "no formula runs");
    assert_eq!(rows[1][6], Data::String("已交办".into()));
    assert_eq!(rows[1][7], Data::String("乡水站".into()));
    assert_eq!(date_of(&rows[1][8]), Some(today + chrono::Days::new(10)));
    assert_eq!(rows[1][9], Data::Float(12.0));
    let audited = server
        .sql()
        .count("SELECT COUNT(*) FROM audit WHERE record_type = 'concerns.xlsx' AND count = 1", &[]);
    assert_eq!(audited, 1, "the export is in the audit log with its row count");

    // The monthly report: every sheet a table, the special reports dated by real cells.
    let month = YearMonth::of(today);
    let q = format!("month={month}&unit={}", county.township);
    let (status, _, bytes) = office.get_bytes(&format!("/office/report/export.xlsx?{q}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(every_sheet_is_a_table(&bytes), 4);
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("an xlsx");
    let special = book.worksheet_range("专题报告").expect("the special reports");
    let row = special.rows().nth(1).expect("one special report");
    assert_eq!(date_of(&row[0]), Some(today), "上报日期 is a date cell");
    assert_eq!(row[5], Data::Float(12.0));
    // The ledger: the Organization Department puts the concern on it; its sheet dates the next
    // inquiry, check and dispatch.
    let mut org = ApiPhone::login(&server.url, "org").await;
    org.pull_all().await;
    let onto =
        org.step(water, ConcernAction::PutOnLedger { reason: "涉及12户".into(), item: None });
    assert!(org.push(&[onto]).await.ok().rejected.is_empty());
    assert!(office.get("/office/ledger").await.body.contains("/office/ledger.xlsx"));
    let (status, _, bytes) = office.get_bytes("/office/ledger.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(every_sheet_is_a_table(&bytes), 1);
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("an xlsx");
    let ledger = book.worksheet_range("挂账督办").expect("the ledger");
    let rows: Vec<&[Data]> = ledger.rows().collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(date_of(&rows[1][0]), Some(today), "挂账日期");
    assert_eq!(rows[0][6], Data::String("涉及户数".into()));
    assert_eq!(rows[1][6], Data::Float(12.0));
    assert_eq!(rows[1][8], Data::String("乡水站".into()), "承办人");
    assert!(
        date_of(&rows[1][12]).is_some_and(|d| d > today),
        "the next inquiry: {:?}",
        rows[1][12]
    );

    // The evaluation: units, cadres and the rewards and criticisms, rates as numbers.
    let period = minqing_shared::calendar::Period::quarter_of(today).code();
    let page = office.get(&format!("/office/evaluation?period={period}")).await.body;
    assert!(page.contains(&format!("/office/evaluation/export.xlsx?period={period}")));
    let (status, _, bytes) =
        office.get_bytes(&format!("/office/evaluation/export.xlsx?period={period}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(every_sheet_is_a_table(&bytes), 3);
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("an xlsx");
    let cadres = book.worksheet_range("包村干部").expect("the cadres");
    let wang_row = cadres.rows().find(|r| r[0] == Data::String("王建国".into())).expect("wang");
    assert_eq!(wang_row[7], Data::Float(2.0), "反映诉求: the two concerns");
    assert!(matches!(wang_row[5], Data::Float(_) | Data::Empty), "coverage is a number or empty");
    let exports = server.sql().count(
        "SELECT COUNT(*) FROM audit WHERE record_type IN ('ledger.xlsx', 'evaluation.xlsx')",
        &[],
    );
    assert_eq!(exports, 2);

    // 月报汇总: the Organization Department's; a township office may not.
    let county_q = format!("/office/report/county.xlsx?month={month}");
    let (status, _, _) = office.get_bytes(&county_q).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let org_office = OfficeClient::login(&server.url, "org").await;
    assert!(
        org_office.get(&format!("/office/report?month={month}")).await.body.contains(&county_q)
    );
    let (status, _, bytes) = org_office.get_bytes(&county_q).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(every_sheet_is_a_table(&bytes), 1);
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("an xlsx");
    let summary = book.worksheet_range("月报汇总").expect("the summary");
    let township = summary.rows().find(|r| r[0] == Data::String("城关镇".into())).expect("城关镇");
    assert_eq!(township[2], Data::Float(0.0), "the one household is only proposed: not counted");
    assert!(matches!(township[5], Data::Float(_)), "反映诉求 is a number: {:?}", township[5]);
    assert_eq!(township[9], Data::String("草稿".into()), "not reported yet");
}

#[tokio::test]
async fn the_week_and_the_registry_export_as_tables() {
    let server = TestServer::start().await;
    let county = server.county();
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let mut ops = Vec::new();
    let mut homes = Vec::new();
    for head in ["张大山", "刘桂兰"] {
        let (home, create) = wang.new_household(county.village, head);
        let confirm = minqing_shared::sync::op::HouseholdPatch {
            status: Some(minqing_shared::household::HouseholdStatus::Confirmed),
            ..Default::default()
        };
        ops.extend([
            create,
            wang.op(home.0, minqing_shared::sync::op::Payload::Household(confirm)),
        ]);
        homes.push(home);
    }
    let (_, visit) = wang.visit(homes[0], "入户走访");
    ops.push(visit);
    assert!(wang.push(&ops).await.ok().rejected.is_empty());
    let office = OfficeClient::login(&server.url, "office").await;
    let week = minqing_shared::calendar::VisitWeek::of(minqing_tests::clock::today());
    assert!(
        office.get("/office/week").await.body.contains(&format!("/office/week.xlsx?week={week}"))
    );

    let (status, _, bytes) = office.get_bytes(&format!("/office/week.xlsx?week={week}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(every_sheet_is_a_table(&bytes), 3);
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("an xlsx");
    let cadres = book.worksheet_range("按包村干部").expect("the cadres' sheet");
    let wang_row = cadres.rows().find(|r| r[0] == Data::String("王建国".into())).expect("wang");
    assert_eq!((&wang_row[3], &wang_row[4]), (&Data::Float(2.0), &Data::Float(1.0)));
    assert_eq!(wang_row[5], Data::Float(0.5), "the share as a number (shown as 50.0%)");
    let overdue = book.worksheet_range("超期未走访").expect("the overdue sheet");
    let names: Vec<String> = overdue.rows().skip(1).map(|r| r[0].to_string()).collect();
    assert_eq!(names, vec!["刘桂兰"], "the household never visited");

    let (status, _, bytes) = office.get_bytes("/office/households.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(every_sheet_is_a_table(&bytes), 1);
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("an xlsx");
    let roster = book.worksheet_range("联系户名册").expect("the roster");
    let heads: Vec<String> = roster.rows().skip(1).map(|r| r[2].to_string()).collect();
    assert_eq!(heads.len(), 2);
    assert!(heads.contains(&"张大山".to_owned()) && heads.contains(&"刘桂兰".to_owned()));
    let exports = server.sql().count(
        "SELECT COUNT(*) FROM audit WHERE record_type IN ('week.xlsx', 'households.xlsx')",
        &[],
    );
    assert_eq!(exports, 2, "both exports are audited");
}
