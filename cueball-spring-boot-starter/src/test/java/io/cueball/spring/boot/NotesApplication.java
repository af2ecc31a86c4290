package io.cueball.spring.boot;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A small application as a user would write it: no DataSource bean, no spring.datasource.type, a Spring Data
 * JDBC repository ({@link NoteRepository}) over the table that Flyway's V1 migration creates.
 */
@SpringBootApplication
class NotesApplication {
}
