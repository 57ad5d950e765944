package io.switchboard.cqrs;

import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A kind of aggregate: the store category its streams live in ({@code order} → streams
 * {@code order-{id}}) and how to make an empty one for an id.
 */
public record AggregateType<A extends Aggregate>(String category, Function<String, A> factory) {

  private static final Pattern CATEGORY = Pattern.compile("[A-Za-z0-9_.:]{1,100}");
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.:-]{1,100}");

  public AggregateType {
    if (!CATEGORY.matcher(category).matches()) {
      throw new IllegalArgumentException("an aggregate category is 1-100 of A-Z a-z 0-9 _ . : (no '-'), not '" + category + "'");
    }
  }

  public String stream(String id) {
    return category + "-" + id;
  }

  /** Whether {@code id} can name an aggregate (it becomes part of a stream name). */
  public static boolean isValidId(String id) {
    return id != null && ID.matcher(id).matches();
  }
}
