package io.switchboard.groups;

import io.switchboard.testing.TestDatabase;

/** The consumer-group contract on the embedded H2 database. */
class GroupsH2IT extends GroupsContract {

  @Override
  TestDatabase.Kind kind() {
    return TestDatabase.Kind.H2;
  }
}
