//! Setting up a real county from its own spreadsheets, and administering it from the command
//! line: roster import and templates, accounts, devices and the audit log.
//!
//! - [`sheet`] reads `.xlsx` (through [`workbook`], within bounds) / `.csv` into tables; [`roster`] types their rows;
//!   [`plan`] compares them with the database; [`import`] reports and writes them.
//! - [`template`] writes the templates; [`accounts`] holds the account, device and audit
//!   commands.

pub mod accounts;
pub mod county;
pub mod import;
pub mod plan;
pub mod roster;
pub mod sheet;
pub mod template;
pub mod workbook;

use std::path::PathBuf;

use minqing_shared::sync::wire::EraseOrder;

use crate::config::{AccountAction, Command, DeviceAction};
use crate::store::Db;
use minqing_shared::clock::{Clock, SystemClock};

/// Runs an administration command and returns what to print; `None` if `command` is not one.
pub fn run(command: Command) -> Option<accounts::CliResult> {
    Some(match command {
        Command::Template(t) => template::write(&t.dir).map_err(Into::into).map(|files| {
            let list: Vec<String> = files.iter().map(|f| format!("  {}\n", f.display())).collect();
            format!("已写入模板 (templates written):\n{}", list.concat())
        }),
        Command::Import(a) => open(&a.db).and_then(|db| {
            let target = a.county.map_or(county::Target::Only, county::Target::Named);
            import_files(&db, &a.files, &target, a.dry_run, a.passwords)
        }),
        Command::Account(a) => open(&a.db).and_then(|db| match a.action {
            AccountAction::Create {
                username,
                name,
                unit,
                role,
                phone,
                title,
                villages,
                county,
            } => {
                let new =
                    accounts::NewAccount { username, name, unit, role, phone, title, villages };
                let target = county.map_or(county::Target::Only, county::Target::Named);
                accounts::create(&db, &new, &target, SystemClock.now_ms())
            }
            AccountAction::Disable { username } => accounts::set_disabled(&db, &username, true),
            AccountAction::Enable { username } => accounts::set_disabled(&db, &username, false),
            AccountAction::ResetPassword { username } => {
                accounts::reset_password(&db, &username, SystemClock.now_ms())
            }
        }),
        Command::Device(d) => open(&d.db).and_then(|db| match d.action {
            DeviceAction::List { username } => accounts::list_devices(&db, username.as_deref()),
            DeviceAction::Revoke { device } => {
                accounts::revoke_device(&db, &device, SystemClock.now_ms())
            }
            DeviceAction::Wipe { device } => {
                accounts::order_erase(&db, &device, EraseOrder::Wipe, SystemClock.now_ms())
            }
            DeviceAction::Retire { device } => {
                accounts::order_erase(&db, &device, EraseOrder::Retire, SystemClock.now_ms())
            }
        }),
        Command::Audit(a) => open(&a.db).and_then(|db| {
            accounts::search_audit(&db, a.who.as_deref(), a.since.as_deref(), a.csv, a.limit)
        }),
        _ => return None,
    })
}

fn open(url: &str) -> Result<Db, Box<dyn std::error::Error + Send + Sync>> {
    Ok(Db::open(url)?)
}

fn import_files(
    db: &Db,
    files: &[PathBuf],
    target: &county::Target,
    dry_run: bool,
    passwords: Option<PathBuf>,
) -> accounts::CliResult {
    let now = SystemClock.now_ms();
    let report = import::run(db, files, target, dry_run, now).map_err(|e| match e {
        import::ImportError::Problems { count, report } => {
            print!("{report}");
            format!("发现{count}个错误，未写入任何数据 ({count} problems: nothing was written)")
        }
        other => other.to_string(),
    })?;
    let mut out = report.text;
    if report.passwords.is_empty() {
        return Ok(out);
    }
    let mut w = crate::spreadsheet::SafeCsv::new(b"");
    w.write_record(["用户名 username", "姓名 name", "初始密码 initial password"])?;
    for (u, n, p) in &report.passwords {
        w.write_record([u, n, p])?;
    }
    let table = String::from_utf8(w.into_bytes()?)?;
    match passwords {
        Some(path) => {
            write_private(&path, &table)?;
            out.push_str(&format!(
                "{}个新用户的初始密码已写入 {}（首次登录须修改） (initial passwords written; each must be changed at first login)\n",
                report.passwords.len(),
                path.display()
            ));
        }
        None => {
            out.push_str("新用户的初始密码（只显示这一次，首次登录须修改） (initial passwords, shown once; each must be changed at first login):\n");
            out.push_str(&table);
        }
    }
    Ok(out)
}

/// Writes a file only its owner can read.
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(path)?, text.as_bytes())
}
