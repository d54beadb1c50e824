//! 名册导入: the Organization Department uploads a roster (.xlsx or .csv), sees the row-by-row
//! plan and every error (a dry run, the default), then imports it in one transaction — the same
//! `admin::import` as `minqing-server import`.

use axum::extract::{Multipart, State};
use axum::response::{IntoResponse, Response};
use maud::html;

use crate::admin::county::Target;
use crate::admin::import::{self, ImportError};
use crate::office::kit::download::{XLSX, download};
use crate::office::kit::error::OfficeError;
use crate::office::kit::layout::{Nav, shell};
use crate::office::kit::session::OfficeUser;
use crate::state::AppState;

/// The largest roster accepted (a county's rosters are a few hundred KB).
pub(super) const MAX_UPLOAD: usize = crate::admin::workbook::MAX_FILE_BYTES as usize;

fn form(user: &OfficeUser, result: Option<maud::Markup>) -> Response {
    let body = html! {
        h1 { "名册导入" }
        p {
            "上传单位、村、干部、联系户名册（.xlsx，或 UTF-8、GBK 编码的 .csv）。"
            a href="/office/import/template.xlsx" { "下载导入模板" }
            "（每类一张工作表，红色列必填，“说明”表列出每列的写法）。"
        }
        p { "默认先试运行：逐行列出将新建、修改的记录和全部错误，不写入数据；确认无误后取消“试运行”再导入，整份名册一次写入，有任何错误则不写入。" }
        form method="post" action="/office/import" enctype="multipart/form-data" {
            (user.csrf_field())
            input type="file" name="file" accept=".xlsx,.csv" required;
            " "
            label { input type="checkbox" name="dry_run" value="1" checked; " 试运行（不写入）" }
            " "
            button.primary type="submit" { "上传" }
        }
        @if let Some(result) = result { (result) }
    };
    shell(user, "名册导入", Nav::Import, body)
}

/// `GET /office/import`.
pub(super) async fn page(user: OfficeUser) -> Response {
    if !user.county_wide() {
        return OfficeError::forbidden("名册导入由县委组织部进行").into_response();
    }
    form(&user, None)
}

/// `GET /office/import/template.xlsx`: the roster template, as `minqing-server template` writes it.
pub(super) async fn template(user: OfficeUser) -> Response {
    if !user.county_wide() {
        return OfficeError::forbidden("名册导入由县委组织部进行").into_response();
    }
    match crate::admin::template::workbook() {
        Ok(bytes) => download(XLSX, crate::admin::template::WORKBOOK, bytes),
        Err(e) => OfficeError::from(crate::error::ApiError::internal(e)).into_response(),
    }
}

/// `POST /office/import` (multipart: `_csrf`, `file`, `dry_run`).
pub(super) async fn upload(
    user: OfficeUser,
    State(state): State<AppState>,
    mut multipart: Multipart,
) -> Response {
    if !user.county_wide() {
        return OfficeError::forbidden("名册导入由县委组织部进行").into_response();
    }
    let (mut csrf, mut file, mut dry_run) = (String::new(), None, false);
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => return OfficeError::bad_request("上传的表单无法读取").into_response(),
        };
        match field.name().unwrap_or_default() {
            "_csrf" => csrf = field.text().await.unwrap_or_default(),
            "dry_run" => dry_run = true,
            "file" => {
                let name = field.file_name().unwrap_or_default().to_lowercase();
                match field.bytes().await {
                    Ok(bytes) if bytes.len() <= MAX_UPLOAD => file = Some((name, bytes)),
                    _ => {
                        return OfficeError::bad_request(
                            "文件超过 20 MB 或无法读取 (the file is over 20 MB or unreadable)",
                        )
                        .into_response();
                    }
                }
            }
            _ => {}
        }
    }
    if csrf.is_empty() || csrf != user.csrf {
        return OfficeError::forbidden("页面已过期，请刷新后重试").into_response();
    }
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return form(&user, Some(html! { p.error { "请选择名册文件" } }));
    };
    let ext = if name.ends_with(".csv") { "csv" } else { "xlsx" };
    let path = std::env::temp_dir().join(format!("minqing-import-{}.{ext}", uuid::Uuid::now_v7()));
    if std::fs::write(&path, &bytes).is_err() {
        return OfficeError::bad_request("无法保存上传的文件").into_response();
    }
    let db = state.db().clone();
    let run_path = path.clone();
    let (target, now) = (Target::Id(user.unit.county_id), state.now_ms());
    let outcome =
        tokio::task::spawn_blocking(move || import::run(&db, &[run_path], &target, dry_run, now))
            .await;
    let _ = std::fs::remove_file(&path);
    let result = match outcome {
        Ok(Ok(report)) => html! {
            h2 { @if dry_run { "试运行结果" } @else { "导入完成" } }
            pre.report { (report.text) }
            @if !report.passwords.is_empty() {
                h2 { "新账号的初始密码（仅显示一次，首次登录须修改）" }
                table {
                    tr { th { "用户名" } th { "姓名" } th { "初始密码" } }
                    @for (username, name, password) in &report.passwords {
                        tr { td { (username) } td { (name) } td { code { (password) } } }
                    }
                }
            }
        },
        Ok(Err(ImportError::Problems { report, count })) => html! {
            h2.error { "发现" (count) "个错误，未写入任何数据" }
            pre.report { (report) }
        },
        Ok(Err(e)) => html! { p.error { (e.to_string()) } },
        Err(e) => return OfficeError::from(e).into_response(),
    };
    form(&user, Some(result))
}
