package io.switchboard.webhook;

import io.switchboard.testing.TestDatabase;

/** Webhooks on the embedded H2 database. */
class WebhooksH2IT extends WebhookContract {

  @Override
  TestDatabase.Kind kind() {
    return TestDatabase.Kind.H2;
  }
}
