package io.switchboard.groups;

import io.switchboard.testing.TestDatabase;

/** The consumer-group contract on PostgreSQL. */
class GroupsPostgresIT extends GroupsContract {

  @Override
  TestDatabase.Kind kind() {
    return TestDatabase.Kind.POSTGRES;
  }
}
