//! The office in a real browser (headless Chromium over WebDriver): the township office logs
//! in, files a household, records the joint meeting's decision and submits the monthly report;
//! the cadre's phone then pulls the decision. Every page is photographed (into
//! `MINQING_SHOTS`, default /tmp/office-shots) and the card sheet printed to PDF, where every
//! QR code must decode to its cadre's vCard.
//!
//! Needs Debian's `chromium`, `chromium-driver` and `poppler-utils` (scripts/test installs them
//! as root); without them the test says SKIPPED and passes.

use std::path::PathBuf;
use std::process::Command;

use minqing_mobile::sync::Transport;
use minqing_shared::calendar::{YearMonth, meeting_date};
use minqing_shared::concern::{Category, ConcernAction, SpecialReport};
use minqing_shared::sync::op::Payload;
use minqing_tests::browser::{Browser, installed};
use minqing_tests::{ApiPhone, TestServer};

/// A picture as a cadre's camera might take it: sky, a field, a well's stone ring.
fn well_picture() -> Vec<u8> {
    let img = image::ImageBuffer::from_fn(1600, 1200, |x, y| {
        let (dx, dy) = (x as i64 - 800, y as i64 - 820);
        if dx * dx + dy * dy / 2 < 160 * 160 && dx * dx + dy * dy / 2 > 110 * 110 {
            image::Rgb([150u8, 150, 145])
        } else if y < 500 {
            image::Rgb([120u8, 170, (230 - y / 10) as u8])
        } else {
            image::Rgb([(90 + (x % 40) / 4) as u8, 140, 60])
        }
    });
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

fn shots() -> PathBuf {
    let dir = std::env::var("MINQING_SHOTS").unwrap_or_else(|_| "/tmp/office-shots".into());
    std::fs::create_dir_all(&dir).expect("the screenshot folder");
    PathBuf::from(dir)
}

async fn login(b: &Browser, url: &str, user: &str) {
    b.goto(&format!("{url}/office/login")).await;
    b.type_into("input[name=username]", user).await;
    b.type_into("input[name=password]", minqing_tests::PASSWORD).await;
    b.click("button[type=submit]").await;
    b.wait_text("退出").await;
    assert!(b.url().await.ends_with("/office"), "logged in as {user}: {}", b.url().await);
}

#[tokio::test]
async fn the_office_works_in_chromium_and_the_phone_gets_the_decision() {
    let Some((chromium, driver)) = installed() else {
        println!(
            "SKIPPED: chromium and chromium-driver are not installed (apt-get install chromium chromium-driver poppler-utils)"
        );
        return;
    };
    let server = TestServer::start().await;
    let county = server.county();
    let (bureau, _) = server.department(&county, "县水利局", "shuili");
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let mut ops = Vec::new();
    let mut homes = Vec::new();
    for head in ["张大山", "刘桂兰", "陈二柱"] {
        let (id, op) = wang.new_household(county.village, head);
        homes.push(id);
        ops.push(op);
    }
    let (visit, mut v) = wang.visit(homes[0], "入户走访，了解吃水情况");
    // A photo of the well, taken on the phone (a picture drawn here: sky, field, the well).
    let well_photo = minqing_mobile::photo::take(&well_picture()).expect("a photo");
    if let Payload::Visit(body) = &mut v.payload {
        body.photos = vec![well_photo.id.clone()];
    }
    let (well, raise) = wang.raise(homes[0], Some(visit), Category::Irrigation, "机井坏了，吃水难");
    let report = SpecialReport {
        title: "三组机井损坏吃水难".into(),
        content: "三组机井坏了两个月，四十户吃水要到邻村拉".into(),
        households_affected: Some(40),
    };
    let up = wang.step(well, ConcernAction::Escalate { report });
    ops.extend([v, raise, up]);
    assert!(wang.push(&ops).await.ok().rejected.is_empty());
    wang.pull_all().await;
    let sent = minqing_mobile::sync::HttpTransport::default()
        .upload_photo(
            &server.url,
            &wang.token,
            &well_photo.id,
            0,
            well_photo.jpeg.len() as u64,
            well_photo.jpeg.clone(),
        )
        .await
        .expect("the photo is stored");
    assert!(sent.complete);

    let dir = shots();
    let url = &server.url;
    let b = Browser::start(&chromium, &driver).await;
    b.goto(&format!("{url}/office/login")).await;
    b.screenshot(&dir.join("01-login.png")).await;
    login(&b, url, "office").await;
    b.screenshot(&dir.join("02-home.png")).await;

    // File a household.
    b.goto(&format!("{url}/office/households")).await;
    b.click(&format!("input[name=id][value=\"{}\"]", homes[0])).await;
    b.screenshot(&dir.join("03-households.png")).await;
    b.click("form[action=\"/office/households/file\"] button.primary").await;
    b.wait_url("status=filed").await;
    assert!(b.source().await.contains("张大山"));
    let filed = server.sql().count("SELECT COUNT(*) FROM households WHERE status = 'filed'", &[]);
    assert_eq!(filed, 1, "filed through the browser");
    b.goto(&format!("{url}/office/households/{}", homes[0])).await;
    let thumb = format!("/office/photos/{}/thumb", well_photo.id);
    assert!(b.source().await.contains(&thumb), "the visit's photo on the form");
    b.screenshot(&dir.join("04-registration-form.png")).await;
    b.goto(&format!("{url}/office/households/new")).await;
    b.click("button.primary").await;
    b.wait_text("请更正标红的栏目").await;
    b.screenshot(&dir.join("05-new-household-errors.png")).await;

    // Record the joint meeting's decision.
    let month = YearMonth::of(minqing_tests::clock::today());
    b.goto(&format!("{url}/office/meeting?month={month}")).await;
    let form = format!("form[action=\"/office/concerns/{well}/decide\"]");
    b.type_into(&format!("{form} textarea[name=solution]"), "县水利局年内打新井一眼").await;
    b.type_into(&format!("{form} input[name=handler]"), "李水利").await;
    let deadline = meeting_date(month).format("%Y-%m-%d");
    b.script(&format!(
        "document.querySelector('{form} input[name=deadline]').value = '{deadline}';
         document.querySelector('{form} select[name=unit]').value = '{bureau}'"
    ))
    .await;
    b.screenshot(&dir.join("06-meeting-form.png")).await;
    b.click(&format!("{form} button.primary")).await;
    b.wait_text("承办人：李水利").await;
    let page = b.source().await;
    assert!(
        page.contains("县水利局年内打新井一眼") && page.contains("李水利"),
        "the decision is shown"
    );
    b.screenshot(&dir.join("07-meeting-decided.png")).await;

    // Submit the monthly report.
    b.goto(&format!("{url}/office/report?month={month}")).await;
    b.type_into("textarea[name=notes]", "本月走访到位，机井问题已上报联席会议研究。").await;
    b.click("button[value=submit]").await;
    b.wait_text("报送时间").await;
    assert!(b.source().await.contains("已报送"), "the report is submitted");
    b.screenshot(&dir.join("08-report-submitted.png")).await;

    for (name, path) in [
        ("09-week", "/office/week".to_owned()),
        ("10-concerns", "/office/concerns".to_owned()),
        ("11-concern-detail", format!("/office/concerns/{well}")),
        ("12-ledger-office", "/office/ledger".to_owned()),
        ("13-evaluation-office", "/office/evaluation".to_owned()),
        ("24-household-edit", format!("/office/households/{}/edit", homes[0])),
        // Last: the card sheet printed below is the page shown.
        ("14-cards", "/office/cards".to_owned()),
    ] {
        b.goto(&format!("{url}{path}")).await;
        b.screenshot(&dir.join(format!("{name}.png"))).await;
    }

    // The card sheet, printed: every QR code decodes to its cadre's vCard.
    let pdf = b.print_pdf().await;
    assert!(pdf.starts_with(b"%PDF"), "a PDF");
    let pdf_path = dir.join("cards.pdf");
    std::fs::write(&pdf_path, &pdf).expect("write the PDF");
    for entry in std::fs::read_dir(&dir).expect("the folder").flatten() {
        if entry.file_name().to_string_lossy().starts_with("cards-page") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    let prefix = dir.join("cards-page");
    let rendered =
        Command::new("pdftoppm").args(["-r", "200", "-png"]).arg(&pdf_path).arg(&prefix).status();
    match rendered {
        Ok(status) if status.success() => {
            let mut vcards = Vec::new();
            for entry in std::fs::read_dir(&dir).expect("the folder") {
                let path = entry.expect("an entry").path();
                let name = path.file_name().unwrap().to_string_lossy().to_string();
                if !name.starts_with("cards-page") {
                    continue;
                }
                let img = image::open(&path).expect("a rendered page").to_luma8();
                let mut prepared = rqrr::PreparedImage::prepare(img);
                for grid in prepared.detect_grids() {
                    vcards.push(grid.decode().expect("a readable QR code").1);
                }
            }
            assert_eq!(vcards.len(), 2, "wang's and li's cards");
            for name in ["王建国", "李秀英"] {
                let card = vcards.iter().find(|v| v.contains(&format!("FN:{name}"))).expect(name);
                assert!(
                    card.starts_with("BEGIN:VCARD") && card.contains("TEL;TYPE=CELL:13800138000")
                );
            }
        }
        _ => println!("SKIPPED the PDF's QR check: pdftoppm (poppler-utils) is not installed"),
    }

    // The water bureau's desk: the well, its deadline; it reports this week's progress.
    b.goto(&format!("{url}/office/login")).await;
    login(&b, url, "shuili").await;
    b.goto(&format!("{url}/office/desk")).await;
    assert!(b.source().await.contains("三组机井损坏吃水难"), "the bureau's desk lists the well");
    b.type_into("form[action$=\"/progress\"] input[name=note]", "已完成选址，钻井队下周进场").await;
    b.screenshot(&dir.join("25-desk.png")).await;
    b.click("form[action$=\"/progress\"] button.primary").await;
    b.wait_text("已完成选址，钻井队下周进场").await;
    b.screenshot(&dir.join("26-desk-reported.png")).await;

    // The Organization Department's pages.
    b.goto(&format!("{url}/office/login")).await;
    login(&b, url, "org").await;
    // The ledger: the well put on it from the candidates (a one-concern item).
    b.goto(&format!("{url}/office/ledger")).await;
    b.click(&format!("form.merge input[name=c][value=\"{well}\"]")).await;
    b.type_into("form.merge input[name=reason]", "涉及40户群众吃水").await;
    b.click("form.merge button.primary").await;
    b.wait_text("挂账原因：涉及40户群众吃水").await;
    for (name, path) in [
        ("15-home-org", "/office".to_owned()),
        ("16-report-county", format!("/office/report?month={month}")),
        ("17-ledger-org", "/office/ledger".to_owned()),
        ("18-evaluation-county", "/office/evaluation".to_owned()),
        ("19-notice", "/office/evaluation/notice".to_owned()),
        ("20-import", "/office/import".to_owned()),
        ("21-accounts", "/office/accounts".to_owned()),
        ("22-audit", "/office/audit".to_owned()),
        ("24-setup-sheet", "/office/cards?kind=setup".to_owned()),
        ("27-notifications", "/office/notifications".to_owned()),
    ] {
        b.goto(&format!("{url}{path}")).await;
        b.screenshot(&dir.join(format!("{name}.png"))).await;
    }
    // 账号管理: reset li's password through the confirmation; the new one is shown once.
    b.goto(&format!("{url}/office/accounts?q=li")).await;
    b.click("form[action=\"/office/accounts/reset-password\"] button").await;
    b.wait_text("重置密码吗").await;
    b.click("form[action=\"/office/accounts/reset-password\"] button.primary").await;
    b.wait_text("此密码只显示这一次").await;
    b.screenshot(&dir.join("23-password-reset.png")).await;
    let must_change =
        server.sql().count("SELECT COUNT(*) FROM cadres WHERE must_change_password", &[]);
    assert_eq!(must_change, 1, "li's password was reset through the browser");
    b.quit().await;

    // The cadre's phone pulls the decision.
    let changes = wang.pull_all().await;
    let decision = changes.iter().find_map(|c| match &c.op.payload {
        Payload::Concern(step) if c.op.record_id == well.0 => match &step.action {
            ConcernAction::Assign { decision } => Some(decision.clone()),
            _ => None,
        },
        _ => None,
    });
    let decision = decision.expect("the phone pulled the meeting's decision");
    assert_eq!(
        (decision.handler.as_str(), decision.solution.as_str()),
        ("李水利", "县水利局年内打新井一眼")
    );
    println!("screenshots in {}", dir.display());
}
