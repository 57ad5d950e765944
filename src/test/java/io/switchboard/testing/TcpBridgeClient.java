package io.switchboard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** A TCP event-bus bridge client as one in another language writes it: 4-byte big-endian length, then JSON. */
public final class TcpBridgeClient implements AutoCloseable {

  private final Socket socket;
  private final DataOutputStream out;
  private final DataInputStream in;

  public TcpBridgeClient(int port) throws IOException {
    this(port, 0);
  }

  /** {@code receiveBuffer} > 0: a small kernel buffer, so a client that stops reading is soon full. */
  public TcpBridgeClient(int port, int receiveBuffer) throws IOException {
    socket = new Socket();
    if (receiveBuffer > 0) {
      socket.setReceiveBufferSize(receiveBuffer);
    }
    socket.connect(new InetSocketAddress("127.0.0.1", port));
    socket.setSoTimeout(10_000);
    out = new DataOutputStream(socket.getOutputStream());
    in = new DataInputStream(socket.getInputStream());
  }

  /** A frame of {@code type} for {@code address}, with a {@code token} header when one is given. */
  public static JsonObject frame(String type, String address, String token) {
    JsonObject frame = new JsonObject().put("type", type).put("address", address);
    return token == null ? frame : frame.put("headers", new JsonObject().put("token", token));
  }

  public void write(JsonObject frame) throws IOException {
    writeRaw(frame.encode().getBytes(StandardCharsets.UTF_8));
  }

  public void writeRaw(byte[] json) throws IOException {
    out.writeInt(json.length);
    out.write(json);
    out.flush();
  }

  /** A frame length alone, whatever it announces. */
  public void writeLength(int length) throws IOException {
    out.writeInt(length);
    out.flush();
  }

  public JsonObject read() throws IOException {
    int length = in.readInt();
    byte[] json = new byte[length];
    in.readFully(json);
    return new JsonObject(new String(json, StandardCharsets.UTF_8));
  }

  /** Pings and waits for the pong: every frame sent before it has been handled. */
  public void ping() throws IOException {
    write(new JsonObject().put("type", "ping"));
    JsonObject answer = read();
    assertThat(answer.getString("type")).as(answer.encode()).isEqualTo("pong");
  }

  public void assertClosed() throws IOException {
    try {
      int next = in.read();
      assertThat(next).as("end of stream").isEqualTo(-1);
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the hub kept the connection open", e);
    } catch (EOFException | java.net.SocketException closed) {
      // reset by the hub: closed as well
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
