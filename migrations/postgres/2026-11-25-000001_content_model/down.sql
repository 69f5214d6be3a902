DROP TABLE related_articles;
DROP TABLE article_authors;
DROP TABLE article_tags;
DROP TABLE articles;
DROP TABLE tags;
DROP TABLE users;
