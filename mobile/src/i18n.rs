//! The app's words, Chinese first, English second. Every user-facing string of the screens comes
//! from here: a typed table ([`Key`] → [`t`]) that the compiler checks, plus a few formatters for
//! sentences with numbers or dates. Domain labels (topics, categories, statuses …) come from
//! `minqing_shared::label::Label` on the enums themselves.

use chrono::{DateTime, NaiveDate, Utc};
use minqing_shared::calendar::{VisitWeek, china};

pub use minqing_shared::Lang;

/// The settings key under which the chosen language is stored.
pub const LANG_SETTING: &str = "lang";

/// Parses a stored language setting (Chinese unless it says English).
pub fn lang_from_setting(value: Option<&str>) -> Lang {
    match value {
        Some("en") => Lang::En,
        _ => Lang::Zh,
    }
}

/// The stored form of a language.
pub fn lang_setting(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "zh",
        Lang::En => "en",
    }
}

/// The languages offered, each named in itself.
pub const LANGUAGES: [(Lang, &str); 2] = [(Lang::Zh, "中文"), (Lang::En, "English")];

macro_rules! keys {
    ($( $(#[$doc:meta])* $key:ident => ($zh:literal, $en:literal), )+) => {
        /// A user-facing string.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Key {
            $( $(#[$doc])* #[doc = concat!($zh, " — ", $en)] $key, )+
        }

        impl Key {
            /// Every key, in declaration order.
            pub const ALL: &'static [Key] = &[$(Key::$key),+];
        }

        /// The text of `key` in `lang`.
        pub fn t(lang: Lang, key: Key) -> &'static str {
            match (lang, key) {
                $( (Lang::Zh, Key::$key) => $zh, (Lang::En, Key::$key) => $en, )+
            }
        }
    };
}

keys! {
    AppName => ("民情通", "Minqing"),
    Back => ("返回", "Back"),
    Settings => ("设置", "Settings"),
    Loading => ("加载中…", "Loading…"),
    StoreError => ("本机数据读取失败", "Could not read the phone's data"),
    // Tabs and titles.
    TabWeek => ("本周", "This week"),
    TabHouseholds => ("联系户", "Households"),
    TabConcerns => ("民情", "Concerns"),
    TabCard => ("名片", "Card"),
    TabSync => ("同步", "Sync"),
    WeekTitle => ("本周走访", "This week's visits"),
    HouseholdsTitle => ("联系户", "Contact households"),
    HouseholdTitle => ("联系户详情", "Household"),
    VisitTitle => ("记录走访", "Record a visit"),
    ConcernsTitle => ("我的民情", "My concerns"),
    CardTitle => ("我的名片", "My contact card"),
    SyncTitle => ("同步", "Sync"),
    LoginTitle => ("登录", "Log in"),
    SettingsTitle => ("登录与设置", "Login and settings"),
    // Login and settings.
    LoginIntro => ("包村干部登录后，离线也能记录走访", "Log in once; then record visits even offline"),
    ServerAddress => ("服务器地址", "Server address"),
    Username => ("用户名", "Username"),
    Password => ("密码", "Password"),
    Language => ("语言", "Language"),
    LogIn => ("登录", "Log in"),
    LoggingIn => ("正在登录…", "Logging in…"),
    LoginFailed => ("登录失败", "Login failed"),
    LoginMissing => ("请填写服务器地址、用户名和密码", "Enter the server address, username and password"),
    LogOut => ("退出登录", "Log out"),
    LoggedInAs => ("当前账号", "Logged in as"),
    LogInAgain => ("重新登录", "Log in again"),
    ChangePassword => ("修改密码", "Change password"),
    ChangePasswordIntro => ("组织部设置或重置的密码须先修改，才能登录", "A password set or reset by the office must be changed before you log in"),
    MustChangePassword => ("请先修改初始密码：输入新密码两次", "Change the initial password first: enter a new one twice"),
    OldPassword => ("原密码", "Current password"),
    NewPassword => ("新密码（至少8位）", "New password (at least 8 characters)"),
    NewPasswordAgain => ("再次输入新密码", "New password again"),
    ChangeAndLogIn => ("修改密码并登录", "Change password and log in"),
    Changing => ("正在修改…", "Changing…"),
    ChangeFailed => ("修改密码失败", "Could not change the password"),
    ChangedButLoginFailed => ("密码已修改，请用新密码登录", "Password changed: log in with the new one"),
    PasswordChanged => ("密码已修改", "Password changed"),
    PasswordTooShort => ("新密码至少8位", "The new password needs at least 8 characters"),
    PasswordSame => ("新密码不能与原密码相同", "The new password must differ from the current one"),
    PasswordMismatch => ("两次输入的新密码不一致", "The two new passwords differ"),
    BackToLogin => ("返回登录", "Back to login"),
    // This week.
    Visited => ("已走访", "Visited"),
    DueThisWeek => ("待走访", "Still due"),
    VisitedThisWeek => ("本周已走访", "Visited this week"),
    NeverVisited => ("从未走访", "Never visited"),
    AllVisited => ("本周联系户已全部走访", "Every household visited this week"),
    /// What the week's figure counts (the office counts the same).
    CountsActive => ("已确认、已备案的联系户，入户走访才计入", "Confirmed and filed households; in-person visits only"),
    NoHouseholds => ("还没有联系户，请先同步", "No households yet: sync first"),
    RecordVisit => ("记录走访", "Record visit"),
    // Households.
    SearchHint => ("搜索户主、村、地址或电话", "Search name, village, address or phone"),
    NoMatch => ("没有找到联系户", "No household found"),
    LastVisit => ("上次走访", "Last visit"),
    Call => ("拨打电话", "Call"),
    NoPhone => ("未登记电话", "No phone number"),
    Address => ("地址", "Address"),
    Village => ("村", "Village"),
    Kinds => ("户类", "Kind"),
    Status => ("状态", "Status"),
    Notes => ("备注", "Notes"),
    ConfirmHousehold => ("走访核实，确认联系户", "Visited and checked: confirm"),
    VisitHistory => ("走访记录", "Visits"),
    NoVisits => ("还没有走访记录", "No visits yet"),
    HouseholdConcerns => ("民情诉求", "Concerns"),
    NoHouseholdConcerns => ("没有民情诉求", "No concerns"),
    UnknownHousehold => ("找不到这户", "Household not found"),
    // Visit form.
    Mode => ("方式", "Mode"),
    Topics => ("恳谈内容", "Topics"),
    Policies => ("宣讲政策", "Policies explained"),
    PoliciesHint => ("讲解了哪些政策法规", "Which policies and laws you explained"),
    Summary => ("走访情况", "What was said"),
    SummaryHint => ("群众反映了什么、谈了什么", "What the household said"),
    AddConcern => ("＋ 添加民情诉求", "+ Add a concern"),
    Photos => ("照片（最多3张）", "Photos (up to 3)"),
    AddPhoto => ("＋ 拍照/选照片", "+ Take or choose a photo"),
    PhotoWorking => ("正在处理照片…", "Preparing the photo…"),
    PhotoUnreadable => ("无法读取这张照片（请用JPEG或PNG）", "This picture cannot be read (use JPEG or PNG)"),
    RemovePhoto => ("删除照片", "Remove the photo"),
    PhotoWaiting => ("照片待上传", "Photo waiting to upload"),
    PhotoSent => ("照片已上传", "Photo uploaded"),
    PhotoRefused => ("照片被拒收", "Photo refused"),
    PhotosWaiting => ("待上传照片", "Photos waiting"),
    PhotosRefusedHint => ("被拒收的照片不再上传；走访记录本身不受影响", "Refused photos are not sent again; the visits themselves are not affected"),
    ConcernN => ("诉求", "Concern"),
    Category => ("类别", "Category"),
    Description => ("诉求内容", "Description"),
    DescriptionHint => ("群众的诉求", "What the household asks for"),
    Disposition => ("处理方式", "Disposition"),
    ResolveOnSpot => ("马上解决", "Solve now"),
    Explain => ("解释答复", "Explain"),
    Escalate => ("上报", "Escalate"),
    DispositionNote => ("处理情况", "What you did"),
    SpecialReport => ("民情专题报告", "Special report"),
    ReportTitle => ("报告标题", "Report title"),
    ReportContent => ("报告内容：问题、建议", "Content: the problem and your suggestion"),
    HouseholdsAffected => ("涉及户数", "Households affected"),
    NeedHouseholds => ("涉及户数须为1至100000的整数，或不填", "Households affected is a whole number from 1 to 100000, or empty"),
    RemoveConcern => ("删除此条", "Remove"),
    VisitTime => ("走访时间", "Time of visit"),
    VisitTimeHint => ("可选本周或上周；不改即为现在", "This week or last; leave as is for now"),
    CorrectVisit => ("更正 / 作废", "Correct / void"),
    CorrectVisitTitle => ("更正走访", "Correct a visit"),
    CorrectionTimeHint => ("记错了时间就改这里", "Change it if the time was wrong"),
    CorrectionReason => ("更正原因（必填）", "Reason (required)"),
    CorrectionReasonHint => ("如：时间记错、内容有误、重复记录、走错户", "e.g. wrong time, wrong text, recorded twice, wrong household"),
    SaveCorrection => ("保存更正", "Save the correction"),
    VoidVisit => ("作废此次走访", "Void this visit"),
    VoidHint => ("作废后此次走访不计入走访次数和考核，办公室可见作废原因", "A voided visit no longer counts in any figure; the office sees why"),
    Corrected => ("已更正", "Corrected"),
    Voided => ("已作废", "Voided"),
    NothingChanged => ("没有改动：请修改内容，或作废此次走访", "Nothing changed: edit the visit, or void it"),
    NeedReason => ("请填写更正原因", "Give the reason"),
    StepVoidHint => ("作废后此诉求回到作废前的状态（作废反映则整条诉求作废），可重新处理；办公室可见作废原因", "The concern goes back to where it stood before the step (a voided raise voids the concern) and can be handled again; the office sees why"),
    VoidReason => ("作废原因（必填），如：处理方式选错、重复记录", "Reason (required), e.g. the wrong disposition, recorded twice"),
    NeedVoidReason => ("请填写作废原因", "Give the reason"),
    ConfirmVoid => ("确认作废", "Void it"),
    Cancel => ("取消", "Cancel"),
    PlaceDoubt => ("位置存疑", "Place in doubt"),
    ProposeTitle => ("新增联系户", "Propose a household"),
    ProposeButton => ("＋ 新增联系户", "+ Propose a household"),
    ProposeHint => ("新增的联系户为「拟联系」，由联系户办公室确认备案后计入走访", "A proposed household counts once the office has confirmed and filed it"),
    InVillage => ("所在村", "Village"),
    HeadName => ("户主姓名", "Head of household"),
    GroupAddress => ("组别/住址", "Group and address"),
    AddressHint => ("如：三组 12号", "e.g. Group 3, No. 12"),
    PhoneNumber => ("联系电话", "Phone"),
    HouseholdKinds => ("户别", "Kinds"),
    Propose => ("提交", "Submit"),
    Proposed => ("已提交，待办公室确认", "Submitted; the office will confirm it"),
    NeedVillage => ("请选择所在村", "Choose the village"),
    NeedHeadName => ("请填写户主姓名", "Enter the head of household"),
    NeedTime => ("请填写走访时间（时:分）", "Enter the time of the visit (hh:mm)"),
    Today => ("今天", "Today"),
    Yesterday => ("昨天", "Yesterday"),
    Save => ("保存", "Save"),
    Saved => ("已保存", "Saved"),
    SaveFailed => ("保存失败", "Could not save"),
    NeedCategory => ("请选择诉求类别", "Choose the concern's category"),
    NeedDescription => ("请填写诉求内容", "Describe the concern"),
    NeedReport => ("上报须填写专题报告标题和内容", "An escalated concern needs a report title and content"),
    // Concerns.
    NoConcerns => ("还没有民情诉求", "No concerns yet"),
    RaisedOn => ("反映时间", "Raised"),
    Handler => ("承办人", "Responsible"),
    Progress => ("进展", "Progress"),
    UnlockTitle => ("输入PIN解锁", "Enter your PIN"),
    UnlockIntro => ("本机数据已加密，输入6位PIN或登录密码后才能查看", "The data on this phone is encrypted: enter your 6-digit PIN or your password"),
    Pin => ("PIN（6位数字）", "PIN (6 digits)"),
    PinAgain => ("再输一次PIN", "PIN again"),
    Unlock => ("解锁", "Unlock"),
    Unlocking => ("正在解锁…", "Unlocking…"),
    ForgotBoth => ("PIN和登录密码都忘了？", "Forgot both the PIN and the password?"),
    StartOverTitle => ("清除本机数据，重新登录", "Start this phone over"),
    StartOverIntro => ("没有PIN或登录密码，任何人都读不出本机数据。清除后请先请单位重置登录密码，再重新登录：已上传的联系户、走访和诉求会自动下载回来；从未上传的记录无法恢复。", "Without the PIN or the password nobody can read the data on this phone. After starting over, have your office reset your password and log in again: what was uploaded comes back; records never uploaded are lost."),
    StartOver => ("清除本机数据", "Erase this phone's data"),
    UsePassword => ("用登录密码解锁", "Use the password instead"),
    UsePin => ("用PIN解锁", "Use the PIN"),
    WrongPin => ("PIN不正确", "Wrong PIN"),
    TriesLeft => ("次后PIN停用，需用登录密码", "more tries before the PIN stops working"),
    PinDisabled => ("错误次数过多，PIN已停用，请输入登录密码（本机记录不受影响）", "Too many wrong PINs: enter your password (no record is lost)"),
    WrongPassword => ("登录密码不正确", "Wrong password"),
    SetPinTitle => ("设置解锁PIN", "Set a PIN"),
    SetPinIntro => ("本机的联系户资料已加密保存。请设置6位PIN，每次打开民情通或离开10分钟后输入；忘记PIN时可用登录密码解锁。", "The households' data on this phone is encrypted. Set a 6-digit PIN to open the app, and again after 10 minutes away; the password always works instead."),
    SavePin => ("保存PIN", "Save the PIN"),
    PinMismatch => ("两次输入的PIN不一致", "The two PINs differ"),
    BadPin => ("PIN须为6位数字", "A PIN is six digits"),
    EncryptTitle => ("加密本机数据", "Encrypt the data on this phone"),
    EncryptIntro => ("新版民情通加密保存本机的联系户资料。请输入登录密码并设置6位PIN，本机记录（包括尚未上传的）全部保留。", "This version encrypts the households' data on the phone. Enter your password and set a 6-digit PIN; every record, unsent ones too, is kept."),
    Encrypt => ("加密并继续", "Encrypt and go on"),
    ErasedTitle => ("本机数据已擦除", "This phone was erased"),
    ErasedIntro => ("按组织部要求，本机的联系户资料、走访记录、照片和密钥已删除。如需继续使用，请重新打开民情通并登录。", "As the Organization Department ordered, the households, visits, photos and keys on this phone were deleted. Open the app again and log in to go on."),
    Deadline => ("完成时限", "Deadline"),
    TabReminders => ("提醒", "Reminders"),
    RemindersTitle => ("提醒", "Reminders"),
    NoReminders => ("暂无提醒：本周联系户都已走访，没有临近时限的诉求", "Nothing to remind you of: every household visited this week, no deadline near"),
    DeadlinesSection => ("临近或超过完成时限的诉求", "Concerns near or past their deadline"),
    NewsSection => ("办公室新动态", "News from the office"),
    Solution => ("解决方案", "Solution"),
    DoneOn => ("办结时间", "Done on"),
    AwaitingMeeting => ("等待联席会议研究", "Awaiting the joint meeting"),
    OnLedger => ("挂账督办", "On the supervision ledger"),
    FollowUp => ("后续处理", "Follow up"),
    OpenConcerns => ("未办结", "Open"),
    ClosedConcerns => ("已办结", "Closed"),
    // Card.
    CardHint => ("请群众用手机相机扫码，保存为联系人", "Ask the household to scan this with the phone camera"),
    NoCard => ("登录后显示名片", "Log in to show your card"),
    // Sync.
    Pending => ("待上传", "Waiting to upload"),
    LastSuccess => ("上次成功", "Last success"),
    LastAttempt => ("上次尝试", "Last attempt"),
    LastError => ("上次错误", "Last error"),
    Never => ("从未", "Never"),
    SyncNow => ("立即同步", "Sync now"),
    Syncing => ("正在同步…", "Syncing…"),
    Online => ("在线", "Online"),
    Offline => ("离线", "Offline"),
    AllUploaded => ("全部已上传", "Everything uploaded"),
    Rejected => ("服务器拒收的记录", "Records the server refused"),
    RejectedHint => ("这些记录未被接收，请联系联系户办公室", "These were not accepted; contact your office"),
    NotLoggedIn => ("未登录", "Not logged in"),
    // Errors, as a cadre reads them.
    ErrOffline => ("连不上服务器：请检查信号和服务器地址", "Cannot reach the server: check the signal and the address"),
    ErrCredentials => ("用户名或密码不对", "Wrong username or password"),
    ErrSignedOut => ("本机登录已失效，请重新登录", "This phone was signed out: log in again"),
}

/// "3 / 12".
pub fn progress(visited: u32, total: u32) -> String {
    format!("{visited} / {total}")
}

/// The ISO week, e.g. "2026年第5周" / "Week 5, 2026".
pub fn week_label(lang: Lang, week: VisitWeek) -> String {
    let (mon, sun) = (week.monday(), week.sunday());
    match lang {
        Lang::Zh => format!("{}年第{}周 · {}", week.year, week.week, day_range(lang, mon, sun)),
        Lang::En => format!("Week {}, {} · {}", week.week, week.year, day_range(lang, mon, sun)),
    }
}

fn day_range(lang: Lang, from: NaiveDate, to: NaiveDate) -> String {
    match lang {
        Lang::Zh => format!("{}–{}", from.format("%-m月%-d日"), to.format("%-m月%-d日")),
        Lang::En => format!("{} – {}", from.format("%b %-d"), to.format("%b %-d")),
    }
}

/// How long a household has waited: "2周未走访" / "2 weeks missed".
pub fn weeks_missed(lang: Lang, weeks: u32) -> String {
    if weeks == u32::MAX {
        return t(lang, Key::NeverVisited).to_owned();
    }
    match lang {
        Lang::Zh => format!("已{weeks}周未走访"),
        Lang::En if weeks == 1 => "1 week missed".to_owned(),
        Lang::En => format!("{weeks} weeks missed"),
    }
}

/// "2件未办结" / "2 open concerns".
pub fn open_concerns(lang: Lang, n: u32) -> String {
    match lang {
        Lang::Zh => format!("{n}件诉求未结"),
        Lang::En if n == 1 => "1 open concern".to_owned(),
        Lang::En => format!("{n} open concerns"),
    }
}

/// "5条" / "5 records".
pub fn records(lang: Lang, n: u64) -> String {
    match lang {
        Lang::Zh => format!("{n}条"),
        Lang::En if n == 1 => "1 record".to_owned(),
        Lang::En => format!("{n} records"),
    }
}

/// "本周还有3户未走访 · 剩2天" / "3 households still to visit this week · 2 days left".
pub fn due_this_week(lang: Lang, households: usize, days_left: i64) -> String {
    match lang {
        Lang::Zh => format!("本周还有{households}户未走访 · 剩{days_left}天"),
        Lang::En => format!(
            "{households} household{} still to visit this week · {days_left} day{} left",
            if households == 1 { "" } else { "s" },
            if days_left == 1 { "" } else { "s" }
        ),
    }
}

/// "还剩2天" / "今天到期" / "已逾期3天".
pub fn days_to_deadline(lang: Lang, days: i64) -> String {
    match (lang, days) {
        (Lang::Zh, 0) => "今天到期".to_owned(),
        (Lang::Zh, d) if d > 0 => format!("还剩{d}天"),
        (Lang::Zh, d) => format!("已逾期{}天", -d),
        (Lang::En, 0) => "Due today".to_owned(),
        (Lang::En, d) if d > 0 => format!("{d} day{} left", if d == 1 { "" } else { "s" }),
        (Lang::En, d) => format!("{} day{} overdue", -d, if d == -1 { "" } else { "s" }),
    }
}

/// "承办人：水利站 · 完成时限12月10日" / "Responsible: 水利站 · deadline Dec 10".
pub fn decision_line(lang: Lang, handler: &str, deadline: NaiveDate) -> String {
    match lang {
        Lang::Zh => format!("承办人：{handler} · 完成时限{}", short_date(lang, deadline)),
        Lang::En => format!("Responsible: {handler} · deadline {}", short_date(lang, deadline)),
    }
}

/// "作废：马上解决" / "Void: Resolved on the spot".
pub fn void_step(lang: Lang, name: (&str, &str)) -> String {
    match lang {
        Lang::Zh => format!("作废：{}", name.0),
        Lang::En => format!("Void: {}", name.1),
    }
}

/// "2张" / "2 photos".
pub fn photos(lang: Lang, n: u64) -> String {
    match lang {
        Lang::Zh => format!("{n}张"),
        Lang::En if n == 1 => "1 photo".to_owned(),
        Lang::En => format!("{n} photos"),
    }
}

/// "第2条诉求" / "Concern 2".
pub fn concern_n(lang: Lang, n: usize) -> String {
    match lang {
        Lang::Zh => format!("第{n}条{}", t(lang, Key::ConcernN)),
        Lang::En => format!("{} {n}", t(lang, Key::ConcernN)),
    }
}

/// What a finished sync did: "上传3条，下载5条".
pub fn sync_result(lang: Lang, pushed: u64, pulled: u64) -> String {
    match lang {
        Lang::Zh => format!("同步完成：上传{pushed}条，下载{pulled}条"),
        Lang::En => format!("Synced: {pushed} up, {pulled} down"),
    }
}

/// A rejected op's line: "第12条：…".
pub fn rejected_op(lang: Lang, seq: u64, message: &str) -> String {
    match lang {
        Lang::Zh => format!("第{seq}条：{message}"),
        Lang::En => format!("#{seq}: {message}"),
    }
}

/// A field with its label: "备注：…" / "Notes: …".
pub fn labeled(lang: Lang, key: Key, value: &str) -> String {
    match lang {
        Lang::Zh => format!("{}：{value}", t(lang, key)),
        Lang::En => format!("{}: {value}", t(lang, key)),
    }
}

/// A China date: "2026年3月5日" / "Mar 5, 2026".
pub fn date(lang: Lang, d: NaiveDate) -> String {
    match lang {
        Lang::Zh => d.format("%Y年%-m月%-d日").to_string(),
        Lang::En => d.format("%b %-d, %Y").to_string(),
    }
}

/// A China date without the year: "3月5日" / "Mar 5".
pub fn short_date(lang: Lang, d: NaiveDate) -> String {
    match lang {
        Lang::Zh => d.format("%-m月%-d日").to_string(),
        Lang::En => d.format("%b %-d").to_string(),
    }
}

/// A day the visit form offers: "今天" / "昨天" / "11月23日 周一" ("Mon Nov 23").
pub fn visit_day(lang: Lang, day: NaiveDate, today: NaiveDate) -> String {
    use chrono::Datelike;
    const ZH: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
    let near = match (today - day).num_days() {
        0 => Some(t(lang, Key::Today)),
        1 => Some(t(lang, Key::Yesterday)),
        _ => None,
    };
    let weekday = day.weekday().num_days_from_monday() as usize;
    let full = match lang {
        Lang::Zh => format!("{} {}", day.format("%-m月%-d日"), ZH[weekday]),
        Lang::En => day.format("%a %b %-d").to_string(),
    };
    match near {
        Some(word) => format!("{word} · {full}"),
        None => full,
    }
}

/// The visit form's location line: looking, the fix's accuracy, or why there is none (the
/// save never waits for it).
pub fn fix_status(
    lang: Lang,
    fix: Option<Result<minqing_shared::visit::GeoFix, minqing_shared::visit::NoFix>>,
) -> String {
    use minqing_shared::Label;
    match (lang, fix) {
        (Lang::Zh, None) => "正在定位…（不影响保存）".to_owned(),
        (Lang::En, None) => "Finding the location… (saving does not wait)".to_owned(),
        (Lang::Zh, Some(Ok(f))) => match f.accuracy_m {
            Some(a) => format!("已定位 · 精度约{}米", a.round() as i64),
            None => "已定位".to_owned(),
        },
        (Lang::En, Some(Ok(f))) => match f.accuracy_m {
            Some(a) => format!("Location found · within about {} m", a.round() as i64),
            None => "Location found".to_owned(),
        },
        (Lang::Zh, Some(Err(why))) => format!("未定位：{}（不影响保存）", why.zh()),
        (Lang::En, Some(Err(why))) => format!("No location: {} (saving is not affected)", why.en()),
    }
}

/// Where a visit stands against its household's place.
pub fn place(lang: Lang, check: &minqing_shared::place::PlaceCheck) -> String {
    match lang {
        Lang::Zh => check.zh(),
        Lang::En => check.en(),
    }
}

/// A moment in China time: "3月5日 14:05" / "Mar 5 14:05".
pub fn date_time(lang: Lang, at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&china());
    match lang {
        Lang::Zh => local.format("%-m月%-d日 %H:%M").to_string(),
        Lang::En => local.format("%b %-d %H:%M").to_string(),
    }
}

/// Like [`date_time`] for milliseconds since the epoch; "从未" when absent.
pub fn moment_ms(lang: Lang, ms: Option<i64>) -> String {
    ms.and_then(DateTime::<Utc>::from_timestamp_millis)
        .map(|at| date_time(lang, at))
        .unwrap_or_else(|| t(lang, Key::Never).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_both_languages() {
        for key in Key::ALL {
            let (zh, en) = (t(Lang::Zh, *key), t(Lang::En, *key));
            assert!(!zh.is_empty() && !en.is_empty(), "{key:?}");
            assert!(!zh.is_ascii(), "{key:?} is not Chinese: {zh}");
            assert!(en.is_ascii() || en.contains('…') || en.contains('–'), "{key:?}: {en}");
        }
    }

    #[test]
    fn sentences_with_numbers() {
        let cases = [
            ("weeks zh", weeks_missed(Lang::Zh, 2), "已2周未走访"),
            ("weeks en", weeks_missed(Lang::En, 1), "1 week missed"),
            ("never", weeks_missed(Lang::Zh, u32::MAX), "从未走访"),
            ("concerns", open_concerns(Lang::Zh, 3), "3件诉求未结"),
            ("progress", progress(4, 12), "4 / 12"),
            ("concern n", concern_n(Lang::Zh, 2), "第2条诉求"),
        ];
        for (name, got, want) in cases {
            assert_eq!(got, want, "{name}");
        }
        let week = VisitWeek::of(NaiveDate::from_ymd_opt(2026, 3, 4).unwrap());
        assert_eq!(week_label(Lang::Zh, week), "2026年第10周 · 3月2日–3月8日");
        assert_eq!(moment_ms(Lang::En, None), "Never");
    }

    #[test]
    fn language_setting_round_trips() {
        for lang in [Lang::Zh, Lang::En] {
            assert_eq!(lang_from_setting(Some(lang_setting(lang))), lang);
        }
        assert_eq!(lang_from_setting(None), Lang::Zh);
    }
}
