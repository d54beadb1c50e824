use super::*;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn after(s: &str) -> NaiveDate {
    d(s).succ_opt().unwrap()
}

fn before(s: &str) -> NaiveDate {
    d(s).pred_opt().unwrap()
}

#[test]
fn china_date_rolls_over_at_utc_16_00() {
    #[rustfmt::skip]
    let cases = [
        ("UTC 16:30 is already tomorrow in China", "2026-11-28T16:30:00Z", "2026-11-29"),
        ("UTC 15:59 is still today in China", "2026-11-28T15:59:59Z", "2026-11-28"),
        ("New Year comes at UTC 16:00", "2026-12-31T16:00:00Z", "2027-01-01"),
    ];
    for (name, ts, expected) in cases {
        assert_eq!(china_date(ts.parse().unwrap()), d(expected), "{name}");
    }
    assert_eq!(china().local_minus_utc(), CHINA_OFFSET_SECS);
}

#[test]
fn visit_weeks() {
    // (name, date, (week, its Monday, its Sunday))
    #[rustfmt::skip]
    let cases = [
        ("a Monday starts its week", "2026-11-23", ("2026-W48", "2026-11-23", "2026-11-29")),
        ("a Sunday ends its week", "2026-11-29", ("2026-W48", "2026-11-23", "2026-11-29")),
        ("crossing the year", "2026-12-31", ("2026-W53", "2026-12-28", "2027-01-03")),
        ("its New Year's Day", "2027-01-01", ("2026-W53", "2026-12-28", "2027-01-03")),
        ("2027-W01 starts on Jan 4", "2027-01-04", ("2027-W01", "2027-01-04", "2027-01-10")),
        ("2024-12-30 is in 2025-W01", "2024-12-30", ("2025-W01", "2024-12-30", "2025-01-05")),
    ];
    for (name, date, (code, mon, sun)) in cases {
        let week = VisitWeek::of(d(date));
        assert_eq!(week.to_string(), code, "{name}");
        assert_eq!(code.parse::<VisitWeek>(), Ok(week), "{name}");
        assert_eq!((week.monday(), week.sunday()), (d(mon), d(sun)));
        assert!(week.contains(d(mon)) && week.contains(d(sun)));
        assert!(!week.contains(before(mon)), "{name}");
        assert!(!week.contains(after(sun)), "{name}");
        assert_eq!(week.next().monday(), after(sun), "{name}");
        assert_eq!(week.prev().sunday(), before(mon), "{name}");
    }
    let w = |s: &str| s.parse::<VisitWeek>().unwrap();
    assert_eq!(w("2026-W53").next(), w("2027-W01"));
    assert_eq!(w("2027-W01").prev(), w("2026-W53"));
    assert_eq!(w("2025-W01").prev(), w("2024-W52"));
    assert!(w("2026-W53") < w("2027-W01"));
    assert_eq!(VisitWeek::new(2026, 53), Some(w("2026-W53")));
    assert_eq!(VisitWeek::new(2027, 53), None, "2027 has 52 weeks");
    let json = serde_json::to_string(&w("2026-W53")).unwrap();
    assert_eq!(json, r#""2026-W53""#);
    let back: VisitWeek = serde_json::from_str(&json).unwrap();
    assert_eq!(back, w("2026-W53"));
    for bad in ["2027-W53", "2026-W00", "2026-W5", "2026W48", "2026-w48", ""] {
        assert!(bad.parse::<VisitWeek>().is_err(), "{bad:?}");
    }
}

#[test]
fn weekly_visit_due() {
    // (name, (last in-person visit, today), due)
    #[rustfmt::skip]
    let cases = [
        ("a household never visited is due", (None, "2026-11-23"), true),
        ("a visit on Sunday counts for that week", (Some("2026-11-29"), "2026-11-29"), false),
        ("Monday starts a new week", (Some("2026-11-29"), "2026-11-30"), true),
        ("a visit on Monday covers the whole week", (Some("2026-11-23"), "2026-11-29"), false),
        ("a week that crosses the year", (Some("2026-12-31"), "2027-01-03"), false),
        ("the week after it", (Some("2026-12-31"), "2027-01-04"), true),
        ("a visit dated in a later week counts", (Some("2026-12-09"), "2026-11-30"), false),
    ];
    for (name, (last, today), due) in cases {
        assert_eq!(due_this_week(last.map(d), d(today)), due, "{name}");
    }
}

#[test]
fn weeks_missed_and_days_since() {
    // (name, (last in-person visit, today), weeks missed)
    #[rustfmt::skip]
    let cases = [
        ("never visited sorts first", (None, "2026-11-25"), u32::MAX),
        ("visited this week", (Some("2026-11-23"), "2026-11-25"), 0),
        ("visited last week", (Some("2026-11-22"), "2026-11-25"), 0),
        ("visited two weeks ago", (Some("2026-11-15"), "2026-11-25"), 1),
        ("W53 missed across the year", (Some("2026-12-27"), "2027-01-04"), 1),
        ("a visit dated after today", (Some("2026-12-09"), "2026-11-25"), 0),
    ];
    for (name, (last, today), missed) in cases {
        assert_eq!(weeks_missed(last.map(d), d(today)), missed, "{name}");
    }
    let today = d("2026-11-25");
    assert_eq!(days_since(None, today), None);
    assert_eq!(days_since(Some(d("2026-11-15")), today), Some(10));
    assert_eq!(days_since(Some(d("2026-11-26")), today), Some(-1));
}

#[test]
fn year_months() {
    // (name, a date, (its month, first day, last day))
    #[rustfmt::skip]
    let cases = [
        ("November", "2026-11-15", ("2026-11", "2026-11-01", "2026-11-30")),
        ("December", "2026-12-31", ("2026-12", "2026-12-01", "2026-12-31")),
        ("January", "2027-01-01", ("2027-01", "2027-01-01", "2027-01-31")),
        ("a leap February", "2028-02-10", ("2028-02", "2028-02-01", "2028-02-29")),
        ("a plain February", "2026-02-10", ("2026-02", "2026-02-01", "2026-02-28")),
    ];
    for (name, date, (code, first, last)) in cases {
        let month = YearMonth::of(d(date));
        assert_eq!(month.to_string(), code, "{name}");
        assert_eq!(month.first_day(), d(first), "{name}");
        assert_eq!(month.last_day(), d(last), "{name}");
        assert_eq!(month.next().first_day(), after(last), "{name}");
        assert_eq!(month.prev().last_day(), before(first), "{name}");
        assert_eq!(month.next().prev(), month, "{name}");
        assert!(month.contains(d(first)) && month.contains(d(last)));
        assert!(!month.contains(before(first)), "{name}");
        assert!(!month.contains(after(last)), "{name}");
        let json = serde_json::to_string(&month).unwrap();
        assert_eq!(json, format!("\"{code}\""), "{name}");
        let back: YearMonth = serde_json::from_str(&json).unwrap();
        assert_eq!(back, month, "{name}");
    }
    assert!(YearMonth::new(2026, 12) < YearMonth::new(2027, 1));
    assert_eq!(YearMonth::new(2026, 13), None);
    #[rustfmt::skip]
    let bad = ["2026-13", "2026-00", "2026-1", "26-11", "2026/11", "2026-11-01", "2026-１1"];
    for bad in bad {
        assert!(bad.parse::<YearMonth>().is_err(), "{bad:?}");
    }
    let object = r#"{"year":2026,"month":11}"#;
    assert!(serde_json::from_str::<YearMonth>(object).is_err());
}

#[test]
fn monthly_report_and_meeting() {
    // (name, month, (report due, joint meeting))
    #[rustfmt::skip]
    let cases = [
        ("the November report is due on December 3rd", "2026-11", ("2026-12-03", "2026-12-05")),
        ("the December report is due on January 3rd of the next year",
            "2026-12", ("2027-01-03", "2027-01-05")),
        ("the January report is due on February 3rd", "2027-01", ("2027-02-03", "2027-02-05")),
    ];
    for (name, month, (due, meeting)) in cases {
        let month: YearMonth = month.parse().unwrap();
        assert_eq!(report_due(month), d(due), "{name}");
        assert_eq!(meeting_date(month), d(meeting), "{name}");
    }
    // (name, (month, submitted on), late)
    #[rustfmt::skip]
    let lateness = [
        ("the November report on December 3rd is on time", ("2026-11", "2026-12-03"), false),
        ("the November report on December 4th is late", ("2026-11", "2026-12-04"), true),
        ("the November report on November 30th is on time", ("2026-11", "2026-11-30"), false),
        ("the December report on January 3rd is on time", ("2026-12", "2027-01-03"), false),
        ("the December report on January 4th is late", ("2026-12", "2027-01-04"), true),
    ];
    for (name, (month, submitted), late) in lateness {
        let month: YearMonth = month.parse().unwrap();
        assert_eq!(is_report_late(month, d(submitted)), late, "{name}");
    }
}

#[test]
fn supervision_ledger() {
    use LedgerKind::{Check, Dispatch, Inquiry};
    // (name, (kind, put on the ledger, last record of that kind), next due)
    #[rustfmt::skip]
    let cases = [
        ("inquiry due a week after the ledger entry",
            (Inquiry, "2026-11-02", None), "2026-11-09"),
        ("inquiry due a week after the last inquiry",
            (Inquiry, "2026-11-02", Some("2026-11-10")), "2026-11-17"),
        ("check due half a month later", (Check, "2026-11-02", None), "2026-11-17"),
        ("check due half a month after the last check",
            (Check, "2026-11-02", Some("2026-11-20")), "2026-12-05"),
        ("dispatch due a month later", (Dispatch, "2026-11-02", None), "2026-12-02"),
        ("dispatch due a month later, across the year",
            (Dispatch, "2026-12-15", None), "2027-01-15"),
        ("dispatch due a month later, clamped at month end",
            (Dispatch, "2027-01-31", None), "2027-02-28"),
        ("dispatch clamped to a leap day",
            (Dispatch, "2027-12-01", Some("2028-01-31")), "2028-02-29"),
        ("a record older than the entry counts from the entry",
            (Inquiry, "2026-11-02", Some("2026-10-01")), "2026-11-09"),
    ];
    for (name, (kind, opened, last), due) in cases {
        let (opened, last) = (d(opened), last.map(d));
        assert_eq!(ledger_next_due(kind, opened, last), d(due), "{name}");
        let overdue = |today| ledger_is_overdue(kind, opened, last, today);
        assert!(!overdue(d(due)), "{name}: not overdue on the day");
        assert!(overdue(after(due)), "{name}: overdue the day after");
    }
}

#[test]
fn evaluation_periods() {
    let q = |year, quarter| Period::Quarter { year, quarter };
    let h = |year, half| Period::HalfYear { year, half };
    let y = Period::Year { year: 2026 };
    // (name, period, (first day, last day), (label_zh, label_en, code))
    #[rustfmt::skip]
    let cases = [
        ("Q1", q(2026, 1), ("2026-01-01", "2026-03-31"), ("2026年第一季度", "2026 Q1", "2026-Q1")),
        ("Q4", q(2026, 4), ("2026-10-01", "2026-12-31"), ("2026年第四季度", "2026 Q4", "2026-Q4")),
        ("H1", h(2026, 1), ("2026-01-01", "2026-06-30"), ("2026年上半年", "2026 H1", "2026-H1")),
        ("H2", h(2026, 2), ("2026-07-01", "2026-12-31"), ("2026年下半年", "2026 H2", "2026-H2")),
        ("the year", y, ("2026-01-01", "2026-12-31"), ("2026年度", "2026", "2026")),
    ];
    for (name, period, (first, last), (zh, en, code)) in cases {
        assert_eq!(period.first_day(), d(first), "{name}");
        assert_eq!(period.last_day(), d(last), "{name}");
        assert_eq!(period.label_zh(), zh, "{name}");
        assert_eq!(period.label_en(), en, "{name}");
        assert_eq!(period.code(), code, "{name}");
        assert_eq!(code.parse(), Ok(period), "{name}");
        assert!(period.contains(d(first)) && period.contains(d(last)));
        assert!(!period.contains(before(first)), "{name}");
        assert!(!period.contains(after(last)), "{name}");
    }
    // (name, date, (its quarter, its half-year))
    #[rustfmt::skip]
    let boundaries = [
        ("January 1 opens Q1, H1 and the year", "2026-01-01", (q(2026, 1), h(2026, 1))),
        ("March 31 closes Q1", "2026-03-31", (q(2026, 1), h(2026, 1))),
        ("April 1 opens Q2", "2026-04-01", (q(2026, 2), h(2026, 1))),
        ("June 30 closes Q2 and H1", "2026-06-30", (q(2026, 2), h(2026, 1))),
        ("July 1 opens Q3 and H2", "2026-07-01", (q(2026, 3), h(2026, 2))),
        ("December 31 closes Q4, H2 and the year", "2026-12-31", (q(2026, 4), h(2026, 2))),
    ];
    for (name, date, (quarter, half)) in boundaries {
        assert_eq!(Period::quarter_of(d(date)), quarter, "{name}");
        assert_eq!(Period::half_year_of(d(date)), half, "{name}");
        assert_eq!(Period::year_of(d(date)), y, "{name}");
    }
    #[rustfmt::skip]
    let json = [
        (q(2026, 4), r#"{"quarter":{"year":2026,"quarter":4}}"#),
        (h(2026, 1), r#"{"half_year":{"year":2026,"half":1}}"#),
        (y, r#"{"year":{"year":2026}}"#),
    ];
    for (period, text) in json {
        assert_eq!(serde_json::to_string(&period).unwrap(), text);
        let back: Period = serde_json::from_str(text).unwrap();
        assert_eq!(back, period);
    }
    #[rustfmt::skip]
    let bad_json = [
        r#"{"quarter":{"year":2026,"quarter":5}}"#,
        r#"{"half_year":{"year":2026,"half":0}}"#,
        r#"{"half_year":{"year":2026}}"#,
        r#""2026-Q4""#,
    ];
    for bad in bad_json {
        assert!(serde_json::from_str::<Period>(bad).is_err(), "{bad}");
    }
    #[rustfmt::skip]
    let bad = ["2026-Q5", "2026-Q0", "2026-H3", "2026-", "2026-Q", "2026-q4", "2026-Q４", "26"];
    for bad in bad {
        assert!(bad.parse::<Period>().is_err(), "{bad:?}");
    }
}

#[test]
fn the_report_month_turns_after_the_3rd_and_the_meeting_month_is_last_month() {
    let d = |s: &str| s.parse::<NaiveDate>().unwrap();
    let m = |s: &str| s.parse::<YearMonth>().unwrap();
    let cases = [
        ("the 1st", "2026-12-01", "2026-11"),
        ("the 3rd, due today", "2026-12-03", "2026-11"),
        ("the 4th", "2026-12-04", "2026-12"),
        ("month end", "2026-12-31", "2026-12"),
        ("new year's day", "2027-01-01", "2026-12"),
    ];
    for (name, today, month) in cases {
        assert_eq!(report_month(d(today)), m(month), "{name}");
    }
    assert_eq!(meeting_month(d("2026-12-04")), m("2026-11"));
    assert_eq!(meeting_month(d("2026-12-05")), m("2026-11"));
    assert_eq!(meeting_month(d("2027-01-20")), m("2026-12"));
}

#[test]
fn china_days_are_ranges_of_instants_starting_at_utc_plus_8_midnight() {
    let d = |s: &str| s.parse::<NaiveDate>().unwrap();
    // 2026-11-30 00:00 in China is 2026-11-29 16:00 UTC.
    let monday = china_midnight_ms(d("2026-11-30"));
    assert_eq!(monday, "2026-11-29T16:00:00Z".parse::<DateTime<Utc>>().unwrap().timestamp_millis());
    let week = VisitWeek::of(d("2026-12-02"));
    assert_eq!(week.ms_range(), monday..monday + 7 * 86_400_000);
    assert_eq!(china_date_ms(monday - 1), Some(d("2026-11-29")));
    assert_eq!(china_date_ms(monday), Some(d("2026-11-30")));
    assert_eq!(week.key(), 202649);
    assert_eq!(VisitWeek::from_key(202649), Some(week));
    assert_eq!(VisitWeek::from_key(202654), None, "2026 has 53 weeks");
    assert_eq!(YearMonth::of(d("2026-12-02")).ms_range().end, china_midnight_ms(d("2027-01-01")));
}
