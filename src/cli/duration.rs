//! Duration flags, in one notation: humantime's (`500ms`, `30s`, `15m`, `1h 30m`, `30d`).

use std::time::Duration;

/// Like [`parse_duration`], but zero (`0`, `0s`) is accepted: for the flags whose help says
/// that zero means "never".
pub fn parse_duration_or_zero(value: &str) -> Result<Duration, String> {
    parse_any(value)
}

/// A duration flag: humantime's notation (`500ms`, `30s`, `15m`, `1h 30m`, `2h`, `30d`), or
/// a bare number of seconds (`30`), as these flags have always taken; more than zero.
pub fn parse_duration(value: &str) -> Result<Duration, String> {
    let duration = parse_any(value)?;
    if duration.is_zero() {
        return Err("a duration must be more than zero".into());
    }
    Ok(duration)
}

fn parse_any(value: &str) -> Result<Duration, String> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return value
            .parse()
            .map(Duration::from_secs)
            .map_err(|_| format!("{value:?} is too many seconds"));
    }
    humantime::parse_duration(value).map_err(|e| {
        format!("{value:?} is not a duration like 500ms, 30s, 15m, 1h 30m or 30d ({e})")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: u64 = 60;
    const HOUR: u64 = 60 * MINUTE;
    const DAY: u64 = 24 * HOUR;

    #[test]
    fn every_notation_in_use_still_parses() {
        for (text, seconds) in [
            ("2s", 2),
            ("10s", 10),
            ("30s", 30),
            ("15m", 15 * MINUTE),
            ("1h", HOUR),
            ("2h", 2 * HOUR),
            ("30d", 30 * DAY),
            // Bare numbers have always been seconds.
            ("30", 30),
            (" 45s ", 45),
            // humantime's longer forms.
            ("1h 30m", HOUR + 30 * MINUTE),
            ("1h30m", HOUR + 30 * MINUTE),
            ("2 days", 2 * DAY),
        ] {
            assert_eq!(
                parse_duration(text),
                Ok(Duration::from_secs(seconds)),
                "{text}"
            );
        }
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
    }

    #[test]
    fn zero_only_where_it_means_never() {
        for zero in ["0", "0s", "0ms", "0m", "0d"] {
            assert_eq!(parse_duration_or_zero(zero), Ok(Duration::ZERO), "{zero}");
            assert!(parse_duration(zero).is_err(), "{zero}");
        }
        assert_eq!(parse_duration_or_zero("1h"), Ok(Duration::from_secs(HOUR)));
    }

    #[test]
    fn bad_durations_are_refused_with_an_example() {
        for bad in ["", "s", "10x", "-5s", "ten seconds", "99999999999999999999"] {
            let error = parse_duration(bad).expect_err(bad);
            assert!(
                error.contains("duration") || error.contains("seconds"),
                "{bad}: {error}"
            );
        }
        let error = parse_duration("10x").expect_err("unknown unit");
        assert!(error.contains("1h 30m"), "{error}");
    }
}
