//! The generator's seeded randomness and its clock helpers (China Standard Time, UTC+8).

use chrono::{DateTime, NaiveDate, Utc};
use minqing_shared::calendar::china_date;
use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};
use uuid::Uuid;

/// One minute, in ms.
pub(super) const MINUTE: i64 = 60_000;
/// One hour, in ms.
pub(super) const HOUR: i64 = 60 * MINUTE;
/// One day, in ms.
pub(super) const DAY: i64 = 24 * HOUR;
const CHINA_OFFSET_MS: i64 = 8 * HOUR;

/// A seeded random source: the same seed gives the same county.
#[derive(Debug)]
pub(super) struct Gen {
    rng: StdRng,
}

impl Gen {
    /// A source seeded with `seed`.
    pub(super) fn new(seed: u64) -> Self {
        Self { rng: StdRng::seed_from_u64(seed) }
    }

    /// A UUIDv7 for a record made at `ms` (Unix ms), with random bits from the seed.
    pub(super) fn uuid(&mut self, ms: i64) -> Uuid {
        let mut bytes = [0u8; 10];
        self.rng.fill_bytes(&mut bytes);
        uuid::Builder::from_unix_timestamp_millis(ms.max(0) as u64, &bytes).into_uuid()
    }

    /// `n` random bytes, hex.
    pub(super) fn hex(&mut self, n: usize) -> String {
        let mut bytes = vec![0u8; n];
        self.rng.fill_bytes(&mut bytes);
        hex::encode(bytes)
    }

    /// True with probability `p`.
    pub(super) fn chance(&mut self, p: f64) -> bool {
        self.rng.random::<f64>() < p
    }

    /// A uniform number in `0..n` (0 if `n` is 0).
    pub(super) fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.rng.random_range(0..n) }
    }

    /// A uniform number in `lo..=hi`.
    pub(super) fn between(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo { lo } else { self.rng.random_range(lo..=hi) }
    }

    /// A uniform float in `lo..hi`.
    pub(super) fn float(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.rng.random::<f64>()
    }

    /// One of `items`, uniformly.
    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// An index into `weights`, with probability proportional to its weight.
    pub(super) fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|w| u64::from(*w)).sum();
        let mut roll = self.below(total);
        for (i, w) in weights.iter().enumerate() {
            if roll < u64::from(*w) {
                return i;
            }
            roll -= u64::from(*w);
        }
        weights.len() - 1
    }

    /// Shuffles `items` in place (Fisher–Yates).
    pub(super) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

/// Unix ms of `minute` minutes after midnight of `date` in China.
pub(super) fn china_ms(date: NaiveDate, minute: i64) -> i64 {
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc();
    midnight.timestamp_millis() - CHINA_OFFSET_MS + minute * MINUTE
}

/// The instant at Unix ms `ms`.
pub(super) fn utc(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// The China date at Unix ms `ms`.
pub(super) fn day_of(ms: i64) -> NaiveDate {
    china_date(utc(ms))
}

/// `date` plus `days` days (negative goes back).
pub(super) fn add_days(date: NaiveDate, days: i64) -> NaiveDate {
    date + chrono::Duration::days(days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn china_time_is_utc_plus_eight() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let ms = china_ms(d, 8 * 60);
        assert_eq!(utc(ms).to_rfc3339(), "2026-03-02T00:00:00+00:00");
        assert_eq!(day_of(ms), d);
        assert_eq!(day_of(china_ms(d, 0) - 1), add_days(d, -1));
    }

    #[test]
    fn the_same_seed_gives_the_same_ids() {
        let (mut a, mut b) = (Gen::new(3), Gen::new(3));
        let (x, y) = (a.uuid(1_700_000_000_000), b.uuid(1_700_000_000_000));
        assert_eq!(x, y);
        assert_eq!(x.get_version_num(), 7);
        assert_eq!(a.weighted(&[0, 5, 0]), 1);
    }
}
