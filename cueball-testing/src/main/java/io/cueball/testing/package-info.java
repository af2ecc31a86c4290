/**
 * Test fixtures shared by cueball's modules and usable by applications that test code built on cueball:
 * real loopback TCP servers, a manual clock, a manual resolver, a recording listener and a connection factory
 * wrapper that tracks every connection. Use with test scope only.
 */
package io.cueball.testing;
