//! Names for the demo county: townships, villages, county departments, people, titles and
//! phone numbers, in the words a county in Hebei uses.

use std::collections::HashSet;

use super::rng::Gen;

/// Township names; the first is the county seat's.
const TOWNSHIPS: &[&str] = &[
    "城关镇",
    "东关镇",
    "西河乡",
    "大营镇",
    "辛庄镇",
    "马头镇",
    "南岗乡",
    "北王乡",
    "柳林镇",
    "高庄乡",
    "石桥镇",
    "杨屯乡",
    "龙泉镇",
    "白塔乡",
    "枣园乡",
    "新集镇",
];

/// County departments 县直单位.
pub(super) const DEPARTMENTS: &[&str] = &[
    "县教育局",
    "县水利局",
    "县卫生健康局",
    "县交通运输局",
    "县农业农村局",
    "县民政局",
    "县财政局",
    "县人力资源和社会保障局",
    "县自然资源和规划局",
    "县生态环境分局",
    "县住房和城乡建设局",
    "县司法局",
    "县市场监督管理局",
    "县文化广电和旅游局",
    "县商务局",
    "县林业局",
    "县审计局",
    "县统计局",
    "县应急管理局",
    "县信访局",
    "县退役军人事务局",
    "县医疗保障局",
    "县乡村振兴局",
    "县发展和改革局",
    "县科学技术局",
    "县工业和信息化局",
    "县委宣传部",
    "县委统战部",
    "县委政法委",
    "县总工会",
    "团县委",
    "县妇联",
    "县残联",
    "县气象局",
    "县供销社",
    "县融媒体中心",
    "县委办公室",
    "县政府办公室",
    "县档案馆",
    "县地震局",
];

/// The Organization Department's unit.
pub(super) const ORG_UNIT: &str = "县委组织部";

/// Common surnames of the North China plain, the most common first (listed twice to weigh them).
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "赵", "杨", "王", "李", "张", "刘", "陈", "高", "孙", "马", "郭", "田",
    "宋", "石", "贾", "崔", "范", "曹", "董", "韩", "冯", "魏", "孟", "任", "史", "周", "吴", "徐",
    "胡", "朱", "何", "郑", "梁", "谢", "许", "邢", "齐", "薛", "霍", "尹", "阎", "郝",
];

const GIVEN_FIRST: &[&str] = &[
    "建", "国", "志", "秀", "春", "海", "玉", "文", "永", "金", "红", "桂", "凤", "俊", "丽", "明",
    "德", "振", "保", "立", "学", "晓", "新", "树", "庆", "瑞", "淑", "雪", "宏", "立", "占", "士",
    "长", "增", "福", "万", "书", "世", "素", "翠",
];

const GIVEN_SECOND: &[&str] = &[
    "国", "华", "军", "平", "英", "兰", "强", "明", "林", "芳", "伟", "敏", "霞", "梅", "山", "江",
    "福", "生", "成", "荣", "东", "刚", "辉", "杰", "娟", "红", "峰", "勇", "超", "静", "琴", "良",
    "忠", "水", "田", "喜", "民", "旺", "顺", "珍",
];

const VILLAGE_SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "赵", "杨", "陈", "高", "孙", "马", "郭", "田", "宋", "石", "贾", "崔",
    "范", "曹", "董", "韩", "冯", "魏", "孟", "任", "史", "周", "吴", "徐", "胡", "朱",
];

const VILLAGE_SURNAME_SUFFIXES: &[&str] = &["家庄", "家营", "家屯", "庄", "官屯", "家寨", "家洼"];

const VILLAGE_DIRECTIONS: &[&str] = &["东", "西", "南", "北", "前", "后", "大", "小"];

const VILLAGE_PLACE_SUFFIXES: &[&str] =
    &["关", "辛庄", "柳", "王庄", "张庄", "街", "河", "营", "花园", "韩庄", "刘庄", "杨庄"];

/// Chinese numerals for village groups 组.
const GROUPS: &[&str] =
    &["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"];

/// Mobile number prefixes of the three carriers.
const PHONE_PREFIXES: &[&str] = &[
    "138", "139", "135", "137", "150", "151", "152", "158", "159", "186", "187", "188", "130",
    "131", "132", "155", "156", "185", "133", "153", "180", "189", "177", "199",
];

/// `n` township names.
pub(super) fn townships(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| match TOWNSHIPS.get(i) {
            Some(name) => (*name).to_owned(),
            None => format!("第{}乡", i + 1),
        })
        .collect()
}

/// `n` distinct village names (each ends in 村), shuffled.
pub(super) fn villages(g: &mut Gen, n: usize) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for s in VILLAGE_SURNAMES {
        for suffix in VILLAGE_SURNAME_SUFFIXES {
            names.push(format!("{s}{suffix}村"));
        }
    }
    for d in VILLAGE_DIRECTIONS {
        for suffix in VILLAGE_PLACE_SUFFIXES {
            names.push(format!("{d}{suffix}村"));
        }
    }
    g.shuffle(&mut names);
    let base = names.len();
    for i in base..n {
        let stem = names[i % base].trim_end_matches('村').to_owned();
        let k = i / base;
        names.push(if k == 1 {
            format!("{stem}新村")
        } else {
            format!("{stem}{}村", GROUPS[k])
        });
    }
    // The demo cadre's village reads well at the top of every list.
    if let Some(pos) = names.iter().position(|v| v == "东关村") {
        names.swap(0, pos);
    }
    names.truncate(n);
    names
}

/// A person's full name.
pub(super) fn person(g: &mut Gen) -> String {
    let surname = g.pick(SURNAMES);
    if g.chance(0.12) {
        format!("{surname}{}", g.pick(GIVEN_SECOND))
    } else {
        format!("{surname}{}{}", g.pick(GIVEN_FIRST), g.pick(GIVEN_SECOND))
    }
}

/// A full name not in `taken`, which it joins.
pub(super) fn unique_person(g: &mut Gen, taken: &mut HashSet<String>) -> String {
    loop {
        let name = person(g);
        if taken.insert(name.clone()) {
            return name;
        }
    }
}

/// A mobile number, e.g. 13803112345.
pub(super) fn mobile(g: &mut Gen) -> String {
    format!("{}{:08}", g.pick(PHONE_PREFIXES), g.below(100_000_000))
}

/// An address in village group `group` (0-based), e.g. 三组 12号.
pub(super) fn address(g: &mut Gen, group: u32) -> String {
    format!("{} {}号", group_name(group), 1 + g.below(60))
}

/// The name of group `i` (0-based), e.g. 三组.
pub(super) fn group_name(i: u32) -> String {
    format!("{}组", GROUPS[i as usize % GROUPS.len()])
}

/// Titles of a township's principal leaders 主要领导.
pub(super) const PRINCIPAL_TITLES: &[&str] = &["党委书记", "镇长"];
/// Titles of a township's leadership team members 班子成员.
pub(super) const TOWNSHIP_LEADER_TITLES: &[&str] = &[
    "党委副书记",
    "纪委书记",
    "组织委员",
    "宣传委员",
    "武装部长",
    "副镇长",
    "人大主席",
    "统战委员",
    "副镇长",
];
/// Titles of a township's middle-level cadres 中层干部.
pub(super) const MIDDLE_TITLES: &[&str] = &[
    "党政办主任",
    "财政所所长",
    "农业站站长",
    "司法所所长",
    "文化站站长",
    "民政所所长",
    "水利站站长",
    "国土所所长",
    "社会事务办主任",
    "综治办主任",
    "经管站站长",
    "林业站站长",
];
/// Titles of ordinary township cadres 一般干部.
pub(super) const ORDINARY_TITLES: &[&str] =
    &["党政办科员", "财政所科员", "农业站干事", "民政所干事", "综治办干事", "科员", "干事"];
/// Titles of a county department's leadership team members.
pub(super) const DEPARTMENT_LEADER_TITLES: &[&str] =
    &["局长", "党组书记", "副局长", "纪检组长", "副局长", "工会主席"];
/// Titles of a county department's middle-level cadres.
pub(super) const DEPARTMENT_MIDDLE_TITLES: &[&str] = &["办公室主任", "股长", "副主任科员"];

/// A township title fitting the unit's kind: 乡 townships have a 乡长, not a 镇长.
pub(super) fn township_title(title: &str, township: &str) -> String {
    if township.ends_with('乡') { title.replace("镇长", "乡长") } else { title.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn village_names_are_distinct_even_beyond_the_pool() {
        let mut g = Gen::new(7);
        for n in [6, 200, 700] {
            let names = villages(&mut g, n);
            assert_eq!(names.len(), n);
            let distinct: HashSet<&String> = names.iter().collect();
            assert_eq!(distinct.len(), n, "{n} villages");
            assert!(names.iter().all(|v| v.ends_with('村')));
        }
    }

    #[test]
    fn phones_and_addresses_have_the_expected_shape() {
        let mut g = Gen::new(1);
        for _ in 0..100 {
            let phone = mobile(&mut g);
            assert_eq!(phone.len(), 11, "{phone}");
            assert!(phone.chars().all(|c| c.is_ascii_digit()));
            let a = address(&mut g, 2);
            assert!(a.starts_with("三组 ") && a.ends_with('号'), "{a}");
        }
        assert_eq!(township_title("镇长", "西河乡"), "乡长");
        assert_eq!(township_title("副镇长", "城关镇"), "副镇长");
    }
}
