package io.switchboard.cqrs;

import io.switchboard.testing.TestDatabase;

/** The CQRS contract on the embedded H2 database (node-local projection locks). */
class CqrsH2IT extends CqrsContract {

  @Override
  TestDatabase.Kind kind() {
    return TestDatabase.Kind.H2;
  }
}
