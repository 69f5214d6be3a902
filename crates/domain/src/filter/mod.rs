//! The filter language: Ghost's NQL, parsed into one AST that every API compiles the same way.
//!
//! `tag:news+featured:true`, `published_at:>'2017-06-03 23:43:12'`, `slug:[a,b,c]`,
//! `authors:-joe`, `(tag:brexit,tag:devolution)+published_at:>now-1y`.
//!
//! - `+` is AND, `,` is OR, AND binds tighter; parentheses group.
//! - After the colon: `-` not equal, `>` `<` `>=` `<=`, `[a,b]` in, `-[a,b]` not in,
//!   `~'x'` contains, `~^'x'` starts with, `~$'x'` ends with; `-~`, `-~^`, `-~$` negate those.
//! - Values: `null`, `true`, `false`, numbers, bare words, `'quoted strings'` (with `\'`), and
//!   relative dates `now-30d` (units `d w M y h m s`).
//!
//! [`parse`] turns text into an [`Expr`]; [`articles::resolve`] checks it against the
//! properties an article has and yields a typed [`articles::Condition`], which the store
//! compiles to SQL with bound parameters only.

pub mod articles;
#[cfg(test)]
mod fuzz;
mod parser;
pub mod records;

pub use parser::parse;

use crate::time::Timestamp;

/// Longest filter accepted, in bytes.
pub const MAX_LEN: usize = 4096;
/// Most comparisons in one filter.
pub const MAX_COMPARISONS: usize = 64;
/// Deepest nesting of parentheses.
pub const MAX_DEPTH: usize = 16;
/// Most values in one `[…]` list.
pub const MAX_LIST: usize = 100;

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Every part holds.
    And(Vec<Expr>),
    /// At least one part holds.
    Or(Vec<Expr>),
    /// One comparison.
    Cmp(Comparison),
}

/// `property:<op>value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The property, lowercased, e.g. `tag` or `authors.slug`.
    pub property: String,
    /// The operator.
    pub op: Op,
    /// The value (a list for `In` and `NotIn`).
    pub value: Operand,
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `:`
    Eq,
    /// `:-`
    Ne,
    /// `:>`
    Gt,
    /// `:>=`
    Gte,
    /// `:<`
    Lt,
    /// `:<=`
    Lte,
    /// `:[…]`
    In,
    /// `:-[…]`
    NotIn,
    /// `:~`
    Contains,
    /// `:-~`
    NotContains,
    /// `:~^`
    StartsWith,
    /// `:-~^`
    NotStartsWith,
    /// `:~$`
    EndsWith,
    /// `:-~$`
    NotEndsWith,
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// One value.
    One(Value),
    /// A `[…]` list.
    List(Vec<Value>),
}

/// A literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A number.
    Number(f64),
    /// A bare word or quoted string.
    Text(String),
    /// `now`, `now-30d`: resolved when parsed.
    Date(Timestamp),
}
