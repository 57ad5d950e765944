package io.switchboard.eventstore;

import io.switchboard.testing.TestDatabase;

/** The store's lifecycle on the embedded H2 database. */
class StreamLifecycleH2IT extends StreamLifecycleContract {

  @Override
  TestDatabase.Kind kind() {
    return TestDatabase.Kind.H2;
  }
}
