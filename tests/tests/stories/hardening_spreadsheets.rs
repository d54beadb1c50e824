//! Spreadsheets from outside, as an attacker would send them: a tiny workbook claiming a huge
//! grid and a zip bomb are refused with a clear error by the web upload (dry run included) and
//! by `minqing-server import --dry-run`, and the server stays up; a roster over the framework's
//! default 2 MB body limit but under the documented 20 MB is read.

use std::io::Write;

use minqing_tests::TestServer;
use minqing_tests::admin::cli;
use minqing_tests::office::OfficeClient;
use reqwest::StatusCode;

const BINARY: &str = env!("CARGO_BIN_EXE_minqing-test-server");

/// A 2 KB workbook whose only cells are A1 and XFD1048576: a reader that builds the grid
/// allocates 17 billion cells.
fn two_far_cells() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("单位").unwrap();
    sheet.write_string(0, 0, "单位名称").unwrap();
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    book.save_to_buffer().unwrap()
}

/// A zip whose shared-strings part decompresses to 150 MB of spaces (well under 1 MB packed).
fn zip_bomb() -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    zip.start_file("xl/sharedStrings.xml", options).unwrap();
    let chunk = vec![b' '; 1 << 20];
    for _ in 0..150 {
        zip.write_all(&chunk).unwrap();
    }
    zip.finish().unwrap();
    out.into_inner()
}

async fn alive(server: &TestServer) {
    let health = reqwest::get(format!("{}/healthz", server.url)).await.expect("the server is up");
    assert_eq!(health.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_workbook_claiming_a_huge_grid_or_a_zip_bomb_is_refused_clearly_and_the_server_lives() {
    let server = TestServer::start().await;
    server.county();
    let org = OfficeClient::login(&server.url, "org").await;
    let bomb = zip_bomb();
    assert!(bomb.len() < 1 << 20, "the bomb is small: {} bytes", bomb.len());
    let cases =
        [("grid.xlsx", two_far_cells(), "超出名册范围"), ("bomb.xlsx", bomb, "解压后超过 100 MB")];
    for (name, bytes, expected) in cases {
        for dry_run in [true, false] {
            let fields: &[(&str, &str)] = if dry_run { &[("dry_run", "1")] } else { &[] };
            let page = org.upload("/office/import", fields, name, bytes.clone()).await;
            assert!(page.body.contains(expected), "{name} (dry run {dry_run}): {}", page.body);
            alive(&server).await;
        }
        let file = server.dir().join(name);
        std::fs::write(&file, &bytes).unwrap();
        let out = cli(BINARY, &server.db_url, &["import", "--dry-run", file.to_str().unwrap()]);
        assert!(!out.ok, "{name}");
        assert!(out.stderr.contains(expected), "{name}: {}", out.all());
        assert!(!out.stderr.contains("memory allocation"), "{name}: {}", out.all());
    }
    assert_eq!(server.sql().count("SELECT COUNT(*) FROM units WHERE name = 'x'", &[]), 0);
}

#[tokio::test]
async fn a_roster_of_three_megabytes_is_read_not_cut_at_the_framework_default() {
    let server = TestServer::start().await;
    server.county();
    let org = OfficeClient::login(&server.url, "org").await;
    let mut csv = String::from("单位名称,单位类别,备注\n");
    let note = "说明".repeat(50_000);
    for i in 0..10 {
        csv.push_str(&format!("河东{i}镇,乡镇,{note}\n"));
    }
    assert!(csv.len() > 2_500_000, "{}", csv.len());
    let page = org.upload("/office/import", &[("dry_run", "1")], "单位.csv", csv.into()).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("试运行结果"), "{}", page.body);
    assert!(page.body.contains("河东9镇"), "every row was read");
}

#[tokio::test]
async fn text_a_spreadsheet_would_run_as_a_formula_is_exported_as_text() {
    use minqing_shared::sync::op::{HouseholdPatch, Payload};
    let server = TestServer::start().await;
    let county = server.county();
    let mut wang = minqing_tests::ApiPhone::login(&server.url, "wang").await;
    let head = "=HYPERLINK(\"http://evil.example\",\"点我\")";
    let address = "+cmd|' /C calc'!A0";
    let id = minqing_shared::ids::HouseholdId::new();
    let patch = HouseholdPatch {
        village_id: Some(county.village),
        head_name: Some(head.into()),
        address: Some(address.into()),
        phone: Some("13900000000".into()),
        cadre_id: Some(Some(county.wang)),
        ..HouseholdPatch::default()
    };
    let op = wang.op(id.0, Payload::Household(patch));
    assert!(wang.push(&[op]).await.ok().rejected.is_empty(), "the text itself is allowed");

    let office = OfficeClient::login(&server.url, "office").await;
    let (status, _, bytes) = office.get_bytes("/office/households.csv").await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(bytes).unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let row = reader
        .records()
        .map(Result::unwrap)
        .find(|r| r.iter().any(|c| c.contains("HYPERLINK")))
        .expect("the household is exported");
    let cells: Vec<&str> = row.iter().collect();
    assert!(cells.contains(&format!("'{head}").as_str()), "{cells:?}");
    assert!(cells.contains(&format!("'{address}").as_str()), "{cells:?}");
    for c in &cells {
        assert!(!c.starts_with(['=', '+', '-', '@']), "a cell a spreadsheet would run: {c}");
    }
}
