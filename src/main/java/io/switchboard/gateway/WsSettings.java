package io.switchboard.gateway;

import io.vertx.core.json.JsonObject;

/** The {@code ws} section of the configuration. */
record WsSettings(long heartbeatMs, long presenceTtlMs, int maxBacklog, Outbox.SlowPolicy policy, int maxTopics,
                  int maxRooms, int maxFrameBytes, String defaultEventType, boolean compression,
                  int compressionLevel) {

  static WsSettings from(JsonObject conf) {
    JsonObject ws = conf.getJsonObject("ws", new JsonObject());
    long heartbeat = ws.getLong("heartbeat_ms", 15_000L);
    int level = ws.getInteger("compression_level", 1);
    if (level < 1 || level > 9) {
      throw new IllegalArgumentException("ws.compression_level: must be 1 to 9, not " + level);
    }
    return new WsSettings(heartbeat,
        ws.getLong("presence_ttl_ms", heartbeat * 3),
        ws.getInteger("max_backlog", 1000),
        Outbox.SlowPolicy.of(ws.getString("slow_policy", "drop_oldest")),
        ws.getInteger("max_topics", 100),
        ws.getInteger("max_rooms", 50),
        ws.getInteger("max_frame_bytes", 65_536),
        conf.getJsonObject("topics", new JsonObject()).getString("default_type", "switchboard.message"),
        ws.getBoolean("compression", false),
        level);
  }
}
