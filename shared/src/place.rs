//! Where a visit happened, against where its household is: 位置存疑 (place in doubt).
//!
//! A household's place is learned from the good fixes of its in-person visits — the median
//! latitude and longitude of at least [`MIN_FIXES`] fixes at most [`GOOD_FIX_M`] metres
//! accurate, so one fix taken at the village office does not move it. A visit is judged against
//! the place learned from the visits recorded **before** it, so the judgement made when it
//! arrives is the one every later reader makes. It is in doubt when its own good fix lies more
//! than the county's distance (default [`DEFAULT_DOUBT_M`]) from that place. A visit without a
//! fix, with a poor fix, or to a household whose place is not known yet is not judged.

use serde::{Deserialize, Serialize};

use crate::visit::{GeoFix, NoFix, Visit};

/// The county's distance when it set none, metres.
pub const DEFAULT_DOUBT_M: u32 = 500;
/// A fix at least this accurate (radius, metres) is judged and teaches the household's place.
pub const GOOD_FIX_M: f32 = 100.0;
/// Fewest good fixes a household's place is learned from.
pub const MIN_FIXES: usize = 3;
/// Most recent good fixes the place is learned from (a household that moved is found again).
pub const MAX_FIXES: usize = 15;
/// How far back, in days, a visit's place is learned from.
pub const PLACE_WINDOW_DAYS: i64 = 180;

/// A point, degrees (WGS-84).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
}

/// Great-circle distance in metres (haversine on the mean Earth radius).
pub fn distance_m(a: Point, b: Point) -> f64 {
    const R: f64 = 6_371_008.8;
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let dla = la2 - la1;
    let dlo = (b.lon - a.lon).to_radians();
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    2.0 * R * h.sqrt().min(1.0).asin()
}

/// Whether `fix` is accurate enough to judge and to learn from.
pub fn is_good(fix: &GeoFix) -> bool {
    fix.accuracy_m.is_some_and(|a| a.is_finite() && a <= GOOD_FIX_M)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 { xs[n / 2] } else { (xs[n / 2 - 1] + xs[n / 2]) / 2.0 }
}

/// Where a visit's good fix places it, if it teaches the household's place: an in-person visit
/// with a fix at least [`GOOD_FIX_M`] accurate. (The server keeps this as two columns.)
pub fn teaching_fix(v: &Visit) -> Option<Point> {
    v.gps
        .filter(|f| v.counts_as_weekly_visit() && is_good(f))
        .map(|f| Point { lat: f.lat, lon: f.lon })
}

/// The place learned from good fixes (any order, each with its visit's time): the median of
/// the last [`MAX_FIXES`], if there are at least [`MIN_FIXES`].
pub fn learned_from(
    fixes: impl IntoIterator<Item = (chrono::DateTime<chrono::Utc>, Point)>,
) -> Option<Point> {
    let mut fixes: Vec<_> = fixes.into_iter().collect();
    if fixes.len() < MIN_FIXES {
        return None;
    }
    fixes.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    fixes.truncate(MAX_FIXES);
    Some(Point {
        lat: median(fixes.iter().map(|(_, p)| p.lat).collect()),
        lon: median(fixes.iter().map(|(_, p)| p.lon).collect()),
    })
}

/// The place learned from `visits` (any order): [`learned_from`] their [`teaching_fix`]es.
pub fn learned_place<'a>(visits: impl IntoIterator<Item = &'a Visit>) -> Option<Point> {
    learned_from(visits.into_iter().filter_map(|v| teaching_fix(v).map(|p| (v.visited_at, p))))
}

/// The place a visit at `at` is judged against, from fixes (with their visits' times): those
/// of the [`PLACE_WINDOW_DAYS`] before it.
pub fn place_before_fixes(
    fixes: impl IntoIterator<Item = (chrono::DateTime<chrono::Utc>, Point)>,
    at: chrono::DateTime<chrono::Utc>,
) -> Option<Point> {
    let from = at - chrono::Duration::days(PLACE_WINDOW_DAYS);
    learned_from(fixes.into_iter().filter(|(t, _)| *t < at && *t >= from))
}

/// How a visit's place stands.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PlaceCheck {
    /// Within the distance of the household's place.
    Near {
        /// Metres from the place.
        distance_m: f64,
    },
    /// 位置存疑: farther than the distance.
    Doubtful {
        /// Metres from the place.
        distance_m: f64,
    },
    /// Not judged: the phone had no fix (and why, if it said).
    NoFix(Option<NoFix>),
    /// Not judged: the fix was too coarse.
    PoorFix,
    /// Not judged: the household's place is not known yet.
    NoPlace,
}

impl PlaceCheck {
    /// Whether the visit is 位置存疑.
    pub fn is_doubtful(&self) -> bool {
        matches!(self, PlaceCheck::Doubtful { .. })
    }

    /// A clerk's or cadre's words for it, Chinese.
    pub fn zh(&self) -> String {
        match self {
            PlaceCheck::Near { distance_m } => format!("距住户约{}", metres_zh(*distance_m)),
            PlaceCheck::Doubtful { distance_m } => {
                format!("位置存疑：距住户约{}", metres_zh(*distance_m))
            }
            PlaceCheck::NoFix(Some(why)) => format!("未定位（{}）", crate::Label::zh(why)),
            PlaceCheck::NoFix(None) => "未定位".to_owned(),
            PlaceCheck::PoorFix => "定位精度不足".to_owned(),
            PlaceCheck::NoPlace => "住户位置待定".to_owned(),
        }
    }

    /// The same in English.
    pub fn en(&self) -> String {
        let km = |m: f64| {
            if m < 1000.0 {
                format!("{} m", m.round() as i64)
            } else {
                format!("{:.1} km", m / 1000.0)
            }
        };
        match self {
            PlaceCheck::Near { distance_m } => {
                format!("about {} from the household", km(*distance_m))
            }
            PlaceCheck::Doubtful { distance_m } => {
                format!("Place in doubt: about {} from the household", km(*distance_m))
            }
            PlaceCheck::NoFix(Some(why)) => format!("No location ({})", crate::Label::en(why)),
            PlaceCheck::NoFix(None) => "No location".to_owned(),
            PlaceCheck::PoorFix => "Location too coarse".to_owned(),
            PlaceCheck::NoPlace => "Household's place not known yet".to_owned(),
        }
    }
}

/// "120米" / "1.2公里".
pub fn metres_zh(m: f64) -> String {
    if m < 1000.0 { format!("{}米", m.round() as i64) } else { format!("{:.1}公里", m / 1000.0) }
}

/// How `visit` stands against the household's `place` (learned from the visits before it, or
/// set by the office), with the county's distance `limit_m`.
pub fn check(visit: &Visit, place: Option<Point>, limit_m: u32) -> PlaceCheck {
    let Some(fix) = visit.gps else {
        return PlaceCheck::NoFix(visit.no_fix);
    };
    if !is_good(&fix) {
        return PlaceCheck::PoorFix;
    }
    let Some(place) = place else {
        return PlaceCheck::NoPlace;
    };
    let distance_m = distance_m(Point { lat: fix.lat, lon: fix.lon }, place);
    if distance_m > f64::from(limit_m) {
        PlaceCheck::Doubtful { distance_m }
    } else {
        PlaceCheck::Near { distance_m }
    }
}

/// The place a visit at `at` is judged against: learned from the household's `visits` in the
/// [`PLACE_WINDOW_DAYS`] before it.
pub fn place_before<'a>(
    visits: impl IntoIterator<Item = &'a Visit>,
    at: chrono::DateTime<chrono::Utc>,
) -> Option<Point> {
    place_before_fixes(
        visits.into_iter().filter_map(|v| teaching_fix(v).map(|p| (v.visited_at, p))),
        at,
    )
}

/// Each of a household's `visits` judged against the place learned from the in-person visits
/// before it (or the office's `set` place, when there is one). Returned in the visits' order.
pub fn check_all(visits: &[Visit], set: Option<Point>, limit_m: u32) -> Vec<PlaceCheck> {
    visits
        .iter()
        .map(|v| check(v, set.or_else(|| place_before(visits, v.visited_at)), limit_m))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::china_time;
    use crate::ids::{CadreId, HouseholdId, VisitId};
    use crate::visit::VisitMode;

    /// Metres north of a point, in degrees of latitude.
    fn north(m: f64) -> f64 {
        m / 111_195.0
    }

    const HOME: Point = Point { lat: 36.0, lon: 114.5 };

    fn visit(day: u32, offset_north_m: f64, accuracy: f32) -> Visit {
        Visit {
            photos: Vec::new(),
            id: VisitId::new(),
            household_id: HouseholdId::new(),
            cadre_id: CadreId::new(),
            visited_at: china_time(2026, 11, day, 10, 0),
            mode: VisitMode::InPerson,
            topics: vec![],
            policies: String::new(),
            summary: String::new(),
            gps: Some(GeoFix {
                lat: HOME.lat + north(offset_north_m),
                lon: HOME.lon,
                accuracy_m: Some(accuracy),
                fixed_at: None,
            }),
            no_fix: None,
        }
    }

    #[test]
    fn distances_are_great_circle_metres() {
        let a = Point { lat: 36.0, lon: 114.5 };
        let b = Point { lat: 36.0 + north(1000.0), lon: 114.5 };
        assert!((distance_m(a, b) - 1000.0).abs() < 1.0, "{}", distance_m(a, b));
        assert_eq!(distance_m(a, a), 0.0);
        assert_eq!(metres_zh(123.4), "123米");
        assert_eq!(metres_zh(1234.0), "1.2公里");
    }

    #[test]
    fn the_place_is_the_median_of_good_fixes_so_one_stray_fix_does_not_move_it() {
        let visits = [
            visit(2, 10.0, 15.0),
            visit(9, -20.0, 20.0),
            visit(16, 3000.0, 10.0), // taken at the township office
            visit(17, 5.0, 300.0),   // too coarse: ignored
        ];
        assert_eq!(learned_place(&visits[..2]), None, "two fixes teach nothing yet");
        let place = learned_place(&visits).unwrap();
        assert!(distance_m(place, HOME) < 15.0, "{place:?}");
    }

    #[test]
    fn a_visit_far_from_the_place_learned_before_it_is_in_doubt() {
        let mut visits = vec![
            visit(2, 10.0, 15.0),
            visit(9, -20.0, 20.0),
            visit(16, 0.0, 10.0),
            visit(23, 800.0, 12.0),
            visit(24, 450.0, 12.0),
            visit(25, 2000.0, 250.0),
        ];
        let mut none = visit(26, 0.0, 10.0);
        none.gps = None;
        none.no_fix = Some(NoFix::Denied);
        visits.push(none);
        let checks = check_all(&visits, None, DEFAULT_DOUBT_M);
        let kinds: Vec<&str> = checks
            .iter()
            .map(|c| match c {
                PlaceCheck::Near { .. } => "near",
                PlaceCheck::Doubtful { .. } => "doubt",
                PlaceCheck::NoFix(_) => "nofix",
                PlaceCheck::PoorFix => "poor",
                PlaceCheck::NoPlace => "noplace",
            })
            .collect();
        assert_eq!(kinds, ["noplace", "noplace", "noplace", "doubt", "near", "poor", "nofix"]);
        assert!(checks[3].zh().starts_with("位置存疑：距住户约8"), "{}", checks[3].zh());
        assert_eq!(checks[6].zh(), "未定位（未授权定位）");
        // A county that allows a kilometre.
        assert!(!check_all(&visits, None, 1000)[3].is_doubtful());
        // A place the office set wins over the learned one.
        let set = Point { lat: HOME.lat + north(800.0), lon: HOME.lon };
        assert!(check_all(&visits, Some(set), DEFAULT_DOUBT_M)[0].is_doubtful());
    }
}
