//! A recursive-descent parser for NQL. It never panics and bounds everything it builds.

use chrono::{Months, TimeDelta};

use super::{Comparison, Expr, MAX_COMPARISONS, MAX_DEPTH, MAX_LEN, MAX_LIST, Op, Operand, Value};
use crate::ValidationError;
use crate::time::{Timestamp, storable};

/// Parses `input` (`now` resolves relative dates). `field` names the argument for errors.
pub fn parse(input: &str, now: Timestamp, field: &'static str) -> Result<Expr, ValidationError> {
    if input.len() > MAX_LEN {
        return Err(ValidationError::new(
            field,
            format!("is longer than {MAX_LEN} bytes"),
        ));
    }
    // No stored text holds control characters, and PostgreSQL refuses NUL in text outright:
    // such a value could only ever fail.
    if let Some(c) = input
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(ValidationError::new(
            field,
            format!("contains the control character {c:?}"),
        ));
    }
    let mut p = Parser {
        chars: input.chars().collect(),
        pos: 0,
        now,
        comparisons: 0,
        field,
    };
    p.skip_space();
    if p.at_end() {
        return Err(p.error("is empty"));
    }
    let expr = p.or(0)?;
    p.skip_space();
    if !p.at_end() {
        return Err(p.error(&format!("unexpected {:?}", p.peek().unwrap_or(' '))));
    }
    Ok(expr)
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    now: Timestamp,
    comparisons: usize,
    field: &'static str,
}

impl Parser {
    fn error(&self, message: &str) -> ValidationError {
        ValidationError::new(
            self.field,
            format!("invalid filter at character {}: {message}", self.pos + 1),
        )
    }

    fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    /// `and (',' and)*`
    fn or(&mut self, depth: usize) -> Result<Expr, ValidationError> {
        let mut parts = vec![self.and(depth)?];
        loop {
            self.skip_space();
            if !self.eat(',') {
                break;
            }
            parts.push(self.and(depth)?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::Or(parts)
        })
    }

    /// `term ('+' term)*`
    fn and(&mut self, depth: usize) -> Result<Expr, ValidationError> {
        let mut parts = vec![self.term(depth)?];
        loop {
            self.skip_space();
            if !self.eat('+') {
                break;
            }
            parts.push(self.term(depth)?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::And(parts)
        })
    }

    /// `'(' or ')' | comparison`
    fn term(&mut self, depth: usize) -> Result<Expr, ValidationError> {
        self.skip_space();
        if self.eat('(') {
            if depth + 1 > MAX_DEPTH {
                return Err(self.error(&format!("nested deeper than {MAX_DEPTH}")));
            }
            let inner = self.or(depth + 1)?;
            self.skip_space();
            if !self.eat(')') {
                return Err(self.error("expected )"));
            }
            return Ok(inner);
        }
        self.comparison().map(Expr::Cmp)
    }

    fn comparison(&mut self) -> Result<Comparison, ValidationError> {
        self.comparisons += 1;
        if self.comparisons > MAX_COMPARISONS {
            return Err(self.error(&format!("more than {MAX_COMPARISONS} comparisons")));
        }
        let property = self.property()?;
        self.skip_space();
        if !self.eat(':') {
            return Err(self.error("expected : after the property"));
        }
        let negated = self.eat('-');
        let op = if self.eat('~') {
            match (self.eat('^'), self.eat('$'), negated) {
                (true, _, false) => Op::StartsWith,
                (true, _, true) => Op::NotStartsWith,
                (_, true, false) => Op::EndsWith,
                (_, true, true) => Op::NotEndsWith,
                (false, false, false) => Op::Contains,
                (false, false, true) => Op::NotContains,
            }
        } else if self.peek() == Some('[') {
            if negated { Op::NotIn } else { Op::In }
        } else if negated {
            Op::Ne
        } else if self.eat('>') {
            if self.eat('=') { Op::Gte } else { Op::Gt }
        } else if self.eat('<') {
            if self.eat('=') { Op::Lte } else { Op::Lt }
        } else {
            Op::Eq
        };
        let value = if matches!(op, Op::In | Op::NotIn) {
            Operand::List(self.list()?)
        } else {
            Operand::One(self.value()?)
        };
        Ok(Comparison {
            property,
            op,
            value,
        })
    }

    fn property(&mut self) -> Result<String, ValidationError> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        {
            self.pos += 1;
        }
        if self.pos == start || self.pos - start > 64 {
            return Err(self.error("expected a property name"));
        }
        Ok(self.chars[start..self.pos]
            .iter()
            .collect::<String>()
            .to_ascii_lowercase())
    }

    fn list(&mut self) -> Result<Vec<Value>, ValidationError> {
        if !self.eat('[') {
            return Err(self.error("expected ["));
        }
        let mut values = Vec::new();
        loop {
            self.skip_space();
            values.push(self.value()?);
            if values.len() > MAX_LIST {
                return Err(self.error(&format!("a list holds at most {MAX_LIST} values")));
            }
            self.skip_space();
            if self.eat(']') {
                return Ok(values);
            }
            if !self.eat(',') {
                return Err(self.error("expected , or ] in the list"));
            }
        }
    }

    fn value(&mut self) -> Result<Value, ValidationError> {
        if self.peek() == Some('\'') || self.peek() == Some('"') {
            return self.quoted().map(Value::Text);
        }
        let start = self.pos;
        while self.peek().is_some_and(|c| {
            !matches!(c, '+' | ',' | '(' | ')' | '[' | ']' | '\'' | '"' | ':') && !c.is_whitespace()
        }) {
            self.pos += 1;
        }
        if self.pos == start {
            return Err(self.error("expected a value"));
        }
        let word: String = self.chars[start..self.pos].iter().collect();
        Ok(match word.as_str() {
            "null" => Value::Null,
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => {
                if let Some(date) = relative_date(&word, self.now) {
                    Value::Date(date)
                } else if let Some(n) = number(&word) {
                    Value::Number(n)
                } else {
                    Value::Text(word)
                }
            }
        })
    }

    fn quoted(&mut self) -> Result<String, ValidationError> {
        let quote = self.peek().unwrap_or('\'');
        self.pos += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return Err(self.error("unterminated string")),
                Some('\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(c) => out.push(c),
                        None => return Err(self.error("unterminated string")),
                    }
                    self.pos += 1;
                }
                Some(c) if c == quote => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }
}

fn number(word: &str) -> Option<f64> {
    let looks_numeric = word
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-'))
        && word.chars().any(|c| c.is_ascii_digit())
        && !word[1..].contains('-');
    if !looks_numeric {
        return None;
    }
    word.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// `now`, `now-30d`, `now+2w` (units `d w M y h m s`).
fn relative_date(word: &str, now: Timestamp) -> Option<Timestamp> {
    let rest = word.strip_prefix("now")?;
    if rest.is_empty() {
        return Some(now);
    }
    let (sign, rest) = match rest.split_at_checked(1)? {
        ("-", r) => (-1i64, r),
        ("+", r) => (1i64, r),
        _ => return None,
    };
    let unit = rest.chars().last()?;
    let amount: i64 = rest[..rest.len() - unit.len_utf8()].parse().ok()?;
    if !(0..=100_000).contains(&amount) {
        return None;
    }
    let months = |m: i64| u32::try_from(m).ok().map(Months::new);
    let shift = |t: Timestamp| -> Option<Timestamp> {
        match unit {
            's' => t.checked_add_signed(TimeDelta::try_seconds(sign * amount)?),
            'm' => t.checked_add_signed(TimeDelta::try_minutes(sign * amount)?),
            'h' => t.checked_add_signed(TimeDelta::try_hours(sign * amount)?),
            'd' => t.checked_add_signed(TimeDelta::try_days(sign * amount)?),
            'w' => t.checked_add_signed(TimeDelta::try_weeks(sign * amount)?),
            'M' | 'y' => {
                let m: Months = months(if unit == 'y' { amount * 12 } else { amount })?;
                if sign < 0 {
                    t.checked_sub_months(m)
                } else {
                    t.checked_add_months(m)
                }
            }
            _ => None,
        }
    };
    shift(now).filter(|t| storable(*t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn now() -> Timestamp {
        Utc.with_ymd_and_hms(2020, 3, 31, 12, 0, 0)
            .single()
            .expect("date")
    }

    fn p(s: &str) -> Expr {
        parse(s, now(), "filter").unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn cmp(property: &str, op: Op, value: Value) -> Expr {
        Expr::Cmp(Comparison {
            property: property.into(),
            op,
            value: Operand::One(value),
        })
    }

    fn text(s: &str) -> Value {
        Value::Text(s.into())
    }

    #[test]
    fn every_operator() {
        let cases = [
            ("tag:news", Op::Eq),
            ("tag:-news", Op::Ne),
            ("count:>5", Op::Gt),
            ("count:>=5", Op::Gte),
            ("count:<5", Op::Lt),
            ("count:<=5", Op::Lte),
            ("title:~news", Op::Contains),
            ("title:-~news", Op::NotContains),
            ("title:~^news", Op::StartsWith),
            ("title:-~^news", Op::NotStartsWith),
            ("title:~$news", Op::EndsWith),
            ("title:-~$news", Op::NotEndsWith),
        ];
        for (input, op) in cases {
            match p(input) {
                Expr::Cmp(c) => assert_eq!(c.op, op, "{input}"),
                other => panic!("{input}: {other:?}"),
            }
        }
        match p("slug:[a, b,'c d']") {
            Expr::Cmp(c) => {
                assert_eq!(c.op, Op::In);
                assert_eq!(
                    c.value,
                    Operand::List(vec![text("a"), text("b"), text("c d")])
                );
            }
            other => panic!("{other:?}"),
        }
        match p("slug:-[a]") {
            Expr::Cmp(c) => assert_eq!(c.op, Op::NotIn),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn values() {
        assert_eq!(p("a:null"), cmp("a", Op::Eq, Value::Null));
        assert_eq!(
            p("featured:true"),
            cmp("featured", Op::Eq, Value::Bool(true))
        );
        assert_eq!(p("a:false"), cmp("a", Op::Eq, Value::Bool(false)));
        assert_eq!(p("a:12"), cmp("a", Op::Eq, Value::Number(12.0)));
        assert_eq!(p("a:>-1.5"), cmp("a", Op::Gt, Value::Number(-1.5)));
        assert_eq!(p("a:2017-06-03"), cmp("a", Op::Eq, text("2017-06-03")));
        assert_eq!(p("a:'it\\'s'"), cmp("a", Op::Eq, text("it's")));
        assert_eq!(p("a:\"x,y\""), cmp("a", Op::Eq, text("x,y")));
        assert_eq!(
            p("Authors.Slug:joe"),
            cmp("authors.slug", Op::Eq, text("joe"))
        );
    }

    #[test]
    fn relative_dates() {
        let day = |d: u32| {
            Utc.with_ymd_and_hms(2020, 3, d, 12, 0, 0)
                .single()
                .expect("date")
        };
        assert_eq!(p("d:>now-30d"), cmp("d", Op::Gt, Value::Date(day(1))));
        assert_eq!(p("d:<now"), cmp("d", Op::Lt, Value::Date(now())));
        assert_eq!(p("d:>now-1w"), cmp("d", Op::Gt, Value::Date(day(24))));
        let feb = Utc
            .with_ymd_and_hms(2020, 2, 29, 12, 0, 0)
            .single()
            .expect("date");
        assert_eq!(p("d:>now-1M"), cmp("d", Op::Gt, Value::Date(feb)));
        let last_year = Utc
            .with_ymd_and_hms(2019, 3, 31, 12, 0, 0)
            .single()
            .expect("date");
        assert_eq!(p("d:>now-1y"), cmp("d", Op::Gt, Value::Date(last_year)));
        let hour = Utc
            .with_ymd_and_hms(2020, 3, 31, 11, 0, 0)
            .single()
            .expect("date");
        assert_eq!(p("d:>now-1h"), cmp("d", Op::Gt, Value::Date(hour)));
        assert_eq!(p("d:>now-60m"), cmp("d", Op::Gt, Value::Date(hour)));
        assert_eq!(p("d:>now-3600s"), cmp("d", Op::Gt, Value::Date(hour)));
        assert_eq!(p("d:nowhere"), cmp("d", Op::Eq, text("nowhere")));
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let a = cmp("a", Op::Eq, Value::Number(1.0));
        let b = cmp("b", Op::Eq, Value::Number(2.0));
        let c = cmp("c", Op::Eq, Value::Number(3.0));
        assert_eq!(
            p("a:1,b:2+c:3"),
            Expr::Or(vec![a.clone(), Expr::And(vec![b.clone(), c.clone()])])
        );
        assert_eq!(
            p("a:1+b:2,c:3"),
            Expr::Or(vec![Expr::And(vec![a.clone(), b.clone()]), c.clone()])
        );
        assert_eq!(p("a:1+(b:2,c:3)"), Expr::And(vec![a, Expr::Or(vec![b, c])]));
    }

    #[test]
    fn malformed_filters_are_refused_naming_the_argument() {
        for bad in [
            "slug:'a\u{0}b'",
            "title:~\u{7}",
            "",
            "   ",
            "tag",
            "tag:",
            ":news",
            "tag:news+",
            "tag:news,",
            "(tag:news",
            "tag:news)",
            "tag:[a,b",
            "tag:[]",
            "tag:'open",
            "tag:news extra",
            "tag::x",
            "tag:'a'b",
        ] {
            let err = parse(bad, now(), "filter").expect_err(bad);
            assert_eq!(err.field, "filter", "{bad}");
        }
    }

    #[test]
    fn limits_hold() {
        let deep = format!(
            "{}a:1{}",
            "(".repeat(MAX_DEPTH + 1),
            ")".repeat(MAX_DEPTH + 1)
        );
        assert!(parse(&deep, now(), "f").is_err());
        let ok = format!("{}a:1{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert!(parse(&ok, now(), "f").is_ok());
        let many = vec!["a:1"; MAX_COMPARISONS + 1].join("+");
        assert!(parse(&many, now(), "f").is_err());
        let list = format!("a:[{}]", vec!["x"; MAX_LIST + 1].join(","));
        assert!(parse(&list, now(), "f").is_err());
        assert!(parse(&"a".repeat(MAX_LEN + 1), now(), "f").is_err());
    }

    #[test]
    fn never_panics_on_arbitrary_input() {
        // A small deterministic fuzz: every prefix and every character swap of some filters.
        let seeds = [
            "tag:[politics,brexit]+published_at:>now-1y",
            "(a:'x\\'y',b:-[1,2])+c:~^'é'",
            "authors:-joe+featured:true,slug:~$'-x'",
        ];
        let alphabet: Vec<char> = "()[]+,:-~^$<>='\"\\ a1é\u{0}".chars().collect();
        for seed in seeds {
            let chars: Vec<char> = seed.chars().collect();
            for end in 0..=chars.len() {
                let _ = parse(&chars[..end].iter().collect::<String>(), now(), "f");
            }
            for i in 0..chars.len() {
                for c in &alphabet {
                    let mut mutated = chars.clone();
                    mutated[i] = *c;
                    let _ = parse(&mutated.iter().collect::<String>(), now(), "f");
                }
            }
        }
    }
}
