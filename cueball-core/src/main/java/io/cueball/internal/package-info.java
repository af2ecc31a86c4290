/**
 * The pool's machinery. <b>Not API:</b> these classes are public only so that other cueball modules and the
 * benchmarks can reach them, and may change in any release without notice.
 */
package io.cueball.internal;
