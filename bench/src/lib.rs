//! Benchmark data: a deterministic publication of any size, loaded in bulk.
//!
//! The same seed and size give the same publication on any machine and with any number of
//! threads: 200 authors; 2,000 tags used with a Zipf distribution, 3 to 5 per article; 1 or
//! 2 authors per article; Markdown bodies of about 4 KB (headings, paragraphs, a quote and a
//! list, like the sample publication); 5 curated related links per article; publication
//! dates spread over ten years; one article in a hundred a draft.

use std::time::Instant;

use anyhow::Context as _;
use broadsheet_domain::article::{ArticleInput, ArticleStatus, NewArticle};
use broadsheet_domain::author::{NewUser, ProfileInput, Role, UserInput};
use broadsheet_domain::ids::{ArticleId, AuthorId, TagId};
use broadsheet_domain::tag::{NewTag, TagInput};
use broadsheet_domain::time::Timestamp;
use broadsheet_persistence::{Store, bulk, tags, users};
use chrono::{TimeDelta, TimeZone, Utc};

/// Authors in every generated publication.
pub const AUTHORS: usize = 200;
/// Tags in every generated publication.
pub const TAGS: usize = 2_000;
/// Curated related links per article.
pub const RELATED: usize = 5;
/// Articles generated and inserted per transaction.
const CHUNK: usize = 10_000;

/// SplitMix64: small, fast, and the same everywhere.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`, and for the `stream`-th independent sequence of it.
    pub fn new(seed: u64, stream: u64) -> Self {
        // Both through the mixer, so that neighbouring streams are unrelated (a plain
        // `seed ^ stream` would make stream n + 1 the continuation of stream n).
        Self(mix(seed ^ mix(stream.wrapping_add(0x5851_F42D_4C95_7F2D))))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// A number in `lo..=hi`.
    pub fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// A float in `0..1`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Samples `0..n` with probability proportional to `1 / (k + 1)`: a few tags are on many
/// articles, most on few, as in a real archive.
#[derive(Debug, Clone)]
pub struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    /// Over `0..n`.
    pub fn new(n: usize) -> Self {
        let mut total = 0.0;
        let cumulative = (0..n)
            .map(|k| {
                total += 1.0 / (k as f64 + 1.0);
                total
            })
            .collect();
        Self { cumulative }
    }

    /// One sample.
    pub fn sample(&self, rng: &mut Rng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let target = rng.unit() * total;
        self.cumulative
            .partition_point(|c| *c < target)
            .min(self.cumulative.len().saturating_sub(1))
    }
}

/// Words articles are made of (real ones, so that search has something to find).
pub const WORDS: &[&str] = &[
    "council",
    "budget",
    "housing",
    "minister",
    "election",
    "devolution",
    "mayor",
    "policy",
    "transport",
    "schools",
    "health",
    "funding",
    "planning",
    "homes",
    "brexit",
    "parliament",
    "committee",
    "report",
    "review",
    "services",
    "children",
    "social",
    "care",
    "local",
    "authority",
    "government",
    "spending",
    "cuts",
    "reform",
    "vote",
    "party",
    "leader",
    "opposition",
    "campaign",
    "public",
    "inquiry",
    "finance",
    "growth",
    "economy",
    "jobs",
    "investment",
    "rail",
    "roads",
    "energy",
    "climate",
    "police",
    "crime",
    "justice",
    "courts",
    "prisons",
    "welfare",
    "benefits",
    "pensions",
    "tax",
    "rates",
    "business",
    "industry",
    "workers",
    "unions",
    "strike",
    "hospital",
    "doctors",
    "nurses",
    "patients",
    "waiting",
    "targets",
    "figures",
    "data",
    "survey",
    "poll",
    "voters",
    "residents",
    "community",
    "region",
    "city",
    "county",
    "district",
    "ward",
    "borough",
    "cabinet",
    "officials",
    "chief",
    "executive",
    "statement",
    "decision",
    "proposal",
    "plan",
    "scheme",
    "project",
    "programme",
    "strategy",
    "consultation",
    "evidence",
    "analysis",
    "impact",
    "future",
    "year",
    "month",
    "week",
    "today",
    "said",
    "told",
    "warned",
    "announced",
    "agreed",
    "rejected",
    "approved",
    "delayed",
    "expected",
    "promised",
    "claimed",
    "argued",
    "the",
    "a",
    "of",
    "to",
    "and",
    "in",
    "for",
    "on",
    "that",
    "with",
    "as",
    "by",
    "at",
    "from",
    "its",
    "was",
    "is",
    "will",
    "would",
    "could",
    "more",
    "than",
    "new",
    "after",
];

const FIRST_NAMES: &[&str] = &[
    "Tom", "Ann", "Priya", "James", "Sarah", "Mohammed", "Grace", "Owen", "Fatima", "Liam",
    "Chloe", "Daniel", "Aisha", "Ben", "Ruth", "Kwame", "Emma", "Hugh", "Nadia", "Peter",
];
const LAST_NAMES: &[&str] = &[
    "Ashby", "Patel", "Okafor", "Reid", "Khan", "Morgan", "Hughes", "Clarke", "Nowak", "Evans",
];

/// Distinct made-up words (names, places, jargon) beside [`WORDS`]: what real searches look
/// for. Used with a Zipf distribution, so a few are in many articles and most in few.
pub const NAMES: usize = 20_000;
/// One word in this many is one of the [`NAMES`].
const NAME_EVERY: usize = 8;
const SYLLABLES: [&str; 20] = [
    "ba", "ko", "ri", "ta", "lu", "me", "sa", "do", "vi", "ne", "pa", "go", "zu", "li", "ha", "mo",
    "ke", "ru", "fi", "da",
];

/// The made-up words, most used first (rank `k` is used in proportion to `1 / (k + 1)`).
pub fn names() -> &'static [String] {
    static NAMES_: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    NAMES_.get_or_init(|| {
        // Four syllables: 160,000 words; `k * 48,271 + 12,345` is a permutation of them
        // (48,271 is prime to 160,000), so the words are distinct and look unrelated.
        const ALL: usize = 160_000;
        (0..NAMES)
            .map(|k| {
                let mut n = (k * 48_271 + 12_345) % ALL;
                let mut w = String::with_capacity(8);
                for _ in 0..4 {
                    w.push_str(SYLLABLES[n % 20]);
                    n /= 20;
                }
                w
            })
            .collect()
    })
}

fn names_zipf() -> &'static Zipf {
    static ZIPF: std::sync::OnceLock<Zipf> = std::sync::OnceLock::new();
    ZIPF.get_or_init(|| Zipf::new(NAMES))
}

fn word(rng: &mut Rng) -> &'static str {
    if rng.below(NAME_EVERY) == 0 {
        return &names()[names_zipf().sample(rng)];
    }
    // Common words more often: a rough Zipf over the list.
    let i = rng.below(WORDS.len()).min(rng.below(WORDS.len()));
    WORDS[i]
}

fn sentence(rng: &mut Rng, words: usize) -> String {
    let mut s = String::with_capacity(words * 8);
    for i in 0..words {
        let w = word(rng);
        if i == 0 {
            let mut chars = w.chars();
            if let Some(first) = chars.next() {
                s.extend(first.to_uppercase());
                s.push_str(chars.as_str());
            }
        } else {
            s.push(' ');
            s.push_str(w);
        }
    }
    s.push('.');
    s
}

fn paragraph(rng: &mut Rng) -> String {
    let sentences = rng.between(4, 6);
    (0..sentences)
        .map(|_| {
            let n = rng.between(10, 18);
            sentence(rng, n)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A Markdown body of about 4 KB.
pub fn body(rng: &mut Rng) -> String {
    let mut md = String::with_capacity(4_500);
    while md.len() < 3_600 {
        match rng.below(10) {
            0 => {
                md.push_str("## ");
                let n = rng.between(3, 6);
                md.push_str(sentence(rng, n).trim_end_matches('.'));
            }
            1 => {
                md.push_str("> ");
                md.push_str(&paragraph(rng));
            }
            2 => {
                for _ in 0..rng.between(3, 5) {
                    md.push_str("- ");
                    let n = rng.between(5, 10);
                    md.push_str(&sentence(rng, n));
                    md.push('\n');
                }
            }
            _ => md.push_str(&paragraph(rng)),
        }
        md.push_str("\n\n");
    }
    md
}

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Articles.
    pub articles: usize,
    /// Seed.
    pub seed: u64,
    /// Threads rendering Markdown.
    pub threads: usize,
}

/// What was loaded, and how long it took.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// Articles loaded.
    pub articles: usize,
    /// Seconds spent, in all.
    pub seconds: f64,
    /// Slugs of the published articles.
    pub published_slugs: Vec<String>,
    /// Tag slugs, most used first.
    pub tag_slugs: Vec<String>,
    /// Publication dates and ids of the published articles under the most used tag, for
    /// cursors deep into its list.
    pub top_tag_articles: Vec<(Timestamp, ArticleId)>,
}

/// The instant the newest article is published at: fixed, so runs compare.
fn newest() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

/// Article number `i` of the plan (a pure function of the seed and `i`).
pub fn article(
    plan: &Plan,
    i: usize,
    tags: &[TagId],
    authors: &[AuthorId],
    zipf: &Zipf,
) -> anyhow::Result<NewArticle> {
    let mut rng = Rng::new(plan.seed, i as u64);
    let title_words = rng.between(6, 10);
    let title = sentence(&mut rng, title_words)
        .trim_end_matches('.')
        .to_owned();
    let mut picked: Vec<TagId> = Vec::with_capacity(5);
    let wanted = rng.between(3, 5);
    while picked.len() < wanted {
        let t = tags[zipf.sample(&mut rng)];
        if !picked.contains(&t) {
            picked.push(t);
        }
    }
    let mut bylines = vec![authors[rng.below(authors.len())]];
    if rng.below(5) == 0 {
        let second = authors[rng.below(authors.len())];
        if second != bylines[0] {
            bylines.push(second);
        }
    }
    // Ten years, oldest first: article `i` is the `i`-th oldest.
    let span = TimeDelta::days(3_650).num_seconds();
    let step = span / plan.articles.max(1) as i64;
    let back =
        plan.articles.saturating_sub(i) as i64 * step + rng.below(step.max(1) as usize) as i64;
    let draft = rng.below(100) == 0;
    let slug = format!(
        "{}-{i}",
        broadsheet_domain::Slug::derive(&title, "article").as_str()
    );
    let input = ArticleInput {
        title,
        slug: Some(slug.chars().take(180).collect()),
        custom_excerpt: None,
        body: body(&mut rng),
        status: if draft {
            ArticleStatus::Draft
        } else {
            ArticleStatus::Published
        },
        published_at: (!draft).then(|| newest() - TimeDelta::seconds(back)),
        featured: rng.below(20) == 0,
        tags: picked,
        authors: bylines,
        ..ArticleInput::default()
    };
    let mut new = NewArticle::parse(&input, newest()).with_context(|| format!("article {i}"))?;
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&rng.next_u64().to_le_bytes());
    bytes[8..].copy_from_slice(&rng.next_u64().to_le_bytes());
    new.uuid = uuid::Builder::from_random_bytes(bytes).into_uuid();
    Ok(new)
}

fn capitalized(w: &str) -> String {
    let mut chars = w.chars();
    chars
        .next()
        .map(|f| f.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// What one loading thread made: ids, published slugs, and the top tag's articles.
type Run = (Vec<ArticleId>, Vec<String>, Vec<(Timestamp, ArticleId)>);

/// Generates the plan's publication into `store` (which should be empty), printing progress
/// to stderr.
pub fn load(store: &Store, plan: &Plan) -> anyhow::Result<Loaded> {
    let started = Instant::now();
    let now = newest();
    let (authors, tags) = store.write_blocking(|c| {
        let mut authors = Vec::with_capacity(AUTHORS);
        for a in 0..AUTHORS {
            let first = FIRST_NAMES[a % FIRST_NAMES.len()];
            let last = LAST_NAMES[(a / FIRST_NAMES.len()) % LAST_NAMES.len()];
            let new = NewUser::parse(&UserInput {
                profile: ProfileInput {
                    name: format!("{first} {last} {a}"),
                    bio: Some(format!("Reporter covering {}.", WORDS[a % 40])),
                    ..ProfileInput::default()
                },
                email: format!("author{a}@bench.example"),
                role: Role::Author,
                password: None,
            })?;
            authors.push(users::create(c, &new, now)?.id());
        }
        let mut tag_ids = Vec::with_capacity(TAGS);
        for t in 0..TAGS {
            let base = capitalized(WORDS[t % WORDS.len()]);
            let name = if t < WORDS.len() {
                base
            } else {
                format!("{base} {}", t / WORDS.len())
            };
            let new = NewTag::parse(&TagInput {
                name,
                description: Some(format!("Everything on topic {t}.")),
                ..TagInput::default()
            })?;
            tag_ids.push(tags::create(c, &new, now)?);
        }
        Ok((authors, tag_ids))
    })?;
    let tag_slugs: Vec<String> = tags.iter().map(|t| t.slug.to_string()).collect();
    let tags: Vec<TagId> = tags.iter().map(|t| t.id).collect();
    let zipf = Zipf::new(TAGS);
    // Each thread makes and inserts its own run of chunks, in its own transactions: on
    // PostgreSQL the inserts (and the search vectors they compute) use every core; on
    // SQLite they take turns, and only the Markdown rendering runs in parallel.
    let threads = plan.threads.max(1);
    let per = plan.articles.div_ceil(threads);
    let ids = std::thread::scope(|s| {
        let runs: Vec<_> = (0..threads)
            .map(|t| {
                let (lo, hi) = (
                    (t * per).min(plan.articles),
                    ((t + 1) * per).min(plan.articles),
                );
                let (tags, authors, zipf) = (&tags, &authors, &zipf);
                s.spawn(move || -> anyhow::Result<Run> {
                    let mut ids = Vec::with_capacity(hi - lo);
                    let mut slugs = Vec::with_capacity(hi - lo);
                    let mut top = Vec::new();
                    let mut start = lo;
                    while start < hi {
                        let end = (start + CHUNK / threads).min(hi);
                        let chunk = (start..end)
                            .map(|i| article(plan, i, tags, authors, zipf))
                            .collect::<anyhow::Result<Vec<_>>>()?;
                        let chunk_ids = store.write_blocking(|c| {
                            without_triggers(c)?;
                            bulk::insert_articles(c, &chunk, None, now)
                        })?;
                        top.extend(chunk.iter().zip(&chunk_ids).filter_map(|(a, id)| {
                            let at = a.publication.published_at()?;
                            (a.publication.status() == ArticleStatus::Published
                                && a.tags.contains(&tags[0]))
                            .then_some((at, *id))
                        }));
                        ids.extend(chunk_ids);
                        slugs.extend(chunk.iter().filter_map(|a| {
                            (a.publication.status() == ArticleStatus::Published)
                                .then(|| a.slug.as_ref().map(ToString::to_string))
                                .flatten()
                        }));
                        start = end;
                    }
                    Ok((ids, slugs, top))
                })
            })
            .collect();
        let mut ids = Vec::with_capacity(plan.articles);
        let mut slugs = Vec::with_capacity(plan.articles);
        let mut top = Vec::new();
        for run in runs {
            let (run_ids, run_slugs, run_top) = run
                .join()
                .map_err(|_| anyhow::anyhow!("a loading thread panicked"))??;
            ids.extend(run_ids);
            slugs.extend(run_slugs);
            top.extend(run_top);
        }
        Ok::<_, anyhow::Error>((ids, slugs, top))
    })?;
    let (ids, published_slugs, mut top_tag_articles) = ids;
    // Newest first, as the tag's list runs.
    top_tag_articles.sort_unstable_by(|a, b| b.cmp(a));
    eprintln!(
        "  {} articles ({:.1} s)",
        ids.len(),
        started.elapsed().as_secs_f64()
    );
    let links: Vec<(ArticleId, Vec<ArticleId>)> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let mut rng = Rng::new(plan.seed ^ 0x5EED, i as u64);
            let mut to = Vec::with_capacity(RELATED);
            while to.len() < RELATED.min(ids.len().saturating_sub(1)) {
                let t = ids[rng.below(ids.len())];
                if t != *id && !to.contains(&t) {
                    to.push(t);
                }
            }
            (*id, to)
        })
        .collect();
    for batch in links.chunks(CHUNK * 2) {
        store.write_blocking(|c| {
            without_triggers(c)?;
            bulk::insert_related(c, batch)
        })?;
    }
    // What the triggers would have done, once: caches learn that everything changed.
    store.write_blocking(|c| {
        use diesel::RunQueryDsl as _;
        diesel::sql_query("UPDATE content_version SET version = version + 1 WHERE id = 1")
            .execute(c)?;
        // and the article counts per tag and author they would have kept.
        broadsheet_persistence::tallies::recount(c)?;
        Ok(())
    })?;
    Ok(Loaded {
        articles: ids.len(),
        seconds: started.elapsed().as_secs_f64(),
        published_slugs,
        tag_slugs,
        top_tag_articles,
    })
}

/// On PostgreSQL, skips triggers for the rest of the transaction, as `pg_restore
/// --disable-triggers` does: the content-version trigger would make every loading transaction
/// wait for the others (each bumps the same row), and the foreign keys of generated data
/// need no checking. (It needs a superuser; SQLite loads with one writer anyway.)
fn without_triggers(
    c: &mut broadsheet_persistence::AnyConnection,
) -> Result<(), broadsheet_persistence::StoreError> {
    use diesel::RunQueryDsl as _;
    if let broadsheet_persistence::AnyConnection::Postgres(pg) = c {
        diesel::sql_query("SET LOCAL session_replication_role = replica").execute(pg)?;
        diesel::sql_query("SET LOCAL synchronous_commit = off").execute(pg)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_articles() {
        let plan = Plan {
            articles: 1_000,
            seed: 7,
            threads: 1,
        };
        let tags: Vec<TagId> = (1..=TAGS as i64).map(TagId).collect();
        let authors: Vec<AuthorId> = (1..=AUTHORS as i64).map(AuthorId).collect();
        let zipf = Zipf::new(TAGS);
        let a = article(&plan, 42, &tags, &authors, &zipf).expect("valid");
        let b = article(&plan, 42, &tags, &authors, &zipf).expect("valid");
        assert_eq!(a.content.markdown, b.content.markdown);
        assert_eq!(a.tags, b.tags);
        assert!((3..=5).contains(&a.tags.len()));
        assert!((3_600..6_000).contains(&a.content.markdown.len()));
        // Neighbours share nothing: not the uuid, not the words.
        let uuids: std::collections::HashSet<_> = (0..1_000)
            .map(|i| {
                article(&plan, i, &tags, &authors, &zipf)
                    .expect("valid")
                    .uuid
            })
            .collect();
        assert_eq!(uuids.len(), 1_000);
        let c = article(&plan, 43, &tags, &authors, &zipf).expect("valid");
        assert_ne!(a.content.markdown, c.content.markdown);
        assert!(!c.title.as_str().contains(&a.title.as_str()[10..30]));
    }

    #[test]
    fn tags_follow_zipf() {
        let zipf = Zipf::new(TAGS);
        let mut rng = Rng::new(1, 0);
        let mut counts = vec![0usize; TAGS];
        for _ in 0..100_000 {
            counts[zipf.sample(&mut rng)] += 1;
        }
        assert!(counts[0] > counts[9] * 5, "{} vs {}", counts[0], counts[9]);
        assert!(counts[9] > counts[999]);
    }

    #[test]
    fn names_are_distinct_words() {
        let all = names();
        assert_eq!(all.len(), NAMES);
        let distinct: std::collections::HashSet<&String> = all.iter().collect();
        assert_eq!(distinct.len(), NAMES);
        assert!(
            all.iter()
                .all(|w| w.len() == 8 && !WORDS.contains(&w.as_str()))
        );
    }
}
