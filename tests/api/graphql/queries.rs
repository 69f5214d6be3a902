//! Every query and filter, node refetching, visibility, and masked internal errors.

use broadsheet::demo;
use broadsheet_persistence::testing::{ArticleBuilder, TagBuilder, UserBuilder};
use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use super::{data, first_code};
use crate::helpers::{TestApp, e2e_tests};

e2e_tests!(
    article_by_slug_and_by_id,
    drafts_and_unknowns_are_null,
    pages_both_ways_with_tied_timestamps,
    article_filters_and_orders,
    tags_and_authors,
    node_refetches_every_type,
    internal_errors_are_masked,
);

const MAIN: &str = "weve-still-no-idea-about-needs-of-all-children-at-risk-admits-birmingham-social-services-chief";

async fn article_by_slug_and_by_id(app: TestApp) {
    demo::load(&app.db.store).expect("demo");
    let reply = app
        .graphql(
            "query($slug: String!) { article(slug: $slug) { id uuid slug title url readingTime wordCount
               publishedAt excerpt customExcerpt html featured
               primaryTag { slug } tags { slug } primaryAuthor { name slug url } authors { slug } } }",
            json!({ "slug": MAIN }),
        )
        .await;
    let body = reply.json();
    let article = data(&body, &["article"]);
    assert_eq!(article["slug"], MAIN);
    assert_eq!(article["url"], format!("https://news.example.com/{MAIN}/"));
    assert_eq!(article["publishedAt"], "2014-06-26T09:00:00+00:00");
    assert_eq!(article["primaryTag"]["slug"], "birmingham");
    let tags: Vec<&str> = article["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(|t| t["slug"].as_str())
        .collect();
    assert_eq!(
        tags,
        [
            "birmingham",
            "childrens-services",
            "ofsted",
            "local-government"
        ],
        "the internal #homepage tag is hidden"
    );
    assert_eq!(
        article["primaryAuthor"]["url"],
        "https://news.example.com/author/tom-ashby/"
    );
    assert!(
        article["html"]
            .as_str()
            .is_some_and(|h| h.contains("<blockquote>"))
    );
    assert!(article["readingTime"].as_i64().is_some_and(|m| m >= 3));

    let id = article["id"].as_str().expect("id").to_owned();
    let by_id = app
        .graphql(
            "query($id: ID!) { article(id: $id) { slug } }",
            json!({ "id": id }),
        )
        .await
        .json();
    assert_eq!(data(&by_id, &["article", "slug"]), MAIN);

    let both = app
        .graphql(
            "query($id: ID!) { article(id: $id, slug: \"x\") { slug } }",
            json!({ "id": id }),
        )
        .await
        .json();
    assert_eq!(first_code(&both), "BAD_USER_INPUT");
    let neither = app.graphql("{ article { slug } }", json!({})).await.json();
    assert_eq!(first_code(&neither), "BAD_USER_INPUT");
    // There is no private field to ask for.
    let email = app
        .graphql("{ author(slug: \"tom-ashby\") { email } }", json!({}))
        .await
        .json();
    assert_eq!(first_code(&email), "GRAPHQL_VALIDATION_FAILED");
}

async fn drafts_and_unknowns_are_null(app: TestApp) {
    demo::load(&app.db.store).expect("demo");
    let q = "query($slug: String!) { article(slug: $slug) { title } }";
    let draft = app
        .graphql(q, json!({ "slug": "childrens-services-one-year-on" }))
        .await
        .json();
    assert_eq!(
        data(&draft, &["article"]),
        &Value::Null,
        "drafts are not public"
    );
    let unknown = app
        .graphql(q, json!({ "slug": "no-such-article" }))
        .await
        .json();
    assert_eq!(data(&unknown, &["article"]), &Value::Null);
    let bad = app
        .graphql(q, json!({ "slug": "Not A Slug!" }))
        .await
        .json();
    assert_eq!(first_code(&bad), "BAD_USER_INPUT");
    assert_eq!(bad["errors"][0]["extensions"]["field"], "slug");
    let bad_id = app
        .graphql("{ article(id: \"garbage\") { title } }", json!({}))
        .await
        .json();
    assert_eq!(first_code(&bad_id), "BAD_USER_INPUT");
    let unknown_id = app
        .graphql(
            "{ node(id: \"QXJ0aWNsZTowMTk0YjNmZS0wMDAwLTdhYmMtOGRlZi0wMTIzNDU2Nzg5YWI\") { id } }",
            json!({}),
        )
        .await
        .json();
    assert_eq!(data(&unknown_id, &["node"]), &Value::Null);
    for body in [&draft, &unknown, &bad, &bad_id] {
        let text = body.to_string();
        assert!(
            !text.contains("SELECT") && !text.contains("sqlite") && !text.contains("postgres"),
            "{text}"
        );
    }
}

fn titles(page: &Value) -> Vec<String> {
    page["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["title"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn pages_both_ways_with_tied_timestamps(app: TestApp) {
    let mut c = app.db.store.conn().expect("connection");
    let w = UserBuilder::new("Writer").create(&mut c).id();
    let at = |d: u32| {
        Utc.with_ymd_and_hms(2020, 1, d, 12, 0, 0)
            .single()
            .expect("date")
    };
    // Created in this order; ids rise, so among equal dates the later-created comes first.
    for (title, day) in [
        ("A", 1),
        ("B", 2),
        ("C", 2),
        ("D", 2),
        ("E", 3),
        ("F", 3),
        ("G", 4),
    ] {
        ArticleBuilder::new(title, w)
            .published_at(at(day))
            .create(&mut c);
    }
    ArticleBuilder::new("Draft", w).draft().create(&mut c);
    drop(c);
    let expected = ["G", "F", "E", "D", "C", "B", "A"];
    let q = "query($first: Int, $after: String, $last: Int, $before: String) {
        articles(first: $first, after: $after, last: $last, before: $before) {
          totalCount edges { cursor node { title } }
          pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let body = app
            .graphql(q, json!({ "first": 2, "after": after }))
            .await
            .json();
        let page = data(&body, &["articles"]);
        assert_eq!(page["totalCount"], 7);
        seen.extend(titles(page));
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, expected, "forwards");
    let mut seen_back: Vec<String> = Vec::new();
    let mut before = Value::Null;
    loop {
        let body = app
            .graphql(q, json!({ "last": 3, "before": before }))
            .await
            .json();
        let page = data(&body, &["articles"]);
        let mut titles = titles(page);
        titles.extend(seen_back);
        seen_back = titles;
        if page["pageInfo"]["hasPreviousPage"] != true {
            break;
        }
        before = page["pageInfo"]["startCursor"].clone();
    }
    assert_eq!(seen_back, expected, "backwards");
    let too_many = app.graphql(q, json!({ "first": 101 })).await.json();
    assert_eq!(first_code(&too_many), "BAD_USER_INPUT");
    assert!(
        too_many["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("100"))
    );
    let both = app
        .graphql(q, json!({ "first": 1, "last": 1 }))
        .await
        .json();
    assert_eq!(first_code(&both), "BAD_USER_INPUT");
    let bad_cursor = app
        .graphql(q, json!({ "first": 1, "after": "bm9wZQ" }))
        .await
        .json();
    assert_eq!(first_code(&bad_cursor), "BAD_USER_INPUT");
    assert_eq!(bad_cursor["errors"][0]["extensions"]["field"], "after");
}

async fn count_and_slugs(app: &TestApp, filter: Value, order: &str) -> (i64, Vec<String>) {
    let q = format!(
        "query($filter: ArticleFilterInput) {{ articles(first: 100, filter: $filter, orderBy: {order}) {{
           totalCount nodes {{ slug }} }} }}"
    );
    let body = app.graphql(&q, json!({ "filter": filter })).await.json();
    let page = data(&body, &["articles"]);
    let slugs: Vec<String> = page["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["slug"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        page["totalCount"].as_i64(),
        Some(slugs.len() as i64),
        "{filter}"
    );
    (slugs.len() as i64, slugs)
}

async fn article_filters_and_orders(app: TestApp) {
    demo::load(&app.db.store).expect("demo");
    let (all, newest) = count_and_slugs(&app, json!({}), "NEWEST_FIRST").await;
    assert_eq!(all, 26, "every published article, and not the draft");
    let (_, oldest) = count_and_slugs(&app, json!({}), "OLDEST_FIRST").await;
    assert_eq!(
        oldest.iter().rev().collect::<Vec<_>>(),
        newest.iter().collect::<Vec<_>>()
    );
    let (_, by_title) = count_and_slugs(&app, json!({}), "TITLE").await;
    assert_eq!(
        by_title.first().map(String::as_str),
        Some(
            "weve-still-no-idea-about-needs-of-all-children-at-risk-admits-birmingham-social-services-chief"
        ),
        "its sort key starts with an apostrophe"
    );

    let (n, brexit) = count_and_slugs(&app, json!({ "tags": ["brexit"] }), "NEWEST_FIRST").await;
    assert_eq!(
        (n, brexit[0].as_str()),
        (2, "brexit-where-now-for-devolution")
    );
    let (n, _) = count_and_slugs(
        &app,
        json!({ "tags": ["brexit", "housing"] }),
        "NEWEST_FIRST",
    )
    .await;
    assert_eq!(n, 5);
    let (n, both) = count_and_slugs(
        &app,
        json!({ "allTags": ["brexit", "labour"] }),
        "NEWEST_FIRST",
    )
    .await;
    assert_eq!(
        (n, both[0].as_str()),
        (1, "brexit-corbyn-might-as-well-measure-up-the-curtains")
    );
    let (n, _) =
        count_and_slugs(&app, json!({ "authors": ["david-okafor"] }), "NEWEST_FIRST").await;
    assert_eq!(n, 4);
    let (n, _) = count_and_slugs(&app, json!({ "featured": true }), "NEWEST_FIRST").await;
    assert_eq!(n, 3);
    let (n, _) = count_and_slugs(
        &app,
        json!({ "publishedAfter": "2014-06-01T00:00:00Z", "publishedBefore": "2014-07-01T00:00:00Z" }),
        "NEWEST_FIRST",
    )
    .await;
    assert_eq!(n, 5);
    let (n, _) = count_and_slugs(
        &app,
        json!({ "nql": "tag:[brexit,housing]+published_at:<'2014-06-01'" }),
        "NEWEST_FIRST",
    )
    .await;
    assert_eq!(n, 3);
    let (n, _) = count_and_slugs(&app, json!({ "nql": "tag:hash-homepage" }), "NEWEST_FIRST").await;
    assert_eq!(n, 2, "internal tags still filter");
    let (n, _) = count_and_slugs(
        &app,
        json!({ "tags": ["birmingham"], "nql": "featured:true,author:priya-sandhu" }),
        "NEWEST_FIRST",
    )
    .await;
    assert_eq!(n, 3);

    for (filter, field) in [
        (json!({ "nql": "tag:" }), "filter.nql"),
        (json!({ "nql": "colour:red" }), "filter.nql"),
        (
            json!({ "nql": "tag:news'); DROP TABLE articles; --" }),
            "filter.nql",
        ),
        (json!({ "tags": ["Not A Slug"] }), "filter.tags"),
        (json!({ "authors": ["x y"] }), "filter.authors"),
    ] {
        let q = "query($filter: ArticleFilterInput) { articles(filter: $filter) { totalCount } }";
        let body = app.graphql(q, json!({ "filter": filter })).await.json();
        assert_eq!(first_code(&body), "BAD_USER_INPUT", "{filter}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{filter}");
    }
    let (n, _) = count_and_slugs(&app, json!({}), "NEWEST_FIRST").await;
    assert_eq!(n, 26, "nothing was dropped");
}

async fn tags_and_authors(app: TestApp) {
    demo::load(&app.db.store).expect("demo");
    let body = app
        .graphql(
            "{ tags(first: 100) { totalCount nodes { slug name articleCount url } }
               tag(slug: \"brexit\") { name articleCount articles(first: 1) { totalCount nodes { slug } pageInfo { hasNextPage } } }
               internal: tag(slug: \"hash-homepage\") { name }
               authors { totalCount nodes { slug articleCount } }
               author(slug: \"helen-marsh\") { name bio twitter articles(orderBy: OLDEST_FIRST, first: 2) { totalCount nodes { slug } } } }",
            json!({}),
        )
        .await
        .json();
    let tags = data(&body, &["tags"]);
    assert_eq!(tags["totalCount"], 15);
    let slugs: Vec<&str> = tags["nodes"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(|t| t["slug"].as_str())
        .collect();
    assert!(
        !slugs.contains(&"hash-homepage"),
        "internal tags are hidden"
    );
    assert_eq!(slugs[0], "birmingham", "by name");
    let birmingham = &tags["nodes"][0];
    assert_eq!(birmingham["articleCount"], 8);
    assert_eq!(
        birmingham["url"],
        "https://news.example.com/tag/birmingham/"
    );
    let brexit = data(&body, &["tag"]);
    assert_eq!(brexit["articleCount"], 2);
    assert_eq!(brexit["articles"]["totalCount"], 2);
    assert_eq!(brexit["articles"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(data(&body, &["internal"]), &Value::Null);
    assert_eq!(data(&body, &["authors", "totalCount"]), 4);
    let helen = data(&body, &["author"]);
    assert_eq!(helen["twitter"], "@helenmarsh_cf");
    assert_eq!(helen["articles"]["totalCount"], 7);
    assert_eq!(
        helen["articles"]["nodes"][0]["slug"],
        "long-road-to-city-region-deal"
    );

    // Paging tags by name, forwards then back.
    let page = |after: Value| {
        app.graphql(
        "query($after: String) { tags(first: 5, after: $after) { nodes { slug } pageInfo { endCursor hasNextPage } } }",
        json!({ "after": after }),
    )
    };
    let first = page(Value::Null).await.json();
    let second = page(data(&first, &["tags", "pageInfo", "endCursor"]).clone())
        .await
        .json();
    assert_eq!(
        data(&second, &["tags", "nodes"]).as_array().map(Vec::len),
        Some(5)
    );
    assert_ne!(
        data(&first, &["tags", "nodes", "0"]),
        data(&second, &["tags", "nodes", "0"])
    );
}

async fn node_refetches_every_type(app: TestApp) {
    demo::load(&app.db.store).expect("demo");
    let ids = app
        .graphql(
            &format!("{{ article(slug: \"{MAIN}\") {{ id }} tag(slug: \"ofsted\") {{ id }} author(slug: \"tom-ashby\") {{ id }} }}"),
            json!({}),
        )
        .await
        .json();
    let article = data(&ids, &["article", "id"]).clone();
    let tag = data(&ids, &["tag", "id"]).clone();
    let author = data(&ids, &["author", "id"]).clone();
    let q = "query($id: ID!) { node(id: $id) { id __typename ... on Article { slug } ... on Tag { slug } ... on Author { slug } } }";
    for (id, typename, slug) in [
        (&article, "Article", MAIN),
        (&tag, "Tag", "ofsted"),
        (&author, "Author", "tom-ashby"),
    ] {
        let body = app.graphql(q, json!({ "id": id })).await.json();
        let node = data(&body, &["node"]);
        assert_eq!(node["__typename"], typename);
        assert_eq!(node["slug"], slug);
        assert_eq!(&node["id"], id);
    }
    let body = app
        .graphql(
            "query($ids: [ID!]!) { nodes(ids: $ids) { __typename } }",
            json!({ "ids": [tag, "VGFnOjk5OTk5", article] }),
        )
        .await
        .json();
    let nodes = data(&body, &["nodes"]);
    assert_eq!(nodes[0]["__typename"], "Tag");
    assert_eq!(nodes[1], Value::Null, "unknown ids are null, in place");
    assert_eq!(nodes[2]["__typename"], "Article");
    let mut c = app.db.store.conn().expect("connection");
    let hidden = TagBuilder::new("#internal-only").create(&mut c);
    drop(c);
    let hidden_id = broadsheet_api_id("Tag", hidden.id.0);
    let body = app.graphql(q, json!({ "id": hidden_id })).await.json();
    assert_eq!(
        data(&body, &["node"]),
        &Value::Null,
        "internal tags are not nodes for the public"
    );
}

fn broadsheet_api_id(kind: &str, id: i64) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
}

async fn internal_errors_are_masked(app: TestApp) {
    demo::load(&app.db.store).expect("demo");
    let mut c = app.db.store.conn().expect("connection");
    diesel::connection::SimpleConnection::batch_execute(&mut **c, "DROP TABLE related_articles")
        .expect("drop a table under the running server");
    drop(c);
    let body = app
        .graphql(
            "query($slug: String!) { article(slug: $slug) { title relatedArticles { node { title } } } }",
            json!({ "slug": MAIN }),
        )
        .await
        .json();
    assert_eq!(first_code(&body), "INTERNAL");
    assert_eq!(body["errors"][0]["message"], "internal error");
    let text = body.to_string();
    assert!(
        !text.contains("related_articles")
            && !text.contains("no such table")
            && !text.contains("does not exist"),
        "{text}"
    );
    assert!(
        body.get("data").is_some(),
        "a field error, not a request error"
    );
}
