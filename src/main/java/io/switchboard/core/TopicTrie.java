package io.switchboard.core;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Subscriptions indexed by pattern, so a message is matched by walking the topic's segments
 * instead of testing every subscription. A subscriber whose several patterns match one topic is
 * returned once. Not thread-safe: each owner (a verticle instance) keeps its own.
 */
public final class TopicTrie<T> {

  private static final class Node<T> {
    final Map<String, Node<T>> literal = new HashMap<>();
    Node<T> one;
    Node<T> any;
    final Set<T> subscribers = new LinkedHashSet<>();

    Node<T> child(String segment) {
      return switch (segment) {
        case TopicPattern.ONE -> one;
        case TopicPattern.ANY -> any;
        default -> literal.get(segment);
      };
    }

    Node<T> childOrCreate(String segment) {
      return switch (segment) {
        case TopicPattern.ONE -> one == null ? (one = new Node<>()) : one;
        case TopicPattern.ANY -> any == null ? (any = new Node<>()) : any;
        default -> literal.computeIfAbsent(segment, s -> new Node<>());
      };
    }

    void removeChild(String segment) {
      switch (segment) {
        case TopicPattern.ONE -> one = null;
        case TopicPattern.ANY -> any = null;
        default -> literal.remove(segment);
      }
    }

    boolean isEmpty() {
      return subscribers.isEmpty() && literal.isEmpty() && one == null && any == null;
    }
  }

  private final Node<T> root = new Node<>();
  private int size;

  /** Adds a subscription; returns false if this subscriber already had this pattern. */
  public boolean add(TopicPattern pattern, T subscriber) {
    Node<T> node = root;
    for (String segment : pattern.segments()) {
      node = node.childOrCreate(segment);
    }
    boolean added = node.subscribers.add(subscriber);
    if (added) {
      size++;
    }
    return added;
  }

  /** Removes a subscription and prunes the branches it leaves empty. */
  public boolean remove(TopicPattern pattern, T subscriber) {
    boolean removed = remove(root, pattern.segments(), 0, subscriber);
    if (removed) {
      size--;
    }
    return removed;
  }

  private boolean remove(Node<T> node, String[] segments, int i, T subscriber) {
    if (i == segments.length) {
      return node.subscribers.remove(subscriber);
    }
    Node<T> child = node.child(segments[i]);
    if (child == null) {
      return false;
    }
    boolean removed = remove(child, segments, i + 1, subscriber);
    if (child.isEmpty()) {
      node.removeChild(segments[i]);
    }
    return removed;
  }

  /** The number of (pattern, subscriber) pairs held. */
  public int size() {
    return size;
  }

  /** Every subscriber with at least one pattern matching the topic, each once. */
  public Set<T> match(String topic) {
    Set<T> out = new LinkedHashSet<>();
    forEachMatch(topic, out::add);
    return out;
  }

  /**
   * Calls {@code action} once for every subscriber with a pattern matching the topic. When one
   * pattern node matches (the common case) no set is built to remove duplicates. The action may
   * add or remove subscriptions (a connection that closes): it works on a snapshot.
   */
  @SuppressWarnings("unchecked")
  public void forEachMatch(String topic, java.util.function.Consumer<? super T> action) {
    if (size == 0) {
      return;
    }
    java.util.List<Set<T>> matched = new java.util.ArrayList<>(2);
    match(root, topic.split("\\.", -1), 0, matched);
    if (matched.size() == 1) {
      for (Object subscriber : matched.get(0).toArray()) {
        action.accept((T) subscriber);
      }
    } else if (matched.size() > 1) {
      Set<T> once = new LinkedHashSet<>();
      matched.forEach(once::addAll);
      once.forEach(action);
    }
  }

  private void match(Node<T> node, String[] topic, int i, java.util.List<Set<T>> out) {
    if (node.any != null) {
      // '#' takes zero or more segments; patterns are normalised so '#' never follows '#'.
      for (int next = i; next <= topic.length; next++) {
        match(node.any, topic, next, out);
      }
    }
    if (i == topic.length) {
      if (!node.subscribers.isEmpty()) {
        out.add(node.subscribers);
      }
      return;
    }
    Node<T> literal = node.literal.get(topic[i]);
    if (literal != null) {
      match(literal, topic, i + 1, out);
    }
    if (node.one != null) {
      match(node.one, topic, i + 1, out);
    }
  }
}
