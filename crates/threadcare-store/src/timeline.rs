//! Writer timelines and the rising-level alert.

use chrono::Duration;
use threadcare_core::Level;

use crate::{TimelinePoint, TrendAlert};

/// The window within which a rise counts.
pub const TREND_WINDOW_DAYS: i64 = 14;

/// Whether going from `from` to `to` is a rise worth an alert: at least two steps up, or
/// reaching `severe` or above from below it.
fn rises(from: Level, to: Level) -> bool {
    to > from && (to.rank() - from.rank() >= 2 || (to >= Level::Severe && from < Level::Severe))
}

/// The alert for a writer's points (oldest first), if their level rose within the window.
///
/// The most recent rise wins: for the latest point that ends a rise, the rise starts at the
/// lowest point of the [`TREND_WINDOW_DAYS`] before it (the earliest of equally low ones). A
/// fall, a rise spread over more than the window, or a first item that is already high (nothing
/// earlier to rise from) gives no alert.
pub fn trend_alert(author: &str, points: &[TimelinePoint]) -> Option<TrendAlert> {
    let window = Duration::days(TREND_WINDOW_DAYS);
    for j in (1..points.len()).rev() {
        let peak = &points[j];
        let mut low: Option<usize> = None;
        for i in (0..j).rev() {
            if peak.at - points[i].at > window {
                break;
            }
            if low.is_none_or(|l| points[i].level <= points[l].level) {
                low = Some(i);
            }
        }
        let Some(i) = low else { continue };
        let start = &points[i];
        if !rises(start.level, peak.level) {
            continue;
        }
        // The steps of the rise: the start, each later point higher than the last step and
        // below the peak, and the peak.
        let mut steps = vec![start];
        for p in &points[i + 1..j] {
            let last = steps[steps.len() - 1].level;
            if p.level > last && p.level < peak.level {
                steps.push(p);
            }
        }
        steps.push(peak);
        let levels: Vec<&str> = steps.iter().map(|p| p.level.as_str()).collect();
        let span = peak.at - start.at;
        let when = match span.num_days() {
            0 => "within a day".to_string(),
            1 => "in 1 day".to_string(),
            n => format!("in {n} days"),
        };
        let explanation = format!(
            "Rose from {} to {} {when} over {} items ({}).",
            start.level,
            peak.level,
            j - i + 1,
            levels.join(" → ")
        );
        return Some(TrendAlert {
            author: author.to_string(),
            from: start.level,
            to: peak.level,
            since: start.at,
            until: peak.at,
            item_ids: steps.iter().map(|p| p.item_id.clone()).collect(),
            explanation,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeZone, Utc};
    use threadcare_core::ItemKind;

    use super::*;

    fn day(d: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap() + Duration::days(d)
    }

    fn pts(levels: &[(i64, Level)]) -> Vec<TimelinePoint> {
        levels
            .iter()
            .enumerate()
            .map(|(n, (d, level))| TimelinePoint {
                item_id: format!("i{n}"),
                thread_id: format!("t{n}"),
                kind: ItemKind::Post,
                at: day(*d),
                level: *level,
                cssrs: 0,
            })
            .collect()
    }

    use Level::*;

    #[test]
    fn low_moderate_severe_within_two_weeks_alerts_with_its_steps() {
        let p = pts(&[(0, Low), (4, Moderate), (9, Severe)]);
        let a = trend_alert("w", &p).expect("a rise");
        assert_eq!((a.from, a.to), (Low, Severe));
        assert_eq!(a.item_ids, ["i0", "i1", "i2"]);
        assert_eq!((a.since, a.until), (day(0), day(9)));
        assert_eq!(
            a.explanation,
            "Rose from low to severe in 9 days over 3 items (low → moderate → severe)."
        );
    }

    #[test]
    fn two_steps_alert_and_one_step_below_severe_does_not() {
        assert!(trend_alert("w", &pts(&[(0, None), (3, Moderate)])).is_some());
        assert!(trend_alert("w", &pts(&[(0, Low), (3, Moderate)])).is_none());
        // Reaching severe from just below counts.
        let a = trend_alert("w", &pts(&[(0, Moderate), (2, Severe)])).unwrap();
        assert_eq!((a.from, a.to), (Moderate, Severe));
        // Severe to imminent is one step and starts at severe: not this alert.
        assert!(trend_alert("w", &pts(&[(0, Severe), (1, Imminent)])).is_none());
    }

    #[test]
    fn a_fall_does_not_alert() {
        assert!(trend_alert("w", &pts(&[(0, Imminent), (3, Severe), (6, Low)])).is_none());
        assert!(trend_alert("w", &pts(&[(0, Severe), (1, None)])).is_none());
    }

    #[test]
    fn a_rise_over_three_months_does_not_alert() {
        let p = pts(&[(0, Low), (45, Moderate), (90, Severe)]);
        assert!(trend_alert("w", &p).is_none());
        // Exactly at the window's edge still counts; a day more does not.
        assert!(trend_alert("w", &pts(&[(0, Low), (14, Severe)])).is_some());
        assert!(trend_alert("w", &pts(&[(0, Low), (15, Severe)])).is_none());
    }

    #[test]
    fn a_single_severe_item_is_not_a_rise() {
        assert!(trend_alert("w", &pts(&[(0, Severe)])).is_none());
        assert!(trend_alert("w", &pts(&[(0, Imminent), (2, Imminent)])).is_none());
        assert!(trend_alert("w", &[]).is_none());
    }

    #[test]
    fn the_latest_rise_wins_and_starts_at_the_lowest_point() {
        let p = pts(&[
            (0, Low),
            (2, Severe), // an early rise
            (40, Moderate),
            (41, None),
            (44, Low),
            (50, Imminent), // the latest: from none on day 41
        ]);
        let a = trend_alert("w", &p).unwrap();
        assert_eq!((a.from, a.to), (None, Imminent));
        assert_eq!(a.item_ids, ["i3", "i4", "i5"]);
        assert!(a.explanation.contains("in 9 days over 3 items"));
    }

    #[test]
    fn items_of_the_same_day() {
        let p = pts(&[(0, Low), (0, Severe)]);
        let a = trend_alert("w", &p).unwrap();
        assert!(a.explanation.contains("within a day"), "{}", a.explanation);
    }
}
