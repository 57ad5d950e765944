package io.switchboard.core;

/**
 * A verticle whose configuration fields are declared in one place, its {@link ConfigSchema}. The
 * launcher checks every enabled verticle's schema against the configuration that verticle will
 * receive (descriptor merged over conf) before anything deploys: a wrong field stops the start with
 * exit 2, naming the file, the field's path and what it must be.
 *
 * <p>Adding a setting: one line in the schema of each verticle that reads it (say
 * {@code .integer("ws.compression_level", 0, 9)}), or a whole section through its settings class
 * ({@code .parsedBy(MySettings::from)}, whose IllegalArgumentException names the field). Adding a
 * verticle: implement this interface. Nothing else is needed: the launcher finds it.
 */
public interface Configured {

  /** The fields this verticle reads from its configuration, with what each must be. */
  ConfigSchema configSchema();
}
