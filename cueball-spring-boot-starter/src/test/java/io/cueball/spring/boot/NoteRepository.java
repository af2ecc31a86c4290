package io.cueball.spring.boot;

import java.util.List;
import org.springframework.data.repository.CrudRepository;

/** Spring Data JDBC derives the queries; found by Boot's repository scan from {@link NotesApplication}. */
interface NoteRepository extends CrudRepository<Note, Long> {
    List<Note> findByText(String text);
}
