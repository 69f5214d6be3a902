//! Snippets made in the server from an article's plain text, on both backends: the words
//! whose English stem is one of the query's lexemes are marked, in a window of at most
//! [`MAX_WORDS`] words around the first of them, taken from a passage around the first
//! place the query's longest word is written.
//!
//! PostgreSQL's `ts_headline` did this in the database, on a passage cut there: the plain
//! text is stored compressed, out of the row, and PostgreSQL read and decompressed it again
//! for each function it went through (finding the word, cutting the passage). Measured at
//! 100k articles, ten snippets cost 1.25 ms in PostgreSQL that way, and 0.36 ms read once
//! and made here (a search's statements 2.86 -> 1.83 ms). The stems here come from the same
//! algorithm as the `english` configuration's (Snowball's English stemmer), and the lexemes
//! from PostgreSQL itself (`to_tsvector('english', words)`), so its stop words stay unmarked
//! and what is marked is what the index matched.
//!
//! SQLite's FTS5 `snippet()` did it in the database too, and tokenized and stemmed each
//! result's whole body (with its Porter tokenizer) to choose a window: at 100k articles a
//! profile of the server during a search spent about 27% of its time there. Here only the
//! passage's words are stemmed; the lexemes are the query's words stemmed by the same
//! Snowball stemmer (FTS5 has no stop words, so none are left out).

/// The snippet of `plaintext` for a query of `words` whose lexemes are `lexemes`: a passage
/// around the first place the query's longest word is written as typed (stop words are
/// short; a stemmed form written otherwise is not found, and the passage then starts the
/// text), with the matches marked.
pub fn snippet(plaintext: &str, words: &[String], lexemes: &HashSet<String>) -> String {
    let longest = words
        .iter()
        .max_by_key(|w| w.chars().count())
        .map_or("", String::as_str);
    headline(&Passage::around(plaintext, longest), lexemes)
}

/// The lexemes of `words` as the server stems them (Snowball's English stemmer), for a
/// backend whose index does not say which of them it keeps.
pub fn lexemes(words: &[String]) -> HashSet<String> {
    let stemmer = Stemmer::create(Algorithm::English);
    words
        .iter()
        .map(|w| stemmer.stem(&w.to_lowercase()).into_owned())
        .collect()
}

use std::collections::HashSet;
use std::ops::Range;

use rust_stemmers::{Algorithm, Stemmer};

use super::{CLOSE, OPEN};

/// Most words a snippet shows (as `ts_headline`'s `MaxWords` did).
pub const MAX_WORDS: usize = 35;

/// Words shown before the first match at most, when no sentence starts closer to it.
const LEAD_WORDS: usize = 8;

/// How far back a snippet looks for the start of the sentence its first match is in.
const SENTENCE_WORDS: usize = 15;

/// A passage cut out of a longer text.
pub struct Passage<'t> {
    /// The passage.
    pub text: &'t str,
    /// Whether text precedes it (its first word may be cut).
    pub cut_before: bool,
    /// Whether text follows it (its last word may be cut).
    pub cut_after: bool,
}

/// Characters a passage holds before the first match, and in all: room for a snippet of at
/// most [`MAX_WORDS`] words (about 230 characters, at 6.5 a word with its space) however the
/// match is placed in it.
const BEFORE_CHARS: usize = 120;
const PASSAGE_CHARS: usize = 330;

impl<'t> Passage<'t> {
    /// The passage of `text` around the first place `word` (lowercase) is written (in any
    /// case), or its start.
    pub fn around(text: &'t str, word: &str) -> Self {
        let at = find_in_any_case(text, word).unwrap_or(0);
        // `BEFORE_CHARS` characters before it (or from the start), `PASSAGE_CHARS` in all.
        let start = text[..at]
            .char_indices()
            .rev()
            .nth(BEFORE_CHARS.saturating_sub(1))
            .map_or(0, |(i, _)| i);
        let end = text[start..]
            .char_indices()
            .nth(PASSAGE_CHARS)
            .map_or(text.len(), |(i, _)| start + i);
        Self {
            text: &text[start..end],
            cut_before: start > 0,
            cut_after: end < text.len(),
        }
    }
}

/// Where `word` (lowercase) is first written in `text` in any case, in bytes. An ASCII word
/// (the common case) is compared in place: lowercasing a whole body for it cost more than
/// the search. Another is looked for in the lowercased text, and its place is then found in
/// characters (lowercasing may change a character's length in bytes, and seldom their
/// number: the passage then moves a little).
fn find_in_any_case(text: &str, word: &str) -> Option<usize> {
    if word.is_empty() {
        return None;
    }
    if word.is_ascii() {
        // A match starts with an ASCII byte, so on a character's boundary.
        let w = word.as_bytes();
        return text
            .as_bytes()
            .windows(w.len())
            .position(|window| window.eq_ignore_ascii_case(w));
    }
    let lower = text.to_lowercase();
    let chars = lower[..lower.find(word)?].chars().count();
    text.char_indices().nth(chars).map(|(i, _)| i)
}

/// The passage's snippet: plain text with [`OPEN`] and [`CLOSE`] around each word whose stem
/// is one of `lexemes`, and `…` where text was left out.
pub fn headline(passage: &Passage<'_>, lexemes: &HashSet<String>) -> String {
    let text = passage.text;
    let mut words = words(text);
    // A word at a cut may be a piece of one: left out.
    if passage.cut_before && words.first().is_some_and(|w| w.start == 0) {
        words.remove(0);
    }
    if passage.cut_after && words.last().is_some_and(|w| w.end == text.len()) {
        words.pop();
    }
    if words.is_empty() {
        return String::new();
    }
    let stemmer = Stemmer::create(Algorithm::English);
    // A word's stem starts with the word's own first letter (Snowball's English stemmer
    // changes endings only: see the test), so only the words that start as a lexeme does
    // are stemmed: stemming every word of ten passages was about a seventh of a search's
    // time in the server.
    let initials: Vec<char> = lexemes.iter().filter_map(|l| l.chars().next()).collect();
    let marked: Vec<bool> = words
        .iter()
        .map(|w| {
            let word = &text[w.clone()];
            let initial = word.chars().next().and_then(|c| c.to_lowercase().next());
            if !initial.is_some_and(|c| initials.contains(&c)) {
                return false;
            }
            lexemes.contains(stemmer.stem(&word.to_lowercase()).as_ref())
        })
        .collect();
    let (first, last) = window(text, &words, &marked);
    // From the passage's start and to its end (with their punctuation) when nothing is left
    // out there; otherwise from and to a word, with `…`.
    let whole_start = first == 0 && !passage.cut_before;
    let whole_end = last + 1 == words.len() && !passage.cut_after;
    let mut out = String::with_capacity(text.len() + 16);
    let mut at = words[first].start;
    if whole_start {
        out.push_str(text[..at].trim_start());
    } else {
        out.push('…');
    }
    for (w, &mark) in words[first..=last].iter().zip(&marked[first..=last]) {
        out.push_str(&text[at..w.start]);
        if mark {
            out.push(OPEN);
            out.push_str(&text[w.clone()]);
            out.push(CLOSE);
        } else {
            out.push_str(&text[w.clone()]);
        }
        at = w.end;
    }
    if whole_end {
        out.push_str(text[at..].trim_end());
    } else {
        out.push('…');
    }
    out
}

/// The byte ranges of the text's words: runs of letters and digits (as queries are split).
fn words(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(s..text.len());
    }
    out
}

/// The first and last word shown: from the start of the sentence of the first match (or a
/// few words before it), [`MAX_WORDS`] words; the passage's first words when nothing matches.
fn window(text: &str, words: &[Range<usize>], marked: &[bool]) -> (usize, usize) {
    let Some(hit) = marked.iter().position(|&m| m) else {
        return (0, words.len().min(MAX_WORDS) - 1);
    };
    let sentence = (hit.saturating_sub(SENTENCE_WORDS) + 1..=hit)
        .rev()
        .find(|&i| {
            text[words[i - 1].end..words[i].start]
                .chars()
                .any(|c| matches!(c, '.' | '!' | '?' | '\n'))
        });
    let mut first = sentence.unwrap_or_else(|| hit.saturating_sub(LEAD_WORDS));
    let last = (first + MAX_WORDS).min(words.len()) - 1;
    // Near the passage's end: the window moves back to keep its length.
    if last + 1 - first < MAX_WORDS {
        first = (last + 1).saturating_sub(MAX_WORDS);
    }
    (first, last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexemes(l: &[&str]) -> HashSet<String> {
        l.iter().map(|s| (*s).to_owned()).collect()
    }

    fn shown(s: &str) -> String {
        s.replace(OPEN, "[").replace(CLOSE, "]")
    }

    fn whole(text: &str) -> Passage<'_> {
        Passage {
            text,
            cut_before: false,
            cut_after: false,
        }
    }

    #[test]
    fn words_whose_stems_match_are_marked() {
        let text = "The councils voted. A council's vote, and Councillors.";
        let s = headline(&whole(text), &lexemes(&["council", "vote"]));
        assert_eq!(
            shown(&s),
            "The [councils] [voted]. A [council]'s [vote], and Councillors."
        );
    }

    #[test]
    fn stems_keep_the_first_letter() {
        // What `headline` relies on to stem only the words that may match: the stemmer's
        // own exceptions, words whose `y` it turns to `i`, and its other rules' endings.
        let stemmer = Stemmer::create(Algorithm::English);
        let words = [
            "skis",
            "skies",
            "dying",
            "lying",
            "tying",
            "idly",
            "gently",
            "ugly",
            "early",
            "only",
            "singly",
            "sky",
            "news",
            "howe",
            "atlas",
            "cosmos",
            "bias",
            "andes",
            "yes",
            "youth",
            "yearly",
            "y",
            "a",
            "ab",
            "generously",
            "happily",
            "conditional",
            "relational",
            "hopping",
            "hoped",
            "succeeded",
            "proceeding",
            "exceed",
            "inning",
            "outing",
            "canning",
            "herring",
            "earring",
            "übergrößen",
            "élections",
        ];
        for word in words {
            let stem = stemmer.stem(word);
            assert_eq!(stem.chars().next(), word.chars().next(), "{word} -> {stem}");
        }
    }

    #[test]
    fn a_window_around_the_first_match() {
        let before: Vec<String> = (0..40).map(|i| format!("w{i}")).collect();
        let after: Vec<String> = (0..40).map(|i| format!("x{i}")).collect();
        let text = format!("{} trams {}", before.join(" "), after.join(" "));
        let s = shown(&headline(&whole(&text), &lexemes(&["tram"])));
        assert!(s.starts_with("…w32 w33"), "{s}");
        assert!(s.contains("w39 [trams] x0"), "{s}");
        assert!(s.ends_with("x25…"), "{s}");
        assert_eq!(s.split(' ').count(), MAX_WORDS);
        // From the start of the match's sentence, when it is near.
        let text = "Old news here. Then the trams came back to the city.";
        let s = shown(&headline(&whole(text), &lexemes(&["tram"])));
        assert_eq!(s, "Old news here. Then the [trams] came back to the city.");
        let text = format!(
            "{}. Then the trams came {}",
            before.join(" "),
            after.join(" ")
        );
        let s = shown(&headline(&whole(&text), &lexemes(&["tram"])));
        assert!(s.starts_with("…Then the [trams] came x0"), "{s}");
        // Near the passage's end, the window keeps its length.
        let text = format!("{}. Then the trams came.", before.join(" "));
        let s = shown(&headline(&whole(&text), &lexemes(&["tram"])));
        assert!(s.starts_with("…w9 "), "{s}");
        assert!(s.ends_with("[trams] came."), "{s}");
    }

    #[test]
    fn passages_around_the_first_match() {
        let text = format!("{}Trams ran.{}", "a".repeat(500), "b".repeat(500));
        let p = Passage::around(&text, "trams");
        assert!(p.cut_before && p.cut_after);
        assert_eq!(p.text.chars().count(), PASSAGE_CHARS);
        assert!(p.text.starts_with(&"a".repeat(BEFORE_CHARS)), "{}", p.text);
        assert!(p.text[BEFORE_CHARS..].starts_with("Trams ran."));
        let p = Passage::around("Short. Trams.", "trams");
        assert_eq!(
            (p.text, p.cut_before, p.cut_after),
            ("Short. Trams.", false, false)
        );
        // Not found, or nothing to find: the start.
        let long = format!("Ünïcode {}", "é".repeat(400));
        for word in ["unicorn", ""] {
            let p = Passage::around(&long, word);
            assert!(p.text.starts_with("Ünïcode"));
            assert!(!p.cut_before && p.cut_after);
            assert_eq!(p.text.chars().count(), PASSAGE_CHARS);
        }
        assert_eq!(Passage::around("", "a").text, "");
        // Found in any case, ASCII or not, near the start and at the end.
        let p = Passage::around("Old TRAMS", "trams");
        assert_eq!((p.text, p.cut_before), ("Old TRAMS", false));
        let text = format!("{}Élections.", "é".repeat(200));
        let p = Passage::around(&text, "élections");
        assert!(p.text.starts_with(&"é".repeat(BEFORE_CHARS)), "{}", p.text);
        assert!(p.text.ends_with("Élections."), "{}", p.text);
        assert!(p.cut_before && !p.cut_after);
    }

    #[test]
    fn cut_words_are_left_out_and_no_match_shows_the_start() {
        let passage = Passage {
            text: "ouncil met today and spoke of the budget for next year, and of the roads in town, and then of nothing at all for a long while, said the mayor",
            cut_before: true,
            cut_after: true,
        };
        let s = shown(&headline(&passage, &lexemes(&["budget"])));
        assert!(s.starts_with("…met today"), "{s}");
        assert!(s.contains("[budget]"), "{s}");
        let s = shown(&headline(&passage, &lexemes(&["unicorn"])));
        assert!(s.starts_with("…met today"), "{s}");
        assert!(!s.contains("mayor"), "{s}");
        assert!(s.ends_with('…'), "{s}");
        assert_eq!(headline(&whole(" … "), &lexemes(&["a"])), "");
    }
}
