//! Markdown to safe HTML and to plain text.
//!
//! Bodies are CommonMark with the two GitHub extensions newsrooms reach for (tables and
//! strikethrough), rendered by `pulldown-cmark`. Raw HTML is allowed through the parser, as
//! CommonMark says, and then everything passes `ammonia`'s allowlist: no `<script>`, no `on*`
//! handlers, no `javascript:` URLs, no `<iframe>` or `<style>`. The HTML we store and serve is
//! therefore safe to drop into a page.

use std::collections::HashSet;
use std::sync::LazyLock;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

#[cfg(test)]
mod fuzz;

#[cfg(test)]
mod depth_tests {
    use super::*;

    #[test]
    fn bodies_that_nest_without_end_are_refused_before_rendering() {
        for hostile in [
            "1. ".repeat(32_000),
            "> ".repeat(32_000),
            "<div>".repeat(32_000),
            "<b><i>".repeat(5_000),
            format!("{}x", "* ".repeat(200)),
        ] {
            assert!(too_deep(&hostile).is_some(), "{}", &hostile[..12]);
        }
        // What articles are made of passes.
        let article = "# Title\n\nA *paragraph* with **strong** words and a [link](https://x.org).\n\n\
            > A quote\n> > nested\n\n1. one\n   - two\n     - three\n\n\
            <figure><img src=\"/a.jpg\"><figcaption>Caption</figcaption></figure>\n\n\
            <table><tr><td>1<td>2<tr><td>3</table>\n\n<p>para<p>graphs<br>";
        assert_eq!(too_deep(&article.repeat(200)), None);
        assert_eq!(too_deep(&"<div>x</div>\n".repeat(10_000)), None);
    }
}

/// Markdown rendered both ways.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Sanitized HTML.
    pub html: String,
    /// The text a reader sees, paragraphs separated by blank lines; images and raw HTML
    /// contribute nothing.
    pub plaintext: String,
}

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH
}

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    // Column alignment of GFM tables arrives as `style="text-align: …"`; keep that one
    // property and nothing else a stylesheet could abuse.
    builder
        .add_tag_attributes("th", ["style"])
        .add_tag_attributes("td", ["style"])
        .filter_style_properties(HashSet::from(["text-align"]))
        .link_rel(Some("noopener noreferrer"));
    builder
});

/// The deepest a body may nest (lists in lists, quotes in quotes, HTML elements in HTML
/// elements). Sanitizing costs time in the square of the depth: 32,000 nested list items
/// (96 KB of `1. `) took 25 s of CPU. Real articles nest a handful of levels.
pub const MAX_NESTING: usize = 100;

/// HTML elements that close themselves, or that the HTML parser closes when the next one
/// opens: they add no depth.
const NOT_NESTING: &[&str] = &[
    "area", "base", "br", "col", "dd", "dt", "embed", "hr", "img", "input", "li", "link", "meta",
    "option", "p", "param", "source", "td", "th", "tr", "track", "wbr",
];

/// Why a body nests too deep to render, if it does: Markdown blocks and inline spans, and
/// raw HTML elements (counted as written, which never undercounts what the HTML parser
/// builds), at most [`MAX_NESTING`] deep. Reading the Markdown's events costs time in its
/// length only.
pub fn too_deep(markdown: &str) -> Option<String> {
    let (mut depth, mut html) = (0usize, 0usize);
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Html(text) | Event::InlineHtml(text) => html = html_depth(&text, html),
            _ => {}
        }
        if depth + html > MAX_NESTING {
            return Some(format!(
                "nests more than {MAX_NESTING} levels deep (lists, quotes or HTML elements \
                 inside one another)"
            ));
        }
    }
    None
}

/// The nesting of raw HTML after `text`, from `depth` before it: each start tag opens a
/// level, each end tag closes one.
fn html_depth(text: &str, mut depth: usize) -> usize {
    let mut rest = text;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let closing = rest.starts_with('/');
        let name: String = rest
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        if name.is_empty() || NOT_NESTING.contains(&name.as_str()) {
            continue;
        }
        let self_closing = rest.find('>').is_some_and(|end| rest[..end].ends_with('/'));
        if closing {
            depth = depth.saturating_sub(1);
        } else if !self_closing {
            depth += 1;
        }
    }
    depth
}

/// Renders a Markdown body (check it with [`too_deep`] first: a body that nests thousands of
/// levels deep takes seconds to sanitize).
pub fn render(markdown: &str) -> Rendered {
    let mut raw_html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut raw_html, Parser::new_ext(markdown, options()));
    Rendered {
        html: SANITIZER.clean(&raw_html).to_string(),
        plaintext: plaintext(markdown),
    }
}

fn plaintext(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut image_depth = 0usize;
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Start(Tag::Image { .. }) => image_depth += 1,
            Event::End(TagEnd::Image) => image_depth = image_depth.saturating_sub(1),
            _ if image_depth > 0 => {}
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak => out.push(' '),
            Event::HardBreak => out.push('\n'),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::BlockQuote(_)
                | TagEnd::CodeBlock
                | TagEnd::List(_)
                | TagEnd::Table,
            ) => end_block(&mut out, "\n\n"),
            Event::End(TagEnd::Item | TagEnd::TableRow | TagEnd::TableHead) => {
                end_block(&mut out, "\n");
            }
            Event::End(TagEnd::TableCell) => out.push('\t'),
            _ => {}
        }
    }
    // U+E000 and U+E001 mark matches in search snippets; keep them out of article text.
    out.retain(|c| c != '\u{E000}' && c != '\u{E001}');
    out.trim().to_owned()
}

/// Ends the current block with `separator`, never leaving more than one blank line.
fn end_block(out: &mut String, separator: &str) {
    let trimmed = out.trim_end_matches([' ', '\t']).len();
    out.truncate(trimmed);
    if out.is_empty() || out.ends_with("\n\n") {
        return;
    }
    if out.ends_with('\n') {
        if separator == "\n\n" {
            out.push('\n');
        }
    } else {
        out.push_str(separator);
    }
}

/// The first `max` characters of `text`, whitespace collapsed, cut at a word boundary.
pub fn excerpt(text: &str, max: usize) -> String {
    let mut out = String::new();
    for word in text.split_whitespace() {
        let needed = word.chars().count() + usize::from(!out.is_empty());
        if out.chars().count() + needed > max {
            if out.is_empty() {
                // One enormous word: cut it rather than return nothing.
                out = word.chars().take(max).collect();
            }
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Words a reader reads: whitespace-separated runs holding at least one letter or digit.
pub fn word_count(plaintext: &str) -> u32 {
    let n = plaintext
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count();
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Minutes to read `words` at 275 words a minute (the figure Ghost and Medium use), rounded,
/// and at least one minute for any text at all.
pub fn reading_time(words: u32) -> u32 {
    if words == 0 {
        return 0;
    }
    ((f64::from(words) / 275.0).round() as u32).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(md: &str) -> String {
        render(md).html
    }

    #[test]
    fn renders_paragraphs_quotes_and_lists() {
        let r = render("Intro *text*.\n\n> A quote\n\n- one\n- two\n");
        assert_eq!(
            r.html,
            "<p>Intro <em>text</em>.</p>\n<blockquote>\n<p>A quote</p>\n</blockquote>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"
        );
        assert_eq!(r.plaintext, "Intro text.\n\nA quote\n\none\ntwo");
    }

    #[test]
    fn renders_gfm_tables_and_strikethrough() {
        let h = html("| a | b |\n|:-:|---|\n| 1 | 2 |\n\n~~gone~~");
        assert!(h.contains("<table>"), "{h}");
        assert!(h.contains("<th style=\"text-align:center\">a</th>"), "{h}");
        assert!(h.contains("<del>gone</del>"), "{h}");
    }

    #[test]
    fn hostile_html_comes_out_inert() {
        let cases = [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[click](javascript:alert(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<javascript:alert(1)>",
            "<div onclick=\"alert(1)\">raw block</div>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<style>body{display:none}</style>",
            "<svg><script>alert(1)</script></svg>",
            "| a |\n|---|\n| <td style=\"background:url(javascript:x)\"> |",
            "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
            "<form action=\"https://evil\"><input></form>",
        ];
        for md in cases {
            let h = html(md).to_lowercase();
            for forbidden in [
                "<script",
                "onerror",
                "onclick",
                "href=\"javascript",
                "src=\"javascript",
                "<iframe",
                "<style",
                "<form",
                "<input",
                "background",
            ] {
                assert!(!h.contains(forbidden), "{md:?} rendered {h:?}");
            }
        }
    }

    #[test]
    fn raw_html_text_survives_but_not_its_handlers() {
        let h = html("<div onclick=\"x()\">raw block</div>");
        assert!(h.contains("raw block"));
    }

    #[test]
    fn links_get_safe_rel() {
        assert_eq!(
            html("[a](https://example.com)"),
            "<p><a href=\"https://example.com\" rel=\"noopener noreferrer\">a</a></p>\n"
        );
    }

    #[test]
    fn plaintext_skips_images_and_raw_html() {
        let r = render("![alt text](/a.png) Caption\n\n<script>evil()</script>\n\nEnd");
        assert_eq!(r.plaintext, "Caption\n\nEnd");
    }

    #[test]
    fn excerpt_cuts_at_word_boundary() {
        assert_eq!(excerpt("one two three", 9), "one two");
        assert_eq!(excerpt("one  two\n\nthree", 100), "one two three");
        assert_eq!(excerpt("abcdefghij", 4), "abcd");
        assert_eq!(excerpt("", 4), "");
    }

    #[test]
    fn counts_words_and_minutes() {
        assert_eq!(word_count("Hello, world – again 2014"), 4);
        assert_eq!(reading_time(0), 0);
        assert_eq!(reading_time(10), 1);
        assert_eq!(reading_time(275 * 3), 3);
        assert_eq!(reading_time(275 * 3 + 200), 4);
    }
}
