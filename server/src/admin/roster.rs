//! A roster's rows, typed: each sheet's text checked cell by cell (labels, numbers, phones),
//! every problem kept with its sheet and line so that a dry run can list them all.

use minqing_shared::household::{HouseholdKind, HouseholdStatus};
use minqing_shared::label::Label;
use minqing_shared::org::{Role, Standing, UnitKind};

use super::sheet::{Kind, Table};

/// Where a row is: its sheet and line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct At {
    /// e.g. `roster.xlsx:干部`.
    pub source: String,
    /// The spreadsheet's line number.
    pub line: usize,
}

impl std::fmt::Display for At {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} 第{}行", self.source, self.line)
    }
}

/// Something wrong with the file: where, and what, for a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The sheet (and line, if one row).
    pub at: String,
    /// What is wrong.
    pub message: String,
}

/// A unit row.
#[derive(Clone, Debug)]
pub struct UnitIn {
    pub at: At,
    pub name: String,
    pub kind: UnitKind,
}

/// A village row.
#[derive(Clone, Debug)]
pub struct VillageIn {
    pub at: At,
    pub township: String,
    pub name: String,
    pub population: u32,
    pub standing: Standing,
}

/// A cadre row.
#[derive(Clone, Debug)]
pub struct CadreIn {
    pub at: At,
    pub name: String,
    pub unit: String,
    pub role: Role,
    pub title: String,
    pub phone: String,
    /// `乡镇/村名` or `村名`, as written.
    pub villages: Vec<String>,
    /// The login name (the phone if the cell was empty).
    pub username: String,
}

/// A household row.
#[derive(Clone, Debug)]
pub struct HouseholdIn {
    pub at: At,
    pub township: String,
    pub village: String,
    pub head: String,
    pub address: String,
    pub phone: String,
    pub kinds: Vec<HouseholdKind>,
    /// Username, phone or name of the linked cadre; empty: none.
    pub cadre: String,
    pub status: HouseholdStatus,
    pub notes: String,
}

/// Every row of a roster's files.
#[derive(Clone, Debug, Default)]
pub struct Roster {
    pub units: Vec<UnitIn>,
    pub villages: Vec<VillageIn>,
    pub cadres: Vec<CadreIn>,
    pub households: Vec<HouseholdIn>,
}

/// A labelled value from its Chinese or English label or its code (`村`-less forms too).
fn by_label<T: Label + Copy>(all: &[T], code: fn(T) -> &'static str, text: &str) -> Option<T> {
    let t = text.trim();
    all.iter().copied().find(|v| {
        let zh = v.zh();
        t == zh
            || t == zh.trim_end_matches('村')
            || t.eq_ignore_ascii_case(v.en())
            || t.eq_ignore_ascii_case(code(*v))
    })
}

/// A role from its label (主要领导 …), English name or code.
pub fn role_label(text: &str) -> Option<Role> {
    by_label(Role::ALL, Role::code, text)
}

fn choices<T: Label + Copy>(all: &[T]) -> String {
    all.iter().map(|v| v.zh()).collect::<Vec<_>>().join(" / ")
}

/// Splits a list cell: 、，,；; and line breaks.
pub fn split_list(text: &str) -> Vec<String> {
    text.split(['、', '，', ',', '；', ';', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether `phone` looks like a phone number (digits, with `+`, `-` or spaces; 7 to 20).
pub fn phone_ok(phone: &str) -> bool {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    (7..=20).contains(&digits) && phone.chars().all(|c| c.is_ascii_digit() || "+- ".contains(c))
}

/// Calls `each` on every row of `table`, if it has its required columns (else reports them).
fn read_rows(
    table: &Table,
    problems: &mut Vec<Problem>,
    mut each: impl FnMut(At, &dyn Fn(&str) -> String, &mut Vec<Problem>),
) {
    {
        let missing: Vec<&str> = table
            .kind
            .columns()
            .iter()
            .filter(|c| c.required && table.column(c.name).is_none())
            .map(|c| c.name)
            .collect();
        if !missing.is_empty() {
            problems.push(Problem {
                at: table.source.clone(),
                message: format!("缺少列「{}」 (missing column)", missing.join("」「")),
            });
            return;
        }
        for (line, cells) in &table.rows {
            let get = |name: &str| {
                table.column(name).and_then(|i| cells.get(i)).cloned().unwrap_or_default()
            };
            each(At { source: table.source.clone(), line: *line }, &get, problems);
        }
    }
}

fn need(at: &At, col: &str, value: String, problems: &mut Vec<Problem>) -> Option<String> {
    if value.is_empty() {
        problems
            .push(Problem { at: at.to_string(), message: format!("「{col}」为空 (empty)") });
        None
    } else {
        Some(value)
    }
}

fn bad(at: &At, problems: &mut Vec<Problem>, message: String) {
    problems.push(Problem { at: at.to_string(), message });
}

/// Types every row of `tables`; rows with problems are left out and their problems listed.
pub fn parse(tables: &[Table]) -> (Roster, Vec<Problem>) {
    let mut r = Roster::default();
    let mut p = Vec::new();
    for t in tables {
        match t.kind {
            Kind::Units => read_rows(t, &mut p, |at, get, p| {
                let name = need(&at, "单位名称", get("单位名称"), p);
                let kind_text = get("单位类别");
                let kind = by_label(UnitKind::ALL, UnitKind::code, &kind_text);
                if kind.is_none() {
                    let c = choices(UnitKind::ALL);
                    bad(
                        &at,
                        p,
                        format!("单位类别「{kind_text}」不对，应为 {c} (unknown unit kind)"),
                    );
                }
                if let (Some(name), Some(kind)) = (name, kind) {
                    r.units.push(UnitIn { at, name, kind });
                }
            }),
            Kind::Villages => read_rows(t, &mut p, |at, get, p| {
                let township = need(&at, "乡镇", get("乡镇"), p);
                let name = need(&at, "村名", get("村名"), p);
                let pop_text = get("人口");
                let population = pop_text.replace(',', "").parse::<u32>().ok();
                if population.is_none() {
                    bad(&at, p, format!("人口「{pop_text}」不是整数 (bad population)"));
                }
                let st_text = get("村类别");
                let standing = by_label(Standing::ALL, Standing::code, &st_text);
                if standing.is_none() {
                    let c = choices(Standing::ALL);
                    bad(&at, p, format!("村类别「{st_text}」不对，应为 {c} (unknown standing)"));
                }
                if let (Some(township), Some(name), Some(population), Some(standing)) =
                    (township, name, population, standing)
                {
                    r.villages.push(VillageIn { at, township, name, population, standing });
                }
            }),
            Kind::Cadres => read_rows(t, &mut p, |at, get, p| {
                let name = need(&at, "姓名", get("姓名"), p);
                let unit = need(&at, "单位", get("单位"), p);
                let role_text = get("职务类别");
                let role = by_label(Role::ALL, Role::code, &role_text);
                if role.is_none() {
                    let c = choices(Role::ALL);
                    bad(&at, p, format!("职务类别「{role_text}」不对，应为 {c} (unknown role)"));
                }
                let phone = need(&at, "手机", get("手机"), p);
                if let Some(phone) = phone.as_ref().filter(|ph| !phone_ok(ph)) {
                    bad(&at, p, format!("手机「{phone}」不是电话号码 (bad phone number)"));
                }
                let username = match get("用户名") {
                    u if u.is_empty() => phone.clone().unwrap_or_default(),
                    u => u,
                };
                if let (Some(name), Some(unit), Some(role), Some(phone)) = (name, unit, role, phone)
                {
                    if phone_ok(&phone) {
                        let villages = split_list(&get("联系村"));
                        let title = get("职务");
                        r.cadres.push(CadreIn {
                            at,
                            name,
                            unit,
                            role,
                            title,
                            phone,
                            villages,
                            username,
                        });
                    }
                }
            }),
            Kind::Households => read_rows(t, &mut p, |at, get, p| {
                let village = need(&at, "村", get("村"), p);
                let head = need(&at, "户主", get("户主"), p);
                let phone = get("手机");
                let phone_good = phone.is_empty() || phone_ok(&phone);
                if !phone_good {
                    bad(&at, p, format!("手机「{phone}」不是电话号码 (bad phone number)"));
                }
                let mut kinds = Vec::new();
                for k in split_list(&get("类别")) {
                    match by_label(HouseholdKind::ALL, HouseholdKind::code, &k) {
                        Some(kind) if !kinds.contains(&kind) => kinds.push(kind),
                        Some(_) => {}
                        None => bad(&at, p, format!("类别「{k}」不对 (unknown household kind)")),
                    }
                }
                kinds.sort();
                let st_text = get("状态");
                let status = if st_text.is_empty() {
                    Some(HouseholdStatus::Confirmed)
                } else {
                    by_label(HouseholdStatus::ALL, HouseholdStatus::code, &st_text)
                };
                if status.is_none() {
                    let c = choices(HouseholdStatus::ALL);
                    bad(&at, p, format!("状态「{st_text}」不对，应为 {c} (unknown status)"));
                }
                if let (Some(village), Some(head), Some(status), true) =
                    (village, head, status, phone_good)
                {
                    r.households.push(HouseholdIn {
                        at,
                        township: get("乡镇"),
                        village,
                        head,
                        address: get("地址"),
                        phone,
                        kinds,
                        cadre: get("联系干部"),
                        status,
                        notes: get("备注"),
                    });
                }
            }),
        }
    }
    (r, p)
}
