/** The {@code cueball} executable: {@code demo}, {@code resolve} and {@code watch}. Not a library API. */
package io.cueball.cli;
