//! Connections over lists ordered by name (tags, authors): one generic type, named per node.

use async_graphql::{Object, OutputType};
use broadsheet_domain::author::Author;
use broadsheet_domain::listing::{NameCursor, Page};
use broadsheet_domain::tag::Tag;

use super::author::AuthorNode;
use super::pagination::{PageInfo, int};
use super::tag::TagNode;

/// A row of a name-ordered list: its GraphQL node and its position.
pub trait Named: Clone + Send + Sync + 'static {
    /// The GraphQL type of the row.
    type Node: OutputType;
    /// The GraphQL type of the row with its cursor ([`NameEdge`] of `Self`).
    type Edge: OutputType;
    /// The row as a node.
    fn node(&self) -> Self::Node;
    /// The row's position.
    fn cursor(&self) -> NameCursor;
    /// The row with its cursor.
    fn edge(&self) -> Self::Edge;
}

impl Named for Tag {
    type Node = TagNode;
    type Edge = NameEdge<Tag>;

    fn node(&self) -> TagNode {
        TagNode(self.clone())
    }

    fn cursor(&self) -> NameCursor {
        NameCursor::of(self.name.as_str(), self.id.0)
    }

    fn edge(&self) -> NameEdge<Tag> {
        NameEdge(self.clone())
    }
}

impl Named for Author {
    type Node = AuthorNode;
    type Edge = NameEdge<Author>;

    fn node(&self) -> AuthorNode {
        AuthorNode(self.clone())
    }

    fn cursor(&self) -> NameCursor {
        NameCursor::of(&self.profile.name, self.id.0)
    }

    fn edge(&self) -> NameEdge<Author> {
        NameEdge(self.clone())
    }
}

/// A page of a name-ordered list.
pub struct NameConnection<T: Named> {
    /// The rows.
    pub page: Page<T>,
    /// Rows in the whole list.
    pub total: i64,
}

/// A row in a page, with its position.
pub struct NameEdge<T: Named>(T);

#[Object(
    concrete(name = "TagEdge", params(Tag)),
    concrete(name = "AuthorEdge", params(Author))
)]
impl<T: Named> NameEdge<T> {
    /// Opaque position, for `after` and `before`.
    async fn cursor(&self) -> String {
        self.0.cursor().encode()
    }

    /// The row.
    async fn node(&self) -> T::Node {
        self.0.node()
    }
}

#[Object(
    concrete(name = "TagConnection", params(Tag)),
    concrete(name = "AuthorConnection", params(Author))
)]
impl<T: Named> NameConnection<T> {
    /// The rows with their cursors.
    async fn edges(&self) -> Vec<T::Edge> {
        self.page.items.iter().map(Named::edge).collect()
    }

    /// The rows, without cursors.
    async fn nodes(&self) -> Vec<T::Node> {
        self.page.items.iter().map(Named::node).collect()
    }

    /// Where this page is in the list.
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_next_page: self.page.has_next_page,
            has_previous_page: self.page.has_previous_page,
            start_cursor: self.page.items.first().map(|r| r.cursor().encode()),
            end_cursor: self.page.items.last().map(|r| r.cursor().encode()),
        }
    }

    /// Rows in the whole list.
    async fn total_count(&self) -> i32 {
        int(self.total)
    }
}
