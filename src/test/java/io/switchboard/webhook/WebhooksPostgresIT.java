package io.switchboard.webhook;

import io.switchboard.testing.TestDatabase;

/** Webhooks on PostgreSQL, in a schema of this run's own. */
class WebhooksPostgresIT extends WebhookContract {

  @Override
  TestDatabase.Kind kind() {
    return TestDatabase.Kind.POSTGRES;
  }
}
