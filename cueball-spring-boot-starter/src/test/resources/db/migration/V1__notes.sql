CREATE TABLE note (
    id   bigserial PRIMARY KEY,
    text varchar(200) NOT NULL
);
INSERT INTO note (text) VALUES ('migrated by Flyway through the cueball DataSource');
