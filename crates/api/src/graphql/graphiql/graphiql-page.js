// Starts GraphiQL with the sample publication's article page as its example: the README's
// query, word for word (tests/api/graphql/graphiql.rs holds them to it). A file of its own,
// not an inline script, so that the page's Content-Security-Policy can forbid those.
(function () {
  'use strict';
  const defaultQuery = `# The sample publication's article page, in one round trip.
query ArticlePage($slug: String!) {
  article(slug: $slug) {
    title
    publishedAt
    readingTime
    primaryAuthor { name slug }
    tags { name slug }
    html
    relatedArticles(first: 5) {
      reason
      node { title slug publishedAt }
    }
  }
}
`;
  const variables = JSON.stringify({
    slug: 'weve-still-no-idea-about-needs-of-all-children-at-risk-admits-birmingham-social-services-chief',
  }, null, 2);
  const fetcher = GraphiQL.createFetcher({ url: window.location.pathname });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, { fetcher, defaultQuery, variables, defaultEditorToolsVisibility: true }),
  );
})();
