package io.switchboard.launch;

/** Start-up stopped on bad input; the message names the file (or variable) and the field. */
public final class LaunchException extends RuntimeException {

  public LaunchException(String message) {
    super(message, null, false, false);
  }
}
