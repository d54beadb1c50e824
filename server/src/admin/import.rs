//! `minqing-server import`: a roster's spreadsheets into the database. A dry run reports, row
//! by row, what would be created or changed and every problem; the real run plans again inside
//! one write transaction and writes nothing unless the whole file is clean. Units, villages,
//! cadres and households go in as ops of an import device with an Organization Department
//! author, through the same checks as every other change, so phones pull them.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use minqing_shared::ids::{CadreId, DeviceId, UnitId};
use minqing_shared::org::{Role, UnitKind};
use minqing_shared::sync::HlcClock;
use minqing_shared::sync::op::{CadreBody, Payload, UnitBody, VillageBody};

use super::county::{self, Target};
use super::plan::{Action, Plan, Snapshot, Step, plan};
use super::roster::{self, Problem};
use super::sheet;
use crate::audit::{self, Who};
use crate::password::hash_password;
use crate::store::{AuditAction, Db, Section, StoreError, Tx};
use crate::sync::{Author, ServerDevice};

/// Why an import wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A file could not be read as a roster.
    #[error("{0}")]
    File(String),
    /// The roster has problems; the report lists them.
    #[error("{report}发现{count}个错误，未写入任何数据 ({count} problems: nothing was written)")]
    Problems {
        /// How many.
        count: usize,
        /// The row-by-row report with the problems.
        report: String,
    },
    /// A row was refused by the sync checks.
    #[error("{0}: {1}")]
    Refused(String, String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What an import did (or, for a dry run, would do).
#[derive(Debug)]
pub struct Report {
    /// The row-by-row report, for a person.
    pub text: String,
    /// New accounts and their initial passwords (empty for a dry run).
    pub passwords: Vec<(String, String, String)>,
    /// (created, changed, unchanged) rows.
    pub counts: (usize, usize, usize),
}

/// Reads and types `files`; file-level errors stop at once, row problems are returned.
fn read(files: &[PathBuf]) -> Result<(roster::Roster, Vec<Problem>), ImportError> {
    let mut tables = Vec::new();
    for f in files {
        tables.extend(sheet::read_file(f).map_err(ImportError::File)?);
    }
    tables.sort_by_key(|t| t.kind);
    Ok(roster::parse(&tables))
}

fn describe<T>(out: &mut String, sheet: &str, steps: &[Step<T>], name: impl Fn(&T) -> String) {
    for s in steps {
        let what = match &s.action {
            Action::Create => "新建 create".to_owned(),
            Action::Update(fields) => format!("修改 change: {}", fields.join("、")),
            Action::Same => "不变 unchanged".to_owned(),
        };
        let _ = writeln!(out, "{sheet} {}: {} — {what}", s.at, name(&s.record));
    }
}

fn report_text(plan: &Plan, problems: &[Problem]) -> String {
    let mut out = String::new();
    describe(&mut out, "单位", &plan.units, |u| u.name.clone());
    describe(&mut out, "村", &plan.villages, |v| v.name.clone());
    describe(&mut out, "干部", &plan.cadres, |c| format!("{} ({})", c.name, c.username));
    describe(&mut out, "联系户", &plan.households, |h| h.label.clone());
    for w in &plan.warnings {
        let _ = writeln!(out, "提醒 warning: {w}");
    }
    for p in problems {
        let _ = writeln!(out, "错误 error: {}: {}", p.at, p.message);
    }
    let (c, u, s) = plan.counts();
    let _ = writeln!(out, "合计 total: 新建 {c} created, 修改 {u} changed, 不变 {s} unchanged");
    out
}

/// The author of the import's ops: an Organization Department (or administrator) account if
/// one exists or is being imported, acting county-wide.
fn author(plan: &Plan, snap: &Snapshot, device: DeviceId) -> Author {
    let county_wide = |c: &&minqing_shared::org::Cadre| c.role.is_county_wide();
    let cadre = snap.cadres.iter().find(county_wide).or(plan
        .cadres
        .iter()
        .map(|s| &s.record)
        .find(county_wide));
    let org_unit = plan
        .units
        .iter()
        .map(|s| &s.record)
        .chain(&snap.units)
        .find(|u| u.kind == UnitKind::OrganizationDepartment)
        .map(|u| u.id);
    Author {
        device_id: device,
        cadre_id: cadre.map_or(CadreId(uuid::Uuid::nil()), |c| c.id),
        role: Role::OrganizationDept,
        unit_id: cadre.map(|c| c.unit_id).or(org_unit).unwrap_or(UnitId(uuid::Uuid::nil())),
        unit_kind: UnitKind::OrganizationDepartment,
        county_id: snap.county,
    }
}

/// A random initial password: 10 characters without look-alikes (0/O, 1/l/I).
pub fn initial_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..10).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect()
}

/// Plans `files` into the county `target` of `db` and, unless `dry_run`, writes them in one
/// transaction.
pub fn run(
    db: &Db,
    files: &[PathBuf],
    target: &Target,
    dry_run: bool,
    now_ms: i64,
) -> Result<Report, ImportError> {
    let (roster, problems) = read(files)?;
    run_roster(db, &roster, target, problems, dry_run, now_ms)
}

/// Plans typed rows over `db` (with the `problems` found reading them) and, unless `dry_run`,
/// writes them in one transaction.
pub fn run_roster(
    db: &Db,
    roster: &roster::Roster,
    target: &Target,
    mut problems: Vec<Problem>,
    dry_run: bool,
    now_ms: i64,
) -> Result<Report, ImportError> {
    let (first, snap) = db.read(|tx| {
        let (county, _) = county::resolve(tx, target)?.map_err(ImportError::File)?;
        let snap = Snapshot::read(tx, county.id)?;
        Ok::<_, ImportError>((plan(&snap, roster), snap))
    })?;
    drop(snap);
    problems.extend(first.problems.iter().cloned());
    let text = report_text(&first, &problems);
    if !problems.is_empty() {
        return Err(ImportError::Problems { count: problems.len(), report: text });
    }
    if dry_run || first.counts().0 + first.counts().1 == 0 {
        let counts = first.counts();
        let note = if dry_run { "试运行，未写入 (dry run: nothing written)\n" } else { "" };
        return Ok(Report { text: format!("{text}{note}"), passwords: vec![], counts });
    }
    // Hash the new accounts' passwords before taking the write lock (Argon2 is slow on purpose).
    let mut secrets: HashMap<String, (String, String)> = HashMap::new();
    for s in first.cadres.iter().filter(|s| s.action == Action::Create) {
        let password = initial_password();
        let hash = hash_password(&password);
        secrets.insert(s.record.username.clone(), (password, hash));
    }
    let (plan, passwords) = db.write(|tx| {
        tx.exclusive(Section::Roster)?;
        let (county, new) = county::resolve(tx, target)?.map_err(ImportError::File)?;
        if new {
            tx.put_county(&county)?;
        }
        let snap = Snapshot::read(tx, county.id)?;
        let plan = plan(&snap, roster);
        if !plan.problems.is_empty() {
            let report = report_text(&plan, &plan.problems);
            return Err(ImportError::Problems { count: plan.problems.len(), report });
        }
        let passwords = apply(tx, &plan, &snap, &mut secrets, now_ms)?;
        Ok((plan, passwords))
    })?;
    // The roster is stored: settling the database after it is housekeeping, not the import's.
    if let Err(e) = db.after_bulk_write() {
        tracing::warn!(error = %e, "settling the database after the import failed");
    }
    let counts = plan.counts();
    Ok(Report { text: report_text(&plan, &[]), passwords, counts })
}

fn act(
    tx: &mut Tx<'_>,
    device: &ServerDevice,
    author: &Author,
    id: uuid::Uuid,
    payload: Payload,
    what: &str,
    now_ms: i64,
) -> Result<(), ImportError> {
    let record_type = payload.record_type().code();
    if let Err(r) = device.act(tx, author, id, payload, now_ms)? {
        return Err(ImportError::Refused(what.to_owned(), r.message));
    }
    let who = Who {
        cadre: Some(author.cadre_id),
        device: Some(device.id),
        address: Some("cli import".into()),
    };
    audit::record(tx, &who, AuditAction::Change, record_type, Some(id.to_string()), 1, now_ms)?;
    Ok(())
}

/// Writes `plan` (planned in this transaction) as ops of a new import device.
fn apply(
    tx: &mut Tx<'_>,
    plan: &Plan,
    snap: &Snapshot,
    secrets: &mut HashMap<String, (String, String)>,
    now_ms: i64,
) -> Result<Vec<(String, String, String)>, ImportError> {
    let id = DeviceId::new();
    tx.insert_server_device(id, &format!("import {now_ms}"), now_ms)?;
    let device = ServerDevice { id, clock: std::sync::Mutex::new(HlcClock::new()) };
    let author = author(plan, snap, id);
    let changed = |a: &Action| *a != Action::Same;
    for s in plan.units.iter().filter(|s| changed(&s.action)) {
        let u = &s.record;
        let body = UnitBody { name: u.name.clone(), kind: u.kind, county_id: Some(u.county_id) };
        act(tx, &device, &author, u.id.0, Payload::Unit(body), &s.at.to_string(), now_ms)?;
    }
    for s in plan.villages.iter().filter(|s| changed(&s.action)) {
        let v = &s.record;
        let body = VillageBody {
            name: v.name.clone(),
            township_id: v.township_id,
            population: v.population,
            standing: v.standing,
        };
        act(tx, &device, &author, v.id.0, Payload::Village(body), &s.at.to_string(), now_ms)?;
    }
    let mut passwords = Vec::new();
    for s in plan.cadres.iter().filter(|s| changed(&s.action)) {
        let c = &s.record;
        if s.action == Action::Create {
            let (password, hash) = secrets.remove(&c.username).unwrap_or_else(|| {
                let p = initial_password();
                let h = hash_password(&p);
                (p, h)
            });
            tx.put_cadre(c, Some(&hash))?;
            tx.set_password(c.id, &hash, true, now_ms)?;
            passwords.push((c.username.clone(), c.name.clone(), password));
        }
        let unit_name = tx.unit(c.unit_id)?.map(|u| u.name).unwrap_or_default();
        let body = CadreBody {
            name: c.name.clone(),
            unit_id: c.unit_id,
            unit_name,
            role: c.role,
            phone: c.phone.clone(),
            title: c.title.clone(),
            villages: c.villages.clone(),
        };
        act(tx, &device, &author, c.id.0, Payload::Cadre(body), &s.at.to_string(), now_ms)?;
    }
    for s in plan.households.iter().filter(|s| changed(&s.action)) {
        let h = &s.record;
        let payload = Payload::Household(h.patch.clone());
        act(tx, &device, &author, h.id.0, payload, &s.at.to_string(), now_ms)?;
    }
    Ok(passwords)
}
