package io.switchboard.webhook;

import io.switchboard.core.Problem;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One endpoint as the sender holding its partition serves it: its circuit breaker, rate limit and
 * concurrency cap, the deliveries claimed for it, and when to look for more. Event loop only.
 *
 * <p>Claims keep a batch of deliveries ready beside those in flight (about twice the cap), so each
 * claim takes several while the requests keep flowing. An open circuit stops sending and claiming
 * (deliveries wait without burning attempts); after {@code breaker.reset_ms} one delivery goes as
 * a probe, and its outcome closes the circuit or opens it again. Ordering is not kept: attempts of
 * an endpoint run side by side, and a failed one is retried later.
 */
final class Lane {

  private static final Logger log = LoggerFactory.getLogger(Lane.class);
  private static final long NEVER = Long.MAX_VALUE;
  private static final long DNS_CACHE_MS = 10_000;
  private static final int MAX_LATER = 100_000;
  private static final int MAX_READY = 64;

  /** What a lane needs from its sender. */
  interface Host {
    Vertx vertx();

    WebhookSettings settings();

    SenderStore store();

    HttpPoster poster();

    AddressGuard guard();

    String senderId();

    void record(Outcome outcome);

    /** The circuit went from one state to another ({@code closed}, {@code open}, {@code half_open}; {@code gone} when retired). */
    void circuitChanged(Lane lane, String from, String to);

    void disabled(Lane lane, String reason);

    void attempted(boolean delivered, int latencyMs, boolean exhausted);
  }

  private final Host host;
  final String id;
  /** When this lane was made (System.nanoTime), so a reading of the endpoints older than it cannot retire it. */
  final long bornAt = System.nanoTime();
  private Endpoint endpoint;
  private AddressGuard.Target target;
  private final CircuitBreaker breaker;
  private TokenBucket bucket;
  private final ArrayDeque<Claimed> ready = new ArrayDeque<>();
  /** When deliveries this lane knows of come due (retries it scheduled, deliveries it gave back). */
  private final PriorityQueue<Long> later = new PriorityQueue<>();
  private int inFlight;
  private boolean claiming;
  private boolean dirty;
  private long dueAt;
  private long timer = -1;
  private long timerAt = NEVER;
  private boolean retired;
  private Long failingSince;
  private String circuit = "closed";
  private InetAddress address;
  private long addressUntil;
  /** A moving average of this endpoint's attempt durations. */
  private double latencyMs = 50;

  Lane(Host host, Endpoint endpoint) {
    this.host = host;
    this.id = endpoint.id();
    WebhookSettings s = host.settings();
    this.breaker = CircuitBreaker.create("webhook-" + id, host.vertx(), new CircuitBreakerOptions()
            .setMaxFailures(s.breakerFailures())
            .setFailuresRollingWindow(s.breakerWindowMs())
            .setResetTimeout(s.breakerResetMs())
            .setTimeout(-1)
            .setMaxRetries(0))
        .openHandler(v -> circuit("open"))
        .halfOpenHandler(v -> circuit("half_open"))
        .closeHandler(v -> circuit("closed"));
    update(endpoint);
    this.failingSince = endpoint.failingSince();
    // A circuit found open (by a sender before this one, or before a restart) stays open: the
    // endpoint gets one probe after the reset time rather than a burst.
    if (!"closed".equals(endpoint.circuit())) {
      breaker.open();
    }
  }

  /** The endpoint's settings changed (or were read again). */
  void update(Endpoint changed) {
    if (endpoint == null || !changed.url().equals(endpoint.url())) {
      try {
        target = host.guard().target(changed.url());
      } catch (Problem p) {
        target = null;   // refused at delivery time, with the reason
      }
      address = null;
    }
    int rate = changed.rateLimit() != null ? changed.rateLimit() : host.settings().rateLimit();
    if (rate <= 0) {
      bucket = null;
    } else if (bucket == null || bucket.ratePerSecond() != rate) {
      bucket = new TokenBucket(rate, System.currentTimeMillis());
    }
    if (endpoint != null && !endpoint.active() && changed.active()) {
      dueAt = 0;   // switched on again: what waited is due
    }
    endpoint = changed;
  }

  Endpoint endpoint() {
    return endpoint;
  }

  int partition() {
    return endpoint.partition();
  }

  /** Something may be due for this endpoint from {@code at} on (new deliveries, a scheduled retry). */
  void dueFrom(long at) {
    long now = System.currentTimeMillis();
    if (at > now) {
      if (later.size() < MAX_LATER) {
        later.add(at);
      }
    } else if (claiming) {
      dirty = true;
    }
    if (at < dueAt) {
      dueAt = at;
    }
    service();
  }

  /** No longer this sender's (partition moved, endpoint deleted): give back what is claimed. */
  void retire() {
    retired = true;
    host.vertx().cancelTimer(timer);
    if (!"closed".equals(circuit)) {
      host.circuitChanged(this, circuit, "gone");
    }
    releaseReady(System.currentTimeMillis());
    breaker.close();
  }

  /** Sends what may go, claims more when the ready ones run low, and sets the timer for what comes next. */
  void service() {
    if (retired) {
      return;
    }
    long now = System.currentTimeMillis();
    if (!endpoint.active()) {
      releaseReady(now);
      return;
    }
    CircuitBreakerState state = breaker.state();
    if (state == CircuitBreakerState.OPEN) {
      // The half-open handler brings the lane back; until then nothing is claimed or sent.
      releaseReady(now + host.settings().breakerResetMs());
      return;
    }
    long wake = NEVER;
    while (!ready.isEmpty() && inFlight < cap(state)) {
      if (bucket != null && !bucket.take(now)) {
        wake = bucket.nextAt(now);
        break;
      }
      send(ready.poll(), now);
    }
    int target = target(state);
    int wanted = target - ready.size();
    if (!claiming && dueAt <= now && wanted > 0 && (ready.isEmpty() || wanted >= Math.max(1, target / 2))) {
      claim(wanted);
    } else if (dueAt > now) {
      wake = Math.min(wake, dueAt);
    }
    schedule(wake);
  }

  private int cap(CircuitBreakerState state) {
    if (state == CircuitBreakerState.HALF_OPEN) {
      return 1;
    }
    return endpoint.maxInFlight() != null ? endpoint.maxInFlight() : host.settings().maxInFlight();
  }

  /** How many deliveries to hold claimed and ready; a second's worth at most when the rate is limited. */
  private int target(CircuitBreakerState state) {
    if (state == CircuitBreakerState.HALF_OPEN) {
      return inFlight == 0 ? 1 : 0;
    }
    // About half a second of work at the latency seen so far, at least twice the cap, at most 64:
    // a fast receiver is served from batches of claims, a slow one is not kept waiting on claims
    // it cannot use (and a claimed delivery that waits too long for its turn is given back anyway).
    int cap = cap(state);
    int batch = (int) Math.min(MAX_READY, Math.max(2L * cap, cap * 500L / Math.max(1, (long) latencyMs)));
    return bucket == null ? batch : Math.max(1, Math.min(batch, bucket.ratePerSecond()));
  }

  private void schedule(long at) {
    if (at == NEVER || (timer != -1 && timerAt <= at)) {
      return;
    }
    host.vertx().cancelTimer(timer);
    timerAt = at;
    timer = host.vertx().setTimer(Math.max(1, at - System.currentTimeMillis()), t -> {
      timer = -1;
      timerAt = NEVER;
      service();
    });
  }

  private void claim(int wanted) {
    claiming = true;
    dirty = false;
    long now = System.currentTimeMillis();
    host.store().claim(id, host.senderId(), wanted, host.settings().claimLeaseMs()).onComplete(claimed -> {
      if (claimed.failed()) {
        claiming = false;
        log.debug("claiming deliveries of {} failed: {}", id, claimed.cause().toString());
        dueAt = now + 1000;
        service();
        return;
      }
      List<Claimed> rows = claimed.result();
      if (retired) {
        claiming = false;
        rows.forEach(d -> host.record(new Outcome.Released(d, System.currentTimeMillis())));
        return;
      }
      ready.addAll(rows);
      claiming = false;
      // All it asked for: there may be more. Fewer: nothing else is due now; what comes due later
      // is announced (new deliveries), known here (this sender's retries and releases, once written
      // down) or found by the poll (a retry another sender scheduled, a claim that ran out).
      while (!later.isEmpty() && later.peek() <= now) {
        later.poll();
      }
      dueAt = rows.size() == wanted || dirty ? now : later.isEmpty() ? NEVER : later.peek();
      service();
    });
  }

  private void send(Claimed d, long now) {
    WebhookSettings s = host.settings();
    if (now > d.leaseUntil() - s.connectTimeoutMs() - (long) s.requestTimeoutMs()) {
      // Waited so long (a low rate limit) that its claim could end mid-attempt: give it back.
      host.record(new Outcome.Released(d, now));
      return;
    }
    inFlight++;
    Buffer body = Buffer.buffer(d.body());
    List<byte[]> keys = endpoint.signingKeys(now);
    breaker.<HttpPoster.Result>execute(() -> resolve(now)
            .compose(ip -> host.poster().post(target, ip, d.id(), keys, body))
            .recover(e -> Future.succeededFuture(HttpPoster.Result.failed(0, e instanceof Problem p ? p.detail() : e.toString())))
            .compose(result -> result.success() ? Future.succeededFuture(result) : Future.failedFuture(new Failed(result))))
        .onComplete(ar -> {
          inFlight--;
          long done = System.currentTimeMillis();
          latencyMs = 0.9 * latencyMs + 0.1 * (done - now);
          if (ar.succeeded()) {
            succeeded(d, ar.result(), now);
          } else if (ar.cause() instanceof Failed failed) {
            failed(d, failed.result, now, done);
          } else if (ar.cause() instanceof OpenCircuitException) {
            host.record(new Outcome.Released(d, done));
          } else {
            failed(d, HttpPoster.Result.failed((int) (done - now), ar.cause().toString()), now, done);
          }
          service();
        });
  }

  /** The address to connect to, checked by the guard; looked up again every few seconds. */
  private Future<InetAddress> resolve(long now) {
    if (target == null) {
      return Future.failedFuture(Problem.invalid("invalid-url", "the endpoint's url is no longer acceptable: "
          + refusalOf(endpoint.url())));
    }
    if (address != null && now < addressUntil) {
      return Future.succeededFuture(address);
    }
    AddressGuard.Target asked = target;
    return host.guard().resolve(host.vertx(), asked).onSuccess(ip -> {
      if (asked == target) {
        address = ip;
        addressUntil = System.currentTimeMillis() + DNS_CACHE_MS;
      }
    });
  }

  private String refusalOf(String url) {
    try {
      host.guard().target(url);
      return "unknown";
    } catch (Problem p) {
      return p.detail();
    }
  }

  private void succeeded(Claimed d, HttpPoster.Result r, long attemptedAt) {
    host.record(new Outcome.Attempted(d, DeliveryStore.DELIVERED, d.scheduleStep(), attemptedAt, attemptedAt, r.status(),
        r.latencyMs(), r.excerpt(), null));
    host.attempted(true, r.latencyMs(), false);
    if (failingSince != null) {
      failingSince = null;
      host.record(new Outcome.EndpointState(id, null, circuit));
    }
  }

  private void failed(Claimed d, HttpPoster.Result r, long attemptedAt, long now) {
    long delay = host.settings().retryDelay(d.scheduleStep(), ThreadLocalRandom.current().nextDouble());
    boolean exhausted = delay < 0;
    long next = exhausted ? now : now + Math.max(delay, r.retryAfterMs());
    host.record(new Outcome.Attempted(d, exhausted ? DeliveryStore.FAILED : DeliveryStore.PENDING,
        exhausted ? d.scheduleStep() : d.scheduleStep() + 1, next, attemptedAt, r.status(), r.latencyMs(), r.excerpt(),
        truncate(r.error())));
    host.attempted(false, r.latencyMs(), exhausted);
    if (failingSince == null) {
      failingSince = attemptedAt;
      host.record(new Outcome.EndpointState(id, failingSince, circuit));
    } else if (endpoint.active() && now - failingSince >= host.settings().disableAfterMs()) {
      String reason = "every attempt failed since " + Endpoint.time(failingSince) + " (last: " + r.error() + ")";
      endpoint = new Endpoint(endpoint.id(), endpoint.url(), endpoint.events(), endpoint.description(), endpoint.secret(),
          endpoint.previousSecret(), endpoint.previousSecretUntil(), endpoint.rateLimit(), endpoint.maxInFlight(), false,
          reason, failingSince, circuit, endpoint.partition(), endpoint.createdAt(), now);
      host.disabled(this, truncate(reason));
    }
  }

  private void circuit(String state) {
    String from = circuit;
    circuit = state;
    host.record(new Outcome.EndpointState(id, failingSince, state));
    host.circuitChanged(this, from, state);
    if (!"open".equals(state)) {
      host.vertx().runOnContext(v -> service());
    }
  }

  private void releaseReady(long dueAgain) {
    while (!ready.isEmpty()) {
      host.record(new Outcome.Released(ready.poll(), dueAgain));
    }
  }

  int inFlight() {
    return inFlight;
  }

  private static String truncate(String text) {
    return text == null || text.length() <= 1000 ? text : text.substring(0, 997) + "...";
  }

  /** An attempt that reached an answer (or none) other than 2xx: a failure for the circuit breaker. */
  private static final class Failed extends RuntimeException {
    final HttpPoster.Result result;

    Failed(HttpPoster.Result result) {
      super(result.error(), null, false, false);
      this.result = result;
    }
  }
}
