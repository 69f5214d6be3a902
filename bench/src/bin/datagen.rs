//! `datagen --database URL --articles N`: loads a deterministic publication of N articles
//! into a fresh database (see the library docs), and prints how long it took.

use std::time::Instant;

use anyhow::Context as _;
use broadsheet_bench::{Plan, load};
use broadsheet_domain::ids::ArticleId;
use broadsheet_domain::listing::{ArticleCursor, ArticleOrder, SortKey};
use broadsheet_domain::time::Timestamp;
use broadsheet_persistence::{DatabaseUrl, PoolOptions, Store};
use clap::Parser;
use diesel::Connection as _;

#[derive(Parser)]
struct Args {
    /// `sqlite://PATH` or `postgres://…/DB`.
    #[arg(long)]
    database: String,
    /// How many articles.
    #[arg(long, default_value_t = 10_000)]
    articles: usize,
    /// The seed: the same seed and size give the same publication.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Threads rendering Markdown (default: every core).
    #[arg(long)]
    threads: Option<usize>,
    /// Start from nothing: delete the SQLite file, or drop and create the PostgreSQL
    /// database.
    #[arg(long)]
    recreate: bool,
    /// Write `slugs.txt` (published articles), `tags.txt` (tags, most used first) and
    /// `words.txt` (search words) here, for the load generator.
    #[arg(long)]
    lists: Option<std::path::PathBuf>,
}

/// PostgreSQL's full-text indexes, as the search migrations define them: dropped before a
/// load and built after it.
const SEARCH_INDEXES: [(&str, &str); 2] = [
    (
        "articles_search_idx",
        "CREATE INDEX articles_search_idx ON articles USING GIN (search) \
         WITH (fastupdate = off)",
    ),
    (
        "articles_title_search_idx",
        "CREATE INDEX articles_title_search_idx ON articles USING GIN (title_search) \
         WITH (fastupdate = off)",
    ),
];

fn recreate(url: &DatabaseUrl) -> anyhow::Result<()> {
    match url {
        DatabaseUrl::Sqlite(path) => {
            for suffix in ["", "-wal", "-shm"] {
                let file = format!("{}{suffix}", path.display());
                match std::fs::remove_file(&file) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e).with_context(|| format!("removing {file}")),
                }
            }
        }
        DatabaseUrl::Postgres(text) => {
            let mut parsed = url::Url::parse(text).context("the PostgreSQL URL")?;
            let name = parsed.path().trim_start_matches('/').to_owned();
            anyhow::ensure!(
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
                "the database name must be letters, digits and underscores"
            );
            parsed.set_path("/postgres");
            let mut admin = diesel::PgConnection::establish(parsed.as_str())
                .context("connecting to the postgres database")?;
            use diesel::RunQueryDsl as _;
            diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin)?;
            diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin)?;
        }
    }
    Ok(())
}

/// `after` cursors for pages of 20 deep into the most used tag's list: around page 5,000
/// where the list is that long, else its last pages. Fifty of them, a page apart.
fn deep_cursors(list: &[(Timestamp, ArticleId)]) -> Vec<String> {
    const PAGE: usize = 20;
    let Some(last) = list.len().checked_sub(PAGE + 1) else {
        return Vec::new();
    };
    let deepest = last.min(5_000 * PAGE - 1);
    (0..50)
        .filter_map(|k| deepest.checked_sub(k * PAGE))
        .map(|at| {
            let (time, id) = list[at];
            ArticleCursor {
                order: ArticleOrder::NewestFirst,
                key: SortKey::Time(time),
                id,
            }
            .encode()
        })
        .collect()
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let url = DatabaseUrl::parse(&args.database).context("the database URL")?;
    if args.recreate {
        recreate(&url)?;
    }
    let store = Store::open(&url, &PoolOptions::default()).context("opening the database")?;
    let postgres = matches!(url, DatabaseUrl::Postgres(_));
    if postgres {
        // A GIN index is built far faster at once than row by row.
        store.write_blocking(|c| {
            use diesel::RunQueryDsl as _;
            if let broadsheet_persistence::AnyConnection::Postgres(pg) = c {
                for index in SEARCH_INDEXES {
                    diesel::sql_query(format!("DROP INDEX IF EXISTS {}", index.0)).execute(pg)?;
                }
            }
            Ok(())
        })?;
    }
    let plan = Plan {
        articles: args.articles,
        seed: args.seed,
        threads: args
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
    };
    let started = Instant::now();
    let loaded = load(&store, &plan)?;
    if postgres {
        store.write_blocking(|c| {
            use diesel::RunQueryDsl as _;
            if let broadsheet_persistence::AnyConnection::Postgres(pg) = c {
                diesel::sql_query("SET maintenance_work_mem = '512MB'").execute(pg)?;
                for index in SEARCH_INDEXES {
                    diesel::sql_query(index.1).execute(pg)?;
                }
            }
            Ok(())
        })?;
        // Statistics for the planner, and the visibility map that lets index-only scans
        // skip the table: what autovacuum would do soon after a load (outside a transaction).
        let mut conn = store.conn().context("a connection for VACUUM")?;
        if let broadsheet_persistence::AnyConnection::Postgres(pg) = &mut **conn {
            use diesel::RunQueryDsl as _;
            diesel::sql_query("VACUUM ANALYZE").execute(pg)?;
        }
    }
    if let Some(dir) = &args.lists {
        std::fs::create_dir_all(dir)?;
        std::fs::write(dir.join("slugs.txt"), loaded.published_slugs.join("\n"))?;
        std::fs::write(
            dir.join("tags.txt"),
            loaded.tag_slugs[..200.min(loaded.tag_slugs.len())].join("\n"),
        )?;
        // What readers search for: names of middling rank (each in roughly 0.2% to 3% of
        // the articles); and, separately, common words that match nearly every article.
        let names: Vec<&str> = broadsheet_bench::names()[200..3_000]
            .iter()
            .step_by(4)
            .map(String::as_str)
            .collect();
        std::fs::write(dir.join("words.txt"), names.join("\n"))?;
        let common: Vec<&str> = broadsheet_bench::WORDS
            .iter()
            .copied()
            .filter(|w| w.len() > 4)
            .take(20)
            .collect();
        std::fs::write(dir.join("common-words.txt"), common.join("\n"))?;
        std::fs::write(
            dir.join("deep-cursors.txt"),
            deep_cursors(&loaded.top_tag_articles).join("\n"),
        )?;
    }
    println!(
        "{{\"articles\":{},\"seconds\":{:.2},\"per_second\":{:.0}}}",
        loaded.articles,
        started.elapsed().as_secs_f64(),
        loaded.articles as f64 / loaded.seconds.max(0.001)
    );
    Ok(())
}
