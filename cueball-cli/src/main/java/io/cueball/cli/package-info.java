/**
 * The {@code cueball} executable: {@code demo}, {@code resolve}, {@code watch} and {@code simulate}. Not a library
 * API.
 */
package io.cueball.cli;
