//! A county set up from its own spreadsheets: the roster imported with the real
//! `minqing-server import` (dry run first, then for real, then again), a file with every kind of
//! error changing nothing, a file that is not a spreadsheet refused clearly; an imported cadre
//! changes the initial password, logs in on a phone and pulls the households.

use std::path::Path;

use minqing_shared::sync::op::Payload;
use minqing_tests::TestServer;
use minqing_tests::admin::{Sheet, change_password, cli, passwords, phone, write_csvs};
use minqing_tests::phone::login;

const BINARY: &str = env!("CARGO_BIN_EXE_minqing-test-server");

/// Writes `sheets` into one workbook at `path`, numbers as numbers (as Excel keeps phones typed
/// into a cell).
fn write_xlsx(path: &Path, sheets: &[Sheet<'_>]) {
    let mut book = rust_xlsxwriter::Workbook::new();
    for (name, rows) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                match cell.parse::<f64>() {
                    Ok(n) => sheet.write_number(r as u32, c as u16, n),
                    Err(_) => sheet.write_string(r as u32, c as u16, *cell),
                }
                .unwrap();
            }
        }
    }
    book.save(path).unwrap();
}

fn clean_roster() -> Vec<Sheet<'static>> {
    vec![
        (
            "单位",
            vec![
                vec!["单位名称", "单位类别"],
                vec!["城关镇", "乡镇"],
                vec!["县委组织部", "组织部"],
            ],
        ),
        (
            "村",
            vec![
                vec!["乡镇", "村名", "人口", "村类别"],
                vec!["城关镇", "东关村", "1200", "先进村"],
                vec!["城关镇", "西关村", "800", "中间状态村"],
            ],
        ),
        (
            "干部",
            vec![
                vec!["姓名", "单位", "职务类别", "职务", "手机", "联系村", "用户名"],
                vec!["王建国", "城关镇", "一般干部", "科员", "13800000001", "东关村", "wang"],
                vec!["李秀英", "城关镇", "中层干部", "站长", "13800000002", "城关镇/西关村", "li"],
                vec!["周组织", "县委组织部", "组织部", "副部长", "13800000003", "", "org"],
            ],
        ),
        (
            "联系户",
            vec![
                vec!["村", "户主", "地址", "手机", "类别", "联系干部", "状态"],
                vec!["东关村", "张老汉", "三组 12号", "13900000001", "老党员、困难户", "wang", ""],
                vec![
                    "东关村",
                    "刘大娘",
                    "一组 3号",
                    "13900000002",
                    "其他",
                    "13800000001",
                    "已确认",
                ],
                vec!["西关村", "陈家", "二组 8号", "", "个体工商户", "李秀英", "拟联系"],
            ],
        ),
    ]
}

fn count(server: &TestServer, table: &str) -> i64 {
    server.sql().count(&format!("SELECT COUNT(*) FROM {table}"), &[])
}

#[tokio::test]
async fn a_clean_roster_is_dry_run_imported_and_its_cadre_logs_in_and_pulls_the_households() {
    let server = TestServer::start().await;
    let file = server.dir().join("roster.xlsx");
    write_xlsx(&file, &clean_roster());
    let path = file.to_str().unwrap();

    let dry = cli(BINARY, &server.db_url, &["import", "--dry-run", path]);
    assert!(dry.ok, "{}", dry.all());
    assert!(
        dry.stdout.contains("roster.xlsx:联系户 第2行: 东关村 张老汉 — 新建 create"),
        "{}",
        dry.stdout
    );
    assert!(dry.stdout.contains("新建 10 created"), "{}", dry.stdout);
    assert_eq!(
        (count(&server, "units"), count(&server, "ops")),
        (0, 0),
        "a dry run writes nothing"
    );

    let real = cli(BINARY, &server.db_url, &["import", path]);
    assert!(real.ok, "{}", real.all());
    assert_eq!(count(&server, "units"), 2);
    assert_eq!(count(&server, "villages"), 2);
    assert_eq!(count(&server, "cadres"), 3);
    assert_eq!(count(&server, "households"), 3);
    assert_eq!(count(&server, "ops"), 10, "units, villages, cadres and households as ops");
    let mut sql = server.sql();
    let must_change = sql
        .column("SELECT phone FROM cadres WHERE username = $1 AND must_change_password", &["wang"]);
    assert_eq!(must_change, ["13800000001"], "a phone typed as a number keeps its digits");
    let initial = passwords(&real.stdout);
    assert_eq!(initial.len(), 3, "{}", real.stdout);
    let (_, wang_password) = initial.iter().find(|(u, _)| u == "wang").unwrap().clone();

    // The initial password must be changed before a phone may log in.
    let first = login(&server.url, "wang", &wang_password).await;
    assert_eq!(first.status, 403);
    let e = first.err();
    assert_eq!(e.error, "password_change_required");
    assert!(e.message.contains("change-password"), "{}", e.message);
    let (status, body) = change_password(&server.url, "wang", &wang_password, "短").await;
    assert_eq!((status, body["error"].as_str()), (422, Some("weak_password")));
    let (status, _) = change_password(&server.url, "wang", &wang_password, "东关村走访2026").await;
    assert_eq!(status, 200);
    assert_eq!(login(&server.url, "wang", &wang_password).await.status, 401);

    let mut wang = phone(&server.url, "wang", "东关村走访2026").await;
    let changes = wang.pull_all().await;
    let heads: Vec<String> = changes
        .iter()
        .filter_map(|c| match &c.op.payload {
            Payload::Household(p) => p.head_name.clone(),
            _ => None,
        })
        .collect();
    assert_eq!(heads, ["张老汉", "刘大娘"], "wang pulls his two households, not li's");
    assert!(
        changes.iter().any(|c| matches!(&c.op.payload, Payload::Cadre(b) if b.name == "王建国"))
    );
    assert!(
        changes.iter().any(|c| matches!(&c.op.payload, Payload::Village(v) if v.name == "东关村"))
    );

    // The same file again changes nothing.
    let again = cli(BINARY, &server.db_url, &["import", path]);
    assert!(again.ok, "{}", again.all());
    assert!(
        again.stdout.contains("新建 0 created, 修改 0 changed, 不变 10 unchanged"),
        "{}",
        again.stdout
    );
    assert!(passwords(&again.stdout).is_empty());
    assert_eq!(count(&server, "ops"), 10);
    assert_eq!(count(&server, "households"), 3);
    assert_eq!(login(&server.url, "wang", "东关村走访2026").await.status, 200, "password kept");
}

#[tokio::test]
async fn a_changed_roster_updates_only_what_changed_and_csv_files_import_too() {
    let server = TestServer::start().await;
    let mut roster = clean_roster();
    let files = write_csvs(server.dir(), &roster);
    let args: Vec<&str> =
        std::iter::once("import").chain(files.iter().map(|f| f.to_str().unwrap())).collect();
    assert!(cli(BINARY, &server.db_url, &args).ok);
    let ops = count(&server, "ops");

    // 东关村 grows; 张老汉 becomes filed; a new household arrives.
    roster[1].1[1] = vec!["城关镇", "东关村", "1300", "先进村"];
    roster[3].1[1] =
        vec!["东关村", "张老汉", "三组 12号", "13900000001", "老党员、困难户", "wang", "已备案"];
    roster[3].1.push(vec!["东关村", "孙家", "四组 1号", "13900000004", "", "wang", ""]);
    let files = write_csvs(server.dir(), &roster);
    let args: Vec<&str> =
        std::iter::once("import").chain(files.iter().map(|f| f.to_str().unwrap())).collect();
    let out = cli(BINARY, &server.db_url, &args);
    assert!(out.ok, "{}", out.all());
    assert!(out.stdout.contains("东关村 — 修改 change: 人口"), "{}", out.stdout);
    assert!(out.stdout.contains("东关村 张老汉 — 修改 change: 状态"), "{}", out.stdout);
    assert!(out.stdout.contains("新建 1 created, 修改 2 changed"), "{}", out.stdout);
    assert_eq!(count(&server, "ops"), ops + 3);
    let status =
        server.sql().column("SELECT status FROM households WHERE head_name = $1", &["张老汉"]);
    assert_eq!(status, ["filed"]);
}

#[tokio::test]
async fn csv_files_saved_by_a_chinese_excel_in_gbk_import_like_utf_8_ones() {
    let server = TestServer::start().await;
    let files = write_csvs(server.dir(), &clean_roster());
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let (gbk, _, lossy) = encoding_rs::GBK.encode(&text);
        assert!(!lossy, "the roster's Chinese is all in GBK");
        assert!(std::str::from_utf8(&gbk).is_err(), "GBK bytes are not UTF-8");
        std::fs::write(file, &gbk).unwrap();
    }
    let args: Vec<&str> =
        std::iter::once("import").chain(files.iter().map(|f| f.to_str().unwrap())).collect();
    let out = cli(BINARY, &server.db_url, &args);
    assert!(out.ok, "{}", out.all());
    assert!(out.stdout.contains("东关村 张老汉 — 新建 create"), "{}", out.stdout);
    assert_eq!(count(&server, "households"), 3);
    let heads = server.sql().column("SELECT head_name FROM households ORDER BY head_name", &[]);
    assert_eq!(heads, ["刘大娘", "张老汉", "陈家"]);
}

#[tokio::test]
async fn a_roster_with_every_kind_of_error_is_reported_row_by_row_and_changes_nothing() {
    let server = TestServer::start().await;
    let mut roster = clean_roster();
    roster[1].1.push(vec!["城关镇", "北关村", "好几百", "先进村"]); // bad population
    roster[1].1.push(vec!["城关镇", "小村", "120", "先进村"]); // quota 10
    roster[2].1.push(vec!["赵重复", "城关镇", "一般干部", "", "13800000001", "小村", "zhao"]); // duplicate phone
    roster[2].1.push(vec!["钱小村", "城关镇", "一般干部", "", "13800000009", "小村", "qian"]);
    roster[3].1.push(vec!["南关村", "无名", "", "", "", "wang", ""]); // unknown village
    let mut households: Vec<Vec<String>> = (1..=11)
        .map(|i| {
            vec![
                "小村".into(),
                format!("户{i}"),
                String::new(),
                format!("1370000000{i:02}"),
                String::new(),
                "qian".into(),
                String::new(),
            ]
        })
        .collect();
    households.insert(0, roster[3].1[0].iter().map(|s| (*s).to_owned()).collect());
    let extra: Vec<Vec<&str>> =
        households.iter().map(|r| r.iter().map(String::as_str).collect()).collect();
    for row in extra.into_iter().skip(1) {
        roster[3].1.push(row);
    }
    let file = server.dir().join("roster.xlsx");
    write_xlsx(&file, &roster);
    let out = cli(BINARY, &server.db_url, &["import", file.to_str().unwrap()]);
    assert!(!out.ok, "{}", out.all());
    for expected in [
        "roster.xlsx:村 第4行: 人口「好几百」不是整数 (bad population)",
        "roster.xlsx:干部 第5行: 手机「13800000001」与用户「wang」重复 (duplicate phone)",
        "roster.xlsx:联系户 第5行: 没有村「南关村」 (unknown village)",
        "超过联系户定额：钱小村在小村已确认11户，超过定额10户",
        "发现4个错误，未写入任何数据",
    ] {
        assert!(out.all().contains(expected), "{expected}\n{}", out.all());
    }
    for table in ["units", "villages", "cadres", "households", "ops", "audit"] {
        assert_eq!(count(&server, table), 0, "{table}: a bad file changes nothing");
    }

    // A sheet without a required column.
    let file = server.dir().join("村.csv");
    std::fs::write(&file, "乡镇,村名,人口\n城关镇,东关村,1200\n").unwrap();
    let out = cli(BINARY, &server.db_url, &["import", "--dry-run", file.to_str().unwrap()]);
    assert!(!out.ok);
    assert!(out.all().contains("村.csv: 缺少列「村类别」 (missing column)"), "{}", out.all());
}

#[tokio::test]
async fn a_file_that_is_not_a_spreadsheet_is_refused_with_a_clear_error() {
    let server = TestServer::start().await;
    let cases: [(&str, &[u8], &str); 4] = [
        ("photo.xlsx", b"\x89PNG\r\n\x1a\n not a workbook", "不是可读取的 Excel 文件"),
        ("roster.pdf", b"%PDF-1.4", "只能导入 .xlsx 或 .csv 文件"),
        ("干部.csv", b"\x00\x01PK\x03\x04\xff\xfe\n", "不是文本 CSV 文件"),
        (
            "notes.csv",
            "备忘,内容\n明天开会,\n".as_bytes(),
            "没有找到「单位」「村」「干部」「联系户」工作表",
        ),
    ];
    for (name, bytes, expected) in cases {
        let file = server.dir().join(name);
        std::fs::write(&file, bytes).unwrap();
        let out = cli(BINARY, &server.db_url, &["import", file.to_str().unwrap()]);
        assert!(!out.ok, "{name}");
        assert!(out.stderr.contains(expected), "{name}: {}", out.all());
    }
    assert_eq!(count(&server, "ops"), 0);
}

#[tokio::test]
async fn the_templates_are_written_and_read_back_as_an_empty_roster() {
    let server = TestServer::start().await;
    let dir = server.dir().join("templates");
    let out = cli(BINARY, &server.db_url, &["template", dir.to_str().unwrap()]);
    assert!(out.ok, "{}", out.all());
    let book = dir.join("民情通导入模板.xlsx");
    let csvs = ["单位.csv", "村.csv", "干部.csv", "联系户.csv"].map(|f| dir.join(f));
    let mut files = vec![book.to_str().unwrap().to_owned()];
    files.extend(csvs.iter().map(|f| f.to_str().unwrap().to_owned()));
    for f in &files {
        let out = cli(BINARY, &server.db_url, &["import", "--dry-run", f]);
        assert!(out.ok, "{f}: {}", out.all());
        assert!(out.stdout.contains("新建 0 created"), "{f}: {}", out.stdout);
    }
    // Every closed list is a dropdown, and every sheet shows one example row (which the dry run
    // above imported as nothing).
    let bytes = std::fs::read(&book).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).unwrap();
    let mut lists = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        if !entry.name().unwrap().starts_with("xl/worksheets/sheet") {
            continue;
        }
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut entry, &mut xml).unwrap();
        for part in xml.split("<formula1>").skip(1) {
            lists.push(part[..part.find("</formula1>").unwrap()].to_owned());
        }
    }
    for expected in ["乡镇,县直单位,组织部", "先进村,中间状态村,后进村", "已确认"]
    {
        assert!(lists.iter().any(|l| l.contains(expected)), "{expected} in {lists:?}");
    }
    assert_eq!(lists.len(), 4, "单位类别, 村类别, 职务类别, 状态: {lists:?}");
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    for sheet in ["单位", "村", "干部", "联系户"] {
        let range = calamine::Reader::worksheet_range(&mut workbook, sheet).unwrap();
        let first = range.get((1, 0)).map(|c| c.to_string()).unwrap_or_default();
        assert!(first.starts_with("【示例】"), "{sheet}: an example row, marked: {first:?}");
    }
}
