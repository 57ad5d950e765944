-- The Order read model, kept by the "orders" projection from order.created and order.shipped.
-- Every column comes from the events, so a rebuild writes the same rows again.
CREATE TABLE order_read_model (
  order_id VARCHAR(100) NOT NULL PRIMARY KEY,
  customer_id VARCHAR(100) NOT NULL,
  status VARCHAR(20) NOT NULL,
  total DECIMAL(24, 4) NOT NULL,
  item_count INTEGER NOT NULL,
  tracking_number VARCHAR(100),
  created_at VARCHAR(64) NOT NULL,
  shipped_at VARCHAR(64),
  -- the global position of order.created: newest first in a customer's list
  created_position BIGINT NOT NULL,
  -- the stream version of the last event applied
  version BIGINT NOT NULL,
  correlation_id VARCHAR(255)
);

CREATE INDEX order_read_model_customer ON order_read_model (customer_id, created_position);

CREATE TABLE order_items_read_model (
  order_id VARCHAR(100) NOT NULL,
  line INTEGER NOT NULL,
  product_id VARCHAR(100) NOT NULL,
  quantity INTEGER NOT NULL,
  price DECIMAL(18, 4) NOT NULL,
  PRIMARY KEY (order_id, line)
);
