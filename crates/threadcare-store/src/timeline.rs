//! Writer timelines and the rising-level alert.

/// The window within which a rise counts.
pub const TREND_WINDOW_DAYS: i64 = 14;

/// The alert for a writer's points (oldest first), if their level rose within the window.
pub fn trend_alert(author: &str, points: &[crate::TimelinePoint]) -> Option<crate::TrendAlert> {
    let _ = (author, points);
    todo!("store helper")
}
