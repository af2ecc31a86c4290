/**
 * {@link io.cueball.resolver.fixed.StaticResolver}: a fixed list of backends, changeable at runtime. (The
 * package is {@code fixed} because {@code static} is a Java keyword.)
 */
package io.cueball.resolver.fixed;
