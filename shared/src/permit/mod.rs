//! Who may do what, to which record, in which state: one table ([`RULES`]) for every record
//! type, read by the server's check of every op (from a phone or from an office form alike), by
//! the screens that offer only what it allows (the phone's buttons, the office's forms), and by
//! the role-matrix tests generated from it. A refusal is named: a stable code and a message in
//! Chinese first.
//!
//! The table says *whether* a class of account may take an action from a state. What each
//! action changes is elsewhere (the concern's next status: [`crate::concern::transition`]);
//! whose records an account may touch at all is [`crate::scope`]; when an action may be dated is
//! [`time`].

mod op_actions;
mod phase;
pub mod time;

pub use op_actions::{household_actions, report_action};
pub use phase::Phase;

pub use crate::scope::Access;

use crate::concern::ConcernAction;
use crate::org::Role;

/// The classes of accounts the rules tell apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// Cadres who visit households (the phone app): principal leaders, leadership members,
    /// middle-level and ordinary cadres.
    Field,
    /// A township's or county department's contact-household office 联系户办公室.
    Office,
    /// The Organization Department 组织部.
    OrgDept,
    /// Administrators.
    Admin,
}

impl Class {
    /// Every class.
    pub const ALL: &'static [Class] = &[Class::Field, Class::Office, Class::OrgDept, Class::Admin];

    /// The class of a role.
    pub fn of(role: Role) -> Class {
        match role {
            Role::Office => Class::Office,
            Role::OrganizationDept => Class::OrgDept,
            Role::Admin => Class::Admin,
            Role::PrincipalLeader | Role::LeadershipMember | Role::MiddleLevel | Role::Ordinary => {
                Class::Field
            }
        }
    }
}

crate::label::labeled_enum! {
    /// Every action the system records, by record type.
    pub enum Action {
        CreateHousehold = "create_household" => ("新增联系户", "Add a household"),
        EditHousehold = "edit_household" => ("修改联系户信息", "Edit a household"),
        ConfirmHousehold = "confirm_household" => ("确认联系户", "Confirm a household"),
        FileHousehold = "file_household" => ("备案", "File a household"),
        LinkHousehold = "link_household" => ("调整联系干部", "Link a household to a cadre"),
        MoveHousehold = "move_household" => ("调整所属村", "Move a household to another village"),
        RetireHousehold = "retire_household" => ("停止联系", "Retire a household"),
        RestoreHousehold = "restore_household" => ("恢复联系", "Restore a household"),
        RecordVisit = "record_visit" => ("记录走访", "Record a visit"),
        AmendVisit = "amend_visit" => ("更正走访", "Correct a visit"),
        RaiseConcern = "raise" => ("反映诉求", "Raise a concern"),
        ResolveOnSpot = "resolve_on_spot" => ("马上解决", "Resolve on the spot"),
        Explain = "explain" => ("解释答复", "Explain"),
        Escalate = "escalate" => ("上报", "Escalate"),
        Assign = "assign" => ("交办", "Assign"),
        Complete = "complete" => ("办结", "Complete"),
        ReportProgress = "report_progress" => ("报告进展", "Report progress"),
        PutOnLedger = "put_on_ledger" => ("挂账督办", "Put on the ledger"),
        Supervise = "supervise" => ("督办记录", "Record supervision"),
        VoidStep = "void_step" => ("作废处理步骤", "Void a step"),
        EditReport = "edit_report" => ("编辑月报", "Edit a monthly report"),
        SubmitReport = "submit_report" => ("报送月报", "Submit a monthly report"),
        FileReport = "file_report" => ("月报备案", "File a monthly report"),
        EditUnit = "edit_unit" => ("修改单位", "Edit a unit"),
        EditVillage = "edit_village" => ("修改村", "Edit a village"),
        EditCadre = "edit_cadre" => ("修改干部", "Edit a cadre"),
        CreateAccount = "create_account" => ("新建账号", "Create an account"),
        ImportRoster = "import_roster" => ("名册导入", "Import the roster"),
        DisableAccount = "disable_account" => ("停用账号", "Disable an account"),
        EnableAccount = "enable_account" => ("启用账号", "Enable an account"),
        ResetPassword = "reset_password" => ("重置密码", "Reset a password"),
        RevokeDevice = "revoke_device" => ("注销手机", "Revoke a phone"),
    }
}

/// The kinds of record the table covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Record {
    /// A contact household 联系户.
    Household,
    /// A visit 走访.
    Visit,
    /// A concern 民情诉求.
    Concern,
    /// A unit's monthly report 月报.
    Report,
    /// Units, villages and cadres' profiles.
    Organisation,
    /// An account (and its phones).
    Account,
}

impl Action {
    /// The kind of record the action is taken on.
    pub fn record(self) -> Record {
        use Action as A;
        match self {
            A::CreateHousehold
            | A::EditHousehold
            | A::ConfirmHousehold
            | A::FileHousehold
            | A::LinkHousehold
            | A::MoveHousehold
            | A::RetireHousehold
            | A::RestoreHousehold => Record::Household,
            A::RecordVisit | A::AmendVisit => Record::Visit,
            A::RaiseConcern
            | A::ResolveOnSpot
            | A::Explain
            | A::Escalate
            | A::Assign
            | A::Complete
            | A::ReportProgress
            | A::PutOnLedger
            | A::Supervise
            | A::VoidStep => Record::Concern,
            A::EditReport | A::SubmitReport | A::FileReport => Record::Report,
            A::EditUnit | A::EditVillage | A::EditCadre => Record::Organisation,
            A::CreateAccount
            | A::ImportRoster
            | A::DisableAccount
            | A::EnableAccount
            | A::ResetPassword
            | A::RevokeDevice => Record::Account,
        }
    }

    /// The action a concern step takes.
    pub fn of_step(step: &ConcernAction) -> Action {
        match step {
            ConcernAction::Raise { .. } => Action::RaiseConcern,
            ConcernAction::ResolveOnSpot { .. } => Action::ResolveOnSpot,
            ConcernAction::Explain { .. } => Action::Explain,
            ConcernAction::Escalate { .. } => Action::Escalate,
            ConcernAction::Assign { .. } => Action::Assign,
            ConcernAction::Complete { .. } => Action::Complete,
            ConcernAction::Progress { .. } => Action::ReportProgress,
            ConcernAction::PutOnLedger { .. } => Action::PutOnLedger,
            ConcernAction::Supervise { .. } => Action::Supervise,
            ConcernAction::Void { .. } => Action::VoidStep,
        }
    }
}

/// What a ledger step needs of the concern's place on the supervision ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ledger {
    /// Either way.
    Any,
    /// On the ledger.
    On,
    /// Not (yet) on the ledger.
    Off,
}

/// One row of the table: who may take an action, from which phases.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    /// The action.
    pub action: Action,
    /// The classes of account that may take it.
    pub who: &'static [Class],
    /// The phases it may be taken from.
    pub from: &'static [Phase],
    /// What it needs of the supervision ledger (concerns only).
    pub ledger: Ledger,
    /// Why another class may not, for a person (Chinese first).
    pub only: &'static str,
    /// Whether the responsible unit 承办单位 a concern is assigned to may take it, though the
    /// household is not in its scope (concerns only; see [`permit_access`]).
    pub assignee: bool,
}

const FIELD: &[Class] = &[Class::Field];
const OFFICES: &[Class] = &[Class::Office, Class::OrgDept, Class::Admin];
const COUNTY: &[Class] = &[Class::OrgDept, Class::Admin];
const ALL: &[Class] = Class::ALL;
const OWN_OFFICE: &[Class] = &[Class::Office];

const LIVE: &[Phase] = &[Phase::Proposed, Phase::Confirmed, Phase::Filed];

const fn rule(
    action: Action,
    who: &'static [Class],
    from: &'static [Phase],
    only: &'static str,
) -> Rule {
    Rule { action, who, from, ledger: Ledger::Any, only, assignee: false }
}

/// A row the responsible unit 承办单位 may also take (see [`Rule::assignee`]).
const fn assignee_rule(
    action: Action,
    who: &'static [Class],
    from: &'static [Phase],
    only: &'static str,
) -> Rule {
    Rule { action, who, from, ledger: Ledger::Any, only, assignee: true }
}

/// The table. Each action has exactly one row (a test holds it so).
pub const RULES: &[Rule] = &[
    // Households 联系户: the village proposes, the cadre confirms, the office files.
    rule(Action::CreateHousehold, ALL, &[Phase::New], ""),
    rule(Action::EditHousehold, ALL, LIVE, ""),
    rule(Action::ConfirmHousehold, ALL, &[Phase::Proposed], ""),
    rule(
        Action::FileHousehold,
        OFFICES,
        &[Phase::Proposed, Phase::Confirmed],
        "联系户由联系户办公室备案（households are filed by the office）",
    ),
    rule(
        Action::LinkHousehold,
        OFFICES,
        LIVE,
        "联系干部由联系户办公室调整（the office links households to cadres）",
    ),
    rule(
        Action::MoveHousehold,
        OFFICES,
        LIVE,
        "联系户所属村由联系户办公室调整（the office moves households between villages）",
    ),
    rule(
        Action::RetireHousehold,
        OFFICES,
        LIVE,
        "停止联系由联系户办公室办理（the office retires households）",
    ),
    rule(
        Action::RestoreHousehold,
        OFFICES,
        &[Phase::Retired],
        "恢复联系由联系户办公室办理（the office restores households）",
    ),
    // Visits 走访: recorded and corrected by the linked cadre.
    rule(
        Action::RecordVisit,
        FIELD,
        &[Phase::New],
        "走访由联系干部记录（visits are recorded by the linked cadre）",
    ),
    rule(
        Action::AmendVisit,
        FIELD,
        &[Phase::Existing],
        "走访由记录它的干部更正（a visit is corrected by the cadre who recorded it）",
    ),
    // Concerns 民情诉求: raised and handled at the doorstep by the cadre; escalated ones decided
    // by the office after the joint meeting; important ones supervised by the Organization
    // Department on its ledger.
    rule(
        Action::RaiseConcern,
        FIELD,
        &[Phase::New],
        "诉求由联系干部在走访中记录（concerns are raised by the linked cadre）",
    ),
    rule(
        Action::ResolveOnSpot,
        FIELD,
        &[Phase::Raised],
        "马上解决由联系干部记录（the linked cadre resolves on the spot）",
    ),
    rule(
        Action::Explain,
        FIELD,
        &[Phase::Raised],
        "解释答复由联系干部记录（the linked cadre explains）",
    ),
    rule(
        Action::Escalate,
        FIELD,
        &[Phase::Raised, Phase::Explained],
        "上报由联系干部撰写民情专题报告（the linked cadre escalates with a special report）",
    ),
    rule(
        Action::Assign,
        OFFICES,
        &[Phase::Escalated, Phase::Assigned],
        "交办由联系户办公室按联席会议决定记录（decisions are recorded by the office after the joint meeting）",
    ),
    // The responsible unit named by the decision (a township's or a county department's
    // office) reports progress on its desk and records completion, as the deciding office may.
    assignee_rule(
        Action::Complete,
        OFFICES,
        &[Phase::Escalated, Phase::Assigned],
        "办结由联系户办公室或承办单位确认（the office or the responsible unit records completion）",
    ),
    assignee_rule(
        Action::ReportProgress,
        OFFICES,
        &[Phase::Assigned],
        "进展由承办单位报告（the responsible unit reports progress）",
    ),
    Rule {
        action: Action::PutOnLedger,
        who: COUNTY,
        from: &[Phase::Escalated, Phase::Assigned],
        ledger: Ledger::Off,
        only: "挂账督办由组织部决定（the supervision ledger is kept by the Organization Department）",
        assignee: false,
    },
    Rule {
        action: Action::Supervise,
        who: COUNTY,
        from: &[
            Phase::Raised,
            Phase::ResolvedOnSpot,
            Phase::Explained,
            Phase::Escalated,
            Phase::Assigned,
        ],
        ledger: Ledger::On,
        only: "督办记录由组织部填写（supervision is recorded by the Organization Department）",
        assignee: false,
    },
    // A cadre's own latest step, voided by them (recorded by mistake, the wrong disposition)
    // before the office or the Organization Department acted on the concern.
    Rule {
        action: Action::VoidStep,
        who: FIELD,
        from: &[Phase::Raised, Phase::ResolvedOnSpot, Phase::Explained, Phase::Escalated],
        ledger: Ledger::Off,
        only: "只有记录该步骤的联系干部可以作废（only the cadre who took a step voids it）",
        assignee: false,
    },
    // Monthly reports 月报: written and submitted by the unit's office by the 3rd, filed by the
    // Organization Department.
    rule(
        Action::EditReport,
        OWN_OFFICE,
        &[Phase::New, Phase::Draft],
        "月报由本单位联系户办公室填写（the unit's office writes its monthly report）",
    ),
    rule(
        Action::SubmitReport,
        OWN_OFFICE,
        &[Phase::New, Phase::Draft],
        "月报由本单位联系户办公室报送（the unit's office submits its monthly report）",
    ),
    rule(
        Action::FileReport,
        COUNTY,
        &[Phase::Submitted],
        "月报由组织部备案（the Organization Department files monthly reports）",
    ),
    // The organisation and accounts: the Organization Department and administrators.
    rule(
        Action::EditUnit,
        COUNTY,
        &[Phase::New, Phase::Existing],
        "单位由组织部维护（units are kept by the Organization Department）",
    ),
    rule(
        Action::EditVillage,
        COUNTY,
        &[Phase::New, Phase::Existing],
        "村由组织部维护（villages are kept by the Organization Department）",
    ),
    rule(
        Action::EditCadre,
        COUNTY,
        &[Phase::Existing],
        "干部信息由组织部维护（cadres are kept by the Organization Department）",
    ),
    rule(
        Action::CreateAccount,
        COUNTY,
        &[Phase::New],
        "账号由组织部开设（accounts are opened by the Organization Department）",
    ),
    rule(
        Action::ImportRoster,
        COUNTY,
        &[Phase::New],
        "名册由组织部导入（the roster is imported by the Organization Department）",
    ),
    rule(
        Action::DisableAccount,
        COUNTY,
        &[Phase::FieldAccount, Phase::OfficeAccount],
        "组织部管理干部和办公室的账号（the Organization Department manages cadres' and offices' accounts）",
    ),
    rule(
        Action::EnableAccount,
        COUNTY,
        &[Phase::FieldAccount, Phase::OfficeAccount],
        "组织部管理干部和办公室的账号（the Organization Department manages cadres' and offices' accounts）",
    ),
    rule(
        Action::ResetPassword,
        COUNTY,
        &[Phase::FieldAccount, Phase::OfficeAccount],
        "组织部管理干部和办公室的账号（the Organization Department manages cadres' and offices' accounts）",
    ),
    rule(
        Action::RevokeDevice,
        COUNTY,
        &[Phase::FieldAccount, Phase::OfficeAccount],
        "组织部管理干部和办公室的手机（the Organization Department manages cadres' and offices' phones）",
    ),
];

/// Why an action was refused: a stable code and a message for a person, Chinese first.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Refusal {
    /// Stable code, e.g. `not_allowed`.
    pub code: &'static str,
    /// For a person.
    pub message: String,
}

impl Refusal {
    /// A refusal. Control characters in the message (a refused value quoted back, say) are
    /// replaced: the message is shown to a person and stored as text, which in PostgreSQL cannot
    /// hold a NUL.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        let message: String = message.into();
        let message = if message.chars().any(char::is_control) {
            message.chars().map(|c| if c.is_control() { '\u{FFFD}' } else { c }).collect()
        } else {
            message
        };
        Self { code, message }
    }
}

/// The row of `action`.
pub fn rule_of(action: Action) -> &'static Rule {
    RULES
        .iter()
        .find(|r| r.action == action)
        .expect("every action has a row (tested: every_action_has_one_row)")
}

/// Whether `class` may take `action` on a record in `phase` (`on_ledger` for concerns).
pub fn permit(class: Class, action: Action, phase: Phase, on_ledger: bool) -> Result<(), Refusal> {
    let rule = rule_of(action);
    if !rule.who.contains(&class) {
        return Err(Refusal::new("not_allowed", rule.only));
    }
    if !rule.from.contains(&phase) {
        return Err(not_from(action, phase));
    }
    match (rule.ledger, on_ledger) {
        (Ledger::Off, true) => {
            Err(Refusal::new("already_on_ledger", "已经挂账督办（already on the ledger）"))
        }
        (Ledger::On, false) => {
            Err(Refusal::new("not_on_ledger", "尚未挂账督办（not on the supervision ledger）"))
        }
        _ => Ok(()),
    }
}

fn not_from(action: Action, phase: Phase) -> Refusal {
    use crate::label::Label;
    let code = match phase {
        Phase::New => "unknown_record",
        _ if action.record() == Record::Account => "not_allowed",
        _ if rule_of(action).from == [Phase::New] => "already_exists",
        _ => "illegal_transition",
    };
    Refusal::new(
        code,
        format!("此时不能{}（cannot {} now: {phase:?}）", action.zh(), action.en().to_lowercase()),
    )
}

/// Whether an account with `access` to a concern may take `action` on it: with its own
/// access (the household is in its scope) any its class may; as the responsible unit only
/// the rows marked [`Rule::assignee`].
pub fn permit_access(action: Action, access: Access) -> Result<(), Refusal> {
    match access {
        Access::Own => Ok(()),
        Access::Assignee if rule_of(action).assignee => Ok(()),
        Access::Assignee => Err(Refusal::new(
            "out_of_scope",
            "承办单位只能报告进展和办结（the responsible unit reports progress and completion only）",
        )),
    }
}

/// The actions of `record` that `class` may take on a record in `phase`, in table order: what
/// a screen offers.
pub fn offered(class: Class, record: Record, phase: Phase, on_ledger: bool) -> Vec<Action> {
    RULES
        .iter()
        .filter(|r| r.action.record() == record)
        .filter(|r| permit(class, r.action, phase, on_ledger).is_ok())
        .map(|r| r.action)
        .collect()
}

/// [`offered`] for a concern seen with `access`.
pub fn offered_on_concern(
    class: Class,
    phase: Phase,
    on_ledger: bool,
    access: Access,
) -> Vec<Action> {
    let mut actions = offered(class, Record::Concern, phase, on_ledger);
    actions.retain(|a| permit_access(*a, access).is_ok());
    actions
}

#[cfg(test)]
mod tests;
