package io.switchboard.examples.orders;

import java.math.BigDecimal;

/** Amounts are decimals (never binary floating point); in JSON they are plain numbers such as 19.99. */
final class Money {

  /** The most decimal places a price may have (the read model keeps 4). */
  static final int SCALE = 4;

  private Money() {}

  /** A JSON number as a decimal; it keeps the digits the number was written with. */
  static BigDecimal of(Object number) {
    if (number instanceof BigDecimal decimal) {
      return decimal;
    }
    if (number instanceof Number n) {
      return new BigDecimal(n.toString());
    }
    throw new IllegalArgumentException("not a number: " + number);
  }

  /** The value to put in JSON: the shortest plain form (19.99, 20), never 2E+1. */
  static Number json(BigDecimal amount) {
    BigDecimal stripped = amount.stripTrailingZeros();
    if (stripped.scale() <= 0) {
      return stripped.longValueExact();
    }
    return stripped;
  }
}
