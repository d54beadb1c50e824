//! What the demo county's people say and write: visit summaries, policies explained, concerns of
//! the twelve categories, special reports, meeting decisions and supervision records.

use minqing_shared::concern::{Category, LedgerKind};
use minqing_shared::visit::Topic;

use super::issues::{Issue, issues};
use super::rng::Gen;

/// What a visit on each topic 恳谈 typically records.
fn summaries(topic: Topic) -> &'static [&'static str] {
    match topic {
        Topic::LeadershipTeam => &[
            "了解村两委班子团结情况，群众认为村干部办事公道",
            "征求对村支部书记工作的意见，群众评价较好",
            "群众反映村务公开及时，对班子满意",
            "了解村干部作风，群众希望多到田间地头看看",
        ],
        Topic::KeyWork => &[
            "宣传春耕备耕，了解种子化肥准备情况",
            "讲解秸秆禁烧要求，群众表示支持",
            "了解三夏麦收进度，提醒注意防火",
            "宣传人居环境整治，动员清理房前屋后",
            "了解秋收秋种情况，提醒及时腾茬",
            "动员参加城乡居民医保集中缴费",
        ],
        Topic::HotIssues => &[
            "询问吃水、浇地有无困难",
            "了解孩子上学情况，家长反映校车接送正常",
            "了解看病就医情况，老人慢性病按时取药",
            "询问冬季取暖，煤改气运行正常",
            "了解道路出行情况，群众希望修好生产路",
        ],
        Topic::Stability => &[
            "了解邻里关系，近期没有矛盾纠纷",
            "宣传反电信诈骗知识，提醒老人不要轻信陌生电话",
            "家庭和睦，生活稳定",
            "了解外出务工人员情况，工资按时发放",
        ],
        Topic::Civility => &[
            "宣传移风易俗，倡导红白事简办",
            "介绍好媳妇好婆婆评选活动",
            "动员参加村里文化广场活动",
            "宣传孝老爱亲，群众反响好",
        ],
        Topic::LatestNews => &[
            "介绍县里新建产业园区招工信息",
            "传达近期天气预报，提醒做好防汛准备",
            "介绍大棚蔬菜种植技术培训信息",
            "介绍农产品电商销售渠道",
            "通报镇里近期重点工程进展",
        ],
    }
}

/// Policies and laws explained 宣讲政策.
const POLICIES: &[&str] = &[
    "讲解医保缴费政策",
    "宣传耕地地力保护补贴政策",
    "讲解农村低保申请条件",
    "讲解城乡居民养老保险缴费档次",
    "宣传防汛和安全生产知识",
    "讲解土地承包经营权确权政策",
    "宣传扫黑除恶和平安建设",
    "讲解残疾人两项补贴政策",
    "讲解农村危房改造政策",
    "宣传小额贴息贷款政策",
    "讲解义务教育“两免一补”政策",
    "宣传《民法典》婚姻家庭编",
    "讲解退役军人优抚政策",
    "宣传森林防火和禁烧规定",
];

/// A visit's topics, summary and the policies explained (often none).
pub(super) fn visit_text(g: &mut Gen) -> (Vec<Topic>, String, String) {
    let n = 1 + g.weighted(&[50, 38, 12]);
    let mut topics: Vec<Topic> = Vec::with_capacity(n);
    while topics.len() < n {
        let t = Topic::ALL[g.weighted(&[8, 22, 26, 16, 10, 18])];
        if !topics.contains(&t) {
            topics.push(t);
        }
    }
    let summary = (*g.pick(summaries(topics[0]))).to_owned();
    let policies = if g.chance(0.3) { (*g.pick(POLICIES)).to_owned() } else { String::new() };
    (topics, summary, policies)
}

/// A problem of `category` a household raises.
pub(super) fn issue(g: &mut Gen, category: Category) -> &'static Issue {
    g.pick(issues(category))
}

/// How many households a problem of `category` affects (collective problems affect many).
pub(super) fn households_affected(g: &mut Gen, category: Category) -> u32 {
    let collective = matches!(
        category,
        Category::Irrigation
            | Category::DrinkingWater
            | Category::Electricity
            | Category::Roads
            | Category::Environment
    );
    if collective && g.chance(0.6) { g.between(15, 180) as u32 } else { g.between(1, 4) as u32 }
}

/// A short subject for a special report on `category`.
fn report_subject(category: Category) -> &'static str {
    match category {
        Category::Irrigation => "机井水利",
        Category::DrinkingWater => "安全饮水",
        Category::Electricity => "农村用电",
        Category::Roads => "道路交通",
        Category::Schooling => "学生就学",
        Category::Health => "看病就医",
        Category::SocialAssistance => "困难救助",
        Category::LandForest => "土地林地",
        Category::Dispute => "矛盾调处",
        Category::Environment => "环境整治",
        Category::Livelihood => "产业发展",
        Category::Other => "群众诉求",
    }
}

/// A special report 民情专题报告: title and content.
pub(super) fn special_report(
    category: Category,
    village: &str,
    group: &str,
    issue: &Issue,
    households: u32,
) -> (String, String) {
    let subject = report_subject(category);
    let title = format!("关于{village}{group}{subject}问题的民情专题报告");
    let content = format!(
        "{village}{group}群众反映：{}。该问题涉及{households}户群众，超出本人职责范围，\
         建议{}。",
        issue.text, issue.solution
    );
    (title, content)
}

/// Who carries out decisions on `category` 承办单位 (township office, county department).
fn handler_units(category: Category) -> &'static [&'static str] {
    match category {
        Category::Irrigation => &["镇水利站", "县水利局"],
        Category::DrinkingWater => &["镇水利站", "县水务公司"],
        Category::Electricity => &["县供电公司", "镇供电所"],
        Category::Roads => &["镇村建办", "县交通运输局"],
        Category::Schooling => &["镇中心校", "县教育局"],
        Category::Health => &["镇卫生院", "县医疗保障局"],
        Category::SocialAssistance => &["镇民政所", "县民政局"],
        Category::LandForest => &["镇国土所", "县林业局"],
        Category::Dispute => &["镇司法所", "镇综治办"],
        Category::Environment => &["镇环保所", "县林业局"],
        Category::Livelihood => &["镇农业站", "县农业农村局"],
        Category::Other => &["镇党政办", "镇便民服务中心"],
    }
}

/// A meeting's solution and the person responsible 承办人 for it.
pub(super) fn decision_text(
    g: &mut Gen,
    category: Category,
    issue: &Issue,
    person: &str,
) -> (String, String) {
    let handler = format!("{} {person}", g.pick(handler_units(category)));
    (issue.solution.to_owned(), handler)
}

const COMPLETED: &[&str] = &[
    "已办结，回访群众表示满意",
    "问题已解决，群众满意",
    "已按会议决定落实到位，群众满意",
    "工程完工并验收，回访满意",
];

/// A note when a concern is finished 办结.
pub(super) fn completed_note(g: &mut Gen) -> String {
    (*g.pick(COMPLETED)).to_owned()
}

/// Why the Organization Department puts a concern on its ledger 挂账督办.
pub(super) fn ledger_reason(households: u32) -> String {
    if households >= 50 {
        format!("涉及{households}户群众切身利益，列入挂账督办")
    } else {
        format!("涉及{households}户群众，群众反映强烈，挂账督办")
    }
}

/// A supervision record's note 询问/检查/调度.
/// A responsible unit's weekly progress report 进展.
pub(super) fn progress_note(g: &mut Gen) -> String {
    const NOTES: &[&str] = &[
        "已现场勘查，正在制定方案",
        "资金已申请，等待批复",
        "材料已采购，下周施工",
        "施工队已进场，完成约一半",
        "已与群众沟通，按计划推进",
    ];
    (*g.pick(NOTES)).to_owned()
}

pub(super) fn supervision_note(g: &mut Gen, kind: LedgerKind) -> String {
    let notes: &[&str] = match kind {
        LedgerKind::Inquiry => &[
            "电话询问承办人，施工队已进场",
            "询问进展，资金已落实",
            "询问进展，材料已采购到位",
            "询问承办单位，正在按计划推进",
        ],
        LedgerKind::Check => &[
            "实地检查，工程完成过半",
            "实地检查，进度偏慢，要求加快",
            "入户回访群众，对进展表示认可",
        ],
        LedgerKind::Dispatch => &[
            "调度会研究，督促按期完成",
            "调度会研究，协调追加资金",
            "调度会要求承办单位每周报送进度",
        ],
    };
    (*g.pick(notes)).to_owned()
}

/// Notes on households that need them.
pub(super) const HOUSEHOLD_NOTES: &[&str] =
    &["独居老人", "子女在外务工", "家有在校大学生", "种植大户", "养殖户", "家有残疾人"];

/// Notes on households the village proposed but no cadre confirmed yet.
pub(super) const PROPOSED_NOTE: &str = "村支部、村委会提名，待包村干部入户确认";
