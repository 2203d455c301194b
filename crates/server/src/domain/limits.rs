//! How repeated failures slow the next attempt (sign-in, enrolment keys).

use crate::db::Failures;

/// The longest wait a run of failures imposes.
pub const MAX_WAIT_MS: i64 = 15 * 60 * 1000;

/// How long to wait before the next attempt after `failures`, the last at `last_at`: nothing
/// for the first `free`, then one second, doubling with each further failure, up to
/// [`MAX_WAIT_MS`].
pub fn wait_after_failures(failures: Failures, free: i64, now: i64) -> Option<std::time::Duration> {
    if failures.count < free {
        return None;
    }
    let doublings = (failures.count - free).min(20) as u32;
    let wait = (1000_i64 << doublings).min(MAX_WAIT_MS);
    let left = failures.last_at + wait - now;
    (left > 0).then(|| std::time::Duration::from_millis(left as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_free_failures_cost_nothing_then_each_doubles_the_wait_up_to_the_longest() {
        let at = |count| Failures { count, last_at: 0 };
        assert_eq!(wait_after_failures(at(4), 5, 0), None);
        assert_eq!(
            wait_after_failures(at(5), 5, 0),
            Some(std::time::Duration::from_secs(1))
        );
        assert_eq!(
            wait_after_failures(at(7), 5, 0),
            Some(std::time::Duration::from_secs(4))
        );
        // Time already waited counts.
        assert_eq!(wait_after_failures(at(7), 5, 4000), None);
        assert_eq!(
            wait_after_failures(at(7), 5, 1000),
            Some(std::time::Duration::from_secs(3))
        );
        let longest = std::time::Duration::from_millis(MAX_WAIT_MS as u64);
        assert_eq!(wait_after_failures(at(60), 5, 0), Some(longest));
    }
}
