package io.switchboard.gateway;

import io.switchboard.core.TopicEvent;

/** A live connection that receives the topic messages matching its patterns. */
interface Subscriber {

  /** Called on the owning gateway instance's event loop; must not block. */
  void deliver(TopicEvent event, OutboundFrames frames);
}
