//! Property tests of Markdown rendering (the `fuzz_` tests; a third of `PROPTEST_CASES` sets
//! how many cases each runs). Bodies mix Markdown syntax with raw HTML written to get a script, a
//! handler or a hostile URL through, in every case and encoding.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

use super::{SANITIZER, excerpt, reading_time, render, word_count};

const MARKDOWN: &[&str] = &[
    "# ",
    "## ",
    "> ",
    "- ",
    "1. ",
    "* ",
    "```\n",
    "```html\n",
    "    ",
    "*",
    "**",
    "_",
    "~~",
    "`",
    "[",
    "]",
    "(",
    ")",
    "![",
    "<",
    ">",
    "\\",
    "&",
    "&amp;",
    "&#60;",
    "&lt;script&gt;",
    "---\n",
    "| a | b |\n|:-:|---|\n| ",
    " | ",
    "[x][1]\n\n[1]: ",
    "<http://example.com/a>",
    "[a](https://example.com \"t\")",
    "\n",
    "\n\n",
    "  \n",
    "\t",
    "\u{E000}",
    "\u{E001}",
];

/// Raw HTML and URLs written to get past a sanitizer.
const ATTACKS: &[&str] = &[
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=\"jav&#x09;ascript:alert(1)\">",
    "<img src=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
    "<a href=\" javascript:alert(1)\">x</a>",
    "<a href=\"java\nscript:alert(1)\">x</a>",
    "<a href=\"jav&#x61;script:alert(1)\">x</a>",
    "<a href=\"&#x6A;avascript&colon;alert(1)\">x</a>",
    "<a href=\"vbscript:msgbox(1)\">x</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
    "<a href='livescript:x' onmouseover='alert(1)'>x</a>",
    "<a href=x onclick=alert(1)>x</a>",
    "<a/onclick=alert(1)>x</a>",
    "<div onclick=\"alert(1)\">raw</div>",
    "<p ONCLICK=alert(1)>p</p>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<svg onload=alert(1)><script>alert(1)</script></svg>",
    "<math><mtext><script>alert(1)</script></mtext></math>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<IFRAME SRCDOC=\"<script>alert(1)</script>\">",
    "<object data=\"javascript:alert(1)\"></object>",
    "<embed src=\"javascript:alert(1)\">",
    "<style>body{display:none}</style>",
    "<link rel=stylesheet href=//evil.example>",
    "<meta http-equiv=refresh content=\"0;url=javascript:alert(1)\">",
    "<base href=\"javascript:alert(1)//\">",
    "<form action=\"javascript:alert(1)\"><input><button>go</button></form>",
    "<td style=\"background:url(javascript:alert(1));text-align:center\">",
    "<th style=\"text-align:left;expression(alert(1))\">",
    "<span style=\"position:fixed\">s</span>",
    "<!-- <script>alert(1)</script> -->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
    "<template><script>alert(1)</script></template>",
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](java&#115;cript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](data:text/html,<script>alert(1)</script>)",
    "[x](vbscript:x)",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml,<svg/onload=alert(1)>)",
    "<javascript:alert(1)>",
    "<vbscript:alert(1)>",
    "[1]: javascript:alert(1)\n\n[x][1]",
    "\"><script>alert(1)</script>",
    "' onmouseover='alert(1)",
];

/// A Markdown body: fragments of syntax, attacks and arbitrary text, in any order.
fn body() -> impl Strategy<Value = String> {
    let fragment = prop_oneof![
        3 => select(MARKDOWN).prop_map(str::to_owned),
        3 => select(ATTACKS).prop_map(str::to_owned),
        2 => select(ATTACKS).prop_map(|a| a.to_uppercase()),
        2 => "[a-zA-Z0-9 .,!?'\"]{0,20}",
        1 => ".{0,12}",
    ];
    prop_oneof![
        8 => vec(fragment, 0..24).prop_map(|parts| parts.concat()),
        1 => any::<String>(),
        1 => (select(ATTACKS), 1..200usize).prop_map(|(a, n)| format!("{}{a}", "> ".repeat(n))),
        // Short runs: sanitizing costs the square of the nesting depth (thousands of levels
        // take seconds); what is checked here is the output, not the time.
        1 => (select(vec!["[", "(", "*", "`", "<", "> ", "- ", "1. "]), 1..300usize)
            .prop_map(|(unit, n)| unit.repeat(n)),
    ]
}

/// Tag names the sanitizer must never let through.
const FORBIDDEN_TAGS: &[&str] = &[
    "script", "iframe", "frame", "frameset", "style", "object", "embed", "applet", "form", "input",
    "button", "textarea", "select", "base", "meta", "link", "svg", "math", "template", "noscript",
    "title", "html", "head", "body",
];

/// URL schemes that run code or smuggle documents.
const FORBIDDEN_SCHEMES: &[&str] = &["javascript:", "vbscript:", "data:", "livescript:"];

/// A tag of the sanitized HTML: its name and attributes, values decoded.
struct Tag {
    name: String,
    attributes: Vec<(String, String)>,
}

/// The start tags of `html` as the sanitizer writes it: every attribute value in double
/// quotes, `"` inside one written `&quot;`, and `<` in text written `&lt;`.
fn tags(html: &str) -> Result<Vec<Tag>, String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        if let Some(after) = rest.strip_prefix('/') {
            rest = after;
            continue;
        }
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .ok_or_else(|| format!("unterminated tag in {html:?}"))?;
        let mut tag = Tag {
            name: rest[..end].to_ascii_lowercase(),
            attributes: Vec::new(),
        };
        rest = &rest[end..];
        loop {
            rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
            if let Some(after) = rest.strip_prefix('>') {
                rest = after;
                break;
            }
            let name_end = rest
                .find(['=', '>', ' '])
                .ok_or_else(|| format!("unterminated attribute in {html:?}"))?;
            let name = rest[..name_end].to_ascii_lowercase();
            rest = &rest[name_end..];
            let value = match rest.strip_prefix("=\"") {
                Some(after) => {
                    let close = after
                        .find('"')
                        .ok_or_else(|| format!("unterminated value in {html:?}"))?;
                    rest = &after[close + 1..];
                    decode(&after[..close])
                }
                None => String::new(),
            };
            tag.attributes.push((name, value));
        }
        out.push(tag);
    }
    Ok(out)
}

/// The few entities the serializer writes, and numeric ones.
fn decode(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(end) = rest.find(';').filter(|end| *end <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "quot" => Some('"'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "nbsp" => Some('\u{a0}'),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whether a URL, as a browser reads it (whitespace and control characters dropped, case
/// ignored), starts with a forbidden scheme.
fn hostile_url(url: &str) -> bool {
    let squeezed: String = url
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    FORBIDDEN_SCHEMES.iter().any(|s| squeezed.starts_with(s))
}

fn check_safe(markdown: &str, html: &str) -> Result<(), TestCaseError> {
    let lower = html.to_ascii_lowercase();
    for forbidden in FORBIDDEN_TAGS {
        prop_assert!(
            !lower.contains(&format!("<{forbidden}")),
            "<{forbidden} in {html:?} from {markdown:?}"
        );
    }
    for tag in tags(html).map_err(TestCaseError::fail)? {
        prop_assert!(
            !FORBIDDEN_TAGS.contains(&tag.name.as_str()),
            "{} in {html:?}",
            tag.name
        );
        for (name, value) in &tag.attributes {
            prop_assert!(!name.starts_with("on"), "{name} in {html:?}");
            prop_assert!(
                !matches!(
                    name.as_str(),
                    "srcdoc" | "formaction" | "action" | "xlink:href"
                ),
                "{name} in {html:?}"
            );
            if matches!(
                name.as_str(),
                "href" | "src" | "cite" | "longdesc" | "srcset"
            ) {
                prop_assert!(!hostile_url(value), "{name}={value:?} in {html:?}");
            }
            if name == "style" {
                prop_assert!(
                    matches!(tag.name.as_str(), "th" | "td"),
                    "style on {} in {html:?}",
                    tag.name
                );
                let properties: Vec<&str> = value
                    .split(';')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .collect();
                prop_assert!(
                    properties.iter().all(|p| p.starts_with("text-align:")
                        && !p.contains('(')
                        && !p.contains('\\')),
                    "style={value:?} in {html:?}"
                );
            }
        }
    }
    Ok(())
}

/// A third of `PROPTEST_CASES`: rendering and sanitizing is slow unoptimised.
fn config() -> ProptestConfig {
    let config = ProptestConfig::default();
    ProptestConfig {
        cases: (config.cases / 3).max(32),
        ..config
    }
}

proptest! {
    #![proptest_config(config())]

    /// Whatever the body, the HTML holds no script, no handler, no hostile URL and no style
    /// but a table cell's alignment; sanitizing it again changes nothing; rendering is
    /// deterministic; the plain text holds no search-snippet marks.
    #[test]
    fn fuzz_markdown_renders_safe_html(markdown in body()) {
        let rendered = render(&markdown);
        check_safe(&markdown, &rendered.html)?;
        // The HTML parser drops byte-order marks that start its input, as browsers do.
        let html = rendered.html.trim_start_matches('\u{feff}');
        prop_assert_eq!(
            SANITIZER.clean(html).to_string(),
            html,
            "sanitizing twice changed {:?}",
            markdown
        );
        prop_assert_eq!(&render(&markdown), &rendered);
        let marks = ['\u{E000}', '\u{E001}'];
        prop_assert!(!rendered.plaintext.contains(marks), "marks in the plain text");
        prop_assert_eq!(rendered.plaintext.trim(), rendered.plaintext.as_str());
    }

    /// Excerpts fit their length and are made of the text's words; counts never panic.
    #[test]
    fn fuzz_excerpt_and_word_count(text in ".{0,300}", max in 0usize..200) {
        let cut = excerpt(&text, max);
        prop_assert!(cut.chars().count() <= max, "{cut:?}");
        let words: Vec<&str> = text.split_whitespace().collect();
        let cut_words: Vec<&str> = cut.split_whitespace().collect();
        if cut_words.len() > 1 || cut_words.first().is_some_and(|w| words.first() == Some(w)) {
            prop_assert_eq!(&words[..cut_words.len()], &cut_words[..]);
        }
        let n = word_count(&text);
        prop_assert!(n as usize <= words.len());
        prop_assert!(reading_time(n) <= reading_time(n.saturating_add(1)));
    }
}

#[test]
fn the_tag_reader_reads_the_sanitizer_s_output() {
    let html = render("<a href=\"https://x.example/?a=1&amp;b=&quot;\" title=\"a > b\">x</a>").html;
    let tags = tags(&html).expect("well formed");
    let a = tags.iter().find(|t| t.name == "a").expect("a link");
    assert!(
        a.attributes
            .contains(&("href".into(), "https://x.example/?a=1&b=\"".into())),
        "{html}"
    );
    assert!(hostile_url(" JaVa\tScript:x"));
    assert!(!hostile_url("https://example.com/javascript:"));
}

#[test]
fn the_checker_catches_what_it_looks_for() {
    for unsafe_html in [
        "<p><script>x</script></p>",
        "<a href=\"jav&#x61;script:x\">x</a>",
        "<a href=\" DATA:text/html,x\">x</a>",
        "<img src=\"x\" onerror=\"y\">",
        "<span style=\"color:red\">x</span>",
        "<td style=\"text-align:left;background:url(x)\">x</td>",
    ] {
        assert!(check_safe("", unsafe_html).is_err(), "{unsafe_html}");
    }
    assert!(check_safe("", "<p><a href=\"https://a.example/\" rel=\"x\">a</a></p>").is_ok());
}
